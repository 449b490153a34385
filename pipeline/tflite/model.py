"""Parse a .tflite flatbuffer into plain dataclasses, without importing TensorFlow.

Uses the generated schema shipped in the `tflite_micro` wheel (object API). Only the first
subgraph is read: the models this project deploys have one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.errors import PipelineError
from pipeline.tflite import validate

# TensorType enum value -> (name, numpy dtype or None)
_NP_DTYPES = {
    "FLOAT32": np.float32, "FLOAT16": np.float16, "FLOAT64": np.float64,
    "INT8": np.int8, "UINT8": np.uint8, "INT16": np.int16, "UINT16": np.uint16,
    "INT32": np.int32, "UINT32": np.uint32, "INT64": np.int64, "UINT64": np.uint64,
    "BOOL": np.bool_,
}


def _enum_names(enum_cls) -> dict[int, str]:
    return {v: k for k, v in vars(enum_cls).items() if not k.startswith("_") and isinstance(v, int)}


def opcode_name(op_names: dict[int, str], builtin: int, deprecated: int) -> str:
    """An operator code's BuiltinOperator name (`op_names`: _enum_names of it); the code is the larger of the
    builtin and the deprecated field (older files fill only the deprecated one, 0 is ADD)."""
    code = max(int(builtin), int(deprecated))
    return op_names.get(code, f"BUILTIN_{code}")


def builtin_names() -> dict[int, str]:
    """BuiltinOperator code -> name, from the tflite-micro wheel's schema."""
    from tflite_micro import runtime

    return _enum_names(runtime.schema_fb.BuiltinOperator)


@dataclass
class Quantization:
    scale: np.ndarray          # float32, one per channel (or one)
    zero_point: np.ndarray     # int64
    axis: int = 0

    @property
    def per_channel(self) -> bool:
        return self.scale.size > 1


@dataclass
class Tensor:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str                 # "int8", "float32", ... (lower-case TFLite type name)
    quant: Quantization | None
    data: np.ndarray | None    # constant data (reshaped), None for activations
    is_variable: bool = False

    @property
    def size(self) -> int:
        return int(np.prod(self.shape)) if self.shape else 1

    @property
    def itemsize(self) -> int:
        np_t = _NP_DTYPES.get(self.dtype.upper())
        return np.dtype(np_t).itemsize if np_t is not None else 1

    @property
    def nbytes(self) -> int:
        return self.size * self.itemsize

    @property
    def is_const(self) -> bool:
        return self.data is not None

    @property
    def scale(self) -> float:
        return float(self.quant.scale[0]) if self.quant is not None and self.quant.scale.size else 0.0

    @property
    def zero_point(self) -> int:
        return int(self.quant.zero_point[0]) if self.quant is not None and self.quant.zero_point.size else 0


@dataclass
class Operator:
    index: int
    opcode: str                # "CONV_2D", ... or "CUSTOM"
    custom_code: str | None
    options: object | None     # the schema's *OptionsT object (builtin options)
    inputs: list[int]          # tensor indices, -1 for an omitted optional input
    outputs: list[int]
    layer: str                 # name of the first output tensor


@dataclass
class Model:
    tensors: list[Tensor]
    operators: list[Operator]
    inputs: list[int]
    outputs: list[int]
    sha256: str
    name: str = "model"
    description: str = ""
    subgraph_count: int = 1
    extra: dict = field(default_factory=dict)

    def tensor(self, index: int) -> Tensor | None:
        return self.tensors[index] if index >= 0 else None

    def reads(self) -> dict[int, int]:
        """Tensor index -> how many operator inputs read it."""
        n: dict[int, int] = {}
        for op in self.operators:
            for t in op.inputs:
                if t >= 0:
                    n[t] = n.get(t, 0) + 1
        return n


def _decode(s) -> str:
    if s is None:
        return ""
    return s.decode("utf-8", "replace") if isinstance(s, (bytes, bytearray)) else str(s)


def load(path: Path | str) -> Model:
    path = Path(path)
    try:
        buf = path.read_bytes()
    except OSError as e:
        raise PipelineError(f"cannot read {path}: {e.strerror}") from e
    model = parse(buf)
    model.name = path.name
    return model


def parse(buf: bytes) -> Model:
    from tflite_micro import runtime

    fb = runtime.schema_fb
    try:
        if not fb.Model.ModelBufferHasIdentifier(buf, 0):
            raise ValueError("no TFL3 identifier")
        m = fb.ModelT.InitFromObj(fb.Model.GetRootAsModel(buf, 0))
    except Exception as e:  # noqa: BLE001 - any flatbuffer failure means "not a tflite"
        raise PipelineError(f"not a valid .tflite flatbuffer ({e}); pass a TensorFlow Lite model file") from e
    if not m.subgraphs:
        raise PipelineError("the .tflite has no subgraph; re-export the model")

    type_names = _enum_names(fb.TensorType)
    op_names = _enum_names(fb.BuiltinOperator)
    sg = m.subgraphs[0]
    validate.check_raw(m, sg)

    tensors: list[Tensor] = []
    for i, t in enumerate(sg.tensors or []):
        dtype = type_names.get(t.type, f"type{t.type}").lower()
        shape = tuple(int(d) for d in (t.shape if t.shape is not None else []))
        q = None
        if t.quantization is not None and t.quantization.scale is not None and len(t.quantization.scale):
            zp = t.quantization.zeroPoint if t.quantization.zeroPoint is not None else [0] * len(t.quantization.scale)
            q = Quantization(np.asarray(t.quantization.scale, dtype=np.float32),
                             np.asarray(zp, dtype=np.int64), int(t.quantization.quantizedDimension))
        data = None
        b = m.buffers[t.buffer] if m.buffers is not None and t.buffer < len(m.buffers) else None
        raw = None
        if b is not None and b.data is not None and len(b.data):
            raw = np.asarray(b.data, dtype=np.uint8).tobytes()
        elif b is not None and getattr(b, "offset", 0) > 1 and getattr(b, "size", 0):
            raw = buf[b.offset:b.offset + b.size]
        if raw is not None:
            np_t = _NP_DTYPES.get(dtype.upper())
            if np_t is not None:
                arr = np.frombuffer(raw, dtype=np_t).copy()
                if arr.size == int(np.prod(shape)) if shape else arr.size == 1:
                    arr = arr.reshape(shape)
                data = arr
            else:
                data = np.frombuffer(raw, dtype=np.uint8).copy()
        tensors.append(Tensor(i, _decode(t.name), shape, dtype, q, data, bool(t.isVariable)))

    operators: list[Operator] = []
    for i, op in enumerate(sg.operators or []):
        oc = m.operatorCodes[op.opcodeIndex]
        name = opcode_name(op_names, oc.builtinCode, oc.deprecatedBuiltinCode)
        custom = _decode(oc.customCode) if name == "CUSTOM" else None
        outs = [int(x) for x in (op.outputs if op.outputs is not None else [])]
        ins = [int(x) for x in (op.inputs if op.inputs is not None else [])]
        layer = tensors[outs[0]].name if outs and outs[0] >= 0 else f"op{i}"
        operators.append(Operator(i, name, custom, op.builtinOptions, ins, outs, layer))

    validate.check_model(tensors, operators, [int(x) for x in sg.inputs])
    return Model(
        tensors=tensors,
        operators=operators,
        inputs=[int(x) for x in sg.inputs],
        outputs=[int(x) for x in sg.outputs],
        sha256=hashlib.sha256(buf).hexdigest(),
        description=_decode(m.description),
        subgraph_count=len(m.subgraphs),
    )
