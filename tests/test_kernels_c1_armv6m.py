"""The Cortex-M0+ dense one-channel CONV_2D (runtime/src/armv6m/conv2d_s8_c1_armv6m.c: two output channels per
MULS over a uint16 plane, two pixels per pass) against the TFLM oracle on the simulated Pico over random shapes,
strides, dilations, padding, quantisation (per-tensor and per-channel, input zero point -128 with +-127 weights,
biases near 2^30 for the slow requantisation) and odd and even channel counts; its weight layout; the registry's
choice (never with a -128 weight) and the cost model's dense estimate for a layer that has one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from pipeline.compiler.kernels import LAYOUTS, select_variant
from tests.sparse_models import PATTERNS, model

C1 = "eat_conv2d_s8_c1_armv6m"
ONE = dict(n=1, ih=8, iw=8, ic=1, oh=8, ow=8, oc=16, kh=3, kw=3, sh=1, sw=1, dh=1, dw=1, ph=1, pw=1, fic=1)


def test_c1_pairs_layout_unpacks_to_the_weights() -> None:
    rng = np.random.default_rng(3)
    for oc in (1, 2, 5, 16):
        w = rng.integers(-127, 128, size=(oc, 3, 2, 1)).astype(np.int8)
        data, how = LAYOUTS["c1_pairs"]("CONV_2D", w, dict(ONE, oc=oc, kh=3, kw=2))
        words = np.frombuffer(data.tobytes(), "<u4").astype(np.int64).reshape((oc + 1) // 2, 6)
        low = (words & 0xFFFF).astype(np.uint16).astype(np.int16).astype(np.int64)
        high = ((words - low) & 0xFFFFFFFF) >> 16
        high = np.where(high >= 1 << 15, high - (1 << 16), high)
        rows = w.reshape(oc, 6).astype(np.int64)
        assert (low == rows[0::2]).all()
        assert (high[: oc // 2] == rows[1::2]).all() and (oc % 2 == 0 or (high[-1] == 0).all())
        assert "pairs" in how


def test_registry_takes_c1_for_one_channel_without_minus_128() -> None:
    assert select_variant("CONV_2D", "dense", "cortex-m0plus", dict(ONE, wmin=-127)).function == C1
    assert select_variant("CONV_2D", "dense", "cortex-m0plus", dict(ONE, wmin=-128)).function != C1
    assert select_variant("CONV_2D", "dense", "cortex-m0plus", ONE).function != C1    # weights unknown
    assert select_variant("CONV_2D", "dense", "cortex-m0plus", dict(ONE, ic=2, fic=2, wmin=0)).function != C1
    assert all(select_variant("CONV_2D", "dense", core, dict(ONE, wmin=0)).function != C1
               for core in ("cortex-m4", "generic"))



def test_dense_estimate_follows_the_kernel_a_minus_128_layer_takes() -> None:
    """The cost model prices a one-channel conv with a -128 weight by the kernel the registry gives it instead:
    up to PLANE_MAX_TAPS taps the dense plane walk (the sparse plane walk over every tap), more taps the swar
    kernel; with |w| <= 127 the c1 kernel's own figures (the example's conv1 ~80 k against ~135 k)."""
    from pipeline.compiler import kernels_registry, sparse
    from pipeline.compiler.sparse_cost import LayerShape, costs, dense_cycles, sparse_plane_cycles

    m0 = "cortex-m0plus"
    assert costs(m0).dense_c1_plane_taps == kernels_registry.PLANE_MAX_TAPS
    for taps, (kh, kw) in ((9, (3, 3)), (40, (10, 4))):
        g = dict(ONE, kh=kh, kw=kw, ph=kh // 2, pw=kw // 2)
        kernel = select_variant("CONV_2D", "dense", m0, dict(g, wmin=-128)).function
        shapes = {wmin: LayerShape("CONV_2D", 64, 16, taps, 64 * 16 * taps, 0, 0, taps, sparse.plane_bytes(g), 1, 1,
                                   wmin=wmin) for wmin in (-128, -127)}
        c1, other = dense_cycles(m0, shapes[-127]), dense_cycles(m0, shapes[-128])
        if taps <= kernels_registry.PLANE_MAX_TAPS:
            assert kernel == "eat_conv2d_s8_plane_armv6m"
            assert other == sparse_plane_cycles(m0, shapes[-128], np.full(16, taps)) and other > 1.5 * c1
        else:
            assert kernel == "eat_conv2d_s8_swar_armv6m"
            assert other == int(64 * 16 * taps * costs(m0).dense_mac_c1_w128 + 64 * 16 * costs(m0).out) != c1
    shape = LayerShape("CONV_2D", 64, 16, 9, 64 * 16 * 9, 0, 0, 9, 100, 1, 1, wmin=-128)
    assert dense_cycles("cortex-m4", shape) == dense_cycles("cortex-m4", LayerShape(
        "CONV_2D", 64, 16, 9, 64 * 16 * 9, 0, 0, 9, 100, 1, 1, wmin=0))   # no such limit there

@pytest.mark.sim
@pytest.mark.parametrize("seed", [41, 42])
def test_c1_bit_exact_on_simulated_pico(seed: int, tmp_path: Path) -> None:
    """Every zero pattern (dense, pruned, all zero) of one-channel convs (1-5 channels, 1-4 x 1-4 kernels,
    strides 1-2, dilation 1-2, SAME / VALID), with the '+' (zero point -128, +-127), '^' (channels with biases
    of 2^29..2^30: the output stage's slow path) and '&' (every bias ~2^30) variants, one firmware per seed."""
    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board

    tfl = tmp_path / "c1.tflite"
    specs = [(op, kind) for op in ("CONV_2D_C1", "CONV_2D_C1+") for kind in PATTERNS]
    specs += [("CONV_2D_C1^", "magnitude"), ("CONV_2D_C1&", "dense"), ("CONV_2D_C1&", "2:4")]
    tfl.write_bytes(model(specs, seed))
    m = measure(tfl, load_board("pico"), tmp_path / "out", "dense", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    kernels = [w["kernel"] for w in m.weights]
    assert kernels == [C1] * len(specs), kernels
