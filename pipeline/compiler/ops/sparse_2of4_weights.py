"""The 2:4 step of the FULLY_CONNECTED / CONV_2D sparse lowering: when a layer's weights fit
EAT_WEIGHTS_SPARSE_2OF4 (or its shared-mask form EAT_WEIGHTS_SPARSE_2OF4_R4) and a kernel applies, estimate
it beside dense and d4, and switch the call to the 2:4 kernel (folded bias, bounds, negative counts,
scratch) when it is the fastest."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.compiler import kernels, sparse, sparse_2of4, sparse_2of4_r4
from pipeline.compiler.kernels import Variant
from pipeline.compiler.ops import Ctx, Lowered, sparse_call
from pipeline.compiler.sparse import LayerChoice

FORCE = "2of4"   # weights mode (sparse.MODES): the 2:4 format wherever it fits and a kernel applies
FORCE_R4 = "2of4r4"   # the same for the shared-mask format


@dataclass(frozen=True)
class Candidate:
    variant: Variant
    enc: sparse_2of4.Encoded2of4 | sparse_2of4_r4.EncodedR4
    cycles_est: int

    @property
    def shared(self) -> bool:
        """The shared-mask format (sparse_2of4_r4)."""
        return isinstance(self.enc, sparse_2of4_r4.EncodedR4)

    @property
    def label(self) -> str:
        return (sparse_2of4_r4 if self.shared else sparse_2of4).LABEL


def candidate(ctx: Ctx, opcode: str, data: np.ndarray, geo: dict) -> tuple[Candidate | None, str]:
    """The 2:4 candidate for this layer, or None and why not."""
    if opcode == "DEPTHWISE_CONV_2D":
        return _candidate_dw(ctx, data, geo)
    if opcode not in ("FULLY_CONNECTED", "CONV_2D"):
        return None, ""
    rows = sparse_2of4.rows_of(opcode, data)
    if opcode == "FULLY_CONNECTED":
        pixels, out_c, gathered = geo["batches"], geo["out_depth"], geo["in_depth"]
    else:
        pixels, out_c, gathered = geo["n"] * geo["oh"] * geo["ow"], geo["oc"], geo["kh"] * geo["kw"] * geo["ic"]
    found, whys = [], []
    formats = {FORCE: (sparse_2of4,), FORCE_R4: (sparse_2of4_r4,)}.get(ctx.weight_mode, (sparse_2of4, sparse_2of4_r4))
    for fmt in formats:
        why = fmt.misfit(rows)
        if why:
            whys.append(f"not {fmt.LABEL}: {why}")
            continue
        try:
            variant = kernels.select_variant(opcode, fmt.KEY, ctx.core, geo)
        except KeyError:
            whys.append(f"not {fmt.LABEL}: no kernel for this geometry")
            continue
        if fmt is sparse_2of4_r4:
            enc = sparse_2of4_r4.encode(rows, sparse_2of4_r4.layout_of(variant.layout))
            walk = sparse_2of4_r4.walk_of(variant.function)
            est = sparse_2of4_r4.cycles(ctx.core, pixels, out_c, enc.k8, gathered, walk)
        else:
            enc = sparse_2of4.encode(rows)
            est = sparse_2of4.cycles(ctx.core, pixels, out_c, enc.k8, sparse_2of4.walk_of(variant.function))
        found.append(Candidate(variant, enc, est))
    if not found:
        return None, "; ".join(whys)
    return min(found, key=lambda c: (c.cycles_est, c.enc.bytes)), ""   # both fit (2:4x4 is also 2:4): the cheaper


def _candidate_dw(ctx: Ctx, data: np.ndarray, geo: dict) -> tuple[Candidate | None, str]:
    """DEPTHWISE_CONV_2D: the per-tap 2:4 records (sparse_2of4.encode_dw), when every group of 4 taps fits."""
    rows = sparse_2of4.rows_dw(data)
    why = sparse_2of4.misfit_dw(rows)
    if why:
        return None, f"not 2:4: {why}"
    try:
        variant = kernels.select_variant("DEPTHWISE_CONV_2D", sparse_2of4.KEY_DW, ctx.core, geo)
    except KeyError:
        return None, "not 2:4: no kernel for this geometry"
    enc = sparse_2of4.encode_dw(rows)
    nz = (rows != 0).sum(axis=1)
    est = sparse_2of4.cycles_dw(ctx.core, sparse_2of4.walk_of(variant.function), geo, nz)
    return Candidate(variant, enc, est), ""


def decide(mode: str, c: Candidate, choice: LayerChoice) -> bool:
    """Whether the 2:4 format replaces the choice already made (dense or d4): sparse.replaces (rows of 1 or
    2 weights, padded to 8 in 5 bytes, are not smaller than dense)."""
    return sparse.replaces(c.label, FORCE_R4 if c.shared else FORCE, mode, c.enc.bytes, c.cycles_est, choice)


def apply(ctx: Ctx, lw: Lowered, data: np.ndarray, bias, input_offset: int, geo: dict, c: Candidate,
          choice: LayerChoice, per_call: bool = False) -> Lowered | None:
    """Switch `lw` to the 2:4 kernel; None (choice unchanged) when the folded bias would leave int32. `per_call`
    (`--weights small`): a kernel that reads the compiler's rq table (the M0+ 2:4x4 walk) gets none and
    requantises from the op's multiplier and shift."""
    v = c.variant
    dw = lw.op.opcode == "DEPTHWISE_CONV_2D"
    folded = sparse.folded_bias(None if bias is None else bias.data, data, input_offset - v.input_bias, 3 if dw else 0)
    if folded is None:
        choice.reason += "; 2:4 skipped: the folded bias would leave int32"
        return None
    dense_c = choice.dense_cycles_est
    how = (f"bias + (input_offset ({input_offset}) - {v.input_bias}) * sum(w[c]): the kernel multiplies "
           f"x + {v.input_bias}" if v.input_bias else
           f"bias + input_offset ({input_offset}) * sum(w[c]), so the kernel multiplies raw inputs")
    shared = " in every block of 4 channels" if c.shared else ""
    choice.reason = (f"{choice.sparsity:.0%} zeros, at most 2 per group of 4{shared}: {c.label} est. "
                     f"{c.cycles_est:,} vs dense {dense_c:,} ({c.cycles_est / max(dense_c, 1):.2f}x), d4 "
                     f"{choice.sparse_cycles_est:,} on "
                     f"{ctx.core}; {c.enc.bytes:,} B vs {choice.dense_weight_bytes:,} B"
                     + (f" (forced {c.label})" if ctx.weight_mode in (FORCE, FORCE_R4) else ""))
    fmt = sparse_2of4_r4 if c.shared else sparse_2of4
    fmt_name = sparse_2of4_r4.FORMATS[c.enc.layout] if c.shared else sparse_2of4.FORMAT
    choice.encoding, choice.chosen_weight_bytes = (sparse_2of4.KEY_DW if dw else fmt.KEY), c.enc.bytes
    choice.sparse_cycles_est, choice.kernel = c.cycles_est, v.function
    pre = ctx.prefix(lw.op)
    lw.weights = sparse_2of4.packed_dw(c.enc) if dw else fmt.packed(c.enc)
    lw.header = "eat/sparse_2of4.h"
    tail = None
    if c.enc.neg is not None and v.input_bias == 129:   # the per-channel format's M0+ walk (two pixels per MULS)
        tail = (c.enc.neg, "; then neg[oc], the channel's negative weights (the M0+ walk's high halves are short by "
                           "one per negative weight: runtime/src/armv6m/sparse_2of4_armv6m.c)")
    return sparse_call.switch_call(lw, v, pre, folded, how, geo,
                                   f"weights {choice.sparsity:.1%} zeros -> "
                                   f"{sparse_2of4.FORMAT_DW if dw else fmt_name}: {c.enc.bytes} B "
                                   f"instead of {data.size} B; {choice.reason}", tail, rq_per_call=per_call)
