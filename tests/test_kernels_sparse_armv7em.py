"""The Cortex-M4 zero-skipping CONV_2D (runtime/src/armv7em/conv2d_sparse_b8_dsp.c: 8 (or 4) pixels per walk,
two per SMLAL in 24-bit lanes) and DEPTHWISE_CONV_2D (depthwise_conv2d_sparse_dsp.c) against the TFLM oracle on the simulated nucleo_f446re (QEMU): random
shapes, quantisation and every zero pattern of tests/sparse_models.py, forced sparse, in one firmware
per seed; the lane limit's fallback; kws_ref_model pruned one-shot to 80%, end to end, as the cost
model chooses (and to 90%)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from tests.conftest import reference_model
from tests.sparse_models import PATTERNS, d4_unless_too_long, model

B8 = "eat_conv2d_s8_sparse_b8_dsp"
B4 = "eat_conv2d_s8_sparse_b4_dsp"
DW = "eat_depthwise_conv2d_s8_sparse_dsp"
PLANE = "eat_conv2d_s8_sparse_plane_dsp"


def test_lane_limit_falls_back_to_the_portable_walk() -> None:
    """A channel whose |bias| + max|x + input_offset| * sum|w| reaches 2^23 cannot use the 24-bit lanes."""
    from pipeline.compiler.ops.sparse_weights import _variants

    def _variant(*args):   # the last variant priced (in_c > 1: the 4-pixel walk is priced before the 8-pixel one)
        vs = _variants(*args)
        assert [v.function for v in vs[:-1]] in ([], [B4]), vs
        return vs[-1]

    geo = dict(n=1, ih=4, iw=4, ic=64, fic=64, oh=4, ow=4, oc=2, kh=3, kw=3, sh=1, sw=1, dh=1, dw=1, ph=1, pw=1)
    w = np.full((2, 3, 3, 64), 127, np.int8)            # sum|w| = 73,152; x 255 = 18.7 M > 2^23
    assert _variant("CONV_2D", "cortex-m4", geo, w, None, 128).function == "eat_conv2d_s8_sparse_d4"
    w[:, :, :, 16:] = 0                                  # 18,288 x 255 = 4.66 M < 2^23
    assert _variant("CONV_2D", "cortex-m4", geo, w, None, 128).function == B8
    big_bias = np.array([5_000_000, 0], np.int64)        # + 4.66 M >= 2^23
    assert _variant("CONV_2D", "cortex-m4", geo, w, big_bias, 128).function == "eat_conv2d_s8_sparse_d4"
    w[1] = 0                                             # a channel without a non-zero weight: its bias becomes a
    big_bias = np.array([0, 1 << 30], np.int64)          # small constant (sparse_call.constant_channels)
    assert _variant("CONV_2D", "cortex-m4", geo, w, big_bias, 128).function == B8
    assert _variant("CONV_2D", "cortex-m7", geo, w, None, 0).function == B8


def test_m4_choice_follows_the_measured_figures() -> None:
    """auto on the M4, kws's shapes (estimates fitted to its measured layers, see sparse_cost.py): a 1x1 at
    80% and a 3x3 depthwise at 1 or 2 non-zeros per channel (the plane walk) go sparse; 5 non-zeros
    per channel (2:4 on 9 taps) go sparse on the pair walk (four planes, stride_h 1, act_max 127) and keep the
    depthwise dense where it does not apply (the C loop), as does stride 3; the one-channel 10x4 conv goes
    sparse at 90%, not at 50%; a 64 -> 12 FC at 80% goes sparse on the M4 d4 walk, at 70% stays dense."""
    from pipeline.compiler import sparse
    from pipeline.compiler.sparse_cost import LayerShape

    rng = np.random.default_rng(7)
    w = np.where(rng.random((64, 1, 1, 64)) < 0.2, rng.integers(1, 127, (64, 1, 1, 64)), 0).astype(np.int8)
    enc = sparse.encode(sparse.channels_conv(w, 1, 64, 1, 1))
    c = sparse.choose("auto", "cortex-m4", "CONV_2D", w, enc, LayerShape("CONV_2D", 125, 64, 1, 512000, 0, 0, 64),
                      0, "pw", block=8)
    assert c.encoding == "sparse_d4" and c.sparse_cycles_est < 0.68 * c.dense_cycles_est, c.reason   # measured 0.65x
    dw_shape = LayerShape("DEPTHWISE_CONV_2D", 125, 64, 9, 72000, 56, sparse.window_bytes(
        dict(kh=3, kw=3, dh=1, dw=1, iw=5, ic=64)), 0, 27 * 7, 64)
    # the plane walk's estimates (measured 147-156 k, 168-172 k, 508-523 k against dense 268 k)
    for kept, pick, ratio in ((1, "sparse_d4", 0.56), (2, "sparse_d4", 0.63), (5, "dense", 1.93)):
        dw = np.zeros((1, 3, 3, 64), np.int8)
        dw.reshape(9, 64)[:kept] = 7
        enc = sparse.encode(sparse.channels_depthwise(dw, 5, 1, 1))
        c = sparse.choose("auto", "cortex-m4", "DEPTHWISE_CONV_2D", dw, enc, dw_shape, 1, "dw", plane=True)
        assert c.encoding == pick, c.reason
        assert abs(c.sparse_cycles_est / c.dense_cycles_est - ratio) < 0.02, c.reason
    # the pair walk (measured 189,929 at 5 non-zeros, 0.71x dense, over the 2:4 records; d4 decodes alike but
    # is not smaller than dense at 5 of 9: 9 B per channel, so the records take it); act_max below 127 or
    # stride_h 2 leave the C loop
    dw = np.zeros((1, 3, 3, 64), np.int8)
    dw.reshape(9, 64)[:5] = 7
    enc = sparse.encode(sparse.channels_depthwise(dw, 5, 1, 1))
    for fields, lo, hi in ((dict(), 0.7, 0.78), (dict(act_max=100), 1.9, 2.0), (dict(stride_h=2), 1.9, 2.0)):
        shape = dataclasses.replace(dw_shape, out_h=25, planes4=True, **fields)
        c = sparse.choose("auto", "cortex-m4", "DEPTHWISE_CONV_2D", dw, enc, shape, 1, "dw", plane=True)
        assert c.encoding == "dense" and lo < c.sparse_cycles_est / c.dense_cycles_est < hi, c.reason
    # vww's 3x3 12x12x32 (25x25 planes) at 2 non-zeros: stride 2 has its walk (measured 135,155 against dense
    # 157,571; on the C loop 263,667); a wider stride takes the C loop and stays dense
    dw = np.zeros((1, 3, 3, 32), np.int8)
    dw.reshape(9, 32)[:2] = 7
    enc = sparse.encode(sparse.channels_depthwise(dw, 24, 1, 1))
    for stride, pick in ((2, "sparse_d4"), (3, "dense")):
        vww7 = LayerShape("DEPTHWISE_CONV_2D", 144, 32, 9, 41472, 0, 0, 0, 25 * 25, 32, stride)
        c = sparse.choose("auto", "cortex-m4", "DEPTHWISE_CONV_2D", dw, enc, vww7, 7, "dw", plane=True)
        assert c.encoding == pick, c.reason
    # the 10x4 conv (in_c 1) on the block walk: 90% sparse (measured 0.62x), 50% dense (measured 1.06x)
    c1_shape = LayerShape("CONV_2D", 125, 64, 40, 320000, 0, 0, 40)
    for keep, pick in ((0.1, "sparse_d4"), (0.5, "dense")):
        w = np.where(rng.random((64, 10, 4, 1)) < keep, rng.integers(1, 127, (64, 10, 4, 1)), 0).astype(np.int8)
        enc = sparse.encode(sparse.channels_conv(w, 4, 1, 1, 1))
        c = sparse.choose("auto", "cortex-m4", "CONV_2D", w, enc, c1_shape, 0, "c1", block=8)
        assert c.encoding == pick, c.reason
    fc = np.where(rng.random((12, 64)) < 0.2, 9, 0).astype(np.int8)
    enc = sparse.encode(sparse.channels_fc(fc))
    c = sparse.choose("auto", "cortex-m4", "FULLY_CONNECTED", fc, enc, LayerShape("FULLY_CONNECTED", 1, 12, 1, 768), 11, "fc")
    assert c.encoding == "sparse_d4" and "sparse est." in c.reason   # the M4 d4 FC walk (p8, est. faster still, takes it)
    fc = np.where(rng.random((12, 64)) < 0.3, 9, 0).astype(np.int8)   # 70 %: dense
    enc = sparse.encode(sparse.channels_fc(fc))
    c = sparse.choose("auto", "cortex-m4", "FULLY_CONNECTED", fc, enc, LayerShape("FULLY_CONNECTED", 1, 12, 1, 768), 11, "fc")
    assert c.encoding == "dense" and "dense est." in c.reason


@pytest.mark.sim
def test_m4_block_walks_per_call_bit_exact_on_simulated_nucleo(tmp_path: Path) -> None:
    """The 8- and 4-pixel block walks without the compiler's lane starts and short table (`--weights small`: their
    _pc kernels compute them per call from the bias, each filter's sum of weights and the op's multiplier and shift),
    forced d4 (weights mode sparse_per_call): every zero pattern, "+" (multipliers near 1: shifts outside the short
    form, the general one), "^" (channels pruned empty, ~2^30 biases, their constants in the op's arrays), "&" (sums
    beyond 2^30 that requantise into the output range: the short form's bound)."""
    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board

    tfl = tmp_path / "blocks.tflite"
    convs = [(op, k) for op in ("CONV_2D", "CONV_2D_FEW") for k in PATTERNS for _ in range(2)]
    convs += [(op, k) for op in ("CONV_2D+", "CONV_2D^", "CONV_2D&", "CONV_2D_FEW^") for k in ("magnitude", "block",
                                                                                          "zero_rows")]
    tfl.write_bytes(model(convs, 8))
    m = measure(tfl, load_board("nucleo_f446re"), tmp_path / "out", "sparse_per_call", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    kernels = [w["kernel"] for w in m.weights if w["encoding"] == "sparse_d4"]
    b8, b4 = kernels.count(B8.replace("_dsp", "_pc_dsp")), kernels.count(B4.replace("_dsp", "_pc_dsp"))
    assert b8 >= 4 and b4 >= 4 and B8 not in kernels and B4 not in kernels, kernels
    model_c = next((tmp_path / "out").rglob("model.c")).read_text()
    assert model_c.count("no lane starts nor short table") == b8 + b4
    assert "64-bit start" not in model_c


@pytest.mark.sim
@pytest.mark.parametrize("seed", [5, 11])
def test_m4_sparse_kernels_bit_exact_on_simulated_nucleo(seed: int, tmp_path: Path) -> None:
    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board

    tfl = tmp_path / "sparse_convs.tflite"
    kinds = [k for k in PATTERNS for _ in range(2)]      # two random ops per zero pattern
    # then per pattern one-channel convs (the gather's per-row bounds) and depthwise ops with in_c % 4
    # == 0; "+": input zero point -128, weights +-127, multipliers near 1
    extra = [(op, k) for op in ("CONV_2D_C1", "CONV_2D_C1+", "DEPTHWISE_CONV_2D+", "DEPTHWISE_CONV_2D_C4",
                                "DEPTHWISE_CONV_2D_C4+") for k in PATTERNS]
    extra += [("CONV_2D&", k) for k in ("magnitude", "block", "zero_rows")]   # sums beyond 2^30 that requantise in range
    tfl.write_bytes(model([("CONV_2D", k) for k in kinds] + [("DEPTHWISE_CONV_2D", k) for k in kinds]
                          + [("FULLY_CONNECTED", "magnitude")] + extra, seed))
    m = measure(tfl, load_board("nucleo_f446re"), tmp_path / "out", "sparse", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    assert d4_unless_too_long(m.weights) and any(w["encoding"] == "sparse_d4" for w in m.weights)
    kernels = [w["kernel"] for w in m.weights if w["opcode"] == "CONV_2D"]
    # grouped convs take the portable walk; every other conv the 8-pixel one or, few output pixels, the 4-pixel
    # one, or, one input channel, the plane walk where it is estimated cheaper (tests/test_kernels_sparse_plane_dsp.py
    # and test_kernels_sparse_b4_dsp.py test those alone)
    blocks = kernels.count(B8) + kernels.count(B4)
    assert blocks >= len(kinds) // 2, kernels
    assert blocks + kernels.count(PLANE) >= len(kinds) // 2 + len(PATTERNS), kernels
    assert {w["kernel"] for w in m.weights if w["opcode"] == "DEPTHWISE_CONV_2D"} == {DW}


@pytest.mark.sim
@pytest.mark.parametrize("sparsity", [0.8, 0.9])   # 2 / 1 non-zeros per depthwise channel (dw2 / dw1 walks)
def test_kws_one_shot_bit_exact_on_simulated_nucleo(sparsity: float, tmp_path: Path) -> None:
    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board
    from pipeline.tflite.oneshot import prune_tflite

    pruned = tmp_path / "kws.tflite"
    prune_tflite(reference_model("kws_ref_model.tflite"), pruned, "magnitude", sparsity)
    m = measure(pruned, load_board("nucleo_f446re"), tmp_path / "out", "auto", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    by_op = {w["op_index"]: w for w in m.weights}
    for i in (0, 2, 4, 6, 8):          # the 10x4 conv and the four 1x1 convs go sparse, on the M4 block walk
        assert by_op[i]["encoding"] == "sparse_d4" and by_op[i]["kernel"] == B8, by_op[i]
        assert "sparse est." in by_op[i]["reason"] and "cortex-m4" in by_op[i]["reason"]
    for i in (1, 3, 5, 7):             # the 3x3 depthwise layers (2 or 1 non-zeros of 9 per channel) too
        assert by_op[i]["encoding"] == "sparse_d4" and by_op[i]["kernel"] == DW, by_op[i]
    # the FC 64 -> 12: the (weight, position) pairs' walk (sparse_p8.py) beats the dense int16 FC, d4 does not
    # (measured 1,172 / 810 against 1,345 at 80 / 90 %)
    assert by_op[11]["encoding"] == "sparse_p8" and by_op[11]["kernel"] == "eat_fully_connected_s8_sparse_p8_dsp"
    assert "p8 est." in by_op[11]["reason"], by_op[11]
