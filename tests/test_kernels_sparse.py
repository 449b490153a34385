"""The zero-skipping kernels alone against the TFLM oracle: FULLY_CONNECTED, CONV_2D (1x1 and
general) and DEPTHWISE_CONV_2D over random shapes, quantization and zero patterns (unstructured,
N:M, block, all-zero channels, fully dense, all zero), forced sparse; and the choice itself."""

import numpy as np
import pytest

from tests.sparse_models import PATTERNS, model
from tests.test_kernels_helpers import compile_and_compare

OPS = ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D")


@pytest.mark.parametrize("opcode", OPS)
@pytest.mark.parametrize("seed", [1, 2])
def test_sparse_kernel_bit_exact(opcode, seed, tmp_path):
    specs = [(opcode, kind) for kind in PATTERNS] * 2
    info = compile_and_compare(model(specs, seed * 100 + OPS.index(opcode)), tmp_path, n_inputs=6,
                               seed=seed, weights="sparse")
    kernels = {o.kernel for o in info["result"].ops}
    assert kernels == {info["result"].ops[0].kernel} and kernels.pop().endswith("_sparse_d4")


def test_auto_choice_and_report(tmp_path):
    """auto: a 97%-zero layer goes sparse, a dense one stays dense; both bit-exact; reasons given."""
    specs = [("FULLY_CONNECTED", "dense"), ("CONV_2D", "dense")]
    rng = np.random.default_rng(5)
    buf = model(specs, 5)
    info = compile_and_compare(buf, tmp_path / "a", n_inputs=4, weights="auto")
    enc = [c["encoding"] for c in info["result"].sparsity]
    assert enc == ["dense", "dense"]
    from tests.sparse_models import random_op  # noqa: F401 (same builder, sparse weights)

    buf = model([("FULLY_CONNECTED", "all_zero"), ("CONV_2D", "all_zero")], 6)
    info = compile_and_compare(buf, tmp_path / "b", n_inputs=4, weights="auto")
    for c in info["result"].sparsity:
        assert c["reason"]
        assert c["sparse_weight_bytes"] < c["dense_weight_bytes"] or c["encoding"] == "dense"
    assert rng is not None



def test_d4_index_layout_and_count_limit():
    """The d4 index: one count byte per channel, then (n + 1) / 2 step bytes per channel, an odd
    channel's first byte holding only a high nibble; a channel of more than 255 entries stays dense,
    even when sparse is forced, and says why."""
    from pipeline.compiler import sparse
    from pipeline.compiler.sparse_cost import LayerShape

    enc = sparse.encode([(np.array([0, 3, 20]), np.array([1, -2, 3], np.int8)),   # 20 - 3 = 17: a filler
                         (np.array([1, 2]), np.array([4, 5], np.int8))])
    assert enc.fits and list(enc.entries) == [4, 2]
    assert list(enc.index) == [4, 2, 3 << 4 | 0, 15 | 2 << 4, 1 | 1 << 4]
    assert list(enc.data) == [1, -2, 0, 3, 4, 5]
    odd = sparse.encode([(np.array([2, 5, 6]), np.array([7, 8, 9], np.int8))])
    assert list(odd.index) == [3, 2 << 4, 3 | 1 << 4] and list(odd.data) == [7, 8, 9]
    w = np.ones((2, 300), np.int8)
    long = sparse.encode(sparse.channels_fc(w))
    assert not long.fits
    shape = LayerShape("FULLY_CONNECTED", 1, 2, 1, w.size)
    c = sparse.choose("sparse", "generic", "FULLY_CONNECTED", w, long, shape, 0, "fc")
    assert c.encoding == "dense" and "more than the d4 count" in c.reason
