"""Every int8 reference model deployed to the simulated Pico: bit-exact with TFLM on random inputs.

Fewer samples for the large models (the simulator runs ~57 M cycles/s): vww 96x96 takes ~200 M
cycles an inference."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.deploy import DeployOptions, deploy
from tests.conftest import reference_model

pytestmark = pytest.mark.sim

SAMPLES = {
    "hello_world_int8.tflite": 50,
    "ad01_int8.tflite": 50,
    "simple_add_model.tflite": 20,
    "kws_ref_model.tflite": 50,
    "pretrainedResnet_quant.tflite": 10,
    "vww_96_int8.tflite": 5,
}


@pytest.mark.parametrize("name", list(SAMPLES))
def test_reference_model_bit_exact_on_simulated_pico(name: str, tmp_path: Path) -> None:
    model = reference_model(name)
    report = deploy(DeployOptions(board="pico", model=model, samples=SAMPLES[name], out=tmp_path, progress=False))
    v = report["verify"]
    assert v["samples"] == SAMPLES[name]
    assert v["bit_exact"] == v["samples"], v["first_mismatches"]
    assert "random int8" in v["input_source"]
    assert v["accuracy"] is None
    saved = json.loads((tmp_path / "report.json").read_text())
    assert saved["memory"]["arena_bytes"] == report["compile"]["arena_bytes"]
