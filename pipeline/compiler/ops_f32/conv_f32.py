"""FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D, MAX/AVERAGE_POOL_2D in float32."""

from __future__ import annotations

import numpy as np

from pipeline.compiler.ops import CArray, Ctx, Lowered, Unsupported, c_int
from pipeline.compiler.ops.geometry import conv_window, filter_channels, pool_window
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
    if w is None:
        raise Unsupported("missing weights")
    g = conv_window(op, inp, out, w)
    lo, hi = act_range_f32(op)
    name, value, macs = filter_channels(w.shape, g, depthwise)
    fic, mult = (0, value) if depthwise else (value, 0)
    arrays = [const_f32(ctx, op, w, "weights")]
    if bias is not None:
        arrays.append(const_f32(ctx, op, bias, "bias"))
    pre = ctx.prefix(op)
    params = [("batches", g.n), ("in_h", g.ih), ("in_w", g.iw), ("in_c", g.ic), ("out_h", g.oh), ("out_w", g.ow),
              ("out_c", g.oc), ("k_h", g.kh), ("k_w", g.kw), ("filter_in_c", fic), ("depth_multiplier", mult),
              ("stride_h", g.sh), ("stride_w", g.sw), ("dilation_h", g.dh), ("dilation_w", g.dw),
              ("pad_h", g.ph), ("pad_w", g.pw)]
    return Lowered(op=op, kernel=ctx.kernel(op.opcode + "_F32", "dense"),
                   header="eat/conv_f32.h", params_type="eat_conv2d_f32_params_t",
                   params=[(k, str(v)) for k, v in params] + [("act_min", lo), ("act_max", hi)], arrays=arrays,
                   args=["&{p}", pre + "weights", pre + "bias" if bias is not None else "NULL",
                         fptr("{in0}"), fptr("{out0}", False)],
                   macs=macs,
                   notes=[f"float32, {g.padding_name} padding -> pad_h {g.ph} pad_w {g.pw}; "
                          f"TFLM reference order (filter rows, columns, channels), clamp [{lo}, {hi}]"])


def lower_conv(ctx: Ctx, op) -> Lowered:
    return _window(ctx, op, depthwise=False)


def lower_depthwise(ctx: Ctx, op) -> Lowered:
    return _window(ctx, op, depthwise=True)


def lower_pool(ctx: Ctx, op) -> Lowered:
    inp = require_f32(ctx.t(op.inputs[0]), "input")
    out = require_f32(ctx.t(op.outputs[0]), "output")
    g = pool_window(op, inp, out)
    lo, hi = act_range_f32(op)
    n, ih, iw, c, oh, ow = g.n, g.ih, g.iw, g.ic, g.oh, g.ow
    kh, kw, sh, sw, ph, pw = g.kh, g.kw, g.sh, g.sw, g.ph, g.pw
    params = [("batches", n), ("in_h", ih), ("in_w", iw), ("channels", c), ("out_h", oh), ("out_w", ow),
              ("k_h", kh), ("k_w", kw), ("stride_h", sh), ("stride_w", sw), ("pad_h", ph), ("pad_w", pw)]
    kernel = "eat_max_pool2d_f32" if op.opcode == "MAX_POOL_2D" else "eat_avg_pool2d_f32"
    return Lowered(op=op, kernel=kernel, header="eat/pooling_f32.h", params_type="eat_pool2d_f32_params_t",
                   params=[(k, str(v)) for k, v in params] + [("act_min", lo), ("act_max", hi)],
                   args=["&{p}", fptr("{in0}"), fptr("{out0}", False)], macs=n * oh * ow * c * kh * kw,
                   notes=[f"float32 {kh}x{kw} window, stride {sh}x{sw}, {g.padding_name} -> pad {ph},{pw}"])


LOWERINGS = {"FULLY_CONNECTED": lower_fc, "CONV_2D": lower_conv, "DEPTHWISE_CONV_2D": lower_depthwise,
             "MAX_POOL_2D": lower_pool, "AVERAGE_POOL_2D": lower_pool}
