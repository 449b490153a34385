"""`--weights small`: per layer the smallest encoding the cost model says beats dense (flash before speed), against
the default `auto` (the fastest): the choice rule alone, whole compiles on every core, bit-exact runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.compiler import sparse, sparse_cost
from pipeline.compiler.compile import lower_model
from pipeline.compiler.sparse import LayerChoice
from pipeline.tflite.model import parse
from tests.sparse_models import PATTERNS, model
from tests.test_kernels_helpers import compile_and_compare

SPECS = [(op, kind) for op in ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D") for kind in PATTERNS]


def _choice(encoding: str, chosen_bytes: int, sparse_est: int, dense_est: int = 1000) -> LayerChoice:
    return LayerChoice(0, "FULLY_CONNECTED", "l", 1000, 800, 0.8, encoding, 1000, 300, chosen_bytes, dense_est,
                       sparse_est, "why")


def test_replaces_takes_the_smallest_that_beats_dense_in_small_and_the_fastest_in_auto():
    d4 = _choice(sparse.KEY, 300, 700)
    # p8: faster than d4 but larger: auto takes it, small keeps d4
    assert sparse.replaces("p8", "p8", "auto", 400, 500, _choice(sparse.KEY, 300, 700))
    assert not sparse.replaces("p8", "p8", "small", 400, 500, d4)
    assert "not the smallest" in d4.reason
    # smaller than d4 and faster than dense (though slower than d4): small takes it, auto does not
    assert sparse.replaces("2:4", "2of4", "small", 250, 900, _choice(sparse.KEY, 300, 700))
    assert not sparse.replaces("2:4", "2of4", "auto", 250, 900, _choice(sparse.KEY, 300, 700))
    # an equal size: the faster
    assert sparse.replaces("2:4", "2of4", "small", 300, 600, _choice(sparse.KEY, 300, 700))
    assert not sparse.replaces("2:4", "2of4", "small", 300, 800, _choice(sparse.KEY, 300, 700))
    # never one that does not beat dense by the margin, however small
    slow = int(1000 * sparse_cost.MARGIN)
    assert not sparse.replaces("p8", "p8", "small", 10, slow, _choice("dense", 1000, 2000))
    assert sparse.replaces("p8", "p8", "small", 10, slow - 1, _choice("dense", 1000, 2000))
    # nor one not smaller than dense; a rival (the 2:4 candidate beside p8) counts as the size to beat
    assert not sparse.replaces("p8", "p8", "small", 1000, 10, _choice("dense", 1000, 2000))
    assert not sparse.replaces("p8", "p8", "small", 400, 10, _choice("dense", 1000, 2000), other_est=900,
                               other_bytes=350)
    assert sparse.replaces("p8", "p8", "small", 300, 10, _choice("dense", 1000, 2000), other_est=900, other_bytes=350)


@pytest.mark.parametrize("core", ["cortex-m0plus", "cortex-m4", "rv32imc", "generic"])
def test_small_never_larger_than_auto_and_every_sparse_layer_beats_dense(core):
    m = parse(model(SPECS, seed=11))
    auto: list = []
    small: list = []
    lower_model(m, core, "auto", auto)
    lower_model(m, core, "small", small)
    fewer = 0
    for a, s in zip(auto, small):
        assert s.chosen_weight_bytes <= a.chosen_weight_bytes, (a.reason, s.reason)
        assert (s.encoding == "dense") == (a.encoding == "dense")   # the same layers sparse, only the encoding differs
        if s.encoding != "dense":
            assert s.sparse_cycles_est < s.dense_cycles_est * sparse_cost.MARGIN
        fewer += s.chosen_weight_bytes < a.chosen_weight_bytes
    if core == "cortex-m0plus":   # FCs whose fastest walk is p8 (2 B per non-zero) take d4 (~1.5 B) in small
        assert fewer > 0


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
