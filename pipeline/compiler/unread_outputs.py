"""Unread outputs dropped: a filter whose output channel every reader multiplies by zero has its weights zeroed.

The mirror of constant_inputs.py. A FULLY_CONNECTED whose weights on input j are all zero never uses input j: the
term w * (x + input_offset) is 0 whatever x is. The same holds for a CONV_2D input channel whose weights are all
zero at every tap (a padded tap adds 0 too), and for a DEPTHWISE_CONV_2D input channel whose filters (all
depth_multiplier of them) are empty. MAX_POOL_2D and AVERAGE_POOL_2D pass a channel no reader uses back to their
input channel; RESHAPE passes elements back unchanged. When every reader of a CONV_2D, DEPTHWISE_CONV_2D or
FULLY_CONNECTED output ignores one of its channels everywhere, and the tensor is not a model output, the compiler
zeroes that channel's weights: its value changes (it becomes the requantised bias) but no output of the model can
see it, so the model's outputs stay byte-identical to TFLM's on the unedited file, and the sparse encodings store
and walk fewer non-zeros. The pass runs backwards, so a zeroed filter can free its own inputs in turn. The
built-in example at 80%: 15 of the 64 inputs of `probs` carry only zero weights, so 15 rows of dense1 go (the tests:
tests/test_unread_outputs.py against the TFLM oracle).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from pipeline.tflite.model import Model, Operator
from pipeline.tflite.prune_patterns import POOLS, WEIGHTED, as_rows, from_rows

MAX_ELEMENTS = 1 << 22      # per tensor tracked (element masks): larger activations are not followed


@dataclass(frozen=True)
class Drop:
    """One producer's output channels no reader uses, their weights zeroed."""

    op_index: int
    opcode: str
    layer: str
    weights: int                # non-zero weights zeroed
    channels: int               # output channels (FULLY_CONNECTED: units) no reader uses
    readers: tuple[str, ...]    # the layers whose zero weights leave them unread

    def to_json(self) -> dict:
        return {"op_index": self.op_index, "opcode": self.opcode, "layer": self.layer, "weights": self.weights,
                "channels": self.channels, "readers": list(self.readers)}

    @property
    def reason(self) -> str:
        what = "unit" if self.opcode == "FULLY_CONNECTED" else "output channel"
        return (f"{self.weights} non-zero weight{'s' if self.weights != 1 else ''} of {self.channels} {what}"
                f"{'s' if self.channels != 1 else ''} no reader uses (zero weights in {', '.join(self.readers)}) "
                "dropped")


@dataclass
class _Unread:
    """Which elements of an op's first input the op never uses, and the layers whose zero weights say so."""

    mask: np.ndarray
    readers: frozenset[str]


def _weights(model: Model, op: Operator):
    w = model.tensor(op.inputs[1]) if len(op.inputs) > 1 else None
    if w is None or not w.is_const or w.dtype != "int8" or w.data is None:
        return None
    return w


def _channel_view(mask: np.ndarray, channels: int) -> np.ndarray | None:
    """Per channel (the last axis after viewing the tensor as [-1, channels]): unread everywhere."""
    if channels <= 0 or mask.size % channels:
        return None
    return mask.reshape(-1, channels).all(axis=0)


def _input_unread(model: Model, op: Operator, out_unread: _Unread | None) -> _Unread | None:
    """What `op` never reads of its first input (None: it reads everything, or it is not understood)."""
    inp = model.tensor(op.inputs[0])
    if inp is None or inp.size > MAX_ELEMENTS or op.inputs.count(op.inputs[0]) != 1:
        return None
    shape = tuple(int(d) for d in inp.shape)
    if op.opcode in WEIGHTED:
        w = _weights(model, op)
        if w is None:
            return None
        layer = frozenset({op.layer.split(";")[0]})
        if op.opcode == "FULLY_CONNECTED":
            cols = int(w.shape[-1])
            if inp.size % cols:
                return None
            unread = ~w.data.reshape(int(w.shape[0]), cols).any(axis=0)
            return _Unread(np.broadcast_to(unread, (inp.size // cols, cols)).reshape(shape).copy(), layer)
        if len(shape) != 4:
            return None
        c = shape[-1]
        if op.opcode == "CONV_2D":
            if int(w.shape[-1]) != c:
                return None         # grouped
            unread = ~w.data.reshape(-1, c).any(axis=0)
        else:
            per = as_rows(w.data, op.opcode)
            if per.shape[0] % c:
                return None
            unread = ~per.reshape(c, -1).any(axis=1)     # output channel o reads input channel o // multiplier
        return _Unread(np.broadcast_to(unread, shape).copy(), layer)
    if out_unread is None:
        return None
    if op.opcode in POOLS and len(shape) == 4:
        unread = _channel_view(out_unread.mask, shape[-1])
        return None if unread is None else _Unread(np.broadcast_to(unread, shape).copy(), out_unread.readers)
    if op.opcode == "RESHAPE" and out_unread.mask.size == inp.size:
        return _Unread(out_unread.mask.reshape(shape), out_unread.readers)
    return None


def drop_unread_outputs(model: Model) -> tuple[Model, list[Drop]]:
    """`model` with the weights of every output channel no reader uses zeroed, and what was dropped."""
    uses = model.reads()
    readers: dict[int, list[Operator]] = {}
    for op in model.operators:
        for t in op.inputs:
            if t >= 0:
                readers.setdefault(t, []).append(op)
    outputs = set(model.outputs)
    tensors = list(model.tensors)
    current = replace(model, tensors=tensors)   # sees each edit: the list is shared
    unread_by: dict[int, _Unread | None] = {}   # op index -> what it never reads of its first input
    drops: list[Drop] = []
    for op in reversed(model.operators):
        if not op.inputs or op.inputs[0] < 0 or len(op.outputs) != 1:
            continue
        try:
            out_unread = _output_unread(current, op.outputs[0], readers, outputs, unread_by)
            if out_unread is not None and op.opcode in WEIGHTED:
                drop = _drop(current, op, out_unread, uses, tensors)
                if drop is not None:
                    drops.append(drop)
            unread_by[op.index] = _input_unread(current, op, out_unread)
        except (ValueError, IndexError, TypeError, AttributeError):
            unread_by[op.index] = None  # a malformed op: the lowering names it; nothing is dropped here
    drops.reverse()
    return (current if drops else model), drops


def _output_unread(model: Model, t: int, readers: dict[int, list[Operator]], outputs: set[int],
                   unread_by: dict[int, _Unread | None]) -> _Unread | None:
    """The elements of tensor `t` no reader uses: every reader reads it as its first input only and ignores them."""
    ops = readers.get(t, [])
    tensor = model.tensor(t)
    if t in outputs or not ops or tensor is None or tensor.size > MAX_ELEMENTS:
        return None
    mask, names = np.ones(tuple(int(d) for d in tensor.shape), bool), set()
    for r in ops:
        u = unread_by.get(r.index)
        if u is None or r.inputs[0] != t or u.mask.shape != mask.shape:
            return None
        mask &= u.mask
        names |= u.readers
    return _Unread(mask, frozenset(names)) if mask.any() else None


def _drop(model: Model, op: Operator, out_unread: _Unread, uses: dict[int, int], tensors: list) -> Drop | None:
    """Zero the weights of `op`'s output channels unread everywhere (its weights tensor read by it alone)."""
    w = _weights(model, op)
    if w is None or uses.get(w.index, 0) != 1:
        return None
    per = as_rows(w.data, op.opcode)
    unread = _channel_view(out_unread.mask, per.shape[0])
    if unread is None:
        return None
    dropped = unread & per.any(axis=1)
    if not dropped.any():
        return None
    zeroed = int(np.count_nonzero(per[dropped]))
    per[dropped] = 0                # as_rows gave a copy
    tensors[w.index] = replace(w, data=np.ascontiguousarray(from_rows(per, w.data, op.opcode)))
    return Drop(op.index, op.opcode, op.layer.split(";")[0], zeroed, int(dropped.sum()),
                tuple(sorted(out_unread.readers)))
