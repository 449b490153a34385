"""FULLY_CONNECTED alone against TFLM: per-tensor and per-channel weights, random geometry/scales."""

import numpy as np
import pytest

from tests.test_kernels_helpers import compile_and_compare, convert, random_ranges


def _specs():
    rng = np.random.default_rng(101)
    out = []
    for i, (per_channel, act) in enumerate([(False, None), (False, "relu"), (True, None), (True, "relu6")]):
        out.append(dict(kind="dense", seed=200 + i, shape=[int(rng.integers(1, 70))], units=int(rng.integers(1, 40)),
                        act=act, per_channel=per_channel, weight_scale=float(rng.choice([0.2, 1.0, 4.0])),
                        ranges=random_ranges(rng, 1)))
    return out


@pytest.mark.parametrize("spec", _specs(), ids=lambda s: f"pc{int(s['per_channel'])}-{s['shape'][0]}x{s['units']}-{s['act']}")
def test_fully_connected_bit_exact(spec, tmp_path):
    info = compile_and_compare(convert(spec), tmp_path)
    assert info["ops"] == ["FULLY_CONNECTED"]
