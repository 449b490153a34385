"""Standalone RELU, RELU6 and LEAKY_RELU int8 against TFLM, exhaustive over the 256 inputs.

TFLM: RELU requantizes (QuantizeMultiplier(in/out)) and clamps at max(-128, out_zp); RELU6 does
not requantize at all (clamp to [in_zp, in_zp + round(6/in_scale)], output quantization ignored);
LEAKY_RELU uses identity / alpha multipliers from float32 ratios."""

import numpy as np
import pytest

from tests.single_op_models import all_int8_inputs, compare, fb, parallel_unary, random_scale, tf_model


def _quants(rng, n=8):
    return [((random_scale(rng, 1e-3, 0.2), int(rng.integers(-128, 128))),
             (random_scale(rng, 1e-3, 0.2), int(rng.integers(-128, 128)))) for _ in range(n)]


@pytest.mark.parametrize("opcode", ["RELU", "RELU6"])
def test_relu_random_quantization(opcode, tmp_path):
    rng = np.random.default_rng(31 if opcode == "RELU" else 32)
    qs = _quants(rng)
    qs[0] = ((0.05, -7), (0.05, -7))     # equal quantization
    info = compare(parallel_unary(opcode, [1, 300], qs), tmp_path, [[all_int8_inputs([1, 300])] * 8])
    assert info["ops"] == [opcode] * 8


def test_leaky_relu_random_quantization(tmp_path):
    rng = np.random.default_rng(33)
    opts = []
    for _ in range(8):
        o = fb().LeakyReluOptionsT()
        o.alpha = float(np.float32(rng.uniform(0.01, 0.9)))
        opts.append(o)
    info = compare(parallel_unary("LEAKY_RELU", [4, 70], _quants(rng), opts, "LeakyReluOptions"), tmp_path,
                   [[all_int8_inputs([4, 70])] * 8])
    assert info["ops"] == ["LEAKY_RELU"] * 8


@pytest.mark.parametrize("kind", ["relu", "relu6", "leaky_relu"])
def test_relus_from_converter(kind, tmp_path):
    info = compare(tf_model(kind, [[4, 4, 8]], 7, [(-3.0, 8.0)], **({"alpha": 0.1} if kind == "leaky_relu" else {})),
                   tmp_path, [[all_int8_inputs([1, 4, 4, 8])]])
    assert info["ops"] == [kind.upper()]
