"""`pipeline.load_model`: a light top-level import and one-line errors for bad input (no build)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.errors import PipelineError
from pipeline.paths import REPO_ROOT


def test_top_level_import_stays_light() -> None:
    code = ("import sys, pipeline as eat; f = eat.load_model; "
            "print(callable(f), 'tensorflow' in sys.modules, 'tflite_micro' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True)
    assert out.stdout.split() == ["True", "False", "False"]


@pytest.mark.parametrize("name, kwargs, needle", [
    ("missing.tflite", {}, "not found"),
    ("model.onnx", {}, "neither a .tflite nor a Keras model"),
    ("m.tflite", {"engine": "xla"}, "engine 'xla'"),
    ("m.tflite", {"board": "nosuchboard"}, "nosuchboard"),
])
def test_bad_input_is_one_line(tmp_path: Path, name: str, kwargs: dict, needle: str) -> None:
    import pipeline as eat

    if name != "missing.tflite":
        (tmp_path / name).write_bytes(b"\0" * 16)
    with pytest.raises(PipelineError) as e:
        eat.load_model(tmp_path / name, out=tmp_path / "o", **kwargs)
    assert needle in str(e.value) and "\n" not in str(e.value)
    assert not (tmp_path / "o").exists()
