"""Checks a parsed .tflite's structure before anything reads it by index: every index in range,
shapes sane, data the size its shape says, quantization scales usable, operators in an order
where every input is computed before it is read (no cycles). One PipelineError on the first problem."""

from __future__ import annotations

import math

import numpy as np

from pipeline.errors import PipelineError

MAX_RANK = 8
MAX_ELEMENTS = 1 << 28  # 256 M elements: far beyond any microcontroller, small enough to allocate
FIX = "the .tflite is damaged or not a TensorFlow Lite model; export it again"


def _bad(what: str) -> PipelineError:
    return PipelineError(f"{what}; {FIX}")


def check_raw(m, sg) -> None:
    """The object-API model `m` and its first subgraph `sg`: indices and shapes."""
    n_tensors = len(sg.tensors) if sg.tensors is not None else 0
    n_codes = len(m.operatorCodes) if m.operatorCodes is not None else 0
    if sg.inputs is None or sg.outputs is None:
        raise _bad("the subgraph lists no inputs or outputs")
    for where, indices in (("model input", sg.inputs), ("model output", sg.outputs)):
        for t in indices:
            if not 0 <= int(t) < n_tensors:
                raise _bad(f"{where} names tensor {int(t)}, the model has {n_tensors}")
    for i, op in enumerate(sg.operators if sg.operators is not None else []):
        if not 0 <= int(op.opcodeIndex) < n_codes:
            raise _bad(f"operator {i} uses operator code {int(op.opcodeIndex)}, the model has {n_codes}")
        for t in op.inputs if op.inputs is not None else []:
            if not -1 <= int(t) < n_tensors:
                raise _bad(f"operator {i} reads tensor {int(t)}, the model has {n_tensors}")
        outs = op.outputs if op.outputs is not None else []
        if not len(outs):
            raise _bad(f"operator {i} has no output")
        for t in outs:
            if not 0 <= int(t) < n_tensors:
                raise _bad(f"operator {i} writes tensor {int(t)}, the model has {n_tensors}")
    for i, t in enumerate(sg.tensors if sg.tensors is not None else []):
        shape = [int(d) for d in t.shape] if t.shape is not None else []
        if len(shape) > MAX_RANK or any(d < 0 for d in shape):
            raise _bad(f"tensor {i} has shape {shape[:MAX_RANK + 1]}")
        if math.prod(shape) > MAX_ELEMENTS:
            raise _bad(f"tensor {i} has shape {shape}: {math.prod(shape):,} elements")
        q = t.quantization
        if q is not None and q.scale is not None and len(q.scale):
            scale = np.asarray(q.scale, dtype=np.float64)
            if not np.all(np.isfinite(scale)) or np.any(scale <= 0):
                raise _bad(f"tensor {i} has quantization scale {scale[:4].tolist()}, which is not a positive number")
            if q.zeroPoint is not None and len(q.zeroPoint) not in (0, 1, len(scale)):
                raise _bad(f"tensor {i} has {len(scale)} scales but {len(q.zeroPoint)} zero points")


def check_model(tensors: list, operators: list, inputs: list[int]) -> None:
    """The dataclass model: constant data matches its shape, and operators read only what is
    already there (a constant, a model input, a variable, or an earlier operator's output)."""
    for t in tensors:
        if t.data is not None and t.shape and t.data.size != math.prod(t.shape) and t.dtype in ("int8", "int16", "int32", "float32", "uint8", "int64"):
            raise _bad(f"tensor {t.index} ('{t.name[:60]}') holds {t.data.size} values, its shape {list(t.shape)} needs {math.prod(t.shape)}")
        if any(d == 0 for d in t.shape):
            raise _bad(f"tensor {t.index} ('{t.name[:60]}') has an empty dimension, shape {list(t.shape)}")
    ready = set(inputs) | {t.index for t in tensors if t.data is not None or t.is_variable}
    for op in operators:
        for t in op.inputs:
            if t >= 0 and t not in ready:
                raise _bad(f"operator {op.index} ({op.opcode}) reads tensor {t} before any operator writes it (a cycle, or operators out of order)")
        ready.update(op.outputs)
