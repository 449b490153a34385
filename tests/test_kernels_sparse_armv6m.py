"""The Cortex-M0+ zero-skipping kernels (runtime/src/armv6m/sparse_d4_armv6m.c, the FC row walk
fully_connected_sparse_rows_armv6m.c, the 8-pixel block walk conv2d_sparse_b8_armv6m.c) against the TFLM oracle on the simulated Pico: FULLY_CONNECTED,
CONV_2D (grouped: the d4 walk; not grouped: the block walk) and DEPTHWISE_CONV_2D (the portable
kernel: the M0+ has no sparse depthwise of its own) over random shapes, quantisation and every zero
pattern of tests/sparse_models.py, forced sparse, in one firmware."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from pipeline.compiler.kernels import select_variant
from tests.sparse_models import EDGE_PATTERNS, PATTERNS, model

OPS = ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D")
_CONV = dict(n=1, ih=5, iw=5, ic=8, oh=5, ow=5, oc=6, kh=3, kw=3, sh=1, sw=1, dh=1, dw=1, ph=1, pw=1)
GEO = {"FULLY_CONNECTED": dict(batches=1, in_depth=16, out_depth=4), "CONV_2D": _CONV, "DEPTHWISE_CONV_2D": _CONV}


def test_registry_picks_armv6m_sparse_kernels() -> None:
    m0 = {op: select_variant(op, "sparse_d4", "cortex-m0plus", dict(GEO[op], fic=8)).function for op in OPS}
    assert m0 == {"FULLY_CONNECTED": "eat_fully_connected_s8_sparse_rows_armv6m",
                  "CONV_2D": "eat_conv2d_s8_sparse_b8_armv6m",
                  "DEPTHWISE_CONV_2D": "eat_depthwise_conv2d_s8_sparse_d4"}
    small = dict(GEO["CONV_2D"], fic=8, oh=3, ow=3)      # 9 pixels: the 4-pixel walk wastes less
    assert select_variant("CONV_2D", "sparse_d4", "cortex-m0plus", small).function == "eat_conv2d_s8_sparse_b4_armv6m"
    grouped = dict(GEO["CONV_2D"], fic=4)
    assert select_variant("CONV_2D", "sparse_d4", "cortex-m0plus", grouped).function == "eat_conv2d_s8_sparse_d4_armv6m"
    m4 = {op: select_variant(op, "sparse_d4", "cortex-m4", dict(GEO[op], fic=8)).function for op in OPS}
    assert m4 == {"FULLY_CONNECTED": "eat_fully_connected_s8_sparse_d4", "CONV_2D": "eat_conv2d_s8_sparse_b8_dsp",
                  "DEPTHWISE_CONV_2D": "eat_depthwise_conv2d_s8_sparse_dsp"}


def test_m0plus_choice_block_walk_and_depthwise_dense() -> None:
    """auto on the M0+: a 90%-zero 1x1 conv goes sparse through the block walk's estimate; a 90%-zero
    depthwise stays dense, saying why; forced sparse still forces it."""
    import numpy as np

    from pipeline.compiler import sparse
    from pipeline.compiler.kernels_sparse import DENSE_ONLY
    from pipeline.compiler.sparse_cost import LayerShape

    rng = np.random.default_rng(4)
    w = np.where(rng.random((64, 1, 1, 64)) < 0.1, rng.integers(1, 127, (64, 1, 1, 64)), 0).astype(np.int8)
    enc = sparse.encode(sparse.channels_conv(w, 1, 64, 1, 1))
    shape = LayerShape("CONV_2D", 125, 64, 1, 125 * 64 * 64, 0, 0, 64)
    c = sparse.choose("auto", "cortex-m0plus", "CONV_2D", w, enc, shape, 0, "pw", block=8)
    assert c.encoding == "sparse_d4" and c.sparse_cycles_est < 0.5 * c.dense_cycles_est
    dw = np.where(rng.random((1, 3, 3, 64)) < 0.1, 5, 0).astype(np.int8)
    enc = sparse.encode(sparse.channels_depthwise(dw, 5, 1, 1))
    shape = LayerShape("DEPTHWISE_CONV_2D", 125, 64, 9, 125 * 64 * 9, 56, 3 * 5 * 64)
    why = DENSE_ONLY[("DEPTHWISE_CONV_2D", "cortex-m0plus")]
    c = sparse.choose("auto", "cortex-m0plus", "DEPTHWISE_CONV_2D", dw, enc, shape, 1, "dw", dense_only=why)
    assert c.encoding == "dense" and why in c.reason
    c = sparse.choose("sparse", "cortex-m0plus", "DEPTHWISE_CONV_2D", dw, enc, shape, 1, "dw", dense_only=why)
    assert c.encoding == "sparse_d4"


@pytest.mark.sim
@pytest.mark.parametrize("seed", [3, 11])
def test_armv6m_sparse_kernels_bit_exact_on_simulated_pico(seed: int, tmp_path: Path) -> None:
    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board

    tfl = tmp_path / "sparse_ops.tflite"
    fcs = [("FULLY_CONNECTED", kind) for kind in EDGE_PATTERNS for _ in range(2)]   # zero columns, +-127
    tfl.write_bytes(model([(op, kind) for op in OPS for kind in PATTERNS] + fcs, seed))
    m = measure(tfl, load_board("pico"), tmp_path / "out", "sparse", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    assert {w["encoding"] for w in m.weights} == {"sparse_d4"}
    model_c = next((tmp_path / "out").rglob("model.c")).read_text()
    big = seed == 11   # seed 11's model has convolutions of >= 24 output pixels (the 8-pixel walk)
    for fn in ("eat_fully_connected_s8_sparse_rows_armv6m(", "eat_conv2d_s8_sparse_b4_armv6m(",
               *(("eat_conv2d_s8_sparse_b8_armv6m(",) if big else ()),
               "eat_conv2d_s8_sparse_d4_armv6m(", "eat_depthwise_conv2d_s8_sparse_d4("):
        assert fn in model_c
