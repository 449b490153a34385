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


SPLIT_MUL_CHECK = r"""
#define EAT_SPARSE_SPLIT_MUL 1
#include <stdio.h>
#include "eat/sparse.h"
static uint32_t s = 12345u;
static uint32_t next(void) { s ^= s << 13; s ^= s >> 17; s ^= s << 5; return s; }
int main(void) {
    static const int32_t edge[] = {0, 1, -1, 2, -2, 65535, 65536, -65536, -65537, 32767, -32768,
                                   INT32_MAX, INT32_MIN, INT32_MAX - 1, INT32_MIN + 1, 1 << 30, -(1 << 30)};
    const int n = (int)(sizeof edge / sizeof edge[0]);
    long bad = 0, i;
    for (i = 0; i < n * n; ++i) {
        bad += eat_sparse_srdhm(edge[i / n], edge[i % n]) != eat_srdhm(edge[i / n], edge[i % n]);
    }
    for (i = 0; i < 3000000; ++i) {
        int32_t x = (int32_t)next(), m = (int32_t)next(), sh = (int32_t)(next() % 40) - 31;
        if (i & 1) x >>= next() % 31;
        bad += eat_sparse_requant(x, m, sh) != eat_mbqm(x, m, sh);
    }
    printf("%ld\n", bad);
    return bad != 0;
}
"""


def test_split_multiply_requant_matches_tflm_rounding(tmp_path):
    """The Cortex-M0+ requantization (16x16 partial products) equals eat_mbqm on edge and random values."""
    import subprocess

    from pipeline.paths import RUNTIME_DIR

    src = tmp_path / "check.c"
    src.write_text(SPLIT_MUL_CHECK)
    exe = tmp_path / "check"
    subprocess.run(["gcc", "-std=c99", "-O2", "-Wall", "-Wextra", f"-I{RUNTIME_DIR / 'include'}", str(src), "-o", str(exe)],
                   check=True)
    assert subprocess.run([str(exe)], capture_output=True, text=True).stdout.strip() == "0"


def test_sparse_kernels_split_multiply_bit_exact(tmp_path):
    """The whole sparse kernels built with the Cortex-M0+ requantization path, against TFLM."""
    from pipeline.compiler.compile import compile_model
    from pipeline.device.hostrun import HostModel
    from pipeline.tflite.oracle import Oracle

    specs = [(op, kind) for op in OPS for kind in ("magnitude", "2:4", "zero_rows")]
    buf = model(specs, 77)
    (tmp_path / "m.tflite").write_bytes(buf)
    compile_model(tmp_path / "m.tflite", tmp_path / "out", weights="sparse")
    host, oracle = HostModel(tmp_path / "out", cflags=["-DEAT_SPARSE_SPLIT_MUL"]), Oracle(buf)
    rng = np.random.default_rng(3)
    for _ in range(4):
        xs = [rng.integers(-128, 128, size=d.shape, dtype=np.int8) for d in oracle.inputs]
        for a, b in zip(host.invoke(xs), oracle.invoke(xs)):
            assert np.array_equal(a.reshape(-1), np.asarray(b).reshape(-1))
