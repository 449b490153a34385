"""Constant inputs folded into the bias: a filter that pruning left all zero makes its output channel constant.

A CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED output channel whose weights are all zero is, at every pixel,
the requantised bias: clamp(MultiplyByQuantizedMultiplier(bias) + zero point) under the op's activation. That
constant survives MAX_POOL_2D (the max of equal values, then the pool's clamp) and RESHAPE (the same elements).
A FULLY_CONNECTED that reads it, or a CONV_2D whose every tap lies inside its input (no padding: a padded tap
adds 0, so the sum would differ at the border), adds w * (v + input_offset) for it at every output: the compiler
adds those products to the consumer's bias once and zeroes the weights, so the sparse encodings store and walk
fewer non-zeros. Exact: TFLM's int32 sum of the same terms, reordered (a fold whose bias would leave int32 is not
made). The built-in example at 80%: conv1 keeps 3 of its 16 filters empty, conv2 7 of its 32 (the tests:
tests/test_constant_inputs.py against the TFLM oracle).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from pipeline.compiler import fixedpoint, quant
from pipeline.compiler.ops import Unsupported, fused_activation_range
from pipeline.tflite.model import Model, Operator
from pipeline.tflite.prune_patterns import WEIGHTED, as_rows

MAX_ELEMENTS = 1 << 22      # per tensor tracked (element masks): larger activations are not followed
INT32 = (-(1 << 31), (1 << 31) - 1)


@dataclass(frozen=True)
class Fold:
    """One consumer's weights that read constant inputs, folded into its bias."""

    op_index: int
    opcode: str
    layer: str
    weights: int                # non-zero weights folded (now zero)
    inputs: int                 # constant input channels (FULLY_CONNECTED: input columns) they read
    sources: tuple[str, ...]    # the layers whose empty filters made those inputs constant

    def to_json(self) -> dict:
        return {"op_index": self.op_index, "opcode": self.opcode, "layer": self.layer, "weights": self.weights, "inputs": self.inputs,
                "sources": list(self.sources)}

    @property
    def reason(self) -> str:
        what = "input channel" if self.opcode == "CONV_2D" else "input"
        return (f"{self.weights} non-zero weight{'s' if self.weights != 1 else ''} on {self.inputs} constant "
                f"{what}{'s' if self.inputs != 1 else ''} (empty filters of {', '.join(self.sources)}) folded into "
                "the bias")


@dataclass
class _Known:
    """Which elements of an activation are constant, and their values (int8), with the layers that made them."""

    mask: np.ndarray
    value: np.ndarray
    sources: frozenset[str]


def _empty_channels(model: Model, op: Operator) -> _Known | None:
    """The constant output channels of a producer whose filters are all zero (None: none, or not int8)."""
    inp, w, out = model.tensor(op.inputs[0]), model.tensor(op.inputs[1]), model.tensor(op.outputs[0])
    bias = model.tensor(op.inputs[2]) if len(op.inputs) > 2 else None
    if (w is None or not w.is_const or w.dtype != "int8" or w.quant is None or np.any(w.quant.zero_point != 0)
            or inp is None or inp.quant is None or out is None or out.dtype != "int8" or out.quant is None
            or out.size > MAX_ELEMENTS or (bias is not None and (not bias.is_const or bias.dtype != "int32"))):
        return None
    per_out = as_rows(w.data, op.opcode)
    empty = ~per_out.any(axis=1)
    oc = per_out.shape[0]
    if not empty.any() or out.shape[-1] != oc:
        return None
    if op.opcode == "FULLY_CONNECTED" and not w.quant.per_channel:
        m, s = quant.fc_per_tensor_multiplier(inp.scale, float(w.quant.scale[0]), out.scale)
        mults, shifts = [m] * oc, [s] * oc
    else:
        mults, shifts = quant.conv_multipliers(inp.scale, w.quant.scale, out.scale, oc)
    lo, hi = fused_activation_range(op, out)
    b = np.zeros(oc, np.int64) if bias is None else bias.data.reshape(-1).astype(np.int64)
    values = np.zeros(oc, np.int64)
    for c in np.flatnonzero(empty):
        v = fixedpoint.mbqm(int(b[c]), int(mults[c]), int(shifts[c])) + out.zero_point
        values[c] = min(max(v, lo), hi)
    shape = tuple(int(d) for d in out.shape)
    return _Known(np.broadcast_to(empty, shape).copy(), np.broadcast_to(values, shape).copy(),
                  frozenset({op.layer.split(";")[0]}))


def _channels(k: _Known, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Per channel (the last axis after viewing the tensor as [-1, channels]): constant everywhere with one
    value, and that value."""
    mask, value = k.mask.reshape(-1, channels), k.value.reshape(-1, channels)
    same = (value == value[:1]).all(axis=0)
    return mask.all(axis=0) & same, value[0]


def _max_pool(model: Model, op: Operator, k: _Known) -> _Known | None:
    out = model.tensor(op.outputs[0])
    if out is None or out.dtype != "int8" or out.quant is None or len(out.shape) != 4:
        return None
    const, value = _channels(k, int(out.shape[-1]))
    if not const.any():
        return None
    lo, hi = fused_activation_range(op, out)
    shape = tuple(int(d) for d in out.shape)
    return _Known(np.broadcast_to(const, shape).copy(), np.broadcast_to(np.clip(value, lo, hi), shape).copy(),
                  k.sources)


def _fold(model: Model, op: Operator, k: _Known, uses: dict[int, int]) -> tuple[np.ndarray, np.ndarray, int, int] | None:
    """The consumer's new weights and bias with its constant inputs folded, the weights and inputs folded."""
    inp, w, out = model.tensor(op.inputs[0]), model.tensor(op.inputs[1]), model.tensor(op.outputs[0])
    bias = model.tensor(op.inputs[2]) if len(op.inputs) > 2 else None
    if (w is None or not w.is_const or w.dtype != "int8" or w.quant is None or np.any(w.quant.zero_point != 0)
            or bias is None or not bias.is_const or bias.dtype != "int32" or inp is None or inp.quant is None
            or uses.get(w.index, 0) != 1 or uses.get(bias.index, 0) != 1 or out is None):
        return None
    if op.opcode == "CONV_2D":
        if len(inp.shape) != 4 or len(out.shape) != 4 or w.shape[-1] != inp.shape[-1]:
            return None             # grouped
        o = op.options
        _, ih, iw, _ = (int(d) for d in inp.shape)
        _, oh, ow, _ = (int(d) for d in out.shape)
        _, kh, kw, _ = (int(d) for d in w.shape)
        sh, sw, dh, dw = int(o.strideH), int(o.strideW), int(o.dilationHFactor or 1), int(o.dilationWFactor or 1)
        ph, pw = quant.compute_padding(sh, dh, ih, kh, oh), quant.compute_padding(sw, dw, iw, kw, ow)
        if ph or pw or (oh - 1) * sh + (kh - 1) * dh + 1 > ih or (ow - 1) * sw + (kw - 1) * dw + 1 > iw:
            return None             # a padded tap adds 0: the input's contribution is not the same everywhere
        channels = int(w.shape[-1])
    else:
        channels = int(w.shape[-1]) if len(w.shape) == 2 else int(np.prod(w.shape[1:]))
        if inp.size % channels:
            return None
    const, value = _channels(k, channels)
    wd = w.data.reshape(int(w.shape[0]), -1, channels)
    used = const & wd.any(axis=(0, 1))
    if not used.any():
        return None
    offs = (value.astype(np.int64) - inp.zero_point) * used          # v + input_offset, 0 where not folded
    b = bias.data.reshape(-1).astype(np.int64) + (wd.astype(np.int64) * offs).sum(axis=(1, 2))
    if b.min() < INT32[0] or b.max() > INT32[1]:
        return None
    folded = int(np.count_nonzero(wd[:, :, used]))
    nw = wd.copy()
    nw[:, :, used] = 0
    return nw.reshape(w.data.shape), b.astype(np.int32).reshape(bias.data.shape), folded, int(used.sum())


def fold_constant_inputs(model: Model) -> tuple[Model, list[Fold]]:
    """`model` with every foldable constant input folded into its consumer's bias, and what was folded."""
    known: dict[int, _Known] = {}
    uses = model.reads()
    tensors = list(model.tensors)
    current = replace(model, tensors=tensors)   # sees each fold: the list is shared
    folds: list[Fold] = []
    for op in model.operators:
        if not op.inputs or op.inputs[0] < 0 or not op.outputs:
            continue
        try:
            k = known.get(op.inputs[0])
            if k is not None and op.opcode in ("CONV_2D", "FULLY_CONNECTED"):
                done = _fold(current, op, k, uses)
                if done is not None:
                    w, b, n, m = done
                    tensors[op.inputs[1]] = replace(tensors[op.inputs[1]], data=w)
                    tensors[op.inputs[2]] = replace(tensors[op.inputs[2]], data=b)
                    folds.append(Fold(op.index, op.opcode, op.layer.split(";")[0], n, m, tuple(sorted(k.sources))))
            made: _Known | None = None
            if op.opcode in WEIGHTED:
                made = _empty_channels(current, op)
            elif op.opcode == "MAX_POOL_2D" and k is not None:
                made = _max_pool(current, op, k)
            elif op.opcode == "RESHAPE" and k is not None:
                shape = tuple(int(d) for d in current.tensors[op.outputs[0]].shape)
                if int(np.prod(shape)) == k.mask.size:
                    made = _Known(k.mask.reshape(shape), k.value.reshape(shape), k.sources)
        except (Unsupported, ValueError, IndexError, TypeError, AttributeError, ZeroDivisionError, OverflowError):
            continue                # a malformed op: the lowering names it; nothing is folded here
        if made is not None and made.mask.any():
            known[op.outputs[0]] = made
    return (current if folds else model), folds
