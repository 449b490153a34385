"""The p8 step of the FULLY_CONNECTED sparse lowering: when a layer's weights fit EAT_WEIGHTS_SPARSE_P8 and a
kernel applies, estimate it beside dense, d4 and 2:4, and switch the call to the p8 kernel (folded bias,
bounds and requantisation tables where the kernel reads them) when it is the fastest."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.compiler import kernels, kernels_p8, sparse, sparse_p8
from pipeline.compiler.kernels import Variant
from pipeline.compiler.ops import Ctx, Lowered, sparse_call
from pipeline.compiler.sparse import LayerChoice

FORCE = "p8"   # weights mode (sparse.MODES): the p8 format wherever it fits and a kernel applies


@dataclass(frozen=True)
class Candidate:
    variant: Variant
    enc: sparse_p8.EncodedP8
    cycles_est: int


def candidate(ctx: Ctx, opcode: str, data: np.ndarray, geo: dict) -> tuple[Candidate | None, str]:
    """The p8 candidate for this layer, or None and why not."""
    if opcode != "FULLY_CONNECTED":
        return None, ""
    why = sparse_p8.misfit(data)
    if why:
        return None, f"not p8: {why}"
    try:
        variant = kernels.select_variant(opcode, sparse_p8.KEY, ctx.core, geo)
    except KeyError:
        return None, "not p8: no kernel for this geometry"
    enc = sparse_p8.encode(data)
    est = sparse_p8.cycles(ctx.core, geo["batches"], geo["out_depth"], enc.nonzeros, sparse_p8.walk_of(variant.function),
                           enc.segments)
    return Candidate(variant, enc, est), ""


def decide(mode: str, c: Candidate, choice: LayerChoice, other_est: int | None = None) -> bool:
    """Whether p8 replaces the choice made so far (dense, d4, or a 2:4 estimated at `other_est`):
    sparse.replaces."""
    return sparse.replaces("p8", FORCE, mode, c.enc.bytes, c.cycles_est, choice, other_est)


def apply(ctx: Ctx, lw: Lowered, data: np.ndarray, bias, input_offset: int, geo: dict, c: Candidate,
          choice: LayerChoice) -> Lowered | None:
    """Switch `lw` to the p8 kernel; None (choice unchanged) when the folded bias would leave int32."""
    v = c.variant
    folded = sparse.folded_bias(None if bias is None else bias.data, data, input_offset, 0)
    if folded is None:
        choice.reason += "; p8 skipped: the folded bias would leave int32"
        return None
    dense_c = choice.dense_cycles_est
    d4 = (f"d4 {choice.sparse_cycles_est:,} ({choice.sparse_weight_bytes:,} B)" if choice.encoding == sparse.KEY
          else f"d4 not chosen ({choice.sparse_cycles_est:,})")
    choice.reason = (f"{choice.sparsity:.0%} zeros: p8 est. {c.cycles_est:,} vs dense {dense_c:,} "
                     f"({c.cycles_est / max(dense_c, 1):.2f}x), {d4} on {ctx.core}; {c.enc.bytes:,} B vs "
                     f"{choice.dense_weight_bytes:,} B" + (" (forced p8)" if ctx.weight_mode == FORCE else ""))
    choice.encoding, choice.chosen_weight_bytes = sparse_p8.KEY, c.enc.bytes
    choice.sparse_cycles_est, choice.kernel = c.cycles_est, v.function
    pre = ctx.prefix(lw.op)
    lw.weights = sparse_p8.packed(c.enc)
    lw.header = "eat/sparse_p8.h"
    how = f"bias + input_offset ({input_offset}) * sum(w[c]), so the kernel multiplies raw inputs"
    folded, how = row_table(lw, pre, v, folded, geo, how)
    return sparse_call.switch_call(lw, v, pre, folded, how, geo,
                                   f"weights {choice.sparsity:.1%} zeros -> {sparse_p8.FORMAT}: {c.enc.bytes} B "
                                   f"instead of {data.size} B; {choice.reason}")


def row_table(lw: Lowered, pre: str, v: Variant, folded: np.ndarray, geo: dict, how: str) -> tuple[np.ndarray, str]:
    """The FC row walks' bias array for `v` (p8's, and the M4 d4 walk's, which shares its output stage): the folded
    bias as it is, or the per-row table of its layout (sparse_p8.m4_table / m0_table) and what `how` says of it."""
    if v.layout not in (kernels_p8.M0_LAYOUT, kernels_p8.M4_LAYOUT):
        return folded, how
    arr = {a.name: a.values for a in lw.arrays}
    params = dict(lw.params)
    n = len(folded)
    mults = arr.get(pre + "mult", np.full(n, int(params["output_multiplier"]), np.int64))
    shifts = arr.get(pre + "shift", np.full(n, int(params["output_shift"]), np.int64))
    off = int(params["output_offset"])
    if v.layout == kernels_p8.M4_LAYOUT:
        return (sparse_p8.m4_table(folded, mults, shifts, off, geo["in_depth"]),
                how + ("; per row [bias, m, L, negmask, c, r]: fc_armv7em.h's short requantisation prepared at compile "
                       "time (L = 0: the row takes the general one)"))
    return (sparse_p8.m0_table(folded, mults, shifts, off, geo["act_min"], geo["act_max"]),
            how + ("; per row [bias, flo, fhi, lo, hi, eat_armv6m_rq_t (9 words)]: the fast requantisation's range, "
                   "the accumulator bounds and the row's constants (eat_armv6m_rq_prepare at compile time)"))
