"""ADD int8 (TFLM reference integer add: inputs rescaled to 2^20 x twice the larger scale)."""

from __future__ import annotations

import numpy as np

from pipeline.compiler import quant
from pipeline.compiler.ops import CArray, Ctx, Lowered, Unsupported, c_int, fused_activation_range, require_int8_activation

MAX_DIMS = 6


def add_params(s1: float, s2: float, so: float) -> dict[str, int]:
    s1, s2, so = (float(np.float32(s)) for s in (s1, s2, so))
    left_shift = 20
    twice_max = 2 * max(s1, s2)
    m1, sh1 = quant.quantize_multiplier(s1 / twice_max)
    m2, sh2 = quant.quantize_multiplier(s2 / twice_max)
    mo, sho = quant.quantize_multiplier(twice_max / ((1 << left_shift) * so))
    return dict(left_shift=left_shift, input1_multiplier=m1, input1_shift=sh1, input2_multiplier=m2,
                input2_shift=sh2, output_multiplier=mo, output_shift=sho)


def broadcast_params(a, b, out) -> tuple[bool, list[tuple[str, str]]]:
    """Output dims and per-input strides (0 along broadcast dims) for the binary kernels."""
    broadcast = tuple(a.shape) != tuple(b.shape)
    nd = max(len(a.shape), len(b.shape), len(out.shape), 1)
    if nd > MAX_DIMS:
        raise Unsupported(f"more than {MAX_DIMS} dimensions")
    dims, st1, st2 = [1] * MAX_DIMS, [0] * MAX_DIMS, [0] * MAX_DIMS
    if broadcast:
        oshape = (1,) * (nd - len(out.shape)) + tuple(out.shape)
        for t, st in ((a, st1), (b, st2)):
            shp = (1,) * (nd - len(t.shape)) + tuple(t.shape)
            stride = 1
            for d in range(nd - 1, -1, -1):
                if shp[d] not in (1, oshape[d]):
                    raise Unsupported(f"shapes {a.shape} and {b.shape} do not broadcast")
                st[d] = 0 if shp[d] == 1 else stride
                stride *= shp[d]
        dims[:nd] = oshape
    else:
        nd = 1

    def arr(v):
        return "{" + ", ".join(map(str, v)) + "}"

    return broadcast, [("broadcast", "1" if broadcast else "0"), ("ndims", c_int(nd)), ("dims", arr(dims)),
                       ("stride1", arr(st1)), ("stride2", arr(st2))]


def binary_inputs(ctx: Ctx, op):
    ins = [ctx.t(i) for i in op.inputs[:2]]
    out = require_int8_activation(op, ctx.t(op.outputs[0]), "output")
    for t in ins:
        if t is None or t.dtype != "int8" or t.quant is None:
            raise Unsupported(f"{t.dtype if t else 'missing'} tensor '{t.name if t else '?'}'")
    act = fused_activation_range(op, out)
    pre = ctx.prefix(op)
    arrays, args = [], ["&{p}"]
    for k, t in enumerate(ins):
        if t.is_const:
            arrays.append(CArray(f"{pre}in{k}", "int8_t", t.data.reshape(-1).astype(np.int64), f"constant '{t.name}'"))
            args.append(f"{pre}in{k}")
        else:
            args.append(f"{{in{k}}}")
    args.append("{out0}")
    return ins, out, act, arrays, args


def lower_mul(ctx: Ctx, op) -> Lowered:
    (a, b), out, (act_min, act_max), arrays, args = binary_inputs(ctx, op)
    real = float(np.float32(a.scale)) * float(np.float32(b.scale)) / float(np.float32(out.scale))
    m, s = quant.quantize_multiplier(real)
    broadcast, bparams = broadcast_params(a, b, out)
    params = [("size", c_int(out.size)), ("input1_offset", c_int(-a.zero_point)),
              ("input2_offset", c_int(-b.zero_point)), ("output_offset", c_int(out.zero_point)),
              ("output_multiplier", c_int(m)), ("output_shift", c_int(s)),
              ("act_min", c_int(act_min)), ("act_max", c_int(act_max))] + bparams
    inplace = [t.index for t in (a, b) if not t.is_const and not broadcast]
    return Lowered(
        op=op, kernel=ctx.kernel(op.opcode, "none"), header="eat/mul.h", params_type="eat_mul_s8_params_t",
        params=params, arrays=arrays, args=args, macs=out.size, inplace_inputs=inplace,
        notes=[f"multiplier {m} shift {s} = QuantizeMultiplier(in1_scale * in2_scale / out_scale)"])


def lower(ctx: Ctx, op) -> Lowered:
    (a, b), out, (act_min, act_max), arrays, args = binary_inputs(ctx, op)
    q = add_params(a.scale, b.scale, out.scale)
    broadcast, bparams = broadcast_params(a, b, out)
    params = [("size", c_int(out.size)), ("input1_offset", c_int(-a.zero_point)),
              ("input2_offset", c_int(-b.zero_point)), ("output_offset", c_int(out.zero_point))]
    params += [(k, c_int(v)) for k, v in q.items()]
    params += [("act_min", c_int(act_min)), ("act_max", c_int(act_max))] + bparams
    inplace = [t.index for t in (a, b) if not t.is_const and not broadcast]
    return Lowered(
        op=op, kernel=ctx.kernel(op.opcode, "none"), header="eat/add.h", params_type="eat_add_s8_params_t",
        params=params, arrays=arrays, args=args, macs=out.size, inplace_inputs=inplace,
        notes=[f"scales in1 {a.scale:.9g} in2 {b.scale:.9g} out {out.scale:.9g}; left_shift 20, "
               f"multipliers from QuantizeMultiplierSmallerThanOneExp"])


LOWERINGS = {"ADD": lower, "MUL": lower_mul}
