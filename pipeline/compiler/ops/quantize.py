"""QUANTIZE (int8 -> int8 requantization) and DEQUANTIZE.

Our runtime is integer-only, so QUANTIZE is accepted only as int8 -> int8 requantization, which
TFLM (quantize_common.cc) does with reference_ops::Requantize: multiplier/shift from
QuantizeMultiplier(double(in_scale) / double(out_scale)), then
clamp(MultiplyByQuantizedMultiplier(x - in_zp) + out_zp). It lowers to the table kernel
eat_lut_s8 (256 entries). A float edge (float32 -> int8 QUANTIZE at the model input,
int8 -> float32 DEQUANTIZE at the output) is refused with the converter settings that remove it.
"""

from __future__ import annotations

from pipeline.compiler import fixedpoint as fx
from pipeline.compiler import quant
from pipeline.compiler.ops import Ctx, Lowered, Unsupported, require_int8_activation
from pipeline.compiler.ops.activations import INPUTS, clamp8, f32, lut_lowering

FLOAT_INPUT_HINT = ("float32 -> int8 QUANTIZE: our engine is integer-only; convert with "
                    "inference_input_type=tf.int8 so the model takes int8 input")
DEQUANTIZE_HINT = ("DEQUANTIZE produces float32: our engine is integer-only; convert with "
                   "inference_output_type=tf.int8 so the model returns int8")


def requantize_table(in_scale: float, in_zp: int, out_scale: float, out_zp: int) -> list[int]:
    m, s = quant.quantize_multiplier(f32(in_scale) / f32(out_scale))
    return [clamp8(fx.mbqm(x - in_zp, m, s) + out_zp) for x in INPUTS]


def lower_quantize(ctx: Ctx, op) -> Lowered:
    inp = ctx.t(op.inputs[0])
    if inp is not None and inp.dtype != "int8":
        raise Unsupported(FLOAT_INPUT_HINT if inp.dtype == "float32" else f"{inp.dtype} input (only int8 -> int8)")
    inp = require_int8_activation(op, inp, "input")
    out = require_int8_activation(op, ctx.t(op.outputs[0]), "output")
    m, s = quant.quantize_multiplier(f32(inp.scale) / f32(out.scale))
    return lut_lowering(ctx, op, requantize_table(inp.scale, inp.zero_point, out.scale, out.zero_point),
                        [f"requantize: ({inp.scale:.9g}, {inp.zero_point}) -> ({out.scale:.9g}, {out.zero_point}), "
                         f"multiplier {m} shift {s}"])


def lower_dequantize(ctx: Ctx, op) -> Lowered:
    raise Unsupported(DEQUANTIZE_HINT)


LOWERINGS = {"QUANTIZE": lower_quantize, "DEQUANTIZE": lower_dequantize}
