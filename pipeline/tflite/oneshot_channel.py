"""One-shot `--prune channel` of an int8 `.tflite`: whole filters removed, what reads them cut to match.

Every CONV_2D and FULLY_CONNECTED but the last weighted op whose output flows only into CONV_2D, FULLY_CONNECTED
and DEPTHWISE_CONV_2D layers (through MAX_POOL_2D, AVERAGE_POOL_2D, RESHAPE and depthwise layers; never a model
output, never an ADD or CONCATENATION) keeps the `1 - sparsity` fraction of its output channels with the largest
float L1 norm (sum |w| times the channel's scale). What follows is cut to match: a depthwise layer's channels
(its depth multiplier kept), the pools' and reshapes' shapes (a reshape's shape tensor and options too), the next
CONV_2D's input depths and the next FULLY_CONNECTED's input positions (NHWC flattened: (y * W + x) * C + c).

The result is a smaller dense `.tflite` that every engine runs, TFLM included. The kept channels keep their
quantization, so the smaller model computes exactly what the original computes with every weight that reads a
removed channel set to zero (tests/test_oneshot_channel.py checks that under TFLM, byte for byte). The same
cuts as the Keras path (pipeline/ml/prune_channel.py), without fine-tuning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.errors import PipelineError
from pipeline.tflite.model import builtin_names, opcode_name
from pipeline.tflite.prune_patterns import POOLS, WEIGHTED

POINTS = ("CONV_2D", "FULLY_CONNECTED")


@dataclass(frozen=True)
class ChannelCut:
    """One pruning point: which of its output channels it kept."""

    op_index: int
    opcode: str
    layer: str
    channels: int
    kept: tuple[int, ...]       # the kept channels' original indices

    def to_json(self) -> dict:
        return {"op_index": self.op_index, "opcode": self.opcode, "layer": self.layer, "channels": self.channels,
                "kept": len(self.kept), "kept_channels": list(self.kept)}


class _Graph:
    """The model's object tree (tflite_micro's schema, object API) with the helpers the cuts need."""

    def __init__(self, buf: bytes) -> None:
        from tflite_micro import runtime

        self.fb = fb = runtime.schema_fb
        self.m = fb.ModelT.InitFromObj(fb.Model.GetRootAsModel(buf, 0))
        if len(self.m.subgraphs or []) != 1:
            raise PipelineError("--prune channel on a .tflite takes one subgraph; this model has "
                                f"{len(self.m.subgraphs or [])}")
        self.sg = self.m.subgraphs[0]
        names = builtin_names()
        self.opcodes = [opcode_name(names, c.builtinCode, c.deprecatedBuiltinCode) for c in self.m.operatorCodes]
        self.readers: dict[int, list[int]] = {}
        for i, op in enumerate(self.sg.operators):
            for t in op.inputs:
                if t >= 0:
                    self.readers.setdefault(int(t), []).append(i)
        self.outputs = {int(t) for t in self.sg.outputs}

    def opcode(self, i: int) -> str:
        return self.opcodes[self.sg.operators[i].opcodeIndex]

    def op(self, i: int):
        return self.sg.operators[i]

    def shape(self, t: int) -> tuple[int, ...]:
        return tuple(int(d) for d in self.sg.tensors[t].shape)

    def const(self, t: int) -> np.ndarray | None:
        """A constant tensor's values (None: not constant)."""
        tensor = self.sg.tensors[t]
        data = self.m.buffers[tensor.buffer].data if tensor.buffer < len(self.m.buffers) else None
        if data is None or len(data) == 0:
            return None
        dtype = {self.fb.TensorType.INT8: np.int8, self.fb.TensorType.INT32: np.int32,
                 self.fb.TensorType.INT64: np.int64}.get(tensor.type)
        if dtype is None:
            return None
        return np.frombuffer(np.asarray(data, np.uint8).tobytes(), dtype).reshape(self.shape(t))

    def set_const(self, t: int, values: np.ndarray) -> None:
        """A new buffer for tensor t (never an edit of a buffer another tensor may share), and its shape."""
        b = self.fb.BufferT()
        b.data = np.frombuffer(np.ascontiguousarray(values).tobytes(), np.uint8).copy()
        self.m.buffers.append(b)
        self.sg.tensors[t].buffer = len(self.m.buffers) - 1
        self.set_shape(t, values.shape)

    def set_shape(self, t: int, shape: tuple[int, ...]) -> None:
        tensor = self.sg.tensors[t]
        tensor.shape = np.array(shape, np.int32)
        if tensor.shapeSignature is not None and len(tensor.shapeSignature) == len(shape):
            tensor.shapeSignature = np.array([-1 if s == -1 else d for s, d in zip(tensor.shapeSignature, shape)],
                                             np.int32)

    def keep_quant(self, t: int, keep: np.ndarray) -> None:
        """Per-channel scales and zero points of tensor t cut to the kept channels (per-tensor ones stay)."""
        q = self.sg.tensors[t].quantization
        if q is None or q.scale is None or len(q.scale) <= 1:
            return
        q.scale = np.asarray(q.scale)[keep]
        if q.zeroPoint is not None and len(q.zeroPoint) == len(keep):
            q.zeroPoint = np.asarray(q.zeroPoint)[keep]

    def pack(self) -> bytes:
        """The model's bytes, the buffers no tensor or metadata entry reads any more emptied (their indices stay)."""
        import flatbuffers

        used = {int(t.buffer) for sg in self.m.subgraphs for t in sg.tensors}
        used |= {int(md.buffer) for md in self.m.metadata or []}
        for k, buf in enumerate(self.m.buffers):
            if k not in used:
                buf.data = None
        b = flatbuffers.Builder(1 << 16)
        b.Finish(self.m.Pack(b), file_identifier=b"TFL3")
        return bytes(b.Output())


def _weighted(g: _Graph, i: int) -> bool:
    op = g.op(i)
    w = g.const(int(op.inputs[1])) if len(op.inputs) > 1 and op.inputs[1] >= 0 else None
    return w is not None and w.dtype == np.int8


def _flows(g: _Graph, t: int) -> bool:
    """Tensor t's channels can be cut: it is no model output and every reader takes it as its first input and
    is a CONV_2D / FULLY_CONNECTED (which absorb the cut), or a depthwise, pool or reshape whose output flows."""
    if t in g.outputs or not g.readers.get(t):
        return False
    for r in g.readers[t]:
        op, code = g.op(r), g.opcode(r)
        if list(op.inputs).count(t) != 1 or int(op.inputs[0]) != t:
            return False
        if code in ("CONV_2D", "FULLY_CONNECTED"):
            if not _weighted(g, r) or (code == "CONV_2D" and g.shape(int(op.inputs[1]))[-1] != g.shape(t)[-1]):
                return False        # not int8 constant weights, or grouped
        elif code == "DEPTHWISE_CONV_2D":
            if not _weighted(g, r) or not _flows(g, int(op.outputs[0])):
                return False
        elif code in POOLS or code == "RESHAPE":
            out = int(op.outputs[0])
            if code == "RESHAPE" and not _flat_ok(g, t, out):
                return False
            if not _flows(g, out):
                return False
        else:
            return False
    return True


def _flat_ok(g: _Graph, t: int, out: int) -> bool:
    """A reshape the cut can follow: it keeps the last axis (e.g. [1, 1, 1, C] -> [1, C]), or flattens into a
    tensor that only FULLY_CONNECTED layers read (they take the kept positions)."""
    if g.shape(out)[-1:] == g.shape(t)[-1:]:
        return True
    return all(g.opcode(r) == "FULLY_CONNECTED" for r in g.readers.get(out, []))


def _l1(g: _Graph, i: int, w: np.ndarray) -> np.ndarray:
    """Each output channel's float L1 norm: sum |w| times its scale."""
    q = g.sg.tensors[int(g.op(i).inputs[1])].quantization
    scale = np.asarray(q.scale if q is not None and q.scale is not None else [1.0], np.float64)
    per = np.abs(w.reshape(w.shape[0], -1).astype(np.float64)).sum(axis=1)
    return per * (scale if scale.size == per.size else scale[0])


def _cut_out(g: _Graph, i: int, keep: np.ndarray, axis: int) -> None:
    """Op i's output channels cut to `keep`: its weights along `axis`, its bias, their scales, its output shape."""
    op = g.op(i)
    w_t = int(op.inputs[1])
    g.set_const(w_t, np.take(g.const(w_t), np.flatnonzero(keep), axis=axis))
    g.keep_quant(w_t, keep)
    if len(op.inputs) > 2 and op.inputs[2] >= 0:
        b_t = int(op.inputs[2])
        g.set_const(b_t, g.const(b_t)[keep])
        g.keep_quant(b_t, keep)
    out = int(op.outputs[0])
    g.set_shape(out, g.shape(out)[:-1] + (int(keep.sum()),))


def _channels(mask: np.ndarray, c: int) -> np.ndarray:
    """A tensor's kept entries along its last `c` elements (channels, or an FC's flattened input positions): every
    pixel and batch keeps the same ones."""
    return mask.reshape(-1, c)[0]


def prune_channels_tflite(buf: bytes, sparsity: float) -> tuple[bytes, list[ChannelCut]]:
    """The smaller model's bytes and each pruning point's cut."""
    if not 0.0 < sparsity < 1.0:
        raise PipelineError(f"--prune channel needs --sparsity in (0, 1), the fraction of channels removed; got "
                            f"{sparsity}")
    g = _Graph(buf)
    n_ops = len(g.sg.operators)
    weighted = [i for i in range(n_ops) if g.opcode(i) in WEIGHTED and _weighted(g, i)]
    last = weighted[-1] if weighted else -1
    points = [i for i in weighted if g.opcode(i) in POINTS and i != last and _flows(g, int(g.op(i).outputs[0]))]
    kept: dict[int, np.ndarray] = {}        # tensor -> element mask over its original shape (True: kept)
    cuts: list[ChannelCut] = []
    for i in range(n_ops):
        op, code = g.op(i), g.opcode(i)
        src = int(op.inputs[0]) if len(op.inputs) else -1
        mask = kept.get(src)
        out = int(op.outputs[0]) if len(op.outputs) else -1
        if mask is not None:                # the cut reaches op i through its first input
            if code == "CONV_2D":
                w_t = int(op.inputs[1])
                cols = _channels(mask, g.shape(w_t)[-1])
                g.set_const(w_t, g.const(w_t)[..., cols])
            elif code == "FULLY_CONNECTED":
                w_t = int(op.inputs[1])
                cols = _channels(mask, g.shape(w_t)[-1])
                g.set_const(w_t, g.const(w_t)[:, cols])
            elif code == "DEPTHWISE_CONV_2D":   # channel c's filters c * m .. c * m + m - 1 go with it
                ch = _channels(mask, mask.shape[-1])
                orig = g.shape(out)
                keep = np.repeat(ch, orig[-1] // ch.size)
                _cut_out(g, i, keep, axis=3)
                kept[out] = np.broadcast_to(keep, orig).copy()
            elif code in POOLS:
                ch = _channels(mask, mask.shape[-1])
                shape = g.shape(out)
                kept[out] = np.broadcast_to(ch, shape).copy()
                g.set_shape(out, shape[:-1] + (int(ch.sum()),))
            elif code == "RESHAPE":
                shape = g.shape(out)
                m = mask.reshape(shape)
                kept[out] = m
                new = shape[:-1] + (int(m.sum()) // max(1, int(np.prod(shape[:-1]))),)
                g.set_shape(out, new)
                _reshape_target(g, i, new)
        if i in points:
            w_t = int(op.inputs[1])
            w = g.const(w_t)
            oc = w.shape[0]
            n = max(1, int(round((1.0 - sparsity) * oc)))
            order = np.argsort(-_l1(g, i, w), kind="stable")[:n]
            keep = np.zeros(oc, bool)
            keep[order] = True
            orig = g.shape(out)
            _cut_out(g, i, keep, axis=0)
            kept[out] = np.broadcast_to(keep, orig).copy()
            name = g.sg.tensors[out].name
            cuts.append(ChannelCut(i, code, (name.decode() if isinstance(name, bytes) else str(name)).split(";")[0],
                                   oc, tuple(int(c) for c in np.flatnonzero(keep))))
    if not cuts:
        raise PipelineError("--prune channel found no layer to cut in this .tflite: it needs a CONV_2D or "
                            "FULLY_CONNECTED (not the last) whose output reaches only CONV_2D, FULLY_CONNECTED or "
                            "DEPTHWISE_CONV_2D layers; use --prune magnitude for other graphs")
    return g.pack(), cuts


def _reshape_target(g: _Graph, i: int, new: tuple[int, ...]) -> None:
    """A reshape's new shape in its shape tensor (its -1 kept) and in its options."""
    op = g.op(i)
    if len(op.inputs) > 1 and op.inputs[1] >= 0:
        t = int(op.inputs[1])
        old = g.const(t)
        if old is not None:
            vals = np.array([-1 if o == -1 else d for o, d in zip(old.reshape(-1), new)], old.dtype)
            g.set_const(t, vals.reshape(old.shape))
    opts = op.builtinOptions
    if opts is not None and getattr(opts, "newShape", None) is not None and len(opts.newShape) == len(new):
        opts.newShape = [-1 if o == -1 else d for o, d in zip(opts.newShape, new)]
