"""MUL (with broadcast) and PAD alone against TFLM."""

import pytest

from tests.test_kernels_helpers import compile_and_compare, convert

MUL_CASES = [
    ([6, 5, 3], [6, 5, 3], None, [(-1.0, 1.0), (-8.0, 2.0)]),
    ([6, 5, 3], [1, 1, 3], "relu", [(-4.0, 4.0), (-0.3, 0.2)]),
    ([4, 1, 3], [1, 5, 1], None, [(0.0, 6.0), (-1.0, 1.0)]),
]
PAD_CASES = [([5, 4, 3], [[1, 2], [0, 3]], (-2.0, 1.0)), ([3, 6, 2], [[2, 2], [1, 1]], (0.0, 5.0))]


@pytest.mark.parametrize("case", MUL_CASES, ids=lambda c: f"{c[0]}*{c[1]}-{c[2]}")
def test_mul_bit_exact(case, tmp_path):
    s1, s2, act, ranges = case
    spec = dict(kind="mul", seed=800 + len(s1) + sum(s2), shape1=s1, shape2=s2, act=act, ranges=ranges)
    info = compile_and_compare(convert(spec), tmp_path)
    assert info["ops"][0] == "MUL"


@pytest.mark.parametrize("case", PAD_CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def test_pad_bit_exact(case, tmp_path):
    shape, padding, rng = case
    spec = dict(kind="pad", seed=900 + sum(shape), shape=shape, padding=padding, ranges=[rng])
    info = compile_and_compare(convert(spec), tmp_path)
    assert info["ops"] == ["PAD"]
