"""`bench` on the simulated Pico: the table's figures and its JSON fields."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.paths import REPO_ROOT
from tests.conftest import reference_model


@pytest.mark.sim
def test_bench_prints_and_writes_json(tmp_path: Path) -> None:
    models = [reference_model("ad01_int8.tflite"), reference_model("hello_world_int8.tflite")]
    cmd = [sys.executable, "-m", "pipeline", "bench", "--board", "pico", "--json", str(tmp_path / "bench.json"), "--out", str(tmp_path)]
    for m in models:
        cmd += ["--model", str(m)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "ad01_int8" in proc.stdout and "cycles/MAC" in proc.stdout
    rows = {r["name"]: r for r in json.loads((tmp_path / "bench.json").read_text())["models"]}
    ad01 = rows["ad01_int8"]
    assert set(ad01) >= {"name", "macs", "arena_bytes", "tflm_arena_bytes", "flash_bytes", "cycles", "cycles_per_mac"}
    assert ad01["macs"] == 264_192  # 640x128 + 3x 128x128 + 128x8 + 8x128 + 3x 128x128 + 128x640
    # TFLM's arena is measured on the target only with --against tflm (tests/test_tflm_engine.py)
    assert ad01["tflm_arena_bytes"] is None and ad01["arena_bytes"] < ad01["tflm_wheel_arena_bytes"]
    assert ad01["cycles_unit"] == "cycles" and ad01["layers"] == [] and ad01["tflm_cmsis_cycles"] is None
    assert ad01["cycles"] > ad01["macs"] and ad01["cycles_per_mac"] == pytest.approx(ad01["cycles"] / ad01["macs"], abs=1e-3)
    assert ad01["bit_exact"] == "3/3" and rows["hello_world_int8"]["bit_exact"] == "3/3"
    assert rows["hello_world_int8"]["tflm_arena_bytes"] is None
    assert json.loads((tmp_path / "bench.json").read_text())["cycles_unit"] == "cycles"
    for page in ("bench.html", "report.html"):   # beside --json, and in the out dir beside report.json
        html = (tmp_path / page).read_text()
        assert 'id="bench"' in html and "ad01_int8" in html and "data:image/svg+xml;base64," in html
