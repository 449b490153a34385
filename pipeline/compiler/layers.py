"""Per-layer rows and the arena memory map of a compiled model, for compile.json and the report."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from pipeline.compiler.planner import Plan
from pipeline.tflite.model import Model
from pipeline.tflite.prune_patterns import WEIGHTED


@dataclass(frozen=True)
class LayerRow:
    index: int                     # op index in the .tflite (execution order)
    name: str                      # the op's output tensor name (TFLite's layer name)
    op: str                        # TFLite opcode
    kernel: str | None             # the C function the registry chose (None: a view, no code)
    output_shape: list[int]
    macs: int
    weights_dense_bytes: int       # the int8 weight tensor as the .tflite stores it (0: no weights)
    weights_stored_bytes: int      # what the firmware holds for it: packed data + index
    weights_format: str | None     # packer key ("dense", or a sparse encoding)
    weights_zero_fraction: float | None   # zeros among the int8 weights (pruning shows here)


@dataclass(frozen=True)
class ArenaBuffer:
    label: str                     # the tensor (or scratch) that owns the buffer
    tensors: list[str]             # every tensor sharing it (views, in-place outputs)
    offset: int                    # bytes from the start of the arena
    size: int
    first_op: int                  # position in the op timeline where it is born ...
    last_op: int                   # ... and the last position that reads it


def layer_rows(model: Model, lowered: list) -> list[dict]:
    """One row per lowered op: geometry, MACs and weight bytes dense and as packed."""
    rows = []
    for lw in lowered:
        op = lw.op
        out = model.tensors[op.outputs[0]] if op.outputs and op.outputs[0] >= 0 else None
        weights = model.tensors[op.inputs[1]] if op.opcode in WEIGHTED and len(op.inputs) > 1 else None
        packed = lw.weights
        dense = int(weights.nbytes) if weights is not None else 0
        zeros = None
        if weights is not None and weights.data is not None and weights.data.size:
            zeros = round(float(np.count_nonzero(weights.data == 0)) / weights.data.size, 4)
        rows.append(asdict(LayerRow(
            index=op.index, name=op.layer, op=op.opcode, kernel=lw.kernel,
            output_shape=[int(d) for d in out.shape] if out is not None else [],
            macs=int(lw.macs), weights_dense_bytes=dense,
            weights_stored_bytes=(packed.data_bytes + packed.index_bytes) if packed is not None else dense,
            weights_format=packed.key if packed is not None else None,
            weights_zero_fraction=zeros,
        )))
    return rows


def arena_map(model: Model, lowered: list, plan: Plan) -> dict:
    """The planner's placement: which buffer lives where, over which ops (positions in `ops`)."""
    def name(t: int) -> str:
        return model.tensors[t].name

    buffers = [
        asdict(ArenaBuffer(
            label=name(b.tensors[0]) if b.tensors else b.label, tensors=[name(t) for t in b.tensors],
            offset=int(b.offset), size=int(b.size), first_op=int(b.first), last_op=int(b.last),
        ))
        for b in sorted(plan.buffers, key=lambda b: (b.offset, b.first))
    ]
    return {
        "arena_bytes": int(plan.arena_bytes),
        "naive_bytes": int(plan.naive_bytes),
        "ops": [f"{lw.op.opcode} {lw.op.layer}" for lw in lowered],
        "buffers": buffers,
    }
