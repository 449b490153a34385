"""Kernel variants per core: what a fast kernel needs the compiler to prepare for it.

The registry maps (op, weight format, core) to variants in order of preference; the first whose
`applies(geometry)` holds and whose preparation is exact is used, else the next, and finally the
reference kernel of packing.KERNELS (the "generic" fallback every core gets). Dense, sparse and
per-core kernels are all variants here (kernels_registry.py); a weight format with no reference
kernel (sparse) has its portable kernels as "generic" variants. A variant declares:
- fold_input_offset: the compiler adds input_offset * sum(weights of channel c) to bias[c] (exact
  in int32: checked at compile time, otherwise the variant is skipped), so the kernel accumulates
  raw int8 x int8 products; out-of-bounds (padding) taps must then read the input zero point.
- layout: a name in LAYOUTS, the order the kernel reads the weights in (reordered at compile time).
- scratch(geometry) -> bytes planned in the arena for the call (im2col, accumulators).
- clamp_bounds: (sparse kernels) the bias array is followed by per-channel accumulator bounds
  lo[oc], hi[oc] outside which the output is the activation clamp (compiler/clamp_bounds.py).
- header: the header declaring the function when it is not the op family's (the generated model.c
  includes it).
- acc_limit: (sparse kernels) the kernel holds accumulators in narrower lanes; the lowering takes the
  next variant when a channel's |bias| + max|x + input_offset| * sum|w| reaches it.
- pixel_block: output pixels whose inputs are read in place before all of them are written; the
  planner's input/output overlap is widened by (pixel_block - 1) * out_c bytes to stay safe; 0: the
  kernel writes some outputs before it has read every input (channel outer), so no overlap at all.
- lane_starts: (the M4 block walks) the bias array ends with each channel's 64-bit start of its two
  24-bit lanes (ops/sparse_call.py lane_starts), so the kernel does not sum the weights per call.
- by_cost: (sparse kernels) an alternative to the variants after it: the lowering prices it and the next
  applicable variant with the cost model (sparse_cost.py) and takes the cheaper for this layer's weights.
- short_flag: (the RV32 block walks) the bias array ends with one word: 1 when every channel's |bias| + 255 *
  sum|w| (its sums of x + 128 in [0, 255]) stays under the short requantisation's 2^29 (ops/sparse_call.py
  short_flag), so the kernel need not pass over the weights per call to know it.
The C function of a variant has the reference kernel's signature and parameter struct.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Mapping

import numpy as np

from pipeline.compiler import clamp_bounds, fixedpoint
from pipeline.compiler.packing import PackedWeights, select_kernel

Geometry = Mapping[str, int]
INT32_MAX = (1 << 31) - 1
RQ_BYTES = 24            # sizeof(eat_rq_t), eat/requant_pc.h: per-channel requantisation constants


def _natural(op: str, w: np.ndarray, geo: Geometry) -> tuple[np.ndarray, str]:
    return np.ascontiguousarray(w, dtype=np.int8).reshape(-1), ""


def _rows_k4_swapped(op: str, w: np.ndarray, geo: Geometry) -> tuple[np.ndarray, str]:
    """Each output channel's row of K weights, bytes 1 and 2 of every 4-byte group swapped, so that
    SXTB16 (bytes 0, 2) and SXTB16 ROR 8 (bytes 1, 3) give the pairs (w0, w1) and (w2, w3) in the
    natural order of an int16 input column; a tail of K % 4 bytes is left as is."""
    rows = np.ascontiguousarray(w, dtype=np.int8).reshape(w.shape[0], -1).copy()
    k4 = rows.shape[1] // 4 * 4
    g = rows[:, :k4].reshape(rows.shape[0], -1, 4)
    rows[:, :k4] = g[:, :, [0, 2, 1, 3]].reshape(rows.shape[0], -1)
    return rows.reshape(-1), ("bytes 1 and 2 of each 4-byte group swapped so that SXTB16 / SXTB16 ROR 8 "
                              "yield (w0, w1), (w2, w3) in input order")


def _oc2_k4_interleaved(op: str, w: np.ndarray, geo: Geometry) -> tuple[np.ndarray, str]:
    """Rows (output channels) zero-padded to a multiple of 4 weights and to an even count; each pair of
    rows interleaved 4 bytes at a time (row c, row c + 1, ...), bytes 1 and 2 of each group swapped as in
    rows_k4_swapped: the kernel reads one pair's 8 bytes with one LDRD, the pair block stays 8-aligned."""
    rows = np.ascontiguousarray(w, dtype=np.int8).reshape(w.shape[0], -1)
    oc, k = rows.shape
    k4, oc2 = (k + 3) // 4 * 4, oc + (oc & 1)
    padded = np.zeros((oc2, k4), np.int8)
    padded[:oc, :k] = rows
    g = padded.reshape(oc2 // 2, 2, k4 // 4, 4)[:, :, :, [0, 2, 1, 3]]
    out = g.transpose(0, 2, 1, 3).reshape(-1)
    return out, (f"rows padded to {k4} weights x {oc2} channels with zeros, pairs of rows interleaved 4 bytes "
                 "at a time, bytes 1 and 2 of each group swapped (SXTB16 / SXTB16 ROR 8 give (w0, w1), (w2, w3))")


def _oc4_k2_w16(op: str, w: np.ndarray, geo: Geometry) -> tuple[np.ndarray, str]:
    """Rows (filters) zero-padded to K4 = K rounded up to 4 and to a multiple of 4 filters, as int16 bytes
    (little-endian) [oc4/4][K4/2][4][2]: per block of 4 filters, per pair of k, the 4 filters' (k, k + 1)."""
    rows = np.ascontiguousarray(w, dtype=np.int8).reshape(w.shape[0], -1)
    oc, k = rows.shape
    k4, oc4 = (k + 3) // 4 * 4, (oc + 3) // 4 * 4
    padded = np.zeros((oc4, k4), "<i2")
    padded[:oc, :k] = rows
    blocks = padded.reshape(oc4 // 4, 4, k4 // 2, 2).transpose(0, 2, 1, 3)
    return (np.ascontiguousarray(blocks).view(np.int8).reshape(-1),
            f"as int16, filters padded to {k4} weights x {oc4} filters with zeros, blocks of 4 filters, "
            "per pair of k the 4 filters' (k, k + 1): one LDRD per 2 filters x 2 k")


def _dw_c4_taps(op: str, w: np.ndarray, geo: Geometry) -> tuple[np.ndarray, str]:
    """DEPTHWISE [1][H][W][C] -> channels in blocks of 4 (zero-padded), each block's taps together:
    [C/4][H*W][4]; the kernel reads one aligned word per tap, walking the block's weights in order."""
    taps = np.ascontiguousarray(w, dtype=np.int8).reshape(-1, w.shape[-1])
    t, c = taps.shape
    c4 = (c + 3) // 4 * 4
    padded = np.zeros((t, c4), np.int8)
    padded[:, :c] = taps
    return (padded.reshape(t, c4 // 4, 4).transpose(1, 0, 2).reshape(-1),
            f"channels zero-padded to {c4} and regrouped [C/4][k_h*k_w][4]: each block of 4 channels' taps in read order")


def _dw_c4_taps_w16(op: str, w: np.ndarray, geo: Geometry) -> tuple[np.ndarray, str]:
    """DEPTHWISE [1][H][W][C] (C a multiple of 4) -> [C/4][H*W][4] int16 (w_c0, w_c2, w_c1, w_c3), as bytes
    (little-endian): per tap the two words SXTB16 / SXTB16 ROR 8 of the 4 channels' weights would give."""
    taps = np.ascontiguousarray(w, dtype=np.int8).reshape(-1, w.shape[-1])
    t, c = taps.shape
    if c % 4:
        raise ValueError("dw_c4_taps_w16 needs a multiple of 4 channels")
    blocks = taps.reshape(t, c // 4, 4)[:, :, [0, 2, 1, 3]].transpose(1, 0, 2).astype("<i2")
    return (np.ascontiguousarray(blocks).view(np.int8).reshape(-1),
            "channels regrouped [C/4][k_h*k_w][4] as int16 (c0, c2, c1, c3): one LDRD per tap, no SXTB16 of weights")


def _rows4_k4_interleaved(op: str, w: np.ndarray, geo: Geometry) -> tuple[np.ndarray, str]:
    """FC [out][in] (in a multiple of 4): rows zero-padded to a multiple of 4, each block of 4 rows
    interleaved 4 bytes at a time (r0[k..k+3], r1[k..k+3], r2.., r3..): one stream the kernel walks."""
    rows = np.ascontiguousarray(w, dtype=np.int8).reshape(w.shape[0], -1)
    o, k = rows.shape
    o4 = (o + 3) // 4 * 4
    padded = np.zeros((o4, k), np.int8)
    padded[:o] = rows
    out = padded.reshape(o4 // 4, 4, k // 4, 4).transpose(0, 2, 1, 3).reshape(-1)
    return out, f"rows zero-padded to {o4}, blocks of 4 rows interleaved 4 bytes at a time"


def _rows8_u16_pairs(op: str, w: np.ndarray, geo: Geometry) -> tuple[np.ndarray, str]:
    """FC [out][in] / CONV OHWI as rows of K: w' = w + 128 (0..255), rows zero-padded to a multiple of 8
    and K to a multiple of 4; per block of 8 rows and per k, four little-endian words
    w'[2j][k] | w'[2j+1][k] << 16 (j = 0..3): eat_armv6m_gemv8u_s8 multiplies one by an input byte."""
    rows = np.asarray(w, np.int64).reshape(w.shape[0], -1)
    o, k = rows.shape
    o8, k4 = (o + 7) // 8 * 8, (k + 3) // 4 * 4
    wp = np.zeros((o8, k4), np.uint32)
    wp[:o, :k] = rows + 128
    g = wp.reshape(o8 // 8, 4, 2, k4)
    words = (g[:, :, 0, :] | (g[:, :, 1, :] << 16)).transpose(0, 2, 1)
    return (np.ascontiguousarray(words).astype("<u4").view(np.int8).reshape(-1),
            f"w + 128 as unsigned bytes, rows padded to {o8} and K to {k4}; per block of 8 rows and per k four "
            "32-bit words w'[2j] | w'[2j+1] << 16 (two products per MULS)")


def _c1_pairs(op: str, w: np.ndarray, geo: Geometry) -> tuple[np.ndarray, str]:
    """CONV OHWI with in_c 1 as [out][taps]: channels paired (an odd last one with zeros), per pair and tap one
    little-endian word w[2j][t] + 2^16 w[2j+1][t] (eat_conv2d_s8_c1_armv6m multiplies it by x + 129)."""
    rows = np.asarray(w, np.int64).reshape(w.shape[0], -1)
    o, t = rows.shape
    pairs = np.zeros(((o + 1) // 2 * 2, t), np.int64)
    pairs[:o] = rows
    words = (pairs[0::2] + (pairs[1::2] << 16)) & 0xFFFFFFFF
    return (np.ascontiguousarray(words).astype("<u4").view(np.int8).reshape(-1),
            f"channels in pairs ({(o + 1) // 2}), per tap one word w[2j] + 2^16 w[2j+1] (two products per MULS)")


LAYOUTS: dict[str, Callable[[str, np.ndarray, Geometry], tuple[np.ndarray, str]]] = {
    "natural": _natural,
    "rows_k4_swapped": _rows_k4_swapped,
    "oc2_k4_interleaved": _oc2_k4_interleaved,
    "dw_c4_taps": _dw_c4_taps,
    "oc4_k2_w16": _oc4_k2_w16,
    "dw_c4_taps_w16": _dw_c4_taps_w16,
    "rows4_k4_interleaved": _rows4_k4_interleaved,
    "rows8_u16_pairs": _rows8_u16_pairs,
    "c1_pairs": _c1_pairs,
}


def channel_sums(op: str, w: np.ndarray) -> np.ndarray:
    """sum(weights) per output channel, in int64: FC [out][in], CONV OHWI, DEPTHWISE [1][H][W][out]."""
    w64 = np.asarray(w, dtype=np.int64)
    if op == "DEPTHWISE_CONV_2D":
        return w64.reshape(-1, w64.shape[-1]).sum(axis=0)
    return w64.reshape(w64.shape[0], -1).sum(axis=1)


def channel_abs_sums(op: str, w: np.ndarray) -> np.ndarray:
    w64 = np.abs(np.asarray(w, dtype=np.int64))
    if op == "DEPTHWISE_CONV_2D":
        return w64.reshape(-1, w64.shape[-1]).sum(axis=0)
    return w64.reshape(w64.shape[0], -1).sum(axis=1)


@dataclass(frozen=True)
class Variant:
    function: str                                   # C function (same signature as the reference)
    source: str                                     # runtime file, named in the generated comment
    why: str                                        # one line for the generated comment
    applies: Callable[[Geometry], bool] = lambda g: True
    fold_input_offset: bool = False
    layout: str = "natural"
    scratch: Callable[[Geometry], int] = lambda g: 0
    pixel_block: int = 1
    header: str | None = None
    clamp_bounds: bool = False
    input_bias: int = 0     # the kernel multiplies x + input_bias (128: unsigned bytes): folds input_offset - this
    acc_limit: int = 0      # sparse: every channel's |bias| + max|x + input_offset| * sum|w| stays below it (0: none)
    by_cost: bool = False   # sparse: taken only when estimated cheaper than the next applicable variant
    rq_table: bool = False  # the bias array ends with each channel's eat_armv6m_rq_t (9 int32, after the bounds); block walks: then the output stage mode word
    lane_starts: bool = False   # the bias array ends (after the bounds) with each channel's 64-bit lane start (sparse_call.lane_starts)
    short_flag: bool = False    # the bias array ends (after the bounds) with the short-form word (sparse_call.short_flag)


@dataclass
class Prepared:
    """What the lowering emits for the chosen kernel."""
    kernel: str
    weights: PackedWeights
    bias: np.ndarray | None          # int64 values for an int32 array; None: the kernel gets NULL
    bias_comment: str
    scratch_bytes: int = 0
    pixel_block: int = 1
    notes: list[str] = field(default_factory=list)


# (op, weight format, core) -> variants, most preferred first. Filled by register().
VARIANTS: dict[tuple[str, str, str], list[Variant]] = {}


def register(op: str, fmt: str, cores: tuple[str, ...], variant: Variant) -> None:
    for core in cores:
        VARIANTS.setdefault((op, fmt, core), []).append(variant)


def candidates(op: str, fmt: str, core: str) -> list[Variant]:
    """The variants for (op, format, core), most preferred first, then the portable ("generic") ones."""
    return VARIANTS.get((op, fmt, core), []) + (VARIANTS.get((op, fmt, "generic"), []) if core != "generic" else [])


def select_variant(op: str, fmt: str, core: str, geo: Geometry) -> Variant:
    """The first variant that applies to `geo` (sparse formats: they have no reference kernel)."""
    for v in candidates(op, fmt, core):
        if v.applies(geo):
            return v
    raise KeyError(f"no kernel for {op} with {fmt} weights on {core}")


# base function -> its counterpart without the compiler's tables (`--weights small`: the block walks compute them
# per call). Never a candidate on its own: ops/sparse_weights.py swaps it in. Filled by register_per_call().
PER_CALL: dict[str, Variant] = {}


def register_per_call(base: str, variant: Variant) -> None:
    PER_CALL[base] = variant


def variant_named(function: str) -> Variant | None:
    for variants in [*VARIANTS.values(), list(PER_CALL.values())]:
        for v in variants:
            if v.function == function:
                return v
    return None


def kernel_header(function: str) -> str | None:
    """The header declaring a variant's C function, when it is not its op family's."""
    v = variant_named(function)
    return v.header if v else None


def fold_bias(op: str, w: np.ndarray, bias: np.ndarray | None, input_offset: int) -> np.ndarray | None:
    """bias[c] + input_offset * sum(w[c]) as int64, or None when an accumulator could leave int32.

    The kernel starts at this value and adds raw products x * w (|x| <= 128), so the bound checked is
    |folded| + 128 * sum|w| (every partial sum) and the reference's own |bias| + 255 * sum|w|."""
    sums = channel_sums(op, w)
    b = np.zeros(sums.shape, np.int64) if bias is None else np.asarray(bias, np.int64).reshape(-1)
    folded = b + int(input_offset) * sums
    abs_sums = channel_abs_sums(op, w)
    if np.any(np.abs(folded) + 128 * abs_sums > INT32_MAX) or np.any(np.abs(b) + 255 * abs_sums > INT32_MAX):
        return None
    return folded


def prepare(op: str, packed: PackedWeights, core: str, geo: Geometry, w: np.ndarray, bias: np.ndarray | None,
            bias_name: str | None, input_offset: int) -> Prepared:
    """The first variant for (op, format, core), then (op, format, "generic"), that applies exactly;
    else the reference kernel with the weights and bias as they are."""
    notes: list[str] = []
    ref_bias_comment = f"bias '{bias_name}'" if bias_name else "no bias"
    for v in candidates(op, packed.key, core):
        if not v.applies(geo):
            continue
        b = bias
        comment = ref_bias_comment
        if v.fold_input_offset:
            folded = fold_bias(op, w, bias, input_offset - v.input_bias)
            if folded is None:
                notes.append(f"{v.function} skipped: folding input_offset * sum(w) into the bias could "
                             "overflow int32")
                continue
            b = folded
            comment = (f"{ref_bias_comment} + input_offset ({input_offset}) * sum of the channel's weights, "
                       f"folded at compile time for {v.function} (exact: every partial sum fits int32)")
            if v.input_bias:
                comment = (f"{ref_bias_comment} + (input_offset ({input_offset}) - {v.input_bias}) * sum of the "
                           f"channel's weights, folded at compile time: {v.function} multiplies x + {v.input_bias}")
        data, how = LAYOUTS[v.layout](op, w, geo)
        layout = packed.layout + (f"; {how}" if how else "")
        notes.append(f"kernel {v.function} ({v.source}): {v.why}")
        return Prepared(v.function, replace(packed, data=data, layout=layout),
                        None if b is None else np.asarray(b, np.int64).reshape(-1), comment,
                        int(v.scratch(geo)), v.pixel_block, notes)
    return Prepared(select_kernel(op, packed.key, core), packed,
                    None if bias is None else np.asarray(bias, np.int64).reshape(-1), ref_bias_comment, 0, 1, notes)


def prepare_with_tables(op: str, packed: PackedWeights, core: str, geo: Geometry, w: np.ndarray, bias,
                        input_offset: int, mults: np.ndarray, shifts: np.ndarray, out_zp: int) -> Prepared:
    """kernels.prepare for a dense CONV_2D / DEPTHWISE_CONV_2D, with the tables its kernel's bias array carries:
    a kernel with clamp_bounds gets each channel's accumulator bounds after the bias (compiler/clamp_bounds.py),
    one with rq_table then each channel's prepared requantisation (`bias`: the tensor, or None)."""
    prep = prepare(op, packed, core, geo, w, None if bias is None else bias.data,
                   None if bias is None else bias.name, input_offset)
    variant = variant_named(prep.kernel)
    if variant is not None and variant.clamp_bounds:   # bias[oc], then lo[oc], hi[oc] (compiler/clamp_bounds.py)
        base = prep.bias if prep.bias is not None else np.zeros(geo["oc"], np.int64)
        prep.bias, prep.bias_comment = clamp_bounds.with_bounds(
            base, mults, shifts, out_zp, geo["act_min"], geo["act_max"], prep.bias_comment)
        if variant.rq_table:           # then each channel's prepared requantisation
            table, note = fixedpoint.armv6m_rq_table(mults, shifts, out_zp)
            prep.bias, prep.bias_comment = np.concatenate([prep.bias, np.array(table, np.int64)]), prep.bias_comment + note
    return prep


from pipeline.compiler import kernels_2of4, kernels_p8, kernels_registry, kernels_rv32, kernels_sparse  # noqa: E402,F401,I001  (register the variants)
