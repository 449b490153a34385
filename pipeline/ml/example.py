"""Stage 1, the built-in example: a small CNN trained on sklearn's 8x8 digits.

Out: `model.keras` (the float baseline) and `data.npz`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.data import Dataset
from pipeline.ml.tfenv import epoch_callback, import_tf, seed_everything

SEED = 0
EPOCHS = 30


@dataclass(frozen=True)
class ExampleResult:
    model_path: Path
    data_path: Path
    float_accuracy: float


def load_digits_dataset() -> Dataset:
    """sklearn's digits (1797 8x8 images, 0..16) scaled to [0, 1], shaped (8, 8, 1); 80/20 split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[..., np.newaxis]
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=SEED, stratify=y)
    return Dataset(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


def build_model():  # -> tf.keras.Model
    tf = import_tf()
    layers = tf.keras.layers
    return tf.keras.Sequential(
        [
            layers.Input(shape=(8, 8, 1), name="image"),
            layers.Conv2D(16, 3, padding="same", activation="relu", name="conv1"),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Conv2D(32, 3, padding="valid", activation="relu", name="conv2"),
            layers.Flatten(name="flatten"),
            layers.Dense(64, activation="relu", name="dense1"),
            layers.Dense(10, activation="softmax", name="probs"),
        ],
        name="digits_cnn",
    )


def make_example(out_dir: Path, epochs: int = EPOCHS, on_epoch: Callable[[int, int], None] | None = None) -> ExampleResult:
    tf = import_tf()
    seed_everything(SEED)
    data = load_digits_dataset()
    model = build_model()
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(data.x_train, data.y_train, epochs=epochs, batch_size=64, verbose=0, callbacks=epoch_callback(on_epoch, epochs))
    _, accuracy = model.evaluate(data.x_test, data.y_test, verbose=0)
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path = out_dir / "model.keras"
    model.save(model_path)
    data_path = data.save(out_dir / "data.npz")
    return ExampleResult(model_path=model_path, data_path=data_path, float_accuracy=float(accuracy))
