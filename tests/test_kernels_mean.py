"""MEAN int8 against TFLM: keep_dims true/false, axes H,W (global average pooling) and others,
random shapes and quantization, equal and different input/output quantization.

This wheel's TFLM runs the integer QuantizedMeanOrSum for every int8 case (1/N folded into the
multiplier); the older special cases (4-D H,W integer Mean, float rescale, truncating division
for equal quantization) do not match it, which the probes for this kernel showed."""

import numpy as np
import pytest

from tests.single_op_models import T, Graph, Op, build, compare, fb, random_scale, tf_model


def mean_model(shape, axes, keep, iq, oq) -> bytes:
    o = fb().ReducerOptionsT()
    o.keepDims = keep
    nd = len(shape)
    ax = {a % nd for a in axes}
    oshape = [1 if i in ax else d for i, d in enumerate(shape)] if keep else [d for i, d in enumerate(shape) if i not in ax]
    tensors = [T(list(shape), *iq, name="in"), T([len(axes)], None, 0, "INT32", np.array(axes, np.int32), name="axes"),
               T(oshape, *oq, name="mean")]
    return build(Graph(tensors, [Op("MEAN", [0, 1], [2], o, "ReducerOptions")], [0], [2]))


CASES = [([1, 7, 7, 16], [1, 2], True), ([1, 5, 3, 8], [1, 2], False), ([2, 4, 6, 3], [2, 1], True),
         ([1, 10, 9, 2], [-3, -2], False), ([3, 4, 5], [1], True), ([2, 3, 4, 5], [3], False),
         ([4, 6, 2], [0, 1], True), ([1, 12, 1, 5], [1, 2], True)]


@pytest.mark.parametrize("k", range(len(CASES)))
def test_mean_random(k, tmp_path):
    shape, axes, keep = CASES[k]
    rng = np.random.default_rng(200 + k)
    iq = (random_scale(rng), int(rng.integers(-128, 128)))
    oq = iq if k % 3 == 0 else (random_scale(rng), int(rng.integers(-128, 128)))
    info = compare(mean_model(shape, axes, keep, iq, oq), tmp_path, n_random=10)
    assert info["ops"] == ["MEAN"]


@pytest.mark.parametrize("keep", [True, False])
def test_mean_from_converter(keep, tmp_path):
    info = compare(tf_model("mean", [[5, 6, 8]], 7, [(-3.0, 3.0)], axes=[1, 2], keepdims=keep), tmp_path)
    assert info["ops"] == ["MEAN"]
