"""CONV_2D and DEPTHWISE_CONV_2D alone against TFLM: strides, dilation, SAME/VALID, depth multiplier."""

import numpy as np
import pytest

from tests.test_kernels_helpers import compile_and_compare, convert, random_ranges

CONV_CASES = [
    # kernel, strides, padding, dilation, act, groups
    ((3, 3), (1, 1), "same", (1, 1), "relu", 1),
    ((5, 3), (2, 2), "valid", (1, 1), None, 1),
    ((3, 3), (1, 1), "same", (2, 2), "relu6", 1),
    ((4, 2), (2, 1), "same", (1, 1), None, 1),
    ((1, 1), (1, 1), "valid", (1, 1), None, 2),
]
DW_CASES = [
    # kernel, strides, padding, dilation, depth multiplier, act
    ((3, 3), (1, 1), "same", (1, 1), 1, "relu"),
    ((3, 3), (2, 2), "same", (1, 1), 2, None),
    ((5, 5), (1, 1), "valid", (1, 1), 1, "relu6"),
    ((3, 3), (1, 1), "same", (2, 2), 3, None),
    ((3, 2), (2, 2), "valid", (2, 3), 1, "relu"),
]


def _conv_specs():
    rng = np.random.default_rng(7)
    out = []
    for i, (k, s, p, d, act, groups) in enumerate(CONV_CASES):
        c = int(rng.integers(1, 5)) * groups
        out.append(dict(kind="conv", seed=300 + i, shape=[int(rng.integers(6, 14)), int(rng.integers(6, 14)), c],
                        filters=int(rng.integers(1, 5)) * groups, kernel=k, strides=s, padding=p, dilation=d,
                        act=act, groups=groups, weight_scale=float(rng.choice([0.3, 1.0, 3.0])),
                        ranges=random_ranges(rng, 1)))
    return out


def _dw_specs():
    rng = np.random.default_rng(8)
    out = []
    for i, (k, s, p, d, dm, act) in enumerate(DW_CASES):
        out.append(dict(kind="dwconv", seed=400 + i, shape=[int(rng.integers(7, 14)), int(rng.integers(7, 14)),
                                                             int(rng.integers(1, 6))],
                        kernel=k, strides=s, padding=p, dilation=d, depth_multiplier=dm, act=act,
                        weight_scale=float(rng.choice([0.3, 1.0, 3.0])), ranges=random_ranges(rng, 1)))
    return out


@pytest.mark.parametrize("spec", _conv_specs(), ids=lambda s: f"{s['kernel']}-s{s['strides']}-{s['padding']}-d{s['dilation']}-g{s['groups']}")
def test_conv2d_bit_exact(spec, tmp_path):
    info = compile_and_compare(convert(spec), tmp_path)
    assert info["ops"] == ["CONV_2D"]


@pytest.mark.parametrize("spec", _dw_specs(), ids=lambda s: f"{s['kernel']}-s{s['strides']}-{s['padding']}-d{s['dilation']}-m{s['depth_multiplier']}")
def test_depthwise_conv2d_bit_exact(spec, tmp_path):
    info = compile_and_compare(convert(spec), tmp_path)
    assert info["ops"] == ["DEPTHWISE_CONV_2D"]
