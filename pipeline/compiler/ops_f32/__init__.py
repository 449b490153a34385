"""Float32 op lowerings: dispatched by tensor dtype from compile.lower_model (see `float_lowering`).

Each lowering emits a call to a `runtime/src/*_f32.c` kernel that follows TFLM's float reference
kernel operation for operation, so outputs are TFLM's bits (libm calls aside: see unary_f32.c).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from pipeline.compiler.ops import CArray, Ctx, Lowered, Unsupported
from pipeline.tflite.model import Model, Operator, Tensor

FLT_MAX = float(np.finfo(np.float32).max)
ACT_NONE, ACT_RELU, ACT_RELU_N1_TO_1, ACT_RELU6 = 0, 1, 2, 3
QDQ = ("QUANTIZE", "DEQUANTIZE")


def c_f32(x: float) -> str:
    """A C float literal that round-trips float32 exactly (sign of zero kept)."""
    f = np.float32(x)
    if not np.isfinite(f):
        raise Unsupported(f"non-finite constant {f}")
    if f == 0:
        return "-0.0f" if np.signbit(f) else "0.0f"
    s = f"{float(f):.9g}"
    if "e" not in s and "." not in s:
        s += ".0"
    return s + "f"


def act_range_f32(op: Operator) -> tuple[str, str]:
    """The fused activation as float bounds (TFLM CalculateActivationRange<float>)."""
    act = getattr(op.options, "fusedActivationFunction", 0) if op.options is not None else 0
    lo, hi = {ACT_NONE: (-FLT_MAX, FLT_MAX), ACT_RELU: (0.0, FLT_MAX), ACT_RELU_N1_TO_1: (-1.0, 1.0),
              ACT_RELU6: (0.0, 6.0)}.get(act, (None, None))
    if lo is None:
        raise Unsupported(f"fused activation {act}")
    return c_f32(lo), c_f32(hi)


def require_f32(t: Tensor | None, role: str, const_ok: bool = False) -> Tensor:
    if t is None:
        raise Unsupported(f"missing {role} tensor")
    if t.dtype != "float32":
        raise Unsupported(f"{role} '{t.name}' is {t.dtype}, float32 expected")
    if t.is_const and not const_ok:
        raise Unsupported(f"constant {role} '{t.name}'")
    return t


def const_f32(ctx: Ctx, op: Operator, t: Tensor, what: str) -> CArray:
    """A constant float32 tensor as a `const float` array in flash."""
    if t.dtype != "float32" or not t.is_const:
        raise Unsupported(f"{what} '{t.name}' must be constant float32 (got {t.dtype}{'' if t.is_const else ', not constant'})")
    values = np.asarray(t.data, dtype=np.float32).reshape(-1)
    if not np.all(np.isfinite(values)):
        raise Unsupported(f"{what} '{t.name}' holds non-finite values")
    return CArray(f"{ctx.prefix(op)}{what}", "float", values, f"{what} '{t.name}' {list(t.shape)}, float32")


def fptr(slot: str, const: bool = True) -> str:
    """An arena tensor slot ({in0}, {out0}) as a float pointer."""
    return f"({'const ' if const else ''}float *){slot}"


def _activation_dtypes(model: Model, op: Operator) -> tuple[set[str], set[str], bool]:
    ins = {model.tensors[t].dtype for t in op.inputs if t >= 0 and not model.tensors[t].is_const}
    outs = {model.tensors[t].dtype for t in op.outputs}
    int8_const = any(model.tensors[t].is_const and model.tensors[t].dtype == "int8" for t in op.inputs if t >= 0)
    return ins, outs, int8_const


def float_lowering(model: Model, op: Operator) -> Callable[[Ctx, Operator], Lowered] | None:
    """The float lowering for `op` when it computes in float32, else None (the int8 path, or the
    refusal of hybrid ops: int8 weights on float activations stay refused there)."""
    ins, outs, int8_const = _activation_dtypes(model, op)
    if op.opcode == "QUANTIZE" and ins == {"float32"} and outs == {"int8"}:
        return LOWERINGS["QUANTIZE"]
    if op.opcode == "DEQUANTIZE" and ins == {"int8"} and outs == {"float32"}:
        return LOWERINGS["DEQUANTIZE"]
    if op.opcode in QDQ or int8_const or not ins or (ins | outs) != {"float32"}:
        return None
    return LOWERINGS.get(op.opcode)


def is_float_model(model: Model) -> bool:
    return any(model.tensors[t].dtype == "float32" for t in model.inputs + model.outputs)


from pipeline.compiler.ops_f32 import conv_f32, elementwise_f32, layout_f32  # noqa: E402

LOWERINGS: dict[str, Callable[[Ctx, Operator], Lowered]] = {}
for _mod in (conv_f32, elementwise_f32, layout_f32):
    LOWERINGS.update(_mod.LOWERINGS)

__all__ = ["LOWERINGS", "float_lowering", "c_f32", "is_float_model"]
