"""CONV_2D and DEPTHWISE_CONV_2D (int8, per-channel weights)."""

from __future__ import annotations

import numpy as np

from pipeline.compiler import kernels, planner, quant
from pipeline.compiler.ops import sparse_weights
from pipeline.compiler.ops.geometry import conv_window, filter_channels
from pipeline.compiler.ops import CArray, Ctx, Lowered, Unsupported, c_int, fused_activation_range, require_int8_activation


def _common(ctx: Ctx, op):
    inp = require_int8_activation(op, ctx.t(op.inputs[0]), "input")
    out = require_int8_activation(op, ctx.t(op.outputs[0]), "output")
    w = ctx.t(op.inputs[1])
    bias = ctx.t(op.inputs[2]) if len(op.inputs) > 2 else None
    if w is None or not w.is_const or w.dtype != "int8" or w.quant is None:
        raise Unsupported(f"weights '{w.name if w else '?'}' must be constant int8"
                          f"{'' if w is None else ' (got ' + w.dtype + ')'}")
    if bias is not None and (not bias.is_const or bias.dtype != "int32"):
        raise Unsupported(f"bias '{bias.name}' must be constant int32 (got {bias.dtype})")
    win = conv_window(op, inp, out, w)
    act_min, act_max = fused_activation_range(op, out)
    oc, same, ph, pw = win.oc, win.same, win.ph, win.pw
    mults, shifts = quant.conv_multipliers(inp.scale, w.quant.scale, out.scale, oc)
    pre = ctx.prefix(op)
    arrays = [CArray(pre + "mult", "int32_t", np.array(mults, np.int64),
                     "per-channel multipliers: QuantizeMultiplier(in_scale * w_scale[c] / out_scale)"),
              CArray(pre + "shift", "int32_t", np.array(shifts, np.int64), "per-channel shifts")]
    geo = dict(win.as_dict(), act_min=act_min, act_max=act_max)
    notes = [f"input '{inp.name}' {inp.shape} scale {inp.scale:.9g} zp {inp.zero_point}; output '{out.name}' "
             f"{out.shape} scale {out.scale:.9g} zp {out.zero_point}",
             f"{'SAME' if same else 'VALID'} padding -> pad_h {ph} pad_w {pw}; weights '{w.name}' "
             f"{w.shape} {'per-channel' if w.quant.per_channel else 'per-tensor'}"]
    return inp, out, w, bias, geo, arrays, notes, win


def _overlap(inp, g, pixel_block: int) -> list[tuple[int, int]]:
    """A kernel that reads `pixel_block` pixels' inputs in place before writing them all needs the
    window delta widened by the outputs of the pixels after the first (see kernels.Variant)."""
    return [(inp.index, planner.window_delta(g["n"], g["ih"], g["iw"], g["ic"], g["oh"], g["ow"], g["oc"],
                                              g["sh"], g["sw"], g["ph"], g["pw"]) + (pixel_block - 1) * g["oc"])]


def _lower_windowed(ctx: Ctx, op, parts, channel_param: tuple[str, int], header: str, params_type: str, macs: int) -> Lowered:
    """The lowering CONV_2D and DEPTHWISE_CONV_2D share; they differ in one channel parameter."""
    inp, out, w, bias, g, arrays, notes, _ = parts
    pre = ctx.prefix(op)
    packed = ctx.pack(op.opcode, w.data)
    geo = dict(g, fic=channel_param[1] if channel_param[0] == "filter_in_c" else g["ic"],
               dm=channel_param[1] if channel_param[0] == "depth_multiplier" else 1,
               wmin=int(w.data.min()) if w.data.size else 0)
    prep = kernels.prepare_with_tables(op.opcode, packed, ctx.core, geo, w.data, bias, -inp.zero_point,
                                       arrays[0].values, arrays[1].values, out.zero_point)
    if prep.bias is not None:
        arrays.append(CArray(pre + "bias", "int32_t", prep.bias, prep.bias_comment))
    params = [("batches", g["n"]), ("in_h", g["ih"]), ("in_w", g["iw"]), ("in_c", g["ic"]),
              ("out_h", g["oh"]), ("out_w", g["ow"]), ("out_c", g["oc"]),
              ("k_h", g["kh"]), ("k_w", g["kw"]), channel_param,
              ("stride_h", g["sh"]), ("stride_w", g["sw"]), ("dilation_h", g["dh"]), ("dilation_w", g["dw"]),
              ("pad_h", g["ph"]), ("pad_w", g["pw"]),
              ("input_offset", -inp.zero_point), ("output_offset", out.zero_point),
              ("multiplier", pre + "mult"), ("shift", pre + "shift"),
              ("act_min", g["act_min"]), ("act_max", g["act_max"])]
    lw = Lowered(
        op=op, kernel=prep.kernel, header=header,
        params_type=params_type, params=[(k, str(v)) for k, v in params], arrays=arrays,
        weights=prep.weights,
        args=["&{p}", "&{w}", pre + "bias" if prep.bias is not None else "NULL", "{in0}", "{out0}", "{scratch}"],
        macs=macs, scratch_bytes=prep.scratch_bytes, notes=notes + prep.notes,
        overlap=_overlap(inp, g, prep.pixel_block) if prep.pixel_block else [])   # 0: channel outer
    lw = sparse_weights.apply(ctx, lw, w, bias, -inp.zero_point, g=geo)
    if lw.kernel != prep.kernel:   # went sparse: that kernel's own pixel block sets the overlap
        block = kernels.variant_named(lw.kernel).pixel_block
        lw.overlap = _overlap(inp, g, block) if block else []   # 0: channel outer, never in place
    return lw


def _lower(ctx: Ctx, op, depthwise: bool) -> Lowered:
    parts = _common(ctx, op)
    name, value, macs = filter_channels(parts[2].shape, parts[7], depthwise)
    if depthwise:
        return _lower_windowed(ctx, op, parts, (name, value), "eat/depthwise_conv.h",
                               "eat_depthwise_conv2d_s8_params_t", macs)
    return _lower_windowed(ctx, op, parts, (name, value), "eat/conv.h", "eat_conv2d_s8_params_t", macs)


def lower_conv(ctx: Ctx, op) -> Lowered:
    return _lower(ctx, op, depthwise=False)


def lower_depthwise(ctx: Ctx, op) -> Lowered:
    return _lower(ctx, op, depthwise=True)


LOWERINGS = {"CONV_2D": lower_conv, "DEPTHWISE_CONV_2D": lower_depthwise}
