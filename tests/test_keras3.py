"""Keras 3 `.keras` files (TF >= 2.16's default save format): carried into tf-keras with the same
weights, refused with one clear line when they cannot be, and deployed bit-exact (issue 10)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pipeline.errors import PipelineError
from pipeline.paths import REPO_ROOT
from tests.test_kernels_helpers import _tf


def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    d = load_digits()
    return (d.images / 16.0).astype(np.float32)[..., None], d.target.astype(np.int64)


@pytest.fixture(scope="module")
def keras3_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A user's model saved by Keras 3 itself (`model.save("m.keras")`), and its data.npz."""
    _tf()
    import keras

    assert keras.__version__.startswith("3")
    keras.utils.set_random_seed(0)
    x, y = _digits()
    m = keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(8, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.BatchNormalization(),
        keras.layers.Flatten(),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dropout(0.1),
        keras.layers.Dense(10, activation="softmax"),
    ])
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    m.fit(x[:1500], y[:1500], epochs=4, batch_size=32, verbose=0)
    out = tmp_path_factory.mktemp("k3")
    m.save(out / "user_model.keras")
    np.savez(out / "data.npz", x_train=x[:1500], y_train=y[:1500], x_test=x[1500:], y_test=y[1500:])
    return out / "user_model.keras", out / "data.npz"


def test_keras3_file_is_carried_with_its_weights(keras3_model: tuple[Path, Path]) -> None:
    import keras

    from pipeline.ml.keras3 import is_keras3_file
    from pipeline.ml.keras_io import load_keras

    path, _ = keras3_model
    assert is_keras3_file(path)
    x, _ = _digits()
    carried = load_keras(path)
    assert type(carried).__module__.startswith("tf_keras")
    original = keras.saving.load_model(path, compile=False)
    np.testing.assert_allclose(carried.predict(x[:64], verbose=0), original.predict(x[:64], verbose=0), atol=1e-5)


def test_keras3_branching_model_is_refused_naming_the_layer(tmp_path: Path) -> None:
    _tf()
    import keras

    from pipeline.ml.keras_io import load_keras

    inp = keras.Input((8,))
    a = keras.layers.Dense(8, name="left")(inp)
    b = keras.layers.Dense(8, name="right")(inp)
    out = keras.layers.Add(name="merge")([a, b])
    keras.Model(inp, out).save(tmp_path / "branchy.keras")
    with pytest.raises(PipelineError) as e:
        load_keras(tmp_path / "branchy.keras")
    msg = str(e.value)
    assert "\n" not in msg and "'right'" in msg and "chains" in msg


@pytest.mark.sim
def test_keras3_user_model_deploys_bit_exact(keras3_model: tuple[Path, Path], tmp_path: Path) -> None:
    """`deploy --model user_model.keras`: carried, pruned by tfmot, int8-quantized, bit-exact on the Pico."""
    path, data = keras3_model
    out = tmp_path / "o"
    proc = subprocess.run([sys.executable, "-m", "pipeline", "deploy", "--board", "pico", "--model", str(path),
                           "--data", str(data), "--sparsity", "0.5", "--samples", "10", "--out", str(out),
                           "--no-progress"], capture_output=True, text=True, cwd=REPO_ROOT, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    v = report["verify"]
    assert v["samples"] == 10 and v["bit_exact"] == 10
    assert all(l["zero_fraction"] >= 0.45 for l in report["prune"]["layers"])
    assert v["accuracy"] > 0.7
