"""The Cortex-M0+ zero-skipping kernels (runtime/src/armv6m/sparse_d4_armv6m.c, the FC row walk
fully_connected_sparse_rows_armv6m.c, the 8-pixel block walk conv2d_sparse_b8_armv6m.c, the plane walk
depthwise_conv2d_sparse_armv6m.c) against the TFLM oracle on the simulated Pico: FULLY_CONNECTED, CONV_2D
(grouped: the d4 walk; one input channel: the plane walk; else the block walk) and DEPTHWISE_CONV_2D (the
plane walk) over random shapes, quantisation and every zero pattern of tests/sparse_models.py, forced
sparse, in one firmware per seed; kws_ref_model pruned one-shot to 80%, end to end, as the cost model chooses."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from pipeline.compiler.kernels import select_variant
from tests.sparse_models import EDGE_PATTERNS, PATTERNS, d4_unless_too_long, model

OPS = ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D")
_CONV = dict(n=1, ih=5, iw=5, ic=8, oh=5, ow=5, oc=6, kh=3, kw=3, sh=1, sw=1, dh=1, dw=1, ph=1, pw=1, wmin=-127)
PLANE_DW = "eat_depthwise_conv2d_s8_sparse_armv6m"
PLANE_CONV = "eat_conv2d_s8_sparse_plane_armv6m"
GEO = {"FULLY_CONNECTED": dict(batches=1, in_depth=16, out_depth=4), "CONV_2D": _CONV, "DEPTHWISE_CONV_2D": _CONV}


def test_registry_picks_armv6m_sparse_kernels() -> None:
    m0 = {op: select_variant(op, "sparse_d4", "cortex-m0plus", dict(GEO[op], fic=8)).function for op in OPS}
    assert m0 == {"FULLY_CONNECTED": "eat_fully_connected_s8_sparse_rows_armv6m",
                  "CONV_2D": "eat_conv2d_s8_sparse_b8_armv6m",
                  "DEPTHWISE_CONV_2D": "eat_depthwise_conv2d_s8_sparse_armv6m"}
    small = dict(GEO["CONV_2D"], fic=8, oh=3, ow=3)      # 9 pixels: the 4-pixel walk wastes less
    assert select_variant("CONV_2D", "sparse_d4", "cortex-m0plus", small).function == "eat_conv2d_s8_sparse_b4_armv6m"
    grouped = dict(GEO["CONV_2D"], fic=4)
    assert select_variant("CONV_2D", "sparse_d4", "cortex-m0plus", grouped).function == "eat_conv2d_s8_sparse_d4_armv6m"
    # a -128 weight (or no smallest weight given): the block walks' two pixels per MULS need |w| <= 127
    for wmin in ({"wmin": -128}, {}):
        g = {k: v for k, v in dict(GEO["CONV_2D"], fic=8, **wmin).items() if k != "wmin" or wmin}
        assert select_variant("CONV_2D", "sparse_d4", "cortex-m0plus", g).function == "eat_conv2d_s8_sparse_d4_armv6m"
    one = {k: v for k, v in dict(GEO["CONV_2D"], ic=1, fic=1).items() if k != "wmin"}
    assert select_variant("CONV_2D", "sparse_d4", "cortex-m0plus", one).function == PLANE_CONV
    # dense: the one-channel kernel (tests/test_kernels_c1_armv6m.py); with a -128 weight the plane walk for <= 9
    # taps (it beats the swar kernel there, not on kws's 10x4)
    assert select_variant("CONV_2D", "dense", "cortex-m0plus", dict(one, wmin=-127)).function == \
        "eat_conv2d_s8_c1_armv6m"
    assert select_variant("CONV_2D", "dense", "cortex-m0plus", one).function == "eat_conv2d_s8_plane_armv6m"
    assert select_variant("CONV_2D", "dense", "cortex-m0plus", dict(one, kh=10, kw=4)).function == \
        "eat_conv2d_s8_swar_armv6m"
    m4 = {op: select_variant(op, "sparse_d4", "cortex-m4", dict(GEO[op], fic=8)).function for op in OPS}
    # the M4's first CONV_2D variant is the 4-pixel walk, taken by cost against the 8-pixel one after it
    # (tests/test_kernels_sparse_b4_dsp.py)
    assert m4 == {"FULLY_CONNECTED": "eat_fully_connected_s8_sparse_d4_dsp", "CONV_2D": "eat_conv2d_s8_sparse_b4_dsp",
                  "DEPTHWISE_CONV_2D": "eat_depthwise_conv2d_s8_sparse_dsp"}


def _dw_choice(kept: int, mode: str = "auto"):
    """The M0+ choice for kws's 3x3 depthwise 25x5x64 with `kept` non-zeros per channel."""
    import numpy as np

    from pipeline.compiler import sparse
    from pipeline.compiler.sparse_cost import LayerShape

    g = dict(oh=25, ow=5, sh=1, sw=1, kh=3, kw=3, dh=1, dw=1)
    dw = np.zeros((1, 3, 3, 64), np.int8)
    dw.reshape(9, 64)[:kept] = 7
    enc = sparse.encode(sparse.channels_depthwise(dw, 5, 1, 1))
    shape = LayerShape("DEPTHWISE_CONV_2D", 125, 64, 9, 125 * 64 * 9, 56, 3 * 5 * 64, 0, sparse.plane_bytes(g), 64)
    return sparse.choose(mode, "cortex-m0plus", "DEPTHWISE_CONV_2D", dw, enc, shape, 1, "dw", plane=True)


def test_m0plus_choice_block_and_plane_walks() -> None:
    """auto on the M0+: a 90%-zero 1x1 conv goes sparse through the block walk's estimate; kws's 3x3
    depthwise goes sparse with 1 or 2 non-zeros per channel (the plane walk's estimates, fitted to
    kws 80 / 90 %) and stays dense with 5 (its encoding is larger; forced sparse still forces it); kws's
    10x4 conv with one input channel goes sparse at 80 % and stays dense at 50 % by the estimates."""
    import numpy as np

    from pipeline.compiler import sparse
    from pipeline.compiler.sparse_cost import LayerShape

    rng = np.random.default_rng(4)
    w = np.where(rng.random((64, 1, 1, 64)) < 0.1, rng.integers(1, 127, (64, 1, 1, 64)), 0).astype(np.int8)
    enc = sparse.encode(sparse.channels_conv(w, 1, 64, 1, 1))
    shape = LayerShape("CONV_2D", 125, 64, 1, 125 * 64 * 64, 0, 0, 64)
    c = sparse.choose("auto", "cortex-m0plus", "CONV_2D", w, enc, shape, 0, "pw", block=8)
    assert c.encoding == "sparse_d4" and c.sparse_cycles_est < 0.5 * c.dense_cycles_est
    for kept in (1, 2):
        c = _dw_choice(kept)
        assert c.encoding == "sparse_d4" and c.sparse_cycles_est < 0.5 * c.dense_cycles_est, c.reason
    assert _dw_choice(5).encoding == "dense" and "not smaller" in _dw_choice(5).reason   # 704 B > 576 B
    assert _dw_choice(5, "sparse").encoding == "sparse_d4"
    g = dict(n=1, ih=49, iw=10, ic=1, oh=25, ow=5, oc=64, kh=10, kw=4, sh=2, sw=2, dh=1, dw=1, ph=4, pw=1)
    shape = LayerShape("CONV_2D", 125, 64, 40, 125 * 64 * 40, 0, 0, 40, sparse.plane_bytes(g), 1)
    for keep, pick in ((0.2, "sparse_d4"), (0.5, "dense")):
        w = np.where(rng.random((64, 10, 4, 1)) < keep, rng.integers(1, 127, (64, 10, 4, 1)), 0).astype(np.int8)
        enc = sparse.encode(sparse.channels_conv(w, 10, 1, 1, 1))
        c = sparse.choose("auto", "cortex-m0plus", "CONV_2D", w, enc, shape, 0, "conv0", plane=True)
        assert c.encoding == pick, c.reason


@pytest.mark.sim
@pytest.mark.parametrize("seed", [3, 11])
def test_armv6m_sparse_kernels_bit_exact_on_simulated_pico(seed: int, tmp_path: Path) -> None:
    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board

    tfl = tmp_path / "sparse_ops.tflite"
    fcs = [("FULLY_CONNECTED", kind) for kind in EDGE_PATTERNS for _ in range(2)]   # zero columns, +-127
    # every op per zero pattern, then more depthwise (also in_c % 4 == 0: four planes per fill) and
    # one-channel convs (stride, dilation, padding and depth multiplier at random; "+": input zero point
    # -128 and weights +-127; "~": accumulators above 65535 below the upper bound, the block walks' slow path;
    # "CONV_2D+": block walks with multipliers near 1, channels without the fast requantisation: the output
    # stage eat_armv6m_block_out_lo sends them to eat_armv6m_rq_slow)
    # "^": channels pruned empty with ~2^30 biases, written as constants into the op's multiplier and shift,
    # which the plane walk prepares its requantisation from per channel)
    extra = [(op, kind) for op in ("DEPTHWISE_CONV_2D", "DEPTHWISE_CONV_2D+", "DEPTHWISE_CONV_2D_C4",
                                   "DEPTHWISE_CONV_2D_C4+", "CONV_2D_C1", "CONV_2D_C1+")
             for kind in PATTERNS] + [(op, kind) for op in ("DEPTHWISE_CONV_2D^", "CONV_2D_C1^")
                                      for kind in ("magnitude", "block", "zero_rows")] + [(op, kind) for op in ("CONV_2D~", "CONV_2D+") for kind in ("magnitude", "block")]
    extra += [("CONV_2D&", kind) for kind in ("magnitude", "block", "zero_rows")]   # sums beyond 2^30 in range
    tfl.write_bytes(model([(op, kind) for op in OPS for kind in PATTERNS] + fcs + extra, seed))
    m = measure(tfl, load_board("pico"), tmp_path / "out", "sparse", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    assert d4_unless_too_long(m.weights) and any(w["encoding"] == "sparse_d4" for w in m.weights)
    assert {w["kernel"] for w in m.weights if w["opcode"] == "DEPTHWISE_CONV_2D"} == {PLANE_DW}
    model_c = next((tmp_path / "out").rglob("model.c")).read_text()
    big = seed == 11   # seed 11's model has convolutions of >= 24 output pixels (the 8-pixel walk)
    for fn in ("eat_fully_connected_s8_sparse_rows_armv6m(", "eat_conv2d_s8_sparse_b4_armv6m(",
               *(("eat_conv2d_s8_sparse_b8_armv6m(",) if big else ()),
               "eat_conv2d_s8_sparse_d4_armv6m(", PLANE_DW + "(", PLANE_CONV + "("):
        assert fn in model_c


@pytest.mark.sim
def test_block_walks_rq_per_call_bit_exact_on_simulated_pico(tmp_path: Path) -> None:
    """The block walks and the d4 rows FC without the compiler's rq table (`--weights small`: the block walks'
    _pc kernels prepare each channel's eat_armv6m_rq_t per call from the op's multiplier and shift into scratch, the rows FC
    requantises each row from them, eat_armv6m_rq_direct; a per-tensor FC prepares its one record per call in
    any mode), forced d4 (weights mode sparse_per_call), one firmware: every zero pattern (zero_rows: channels
    pruned empty, their constants in the op's arrays; "^": those with ~2^30 biases), both block output stages
    ("+": block_out_lo and multipliers near 1, "~": accumulators above 65535, "&": sums beyond 2^30 that
    requantise into the output range), 4 and 8 pixels per walk."""
    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board

    tfl = tmp_path / "blocks.tflite"
    convs = ([("CONV_2D", kind) for kind in PATTERNS for _ in range(2)]
             + [(op, kind) for op in ("CONV_2D~", "CONV_2D+", "CONV_2D&") for kind in ("magnitude", "block", "zero_rows")])
    fcs = [(op, kind) for op in ("FULLY_CONNECTED%", "FULLY_CONNECTED+%", "FULLY_CONNECTED^", "FULLY_CONNECTED")
           for kind in PATTERNS]   # per-channel: each row requantised directly; per-tensor: one record per call
    tfl.write_bytes(model(convs + fcs, 11))
    m = measure(tfl, load_board("pico"), tmp_path / "out", "sparse_per_call", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    pc = ("eat_conv2d_s8_sparse_b4_pc_armv6m", "eat_conv2d_s8_sparse_b8_pc_armv6m")
    blocks = [w for w in m.weights if w["kernel"] in pc]
    assert {w["kernel"] for w in blocks} == set(pc)
    assert not any(w["kernel"] in ("eat_conv2d_s8_sparse_b4_armv6m", "eat_conv2d_s8_sparse_b8_armv6m") for w in m.weights)
    rows = [w for w in m.weights if w["kernel"] == "eat_fully_connected_s8_sparse_rows_armv6m"]
    model_c = next((tmp_path / "out").rglob("model.c")).read_text()
    assert model_c.count("--weights small): the kernel prepares") == len(blocks) >= 10
    assert model_c.count("--weights small): the kernel requantises each row") >= 15
    assert model_c.count("the kernel prepares the tensor's eat_armv6m_rq_t once per call") >= 5
    assert "eat_armv6m_rq_t (9 words" not in model_c and len(rows) >= 25   # no layer kept a table


@pytest.mark.sim
def test_rows_fc_rq_sources_bit_exact_on_simulated_pico(tmp_path: Path) -> None:
    """The d4 rows FC's two sources of requantisation outside --weights small, forced d4, one firmware: per-channel
    FCs ("%"; "^": rows pruned empty with ~2^30 biases, their constants in the table) read the compiler's rq table,
    per-tensor ones prepare their one record per call."""
    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board

    tfl = tmp_path / "rows.tflite"
    tfl.write_bytes(model([(op, kind) for op in ("FULLY_CONNECTED%", "FULLY_CONNECTED+%", "FULLY_CONNECTED^",
                                                 "FULLY_CONNECTED") for kind in PATTERNS], 11))
    m = measure(tfl, load_board("pico"), tmp_path / "out", "sparse", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    rows = [w for w in m.weights if w["kernel"] == "eat_fully_connected_s8_sparse_rows_armv6m"]
    model_c = next((tmp_path / "out").rglob("model.c")).read_text()
    tables = model_c.count("eat_armv6m_rq_prepare done at compile time")
    once = model_c.count("the kernel prepares the tensor's eat_armv6m_rq_t once per call")
    assert tables >= 15 and once >= 5 and tables + once == len(rows), (tables, once, len(rows))


@pytest.mark.sim
def test_plane_dense_counterpart_bit_exact_on_simulated_pico(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dense plane walk (every tap, dense weights) for one-channel convs, forced dense, one firmware. It runs
    where a weight is -128 (eat_conv2d_s8_c1_armv6m needs |w| <= 127); here the registry is left without the
    one-channel kernel so that the random weights of tests/sparse_models.py reach it."""
    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board
    from pipeline.compiler.kernels import VARIANTS

    key = ("CONV_2D", "dense", "cortex-m0plus")
    monkeypatch.setitem(VARIANTS, key, [v for v in VARIANTS[key] if v.function != "eat_conv2d_s8_c1_armv6m"])

    tfl = tmp_path / "c1.tflite"
    tfl.write_bytes(model([(op, kind) for op in ("CONV_2D_C1", "CONV_2D_C1+") for kind in PATTERNS], 17))
    m = measure(tfl, load_board("pico"), tmp_path / "out", "dense", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    kernels = [w["kernel"] for w in m.weights]
    assert kernels.count("eat_conv2d_s8_plane_armv6m") >= 4, kernels


@pytest.mark.sim
def test_kws_one_shot_80_bit_exact_on_simulated_pico(tmp_path: Path) -> None:
    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board
    from pipeline.tflite.oneshot import prune_tflite
    from tests.conftest import reference_model

    pruned = tmp_path / "kws80.tflite"
    prune_tflite(reference_model("kws_ref_model.tflite"), pruned, "magnitude", 0.8)
    m = measure(pruned, load_board("pico"), tmp_path / "out", "auto", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    by_op = {w["op_index"]: w for w in m.weights}
    assert by_op[0]["encoding"] == "sparse_d4" and by_op[0]["kernel"] == PLANE_CONV, by_op[0]
    for i in (1, 3, 5, 7):             # the 3x3 depthwise layers (2 non-zeros of 9 per channel)
        assert by_op[i]["encoding"] == "sparse_d4" and by_op[i]["kernel"] == PLANE_DW, by_op[i]
        assert "sparse est." in by_op[i]["reason"] and "cortex-m0plus" in by_op[i]["reason"]
