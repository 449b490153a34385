"""The Cortex-M0+ zero-skipping kernels (runtime/src/armv6m/sparse_d4_armv6m.c) against the TFLM
oracle on the simulated Pico: FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D over random shapes, quantisation and
every zero pattern of tests/sparse_models.py, forced sparse, in one firmware."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from pipeline.compiler.kernels import select_variant
from tests.sparse_models import PATTERNS, model

OPS = ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D")
_CONV = dict(n=1, ih=5, iw=5, ic=8, oh=5, ow=5, oc=6, kh=3, kw=3, sh=1, sw=1, dh=1, dw=1, ph=1, pw=1)
GEO = {"FULLY_CONNECTED": dict(batches=1, in_depth=16, out_depth=4), "CONV_2D": _CONV, "DEPTHWISE_CONV_2D": _CONV}


def test_registry_picks_armv6m_sparse_kernels() -> None:
    for op in OPS:
        assert select_variant(op, "sparse_d4", "cortex-m0plus", GEO[op]).function.endswith("_sparse_d4_armv6m")
        assert select_variant(op, "sparse_d4", "cortex-m4", GEO[op]).function.endswith("_sparse_d4")


@pytest.mark.sim
@pytest.mark.parametrize("seed", [3, 11])
def test_armv6m_sparse_kernels_bit_exact_on_simulated_pico(seed: int, tmp_path: Path) -> None:
    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board

    tfl = tmp_path / "sparse_ops.tflite"
    tfl.write_bytes(model([(op, kind) for op in OPS for kind in PATTERNS], seed))
    m = measure(tfl, load_board("pico"), tmp_path / "out", "sparse", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    assert {w["encoding"] for w in m.weights} == {"sparse_d4"}
    model_c = next((tmp_path / "out").rglob("model.c")).read_text()
    for fn in ("eat_fully_connected_s8_sparse_d4_armv6m(", "eat_conv2d_s8_sparse_d4_armv6m(",
               "eat_depthwise_conv2d_s8_sparse_d4_armv6m("):
        assert fn in model_c
