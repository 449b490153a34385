"""Per-layer profile on the simulated Pico: the profiling build's PROFILE answer, and only its."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.paths import REPO_ROOT
from tests.conftest import reference_model


@pytest.mark.sim
def test_deploy_profile_records_layers(tmp_path: Path) -> None:
    model = reference_model("ad01_int8.tflite")
    out = tmp_path / "ad01"
    cmd = [sys.executable, "-m", "pipeline", "deploy", "--board", "pico", "--model", str(model), "--samples", "3",
           "--out", str(out), "--no-progress", "--profile"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_ROOT, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    prof = report["profile"]
    compiled = json.loads((out / "c" / "compile.json").read_text())
    timed = [op for op in compiled["ops"] if op["kernel"] is not None]
    layers = prof["layers"]
    assert [l["op"] for l in layers] == [op["opcode"] for op in timed]
    assert [l["macs"] for l in layers] == [op["macs"] for op in timed]
    assert all(set(l) >= {"name", "op", "macs", "cycles"} and l["cycles"] > 0 for l in layers)
    assert sum(l["macs"] for l in layers) == report["compile"]["macs"]
    assert prof["bit_exact"] and prof["cycles_unit"] == "cycles"
    summed = sum(l["cycles"] for l in layers)
    # one hal_cycles() read per op and the call into the engine lie outside the per-op figures
    assert 0.98 * prof["total_cycles"] <= summed <= prof["total_cycles"]
    # the hooks cost a few hundred cycles on a ~4.8 M cycle model: the unprofiled build's latency
    assert prof["total_cycles"] == pytest.approx(report["latency"]["cycles_median"], rel=0.01)
    assert sum(l["share"] for l in layers) == pytest.approx(1.0, abs=0.01)
    # the ordinary build is unchanged: it has no per-op hooks and does not answer PROFILE
    assert "EAT_PROFILE" not in (out / "firmware" / "platformio.ini").read_text()
    assert "-DEAT_PROFILE" in (out / "profile" / "firmware" / "platformio.ini").read_text()


@pytest.mark.sim
def test_unprofiled_firmware_refuses_profile(tmp_path: Path) -> None:
    from rich.console import Console

    from pipeline.boards import load_board
    from pipeline.deploy import build_firmware
    from pipeline.device.protocol import Device
    from pipeline.device.run import target_port
    from pipeline.errors import PipelineError

    board = load_board("pico")
    fw = build_firmware(reference_model("hello_world_int8.tflite"), board, tmp_path, "eat", Console(stderr=True))
    with target_port(board, fw.built.firmware, None) as ser:
        device = Device(ser, timeout_s=60)
        device.hello()
        with pytest.raises(PipelineError, match="unknown frame type"):
            device.profile()
