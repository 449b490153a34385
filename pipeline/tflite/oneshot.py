"""One-shot pruning of an int8 `.tflite` with no Keras source: zero the smallest int8 weights of
every FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D (per output channel, or by a structured
pattern), written as a new `.tflite` that TFLM runs as is; `channel` removes whole filters instead
(pipeline/tflite/oneshot_channel.py: a smaller model).

The flatbuffer is edited in place: only weight bytes change (sizes, offsets, quantization and
every other byte stay), so the file is still a valid model for the oracle and the compiler.
With data, the int8 accuracy before and after is measured with the TFLM oracle.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from pipeline.errors import PipelineError
from pipeline.tflite.model import builtin_names, opcode_name
from pipeline.tflite.prune_patterns import METHODS, WEIGHTED, prune_array


@dataclass(frozen=True)
class PrunedTensor:
    op_index: int
    opcode: str
    tensor: str
    weights: int
    zeros_before: int
    zeros_after: int

    @property
    def zero_fraction(self) -> float:
        return self.zeros_after / self.weights if self.weights else 0.0


@dataclass
class OneShotResult:
    source: str
    out: str
    method: str
    sparsity: float
    tensors: list[PrunedTensor] = field(default_factory=list)
    int8_accuracy_before: float | None = None
    int8_accuracy_after: float | None = None
    accuracy_samples: int = 0
    channels: list[dict] = field(default_factory=list)   # --prune channel: each cut (oneshot_channel.ChannelCut)
    weights_before: int = 0      # int8 weights of the FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D layers
    weights_after: int = 0

    def to_json(self) -> dict:
        d = asdict(self)
        d["tensors"] = [asdict(t) | {"zero_fraction": round(t.zero_fraction, 4)} for t in self.tensors]
        return d


def _weight_views(buf: bytearray):
    """(op index, opcode, tensor name, byte offset, shape) of every prunable int8 weight tensor."""
    from tflite_micro import runtime

    fb = runtime.schema_fb
    names = builtin_names()
    model = fb.Model.GetRootAsModel(buf, 0)
    sg = model.Subgraphs(0)
    seen: set[int] = set()
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        code = model.OperatorCodes(op.OpcodeIndex())
        opcode = opcode_name(names, code.BuiltinCode(), code.DeprecatedBuiltinCode())
        if opcode not in WEIGHTED or op.InputsLength() < 2:
            continue
        t = sg.Tensors(op.Inputs(1))
        if t.Type() != fb.TensorType.INT8 or t.Buffer() in seen:
            continue
        q = t.Quantization()
        if q is not None and q.ZeroPointLength() and np.any(q.ZeroPointAsNumpy() != 0):
            continue   # asymmetric weights: a zero is not an int8 0
        b = model.Buffers(t.Buffer())
        o = b._tab.Offset(4)
        if not o or b.DataLength() == 0:
            continue
        seen.add(t.Buffer())
        yield i, opcode, t.Name().decode(), b._tab.Vector(o), tuple(t.ShapeAsNumpy().tolist())


def weight_count(buf: bytes) -> int:
    """The int8 weights of every FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D of a model."""
    return sum(int(np.prod(shape)) for *_, shape in _weight_views(bytearray(buf)))


def prune_buffer(buf: bytes, method: str, sparsity: float) -> tuple[bytes, list[PrunedTensor]]:
    """The pruned model bytes and what changed per weight tensor."""
    if method not in METHODS or method == "channel":
        raise PipelineError(f"--prune {method} does not zero weights in place; use one of "
                            f"{', '.join(m for m in METHODS if m != 'channel')} (prune_tflite takes channel)")
    out = bytearray(buf)
    report = []
    for i, opcode, name, off, shape in list(_weight_views(out)):
        n = int(np.prod(shape))
        w = np.frombuffer(bytes(out[off:off + n]), np.int8).reshape(shape)
        p = prune_array(w, opcode, method, sparsity)
        out[off:off + n] = p.astype(np.int8).tobytes()
        report.append(PrunedTensor(i, opcode, name, n, int(np.sum(w == 0)), int(np.sum(p == 0))))
    return bytes(out), report


def int8_accuracy(buf: bytes, x: np.ndarray, y: np.ndarray) -> float | None:
    """Top-1 accuracy of the int8 model under TFLM on float samples quantized to its input."""
    from pipeline.tflite.oracle import Oracle

    oracle = Oracle(buf)
    d_in, d_out = oracle.inputs[0], oracle.outputs[0]
    if int(np.prod(d_out.shape)) < 2:
        return None
    hits = 0
    for xi, yi in zip(x, y):
        q = np.clip(np.round(xi / d_in.scale) + d_in.zero_point, -128, 127).astype(np.int8).reshape(d_in.shape)
        hits += int(np.argmax(np.asarray(oracle.invoke([q])[0]).reshape(-1)) == int(yi))
    return hits / len(y) if len(y) else None


def prune_tflite(src: Path, out: Path, method: str = "magnitude", sparsity: float = 0.8,
                 data: Path | None = None, samples: int = 200) -> OneShotResult:
    if not 0.0 <= sparsity < 1.0:
        raise PipelineError(f"--sparsity {sparsity} is out of range; give a fraction in [0, 1), e.g. 0.8")
    buf = Path(src).read_bytes()
    cuts: list = []
    if method == "channel":          # whole filters removed: a smaller model (pipeline/tflite/oneshot_channel.py)
        from pipeline.tflite.oneshot_channel import prune_channels_tflite

        pruned, cuts = prune_channels_tflite(buf, sparsity)
        tensors: list[PrunedTensor] = []
    else:
        pruned, tensors = prune_buffer(buf, method, sparsity)
        if not tensors:
            raise PipelineError(f"{Path(src).name} has no int8 FULLY_CONNECTED/CONV_2D/DEPTHWISE_CONV_2D weights to "
                                "prune")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pruned)
    result = OneShotResult(str(src), str(out), method, sparsity, tensors, channels=[c.to_json() for c in cuts],
                           weights_before=weight_count(buf), weights_after=weight_count(pruned))
    if data is not None:
        from pipeline.data import Dataset

        ds = Dataset.load(data)
        x, y = ds.x_test[:samples], ds.y_test[:samples]
        result.int8_accuracy_before = int8_accuracy(buf, x, y)
        result.int8_accuracy_after = int8_accuracy(pruned, x, y)
        result.accuracy_samples = len(y)
    out.with_suffix(".prune.json").write_text(json.dumps(result.to_json(), indent=2) + "\n")
    return result
