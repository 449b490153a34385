"""The Cortex-M4 one-input-channel sparse CONV_2D (runtime/src/armv7em/conv2d_sparse_plane_dsp.c: the
depthwise plane walk with depth multiplier out_c) alone against the TFLM oracle on the simulated
nucleo_f446re (QEMU): random one-channel convs (stride, dilation, padding, activation, per-channel or
per-tensor scales; "+": input zero point -128, weights +-127, multipliers near 1) over every zero pattern of
tests/sparse_models.py, forced sparse with the block walk taken out of the registry, one firmware per seed;
and the cost model's pick between the plane walk and the block walk (Variant.by_cost)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from tests.sparse_models import PATTERNS, d4_unless_too_long, model, only_variant, priced_pick

PLANE = "eat_conv2d_s8_sparse_plane_dsp"
B8 = "eat_conv2d_s8_sparse_b8_dsp"


def _pick(w: np.ndarray, g: dict) -> str:
    """The M4 sparse CONV_2D kernel the lowering's by_cost pricing takes for weights `w` on geometry `g`."""
    return priced_pick("CONV_2D", "cortex-m4", w, g)


def test_plane_or_block_walk_by_cost() -> None:
    """The example's conv1 (3x3x1 -> 16 on 8x8 SAME, ~2 non-zeros per filter): the plane walk (measured
    28,530 against the block walk's est. ~35 k); kws's 10x4x1 -> 64 stride 2 at 80 % (8 non-zeros per
    filter): the block walk (measured 295,619; the plane walk's C loop est. ~600 k). More than one input
    channel: the plane walk does not apply."""
    rng = np.random.default_rng(3)
    ex = dict(n=1, ih=8, iw=8, ic=1, fic=1, oh=8, ow=8, oc=16, kh=3, kw=3, sh=1, sw=1, dh=1, dw=1, ph=1, pw=1)
    w = np.where(rng.random((16, 3, 3, 1)) < 0.2, rng.integers(1, 127, (16, 3, 3, 1)), 0).astype(np.int8)
    assert _pick(w, ex) == PLANE
    kws = dict(n=1, ih=49, iw=10, ic=1, fic=1, oh=25, ow=5, oc=64, kh=10, kw=4, sh=2, sw=2, dh=1, dw=1, ph=4, pw=1)
    w = np.where(rng.random((64, 10, 4, 1)) < 0.2, rng.integers(1, 127, (64, 10, 4, 1)), 0).astype(np.int8)
    assert _pick(w, kws) == B8
    w = np.where(rng.random((16, 3, 3, 2)) < 0.2, 5, 0).astype(np.int8)
    assert _pick(w, dict(ex, ic=2, fic=2)) == B8


@pytest.mark.sim
@pytest.mark.parametrize("seed", [3, 19])
def test_plane_conv_bit_exact_on_simulated_nucleo(seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board

    only_variant(monkeypatch, ("CONV_2D", "sparse_d4", "cortex-m4"), PLANE)
    tfl = tmp_path / "c1.tflite"
    specs = [(op, kind) for op in ("CONV_2D_C1", "CONV_2D_C1+") for kind in PATTERNS for _ in range(2)]
    tfl.write_bytes(model(specs, seed))
    m = measure(tfl, load_board("nucleo_f446re"), tmp_path / "out", "sparse", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    assert d4_unless_too_long(m.weights)
    kernels_used = [w["kernel"] for w in m.weights if w["encoding"] == "sparse_d4"]
    assert len(kernels_used) >= len(specs) - 2 and set(kernels_used) == {PLANE}, kernels_used
    assert PLANE + "(" in next((tmp_path / "out").rglob("model.c")).read_text()
