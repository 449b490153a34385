"""QUANTIZE int8 -> int8 (requantization) against TFLM; float edges go to the float kernels.

TFLM: reference_ops::Requantize with QuantizeMultiplier(double(in_scale) / double(out_scale))."""

import numpy as np
import pytest

from pipeline.compiler.compile import compile_model
from pipeline.errors import PipelineError
from tests.single_op_models import all_int8_inputs, compare, parallel_unary, random_scale, unary


@pytest.mark.parametrize("seed", [41, 42])
def test_requantize_random(seed, tmp_path):
    rng = np.random.default_rng(seed)
    qs = [((random_scale(rng, 1e-3, 1.0), int(rng.integers(-128, 128))),
           (random_scale(rng, 1e-3, 1.0), int(rng.integers(-128, 128)))) for _ in range(8)]
    qs[1] = ((0.02, 5), (0.02, 5))       # identity
    qs[2] = ((0.02, 5), (0.02, -20))     # zero point shift only
    info = compare(parallel_unary("QUANTIZE", [3, 100], qs), tmp_path, [[all_int8_inputs([3, 100])] * 8])
    assert info["ops"] == ["QUANTIZE"] * 8


def test_float_edges_lower_to_the_float_kernels(tmp_path):
    """float32 -> int8 QUANTIZE and int8 -> float32 DEQUANTIZE run (bit-exactness: test_kernels_f32.py)."""
    for opcode, kernel, q_in, q_out, dt in (("QUANTIZE", "eat_quantize_f32_s8", (None, 0), (0.1, 3), dict(in_dtype="FLOAT32")),
                                            ("DEQUANTIZE", "eat_dequantize_s8_f32", (0.1, 3), (None, 0), dict(out_dtype="FLOAT32"))):
        p = tmp_path / f"{opcode}.tflite"
        p.write_bytes(unary(opcode, [1, 8], q_in, q_out, **dt))
        assert [o.kernel for o in compile_model(p, tmp_path / opcode).ops] == [kernel]


def test_int16_quantize_refused(tmp_path):
    p = tmp_path / "m.tflite"
    p.write_bytes(unary("QUANTIZE", [1, 8], (0.1, 0), (0.1, 3), in_dtype="INT16"))
    with pytest.raises(PipelineError) as e:
        compile_model(p, tmp_path / "out")
    msg = str(e.value)
    assert "\n" not in msg and "QUANTIZE" in msg and "int16" in msg
    assert not (tmp_path / "out").exists()
