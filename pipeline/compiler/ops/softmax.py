"""SOFTMAX int8 -> int8 (TFLM reference_ops::Softmax parameters)."""

from __future__ import annotations

import math

from pipeline.compiler import quant
from pipeline.compiler.ops import Ctx, Lowered, Unsupported, c_int, require_int8_activation

SCALED_DIFF_INTEGER_BITS = 5


def softmax_params(beta: float, in_scale: float) -> tuple[int, int, int]:
    """PreprocessSoftmaxScaling + CalculateInputRadius (double-rounding build)."""
    import numpy as np

    real = min(float(beta) * float(np.float32(in_scale)) * (1 << (31 - SCALED_DIFF_INTEGER_BITS)),
               (1 << 31) - 1.0)
    mult, left_shift = quant.quantize_multiplier(real)
    if left_shift < 0:
        raise Unsupported(f"input scale {in_scale} too small for the int8 softmax")
    max_input_rescaled = (1.0 * ((1 << SCALED_DIFF_INTEGER_BITS) - 1)
                          * (1 << (31 - SCALED_DIFF_INTEGER_BITS)) / (1 << left_shift))
    diff_min = -int(math.floor(max_input_rescaled))
    return mult, left_shift, diff_min


def lower(ctx: Ctx, op) -> Lowered:
    inp = require_int8_activation(op, ctx.t(op.inputs[0]), "input")
    out = require_int8_activation(op, ctx.t(op.outputs[0]), "output")
    beta = float(getattr(op.options, "beta", 1.0))
    mult, shift, diff_min = softmax_params(beta, inp.scale)
    depth = inp.shape[-1] if inp.shape else 1
    outer = inp.size // depth
    params = [("outer", c_int(outer)), ("depth", c_int(depth)), ("input_multiplier", c_int(mult)),
              ("input_left_shift", c_int(shift)), ("diff_min", c_int(diff_min))]
    return Lowered(
        op=op, kernel=ctx.kernel(op.opcode, "none"), header="eat/softmax.h",
        params_type="eat_softmax_s8_params_t", params=params, args=["&{p}", "{in0}", "{out0}"],
        macs=inp.size * 4, inplace_inputs=[inp.index],   # element c is read before it is written
        notes=[f"beta {beta:.9g}, input scale {inp.scale:.9g}: multiplier {mult} left shift {shift} "
               f"diff_min {diff_min}; output scale {out.scale:.9g} zp {out.zero_point}"])


LOWERINGS = {"SOFTMAX": lower}
