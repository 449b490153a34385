"""The Cortex-M0+ dense one-channel CONV_2D (runtime/src/armv6m/conv2d_s8_c1_armv6m.c: two output channels per
MULS over a uint16 plane, two pixels per pass) against the TFLM oracle on the simulated Pico over random shapes,
strides, dilations, padding, quantisation (per-tensor and per-channel, input zero point -128 with +-127 weights,
biases near 2^30 for the slow requantisation) and odd and even channel counts; its weight layout; the registry's
choice (never with a -128 weight)."""

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
