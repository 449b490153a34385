"""The sparse step of the FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D lowerings: encode the
weights sparse, let the cost model choose, and switch the call to the zero-skipping kernel with
the folded bias and its window scratch when sparse wins."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from pipeline.compiler import columns, kernels, kernels_p8, kernels_sparse, sparse, sparse_cost
from pipeline.compiler.ops import Ctx, Lowered, sparse_2of4_weights, sparse_call, sparse_p8_weights
from pipeline.compiler.sparse_cost import LayerShape, costs

LAYOUTS = {"FULLY_CONNECTED": "non-zeros per output row, steps in input elements",
           "CONV_2D": "non-zeros per filter, steps in input elements of the window (row stride in_w*in_c)",
           "DEPTHWISE_CONV_2D": "non-zeros per output channel, steps in input pixels of the window"}


def apply(ctx: Ctx, lw: Lowered, w, bias, input_offset: int, g: dict | None = None,
          fc_shape: tuple[int, int, int] | None = None) -> Lowered:
    """`g`: the conv geometry (ops/conv.py, with fic and dm); `fc_shape`: (batches, in_depth, out_depth) for FC."""
    pre = ctx.prefix(lw.op)
    dense_const = table_only(_copy(lw), pre).const_bytes
    if ctx.weight_mode == sparse.SMALL:
        return _smallest(ctx, lw, w, bias, input_offset, g, fc_shape, dense_const)
    mode, per_call = ctx.weight_mode, ctx.weight_mode == sparse.SPARSE_PER_CALL
    ctx.weight_mode = "sparse" if per_call else mode   # sparse_per_call (tests): d4 forced, no rq tables
    try:   # (_apply rewrites lw in place)
        done = table_only(_apply(ctx, lw, w, bias, input_offset, g, fc_shape, per_call=per_call), pre)
    finally:
        ctx.weight_mode = mode
    choice = ctx.choices[-1]
    choice.dense_const_bytes, choice.chosen_const_bytes = dense_const, done.const_bytes
    return done


# The encodings `--weights small` weighs: each forced in turn (a format that does not fit falls back as auto)
SMALL_TRIALS = ("dense", "sparse", "2of4", "2of4r4", "p8", "columns")


def _copy(lw: Lowered) -> Lowered:
    """A copy a lowering step may rewrite (its lists are new; the arrays in them are replaced, never changed)."""
    return replace(lw, arrays=list(lw.arrays), params=list(lw.params), args=list(lw.args), notes=list(lw.notes))


def _smallest(ctx: Ctx, lw: Lowered, w, bias, input_offset: int, g: dict | None,
              fc_shape: tuple[int, int, int] | None, dense_const: int) -> Lowered:
    """--weights small: every encoding lowered in full on a copy (dense, d4 with its fastest walk, 2:4, p8),
    and of dense and those the cost model says beat dense by the margin, the one whose constants take the least
    flash as emitted (weights in its kernel's layout, index, bias and tables; a tie: the faster). The M0+ block
    walks and d4 rows FC take no rq table: they requantise from the op's arrays (sparse_call.switch_call rq_per_call)."""
    pre = ctx.prefix(lw.op)
    mode = ctx.weight_mode
    tried: dict[tuple[str, str], tuple[Lowered, sparse.LayerChoice]] = {}
    for trial in SMALL_TRIALS:
        ctx.weight_mode = trial
        try:
            done = table_only(_apply(ctx, _copy(lw), w, bias, input_offset, g, fc_shape, per_call=True), pre)
        finally:
            ctx.weight_mode = mode
        c = ctx.choices.pop()
        c.dense_const_bytes, c.chosen_const_bytes = dense_const, done.const_bytes
        tried.setdefault((c.encoding, done.kernel or ""), (done, c))
    dense_c = next(c for _, c in tried.values()).dense_cycles_est
    fit = [(d, c) for d, c in tried.values()
           if c.encoding == "dense" or _est(c) < dense_c * sparse_cost.MARGIN]
    done, choice = min(fit, key=lambda dc: (dc[1].chosen_const_bytes, _est(dc[1])))
    others = "; ".join(f"{c.encoding} {c.chosen_const_bytes:,} B est. {_est(c):,}" for d, c in tried.values()
                       if d is not done)
    trial_reason = choice.reason
    choice.reason = (f"--weights small: {choice.encoding} ({done.kernel}) takes {choice.chosen_const_bytes:,} B as "
                     f"emitted (dense {dense_const:,} B), est. {_est(choice):,} against dense {dense_c:,} "
                     f"(x{sparse_cost.MARGIN} margin); the others: {others}")
    notes = [n.replace(trial_reason, choice.reason) for n in done.notes]   # the C comment says why, as compile.json
    done.notes = notes if notes != done.notes else notes + [f"weights: {choice.reason}"]
    ctx.choices.append(choice)
    return done


def _est(c: sparse.LayerChoice) -> int:
    """The estimate of the encoding a choice took."""
    return c.dense_cycles_est if c.encoding == "dense" else c.sparse_cycles_est


def table_only(lw: Lowered, pre: str) -> Lowered:
    """`lw` without the op's per-channel multiplier and shift arrays (NULL in its params) when its kernel reads
    every row's requantisation from its own table (the M0+ p8 rows records; the rq tables of Variant.rq_table
    take their place in sparse_call.switch_call): they would be 8 B of flash per channel no code reads."""
    v = kernels.variant_named(lw.kernel or "")
    if v is None or v.layout != kernels_p8.M0_LAYOUT:
        return lw
    names = (pre + "mult", pre + "shift")
    lw.arrays = [a for a in lw.arrays if a.name not in names]
    lw.params = [(f, "NULL" if e in names else e) for f, e in lw.params]
    return lw


def _apply(ctx: Ctx, lw: Lowered, w, bias, input_offset: int, g: dict | None,
           fc_shape: tuple[int, int, int] | None, per_call: bool = False) -> Lowered:
    op = lw.op
    data = w.data
    if op.opcode == "FULLY_CONNECTED":
        batches, in_depth, out_depth = fc_shape
        params = dict(lw.params)
        geo = dict(batches=batches, in_depth=in_depth, out_depth=out_depth,
                   act_min=int(params["act_min"]), act_max=int(params["act_max"]))
    else:
        geo = g
    pick = min((_priced(ctx, lw, v, data, geo, fc_shape) for v in _variants(op.opcode, ctx.core, geo, data,
                None if bias is None else bias.data, input_offset)), key=lambda c: c.choice.sparse_cycles_est)
    variant, block, taps, enc, choice = pick.variant, pick.block, pick.taps, pick.enc, pick.choice
    no_tables = per_call   # --weights small (or sparse_per_call): the 2:4 step's kernels take no rq table either
    per_call = per_call and (variant.rq_table or variant.lane_starts)   # no tables: the kernel computes them
    variant = kernels.PER_CALL.get(variant.function, variant) if per_call else variant   # the block walks' _pc kernels
    axis = 3 if op.opcode == "DEPTHWISE_CONV_2D" else 0
    x_bias = (variant.input_bias or 128) if block else 0   # the block kernels read x + 128 (the M0+'s: x + 129)
    bias_offset = input_offset - x_bias
    folded = sparse.folded_bias(None if bias is None else bias.data, data, bias_offset, axis)
    if choice.encoding == sparse.KEY and folded is None:
        choice.encoding, choice.chosen_weight_bytes = "dense", choice.dense_weight_bytes
        choice.reason = "dense: the folded bias would leave int32"
    nm, _ = sparse_2of4_weights.candidate(ctx, op.opcode, data, geo)   # the 2:4 format, where it fits
    p8, _ = sparse_p8_weights.candidate(ctx, op.opcode, data, geo)     # FC (weight, position) pairs, where they fit
    cols, _ = columns.candidate(ctx, op.opcode, data, geo, choice.dense_cycles_est)   # empty input columns, gathered
    if cols is not None:
        rivals = [c.cycles_est for c in (nm, p8) if c is not None]
        if columns.decide(ctx.weight_mode, cols, choice, min(rivals) if rivals else None):
            ctx.choices.append(choice)
            return columns.apply(ctx, lw, data, bias, input_offset, geo, cols, choice)
    nm_ok = nm is not None and sparse_2of4_weights.decide(ctx.weight_mode, nm, choice)
    if p8 is not None and sparse_p8_weights.decide(ctx.weight_mode, p8, choice, nm.cycles_est if nm_ok else None):
        done = sparse_p8_weights.apply(ctx, lw, data, bias, input_offset, geo, p8, choice)
        if done is not None:
            ctx.choices.append(choice)
            return done
    if nm_ok:
        done = sparse_2of4_weights.apply(ctx, lw, data, bias, input_offset, geo, nm, choice, no_tables)
        if done is not None:
            ctx.choices.append(choice)
            return done
    ctx.choices.append(choice)
    choice.kernel = variant.function if choice.encoding == sparse.KEY else (lw.kernel or "")
    if choice.encoding != sparse.KEY:
        return lw
    pre = ctx.prefix(op)
    layout = ("non-zeros per filter, steps in im2col positions ((fy * k_w + fx) * in_c + ic)" if block
              else "non-zeros per channel, steps in kernel taps (fy * k_w + fx)" if taps else LAYOUTS[op.opcode])
    lw.weights = sparse.packed(enc, layout)
    lw.header = "eat/sparse.h"
    how = (f"bias + (input_offset ({input_offset}) - {x_bias}) * sum(w[c]): the kernel multiplies x + {x_bias}"
           if block else f"bias + input_offset ({input_offset}) * sum(w[c]), so the sparse kernel multiplies raw inputs")
    if op.opcode == "FULLY_CONNECTED":   # the M4 d4 rows walk reads p8's per-row table
        folded, how = sparse_p8_weights.row_table(lw, pre, variant, folded, geo, how)
    per_channel = tuple(a for a in range(data.ndim) if a != axis)   # the axes a channel's weights span
    if per_call and variant.lane_starts:   # the M4 block walks: lane starts and short table per call
        choice.sparse_cycles_est += int(sparse_cost.STARTS_PER_CALL_M4 * geo["oc"])
    elif per_call and variant.layout == sparse_call.BLOCK:   # the M0+ block walks prepare each channel's record per call
        choice.sparse_cycles_est += int(sparse_cost.RQ_PREPARE_M0 * geo["oc"])
    elif per_call and any(a.name == pre + "mult" for a in lw.arrays):   # the d4 rows FC: each row directly
        choice.sparse_cycles_est += int(sparse_cost.RQ_DIRECT_M0 * geo["out_depth"] * geo["batches"])
    tail = None
    if block and x_bias == 129:   # the M0+ block walks' two pixels per MULS: each channel's negative weights
        neg = np.sum(data.astype(np.int64) < 0, axis=per_channel)
        tail = (neg, "; then per channel its count of negative weights (the walk starts its odd pixels' sums there)")
    return sparse_call.switch_call(lw, variant, pre, folded, how, geo,
                                   f"weights {choice.sparsity:.1%} zeros -> {sparse.FORMAT}: {enc.bytes} B instead of "
                                   f"{data.size} B; {choice.reason}", dead=~np.any(data != 0, axis=per_channel),
                                   weight_sums=np.sum(data.astype(np.int64), axis=per_channel),
                                   rq_per_call=per_call, tail=tail,
                                   abs_sums=np.sum(np.abs(data.astype(np.int64)), axis=per_channel))


@dataclass
class _Priced:
    """One sparse variant with its encoding of the weights and the cost model's choice for it."""
    variant: kernels.Variant
    block: int              # pixels per walk of the block walks (layout "d4_im2col_block"), else 0
    taps: bool              # steps in kernel taps (layout "d4_taps": the plane walks)
    enc: sparse.Encoded
    choice: sparse.LayerChoice


def _priced(ctx: Ctx, lw: Lowered, variant: kernels.Variant, data: np.ndarray, g: dict,
            fc_shape: tuple[int, int, int] | None) -> _Priced:
    """Encode the weights as `variant` reads them and price it against dense (sparse.choose)."""
    op = lw.op
    block = variant.pixel_block if variant.layout == sparse_call.BLOCK else 0
    taps = variant.layout == "d4_taps"   # the plane walks decode steps in kernel taps once per channel
    plane = variant.pixel_block == 0 and costs(ctx.core).plane_out > 0   # the plane walk (sparse_plane_cycles)
    if op.opcode == "FULLY_CONNECTED":
        batches, _, out_depth = fc_shape
        channels = sparse.channels_fc(data)
        per_channel = any(a.name == ctx.prefix(op) + "mult" for a in lw.arrays)   # else one multiplier in params
        shape = LayerShape(op.opcode, batches, out_depth, 1, lw.macs, per_channel=per_channel)
    elif op.opcode == "CONV_2D":
        channels = (sparse.channels_conv(data, g["kw"], g["ic"], 1, 1) if block or taps else
                    sparse.channels_conv(data, sparse.window_width(g), g["ic"], g["dh"], g["dw"]))
        shape = LayerShape(op.opcode, g["n"] * g["oh"] * g["ow"], g["oc"], g["kh"] * g["kw"], lw.macs,
                           g["n"] * sparse.border_pixels(g), sparse.window_bytes(g), g["kh"] * g["kw"] * g["ic"],
                           sparse.plane_bytes(g), g["n"] * g["ic"], g["sw"], wmin=g.get("wmin", -128))
    else:
        channels = (sparse.channels_depthwise(data, g["kw"], 1, 1) if taps else
                    sparse.channels_depthwise(data, sparse.window_width(g), g["dh"], g["dw"]))
        shape = LayerShape(op.opcode, g["n"] * g["oh"] * g["ow"], g["oc"], g["kh"] * g["kw"], lw.macs,
                           g["n"] * sparse.border_pixels(g), sparse.window_bytes(g), 0,
                           sparse.plane_bytes(g), g["n"] * g["ic"], g["sw"], **sparse.dw_pair_fields(g))
    enc = sparse.encode(channels)
    choice = sparse.choose(ctx.weight_mode, ctx.core, op.opcode, data, enc, shape, op.index, op.layer,
                           block, kernels_sparse.DENSE_ONLY.get((op.opcode, ctx.core)), plane)
    return _Priced(variant, block, taps, enc, choice)


def _variants(opcode: str, core: str, geo: dict, w: np.ndarray, bias: np.ndarray | None,
              input_offset: int) -> list[kernels.Variant]:
    """The sparse variants to price: the first that applies, after any `by_cost` variants that apply before
    it (each taken only when estimated cheaper), skipping those whose accumulator lanes this layer could
    overflow (Variant.acc_limit against |bias| + max|x + input_offset| * sum|w| per channel; channels with no
    non-zero weight are rewritten to a small constant bias by sparse_call.constant_channels)."""
    out: list[kernels.Variant] = []
    for v in kernels.candidates(opcode, sparse.KEY, core):
        if not v.applies(geo):
            continue
        if v.acc_limit:
            b = np.zeros(1, np.int64) if bias is None else np.abs(np.asarray(bias, np.int64).reshape(-1))
            x_max = max(abs(-128 + input_offset), abs(127 + input_offset))
            sums = kernels.channel_abs_sums(opcode, w)
            b = np.where(sums == 0, 0, b)   # no non-zero weight: its bias becomes a small constant (sparse_call)
            if np.any(b + x_max * sums >= v.acc_limit):
                continue
        out.append(v)
        if not v.by_cost:
            return out
    return out + [kernels.select_variant(opcode, sparse.KEY, core, geo)]
