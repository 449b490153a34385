"""`--weights small`: per layer, of dense and the encodings the cost model says beat dense, the one whose constants
take the least flash as emitted (flash before speed), against the default `auto` (the fastest): whole compiles on
every core, a layer where sparse emits more than dense, bit-exact runs on the host and the simulated boards."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.compiler import sparse_cost
from pipeline.compiler.compile import lower_model
from pipeline.tflite.prune_patterns import prune_array
from pipeline.tflite.model import parse
from tests.single_op_models import Graph, Op, T, build, fb
from tests.sparse_models import PATTERNS, model
from tests.test_kernels_helpers import compile_and_compare

# the block walks that drop their compiler tables under small (the M0+ rq table, the M4 lane starts and short table)
BLOCK_WALKS = ("eat_conv2d_s8_sparse_b4_armv6m", "eat_conv2d_s8_sparse_b8_armv6m", "eat_conv2d_s8_sparse_b4_dsp",
               "eat_conv2d_s8_sparse_b8_dsp")


def _pc(kernel: str) -> str:
    """A block walk's kernel without the compiler's tables (kernels.PER_CALL)."""
    return kernel.replace("_armv6m", "_pc_armv6m").replace("_dsp", "_pc_dsp")

SPECS = [(op, kind) for op in ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D") for kind in PATTERNS]


@pytest.mark.parametrize("core", ["cortex-m0plus", "cortex-m4", "rv32imc", "generic"])
def test_small_takes_the_least_flash_as_emitted_of_dense_and_what_beats_it(core):
    """Per layer: never more flash as emitted than dense nor than auto's choice (auto's is one of those small
    weighs), every sparse choice estimated under dense by the margin, and the reason names the others."""
    m = parse(model(SPECS, seed=11))
    auto: list = []
    small: list = []
    lower_model(m, core, "auto", auto)
    lower_model(m, core, "small", small)
    assert [c.op_index for c in small] == [c.op_index for c in auto]
    differ = blocks = 0
    for a, s in zip(auto, small):
        assert s.dense_const_bytes == a.dense_const_bytes
        assert s.chosen_const_bytes <= min(a.chosen_const_bytes, s.dense_const_bytes), (a.reason, s.reason)
        if s.encoding != "dense":
            assert s.sparse_cycles_est < s.dense_cycles_est * sparse_cost.MARGIN
        assert s.reason.startswith("--weights small") and "the others" in s.reason
        differ += s.chosen_const_bytes < a.chosen_const_bytes
        if a.kernel in BLOCK_WALKS and s.kernel == _pc(a.kernel):   # small: no tables, computed per call
            assert s.chosen_const_bytes < a.chosen_const_bytes and s.sparse_cycles_est > a.sparse_cycles_est
            blocks += 1
    if core == "cortex-m0plus":   # e.g. FCs whose fastest walk is p8 (2 B per non-zero) take d4 (~1.5 B)
        assert differ > 0 and blocks > 0


@pytest.mark.parametrize("core, kernel, saved", [("cortex-m0plus", "eat_conv2d_s8_sparse_b8_armv6m", 36 - 8),
                                                 ("cortex-m4", "eat_conv2d_s8_sparse_b8_dsp", 16)])
def test_block_walks_under_small_drop_their_tables(core: str, kernel: str, saved: int):
    """kws's 1x1 shape (25x5x64 -> 64, 80 % zeros): auto and small take the same 8-pixel block walk, but under small
    without the compiler's tables (its _pc kernel): on the M0+ the 36 B per channel rq table goes and the op's
    multiplier and shift (8 B) stay; on the M4 the lane starts and short table (24 B and a flag word) become L0
    and L1 (8 B: the table walks carry L0 in their starts).
    The estimate pays the per-call preparation, and the generated C says so."""
    rng = np.random.default_rng(5)
    F = fb()
    w = prune_array(rng.integers(-127, 128, size=(64, 1, 1, 64)).astype(np.int8), "CONV_2D", "magnitude", 0.8)
    o = F.Conv2DOptionsT()
    o.padding, o.strideH, o.strideW, o.dilationHFactor, o.dilationWFactor, o.fusedActivationFunction = 0, 1, 1, 1, 1, 1
    tensors = [T([1, 25, 5, 64], 0.05, -3, name="in"),
               T([64, 1, 1, 64], 0.01, 0, "INT8", w, "w"),
               T([64], 0.0005, 0, "INT32", rng.integers(-999, 999, size=64).astype(np.int32), "b"),
               T([1, 25, 5, 64], 0.1, -128, name="out")]
    tensors[1].scale = [float(x) for x in rng.uniform(0.005, 0.02, 64)]
    tensors[1].quantized_dimension = 0
    m = parse(build(Graph(tensors, [Op("CONV_2D", [0, 1, 2], [3], o, "Conv2DOptions")], [0], [3])))
    auto: list = []
    small: list = []
    lower_model(m, core, "auto", auto)
    lowered = lower_model(m, core, "small", small)
    assert auto[0].kernel == kernel and small[0].kernel == _pc(kernel)
    extra = 1 if core == "cortex-m4" else 0   # the M4's short-form flag word
    assert auto[0].chosen_const_bytes - small[0].chosen_const_bytes == saved * 64 + 4 * extra
    assert small[0].sparse_cycles_est > auto[0].sparse_cycles_est
    assert any("--weights small" in n and "per call" in n for n in lowered[0].notes + [a.comment for a in lowered[0].arrays])


def test_kws_depthwise_on_the_m0plus_emits_less_sparse_and_small_agrees():
    """kws's 3x3 depthwise (64 channels, 80 % zeros) on the M0+: the plane walk prepares each channel's
    requantisation itself (no 36 B per channel of compiler-made tables), so it is smaller than dense as emitted as
    well as faster: auto and small both take it, and the generated C says why."""
    rng = np.random.default_rng(3)
    F = fb()
    w = prune_array(rng.integers(-127, 128, size=(1, 3, 3, 64)).astype(np.int8), "DEPTHWISE_CONV_2D", "magnitude", 0.8)
    o = F.DepthwiseConv2DOptionsT()
    o.padding, o.strideH, o.strideW, o.depthMultiplier, o.dilationHFactor, o.dilationWFactor = 0, 1, 1, 1, 1, 1
    o.fusedActivationFunction = 1
    tensors = [T([1, 25, 5, 64], 0.05, -3, name="in"), T([1, 3, 3, 64], 0.01, 0, "INT8", w, "w"),
               T([64], 0.0005, 0, "INT32", rng.integers(-999, 999, size=64).astype(np.int32), "b"),
               T([1, 25, 5, 64], 0.1, -128, name="out")]
    m = parse(build(Graph(tensors, [Op("DEPTHWISE_CONV_2D", [0, 1, 2], [3], o, "DepthwiseConv2DOptions")], [0], [3])))
    auto: list = []
    small: list = []
    lower_model(m, "cortex-m0plus", "auto", auto)
    lowered = lower_model(m, "cortex-m0plus", "small", small)
    assert auto[0].encoding == "sparse_d4" and auto[0].chosen_const_bytes < auto[0].dense_const_bytes
    assert small[0].encoding == "sparse_d4" and small[0].chosen_const_bytes == auto[0].chosen_const_bytes
    assert any(small[0].reason in n for n in lowered[0].notes)   # the generated C says why


def test_small_is_bit_exact_on_the_host(tmp_path: Path):
    r = compile_and_compare(model(SPECS, seed=5), tmp_path, n_inputs=6, weights="small")
    assert any(c["encoding"] != "dense" for c in r["result"].sparsity)


@pytest.mark.sim
@pytest.mark.parametrize("board", ["pico", "nucleo_f446re"])
def test_small_is_bit_exact_on_the_simulated_boards(board: str, tmp_path: Path):
    """Random FC / CONV / DEPTHWISE ops over every zero pattern and a batch of FCs of every kind (the p8 / d4
    rivalry), compiled with --weights small for the core: byte-identical to TFLM on its simulator."""
    from rich.console import Console

    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board
    from tests.test_kernels_sparse_p8 import KINDS, p8_model

    for name, buf in (("ops", model(SPECS, seed=13)), ("fcs", p8_model(list(KINDS), seed=14))):
        tfl = tmp_path / f"{name}.tflite"
        tfl.write_bytes(buf)
        m = measure(tfl, load_board(board), tmp_path / name, "small", Console(stderr=True, quiet=True))
        assert m.bit_exact == f"{INFERENCES}/{INFERENCES}", name
        assert any(w["encoding"] != "dense" for w in m.weights)
