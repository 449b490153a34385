"""QUANTIZE int8 -> int8 (requantization) against TFLM; float edges and DEQUANTIZE refused clearly.

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


def test_float_input_quantize_refused(tmp_path):
    p = tmp_path / "m.tflite"
    p.write_bytes(unary("QUANTIZE", [1, 8], (None, 0), (0.1, 3), in_dtype="FLOAT32"))
    with pytest.raises(PipelineError) as e:
        compile_model(p, tmp_path / "out")
    msg = str(e.value)
    assert "\n" not in msg and "QUANTIZE" in msg and "inference_input_type=tf.int8" in msg and "integer-only" in msg
    assert not (tmp_path / "out").exists()


def test_dequantize_refused(tmp_path):
    p = tmp_path / "m.tflite"
    p.write_bytes(unary("DEQUANTIZE", [1, 8], (0.1, 3), (None, 0), out_dtype="FLOAT32"))
    with pytest.raises(PipelineError) as e:
        compile_model(p, tmp_path / "out")
    msg = str(e.value)
    assert "\n" not in msg and "DEQUANTIZE" in msg and "inference_output_type=tf.int8" in msg
