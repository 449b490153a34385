"""FULLY_CONNECTED (int8, per-tensor or per-channel weights)."""

from __future__ import annotations

import numpy as np

from pipeline.compiler import kernels, kernels_registry, quant
from pipeline.compiler.ops import sparse_weights
from pipeline.tflite.model import Model
from pipeline.compiler.ops import CArray, Ctx, Lowered, Unsupported, c_int, fused_activation_range, require_int8_activation


def lower(ctx: Ctx, op) -> Lowered:
    inp = require_int8_activation(op, ctx.t(op.inputs[0]), "input")
    out = require_int8_activation(op, ctx.t(op.outputs[0]), "output")
    w = ctx.t(op.inputs[1])
    bias = ctx.t(op.inputs[2]) if len(op.inputs) > 2 else None
    opts = op.options
    if w is None or not w.is_const or w.dtype != "int8" or w.quant is None:
        raise Unsupported(f"weights '{w.name if w else '?'}' must be constant int8"
                          f"{'' if w is None else ' (got ' + w.dtype + ')'}")
    if getattr(opts, "weightsFormat", 0) != 0:
        raise Unsupported("shuffled weights format")
    if bias is not None and (not bias.is_const or bias.dtype != "int32"):
        raise Unsupported(f"bias '{bias.name}' must be constant int32 (got {bias.dtype})")
    act_min, act_max = fused_activation_range(op, out)

    out_depth, in_depth = int(w.shape[0]), int(np.prod(w.shape[1:]))
    if inp.size % in_depth:
        raise Unsupported(f"input size {inp.size} not a multiple of {in_depth}")
    batches = inp.size // in_depth
    pre = ctx.prefix(op)
    packed = ctx.pack(op.opcode, w.data)
    arrays: list[CArray] = []
    params = [("batches", c_int(batches)), ("in_depth", c_int(in_depth)), ("out_depth", c_int(out_depth)),
              ("input_offset", c_int(-inp.zero_point)), ("filter_offset", c_int(-w.zero_point)),
              ("output_offset", c_int(out.zero_point))]
    notes = [f"input '{inp.name}' scale {inp.scale:.9g} zp {inp.zero_point}; "
             f"output '{out.name}' scale {out.scale:.9g} zp {out.zero_point}"]
    if w.quant.per_channel:
        mults, shifts = quant.conv_multipliers(inp.scale, w.quant.scale, out.scale, out_depth)
        arrays += [CArray(pre + "mult", "int32_t", np.array(mults, np.int64),
                          "per-channel multipliers: QuantizeMultiplier(in_scale * w_scale[c] / out_scale)"),
                   CArray(pre + "shift", "int32_t", np.array(shifts, np.int64), "per-channel shifts")]
        params += [("output_multiplier", "0"), ("output_shift", "0"),
                   ("per_channel_multiplier", pre + "mult"), ("per_channel_shift", pre + "shift")]
        notes.append(f"weights '{w.name}' per-channel ({w.quant.scale.size} scales)")
    else:
        m, s = quant.fc_per_tensor_multiplier(inp.scale, float(w.quant.scale[0]), out.scale)
        params += [("output_multiplier", c_int(m)), ("output_shift", c_int(s)),
                   ("per_channel_multiplier", "NULL"), ("per_channel_shift", "NULL")]
        notes.append(f"weights '{w.name}' scale {float(w.quant.scale[0]):.9g}: multiplier {m} shift {s} "
                     "= QuantizeMultiplier(float(in_scale * w_scale) / out_scale)")
    params += [("act_min", c_int(act_min)), ("act_max", c_int(act_max))]
    geo = dict(batches=batches, in_depth=in_depth, out_depth=out_depth, filter_offset=-w.zero_point,
               w16=op.index in ctx.fc_w16)
    prep = kernels.prepare(op.opcode, packed, ctx.core, geo, w.data.reshape(out_depth, in_depth),
                           None if bias is None else bias.data, None if bias is None else bias.name, -inp.zero_point)
    if prep.bias is not None:
        arrays.append(CArray(pre + "bias", "int32_t", prep.bias, prep.bias_comment))
    lw = Lowered(
        op=op, kernel=prep.kernel, header="eat/fully_connected.h",
        params_type="eat_fully_connected_s8_params_t", params=params, arrays=arrays, weights=prep.weights,
        args=["&{p}", "&{w}", pre + "bias" if prep.bias is not None else "NULL", "{in0}", "{out0}", "{scratch}"],
        macs=batches * in_depth * out_depth, scratch_bytes=prep.scratch_bytes, notes=notes + prep.notes)
    if np.any(w.quant.zero_point != 0):   # the sparse kernels rely on symmetric weights
        return lw
    return sparse_weights.apply(ctx, lw, w, bias, -inp.zero_point, fc_shape=(batches, in_depth, out_depth))


def w16_ops(model: Model) -> frozenset[int]:
    """The FULLY_CONNECTED ops of `model` whose weights may be int16 (kernels_registry.fc_w16_ops's budget)."""
    layers = []
    for op in model.operators:
        if op.opcode != "FULLY_CONNECTED" or len(op.inputs) < 2 or op.inputs[1] < 0:
            continue
        w = model.tensors[op.inputs[1]]
        if len(w.shape) >= 2:
            layers.append((op.index, int(w.shape[0]), int(np.prod(w.shape[1:]))))
    return kernels_registry.fc_w16_ops(layers)


LOWERINGS = {"FULLY_CONNECTED": lower}
