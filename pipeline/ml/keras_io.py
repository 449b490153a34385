"""Loading a user's Keras model with a one-line error instead of a traceback."""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.ml.tfenv import import_tf

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


def load_keras(path: Path):  # -> tf.keras.Model
    if not path.is_file():
        raise PipelineError(f"model file {path} not found; pass --model with a .keras, .h5 or int8 .tflite file")
    if path.suffix not in KERAS_SUFFIXES:
        raise PipelineError(f"model file {path} is not a Keras model ({', '.join(KERAS_SUFFIXES)}); pass one of those or an int8 .tflite")
    from pipeline.ml.keras3 import is_keras3_file, load_keras3

    if is_keras3_file(path):   # saved by Keras 3 (TF >= 2.16's default): rebuilt in tf-keras
        return load_keras3(path)
    tf = import_tf()
    try:
        return tf.keras.models.load_model(path, compile=False)
    except Exception as exc:  # Keras raises many types for a bad file
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PipelineError(f"could not load Keras model {path}: {first}; save it with model.save('model.keras')") from exc
