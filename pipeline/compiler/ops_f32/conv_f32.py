"""FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D, MAX/AVERAGE_POOL_2D in float32."""

from __future__ import annotations

import numpy as np

from pipeline.compiler import quant
from pipeline.compiler.ops import CArray, Ctx, Lowered, Unsupported, c_int
from pipeline.compiler.ops_f32 import act_range_f32, const_f32, fptr, require_f32


def lower_fc(ctx: Ctx, op) -> Lowered:
    inp = require_f32(ctx.t(op.inputs[0]), "input")
    out = require_f32(ctx.t(op.outputs[0]), "output")
    w = ctx.t(op.inputs[1])
    bias = ctx.t(op.inputs[2]) if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
    if w is None:
        raise Unsupported("missing weights")
    if getattr(op.options, "weightsFormat", 0) != 0:
        raise Unsupported("shuffled weights format")
    lo, hi = act_range_f32(op)
    out_depth, in_depth = int(w.shape[0]), int(np.prod(w.shape[1:]))
    if inp.size % in_depth or (inp.size // in_depth) * out_depth != out.size:
        raise Unsupported(f"input {inp.shape} / output {out.shape} do not fit weights {w.shape}")
    batches = inp.size // in_depth
    dense = const_f32(ctx, op, w, "weights")
    pre = ctx.prefix(op)
    notes = [f"float32: total = sum in[d] * w[d] from 0.f, d ascending, + bias; clamp [{lo}, {hi}]"]
    rows = sparse_rows(ctx, op, dense.values.reshape(out_depth, in_depth))
    if rows is not None:
        arrays, fmt = rows, "sparse_rows"
        wexpr = (f"&(const eat_weights_f32_sparse_rows_t){{ {pre}row_start, {pre}cols, {pre}values }}")
        header = "eat/fully_connected_f32_sparse.h"
        nnz = int(rows[2].values.size)
        notes.append(f"weights stored by rows: {nnz} of {out_depth * in_depth} nonzero "
                     f"({1 - nnz / max(1, out_depth * in_depth):.1%} pruned away); zero terms skipped")
    else:
        arrays, fmt, wexpr, header = [dense], "dense", pre + "weights", "eat/fully_connected_f32.h"
    if bias is not None:
        arrays.append(const_f32(ctx, op, bias, "bias"))
    params = [("batches", c_int(batches)), ("in_depth", c_int(in_depth)), ("out_depth", c_int(out_depth)),
              ("act_min", lo), ("act_max", hi)]
    return Lowered(op=op, kernel=ctx.kernel("FULLY_CONNECTED_F32", fmt), header=header,
                   params_type="eat_fully_connected_f32_params_t", params=params, arrays=arrays,
                   args=["&{p}", wexpr, pre + "bias" if bias is not None else "NULL",
                         fptr("{in0}"), fptr("{out0}", False)],
                   macs=batches * in_depth * out_depth if rows is None else batches * int(rows[2].values.size),
                   notes=notes)


SPARSE_MIN_SAVING = 0.75   # row-compressed weights only when they take at most 3/4 of the dense bytes


def sparse_rows(ctx: Ctx, op, w: np.ndarray) -> list[CArray] | None:
    """Row-compressed weights ([out + 1] row starts, uint16 input indices, nonzero values) when
    they are clearly smaller than the dense array; None otherwise."""
    out_depth, in_depth = w.shape
    mask = w != 0   # -0.0 counts as zero: its products are +-0 as well
    nnz = int(mask.sum())
    if in_depth > 0xFFFF or (out_depth + 1) * 4 + nnz * 6 > SPARSE_MIN_SAVING * w.size * 4:
        return None
    pre = ctx.prefix(op)
    starts = np.concatenate([[0], np.cumsum(mask.sum(axis=1))]).astype(np.int64)
    cols = np.nonzero(mask)[1].astype(np.int64)
    return [CArray(pre + "row_start", "int32_t", starts, "row o's nonzero weights: [row_start[o], row_start[o + 1])"),
            CArray(pre + "cols", "uint16_t", cols, "input index of each nonzero weight, ascending per row"),
            CArray(pre + "values", "float", w[mask].astype(np.float32), "the nonzero weights, row by row")]


def _window(ctx: Ctx, op, depthwise: bool) -> Lowered:
    inp = require_f32(ctx.t(op.inputs[0]), "input")
    out = require_f32(ctx.t(op.outputs[0]), "output")
    w = ctx.t(op.inputs[1])
    bias = ctx.t(op.inputs[2]) if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
    if w is None or len(inp.shape) != 4 or len(out.shape) != 4 or len(w.shape) != 4:
        raise Unsupported("expects 4-D NHWC tensors")
    o = op.options
    lo, hi = act_range_f32(op)
    n, ih, iw, ic = inp.shape
    _, oh, ow, oc = out.shape
    kh, kw = int(w.shape[1]), int(w.shape[2])
    sh, sw = int(o.strideH), int(o.strideW)
    dh, dw = int(o.dilationHFactor or 1), int(o.dilationWFactor or 1)
    same = o.padding == 0
    if (quant.compute_out_size(same, ih, kh, sh, dh), quant.compute_out_size(same, iw, kw, sw, dw)) != (oh, ow):
        raise Unsupported(f"output shape {out.shape} does not match the padding/stride geometry")
    ph, pw = quant.compute_padding(sh, dh, ih, kh, oh), quant.compute_padding(sw, dw, iw, kw, ow)
    if depthwise:
        if w.shape[0] != 1 or w.shape[3] != oc or oc % ic:
            raise Unsupported(f"weights shape {w.shape} does not fit input depth {ic} / output depth {oc}")
        fic, mult = 0, oc // ic
        macs = n * oh * ow * oc * kh * kw
    else:
        fic, mult = int(w.shape[3]), 0
        if ic % fic or oc % (ic // fic) or w.shape[0] != oc:
            raise Unsupported(f"filter {w.shape} does not fit input depth {ic} / output depth {oc}")
        macs = n * oh * ow * oc * kh * kw * fic
    arrays = [const_f32(ctx, op, w, "weights")]
    if bias is not None:
        arrays.append(const_f32(ctx, op, bias, "bias"))
    pre = ctx.prefix(op)
    params = [("batches", n), ("in_h", ih), ("in_w", iw), ("in_c", ic), ("out_h", oh), ("out_w", ow), ("out_c", oc),
              ("k_h", kh), ("k_w", kw), ("filter_in_c", fic), ("depth_multiplier", mult),
              ("stride_h", sh), ("stride_w", sw), ("dilation_h", dh), ("dilation_w", dw), ("pad_h", ph), ("pad_w", pw)]
    return Lowered(op=op, kernel=ctx.kernel(op.opcode + "_F32", "dense"),
                   header="eat/conv_f32.h", params_type="eat_conv2d_f32_params_t",
                   params=[(k, str(v)) for k, v in params] + [("act_min", lo), ("act_max", hi)], arrays=arrays,
                   args=["&{p}", pre + "weights", pre + "bias" if bias is not None else "NULL",
                         fptr("{in0}"), fptr("{out0}", False)],
                   macs=macs,
                   notes=[f"float32, {'SAME' if same else 'VALID'} padding -> pad_h {ph} pad_w {pw}; "
                          f"TFLM reference order (filter rows, columns, channels), clamp [{lo}, {hi}]"])


def lower_conv(ctx: Ctx, op) -> Lowered:
    return _window(ctx, op, depthwise=False)


def lower_depthwise(ctx: Ctx, op) -> Lowered:
    return _window(ctx, op, depthwise=True)


def lower_pool(ctx: Ctx, op) -> Lowered:
    inp = require_f32(ctx.t(op.inputs[0]), "input")
    out = require_f32(ctx.t(op.outputs[0]), "output")
    if len(inp.shape) != 4 or len(out.shape) != 4:
        raise Unsupported("expects 4-D NHWC tensors")
    o = op.options
    lo, hi = act_range_f32(op)
    n, ih, iw, c = inp.shape
    _, oh, ow, oc = out.shape
    kh, kw, sh, sw = int(o.filterHeight), int(o.filterWidth), int(o.strideH), int(o.strideW)
    same = o.padding == 0
    if oc != c or (quant.compute_out_size(same, ih, kh, sh, 1), quant.compute_out_size(same, iw, kw, sw, 1)) != (oh, ow):
        raise Unsupported(f"output shape {out.shape} does not match the pooling geometry")
    ph, pw = quant.compute_padding(sh, 1, ih, kh, oh), quant.compute_padding(sw, 1, iw, kw, ow)
    params = [("batches", n), ("in_h", ih), ("in_w", iw), ("channels", c), ("out_h", oh), ("out_w", ow),
              ("k_h", kh), ("k_w", kw), ("stride_h", sh), ("stride_w", sw), ("pad_h", ph), ("pad_w", pw)]
    kernel = "eat_max_pool2d_f32" if op.opcode == "MAX_POOL_2D" else "eat_avg_pool2d_f32"
    return Lowered(op=op, kernel=kernel, header="eat/pooling_f32.h", params_type="eat_pool2d_f32_params_t",
                   params=[(k, str(v)) for k, v in params] + [("act_min", lo), ("act_max", hi)],
                   args=["&{p}", fptr("{in0}"), fptr("{out0}", False)], macs=n * oh * ow * c * kh * kw,
                   notes=[f"float32 {kh}x{kw} window, stride {sh}x{sw}, {'SAME' if same else 'VALID'} -> pad {ph},{pw}"])


LOWERINGS = {"FULLY_CONNECTED": lower_fc, "CONV_2D": lower_conv, "DEPTHWISE_CONV_2D": lower_depthwise,
             "MAX_POOL_2D": lower_pool, "AVERAGE_POOL_2D": lower_pool}
