"""MAX_POOL_2D and AVERAGE_POOL_2D alone against TFLM, SAME (with edge windows) and VALID."""

import numpy as np
import pytest

from tests.test_kernels_helpers import compile_and_compare, convert, random_ranges

CASES = [
    ("maxpool", (2, 2), (2, 2), "valid"),
    ("maxpool", (3, 3), (2, 2), "same"),
    ("avgpool", (3, 3), (2, 2), "same"),
    ("avgpool", (2, 3), (1, 2), "valid"),
    ("avgpool", (5, 5), (5, 5), "valid"),
]


def _specs():
    rng = np.random.default_rng(9)
    return [dict(kind=kind, seed=500 + i, shape=[int(rng.integers(5, 12)), int(rng.integers(5, 12)),
                                                 int(rng.integers(1, 6))],
                 pool=pool, strides=strides, padding=padding, ranges=random_ranges(rng, 1))
            for i, (kind, pool, strides, padding) in enumerate(CASES)]


@pytest.mark.parametrize("spec", _specs(), ids=lambda s: f"{s['kind']}-{s['pool']}-s{s['strides']}-{s['padding']}")
def test_pool_bit_exact(spec, tmp_path):
    info = compile_and_compare(convert(spec), tmp_path)
    assert info["ops"] == ["MAX_POOL_2D" if spec["kind"] == "maxpool" else "AVERAGE_POOL_2D"]
