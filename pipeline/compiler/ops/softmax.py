"""SOFTMAX int8 -> int8 (TFLM reference_ops::Softmax parameters)."""

from __future__ import annotations

import math

import numpy as np

from pipeline.compiler import fixedpoint, quant
from pipeline.compiler.ops import CArray, Ctx, Lowered, Unsupported, c_int, require_int8_activation

SCALED_DIFF_INTEGER_BITS = 5


def softmax_params(beta: float, in_scale: float) -> tuple[int, int, int]:
    """PreprocessSoftmaxScaling + CalculateInputRadius (double-rounding build)."""
    real = min(float(beta) * float(np.float32(in_scale)) * (1 << (31 - SCALED_DIFF_INTEGER_BITS)),
               (1 << 31) - 1.0)
    mult, left_shift = quant.quantize_multiplier(real)
    if left_shift < 0:
        raise Unsupported(f"input scale {in_scale} too small for the int8 softmax")
    max_input_rescaled = (1.0 * ((1 << SCALED_DIFF_INTEGER_BITS) - 1)
                          * (1 << (31 - SCALED_DIFF_INTEGER_BITS)) / (1 << left_shift))
    diff_min = -int(math.floor(max_input_rescaled))
    return mult, left_shift, diff_min


def exp_table(mult: int, left_shift: int, diff_min: int) -> np.ndarray:
    """exp_on_negative_values<5> of each rescaled difference -k, k = 0 .. min(255, -diff_min): what
    TFLM's reference computes per element (MultiplyByQuantizedMultiplierGreaterThanOne, then the
    gemmlowp exp), evaluated here once for the 256 differences an int8 row can have."""
    n = 256 if diff_min <= -255 else 1 - diff_min
    return np.array([fixedpoint.exp_on_negative_values(fixedpoint.srdhm32(fixedpoint.wrap32(-k << left_shift), mult),
                                                       SCALED_DIFF_INTEGER_BITS) for k in range(n)], np.int64)


def lower(ctx: Ctx, op) -> Lowered:
    inp = require_int8_activation(op, ctx.t(op.inputs[0]), "input")
    out = require_int8_activation(op, ctx.t(op.outputs[0]), "output")
    beta = float(getattr(op.options, "beta", 1.0))
    mult, shift, diff_min = softmax_params(beta, inp.scale)
    depth = inp.shape[-1] if inp.shape else 1
    outer = inp.size // depth
    params = [("outer", c_int(outer)), ("depth", c_int(depth)), ("input_multiplier", c_int(mult)),
              ("input_left_shift", c_int(shift)), ("diff_min", c_int(diff_min))]
    table = exp_table(mult, shift, diff_min)
    name = ctx.prefix(op) + "exp"
    return Lowered(
        op=op, kernel=ctx.kernel(op.opcode, "none"), header="eat/softmax.h",
        params_type="eat_softmax_s8_params_t", params=params, args=["&{p}", name, "{in0}", "{out0}"],
        arrays=[CArray(name, "int32_t", table, f"exp of the rescaled difference -k to the row's maximum, "
                       f"k = 0..{table.size - 1} (Q0.31; gemmlowp exp_on_negative_values as TFLM computes it)")],
        macs=inp.size * 4, inplace_inputs=[inp.index],   # element c is read before it is written
        notes=[f"beta {beta:.9g}, input scale {inp.scale:.9g}: multiplier {mult} left shift {shift} "
               f"diff_min {diff_min}; output scale {out.scale:.9g} zp {out.zero_point}",
               f"exp tabulated at compile time for the {table.size} differences at or above diff_min"])


LOWERINGS = {"SOFTMAX": lower}
