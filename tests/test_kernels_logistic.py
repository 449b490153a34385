"""LOGISTIC int8 against TFLM: exhaustive over the 256 input values, random input quantization.

TFLM (this wheel) runs reference_integer_ops::Logistic: the gemmlowp fixed-point path, not a LUT;
we tabulate that exact arithmetic at compile time (eat_lut_s8)."""

import numpy as np
import pytest

from pipeline.errors import PipelineError
from tests.single_op_models import all_int8_inputs, compare, parallel_unary, random_scale, tf_model, unary


@pytest.mark.parametrize("seed, shape", [(1, [1, 256]), (2, [2, 3, 5, 7]), (3, [1, 8, 8, 4])])
def test_logistic_random_quantization(seed, shape, tmp_path):
    rng = np.random.default_rng(seed)
    # input scales from 2^-12 (radius beyond int8) to 1.0 (saturating almost everywhere)
    qs = [((random_scale(rng, 2.5e-4, 1.0), int(rng.integers(-128, 128))), (1 / 256, -128)) for _ in range(8)]
    info = compare(parallel_unary("LOGISTIC", shape, qs), tmp_path, [[all_int8_inputs(shape)] * 8])
    assert info["ops"] == ["LOGISTIC"] * 8 and "eat_lut_s8" in (tmp_path / "out" / "model.c").read_text()


def test_logistic_from_converter(tmp_path):
    info = compare(tf_model("sigmoid", [[4, 4, 8]], 7, [(-6.0, 5.0)]), tmp_path, [[all_int8_inputs([1, 4, 4, 8])]])
    assert info["ops"] == ["LOGISTIC"]


def test_logistic_rejects_other_output_zero_point(tmp_path):
    p = tmp_path / "m.tflite"
    p.write_bytes(unary("LOGISTIC", [1, 16], (0.05, 0), (1 / 256, 0)))
    from pipeline.compiler.compile import compile_model
    with pytest.raises(PipelineError, match=r"LOGISTIC at layer 'output': output zero point 0 \(TFLM requires -128\)"):
        compile_model(p, tmp_path / "out")
