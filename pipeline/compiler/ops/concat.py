"""CONCATENATION int8: a copy. TFLM (this wheel's concatenation.cc) rejects int8 inputs whose scale
or zero point differ from the output's, so there is never a requantization to reproduce."""

from __future__ import annotations

import numpy as np

from pipeline.compiler.ops.geometry import concat_layout
from pipeline.compiler.ops import CArray, Ctx, Lowered, Unsupported, c_int, require_int8_activation

MAX_INPUTS = 10


def lower(ctx: Ctx, op) -> Lowered:
    out = require_int8_activation(op, ctx.t(op.outputs[0]), "output")
    ins = [require_int8_activation(op, ctx.t(i), f"input {k}") for k, i in enumerate(op.inputs)]
    if len(out.shape) > 4:
        raise Unsupported(f"{len(out.shape)}-D tensors (TFLM supports at most 4)")
    lay = concat_layout(op, ins, out, MAX_INPUTS)
    for t in ins:
        if np.float32(t.scale) != np.float32(out.scale) or t.zero_point != out.zero_point:
            raise Unsupported(f"input '{t.name}' quantization ({t.scale:.6g}, {t.zero_point}) differs from the output's "
                              f"({out.scale:.6g}, {out.zero_point}); TFLM's int8 CONCATENATION does not requantize "
                              f"(its Prepare rejects this)")
    sizes = lay.sizes
    pre = ctx.prefix(op)
    arrays, ptrs = [], []
    for k, t in enumerate(ins):
        if t.is_const:
            arrays.append(CArray(f"{pre}in{k}", "int8_t", t.data.reshape(-1).astype(np.int64), f"constant '{t.name}'"))
            ptrs.append(f"{pre}in{k}")
        else:
            ptrs.append(f"{{in{k}}}")
    params = [("num_inputs", c_int(len(ins))), ("outer", c_int(lay.outer)),
              ("copy_size", "{" + ", ".join(map(str, sizes + [0] * (MAX_INPUTS - len(sizes)))) + "}")]
    return Lowered(op=op, kernel=ctx.kernel("CONCATENATION", "none"), header="eat/concat.h",
                   params_type="eat_concat_s8_params_t", params=params, arrays=arrays,
                   args=["&{p}", "(const int8_t *const[]){" + ", ".join(ptrs) + "}", "{out0}"], macs=0,
                   notes=[f"{lay.describe()} bytes, a copy "
                          f"(all inputs share the output quantization)"])


LOWERINGS = {"CONCATENATION": lower}
