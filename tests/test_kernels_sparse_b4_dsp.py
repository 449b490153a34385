"""The Cortex-M4 4-pixel sparse CONV_2D block walk (runtime/src/armv7em/conv2d_sparse_b8_dsp.c,
eat_conv2d_s8_sparse_b4_dsp) alone against the TFLM oracle on the simulated nucleo_f446re (QEMU): random convs
of a few output pixels (1..32 input channels, any kernel, stride, dilation, padding, activation; "+": input zero
point -128, weights +-127, multipliers near 1; "^": channels pruned empty with biases ~2^30) and one-channel
convs, over every zero pattern of tests/sparse_models.py, forced sparse with the 8-pixel walk taken out of the
registry; beside them depthwise ops with such empty channels (the M4 plane walk's constant channels). And the
choice: the example's conv2 goes to the 4-pixel walk, its empty channels no longer keep it off the 24-bit lanes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from tests.sparse_models import PATTERNS, d4_unless_too_long, model, only_variant, priced_pick

B4 = "eat_conv2d_s8_sparse_b4_dsp"
B8 = "eat_conv2d_s8_sparse_b8_dsp"


def _pick(w: np.ndarray, g: dict, bias: np.ndarray | None = None) -> str:
    """The M4 sparse CONV_2D kernel the lowering's pricing takes for weights `w` (and `bias`) on geometry `g`."""
    return priced_pick("CONV_2D", "cortex-m4", w, g, bias, 128)


def test_four_or_eight_pixels_by_cost() -> None:
    """The example's conv2 (3x3x16 -> 32 on 4x4 VALID: 4 output pixels) at 80 %, with 7 channels pruned
    empty whose biases are ~2^30 (as the example's are): the 4-pixel walk (measured 14,755 against dense
    20,851); before, those biases kept every lane walk off and it stayed dense. A live channel with such a
    bias still does (the portable walk); kws's 1x1 (125 pixels): the 8-pixel walk."""
    rng = np.random.default_rng(5)
    ex = dict(n=1, ih=4, iw=4, ic=16, fic=16, oh=2, ow=2, oc=32, kh=3, kw=3, sh=1, sw=1, dh=1, dw=1, ph=0, pw=0)
    w = np.where(rng.random((32, 3, 3, 16)) < 0.2, rng.integers(-127, 128, (32, 3, 3, 16)), 0).astype(np.int8)
    w[:7] = 0
    bias = rng.integers(-20000, 20000, 32).astype(np.int64)
    bias[:7] = 1 << 30
    assert _pick(w, ex, bias) == B4
    bias[8] = 1 << 30
    assert _pick(w, ex, bias) == "eat_conv2d_s8_sparse_d4"
    kws = dict(n=1, ih=25, iw=5, ic=64, fic=64, oh=25, ow=5, oc=64, kh=1, kw=1, sh=1, sw=1, dh=1, dw=1, ph=0, pw=0)
    w = np.where(rng.random((64, 1, 1, 64)) < 0.2, rng.integers(1, 127, (64, 1, 1, 64)), 0).astype(np.int8)
    assert _pick(w, kws) == B8


def test_lane_starts_are_the_kernels_sums() -> None:
    """sparse_call.lane_starts: the 64-bit start is (L0 + 2^23) + (L0 + 128 sum(w)) * 2^24 as two int32 words,
    so lane 0 (bits 0..23) less 2^23 is L0 and the rest is L0 + 128 sum(w), for any signs."""
    from pipeline.compiler.ops.sparse_call import lane_starts

    l0 = np.array([0, 5, -5, 8_000_000, -8_000_000, 123_456], np.int64)
    sw = np.array([0, -3, 7, -1000, 1000, 42], np.int64)
    words, _ = lane_starts(l0, sw)
    for k in range(len(l0)):
        s = (int(words[2 * k]) & 0xFFFFFFFF) | (int(words[2 * k + 1]) << 32)
        assert (s & 0xFFFFFF) - (1 << 23) == l0[k]
        assert s >> 24 == l0[k] + 128 * sw[k]


@pytest.mark.sim
@pytest.mark.parametrize("seed", [4, 23])
def test_b4_bit_exact_on_simulated_nucleo(seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board

    only_variant(monkeypatch, ("CONV_2D", "sparse_d4", "cortex-m4"), B4)
    tfl = tmp_path / "few.tflite"
    convs = [(op, kind) for op in ("CONV_2D_FEW", "CONV_2D_FEW+", "CONV_2D_FEW^") for kind in PATTERNS]
    convs += [(op, kind) for op in ("CONV_2D", "CONV_2D_C1") for kind in ("magnitude", "block")]
    dws = [("DEPTHWISE_CONV_2D^", kind) for kind in ("magnitude", "2:4", "block")]
    tfl.write_bytes(model(convs + dws, seed))
    m = measure(tfl, load_board("nucleo_f446re"), tmp_path / "out", "sparse", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    assert d4_unless_too_long(m.weights)
    conv_kernels = [w["kernel"] for w in m.weights if w["opcode"] == "CONV_2D" and w["encoding"] == "sparse_d4"]
    # the rest: over the 24-bit lanes' limit (dense +-127 weights over 32 channels), the portable walk
    assert conv_kernels.count(B4) >= len(convs) - 4, conv_kernels
    assert set(conv_kernels) <= {B4, "eat_conv2d_s8_sparse_d4"}, conv_kernels
    model_c = next((tmp_path / "out").rglob("model.c")).read_text()
    assert B4 + "(" in model_c and "64-bit start" in model_c
