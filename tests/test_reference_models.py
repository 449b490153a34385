"""Every reference model end to end on the host, byte-identical to TFLM on >= 50 random inputs.

Models are read from ../shared/models (or $EAT_MODELS_DIR); tests skip when absent.
"""

import json
import os
from pathlib import Path

import numpy as np
import pytest

import tests.test_kernels_helpers  # noqa: F401  (puts the repo root on sys.path)
from pipeline.compiler.compile import compile_model
from pipeline.errors import PipelineError
from pipeline.device.hostrun import HostModel
from pipeline.tflite.oracle import Oracle

MODELS_DIR = Path(os.environ.get("EAT_MODELS_DIR", Path(__file__).resolve().parents[2] / "shared" / "models"))
INT8_MODELS = ["hello_world_int8.tflite", "ad01_int8.tflite", "kws_ref_model.tflite",
               "pretrainedResnet_quant.tflite", "vww_96_int8.tflite", "simple_add_model.tflite"]
# TFLM's arena on Cortex-M for the MLPerf Tiny models, measured by the team (bytes)
TFLM_ARENA = {"ad01_int8.tflite": 2260, "kws_ref_model.tflite": 22772,
              "pretrainedResnet_quant.tflite": 54340, "vww_96_int8.tflite": 100660}


def _model(name: str) -> Path:
    p = MODELS_DIR / name
    if not p.exists():
        pytest.skip(f"{p} not present")
    return p


@pytest.mark.parametrize("name", INT8_MODELS)
def test_reference_model_bit_exact(name, tmp_path):
    path = _model(name)
    result = compile_model(path, tmp_path)
    host = HostModel(tmp_path)
    oracle = Oracle(path)
    rng = np.random.default_rng(1234)
    n = 50
    for i in range(n):
        xs = [rng.integers(-128, 128, size=d.shape, dtype=np.int8) for d in oracle.inputs]
        for k, (a, b) in enumerate(zip(host.invoke(xs), oracle.invoke(xs))):
            assert np.array_equal(a.reshape(-1), np.asarray(b, np.int8).reshape(-1)), f"{name} output {k} input #{i}"
    info = json.loads((tmp_path / "compile.json").read_text())
    assert info["arena_bytes"] == result.arena_bytes
    assert f"#define EAT_MODEL_ARENA_BYTES {result.arena_bytes}u" in (tmp_path / "model.h").read_text()


@pytest.mark.parametrize("name", sorted(TFLM_ARENA))
def test_arena_at_most_three_quarters_of_tflm(name, tmp_path):
    result = compile_model(_model(name), tmp_path)
    assert result.arena_bytes <= 0.75 * TFLM_ARENA[name], (result.arena_bytes, TFLM_ARENA[name])


def test_hybrid_model_rejected_with_one_clear_error(tmp_path):
    path = _model("kws_ref_model_float32.tflite")
    out = tmp_path / "out"
    with pytest.raises(PipelineError) as e:
        compile_model(path, out)
    msg = str(e.value)
    assert "\n" not in msg
    assert "hybrid" in msg and "float32 tensor" in msg and "re-quantize with int8" in msg
    # only the ops with int8 weights on float activations are the problem: the float ones would run
    assert "(CONV_2D) + 4 more CONV_2D" in msg and "(DEPTHWISE_CONV_2D)" not in msg
    assert not out.exists(), "nothing may be written for an unsupported model"


def test_float_model_runs_bit_exact(tmp_path):
    """hello_world_float: float32 in, float32 kernels, float32 out, byte-identical to TFLM."""
    path = _model("hello_world_float.tflite")
    result = compile_model(path, tmp_path)
    assert [o.kernel for o in result.ops] == ["eat_fully_connected_f32"] * 3
    host, oracle = HostModel(tmp_path), Oracle(path)
    rng = np.random.default_rng(7)
    for i in range(50):
        x = [rng.uniform(-10, 10, size=d.shape).astype(np.float32) for d in oracle.inputs]
        assert host.invoke(x)[0].tobytes() == np.asarray(oracle.invoke(x)[0], np.float32).tobytes(), i
