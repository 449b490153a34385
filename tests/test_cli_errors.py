"""Bad input gets one clear line naming the problem and the fix: no traceback, nothing half-written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.paths import REPO_ROOT
from tests.conftest import reference_model


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    error_lines = [l for l in proc.stderr.splitlines() if l.startswith("error:")]
    assert len(error_lines) == 1, proc.stderr
    for needle in needles:
        assert needle in proc.stderr, (needle, proc.stderr)


def test_unknown_board(tmp_path: Path) -> None:
    assert_one_line_error(run_cli("deploy", "--board", "uno", "--out", str(tmp_path / "o")), "unknown board 'uno'", "pico")


def test_bench_weights_small_needs_sparsity(tmp_path: Path) -> None:
    proc = run_cli("bench", "--board", "pico", "--weights", "small", "--out", str(tmp_path / "o"))
    assert_one_line_error(proc, "--weights small", "--sparsity")
    assert not (tmp_path / "o").exists()


def test_missing_model(tmp_path: Path) -> None:
    assert_one_line_error(
        run_cli("deploy", "--board", "pico", "--model", str(tmp_path / "none.keras"), "--out", str(tmp_path / "o")),
        "not found", "--model",
    )


def test_keras_model_without_data(tmp_path: Path, example_dir: Path) -> None:
    assert_one_line_error(
        run_cli("deploy", "--board", "pico", "--model", str(example_dir / "model.keras"), "--out", str(tmp_path / "o")),
        "give --data",
    )


@pytest.mark.parametrize("name, needle", [("kws_ref_model_float32.tflite", "hybrid")])
def test_hybrid_models_stop_before_any_build(tmp_path: Path, name: str, needle: str) -> None:
    out = tmp_path / "o"
    proc = run_cli("deploy", "--board", "pico", "--model", str(reference_model(name)), "--out", str(out))
    assert_one_line_error(proc, needle, "layer")
    assert not (out / "c").exists() and not (out / "firmware").exists()


def test_tflm_engine_without_a_tree_says_what_it_needs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "o"
    monkeypatch.setenv("TFLM_DIR", str(tmp_path / "no-tflm-here"))  # run_cli's child inherits it
    proc = run_cli("deploy", "--board", "pico", "--engine", "tflm", "--model", str(reference_model("hello_world_int8.tflite")), "--out", str(out))
    assert_one_line_error(proc, "TFLM_DIR")
    assert not (out / "firmware").exists()  # stopped before render and build


def test_verbose_does_not_leak_into_later_in_process_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """main() runs in-process (tests, the API): --verbose is set for its own call only."""
    import os

    from pipeline.cli import main

    monkeypatch.delenv("EAT_VERBOSE", raising=False)
    seen: list[str | None] = []
    monkeypatch.setattr("pipeline.cli.cmd_deploy", lambda args, console: seen.append(os.environ.get("EAT_VERBOSE")) or 0)
    assert main(["deploy", "--board", "pico", "--verbose", "--out", str(tmp_path / "o")]) == 0
    assert main(["deploy", "--board", "pico", "--out", str(tmp_path / "o")]) == 0
    assert seen == ["1", None]
    assert "EAT_VERBOSE" not in os.environ
