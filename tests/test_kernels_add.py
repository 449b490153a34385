"""ADD alone against TFLM: equal shapes, broadcast, fused relu, different input scales."""

import numpy as np
import pytest

from tests.test_kernels_helpers import compile_and_compare, convert

CASES = [
    ([6, 5, 3], [6, 5, 3], None, [(-1.0, 1.0), (-8.0, 2.0)]),
    ([6, 5, 3], [1, 1, 3], "relu", [(-4.0, 4.0), (-0.3, 0.2)]),
    ([4, 1, 3], [1, 5, 1], None, [(-2.0, 6.0), (-1.0, 1.0)]),
    ([7], [7], "relu", [(0.0, 30.0), (-30.0, 0.5)]),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}+{c[1]}-{c[2]}")
def test_add_bit_exact(case, tmp_path):
    s1, s2, act, ranges = case
    spec = dict(kind="add", seed=700 + len(s1) + sum(s2), shape1=s1, shape2=s2, act=act, ranges=ranges)
    info = compile_and_compare(convert(spec), tmp_path)
    assert info["ops"][0] == "ADD"
