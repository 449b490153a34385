"""Op lowerings: validation, precomputed parameters, the emitted C call, MACs and scratch.

Each op family module registers `lower(ctx, op) -> Lowered` for its opcodes in LOWERINGS.
A lowering raises Unsupported(reason) for anything the engine cannot run bit-exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pipeline.compiler.packing import PACKERS, PackedWeights, select_kernel
from pipeline.tflite.model import Model, Operator, Tensor


class Unsupported(Exception):
    """One reason an op cannot be compiled; collected for a single PipelineError."""


@dataclass
class CArray:
    name: str
    ctype: str            # "int8_t" / "int32_t"
    values: np.ndarray
    comment: str


@dataclass
class Lowered:
    op: Operator
    kernel: str | None                      # None: no code (aliased view)
    header: str | None
    params_type: str | None = None
    params: list[tuple[str, str]] = field(default_factory=list)   # (field, C expression)
    arrays: list[CArray] = field(default_factory=list)
    weights: PackedWeights | None = None
    args: list[str] = field(default_factory=list)   # templates: {p} {w} {in0} {in1} {out0} {scratch}
    macs: int = 0
    scratch_bytes: int = 0
    alias_of: int | None = None             # output is a view of this input tensor
    inplace_inputs: list[int] = field(default_factory=list)
    overlap: list[tuple[int, int]] = field(default_factory=list)   # (input tensor, delta): see planner
    notes: list[str] = field(default_factory=list)
    fused: list[dict] = field(default_factory=list)   # ops this call also runs (fuse_pool.py): op_index, opcode, layer
    includes: list[str] = field(default_factory=list)   # headers of the functions its params name (columns.py: the dense FC)

    @property
    def const_bytes(self) -> int:
        """Flash of the op's constants: its arrays (bias and the tables a kernel's bias array carries,
        per-channel multipliers and shifts) and its weights as its kernel reads them (layout, index)."""
        if self.kernel is None:
            return 0
        total = sum({"int8_t": 1, "uint8_t": 1, "uint16_t": 2}.get(a.ctype, 4) * int(np.asarray(a.values).size)
                    for a in self.arrays)
        if self.weights is not None:
            total += self.weights.data_bytes + self.weights.index_bytes
        return total


@dataclass
class Ctx:
    model: Model
    core: str = "generic"
    weight_format: str = "dense"
    weight_mode: str = "auto"     # sparse.MODES: how FC/CONV/DEPTHWISE weights are chosen
    choices: list = field(default_factory=list)   # sparse.LayerChoice per weight tensor
    fc_w16: frozenset[int] = frozenset()   # FULLY_CONNECTED op indices whose weights may be int16 (kernels_registry.fc_w16_ops)

    def prefix(self, op: Operator) -> str:
        return f"op{op.index}_"

    def t(self, idx: int) -> Tensor | None:
        return self.model.tensor(idx)

    def pack(self, opname: str, weights: np.ndarray) -> PackedWeights:
        return PACKERS[self.weight_format].pack(opname, weights)

    def kernel(self, opname: str, fmt: str) -> str:
        """An op without weights: the first variant registered for this core (kernels.VARIANTS), else
        the reference kernel."""
        from pipeline.compiler.kernels import candidates

        found = candidates(opname, fmt, self.core)
        return found[0].function if found else select_kernel(opname, fmt, self.core)


def require_int8_activation(op: Operator, t: Tensor | None, role: str) -> Tensor:
    if t is None:
        raise Unsupported(f"missing {role} tensor")
    if t.dtype != "int8":
        raise Unsupported(f"{t.dtype} tensor '{t.name}'")
    if t.quant is None:
        raise Unsupported(f"int8 tensor '{t.name}' has no quantization parameters")
    return t


def fused_activation_range(op: Operator, out: Tensor) -> tuple[int, int]:
    """The op's fused activation as an int8 clamp range on `out` (TFLM's CalculateActivationRangeQuantized)."""
    from pipeline.compiler import quant

    try:
        return quant.activation_range(getattr(op.options, "fusedActivationFunction", 0), out.scale, out.zero_point)
    except ValueError as e:
        raise Unsupported(str(e)) from None


def c_int(v: int) -> str:
    v = int(v)
    if v == -(1 << 31):
        return "INT32_MIN"
    return str(v)


from pipeline.compiler.ops import (  # noqa: E402
    activations, add, concat, conv, fully_connected, mean, pad, pooling, quantize, reshape, softmax)

LOWERINGS = {}
for _mod in (fully_connected, conv, pooling, softmax, add, reshape, pad, activations, quantize, concat, mean):
    LOWERINGS.update(_mod.LOWERINGS)
