"""RESHAPE and friends (views), PAD, CONCATENATION, MEAN, QUANTIZE and DEQUANTIZE in float32."""

from __future__ import annotations

import numpy as np

from pipeline.compiler.ops.geometry import concat_layout
from pipeline.compiler.ops import CArray, Ctx, Lowered, Unsupported, c_int
from pipeline.compiler.ops_f32 import c_f32, const_f32, fptr, require_f32

MAX_DIMS = 6
MAX_INPUTS = 10


def _dims(v: list[int]) -> str:
    return "{" + ", ".join(map(str, list(v) + [0] * (MAX_DIMS - len(v)))) + "}"


def lower_view(ctx: Ctx, op) -> Lowered:
    inp = require_f32(ctx.t(op.inputs[0]), "input")
    out = require_f32(ctx.t(op.outputs[0]), "output")
    if inp.nbytes != out.nbytes:
        raise Unsupported(f"reshape from {inp.shape} to {out.shape} changes the size")
    return Lowered(op=op, kernel=None, header=None, alias_of=inp.index,
                   notes=[f"view: {inp.shape} -> {out.shape}, same bytes as '{inp.name}'"])


def lower_pad(ctx: Ctx, op) -> Lowered:
    inp = require_f32(ctx.t(op.inputs[0]), "input")
    out = require_f32(ctx.t(op.outputs[0]), "output")
    pads = ctx.t(op.inputs[1])
    if pads is None or not pads.is_const:
        raise Unsupported("paddings must be constant")
    value = 0.0
    if len(op.inputs) > 2 and op.inputs[2] >= 0:
        c = ctx.t(op.inputs[2])
        if not c.is_const or c.dtype != "float32":
            raise Unsupported("PADV2 constant must be a constant float32")
        value = float(np.asarray(c.data, np.float32).reshape(-1)[0])
    nd = len(inp.shape)
    if not 0 < nd <= MAX_DIMS:
        raise Unsupported(f"{nd}-D tensors")
    pp = pads.data.reshape(nd, 2).astype(int)
    if (pp < 0).any() or tuple(int(a + b + c) for a, (b, c) in zip(inp.shape, pp)) != tuple(out.shape):
        raise Unsupported(f"paddings {pp.tolist()} do not map {inp.shape} to {out.shape}")
    params = [("ndims", c_int(nd)), ("in_dims", _dims(list(inp.shape))), ("out_dims", _dims(list(out.shape))),
              ("before", _dims([int(x) for x in pp[:, 0]])), ("pad_value", c_f32(value))]
    return Lowered(op=op, kernel="eat_pad_f32", header="eat/pad_f32.h", params_type="eat_pad_f32_params_t",
                   params=params, args=["&{p}", fptr("{in0}"), fptr("{out0}", False)], macs=0,
                   notes=[f"float32 paddings {pp.tolist()}, pad value {c_f32(value)}"])


def lower_concat(ctx: Ctx, op) -> Lowered:
    out = require_f32(ctx.t(op.outputs[0]), "output")
    ins = [require_f32(ctx.t(i), f"input {k}", const_ok=True) for k, i in enumerate(op.inputs)]
    lay = concat_layout(op, ins, out, MAX_INPUTS)
    sizes = lay.sizes
    arrays: list[CArray] = []
    ptrs = []
    for k, t in enumerate(ins):
        if t.is_const:
            arrays.append(const_f32(ctx, op, t, f"in{k}"))
            ptrs.append(f"{ctx.prefix(op)}in{k}")
        else:
            ptrs.append(fptr(f"{{in{k}}}"))
    params = [("num_inputs", c_int(len(ins))), ("outer", c_int(lay.outer)),
              ("copy_size", "{" + ", ".join(map(str, sizes + [0] * (MAX_INPUTS - len(sizes)))) + "}")]
    return Lowered(op=op, kernel="eat_concat_f32", header="eat/concat_f32.h", params_type="eat_concat_f32_params_t",
                   params=params, arrays=arrays,
                   args=["&{p}", "(const float *const[]){" + ", ".join(ptrs) + "}", fptr("{out0}", False)], macs=0,
                   notes=[f"float32 {lay.describe()} values, a copy"])


def lower_mean(ctx: Ctx, op) -> Lowered:
    inp = require_f32(ctx.t(op.inputs[0]), "input")
    out = require_f32(ctx.t(op.outputs[0]), "output")
    axes_t = ctx.t(op.inputs[1])
    if axes_t is None or not axes_t.is_const:
        raise Unsupported("axes must be constant")
    nd = len(inp.shape)
    axes = sorted({int(a) + nd if int(a) < 0 else int(a) for a in axes_t.data.reshape(-1)})
    if any(not 0 <= a < nd for a in axes):
        raise Unsupported(f"axes {axes_t.data.reshape(-1).tolist()} out of range")
    pattern = "".join("r" if d in axes else "n" for d in range(nd) if inp.shape[d] != 1)
    if "r" in pattern and "n" in pattern[pattern.index("r"):pattern.rindex("r") + 1]:
        raise Unsupported(f"non-contiguous axes {axes} on {inp.shape}")
    real = [d for d in range(nd) if d in axes and inp.shape[d] != 1]
    if not real:
        outer, red, inner = 1, 1, inp.size
    else:
        outer = int(np.prod(inp.shape[:real[0]]))
        red = int(np.prod(inp.shape[real[0]:real[-1] + 1]))
        inner = int(np.prod(inp.shape[real[-1] + 1:]))
    if outer * inner != out.size:
        raise Unsupported(f"output {out.shape} does not match reducing {inp.shape} over {axes}")
    n = int(np.prod([inp.shape[a] for a in axes])) if axes else 1
    params = [("outer", c_int(outer)), ("reduce", c_int(red)), ("inner", c_int(inner)), ("count", c_f32(float(n)))]
    return Lowered(op=op, kernel="eat_mean_f32", header="eat/mean_f32.h", params_type="eat_mean_f32_params_t",
                   params=params, args=["&{p}", fptr("{in0}"), fptr("{out0}", False)], macs=inp.size,
                   notes=[f"float32 mean over axes {axes}: [{outer}][{red}][{inner}], sum from 0.f then / {n}"])


def _qparams(t) -> tuple[float, int]:
    if t.quant is None or t.quant.scale.size != 1:
        raise Unsupported(f"int8 tensor '{t.name}' needs one (per-tensor) scale and zero point")
    return float(np.float32(t.scale)), int(t.zero_point)


def lower_quantize(ctx: Ctx, op) -> Lowered:
    inp = require_f32(ctx.t(op.inputs[0]), "input")
    out = ctx.t(op.outputs[0])
    scale, zp = _qparams(out)
    return Lowered(op=op, kernel="eat_quantize_f32_s8", header="eat/quantize_f32.h",
                   params_type="eat_quantize_f32_params_t",
                   params=[("size", c_int(out.size)), ("scale", c_f32(scale)), ("zero_point", c_int(zp))],
                   args=["&{p}", fptr("{in0}"), "{out0}"], macs=0,
                   notes=[f"float32 -> int8: clamp(round(x / {c_f32(scale)}) + {zp}), round half away from zero"])


def lower_dequantize(ctx: Ctx, op) -> Lowered:
    inp = ctx.t(op.inputs[0])
    out = require_f32(ctx.t(op.outputs[0]), "output")
    if inp.is_const:
        raise Unsupported("constant input")
    scale, zp = _qparams(inp)
    return Lowered(op=op, kernel="eat_dequantize_s8_f32", header="eat/quantize_f32.h",
                   params_type="eat_quantize_f32_params_t",
                   params=[("size", c_int(out.size)), ("scale", c_f32(scale)), ("zero_point", c_int(zp))],
                   args=["&{p}", "{in0}", fptr("{out0}", False)], macs=0,
                   notes=[f"int8 -> float32: {c_f32(scale)} * (q - {zp})"])


LOWERINGS = {"RESHAPE": lower_view, "SQUEEZE": lower_view, "EXPAND_DIMS": lower_view,
             "PAD": lower_pad, "PADV2": lower_pad, "CONCATENATION": lower_concat, "MEAN": lower_mean,
             "QUANTIZE": lower_quantize, "DEQUANTIZE": lower_dequantize}
