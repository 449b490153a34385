"""HARD_SWISH int8 against TFLM: exhaustive over the 256 input values, random quantization.

TFLM: HardSwishParams from float32 scale ratios (QuantizeMultiplier, then
DownScaleInt32ToInt16Multiplier), reference_ops::HardSwish int16 fixed point; tabulated here."""

import numpy as np
import pytest

from tests.single_op_models import all_int8_inputs, compare, parallel_unary, random_scale, tf_model


@pytest.mark.parametrize("seed, shape", [(21, [1, 256]), (22, [2, 6, 6, 5])])
def test_hard_swish_random_quantization(seed, shape, tmp_path):
    rng = np.random.default_rng(seed)
    qs = []
    for _ in range(8):
        s_in = random_scale(rng, 1e-3, 0.5)
        # output exponent must be <= 0 (TFLM's Prepare): out_scale >= in_scale / 128
        s_out = float(np.float32(s_in * rng.uniform(0.05, 4.0)))
        qs.append(((s_in, int(rng.integers(-128, 128))), (s_out, int(rng.integers(-128, 128)))))
    info = compare(parallel_unary("HARD_SWISH", shape, qs), tmp_path, [[all_int8_inputs(shape)] * 8])
    assert info["ops"] == ["HARD_SWISH"] * 8


def test_hard_swish_from_converter(tmp_path):
    info = compare(tf_model("hard_swish", [[4, 4, 8]], 7, [(-5.0, 5.0)]), tmp_path, [[all_int8_inputs([1, 4, 4, 8])]])
    assert info["ops"] == ["HARD_SWISH"]
