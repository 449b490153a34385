"""The tutorial's model, made as the tutorial makes it (cached on disk by builder version):
Flatten(28x28) -> Dense(300, relu) -> Dense(100, relu) -> Dense(10, softmax) on MNIST-shaped data
(sklearn's 8x8 digits upsampled to 28x28: no downloads), pruned with tfmot prune_low_magnitude
(PolynomialDecay 0.2 -> 0.8), strip_pruning, then a plain TFLiteConverter -> float32 .tflite."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tests.test_kernels_helpers import CACHE, _tf

BUILDER_VERSION = 2


@dataclass(frozen=True)
class Tutorial:
    tflite: Path          # sparse_mnist_model.tflite, float32
    keras: Path           # the stripped, pruned model (tf-keras .keras)
    data: Path            # data.npz: x_* shaped (28, 28), y_* digit labels


def mnist_shaped() -> tuple[np.ndarray, np.ndarray]:
    """sklearn's digits (8x8, 0..16) upsampled to 28x28 in [0, 1] (bilinear, scipy-free)."""
    from sklearn.datasets import load_digits

    d = load_digits()
    img = d.images.astype(np.float32) / 16.0
    src = np.linspace(0, 7, 28)
    i0 = np.clip(np.floor(src).astype(int), 0, 6)
    f = (src - i0).astype(np.float32)
    rows = img[:, i0, :] * (1 - f)[None, :, None] + img[:, i0 + 1, :] * f[None, :, None]
    out = rows[:, :, i0] * (1 - f)[None, None, :] + rows[:, :, i0 + 1] * f[None, None, :]
    return out.astype(np.float32), d.target.astype(np.int64)


def build(root: Path = CACHE) -> Tutorial:
    out = root / f"tutorial_mlp_v{BUILDER_VERSION}"
    t = Tutorial(out / "sparse_mnist_model.tflite", out / "pruned_mnist.keras", out / "data.npz")
    if all(p.is_file() for p in (t.tflite, t.keras, t.data)):
        return t
    out.mkdir(parents=True, exist_ok=True)
    x, y = mnist_shaped()
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(x))
    x, y = x[idx], y[idx]
    n = 1500
    np.savez(t.data, x_train=x[:n], y_train=y[:n], x_test=x[n:], y_test=y[n:])
    tf = _tf()
    import tensorflow_model_optimization as tfmot

    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([
        tf.keras.layers.Flatten(input_shape=(28, 28)),
        tf.keras.layers.Dense(300, activation="relu"),
        tf.keras.layers.Dense(100, activation="relu"),
        tf.keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:n], y[:n], epochs=3, batch_size=64, verbose=0)
    steps = int(np.ceil(n / 64))
    end_step = steps * 3   # the tutorial's end_step = ceil(num_images / batch_size) * epochs; our data is
    # 40x smaller than MNIST, so the mask is updated every 8 steps (tfmot's default 100 never comes)
    pruning_params = {"pruning_schedule": tfmot.sparsity.keras.PolynomialDecay(
        initial_sparsity=0.20, final_sparsity=0.80, begin_step=0, end_step=end_step, frequency=8)}
    pruned = tfmot.sparsity.keras.prune_low_magnitude(model, **pruning_params)
    pruned.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    pruned.fit(x[:n], y[:n], epochs=4, batch_size=64, verbose=0,
               callbacks=[tfmot.sparsity.keras.UpdatePruningStep()])
    export = tfmot.sparsity.keras.strip_pruning(pruned)
    export.save(t.keras)
    converter = tf.lite.TFLiteConverter.from_keras_model(export)
    tmp = t.tflite.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(converter.convert())
    os.replace(tmp, t.tflite)
    return t
