"""The tflm engine against the TFLM trees in ../shared/tflm (skips without them): built from the
cached library, run on the simulated Pico, bit-exact; `bench --against tflm --profile` JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.paths import REPO_ROOT
from tests.conftest import reference_model


@pytest.fixture(scope="session")
def tflm_trees() -> None:
    from pipeline.errors import PipelineError
    from pipeline.tflite.tflm_build import find_tree

    try:
        for variant in ("ref", "cmsis_nn"):
            find_tree(variant)
    except PipelineError as exc:
        pytest.skip(str(exc))


def test_sources_pick_the_model_kernels(tflm_trees: None) -> None:
    from pipeline.tflite.tflm_build import find_tree, sources

    ref, cmsis = find_tree("ref"), find_tree("cmsis_nn")
    names = {p.relative_to(ref.root).as_posix() for p in sources(ref, ["CONV_2D", "MAX_POOL_2D", "DEPTHWISE_CONV_2D"])}
    assert "tensorflow/lite/micro/kernels/conv.cc" in names and "tensorflow/lite/micro/kernels/pooling_common.cc" in names
    assert "tensorflow/lite/micro/micro_interpreter.cc" in names and "tensorflow/lite/micro/kernels/depthwise_conv.cc" in names
    assert not any("softmax" in n or n.startswith("signal/") or "test_helpers" in n for n in names)
    names = {p.relative_to(cmsis.root).as_posix() for p in sources(cmsis, ["CONV_2D"])}
    assert "tensorflow/lite/micro/kernels/cmsis_nn/conv.cc" in names
    assert "tensorflow/lite/micro/kernels/conv_common.cc" in names
    assert not any(n.startswith("third_party/") for n in names)  # CMSIS-NN sources: by symbol, see cmsis_closure


@pytest.mark.sim
def test_bench_against_tflm_with_profile(tflm_trees: None, tmp_path: Path) -> None:
    model = reference_model("ad01_int8.tflite")
    cmd = [sys.executable, "-m", "pipeline", "bench", "--board", "pico", "--model", str(model), "--against", "tflm",
           "--profile", "--json", str(tmp_path / "bench.json"), "--out", str(tmp_path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_ROOT, timeout=1800, env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "ours against TFLM" in proc.stdout  # the side-by-side table (its headers wrap in a pipe)
    doc = json.loads((tmp_path / "bench.json").read_text())
    assert doc["cycles_unit"] == "cycles"
    row = doc["models"][0]
    # both TFLM builds ran the same seeded inputs and matched the oracle byte for byte
    assert row["bit_exact"] == "3/3" and row["tflm_bit_exact"] == "ref 3/3, cmsis_nn 3/3"
    assert row["cycles_unit"] == "cycles"
    assert row["tflm_ref_cycles"] > row["tflm_cmsis_cycles"] > row["macs"]
    assert row["ratio_vs_tflm_cmsis"] == pytest.approx(row["cycles"] / row["tflm_cmsis_cycles"], abs=1e-3)
    # TFLM's arena as the target reports it (arena_used_bytes on a 32-bit core), larger than our plan
    assert row["arena_bytes"] < row["tflm_arena_bytes"] < row["tflm_wheel_arena_bytes"]
    # The Cortex-M0+ FC packs weights two bytes each (two products per MULS): ad01's firmware is
    # larger than TFLM's (measured 541,980 B against 334,444 B); it was smaller with int8 weights.
    assert row["flash_bytes"] < 1.7 * row["tflm_cmsis_flash_bytes"]
    # the baseline for ad01 on rp2040js (same commits and compiler): within 5%
    assert row["tflm_ref_cycles"] == pytest.approx(4_284_022, rel=0.05)
    assert row["tflm_cmsis_cycles"] == pytest.approx(2_359_766, rel=0.05)
    layers = row["layers"]
    assert layers and all(set(l) >= {"name", "op", "macs", "cycles"} for l in layers)
    assert sum(l["macs"] for l in layers) == row["macs"]
    assert sum(l["cycles"] for l in layers) == pytest.approx(row["cycles"], rel=0.02)
