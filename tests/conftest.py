"""Shared fixtures: the reference models directory and the example's artifacts (built once)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pipeline.paths import REPO_ROOT


def models_dir() -> Path:
    return Path(os.environ.get("EAT_MODELS_DIR", REPO_ROOT.parent / "shared" / "models"))


@pytest.fixture(scope="session")
def reference_models() -> Path:
    path = models_dir()
    if not path.is_dir():
        pytest.skip(f"reference models not found at {path} (set EAT_MODELS_DIR)")
    return path


def reference_model(name: str) -> Path:
    path = models_dir() / name
    if not path.is_file():
        pytest.skip(f"{path} absent (set EAT_MODELS_DIR)")
    return path


@pytest.fixture(scope="session")
def example_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built-in example trained, pruned (0.8) and quantized, once per test session."""
    from pipeline.example import make_example
    from pipeline.prune import prune_model
    from pipeline.quantize import quantize_model

    out = tmp_path_factory.mktemp("example")
    ex = make_example(out)
    pr = prune_model(ex.model_path, ex.data_path, out, 0.8)
    quantize_model(pr.model_path, ex.data_path, out / "model_int8.tflite")
    return out


def have_tool(name: str) -> bool:
    return shutil.which(name) is not None
