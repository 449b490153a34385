"""Constant inputs folded into the bias (pipeline/compiler/constant_inputs.py) against the TFLM oracle: random
chains CONV_2D -> MAX_POOL_2D -> CONV_2D -> RESHAPE -> FULLY_CONNECTED -> FULLY_CONNECTED whose filters pruning
left partly empty, plus consumers that must not fold (a padded CONV_2D, a DEPTHWISE_CONV_2D); whole models, host
build, every weights mode, byte-identical outputs; and what was folded, counted independently."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.compiler.constant_inputs import fold_constant_inputs
from pipeline.tflite.model import load
from pipeline.tflite.prune_patterns import prune_array
from tests.single_op_models import Graph, Op, T, build, fb, random_scale
from tests.test_kernels_helpers import compile_and_compare

ACTS = (0, 1, 3)   # NONE, RELU, RELU6


def _osz(i: int, k: int, s: int, same: bool) -> int:
    return (i + s - 1) // s if same else (i - k + s) // s


def _weights(rng: np.random.Generator, shape: tuple[int, ...], opcode: str, axis: int = 0) -> np.ndarray:
    """Random int8 weights pruned 50-90% with 1..half of the output channels (along `axis`) empty."""
    w = prune_array(rng.integers(-127, 128, size=shape).astype(np.int8), opcode, "magnitude",
                    float(rng.uniform(0.5, 0.9)))
    n = shape[axis]
    dead = rng.permutation(n)[:int(rng.integers(1, max(2, n // 2 + 1)))]
    idx = [slice(None)] * w.ndim
    idx[axis] = dead
    w[tuple(idx)] = 0
    return w


class _Chain:
    """A graph under construction: tensors appended, ops appended, int8 activations with random quantization."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng, self.tensors, self.ops = rng, [], []

    def act(self, shape: list[int], name: str, like: int | None = None) -> int:
        if like is not None:
            t = self.tensors[like]
            self.tensors.append(T(shape, t.scale, t.zero_point, name=name))
        else:
            self.tensors.append(T(shape, random_scale(self.rng, 0.01, 0.5), int(self.rng.integers(-100, 100)),
                                  name=name))
        return len(self.tensors) - 1

    def weighted(self, opcode: str, x: int, w: np.ndarray, out_shape: list[int], options, otype: str,
                 axis: int = 0) -> int:
        rng, oc = self.rng, w.shape[axis]
        in_scale = float(self.tensors[x].scale)
        scales = [random_scale(rng, 0.002, 0.05) for _ in range(oc)]
        self.tensors.append(T(list(w.shape), scales, 0, "INT8", w, f"w{len(self.ops)}", quantized_dimension=axis))
        bias = rng.integers(-30000, 30000, size=oc).astype(np.int32)
        self.tensors.append(T([oc], [in_scale * s for s in scales], 0, "INT32", bias, f"b{len(self.ops)}"))
        y = self.act(out_shape, f"y{len(self.ops)}")
        self.ops.append(Op(opcode, [x, len(self.tensors) - 3, len(self.tensors) - 2], [y], options, otype))
        return y

    def draw(self, shape: tuple[int, ...], opcode: str, axis: int = 0) -> np.ndarray:
        """A layer's weights: pruned, with empty filters along the output axis `axis`."""
        return _weights(self.rng, shape, opcode, axis)

    def conv(self, x: int, oc: int, k: int, same: bool) -> int:
        n, h, w, c = self.tensors[x].shape
        o = fb().Conv2DOptionsT()
        o.padding, o.strideH, o.strideW = (0 if same else 1), 1, 1
        o.dilationHFactor = o.dilationWFactor = 1
        o.fusedActivationFunction = int(self.rng.choice(ACTS))
        weights = self.draw((oc, k, k, c), "CONV_2D")
        return self.weighted("CONV_2D", x, weights, [n, _osz(h, k, 1, same), _osz(w, k, 1, same), oc], o,
                             "Conv2DOptions")

    def depthwise(self, x: int, multiplier: int = 1, k: int = 2, same: bool = False) -> int:
        n, h, w, c = self.tensors[x].shape
        o = fb().DepthwiseConv2DOptionsT()
        o.padding, o.strideH, o.strideW, o.depthMultiplier = (0 if same else 1), 1, 1, multiplier
        o.dilationHFactor = o.dilationWFactor = 1
        o.fusedActivationFunction = int(self.rng.choice(ACTS))
        weights = self.draw((1, k, k, c * multiplier), "DEPTHWISE_CONV_2D", axis=3)
        return self.weighted("DEPTHWISE_CONV_2D", x, weights, [n, _osz(h, k, 1, same), _osz(w, k, 1, same),
                                                               c * multiplier], o, "DepthwiseConv2DOptions", axis=3)

    def fc(self, x: int, out: int) -> int:
        o = fb().FullyConnectedOptionsT()
        o.fusedActivationFunction = int(self.rng.choice(ACTS))
        n_in = self.tensors[x].shape[-1]
        return self.weighted("FULLY_CONNECTED", x, self.draw((out, n_in), "FULLY_CONNECTED"), [1, out], o,
                             "FullyConnectedOptions")

    def max_pool(self, x: int, same: bool) -> int:
        n, h, w, c = self.tensors[x].shape
        o = fb().Pool2DOptionsT()
        o.padding, o.strideH, o.strideW, o.filterHeight, o.filterWidth = (0 if same else 1), 2, 2, 2, 2
        o.fusedActivationFunction = int(self.rng.choice(ACTS))
        y = self.act([n, _osz(h, 2, 2, same), _osz(w, 2, 2, same), c], f"pool{len(self.ops)}", like=x)
        self.ops.append(Op("MAX_POOL_2D", [x], [y], o, "Pool2DOptions"))
        return y

    def trunk(self) -> tuple[int, int, int, int]:
        """image -> conv a (3x3, SAME or VALID) -> max pool p -> conv c (VALID 2x2, or 1x1 SAME: no padding either
        way): the four tensors."""
        rng = self.rng
        x = self.act([1, int(rng.integers(7, 11)), int(rng.integers(7, 11)), int(rng.integers(1, 4))], "image")
        a = self.conv(x, int(rng.integers(4, 9)), 3, bool(rng.integers(0, 2)))
        p = self.max_pool(a, bool(rng.integers(0, 2)))
        one = bool(rng.integers(0, 2))
        return x, a, p, self.conv(p, int(rng.integers(4, 9)), 1 if one else 2, one)

    def flatten(self, x: int) -> int:
        shape = [1, int(np.prod(self.tensors[x].shape))]
        self.tensors.append(T([2], None, 0, "INT32", np.array(shape, np.int32), f"shape{len(self.ops)}"))
        y = self.act(shape, f"flat{len(self.ops)}", like=x)
        o = fb().ReshapeOptionsT()
        o.newShape = shape
        self.ops.append(Op("RESHAPE", [x, len(self.tensors) - 2], [y], o, "ReshapeOptions"))
        return y


def chain(seed: int) -> bytes:
    """in -> conv (SAME or VALID) -> max pool -> conv (VALID 3x3, or 1x1 SAME: no padding either way) -> flatten
    -> FC -> FC (out 0); beside it the first conv -> a SAME 3x3 conv (out 1) and the pool -> a depthwise (out 2)."""
    g = _Chain(np.random.default_rng(seed))
    x, a, p, c = g.trunk()
    rng = g.rng
    f = g.fc(g.fc(g.flatten(c), int(rng.integers(8, 24))), int(rng.integers(3, 10)))
    padded = g.conv(a, 3, 3, True)
    dw = g.depthwise(p)
    return build(Graph(g.tensors, g.ops, [x], [f, padded, dw]))


def _expected(model) -> dict[int, int]:
    """Op index -> non-zero weights on constant inputs, counted op by op from the empty filters (not the module's
    element masks): the first conv's empty filters make channels constant, the pool keeps them, the second conv
    folds them and its own empty filters (or those the fold emptied) make its channels constant, the flatten maps
    channel c to inputs j with j % channels == c, the FCs fold and pass on their empty rows."""
    ops, t = model.operators, model.tensors
    conv1, conv2, fc1, fc2 = ops[0], ops[2], ops[4], ops[5]
    dead1 = ~t[conv1.inputs[1]].data.reshape(t[conv1.inputs[1]].shape[0], -1).any(axis=1)
    w2 = t[conv2.inputs[1]].data.copy()
    out = {2: int(np.count_nonzero(w2[..., dead1]))}
    w2[..., dead1] = 0
    dead2 = ~w2.reshape(w2.shape[0], -1).any(axis=1)
    w3 = t[fc1.inputs[1]].data.copy()
    cols = dead2[np.arange(w3.shape[1]) % dead2.size]
    out[4] = int(np.count_nonzero(w3[:, cols]))
    w3[:, cols] = 0
    dead3 = ~w3.any(axis=1)
    out[5] = int(np.count_nonzero(t[fc2.inputs[1]].data[:, dead3]))
    return {k: v for k, v in out.items() if v}


@pytest.mark.parametrize("seed", range(6))
def test_folded_chains_are_bit_exact(seed, tmp_path):
    buf = chain(seed)
    (tmp_path / "m.tflite").write_bytes(buf)
    model = load(tmp_path / "m.tflite")
    folded, folds = fold_constant_inputs(model)
    assert {f.op_index: f.weights for f in folds} == _expected(model)
    assert all(f.op_index not in (6, 7) for f in folds)          # the padded conv and the depthwise never fold
    check_edits(model, folded, folds, buf, tmp_path, seed, "folded", "folded into the bias")


def check_edits(before, after, edits: list, buf: bytes, tmp_path, seed: int, field: str, said: str) -> None:
    """A pass's weight edits (constant_inputs.Fold, unread_outputs.Drop): the weights zeroed are the ones counted;
    the compiled model matches TFLM on the host in every weights mode, lists the edits in compile.json `field` and
    says `said` in each edited layer's reason."""
    for e in edits:
        n0 = np.count_nonzero(before.tensors[before.operators[e.op_index].inputs[1]].data)
        n1 = np.count_nonzero(after.tensors[after.operators[e.op_index].inputs[1]].data)
        assert n0 - n1 == e.weights
    for mode in ("auto", "dense", "sparse"):
        info = compile_and_compare(buf, tmp_path / mode, n_inputs=8, seed=seed, weights=mode)
        assert [f["op_index"] for f in getattr(info["result"], field)] == [e.op_index for e in edits]
        for e in edits:
            choice = next(c for c in info["result"].sparsity if c["op_index"] == e.op_index)
            assert said in choice["reason"]

