"""Keras 3 `.keras` files carried into tf-keras (what tfmot and the rest of ml/ work with).

TensorFlow >= 2.16 saves Keras 3 files (`model.save("m.keras")`); tf-keras cannot read them
("Error when deserializing class 'InputLayer' ... batch_shape"). Here the file is loaded with the
`keras` 3 package, each layer is rebuilt in tf-keras from its config (Keras-3-only keys
translated) and given the same weights. Sequential models and functional models whose layers
form one chain are carried; anything else, and layers tf-keras lacks, get one clear error naming them.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError
from pipeline.ml.tfenv import import_tf

DROP_KEYS = ("registered_name", "module")


def is_keras3_file(path: Path) -> bool:
    """A `.keras` zip whose metadata.json names Keras 3."""
    if path.suffix != ".keras" or not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as z:
        if "metadata.json" not in z.namelist():
            return False
        meta = json.loads(z.read("metadata.json"))
    return str(meta.get("keras_version", "")).startswith("3")


def _clean(value: Any) -> Any:
    """Keras 3 config values -> tf-keras: dtype policies to their name, serialized objects to
    {"class_name", "config"}."""
    if isinstance(value, dict):
        if value.get("class_name") in ("DTypePolicy", "FloatDTypePolicy") and "config" in value:
            return value["config"].get("name", "float32")
        if "class_name" in value and "config" in value:
            return {"class_name": value["class_name"], "config": _clean(value["config"])}
        return {k: _clean(v) for k, v in value.items() if k not in DROP_KEYS}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _tf_keras_config(layer) -> dict:
    """The layer's config for tf-keras: initializers dropped (the weights are copied), keys tf-keras
    does not know (Keras 3 additions such as quantization_config) dropped when at their default."""
    cfg = _clean(layer.get_config())
    return {k: v for k, v in cfg.items() if not k.endswith("_initializer")}


BASE_KWARGS = {"name", "trainable", "dtype", "input_shape", "batch_input_shape", "batch_size", "input_dim",
               "dynamic", "autocast"}


def _from_config(cls, cfg: dict, layer_name: str):
    """cls.from_config with the keys tf-keras does not take dropped when they hold no value (Keras 3
    additions such as quantization_config=None); any other such key is an error naming it."""
    import inspect

    accepted = set(BASE_KWARGS)
    for base in cls.__mro__:   # keyword arguments passed on to a base class count too
        if "__init__" in vars(base):
            accepted |= set(inspect.signature(base.__init__).parameters)
    extra = {k: v for k, v in cfg.items() if k not in accepted}
    set_extra = [k for k, v in extra.items() if v not in (None, False, 0, "", [], {})]
    if set_extra:
        raise PipelineError(f"Keras 3 layer '{layer_name}' ({cls.__name__}) uses {', '.join(set_extra)}, which "
                            "tf-keras lacks; remove it or convert the model to .tflite yourself")
    return cls.from_config({k: v for k, v in cfg.items() if k not in extra})


def _chain(model) -> list:
    """The model's layers (Input excluded) if they form one chain, else an error naming why."""
    layers = [l for l in model.layers if type(l).__name__ != "InputLayer"]
    if type(model).__name__ == "Sequential":
        return layers
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise PipelineError(f"{model.name}: a Keras 3 model with {len(model.inputs)} inputs / {len(model.outputs)} outputs "
                            "cannot be carried to tf-keras here; save it with tf-keras (TF_USE_LEGACY_KERAS=1) or as a .tflite")
    prev = model.inputs[0]
    for layer in layers:
        if layer.input is not prev and getattr(layer.input, "name", None) != getattr(prev, "name", None):
            raise PipelineError(f"{model.name}: layer '{layer.name}' does not take the previous layer's output "
                                "(branches or skips); only chains of layers are carried from Keras 3 — "
                                "save the model with tf-keras (TF_USE_LEGACY_KERAS=1) or convert it to .tflite")
        prev = layer.output
    return layers


def load_keras3(path: Path):  # -> tf_keras.Model
    """Load a Keras 3 file and rebuild it in tf-keras with the same weights."""
    tf = import_tf()
    import keras  # Keras 3, installed with TensorFlow

    try:
        k3 = keras.saving.load_model(path, compile=False)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PipelineError(f"could not load Keras 3 model {path}: {first}") from exc
    layers = _chain(k3)
    tk = tf.keras
    unknown = [f"{l.name} ({type(l).__name__})" for l in layers if not hasattr(tk.layers, type(l).__name__)]
    if unknown:
        raise PipelineError(f"{path.name}: Keras 3 layers with no tf-keras counterpart: {', '.join(unknown)}; "
                            "replace them or convert the model to .tflite yourself")
    x = inputs = tk.Input(shape=tuple(k3.inputs[0].shape[1:]), dtype="float32", name="input")
    rebuilt = []
    for layer in layers:
        cls = getattr(tk.layers, type(layer).__name__)
        try:
            new = _from_config(cls, _tf_keras_config(layer), layer.name)
            x = new(x)
            new.set_weights(layer.get_weights())
        except PipelineError:
            raise
        except Exception as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise PipelineError(f"{path.name}: Keras 3 layer '{layer.name}' ({type(layer).__name__}) "
                                f"cannot be rebuilt in tf-keras: {first}") from exc
        rebuilt.append(new)
    return tk.Model(inputs, x, name=k3.name)
