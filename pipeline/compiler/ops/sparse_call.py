"""Switch a lowered FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D call to a sparse kernel (d4 or 2:4):
the folded bias array (with the accumulator bounds a clamping variant reads), its scratch and notes."""

from __future__ import annotations

import numpy as np

from pipeline.compiler import clamp_bounds, fixedpoint
from pipeline.compiler.kernels import Variant
from pipeline.compiler.ops import CArray, Lowered


def switch_call(lw: Lowered, variant: Variant, pre: str, folded: np.ndarray, how: str, geo: dict | None,
                weights_note: str, tail: tuple[np.ndarray, str] | None = None,
                dead: np.ndarray | None = None, weight_sums: np.ndarray | None = None,
                rq_per_call: bool = False, abs_sums: np.ndarray | None = None) -> Lowered:
    """`lw` calling `variant` with `folded` as its bias: followed by each channel's accumulator bounds
    when the variant clamps (`geo` has act_min/act_max), then `tail` (an array and its note) if given;
    `how` says where the bias came from and `weights_note` what the weights became. `dead`: the output
    channels with no non-zero weight (their accumulator is the folded bias): a clamping variant gets them as
    a small constant (constant_channels) in its rq table or in the op's per-channel multiplier and shift arrays
    (a dead channel's bias, often ~2^30 from its tiny weight scale, leaves the narrow lanes and the short
    requantisation: the M4 plane walk requantised each of its outputs the general way). `rq_per_call`
    (`--weights small`): a variant with an rq table gets none; its kernel requantises from the op's multiplier and
    shift arrays (36 B of flash per channel fewer): the M0+ block walks prepare every channel's record per call
    into scratch (their _pc kernels, kernels.PER_CALL; conv2d_sparse_block_armv6m.h), the d4 rows FC computes each
    row's directly; the M4 block walks' _pc kernels (Variant.lane_starts) compute their lane starts and short
    requantisation table per call from the bias and one word per channel (16 B of flash per channel fewer).
    A variant that reads a table gets it in place of the op's multiplier and shift arrays (NULL in its params).
    `abs_sums`: each channel's sum |w| (Variant.short_flag)."""
    lw.kernel = variant.function
    lw.arrays = [a for a in lw.arrays if a.name != pre + "bias"]
    if variant.clamp_bounds:
        assert geo is not None, "a clamping variant needs the activation range"
        arr = {a.name: a.values for a in lw.arrays}
        params = dict(lw.params)
        if pre + "mult" in arr:
            mults, shifts = arr[pre + "mult"], arr[pre + "shift"]
        else:   # per-tensor (FULLY_CONNECTED): the one multiplier and shift for every channel
            mults = np.full(len(folded), int(params["output_multiplier"]), np.int64)
            shifts = np.full(len(folded), int(params["output_shift"]), np.int64)
        # a per-tensor FC (the d4 rows walk) prepares its one record per call, any mode (a zero multiplier: the table)
        tensor = pre + "mult" not in arr and int(params.get("output_multiplier", "0")) != 0
        table = variant.rq_table and not rq_per_call and not tensor   # the kernel reads the compiler's rq table
        if (table or pre + "mult" in arr) and dead is not None and dead.any():
            folded, mults, shifts, how = constant_channels(folded, mults, shifts, int(params["output_offset"]),
                                                           geo["act_min"], geo["act_max"], dead, how)
            if not table:   # the kernel reads the op's own arrays: they take the constants' too
                lw.arrays = [CArray(a.name, a.ctype, {pre + "mult": mults, pre + "shift": shifts}[a.name],
                                    a.comment + "; channels without a non-zero weight: 2^30, -1 (their constant)")
                             if a.name in (pre + "mult", pre + "shift") else a for a in lw.arrays]
        folded, how = clamp_bounds.with_bounds(folded, mults, shifts, int(params["output_offset"]),
                                               geo["act_min"], geo["act_max"], how)
        if variant.rq_table:
            words, note = fixedpoint.armv6m_rq_table(mults, shifts, int(params["output_offset"]))
            lo = folded[len(mults):2 * len(mults)]
            if table:   # which takes the place of the op's multiplier and shift arrays (NULL in its params)
                folded, how = np.concatenate([folded, np.array(words, np.int64)]), how + note
                names = (pre + "mult", pre + "shift")
                lw.arrays = [a for a in lw.arrays if a.name not in names]
                lw.params = [(f, "NULL" if e in names else e) for f, e in lw.params]
            elif tensor:
                how += "; no rq table: the kernel prepares the tensor's eat_armv6m_rq_t once per call"
            elif variant.layout == BLOCK:
                how += (f"; no rq table ({RQ_WORDS * 4 * len(mults):,} B, --weights small): the kernel prepares each "
                        "channel's eat_armv6m_rq_t per call from the op's multiplier and shift")
            else:
                how += (f"; no rq table ({RQ_WORDS * 4 * len(mults):,} B, --weights small): the kernel requantises "
                        "each row from the op's multiplier and shift (eat_armv6m_rq_direct)")
            if variant.layout == BLOCK:   # the M0+ block walks: then the output stage's mode word
                mode, why = block_out_mode(words, lo)
                folded, how = np.concatenate([folded, np.array([mode], np.int64)]), how + why
        if variant.lane_starts and rq_per_call:   # the M4 block walks' _pc kernels: both per call
            assert weight_sums is not None, "L1 needs each channel's sum of weights"
            l1 = folded[:len(mults)] + 128 * np.asarray(weight_sums, np.int64)   # TFLM's accumulator start: int32
            folded, how = np.concatenate([folded, l1]), how + (
                "; then per channel L1 = L0 + 128 sum(w), L0 the folded bias: no lane starts nor short table "
                f"({24 * len(mults):,} B, --weights small), the kernel computes them per call from L0, L1 and the op's "
                "multiplier and shift")
        elif variant.lane_starts:
            assert weight_sums is not None, "lane starts need each channel's sum of weights"
            starts, why = lane_starts(folded[:len(mults)], weight_sums)
            table, why2 = short_table(mults, shifts, folded[len(mults):2 * len(mults)], int(params["output_offset"]))
            folded, how = (np.concatenate([folded[len(mults):], starts, table]),   # the starts carry L0
                           how + why + why2 + "; the folded bias L0 itself is not emitted (the starts carry it): lo "
                           "and hi come first")
        if variant.short_flag:
            assert abs_sums is not None, "the short-form word needs each channel's sum |w|"
            flag, why = short_flag(folded[:len(mults)], abs_sums)
            folded, how = np.concatenate([folded, np.array([flag], np.int64)]), how + why
    if tail is not None:
        folded, how = np.concatenate([folded, tail[0]]), how + tail[1]
    lw.arrays.append(CArray(pre + "bias_folded", "int32_t", folded, f"folded bias: {how}"))
    lw.args = [pre + "bias_folded" if a.endswith("bias") or a == "NULL" and k == 2 else a
               for k, a in enumerate(lw.args)]
    lw.scratch_bytes = int(variant.scratch(geo))
    lw.notes = [n for n in lw.notes if not n.startswith("kernel ")]
    lw.notes.append(f"kernel {variant.function} ({variant.source}): {variant.why}")
    lw.notes.append(weights_note)
    return lw


def _i32(v: int) -> int:
    """v as the int32 its low 32 bits are."""
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


def lane_starts(folded: np.ndarray, weight_sums: np.ndarray) -> tuple[np.ndarray, str]:
    """The M4 block walks' 64-bit sum starts (armv7em/conv2d_sparse_b8_dsp.c): per channel, lane 0 (x + 128)
    from L0 + 2^23, lane 1 (x) from (L0 + 128 sum(w)) * 2^24, L0 the folded bias; the low word, then the high
    one (int32 values), and the bias comment's note."""
    out = []
    for l0, sw in zip(np.asarray(folded, np.int64), np.asarray(weight_sums, np.int64)):
        s = (int(l0) + (1 << 23) + ((int(l0) + 128 * int(sw)) << 24)) & ((1 << 64) - 1)
        out += [s & 0xFFFFFFFF, s >> 32]
    words = np.array([_i32(w) for w in out], np.int64)
    return words, ("; then per channel its two lanes' 64-bit start, low word first: (L0 + 2^23) + (L0 + 128 "
                   "sum(w)) * 2^24, L0 the folded bias")


def short_flag(folded: np.ndarray, abs_sums: np.ndarray) -> tuple[int, str]:
    """The RV32 block walks' short-form word (rv32/conv2d_sparse_block_rv32.c): 1 when every channel's sum of
    products with x + 128 in [0, 255] stays inside eat/requant_pc.h's |acc| < 2^29, |folded bias| + 255 sum|w| (the
    shifts the kernel checks itself, eat_rq_prepare_short), else 0; and the bias comment's note."""
    bound = np.abs(np.asarray(folded, np.int64)) + 255 * np.asarray(abs_sums, np.int64)
    ok = int(bool(np.all(bound < (1 << 29))))
    return ok, (f"; then {ok}: every channel's |bias| + 255 sum|w| {'<' if ok else 'not all <'} 2^29 (the short "
                "requantisation's room)")


def short_table(mults, shifts, lo: np.ndarray, out_off: int) -> tuple[np.ndarray, str]:
    """The M4 block walks' short-form requantisation, prepared here instead of per call (eat_rq_prepare_short in
    eat/requant_pc.h: every shift in [-22, -1], every multiplier >= 0): the word 1, then per channel the
    multiplier, c = 2^(r-1) + output_offset * 2^r, s2 = r (r = -shift) and the bound lo; else the word 0 (the
    kernel prepares the general form itself). With the bias comment's note."""
    sh, m = np.asarray(shifts, np.int64), np.asarray(mults, np.int64)
    if not (np.all((sh <= -1) & (sh >= -22)) and np.all(m >= 0)):
        return np.array([0], np.int64), "; then 0: no short-form table (a shift outside [-22, -1] or a negative multiplier)"
    words = [1]
    for mc, r, lc in zip(m, -sh, np.asarray(lo, np.int64)):
        words += [int(mc), _i32((1 << (int(r) - 1)) + (out_off << int(r))), int(r), int(lc)]
    return np.array(words, np.int64), ("; then 1 and per channel the short requantisation: multiplier, 2^(r-1) + "
                                       "output_offset * 2^r, r = -shift, lo")


RQ_WORDS = 9            # eat_armv6m_rq_t
BLOCK = "d4_im2col_block"   # the block walks' layout (steps in im2col positions)
FAST_LO = -65535        # the fast requantisation's lowest accumulator (eat_armv6m_rq_apply)


def block_out_mode(table: list[int], lo: np.ndarray) -> tuple[int, str]:
    """The M0+ block walks' output stage (EAT_ARMV6M_OUT_* in eat/sparse_armv6m.h): 1 eat_armv6m_block_out
    when every channel's requantisation has the fast path (lim) and every lo >= -65535, else 2
    eat_armv6m_block_out_lo (the rest through eat_armv6m_rq_slow); and the bias comment's note."""
    if all(table[5::RQ_WORDS]) and int(np.min(lo)) >= FAST_LO:
        return 1, "; then 1: the Thumb-1 output stage eat_armv6m_block_out (every lo >= -65535, every rq fast)"
    return 2, ("; then 2: the Thumb-1 output stage eat_armv6m_block_out_lo (a channel's lo < -65535 or rq without "
               "the fast path)")


def constant_channels(folded: np.ndarray, mults, shifts, out_off: int, act_min: int, act_max: int,
                      dead: np.ndarray, how: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Channels with no non-zero weight output one constant, TFLM's requantisation of their bias v. A
    tiny weight scale often gives them a shift below -15, outside the M0+ fast requantisation, so every
    accumulator of theirs took eat_armv6m_rq_slow (the example's conv2 at 80%: 7 of 32 channels). Here each
    gets multiplier 2^30, shift -1 (x / 4, exact) and bias 4 (v - output_offset): the same constant on the
    fast path. The op's own multiplier and shift arrays stay as they are (these kernels read the rq table)."""
    folded = np.array(folded, np.int64)
    mults, shifts = np.array(mults, np.int64), np.array(shifts, np.int64)
    for oc in np.flatnonzero(dead):
        v = min(max(fixedpoint.mbqm(int(folded[oc]), int(mults[oc]), int(shifts[oc])) + out_off, act_min), act_max)
        folded[oc], mults[oc], shifts[oc] = 4 * (v - out_off), 1 << 30, -1
        assert fixedpoint.mbqm(int(folded[oc]), 1 << 30, -1) + out_off == v
    return folded, mults, shifts, how + (f"; {int(dead.sum())} channel(s) without a non-zero weight output a constant: "
                                         "bias 4 (v - output_offset), multiplier 2^30, shift -1 in their bounds and rq")
