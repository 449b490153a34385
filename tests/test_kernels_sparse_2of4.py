"""The 2:4 format EAT_WEIGHTS_SPARSE_2OF4 and its kernels alone against the TFLM oracle: the encoding
round trip, the portable kernels on the host (FULLY_CONNECTED, CONV_2D 1x1 and general) and the
Cortex-M0+ walk on the simulated Pico (FULLY_CONNECTED over batches, CONV_2D 1x1 with strides), over
random shapes, quantisation and 2:4 patterns (groups of 0, 1 and 2 non-zeros, zero channels, +-127),
forced 2:4; then kws_ref_model pruned one-shot 2:4 end to end on the Pico, the cost model choosing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.compiler import sparse_2of4
from tests.conftest import reference_model
from tests.single_op_models import Graph, Op, T, build, fb, random_scale
from tests.test_kernels_helpers import compile_and_compare


def nm_weights(rng: np.random.Generator, oc: int, k: int) -> np.ndarray:
    """[oc][k] int8 with at most 2 non-zeros per group of 4 (0, 1 or 2, at random positions); a
    short last group (k % 4) likewise; some channels all zero; values include -127 and 127."""
    w = np.zeros((oc, k), np.int8)
    for o in range(oc):
        if rng.random() < 0.1:
            continue
        for g0 in range(0, k, 4):
            span = min(4, k - g0)
            n = min(span, int(rng.choice([0, 1, 2, 2, 2])))
            pos = rng.choice(span, size=n, replace=False)
            vals = rng.choice([-127, 127, *range(-126, 127)], size=n)
            w[o, g0 + pos] = np.where(vals == 0, 1, vals)
    return w


def _op(rng: np.random.Generator, base: int, kind: str) -> tuple[list[T], Op]:
    """One op with 2:4 weights: kind "fc" (batches 1..20), "pw" (1x1 conv, stride 1 or 2), "pwg" (a 1x1
    conv whose channel 0 has a multiplier in [0.5, 1), shift 0: the general requantisation) or "conv"."""
    F = fb()
    in_q = (random_scale(rng, 0.005, 0.2), int(rng.integers(-128, 128)))
    out_q = (random_scale(rng, 0.01, 2.0), int(rng.integers(-100, 100)))
    act = int(rng.choice([0, 1, 3]))
    if kind == "dw":
        return _dw_op(rng, base, in_q, out_q, act)
    if kind == "dwp":
        return _dwp_op(rng, base, in_q, out_q)
    if kind == "fc":
        n_in, oc, batches = int(rng.integers(1, 150)), int(rng.integers(1, 24)), int(rng.integers(1, 21))
        w = nm_weights(rng, oc, n_in)
        o = F.FullyConnectedOptionsT()
        o.fusedActivationFunction = act
        shapes, options, otype = ([batches, n_in], [batches, oc]), o, "FullyConnectedOptions"
    else:
        ic, oc = int(rng.choice([4, 8, 12, 16, 24, 64, 5, 13])), int(rng.integers(1, 20))
        kh = kw = 1 if kind in ("pw", "pwg") else int(rng.integers(2, 4))
        s = int(rng.integers(1, 3))
        same = kind == "conv" and bool(rng.integers(0, 2))
        ih, iw = int(rng.integers(kh, 10)), int(rng.integers(kw, 10))
        oh, ow = ((ih + s - 1) // s, (iw + s - 1) // s) if same else ((ih - kh) // s + 1, (iw - kw) // s + 1)
        w = nm_weights(rng, oc, kh * kw * ic).reshape(oc, kh, kw, ic)
        o = F.Conv2DOptionsT()
        o.padding, o.strideH, o.strideW = (0 if same else 1), s, s
        o.dilationHFactor = o.dilationWFactor = 1
        o.fusedActivationFunction = act
        shapes, options, otype = ([1, ih, iw, ic], [1, oh, ow, oc]), o, "Conv2DOptions"
    w_scale = random_scale(rng, 0.001, 0.05)
    wt = T(list(w.shape), w_scale, 0, "INT8", w, f"w{base}")
    if kind != "fc" and (kind == "pwg" or rng.random() < 0.6):
        wt.scale = [random_scale(rng, 0.001, 0.05) for _ in range(w.shape[0])]
    if kind == "pwg":   # channel 0's multiplier in [0.5, 1): shift 0, the whole call takes the general form
        wt.scale[0] = out_q[0] * float(rng.uniform(0.5, 0.99)) / in_q[0]
    bias = rng.integers(-20000, 20000, size=w.shape[0]).astype(np.int32)
    tensors = [T(shapes[0], *in_q, name=f"in{base}"), wt, T([w.shape[0]], in_q[0] * w_scale, 0, "INT32", bias, f"b{base}"),
               T(shapes[1], *out_q, name=f"out{base}")]
    return tensors, Op("FULLY_CONNECTED" if kind == "fc" else "CONV_2D", [base, base + 1, base + 2], [base + 3],
                       options, otype)


def _dw_op(rng: np.random.Generator, base: int, in_q, out_q, act: int) -> tuple[list[T], Op]:
    """A DEPTHWISE_CONV_2D pruned 2:4 along its kernel positions (prune_patterns, as `--prune 2:4`), then
    more zeros at random (groups of 0 or 1 non-zeros) and some all-zero channels: k_h x k_w of 3 to 20 taps,
    depth multiplier 1-3, stride 1-2, dilation 1-2, SAME or VALID."""
    from pipeline.tflite.prune_patterns import prune_array

    F = fb()
    while True:
        kh, kw = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        if kh * kw >= 3:
            break
    ic, dm = int(rng.integers(1, 9)), int(rng.choice([1, 1, 2, 3]))
    oc, s, d = ic * dm, int(rng.integers(1, 3)), int(rng.choice([1, 1, 2]))
    same = bool(rng.integers(0, 2))
    ih, iw = int(rng.integers(1, 12)), int(rng.integers(1, 12))
    if not same:
        ih, iw = max(ih, (kh - 1) * d + 1), max(iw, (kw - 1) * d + 1)
    osz = lambda i, k: (i + s - 1) // s if same else (i - (k - 1) * d - 1) // s + 1   # noqa: E731
    w = rng.choice([-127, 127, *range(-126, 127)], size=(1, kh, kw, oc)).astype(np.int8)
    w = prune_array(w, "DEPTHWISE_CONV_2D", "2:4", 0.5)
    w = np.where(rng.random(w.shape) < 0.2, 0, w).astype(np.int8)
    w[..., rng.random(oc) < 0.1] = 0
    o = F.DepthwiseConv2DOptionsT()
    o.depthMultiplier = dm
    o.padding = 0 if same else 1
    o.strideH = o.strideW = s
    o.dilationHFactor = o.dilationWFactor = d
    o.fusedActivationFunction = act
    w_scale = random_scale(rng, 0.001, 0.05)
    wt = T(list(w.shape), w_scale, 0, "INT8", w, f"w{base}")
    if rng.random() < 0.6:
        wt.scale = [random_scale(rng, 0.001, 0.05) for _ in range(oc)]
        wt.quantized_dimension = 3
    bias = rng.integers(-20000, 20000, size=oc).astype(np.int32)
    tensors = [T([1, ih, iw, ic], *in_q, name=f"in{base}"), wt, T([oc], in_q[0] * w_scale, 0, "INT32", bias, f"b{base}"),
               T([1, osz(ih, kh), osz(iw, kw), oc], *out_q, name=f"out{base}")]
    return tensors, Op("DEPTHWISE_CONV_2D", [base, base + 1, base + 2], [base + 3], o, "DepthwiseConv2DOptions")


def _dwp_op(rng: np.random.Generator, base: int, in_q, out_q) -> tuple[list[T], Op]:
    """A DEPTHWISE_CONV_2D for the M4's pair walk (armv7em/depthwise_conv2d_sparse_dsp.c: four channels of 3..5
    non-zeros, stride_h 1, two output rows per pass over int16 transposed planes): in_c 4-16, depth multiplier
    1, kernels 3x3 (5 of 9 kept), 2x3 / 3x2 (4 of 6), 1x5 / 5x1 (3 of 5), 3x4 (6 of 12: the int8 walks),
    stride_w 1-2, dilation 1-2, SAME or VALID, out_h odd and even (1: the int8 walks), NONE / RELU / RELU6
    (act_min -128 or above: the clamp; act_max below 127: the C loop), weights 2:4 with one more zero in
    some channels (3 or 4 left) and rarely a zero channel (its four take the int8 walks), +-127 included."""
    from pipeline.tflite.prune_patterns import prune_array

    F = fb()
    kh, kw = [(3, 3), (3, 3), (3, 3), (2, 3), (3, 2), (1, 5), (5, 1), (3, 4)][int(rng.integers(0, 8))]
    ic, sw, d = 4 * int(rng.integers(1, 5)), int(rng.integers(1, 3)), int(rng.choice([1, 1, 2]))
    same = bool(rng.integers(0, 2))
    ih, iw = int(rng.integers(1, 13)), int(rng.integers(1, 11))
    if not same:
        ih, iw = max(ih, (kh - 1) * d + 1), max(iw, (kw - 1) * d + 1)
    oh = ih if same else ih - (kh - 1) * d
    ow = (iw + sw - 1) // sw if same else (iw - (kw - 1) * d - 1) // sw + 1
    w = rng.choice([-127, 127, *range(-126, 127)], size=(1, kh, kw, ic)).astype(np.int8)
    w = np.where(w == 0, 1, w).astype(np.int8)
    w = prune_array(w, "DEPTHWISE_CONV_2D", "2:4", 0.5)
    flat = w.reshape(kh * kw, ic)
    for c in range(ic):
        nz = np.flatnonzero(flat[:, c])
        if rng.random() < 0.3 and nz.size > 3:
            flat[rng.choice(nz), c] = 0
        if rng.random() < 0.03:
            flat[:, c] = 0
    o = F.DepthwiseConv2DOptionsT()
    o.depthMultiplier = 1
    o.padding = 0 if same else 1
    o.strideH, o.strideW = 1, sw
    o.dilationHFactor = o.dilationWFactor = d
    o.fusedActivationFunction = int(rng.choice([0, 0, 1, 3]))
    w_scale = random_scale(rng, 0.001, 0.05)
    wt = T(list(w.shape), w_scale, 0, "INT8", w, f"w{base}")
    if rng.random() < 0.6:
        wt.scale = [random_scale(rng, 0.001, 0.05) for _ in range(ic)]
        wt.quantized_dimension = 3
    if rng.random() < 0.3:
        in_q = (in_q[0], -128)
    bias = rng.integers(-20000, 20000, size=ic).astype(np.int32)
    tensors = [T([1, ih, iw, ic], *in_q, name=f"in{base}"), wt, T([ic], in_q[0] * w_scale, 0, "INT32", bias, f"b{base}"),
               T([1, oh, ow, ic], *out_q, name=f"out{base}")]
    return tensors, Op("DEPTHWISE_CONV_2D", [base, base + 1, base + 2], [base + 3], o, "DepthwiseConv2DOptions")


def nm_model(kinds: list[str], seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    tensors, ops = [], []
    for kind in kinds:
        t, op = _op(rng, len(tensors), kind)
        tensors += t
        ops.append(op)
    return build(Graph(tensors, ops, [op.inputs[0] for op in ops], [op.outputs[0] for op in ops]))


@pytest.mark.parametrize("seed", range(4))
def test_encoding_round_trip_and_bytes(seed: int) -> None:
    rng = np.random.default_rng(seed)
    oc, k = int(rng.integers(1, 30)), int(rng.integers(1, 200))
    rows = nm_weights(rng, oc, k)
    assert sparse_2of4.misfit(rows) is None
    enc = sparse_2of4.encode(rows)
    assert np.array_equal(sparse_2of4.decode(enc, oc)[:, :k], rows)
    assert enc.bytes == oc * enc.k8 * 5 // 8 and np.array_equal(enc.neg, (rows < 0).sum(axis=1))
    bad = rows.copy()
    bad[0, :3] = [1, 2, 3]
    assert "more than 2" in sparse_2of4.misfit(bad)
    bad[0, :3] = [-128, 0, 0]
    assert "-128" in sparse_2of4.misfit(bad)


@pytest.mark.parametrize("seed", range(4))
def test_dw_records_round_trip_and_bytes(seed: int) -> None:
    """The depthwise per-tap records: what `--prune 2:4` leaves fits, decodes back, and costs
    eat_2of4_dw_record(T) bytes per channel (3x3: 6 of 9)."""
    from pipeline.tflite.prune_patterns import prune_array

    rng = np.random.default_rng(seed)
    for kh, kw in ((3, 3), (5, 5), (2, 2), (1, 3), (3, 4), (7, 1)):
        oc = int(rng.integers(1, 20))
        w = prune_array(rng.integers(-128, 128, size=(1, kh, kw, oc)).astype(np.int8), "DEPTHWISE_CONV_2D", "2:4", 0.5)
        rows = sparse_2of4.rows_dw(w)
        assert sparse_2of4.misfit_dw(rows) is None
        enc = sparse_2of4.encode_dw(rows)
        assert np.array_equal(sparse_2of4.decode_dw(enc, oc, kh * kw), rows)
        assert enc.bytes == oc * sparse_2of4.DwShape(kh * kw).record
    assert sparse_2of4.DwShape(9).record == 6
    bad = np.zeros((1, 9), np.int8)
    bad[0, 4:7] = 5
    assert "more than 2" in sparse_2of4.misfit_dw(bad)


@pytest.mark.parametrize("seed", [1, 2])
def test_portable_2of4_kernels_bit_exact_on_host(seed: int, tmp_path: Path) -> None:
    kinds = ["fc", "pw", "conv", "dw", "dw"] * 3
    info = compile_and_compare(nm_model(kinds, seed), tmp_path, n_inputs=6, seed=seed, weights="2of4")
    assert {c["encoding"] for c in info["result"].sparsity} == {"sparse_2of4", "sparse_2of4_dw"}
    assert {o.kernel for o in info["result"].ops} == {"eat_fully_connected_s8_sparse_2of4", "eat_conv2d_s8_sparse_2of4",
                                                      "eat_depthwise_conv2d_s8_sparse_2of4"}


def test_auto_choice_2of4_on_m0plus() -> None:
    """auto on the M0+: a 1x1 conv pruned exactly 2:4 (50% zeros) over many pixels goes 2:4 (faster than
    dense and d4: on kws_ref_model's 1x1 layers 1.56 M against d4's 1.93 M and dense 2.38 M cycles); with
    more zeros (nm_weights: ~68%) d4's block walk is estimated the faster; an FC with one batch stays
    dense (the walk's 8-pixel block would be 7/8 empty), saying why."""
    from pipeline.compiler import sparse
    from pipeline.compiler.ops.sparse_2of4_weights import Candidate, decide
    from pipeline.compiler.kernels import select_variant
    from pipeline.compiler.sparse_cost import LayerShape

    rng = np.random.default_rng(0)
    shape = LayerShape("CONV_2D", 125, 64, 1, 125 * 64 * 64, 0, 0, 64)
    geo = dict(n=1, oh=25, ow=5, oc=64, ic=64, fic=64, kh=1, kw=1, ph=0, pw=0)
    v = select_variant("CONV_2D", sparse_2of4.KEY, "cortex-m0plus", geo)
    assert v.function == "eat_conv2d_s8_sparse_2of4_armv6m"
    exact = np.zeros((64, 64), np.int8)   # exactly 2 non-zeros in every group of 4
    for o in range(64):
        for g0 in range(0, 64, 4):
            exact[o, g0 + rng.choice(4, size=2, replace=False)] = rng.choice([-127, 127, 5, -9], size=2)
    for w, goes_2of4 in ((exact, True), (nm_weights(rng, 64, 64), False)):
        w = w.reshape(64, 1, 1, 64)
        enc_d4 = sparse.encode(sparse.channels_conv(w, 1, 64, 1, 1))
        choice = sparse.choose("auto", "cortex-m0plus", "CONV_2D", w, enc_d4, shape, 0, "pw", block=8)
        enc = sparse_2of4.encode(w.reshape(64, 64))
        c = Candidate(v, enc, sparse_2of4.cycles("cortex-m0plus", 125, 64, enc.k8, "armv6m"))
        assert decide("auto", c, choice) == goes_2of4, (c.cycles_est, choice.sparse_cycles_est)
        assert c.cycles_est < 0.75 * choice.dense_cycles_est
    fc = nm_weights(rng, 12, 64)
    enc_d4 = sparse.encode(sparse.channels_fc(fc))
    choice = sparse.choose("auto", "cortex-m0plus", "FULLY_CONNECTED", fc, enc_d4,
                           LayerShape("FULLY_CONNECTED", 1, 12, 1, 768), 1, "fc")
    enc = sparse_2of4.encode(fc)
    v = select_variant("FULLY_CONNECTED", sparse_2of4.KEY, "cortex-m0plus", dict(batches=1, in_depth=64, out_depth=12))
    c = Candidate(v, enc, sparse_2of4.cycles("cortex-m0plus", 1, 12, enc.k8, "armv6m"))
    assert not decide("auto", c, choice) and "2:4 est." in choice.reason


@pytest.mark.sim
@pytest.mark.parametrize("seed", [5, 6])
def test_armv6m_2of4_kernels_bit_exact_on_simulated_pico(seed: int, tmp_path: Path) -> None:
    from rich.console import Console

    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board

    tfl = tmp_path / "nm.tflite"
    tfl.write_bytes(nm_model(["fc", "pw", "pw", "conv", "dw", "dw"] * 2, seed))
    m = measure(tfl, load_board("pico"), tmp_path / "out", "2of4", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    assert {w["encoding"] for w in m.weights} == {"sparse_2of4", "sparse_2of4_dw"}
    model_c = next((tmp_path / "out").rglob("model.c")).read_text()
    for fn in ("eat_fully_connected_s8_sparse_2of4_armv6m(", "eat_conv2d_s8_sparse_2of4_armv6m(",
               "eat_conv2d_s8_sparse_2of4(", "eat_depthwise_conv2d_s8_sparse_2of4_armv6m("):
        assert fn in model_c


@pytest.mark.sim
@pytest.mark.parametrize("board, seed", [("nucleo_f446re", 7), ("nucleo_f446re", 8), ("nucleo_f746zg", 9)])
def test_armv7em_2of4_kernels_bit_exact_on_simulated_nucleo(board: str, seed: int, tmp_path: Path) -> None:
    """The Cortex-M4/M7 table walk (runtime/src/armv7em/sparse_2of4_dsp.c) on the simulated nucleo_f446re
    (M4) and nucleo_f746zg (M7),
    forced 2:4: FC over 1-20 batches (short last blocks of 1-7), 1x1 convs at stride 1 and 2 (K from 4 to
    64, K % 8 != 0 included; per-tensor and per-channel scales; the short requantisation in the walk and,
    with a shift of 0, the general one in C), general convs on the portable kernel, against TFLM."""
    from rich.console import Console

    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board

    tfl = tmp_path / "nm.tflite"
    tfl.write_bytes(nm_model(["fc", "pw", "pw", "conv", "fc", "pw", "pwg"] * 2, seed))
    m = measure(tfl, load_board(board), tmp_path / "out", "2of4", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    assert {w["encoding"] for w in m.weights} == {"sparse_2of4"}
    model_c = next((tmp_path / "out").rglob("model.c")).read_text()
    for fn in ("eat_fully_connected_s8_sparse_2of4_dsp(", "eat_conv2d_s8_sparse_2of4_dsp(", "eat_conv2d_s8_sparse_2of4("):
        assert fn in model_c


@pytest.mark.sim
@pytest.mark.parametrize("weights, seed", [("2of4", 10), ("2of4", 11), ("sparse", 12)])
def test_armv7em_depthwise_pair_walk_bit_exact_on_simulated_nucleo(weights: str, seed: int, tmp_path: Path) -> None:
    """The M4 depthwise plane walk (armv7em/depthwise_conv2d_sparse_dsp.c) over the 2:4 records (forced 2:4)
    and the d4 steps (forced d4): 14 random depthwise ops shaped for its pair walk (_dwp_op: four channels of
    3..5 non-zeros, two output rows per pass; odd out_h's one-output last pass; act_min above -128; the int8
    walks where a group does not fit) and two general ones, against TFLM on the simulated nucleo_f446re."""
    from rich.console import Console

    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board

    tfl = tmp_path / "dwp.tflite"
    tfl.write_bytes(nm_model(["dwp"] * 14 + ["dw"] * 2, seed))
    m = measure(tfl, load_board("nucleo_f446re"), tmp_path / "out", weights, Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    kernel = "eat_depthwise_conv2d_s8_sparse_2of4_dsp" if weights == "2of4" else "eat_depthwise_conv2d_s8_sparse_dsp"
    assert {w["kernel"] for w in m.weights} == {kernel}


@pytest.mark.sim
@pytest.mark.parametrize("board, kernel, dw", [("pico", "eat_conv2d_s8_sparse_2of4_armv6m", "sparse_2of4_dw"),
                                               ("nucleo_f446re", "eat_conv2d_s8_sparse_2of4_dsp", "sparse_2of4_dw")])
def test_kws_pruned_2of4_bit_exact_on_simulated_board(board: str, kernel: str, dw: str, tmp_path: Path) -> None:
    """kws_ref_model pruned one-shot 2:4: the cost model puts its 1x1 layers in 2:4 with the core's own
    kernel (Pico: 0.65-0.68x of the dense cycles; nucleo_f446re: 0.89x of the dense instructions) and its
    depthwise layers (5 of 9 taps) in the per-tap records, 384 of 576 B (Pico: 0.90x; nucleo_f446re: the pair
    walk, 0.71x), and the firmware is byte-identical to TFLM on random inputs."""
    from rich.console import Console

    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board
    from pipeline.tflite.oneshot import prune_tflite

    src = reference_model("kws_ref_model.tflite")
    pruned = tmp_path / "kws_2of4.tflite"
    prune_tflite(src, pruned, "2:4", 0.5)
    m = measure(pruned, load_board(board), tmp_path / "out", "auto", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    pw = [w for w in m.weights if w["opcode"] == "CONV_2D" and w["op_index"] > 0]
    assert len(pw) == 4 and {w["encoding"] for w in pw} == {"sparse_2of4"}
    assert {w["kernel"] for w in pw} == {kernel}
    assert all(w["chosen_weight_bytes"] <= 0.65 * w["dense_weight_bytes"] for w in pw)
    dws = [w for w in m.weights if w["opcode"] == "DEPTHWISE_CONV_2D"]
    assert len(dws) == 4 and {w["encoding"] for w in dws} == {dw}
    assert sum(w["chosen_weight_bytes"] for w in m.weights if w["op_index"] > 0) <= 0.65 * sum(
        w["dense_weight_bytes"] for w in m.weights if w["op_index"] > 0)   # issue 9's 2:4 row: 12,544 of 19,456 B


def test_auto_choice_2of4_on_m4() -> None:
    """auto on the Cortex-M4: kws's 1x1 shape pruned exactly 2:4 goes 2:4 on the table walk (est. 451 k
    against dense 501 k; measured 451,274 against 502,500); an FC with one batch stays dense (the walk's
    8-batch block would be 7/8 empty: est. ~7.4 k against 747), saying why; K > 128 (a table over 8 KB)
    takes the portable kernel."""
    from pipeline.compiler import sparse
    from pipeline.compiler.kernels import select_variant
    from pipeline.compiler.ops.sparse_2of4_weights import Candidate, decide
    from pipeline.compiler.sparse_cost import LayerShape

    rng = np.random.default_rng(3)
    exact = np.zeros((64, 64), np.int8)
    for o in range(64):
        for g0 in range(0, 64, 4):
            exact[o, g0 + rng.choice(4, size=2, replace=False)] = rng.choice([-127, 127, 5, -9], size=2)
    w = exact.reshape(64, 1, 1, 64)
    geo = dict(n=1, oh=25, ow=5, oc=64, ic=64, fic=64, kh=1, kw=1, ph=0, pw=0)
    v = select_variant("CONV_2D", sparse_2of4.KEY, "cortex-m4", geo)
    assert v.function == "eat_conv2d_s8_sparse_2of4_dsp" and v.pixel_block == 8
    wide = dict(geo, ic=256, fic=256)   # a 16 KB table: the portable kernel
    assert select_variant("CONV_2D", sparse_2of4.KEY, "cortex-m4", wide).function == "eat_conv2d_s8_sparse_2of4"
    choice = sparse.choose("auto", "cortex-m4", "CONV_2D", w, sparse.encode(sparse.channels_conv(w, 1, 64, 1, 1)),
                           LayerShape("CONV_2D", 125, 64, 1, 125 * 64 * 64, 0, 0, 64), 0, "pw", block=8)
    enc = sparse_2of4.encode(exact)
    c = Candidate(v, enc, sparse_2of4.cycles("cortex-m4", 125, 64, enc.k8, sparse_2of4.walk_of(v.function)))
    assert decide("auto", c, choice), (c.cycles_est, choice.dense_cycles_est)
    assert 0.85 * choice.dense_cycles_est < c.cycles_est < 0.93 * choice.dense_cycles_est
    fc = nm_weights(rng, 12, 64)
    choice = sparse.choose("auto", "cortex-m4", "FULLY_CONNECTED", fc, sparse.encode(sparse.channels_fc(fc)),
                           LayerShape("FULLY_CONNECTED", 1, 12, 1, 768), 1, "fc")
    v = select_variant("FULLY_CONNECTED", sparse_2of4.KEY, "cortex-m4", dict(batches=1, in_depth=64, out_depth=12))
    assert v.function == "eat_fully_connected_s8_sparse_2of4_dsp"
    enc = sparse_2of4.encode(fc)
    c = Candidate(v, enc, sparse_2of4.cycles("cortex-m4", 1, 12, enc.k8, "armv7em"))
    assert not decide("auto", c, choice) and "2:4 est." in choice.reason


def test_auto_choice_2of4_depthwise_on_m4() -> None:
    """auto on the Cortex-M4: kws's 3x3 depthwise 25x5x64 pruned 2:4 (5 of 9 taps) goes to the records on the
    plane walk's pair walk (est. ~0.72x dense; measured 189,929 against 267,952); with act_max below 127 (RELU6)
    or stride_h 2 the pair walk does not apply (the C loop, ~1.9x) and it stays dense, saying why."""
    from pipeline.compiler import sparse
    from pipeline.compiler.kernels import select_variant
    from pipeline.compiler.ops.sparse_2of4_weights import Candidate, decide
    from pipeline.compiler.sparse_cost import LayerShape

    rng = np.random.default_rng(4)
    from pipeline.tflite.prune_patterns import prune_array

    dw = prune_array(rng.integers(1, 127, size=(1, 3, 3, 64)).astype(np.int8), "DEPTHWISE_CONV_2D", "2:4", 0.5)
    rows = sparse_2of4.rows_dw(dw)
    assert sparse_2of4.misfit_dw(rows) is None and set((rows != 0).sum(axis=1)) == {5}
    enc = sparse_2of4.encode_dw(rows)
    for fields, goes in ((dict(), True), (dict(act_max=100), False), (dict(sh=2, oh=13), False)):
        geo = dict(n=1, ih=25, iw=5, ic=64, oc=64, oh=25, ow=5, kh=3, kw=3, sh=1, sw=1, dh=1, dw=1, ph=1, pw=1,
                   act_min=-128, act_max=127) | fields
        v = select_variant("DEPTHWISE_CONV_2D", sparse_2of4.KEY_DW, "cortex-m4", geo)
        assert v.function == "eat_depthwise_conv2d_s8_sparse_2of4_dsp"
        shape = LayerShape("DEPTHWISE_CONV_2D", geo["oh"] * 5, 64, 9, geo["oh"] * 5 * 576, 0, 0, 0,
                           sparse.plane_bytes(geo), 64, 1, **sparse.dw_pair_fields(geo))
        choice = sparse.choose("auto", "cortex-m4", "DEPTHWISE_CONV_2D", dw, sparse.encode(
            sparse.channels_depthwise(dw, 3, 1, 1)), shape, 1, "dw", plane=True)
        est = sparse_2of4.cycles_dw("cortex-m4", sparse_2of4.walk_of(v.function), geo, (rows != 0).sum(axis=1))
        assert decide("auto", Candidate(v, enc, est), choice) == goes, (est, choice.dense_cycles_est, choice.reason)
        if goes:
            assert 0.7 * choice.dense_cycles_est < est < 0.78 * choice.dense_cycles_est
        else:
            assert est > choice.dense_cycles_est and "2:4 est." in choice.reason


def test_auto_never_picks_a_larger_2of4() -> None:
    """Rows of 2 weights fit 2:4 trivially but pad to 8 (5 bytes): auto keeps them dense, saying why."""
    from pipeline.compiler import sparse
    from pipeline.compiler.kernels import select_variant
    from pipeline.compiler.ops.sparse_2of4_weights import Candidate, decide
    from pipeline.compiler.sparse_cost import LayerShape

    w = np.full((16, 2), 7, np.int8)
    choice = sparse.choose("auto", "generic", "FULLY_CONNECTED", w, sparse.encode(sparse.channels_fc(w)),
                           LayerShape("FULLY_CONNECTED", 64, 16, 1, 64 * 32), 0, "fc")
    enc = sparse_2of4.encode(w)
    v = select_variant("FULLY_CONNECTED", sparse_2of4.KEY, "generic", dict(batches=64, in_depth=2, out_depth=16))
    assert not decide("auto", Candidate(v, enc, 1), choice) and "not smaller" in choice.reason
