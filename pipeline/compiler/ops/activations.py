"""Elementwise int8 activations: LOGISTIC, TANH, HARD_SWISH, RELU, RELU6, LEAKY_RELU.

All are int8 -> int8 functions of one value, so each lowers to eat_lut_s8 with a 256-entry table
that this module computes by running TFLM's own integer arithmetic (Prepare + reference Eval) for
every input value. The Prepare arithmetic, per op, as TFLM does it:

- LOGISTIC / TANH (logistic_common.cc, tanh.cc): input_multiplier/left_shift from
  frexp(double(in_scale) * 2^27), multiplier = round(q * 2^31) (no renormalisation), radius from
  CalculateInputRadius(4, shift, 31); Eval is reference_integer_ops::Logistic/Tanh (gemmlowp
  fixed point, Q4.27 input). Output assumed 1/256, -128 (LOGISTIC, enforced by TFLM) and
  1/128, 0 (TANH, not checked by TFLM).
- HARD_SWISH (hard_swish_common.cc): float32 scale products, QuantizeMultiplier, then
  DownScaleInt32ToInt16Multiplier; Eval reference_ops::HardSwish (int16 fixed point).
- RELU (activations_common.cc): QuantizeMultiplier(double(in)/double(out)), clamp at
  max(-128, out_zp); RELU6: no requantization, clamp to [in_zp, in_zp + round(6/in_scale)].
- LEAKY_RELU (leaky_relu_common.cc): identity and alpha multipliers from float32 products.
"""

from __future__ import annotations

import math

import numpy as np

from pipeline.compiler import fixedpoint as fx
from pipeline.compiler import quant
from pipeline.compiler.ops import CArray, Ctx, Lowered, Unsupported, c_int, require_int8_activation

INPUTS = range(-128, 128)


def f32(x: float) -> float:
    return float(np.float32(x))


def clamp8(v: int) -> int:
    return max(-128, min(127, v))


def lut_lowering(ctx: Ctx, op, table: list[int], notes: list[str]) -> Lowered:
    inp = require_int8_activation(op, ctx.t(op.inputs[0]), "input")
    out = require_int8_activation(op, ctx.t(op.outputs[0]), "output")
    if inp.size != out.size:
        raise Unsupported(f"input {inp.shape} and output {out.shape} differ in size")
    if inp.is_const:
        raise Unsupported("constant input")
    pre = ctx.prefix(op)
    arr = CArray(f"{pre}table", "int8_t", np.asarray(table, dtype=np.int64),
                 f"{op.opcode} output for input -128..127 (TFLM integer arithmetic, tabulated)")
    return Lowered(op=op, kernel=ctx.kernel("LUT", "none"), header="eat/lut.h", params_type="eat_lut_s8_params_t",
                   params=[("size", c_int(out.size)), ("table", arr.name)], arrays=[arr],
                   args=["&{p}", "{in0}", "{out0}"], macs=0, inplace_inputs=[inp.index], notes=notes)


def _io(ctx: Ctx, op):
    inp = require_int8_activation(op, ctx.t(op.inputs[0]), "input")
    out = require_int8_activation(op, ctx.t(op.outputs[0]), "output")
    return inp, out


# ---------------------------------------------------------------- LOGISTIC / TANH

def sigmoid_tanh_params(in_scale: float) -> tuple[int, int, int]:
    """(input_multiplier, input_left_shift, input_range_radius) as TFLM's Prepare computes them."""
    real = float(np.float32(in_scale)) * float(1 << 27)
    q, shift = math.frexp(real)
    mult = quant.round_half_away(q * (1 << 31))
    if mult >= (1 << 31) or shift < 0 or shift > 27:
        raise Unsupported(f"input scale {in_scale:g} out of the range TFLM's int8 logistic/tanh handles")
    radius = math.floor(15.0 * (1 << 27) / (1 << shift))
    return mult, shift, radius


def _saturating_table(in_scale: float, in_zp: int, f, out_shift: int, out_offset: int) -> list[int]:
    """TFLM's int8 LOGISTIC/TANH: inputs beyond the radius saturate; the rest go through gemmlowp's
    fixed-point `f` (Q4.27 in), rescaled by `out_shift` and moved by `out_offset`."""
    mult, shift, radius = sigmoid_tanh_params(in_scale)
    out = []
    for x in INPUTS:
        v = x - in_zp
        if v <= -radius:
            out.append(-128)
        elif v >= radius:
            out.append(127)
        else:
            out.append(clamp8(fx.rdbpot(f(fx.mbqm(v, mult, shift), 4), out_shift) + out_offset))
    return out


def logistic_table(in_scale: float, in_zp: int) -> list[int]:
    return _saturating_table(in_scale, in_zp, fx.logistic, 23, -128)  # output scale 1/256, zero point -128


def tanh_table(in_scale: float, in_zp: int) -> list[int]:
    return _saturating_table(in_scale, in_zp, fx.tanh, 24, 0)  # output scale 1/128, zero point 0


def lower_logistic(ctx: Ctx, op) -> Lowered:
    inp, out = _io(ctx, op)
    if out.zero_point != -128:
        raise Unsupported(f"output zero point {out.zero_point} (TFLM requires -128)")
    mult, shift, radius = sigmoid_tanh_params(inp.scale)
    return lut_lowering(ctx, op, logistic_table(inp.scale, inp.zero_point),
                        [f"input_multiplier {mult} left_shift {shift} radius {radius}; gemmlowp logistic, Q4.27"])


def lower_tanh(ctx: Ctx, op) -> Lowered:
    inp, out = _io(ctx, op)
    mult, shift, radius = sigmoid_tanh_params(inp.scale)
    return lut_lowering(ctx, op, tanh_table(inp.scale, inp.zero_point),
                        [f"input_multiplier {mult} left_shift {shift} radius {radius}; gemmlowp tanh, Q4.27"])


# ---------------------------------------------------------------- HARD_SWISH

def _downscale_to_int16(m: int) -> int:
    if m >= fx.INT32_MAX - (1 << 15):
        return fx.INT16_MAX
    return (m + (1 << 15)) >> 16


def _sat_left_shift16(v: int, amount: int) -> int:
    return max(fx.INT16_MIN, min(fx.INT16_MAX, v * (1 << amount)))


def hard_swish_params(in_scale: float, out_scale: float) -> dict[str, int]:
    hires = f32(np.float32(1.0 / 128.0) * np.float32(in_scale))
    reluish_scale = f32(np.float32(3.0) / np.float32(32768.0))
    om, oe = quant.quantize_multiplier(f32(np.float32(hires) / np.float32(out_scale)))
    rm, re_ = quant.quantize_multiplier(f32(np.float32(hires) / np.float32(reluish_scale)))
    if oe > 0:
        raise Unsupported("output scale smaller than input scale / 128 (TFLM requires output exponent <= 0)")
    return dict(out_m=_downscale_to_int16(om), out_e=oe, relu_m=_downscale_to_int16(rm), relu_e=re_)


def hard_swish_table(in_scale: float, in_zp: int, out_scale: float, out_zp: int) -> list[int]:
    p = hard_swish_params(in_scale, out_scale)
    out = []
    for x in INPUTS:
        v = fx.wrap16(x - in_zp)
        hires = fx.wrap16(v * 128)
        preshift_out = fx.srdhm16(hires, p["out_m"])
        r = hires
        if p["relu_e"] > 0:
            r = _sat_left_shift16(r, p["relu_e"] - 1)
        r = fx.srdhm16(r, p["relu_m"])
        if p["relu_e"] > 0:
            r = _sat_left_shift16(r, 1)
        if p["relu_e"] < 0:
            r = fx.rdbpot(r, -p["relu_e"], bits=16)
        r = fx.wrap16((r + (1 << 15)) >> 1)
        prod = r * preshift_out
        pre = fx.INT16_MAX if r == preshift_out == fx.INT16_MIN else fx.wrap16(fx._trunc_div(prod, 1 << 15))
        o = fx.rdbpot(pre, -p["out_e"], bits=16)
        o = fx.wrap16(o + out_zp)
        out.append(clamp8(o))
    return out


def lower_hard_swish(ctx: Ctx, op) -> Lowered:
    inp, out = _io(ctx, op)
    p = hard_swish_params(inp.scale, out.scale)
    return lut_lowering(ctx, op, hard_swish_table(inp.scale, inp.zero_point, out.scale, out.zero_point),
                        [f"HardSwishParams: output multiplier {p['out_m']} exp {p['out_e']}, reluish multiplier "
                         f"{p['relu_m']} exp {p['relu_e']} (int16)"])


# ---------------------------------------------------------------- RELU / RELU6 / LEAKY_RELU

def relu_table(in_scale: float, in_zp: int, out_scale: float, out_zp: int) -> list[int]:
    m, s = quant.quantize_multiplier(f32(in_scale) / f32(out_scale))
    lo = max(-128, out_zp)
    return [min(127, max(lo, out_zp + fx.mbqm(x - in_zp, m, s))) for x in INPUTS]


def relu6_table(in_scale: float, in_zp: int) -> list[int]:
    six = clamp8(int(round_half_away_f32(np.float32(6.0) / np.float32(in_scale))) + in_zp)
    return [six if x > six else (in_zp if x < in_zp else x) for x in INPUTS]


def round_half_away_f32(x) -> int:
    return quant.round_half_away(float(x))


def leaky_relu_table(in_scale: float, in_zp: int, out_scale: float, out_zp: int, alpha: float) -> list[int]:
    ma, sa = quant.quantize_multiplier(f32(np.float32(np.float32(in_scale) * np.float32(alpha)) / np.float32(out_scale)))
    mi, si = quant.quantize_multiplier(f32(np.float32(in_scale) / np.float32(out_scale)))
    out = []
    for x in INPUTS:
        v = x - in_zp
        out.append(clamp8(out_zp + (fx.mbqm(v, mi, si) if v >= 0 else fx.mbqm(v, ma, sa))))
    return out


def lower_relu(ctx: Ctx, op) -> Lowered:
    inp, out = _io(ctx, op)
    return lut_lowering(ctx, op, relu_table(inp.scale, inp.zero_point, out.scale, out.zero_point),
                        ["requantize by QuantizeMultiplier(in_scale / out_scale), clamp at max(-128, out_zp)"])


def lower_relu6(ctx: Ctx, op) -> Lowered:
    inp, _ = _io(ctx, op)
    return lut_lowering(ctx, op, relu6_table(inp.scale, inp.zero_point),
                        ["TFLM clamps to [in_zp, in_zp + round(6 / in_scale)] on the input scale (no requantization)"])


def lower_leaky_relu(ctx: Ctx, op) -> Lowered:
    inp, out = _io(ctx, op)
    alpha = f32(op.options.alpha) if op.options is not None else 0.2
    return lut_lowering(ctx, op, leaky_relu_table(inp.scale, inp.zero_point, out.scale, out.zero_point, alpha),
                        [f"alpha {alpha:.9g}: identity and alpha multipliers (QuantizeMultiplier of float32 ratios)"])


LOWERINGS = {"LOGISTIC": lower_logistic, "TANH": lower_tanh, "HARD_SWISH": lower_hard_swish,
             "RELU": lower_relu, "RELU6": lower_relu6, "LEAKY_RELU": lower_leaky_relu}
