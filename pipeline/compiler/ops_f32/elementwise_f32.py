"""ADD, MUL, SOFTMAX and the elementwise activations in float32."""

from __future__ import annotations

import numpy as np

from pipeline.compiler.ops import CArray, Ctx, Lowered, Unsupported, c_int
from pipeline.compiler.ops.add import broadcast_params
from pipeline.compiler.ops_f32 import act_range_f32, c_f32, const_f32, fptr, require_f32

UNARY = {"RELU": "EAT_UNARY_RELU", "RELU6": "EAT_UNARY_RELU6", "RELU_N1_TO_1": "EAT_UNARY_RELU_N1_TO_1",
         "LEAKY_RELU": "EAT_UNARY_LEAKY_RELU", "HARD_SWISH": "EAT_UNARY_HARD_SWISH",
         "LOGISTIC": "EAT_UNARY_LOGISTIC", "TANH": "EAT_UNARY_TANH"}
LIBM_OPS = ("LOGISTIC", "TANH", "SOFTMAX")   # call expf/tanhf: equal to TFLM's bits only where libm agrees


def lower_binary(ctx: Ctx, op) -> Lowered:
    ins = [ctx.t(i) for i in op.inputs[:2]]
    out = require_f32(ctx.t(op.outputs[0]), "output")
    lo, hi = act_range_f32(op)
    pre = ctx.prefix(op)
    arrays: list[CArray] = []
    args = ["&{p}"]
    for k, t in enumerate(ins):
        require_f32(t, f"input {k}", const_ok=True)
        if t.is_const:
            arrays.append(const_f32(ctx, op, t, f"in{k}"))
            args.append(pre + f"in{k}")
        else:
            args.append(fptr(f"{{in{k}}}"))
    args.append(fptr("{out0}", False))
    broadcast, bparams = broadcast_params(ins[0], ins[1], out)
    inplace = [t.index for t in ins if not t.is_const and not broadcast]
    symbol = "+" if op.opcode == "ADD" else "*"
    return Lowered(op=op, kernel="eat_add_f32" if op.opcode == "ADD" else "eat_mul_f32", header="eat/binary_f32.h",
                   params_type="eat_binary_f32_params_t",
                   params=[("size", c_int(out.size)), ("act_min", lo), ("act_max", hi)] + bparams,
                   arrays=arrays, args=args, macs=out.size, inplace_inputs=inplace,
                   notes=[f"float32 in1 {symbol} in2{', broadcast' if broadcast else ''}, clamp [{lo}, {hi}]"])


def lower_unary(ctx: Ctx, op) -> Lowered:
    inp = require_f32(ctx.t(op.inputs[0]), "input")
    out = require_f32(ctx.t(op.outputs[0]), "output")
    if inp.size != out.size:
        raise Unsupported(f"input {inp.shape} and output {out.shape} differ in size")
    alpha = float(np.float32(op.options.alpha)) if op.opcode == "LEAKY_RELU" and op.options is not None else 0.0
    notes = [f"float32 {op.opcode.lower()}" + (f", alpha {c_f32(alpha)}" if op.opcode == "LEAKY_RELU" else "")]
    if op.opcode in LIBM_OPS:
        notes.append("calls the C library's expf/tanhf: bit-exact where it agrees with TFLM's (see README)")
    return Lowered(op=op, kernel="eat_unary_f32", header="eat/unary_f32.h", params_type="eat_unary_f32_params_t",
                   params=[("size", c_int(out.size)), ("kind", UNARY[op.opcode]), ("alpha", c_f32(alpha))],
                   args=["&{p}", fptr("{in0}"), fptr("{out0}", False)], macs=0, inplace_inputs=[inp.index],
                   notes=notes)


def lower_softmax(ctx: Ctx, op) -> Lowered:
    inp = require_f32(ctx.t(op.inputs[0]), "input")
    out = require_f32(ctx.t(op.outputs[0]), "output")
    if inp.size != out.size or not inp.shape:
        raise Unsupported(f"input {inp.shape} and output {out.shape} differ")
    depth = int(inp.shape[-1])
    beta = float(np.float32(op.options.beta)) if op.options is not None else 1.0
    return Lowered(op=op, kernel="eat_softmax_f32", header="eat/softmax_f32.h", params_type="eat_softmax_f32_params_t",
                   params=[("outer", c_int(inp.size // max(depth, 1))), ("depth", c_int(depth)), ("beta", c_f32(beta))],
                   args=["&{p}", fptr("{in0}"), fptr("{out0}", False)], macs=inp.size, inplace_inputs=[inp.index],
                   notes=[f"float32 softmax over the last axis ({depth}), beta {c_f32(beta)}; expf from the C library"])


LOWERINGS = {"ADD": lower_binary, "MUL": lower_binary, "SOFTMAX": lower_softmax,
             **{k: lower_unary for k in UNARY}}
