"""TANH int8 against TFLM: exhaustive over the 256 input values, random input quantization.

TFLM runs reference_integer_ops::Tanh (gemmlowp fixed point, Q4.27 input, output 1/128 with zero
point 0 assumed, not checked); we tabulate that arithmetic at compile time (eat_lut_s8)."""

import numpy as np
import pytest

from tests.single_op_models import all_int8_inputs, compare, parallel_unary, random_scale, tf_model


@pytest.mark.parametrize("seed, shape", [(11, [1, 256]), (12, [3, 5, 17])])
def test_tanh_random_quantization(seed, shape, tmp_path):
    rng = np.random.default_rng(seed)
    qs = [((random_scale(rng, 2.5e-4, 1.0), int(rng.integers(-128, 128))),
           (1 / 128, 0) if k % 2 == 0 else (random_scale(rng), int(rng.integers(-128, 128)))) for k in range(8)]
    info = compare(parallel_unary("TANH", shape, qs), tmp_path, [[all_int8_inputs(shape)] * 8])
    assert info["ops"] == ["TANH"] * 8


def test_tanh_from_converter(tmp_path):
    info = compare(tf_model("tanh", [[4, 4, 8]], 7, [(-3.0, 3.0)]), tmp_path, [[all_int8_inputs([1, 4, 4, 8])]])
    assert info["ops"] == ["TANH"]
