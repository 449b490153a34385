"""Stage 2, prune: tfmot magnitude pruning to a target sparsity, fine-tuned, then stripped.

In: a float Keras model and `data.npz`. Out: `pruned.keras` and `prune.json` with the measured
zero fraction of every weight tensor that pruning touched. The float baseline is never modified:
pruning wraps (and mutates) the layers of the model it is given, so it works on a clone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from pipeline.data import Dataset
from pipeline.errors import PipelineError
from pipeline.ml.keras_io import load_keras
from pipeline.ml.quiet import native_output_to
from pipeline.ml.tfenv import epoch_callback, import_tf, seed_everything

SEED = 0


@dataclass(frozen=True)
class LayerSparsity:
    layer: str
    weights: int
    zeros: int

    @property
    def zero_fraction(self) -> float:
        return self.zeros / self.weights if self.weights else 0.0


@dataclass
class PruneResult:
    model_path: Path
    target_sparsity: float
    epochs: int
    float_accuracy: float | None
    pruned_accuracy: float | None
    layers: list[LayerSparsity] = field(default_factory=list)
    method: str = "magnitude"
    channels: list[dict] = field(default_factory=list)   # --prune channel: what each pruning point kept

    def to_json(self) -> dict:
        return {
            "method": self.method,
            "model": str(self.model_path),
            "target_sparsity": self.target_sparsity,
            "epochs": self.epochs,
            "float_accuracy": self.float_accuracy,
            "pruned_accuracy": self.pruned_accuracy,
            "layers": [asdict(l) | {"zero_fraction": round(l.zero_fraction, 4)} for l in self.layers],
        } | ({"channels": self.channels} if self.channels else {})


def measure_sparsity(model) -> list[LayerSparsity]:
    """Zero fraction of each layer's kernel (the weights pruning acts on; biases are left alone)."""
    out = []
    for layer in model.layers:
        kernels = [w for w in layer.weights if w.name.split("/")[-1].startswith(("kernel", "depthwise_kernel"))]
        for w in kernels:
            values = np.asarray(w.numpy())
            out.append(LayerSparsity(layer=layer.name, weights=int(values.size), zeros=int(np.count_nonzero(values == 0))))
    return out


def _accuracy(model, data: Dataset) -> float | None:
    if model.output_shape[-1] < 2:
        return None
    pred = np.argmax(model.predict(data.x_test, verbose=0), axis=-1)
    return float(np.mean(pred == data.y_test))


def prune_model(model_path: Path, data_path: Path, out_dir: Path, sparsity: float, epochs: int = 8,
                method: str = "magnitude",
                on_epoch: Callable[[int, int], None] | None = None) -> PruneResult:
    """`method`: magnitude (tfmot, polynomial schedule), channel (pipeline/ml/prune_channel: whole
    filters removed) or a zero pattern of pipeline/ml/prune_methods."""
    if not 0.0 <= sparsity < 1.0:
        raise PipelineError(f"--sparsity {sparsity} is out of range; give a fraction in [0, 1), e.g. 0.8")
    tf = import_tf()
    with native_output_to(None):
        import tensorflow_model_optimization as tfmot

    seed_everything(SEED)
    baseline = load_keras(model_path)
    data = Dataset.load(data_path)
    model = tf.keras.models.clone_model(baseline)  # prune a copy: the baseline stays intact
    model.set_weights(baseline.get_weights())

    loss = "sparse_categorical_crossentropy" if baseline.output_shape[-1] > 1 else "mse"
    if method == "channel":
        from pipeline.ml.prune_channel import prune_channels

        smaller, cuts = prune_channels(tf, model, data.x_train, data.y_train, sparsity, epochs, loss,
                                       epoch_callback(on_epoch, epochs))
        result = _finish(baseline, smaller, data, out_dir, sparsity, epochs, method, removed=cuts)
        return result
    if method != "magnitude":
        from pipeline.ml.prune_methods import prune_masked

        pruned = prune_masked(tf, model, data.x_train, data.y_train, method, sparsity, epochs, loss)
        return _finish(baseline, pruned, data, out_dir, sparsity, epochs, method)
    batch = 64
    steps_per_epoch = int(np.ceil(len(data.x_train) / batch))
    end_step = max(1, steps_per_epoch * max(1, epochs - 2))  # reach the target, then fine-tune at it
    schedule = tfmot.sparsity.keras.PolynomialDecay(
        initial_sparsity=0.0, final_sparsity=sparsity, begin_step=0, end_step=end_step, frequency=max(1, steps_per_epoch // 2)
    )
    try:
        wrapped = tfmot.sparsity.keras.prune_low_magnitude(model, pruning_schedule=schedule)
    except ValueError as exc:
        raise PipelineError(f"tfmot cannot prune {model_path.name}: {str(exc).splitlines()[0]}; pass --sparsity 0 to skip pruning") from exc
    wrapped.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss=loss)
    wrapped.fit(
        data.x_train, data.y_train, epochs=epochs, batch_size=batch, verbose=0,
        callbacks=[tfmot.sparsity.keras.UpdatePruningStep(), *epoch_callback(on_epoch, epochs)],
    )
    pruned = tfmot.sparsity.keras.strip_pruning(wrapped)
    return _finish(baseline, pruned, data, out_dir, sparsity, epochs, method)


def _finish(baseline, pruned, data: Dataset, out_dir: Path, sparsity: float, epochs: int, method: str,
            removed: list | None = None) -> PruneResult:
    """Saves the pruned model and prune.json. `removed` (channel pruning): the ChannelCuts, whose
    removed weights are reported as the layer's "zeros" (they are gone, not stored as zeros)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pruned_path = out_dir / "pruned.keras"
    pruned.save(pruned_path)
    result = PruneResult(
        model_path=pruned_path,
        target_sparsity=sparsity,
        epochs=epochs,
        float_accuracy=_accuracy(baseline, data),
        pruned_accuracy=_accuracy(pruned, data),
        layers=measure_sparsity(pruned) if removed is None else
        [LayerSparsity(c.layer, c.weights_before, c.weights_before - c.weights_after) for c in removed],
        method=method,
        channels=[asdict(c) for c in removed or []],
    )
    (out_dir / "prune.json").write_text(json.dumps(result.to_json(), indent=2) + "\n")
    return result
