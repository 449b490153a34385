"""The whole deploy of the built-in example, in simulation (or on a board with --hil-port)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pipeline.data import Dataset

pytestmark = [pytest.mark.sim, pytest.mark.hil]


def test_deploy_example_is_bit_exact(deployed_example: Path) -> None:
    report = json.loads((deployed_example / "report.json").read_text())
    v = report["verify"]
    assert v["samples"] >= 100
    assert v["bit_exact"] == v["samples"]
    assert v["accuracy"] > 0.85
    assert report["latency"]["cycles_median"] > 10_000
    mem = report["memory"]
    assert 0 < mem["arena_bytes"] <= mem["ram_bytes"] < mem["ram_budget_bytes"]
    assert mem["weights_bytes"] < mem["flash_bytes"] < mem["flash_budget_bytes"]
    assert all(l["zero_fraction"] >= 0.78 for l in report["prune"]["layers"])
    for name in ("model.keras", "pruned.keras", "model_int8.tflite", "data.npz", "c/model.c", "c/model.h",
                 "c/model_data.c", "firmware/platformio.ini", "firmware.elf", "firmware.bin", "firmware.uf2", "verify.json"):
        assert (deployed_example / name).is_file(), name
    log = (deployed_example / "deploy.log").read_text()
    assert f"{v['bit_exact']}/{v['samples']}" in log
    sp = report["sparsity"]   # issue 9: the pruned example's weights go sparse and it shows
    assert sp["layers"] and all(l["encoding"] in ("dense", "sparse_d4", "sparse_2of4", "sparse_p8") and l["reason"] for l in sp["layers"])
    assert any(l["encoding"] == "sparse_d4" for l in sp["layers"])
    assert sp["flash_saved_bytes"] == sum(l["dense_const_bytes"] - l["chosen_const_bytes"] for l in sp["layers"]) > 0
    assert sp["weight_bytes_saved"] == sum(l["dense_weight_bytes"] - l["chosen_weight_bytes"] for l in sp["layers"]) > 0
    assert 0 < sp["cycles_ratio"] < 1
    if sp["dense_cycles"] is not None:   # --measure-dense on a simulator: both firmwares measured
        assert sp["dense_cycles"] > sp["sparse_cycles"] == report["latency"]["cycles_median"]
        assert "measured" in sp["cycles_source"]
        assert sp["firmware_flash_saved_bytes"] == sp["dense_flash_bytes"] - sp["sparse_flash_bytes"] > 0
        assert sp["sparse_flash_bytes"] == mem["flash_bytes"]
    assert "sparse weights" in log and "flash saved" in log


def test_predict_runs_on_the_device(deployed_example: Path, hil_target: tuple[str, str | None]) -> None:
    from pipeline.api import DeployedModel
    from pipeline.tflite.oracle import Oracle
    from pipeline.device.verify import quantize_inputs

    data = Dataset.load(deployed_example / "data.npz")
    x = data.x_test[:12]
    with DeployedModel.open(deployed_example, port=hil_target[1]) as model:
        probs = model.predict(x)
        raw = model.predict(x, quantized=False)
        cycles = list(model.last_cycles)
    assert probs.shape == (12, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=0.05)  # softmax, dequantized
    np.testing.assert_array_equal(probs, raw)
    assert all(c > 10_000 for c in cycles)
    oracle = Oracle(deployed_example / "model_int8.tflite")
    spec = oracle.inputs[0]
    want = [oracle.invoke([quantize_inputs(xi, spec.scale, spec.zero_point)[None]])[0][0] for xi in x]
    expected = (np.array(want, dtype=np.float32) - oracle.outputs[0].zero_point) * np.float32(oracle.outputs[0].scale)
    np.testing.assert_array_equal(probs, expected)
