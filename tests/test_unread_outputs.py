"""Unread outputs dropped (pipeline/compiler/unread_outputs.py) against the TFLM oracle: random graphs whose
readers pruning left with all-zero input columns; a CONV_2D output read by a pool and a padded CONV_2D, a pool read
by a CONV_2D and a DEPTHWISE_CONV_2D (multiplier 1 or 2), a flatten and an average pool before FULLY_CONNECTED,
three model outputs that are never dropped; whole models, host build, every weights mode, byte-identical outputs;
and what was dropped, counted op by op by hand (not with the module's element masks)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.compiler.constant_inputs import fold_constant_inputs
from pipeline.compiler.unread_outputs import drop_unread_outputs
from pipeline.tflite.model import parse
from pipeline.tflite.prune_patterns import prune_array
from tests.single_op_models import Graph, Op, build, fb
from tests.test_constant_inputs import _Chain, check_edits


def _weights(rng: np.random.Generator, shape: tuple[int, ...], opcode: str, unread_axis: int) -> np.ndarray:
    """Random int8 weights pruned 40-90% with 0..half of the input columns (along `unread_axis`) all zero."""
    w = prune_array(rng.integers(-127, 128, size=shape).astype(np.int8), opcode, "magnitude",
                    float(rng.uniform(0.4, 0.9)))
    n = shape[unread_axis]
    idx = [slice(None)] * w.ndim
    idx[unread_axis] = rng.permutation(n)[:int(rng.integers(0, max(1, n // 2) + 1))]
    w[tuple(idx)] = 0
    return w


class _Graph(_Chain):
    def draw(self, shape: tuple[int, ...], opcode: str, axis: int = 0) -> np.ndarray:
        """A layer's weights: pruned, with all-zero input columns (the last axis of OHWI, OI and 1HWC)."""
        return _weights(self.rng, shape, opcode, len(shape) - 1)

    def average_pool(self, x: int) -> int:
        n, h, w, c = self.tensors[x].shape
        o = fb().Pool2DOptionsT()
        o.padding, o.strideH, o.strideW, o.filterHeight, o.filterWidth = 1, 1, 1, h, w
        y = self.act([n, 1, 1, c], f"avg{len(self.ops)}", like=x)
        self.ops.append(Op("AVERAGE_POOL_2D", [x], [y], o, "Pool2DOptions"))
        return y


def graph(seed: int) -> bytes:
    """0 conv a (3x3) -> 1 max pool p -> 2 conv c -> 3 flatten -> 4 FC -> 5 FC (out 0); 6 a -> padded 3x3 conv
    (out 1); 7 p -> depthwise -> 8 1x1 conv e -> 9 average pool -> 10 flatten -> 11 FC (out 2); in a third of the
    seeds FC 4's output is a model output too (out 3). Some of a's channels are ignored by all of 2, 6 and 7."""
    g = _Graph(np.random.default_rng(seed))
    x, a, p, c = g.trunk()
    rng = g.rng
    fc4 = g.fc(g.flatten(c), int(rng.integers(8, 24)))
    cc = g.tensors[c].shape[-1]                  # some of conv c's channels unread at every position
    w4 = g.tensors[g.ops[-1].inputs[1]].data
    w4[:, np.isin(np.arange(w4.shape[1]) % cc, rng.permutation(cc)[:int(rng.integers(0, 3))])] = 0
    f = g.fc(fc4, int(rng.integers(3, 10)))
    padded = g.conv(a, 3, 3, True)
    m = int(rng.integers(1, 3))
    d = g.depthwise(p, m, 3, True)
    e = g.conv(d, int(rng.integers(4, 12)), 1, True)
    k = g.fc(g.flatten(g.average_pool(e)), int(rng.integers(3, 10)))
    ca = g.tensors[a].shape[-1]                  # some of a's channels ignored by all three readers
    both = rng.permutation(ca)[:int(rng.integers(0, 3))]
    w = {i: g.tensors[g.ops[i].inputs[1]].data for i in (2, 6, 7)}
    w[2][..., both] = 0
    w[6][..., both] = 0
    w[7][..., (both[:, None] * m + np.arange(m)).reshape(-1)] = 0
    outputs = [f, padded, k] + ([fc4] if rng.integers(0, 3) == 0 else [])   # an output read by another op too
    return build(Graph(g.tensors, g.ops, [x], outputs))


def _expected(model) -> dict[int, int]:
    """Op index -> non-zero weights dropped, walked back by hand from the three model outputs."""
    t = model.tensors
    w = {i: t[op.inputs[1]].data.copy() for i, op in enumerate(model.operators) if len(op.inputs) > 1
         and t[op.inputs[1]].data is not None and t[op.inputs[1]].dtype == "int8"}
    out: dict[int, int] = {}
    fc4_out = model.operators[4].outputs[0] in model.outputs

    def drop_rows(i: int, rows: np.ndarray) -> None:       # rows: output channels unread
        per = w[i].reshape(-1, w[i].shape[-1]).T if i == 7 else w[i].reshape(w[i].shape[0], -1)
        n = int(np.count_nonzero(per[rows]))
        if n:
            out[i] = n
        per = per.copy()
        per[rows] = 0
        w[i] = (per.T if i == 7 else per).reshape(w[i].shape)

    # branch 2: FC 11 (out) reads the average pool's channels; conv e's unread channels go
    drop_rows(8, ~w[11].any(axis=0))
    # the depthwise's output channel o is read by e's column o
    drop_rows(7, ~w[8].reshape(-1, w[8].shape[-1]).any(axis=0))
    m = w[7].shape[-1] // t[model.operators[7].inputs[0]].shape[-1]
    dw_unread = ~w[7].reshape(-1, w[7].shape[-1]).any(axis=0).reshape(-1, m).any(axis=1)
    # branch 0: FC 5 (out) reads FC 4's units; FC 4 reads conv c flattened (input j is channel j % channels)
    drop_rows(4, ~w[5].any(axis=0) & (not fc4_out))
    cols = ~w[4].any(axis=0)
    cc = w[2].shape[0]
    drop_rows(2, np.array([cols[np.arange(cols.size) % cc == ch].all() for ch in range(cc)]))
    c_unread = ~w[2].reshape(-1, w[2].shape[-1]).any(axis=0)
    # the pool's channels: both readers (conv c and the depthwise) must ignore them; a's readers: pool, padded conv
    padded_unread = ~w[6].reshape(-1, w[6].shape[-1]).any(axis=0)
    drop_rows(0, c_unread & dw_unread & padded_unread)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_dropped_graphs_are_bit_exact(seed, tmp_path):
    buf = graph(seed)
    folded, _ = fold_constant_inputs(parse(buf))
    dropped, drops = drop_unread_outputs(folded)
    assert {d.op_index: d.weights for d in drops} == _expected(folded)
    outs = {i for i, op in enumerate(folded.operators) if op.outputs[0] in folded.outputs}
    assert all(d.op_index not in outs for d in drops)                 # model outputs are never dropped
    check_edits(folded, dropped, drops, buf, tmp_path, seed, "dropped", "no reader uses")


def test_drops_happen():
    """The graphs above drop something in most seeds, in each producer kind (a test that drops nothing shows
    nothing)."""
    kinds: dict[int, int] = {}
    for seed in range(6):
        for d in drop_unread_outputs(fold_constant_inputs(parse(graph(seed)))[0])[1]:
            kinds[d.op_index] = kinds.get(d.op_index, 0) + 1
    assert sum(kinds.values()) >= 8 and {0, 2, 4, 7, 8} <= set(kinds), kinds
