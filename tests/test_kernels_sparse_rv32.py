"""The RV32IMC sparse DEPTHWISE_CONV_2D (runtime/src/rv32/depthwise_conv2d_sparse_rv32.c: the plane walk in C)
alone against the TFLM oracle on the simulated esp32-c3-devkitm-1 (labwired): random depthwise ops (stride,
dilation, padding, depth multiplier, activation, per-channel or per-tensor scales; "+": input zero point -128,
weights +-127, multipliers near 1; "_C4": in_c % 4 == 0, four interleaved planes; "^": channels pruned empty
with ~2^30 biases) over every zero pattern of tests/sparse_models.py, forced sparse; the same walk as the one-input-
channel CONV_2D (eat_conv2d_s8_sparse_plane_rv32) and over the 2:4 depthwise records; the cost model's choice
(host only); and kws_ref_model pruned one-shot to 80 %, end to end, as the cost model chooses."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from rich.console import Console

from tests.conftest import reference_model
from tests.sparse_models import PATTERNS, d4_unless_too_long, model

DW = "eat_depthwise_conv2d_s8_sparse_rv32"
PLANE = "eat_conv2d_s8_sparse_plane_rv32"
PORTABLE_CONV = "eat_conv2d_s8_sparse_d4"
DW24 = "eat_depthwise_conv2d_s8_sparse_2of4_rv32"
BLOCK = "eat_conv2d_s8_sparse_b8_rv32"
BLOCK4 = "eat_conv2d_s8_sparse_b4_rv32"
KWS_DW = dict(n=1, ih=25, iw=5, ic=64, fic=64, oh=25, ow=5, oc=64, kh=3, kw=3, sh=1, sw=1, dh=1, dw=1, ph=1, pw=1)


def _priced(w: np.ndarray, g: dict):
    """The rv32imc sparse depthwise pick for weights `w` (1, kh, kw, oc) on geometry `g`: the lowering's
    pricing (ops/sparse_weights.py _priced), so the plane formula is the one the compiler uses."""
    from pipeline.compiler.ops.sparse_weights import _priced as priced, _variants

    op = SimpleNamespace(opcode="DEPTHWISE_CONV_2D", index=1, layer="dw")
    lw = SimpleNamespace(op=op, macs=g["n"] * g["oh"] * g["ow"] * g["oc"] * g["kh"] * g["kw"], arrays=[])
    ctx = SimpleNamespace(weight_mode="auto", core="rv32imc", prefix=lambda _op: "op1_")
    vs = _variants("DEPTHWISE_CONV_2D", "rv32imc", g, w, None, 0)
    return min((priced(ctx, lw, v, w, g, None) for v in vs), key=lambda c: c.choice.sparse_cycles_est)


def test_rv32_depthwise_goes_sparse_where_the_plane_walk_wins() -> None:
    """kws's 3x3 depthwise 25x5x64: 1 / 2 / 3 non-zeros of 9 per channel on the plane walk (measured 0.18-0.28x of
    dense), priced by the plane formula; at 5 (0.39x) and 9 (est. 0.75x) est. faster too, but the encoding is no
    smaller: dense."""
    for kept, sparse_wins in ((1, True), (2, True), (3, True), (5, False), (9, False)):
        w = np.zeros((1, 3, 3, 64), np.int8)
        w.reshape(9, 64)[:kept] = 7
        p = _priced(w, KWS_DW)
        assert p.variant.function == DW and p.variant.pixel_block == 0 and p.taps, p.variant
        c = p.choice
        assert (c.encoding == "sparse_d4") == sparse_wins, c.reason
        assert c.sparse_cycles_est < c.dense_cycles_est, c.reason   # 9: est. 0.75x, but no fewer bytes


def test_no_other_rv32_variant_takes_the_plane_formula() -> None:
    """Only the plane walks have pixel_block 0 among the sparse variants an rv32imc layer can get."""
    from pipeline.compiler import kernels, sparse

    for opcode in ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D"):
        for v in kernels.candidates(opcode, sparse.KEY, "rv32imc"):
            assert v.pixel_block != 0 or v.function in (DW, PLANE), v


def _conv_estimates(w: np.ndarray, g: dict) -> dict[str, int]:
    """The rv32imc sparse CONV_2D kernels the lowering's by_cost pricing weighs for weights `w` on geometry `g`,
    with their estimates."""
    from pipeline.compiler.ops.sparse_weights import _priced as priced, _variants

    op = SimpleNamespace(opcode="CONV_2D", index=0, layer="c")
    lw = SimpleNamespace(op=op, macs=g["n"] * g["oh"] * g["ow"] * g["oc"] * w[0].size, arrays=[])
    ctx = SimpleNamespace(weight_mode="auto", core="rv32imc", prefix=lambda _op: "op0_")
    vs = _variants("CONV_2D", "rv32imc", g, w, None, 0)
    return {v.function: priced(ctx, lw, v, w, g, None).choice.sparse_cycles_est for v in vs}


def _conv_pick(w: np.ndarray, g: dict) -> str:
    est = _conv_estimates(w, g)
    return min(est, key=est.get)


def test_one_channel_conv_plane_walk_by_cost() -> None:
    """One input channel (the example's conv1 3x3x1 -> 16 on 8x8; kws's 10x4x1 -> 64 stride 2 at 80 %): the plane
    walk, priced by the plane formula well below the portable walk (kws: measured 538,848 against 1,382,458) and
    the block walk (720,397, its gather byte by byte); more input channels (the plane walk does not apply): the
    8-pixel block walk, below 8 output pixels the 4-pixel one (the example's conv2: 32,520 against the portable
    walk's 42,887), grouped the portable walk."""
    rng = np.random.default_rng(3)
    ex = dict(n=1, ih=8, iw=8, ic=1, fic=1, oh=8, ow=8, oc=16, kh=3, kw=3, sh=1, sw=1, dh=1, dw=1, ph=1, pw=1)
    w = np.where(rng.random((16, 3, 3, 1)) < 0.2, rng.integers(1, 127, (16, 3, 3, 1)), 0).astype(np.int8)
    assert _conv_pick(w, ex) == PLANE
    kws = dict(n=1, ih=49, iw=10, ic=1, fic=1, oh=25, ow=5, oc=64, kh=10, kw=4, sh=2, sw=2, dh=1, dw=1, ph=4, pw=1)
    w = np.where(rng.random((64, 10, 4, 1)) < 0.2, rng.integers(1, 127, (64, 10, 4, 1)), 0).astype(np.int8)
    est = _conv_estimates(w, kws)
    assert min(est, key=est.get) == PLANE and est[PLANE] < 0.6 * est[PORTABLE_CONV], est
    w = np.where(rng.random((16, 3, 3, 2)) < 0.2, 5, 0).astype(np.int8)
    assert _conv_pick(w, dict(ex, ic=2, fic=2)) == BLOCK                  # 64 pixels: the 8-pixel block walk
    assert _conv_pick(w, dict(ex, ic=2, fic=2, oh=2, ow=2)) == BLOCK4     # 4: the 4-pixel one
    assert _conv_pick(w, dict(ex, ic=2, fic=1, oh=2, ow=2)) == PORTABLE_CONV   # grouped: the portable walk


@pytest.mark.sim
@pytest.mark.parametrize("seed", [7])
def test_rv32_sparse_depthwise_bit_exact_on_simulated_esp32c3(seed: int, tmp_path: Path) -> None:
    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board

    tfl = tmp_path / "dw.tflite"
    specs = [(op, kind) for op in ("DEPTHWISE_CONV_2D", "DEPTHWISE_CONV_2D", "DEPTHWISE_CONV_2D+",
                                   "DEPTHWISE_CONV_2D_C4", "DEPTHWISE_CONV_2D_C4+", "DEPTHWISE_CONV_2D^")
             for kind in PATTERNS]
    tfl.write_bytes(model(specs, seed))
    m = measure(tfl, load_board("esp32-c3-devkitm-1"), tmp_path / "out", "sparse", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    assert d4_unless_too_long(m.weights)
    used = [w["kernel"] for w in m.weights if w["encoding"] == "sparse_d4"]
    assert len(used) >= len(specs) - 2 and set(used) == {DW}, used
    assert DW + "(" in next((tmp_path / "out").rglob("model.c")).read_text()


@pytest.mark.sim
def test_rv32_plane_conv_bit_exact_on_simulated_esp32c3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One-channel convs forced sparse with the portable walk taken out of the registry: every one on the plane walk."""
    from dataclasses import replace

    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board
    from pipeline.compiler import kernels

    key = ("CONV_2D", "sparse_d4", "rv32imc")
    monkeypatch.setitem(kernels.VARIANTS, key, [replace(v, by_cost=False) for v in kernels.VARIANTS[key] if v.function == PLANE])
    monkeypatch.setitem(kernels.VARIANTS, ("CONV_2D", "sparse_d4", "generic"), [])   # no alternative
    tfl = tmp_path / "c1.tflite"
    specs = [(op, kind) for op in ("CONV_2D_C1", "CONV_2D_C1+", "CONV_2D_C1^") for kind in PATTERNS]
    tfl.write_bytes(model(specs, 13))
    m = measure(tfl, load_board("esp32-c3-devkitm-1"), tmp_path / "out", "sparse", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    assert d4_unless_too_long(m.weights)
    used = [w["kernel"] for w in m.weights if w["encoding"] == "sparse_d4"]
    assert len(used) >= len(specs) - 2 and set(used) == {PLANE}, used


@pytest.mark.sim
@pytest.mark.parametrize("kernel", [BLOCK, BLOCK4])
def test_rv32_block_walk_bit_exact_on_simulated_esp32c3(kernel: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The 8- and 4-pixel block walks (eat_conv2d_s8_sparse_b8_rv32 / _b4_rv32), each alone: forced sparse, the
    other CONV_2D variants taken out of the registry, at any number of output pixels (short last blocks). Random
    convs (kernel, stride, dilation, padding; "+": input zero point -128, weights +-127, 16-19 input channels; "^":
    empty channels with ~2^30 biases; "%": per-channel scales; "&": live channels whose sums pass 2^30 at a
    short-form shift; "FEW": few output pixels) over every zero pattern, against TFLM; grouped convs (which the
    walks do not take) run the portable walk."""
    from dataclasses import replace

    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board
    from pipeline.compiler import kernels
    from tests.sparse_models import only_variant

    key = ("CONV_2D", "sparse_d4", "rv32imc")
    only_variant(monkeypatch, key, kernel)
    monkeypatch.setitem(kernels.VARIANTS, key, [replace(kernels.VARIANTS[key][0], applies=lambda g: g["fic"] == g["ic"])])
    tfl = tmp_path / "blk.tflite"
    specs = [(op, kind) for op in ("CONV_2D", "CONV_2D+", "CONV_2D^", "CONV_2D%", "CONV_2D&", "CONV_2D_FEW")
             for kind in PATTERNS]
    tfl.write_bytes(model(specs, 17))
    m = measure(tfl, load_board("esp32-c3-devkitm-1"), tmp_path / "out", "sparse", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    assert d4_unless_too_long(m.weights)
    used = [w["kernel"] for w in m.weights if w["encoding"] == "sparse_d4"]
    assert set(used) <= {kernel, PORTABLE_CONV} and used.count(kernel) >= len(specs) * 2 // 3, used   # grouped: portable


@pytest.mark.sim
def test_rv32_2of4_depthwise_bit_exact_on_simulated_esp32c3(tmp_path: Path) -> None:
    """The same walk over the 2:4 records (eat_depthwise_conv2d_s8_sparse_2of4_rv32), forced 2:4: random depthwise
    ops (tests/test_kernels_sparse_2of4.py _dw_op: 3-20 taps, depth multiplier 1-3, stride, dilation, empty
    channels), against TFLM."""
    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board
    from tests.test_kernels_sparse_2of4 import nm_model

    tfl = tmp_path / "dw24.tflite"
    tfl.write_bytes(nm_model(["dw"] * 12, 5))
    m = measure(tfl, load_board("esp32-c3-devkitm-1"), tmp_path / "out", "2of4", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    assert {w["encoding"] for w in m.weights} == {"sparse_2of4_dw"}
    assert {w["kernel"] for w in m.weights} == {DW24}


@pytest.mark.sim
def test_kws_one_shot_80_bit_exact_on_simulated_esp32c3(tmp_path: Path) -> None:
    """kws_ref_model pruned to 80 % as the cost model chooses: the four depthwise layers (2 non-zeros of 9 per
    channel) and the 10x4x1 conv go sparse on the RV32 plane walks, the four 1x1 convs on the block walk, the whole
    model bit-exact."""
    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board
    from pipeline.tflite.oneshot import prune_tflite

    pruned = tmp_path / "kws.tflite"
    prune_tflite(reference_model("kws_ref_model.tflite"), pruned, "magnitude", 0.8)
    m = measure(pruned, load_board("esp32-c3-devkitm-1"), tmp_path / "out", "auto", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    by_op = {w["op_index"]: w for w in m.weights}
    for i in (1, 3, 5, 7):
        assert by_op[i]["encoding"] == "sparse_d4" and by_op[i]["kernel"] == DW, by_op[i]
        assert "sparse est." in by_op[i]["reason"] and "rv32imc" in by_op[i]["reason"], by_op[i]
    assert by_op[0]["encoding"] == "sparse_d4" and by_op[0]["kernel"] == PLANE, by_op[0]
    for i in (2, 4, 6, 8):   # the 1x1 convs: the block walk
        assert by_op[i]["encoding"] == "sparse_d4" and by_op[i]["kernel"] == BLOCK, by_op[i]
