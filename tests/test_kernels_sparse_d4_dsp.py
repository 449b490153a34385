"""The Cortex-M4/M7 FULLY_CONNECTED walk over the d4 encoding (eat_fully_connected_s8_sparse_d4_dsp: four entries
per pass, p8's per-row table and output stage) alone against the TFLM oracle on the simulated nucleo_f446re (and the
Cortex-M7, nucleo_f746zg): random shapes (in_depth 1-1200, so long gaps take filler entries, out_depth 1-40,
batches 1-8), quantisation and zero patterns (the pruning methods', empty rows, unused inputs, +-127 everywhere, a
full row, rows whose bias leaves the short requantisation's room), forced d4; and the choice it makes possible:
`--weights small` takes it over p8 where it beats dense, auto where p8 cannot serve (in_depth > 256)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.compiler import kernels, sparse, sparse_cost
from pipeline.compiler.sparse_cost import LayerShape
from tests.single_op_models import Graph, build
from tests.test_kernels_sparse_p8 import KINDS, _fc

D4_DSP = "eat_fully_connected_s8_sparse_d4_dsp"
LONG = ("magnitude", "zero_cols", "block", "2:8", "big_bias", "extreme")   # in_depth 257-1200


def d4_model(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    tensors, ops = [], []
    for kind, n_in in [(k, None) for k in KINDS] + [(k, int(rng.integers(257, 1201))) for k in LONG]:
        t, op = _fc(rng, len(tensors), kind, n_in)
        tensors += t
        ops.append(op)
    return build(Graph(tensors, ops, [op.inputs[0] for op in ops], [op.outputs[0] for op in ops]))


@pytest.mark.sim
@pytest.mark.parametrize("board, seed", [("nucleo_f446re", 1), ("nucleo_f446re", 2), ("nucleo_f746zg", 3)])
def test_d4_dsp_fc_bit_exact_on_simulated_board(board: str, seed: int, tmp_path: Path) -> None:
    from rich.console import Console

    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board

    tfl = tmp_path / "d4.tflite"
    tfl.write_bytes(d4_model(seed))
    m = measure(tfl, load_board(board), tmp_path / "out", "sparse", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    assert {w["kernel"] for w in m.weights if w["encoding"] == "sparse_d4"} == {D4_DSP}
    assert sum(w["encoding"] == "sparse_d4" for w in m.weights) >= len(KINDS) + len(LONG) - 2   # all but too-long rows
    assert D4_DSP + "(" in next((tmp_path / "out").rglob("model.c")).read_text()


def _fc_weights(n_out: int, n_in: int, keep: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.where(rng.random((n_out, n_in)) < keep, rng.integers(1, 127, (n_out, n_in)), 0).astype(np.int8)


def test_the_m4_prices_its_d4_walk_and_picks_it_where_it_pays() -> None:
    """The walk's figures (pair_fc 10.5 per index byte, out + channel_fc 32 per row: fitted to forced single FCs
    on the simulated nucleo, sparse_cost.py) against the dense int16 / int8 kernels' and p8's."""
    v = kernels.select_variant("FULLY_CONNECTED", sparse.KEY, "cortex-m4", dict(batches=1, in_depth=600, out_depth=8))
    assert v.function == D4_DSP
    # 128 -> 64 at 80 % with per-channel scales (the built-in example's dense1): d4 beats dense (which requantises
    # per row the general way), so it is small's (p8, faster still, is auto's); per-tensor, dense keeps it
    w = _fc_weights(64, 128, 0.2)
    for per_channel, pick in ((True, sparse.KEY), (False, "dense")):
        c = sparse.choose("auto", "cortex-m4", "FULLY_CONNECTED", w, sparse.encode(sparse.channels_fc(w)),
                          LayerShape("FULLY_CONNECTED", 1, 64, 1, w.size, per_channel=per_channel), 0, "fc")
        assert c.encoding == pick, c.reason
    # 640 -> 128: at 80 % dense wins (0.82 instructions per MAC), at 95 % the walk
    for keep, pick in ((0.2, "dense"), (0.05, sparse.KEY)):
        w = _fc_weights(128, 640, keep)
        c = sparse.choose("auto", "cortex-m4", "FULLY_CONNECTED", w, sparse.encode(sparse.channels_fc(w)),
                          LayerShape("FULLY_CONNECTED", 1, 128, 1, w.size), 0, "fc")
        assert c.encoding == pick, c.reason
