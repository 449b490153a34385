"""Float models on simulated devices, the tutorial's flow as written (issue 10), and the same on an
STM32 board (nucleo_f446re: Cortex-M4F, hard float) — compared with the TFLM oracle.

Byte-identical where the arithmetic allows; models with SOFTMAX/LOGISTIC/TANH are held to
LIBM_ULP_TOLERANCE (the device's libm) and the largest difference seen is asserted and logged."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from pipeline.device.float_compare import LIBM_ULP_TOLERANCE, ulp_diff
from pipeline.paths import REPO_ROOT
from tests import float_cnn, tutorial_mlp

pytestmark = [pytest.mark.sim]


@pytest.fixture(scope="module")
def tutorial() -> tutorial_mlp.Tutorial:
    return tutorial_mlp.build()


@pytest.fixture(scope="module")
def load_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """load_model's build cache for this module (the default is out/load_model in the checkout)."""
    import os

    path = tmp_path_factory.mktemp("load_cache")
    old = os.environ.get("EAT_LOAD_CACHE")
    os.environ["EAT_LOAD_CACHE"] = str(path)
    yield path
    if old is None:
        os.environ.pop("EAT_LOAD_CACHE", None)
    else:
        os.environ["EAT_LOAD_CACHE"] = old


def _oracle_float(tflite: Path, x: np.ndarray) -> np.ndarray:
    from pipeline.tflite.oracle import Oracle

    o = Oracle(tflite)
    return np.stack([np.asarray(o.invoke([xi[None]])[0][0], np.float32) for xi in x])


@pytest.fixture(scope="module")
def pico_tutorial(tutorial: tutorial_mlp.Tutorial, load_cache: Path) -> dict:
    """The tutorial's lines, run on the simulated Pico."""
    import pipeline as eat

    x = np.load(tutorial.data)["x_test"][:3]
    model = eat.load_model(tutorial.tflite)                       # board "pico", simulator
    with model:
        y = model.predict(x)
        rand = model.predict(np.random.default_rng(0).random((1, 28, 28)).astype(np.float32))
        info, cycles = model.info, list(model.last_cycles)
    return {"x": x, "y": y, "rand": rand, "info": info, "cycles": cycles}


def test_tutorial_float_model_predicts_on_the_pico(pico_tutorial: dict, tutorial) -> None:
    y, x = pico_tutorial["y"], pico_tutorial["x"]
    assert y.shape == (3, 10) and y.dtype == np.float32
    assert pico_tutorial["info"].inputs[0].dtype == np.float32 and pico_tutorial["info"].outputs[0].dtype == np.float32
    assert pico_tutorial["rand"].shape == (1, 10)
    ref = _oracle_float(tutorial.tflite, x)
    worst = max(ulp_diff(a, b) for a, b in zip(y, ref))
    print(f"pico tutorial MLP: max {worst} ULP vs TFLM, byte-identical "
          f"{sum(a.tobytes() == b.tobytes() for a, b in zip(y, ref))}/3, cycles {pico_tutorial['cycles']}")
    assert worst <= LIBM_ULP_TOLERANCE
    assert all(c > 100_000 for c in pico_tutorial["cycles"])


def test_second_load_model_starts_from_the_cache(pico_tutorial: dict, tutorial, load_cache: Path) -> None:
    import pipeline as eat

    t0 = time.monotonic()
    with eat.load_model(tutorial.tflite) as model:
        started = time.monotonic() - t0
        y = model.predict(pico_tutorial["x"][:1])
    assert y.tobytes() == pico_tutorial["y"][:1].tobytes()
    assert len(list(load_cache.glob("sparse_mnist_model-pico-*"))) == 1   # one build per (model, board, engine)
    assert started < 60, started                          # no compile or build: the simulator only


def test_tutorial_int8_path_on_the_pico(tutorial, load_cache: Path) -> None:
    """The pruned Keras model with data=: int8-quantized, outputs exactly TFLM's, dequantized."""
    import pipeline as eat
    from pipeline.device.verify import quantize_inputs
    from pipeline.tflite.oracle import Oracle

    x = np.load(tutorial.data)["x_test"][:3]
    with eat.load_model(tutorial.keras, data=tutorial.data) as model:
        y = model.predict(x)
    report = json.loads(next(load_cache.glob("pruned_mnist-pico-*/report.json")).read_text())
    tflite = Path(report["artifacts"]["tflite"])
    oracle = Oracle(tflite)
    si, so = oracle.inputs[0], oracle.outputs[0]
    assert si.dtype == np.int8
    want = np.stack([oracle.invoke([quantize_inputs(xi, si.scale, si.zero_point)[None]])[0][0] for xi in x])
    np.testing.assert_array_equal(y, (want.astype(np.float32) - so.zero_point) * np.float32(so.scale))


def test_tutorial_float_model_on_nucleo_f446re_matches_the_pico(pico_tutorial: dict, tutorial) -> None:
    import pipeline as eat

    x = np.load(tutorial.data)["x_test"][:10]
    with eat.load_model(tutorial.tflite, board="nucleo_f446re") as model:
        y = model.predict(x)
    ref = _oracle_float(tutorial.tflite, x)
    worst = max(ulp_diff(a, b) for a, b in zip(y, ref))
    print(f"nucleo_f446re tutorial MLP: max {worst} ULP vs TFLM, byte-identical "
          f"{sum(a.tobytes() == b.tobytes() for a, b in zip(y, ref))}/10")
    assert worst <= LIBM_ULP_TOLERANCE
    # soft-float M0+ and hard-float M4F run the same operations: the same bits
    assert y[:3].tobytes() == pico_tutorial["y"].tobytes()


def _deploy(args: list[str], out: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "pipeline", "deploy", *args, "--out", str(out), "--no-progress"],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads((out / "report.json").read_text())


def test_deploy_sparse_mnist_model_tflite(tutorial, tmp_path: Path) -> None:
    model = shutil.copy(tutorial.tflite, tmp_path / "sparse_mnist_model.tflite")
    report = _deploy(["--board", "pico", "--model", str(model), "--samples", "2"], tmp_path / "o")
    v = report["verify"]
    assert v["samples"] == 2 and v["passed"] and v["float"]["max_ulp_diff"] <= LIBM_ULP_TOLERANCE
    assert v["float"]["libm_ops"] == ["SOFTMAX"]
    assert "float32" in v["input_source"]


@pytest.mark.parametrize("board, samples", [("pico", 3), ("nucleo_f446re", 30)])
def test_float_cnn_whole_model(board: str, samples: int, tmp_path: Path) -> None:
    tflite, data = float_cnn.build()
    report = _deploy(["--board", board, "--model", str(tflite), "--data", str(data), "--samples", str(samples)],
                     tmp_path / board)
    v = report["verify"]
    print(f"{board} float CNN: bit-exact {v['bit_exact']}/{v['samples']}, max {v['float']['max_ulp_diff']} ULP, "
          f"accuracy {v['accuracy']}, cycles {report['latency']['cycles_median']}")
    assert v["samples"] == samples and v["passed"]
    assert v["float"]["max_ulp_diff"] <= LIBM_ULP_TOLERANCE
    assert sorted(v["float"]["libm_ops"]) == ["LOGISTIC", "SOFTMAX", "TANH"]
