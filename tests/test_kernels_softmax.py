"""SOFTMAX int8 -> int8 alone against TFLM, over input scales from tiny to large."""

import pytest

from tests.test_kernels_helpers import compile_and_compare, convert

CASES = [([10], (-3.0, 3.0)), ([2], (-0.05, 0.05)), ([37], (-40.0, 20.0)), ([3, 7], (-8.0, 1.0))]


@pytest.mark.parametrize("shape,rng", CASES, ids=lambda c: str(c))
def test_softmax_bit_exact(shape, rng, tmp_path):
    spec = dict(kind="softmax", seed=600 + len(shape) * 10 + shape[-1], shape=shape, ranges=[rng])
    info = compile_and_compare(convert(spec), tmp_path, n_inputs=60)
    assert info["ops"] == ["SOFTMAX"]
