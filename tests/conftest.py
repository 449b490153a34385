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
    from pipeline.ml.example import make_example
    from pipeline.ml.prune import prune_model
    from pipeline.ml.quantize import quantize_model

    out = tmp_path_factory.mktemp("example")
    ex = make_example(out)
    pr = prune_model(ex.model_path, ex.data_path, out, 0.8)
    quantize_model(pr.model_path, ex.data_path, out / "model_int8.tflite")
    return out


def have_tool(name: str) -> bool:
    return shutil.which(name) is not None


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--hil-port", default=os.environ.get("EAT_HIL_PORT"),
        help="serial port of a real board for the hardware-in-the-loop tests (default: the simulator)",
    )
    parser.addoption("--hil-board", default=os.environ.get("EAT_HIL_BOARD", "pico"), help="board id for --hil-port")


@pytest.fixture(scope="session")
def hil_target(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    """(board, port): a real board when --hil-port is given, else (pico, None) for the simulator."""
    port = request.config.getoption("--hil-port")
    return (request.config.getoption("--hil-board") if port else "pico"), port


@pytest.fixture(scope="session")
def deployed_example(tmp_path_factory: pytest.TempPathFactory, hil_target: tuple[str, str | None]) -> Path:
    """`python -m pipeline deploy` of the built-in example (as the README's first command runs it)."""
    import subprocess
    import sys

    board, port = hil_target
    out = tmp_path_factory.mktemp("deploy")
    cmd = [sys.executable, "-m", "pipeline", "deploy", "--board", board, "--out", str(out), "--no-progress"]
    if port:
        cmd += ["--port", port]
    else:
        cmd += ["--measure-dense"]   # issue 9: the sparse firmware's cycles against the dense build's
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_ROOT, timeout=1200)
    (out / "deploy.log").write_text(proc.stdout + proc.stderr)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out
