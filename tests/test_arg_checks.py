"""Every deploy argument is checked before any work: a table of bad inputs, each giving one line
that names the problem and the fix, exit status 2, and nothing built (no c/, firmware/, report)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from pipeline.cli import main
from pipeline.paths import BOARDS_DIR
from pipeline.tflite.model import load
from tests.conftest import reference_model

CLASSIFIER = "kws_ref_model.tflite"  # 12 classes


def _data(tmp: Path, shape: tuple[int, ...], n: int = 4, **edit: np.ndarray) -> Path:
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.random((n, *shape), dtype=np.float32), "y_train": np.arange(n) % 3,
              "x_test": rng.random((n, *shape), dtype=np.float32), "y_test": np.arange(n) % 3}
    arrays.update(edit)
    path = tmp / "data.npz"
    np.savez(path, **arrays)
    return path


def _shape() -> tuple[int, ...]:
    m = load(reference_model(CLASSIFIER))
    return tuple(m.tensors[m.inputs[0]].shape[1:])


def _board(tmp: Path, drop: str) -> Path:
    d = json.loads((BOARDS_DIR / "pico.json").read_text())
    del d[drop]
    path = tmp / "board.json"
    path.write_text(json.dumps(d))
    return path


def _file(tmp: Path, name: str, content: bytes) -> Path:
    path = tmp / name
    path.write_bytes(content)
    return path


# (id, argv builder given tmp dir -> extra args, substrings the one error line must hold)
Case = tuple[str, Callable[[Path], list[str]], tuple[str, ...]]
TFLITE = lambda: str(reference_model(CLASSIFIER))  # noqa: E731
CASES: list[Case] = [
    ("samples-zero", lambda t: ["--samples", "0"], ("--samples 0", "positive")),
    ("samples-negative", lambda t: ["--samples", "-3"], ("--samples -3",)),
    ("sparsity-one", lambda t: ["--sparsity", "1"], ("--sparsity 1", "[0, 1)")),
    ("sparsity-negative", lambda t: ["--sparsity", "-0.1"], ("--sparsity -0.1",)),
    ("sparsity-nan", lambda t: ["--sparsity", "nan"], ("--sparsity nan",)),
    ("sparsity-tflite", lambda t: ["--model", TFLITE(), "--sparsity", "1.5"], ("--sparsity 1.5",)),
    ("port-missing", lambda t: ["--port", str(t / "ttyNOPE")], ("no such serial device", "--port")),
    ("no-flash-without-port", lambda t: ["--no-flash"], ("--no-flash needs --port",)),
    ("out-is-file", lambda t: ["--out", str(_file(t, "f", b"x"))], ("is a file",)),
    ("out-under-file", lambda t: ["--out", str(_file(t, "f", b"x") / "sub")], ("is a file",)),
    ("out-not-writable", lambda t: ["--out", "/proc/eat-out"], ("not writable",)),
    ("model-missing", lambda t: ["--model", str(t / "none.tflite")], ("not found",)),
    ("model-empty-tflite", lambda t: ["--model", str(_file(t, "e.tflite", b""))], ("empty",)),
    ("model-empty-keras", lambda t: ["--model", str(_file(t, "e.keras", b"")), "--data", str(_data(t, (8, 8, 1)))], ("empty",)),
    ("model-directory", lambda t: ["--model", str(t)], ("is a directory",)),
    ("model-wrong-suffix", lambda t: ["--model", str(_file(t, "m.onnx", b"onnx"))], ("expected a Keras model",)),
    ("model-not-tflite", lambda t: ["--model", str(_file(t, "m.tflite", b"garbage" * 20))], ("not a valid .tflite",)),
    ("model-not-keras-zip", lambda t: ["--model", str(_file(t, "m.keras", b"PK" * 20)), "--data", str(_data(t, (8, 8, 1)))], ("not a readable .keras",)),
    ("data-missing", lambda t: ["--model", TFLITE(), "--data", str(t / "none.npz")], ("not found",)),
    ("data-not-npz", lambda t: ["--model", TFLITE(), "--data", str(_file(t, "d.npz", b"text"))], ("not a readable .npz",)),
    ("data-lacks-arrays", lambda t: ["--model", TFLITE(), "--data", str(_npz(t, x_test=np.zeros((1, 2))))], ("lacks",)),
    ("data-without-model", lambda t: ["--data", str(_data(t, (8, 8, 1)))], ("--data needs --model",)),
    ("data-nan", lambda t: ["--model", TFLITE(), "--data", str(_data(t, _shape(), x_test=np.full((4, *_shape()), np.nan, np.float32)))], ("NaN or infinite",)),
    ("data-inf", lambda t: ["--model", TFLITE(), "--data", str(_data(t, _shape(), x_train=np.full((4, *_shape()), np.inf, np.float32)))], ("NaN or infinite",)),
    ("data-empty", lambda t: ["--model", TFLITE(), "--data", str(_data(t, _shape(), x_test=np.zeros((0, *_shape()), np.float32), y_test=np.zeros(0)))], ("x_test is empty",)),
    ("data-shape", lambda t: ["--model", TFLITE(), "--data", str(_data(t, (5, 5)))], ("shaped", "the model input")),
    ("data-label-range", lambda t: ["--model", TFLITE(), "--data", str(_data(t, _shape(), y_test=np.array([0, 1, 2, 12])))], ("label 12 is out of range", "12 outputs")),
    ("data-label-negative", lambda t: ["--model", TFLITE(), "--data", str(_data(t, _shape(), y_train=np.array([0, -1, 2, 1])))], ("class labels start at 0",)),
    ("data-label-fraction", lambda t: ["--model", TFLITE(), "--data", str(_data(t, _shape(), y_train=np.array([0.5, 1, 2, 1])))], ("whole numbers",)),
    ("data-length-mismatch", lambda t: ["--model", TFLITE(), "--data", str(_data(t, _shape(), y_test=np.array([0, 1])))], ("lengths differ",)),
    ("data-train-test-shapes", lambda t: ["--model", TFLITE(), "--data", str(_data(t, _shape(), x_train=np.zeros((4, 3), np.float32)))], ("one sample shape",)),
    ("board-unknown", lambda t: ["--board", "uno"], ("unknown board 'uno'",)),
    ("board-missing-field", lambda t: ["--board", str(_board(t, "clock_hz"))], ("lacks the field 'clock_hz'",)),
    ("board-missing-uart", lambda t: ["--board", str(_board(t, "uart"))], ("lacks the field 'uart'",)),
    ("board-not-json", lambda t: ["--board", str(_file(t, "b.json", b"{nope"))], ("not valid JSON",)),
    ("board-file-missing", lambda t: ["--board", str(t / "none.json")], ("not found",)),
]


def _npz(tmp: Path, **arrays: np.ndarray) -> Path:
    path = tmp / "partial.npz"
    np.savez(path, **arrays)
    return path


def test_the_table_has_at_least_25_cases() -> None:
    assert len(CASES) >= 25 and len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_argument_stops_before_any_work(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, extra, needles = case
    args = extra(tmp_path)
    out = tmp_path / "out"
    argv = ["deploy", "--no-progress"]
    if "--board" not in args:
        argv += ["--board", "pico"]
    if "--out" not in args:
        argv += ["--out", str(out)]
    code = main([*argv, *args])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), err
    for needle in needles:
        assert needle in err, (needle, err)
    assert not out.exists()  # nothing made: no staging, no c/, no firmware/
