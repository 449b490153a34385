"""The FULLY_CONNECTED weight format EAT_WEIGHTS_SPARSE_P8 (eat/sparse_p8.h): (weight, input position) byte pairs.

Each row's inputs are cut into segments of 256 (one segment when in_depth <= 256); a layer fits when no segment of
a row holds more than 255 non-zeros (its count is one byte). Per row and segment a count byte (the index), then per
non-zero two bytes: the weight, then its input position within the segment, so the Cortex-M0+ walk takes both from
one LDRH (the position by LSRS #8, the weight by SXTB). 2 bytes per non-zero plus 1 per row and segment: larger than
d4 (~1.5 per non-zero at 80 % zeros), smaller than dense below ~50 % non-zeros.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.compiler import clamp_bounds, fixedpoint, sparse_cost
from pipeline.compiler.packing import PackedWeights

FORMAT = "EAT_WEIGHTS_SPARSE_P8"
KEY = "sparse_p8"
MAX_IN = 256       # EAT_SPARSE_P8_MAX_IN: positions are one byte, so a segment is 256 inputs
MAX_COUNT = 255    # a row's count in a segment is one byte
LAYOUT = ("per output row its non-zeros as (int8 weight, uint8 input position in its segment of 256 inputs) byte "
          "pairs; index: uint8 count per row and segment")


def segments(in_depth: int) -> int:
    """The segments of 256 inputs a row of `in_depth` is cut into (EAT_P8_SEGMENTS)."""
    return max(1, -(-int(in_depth) // MAX_IN))


@dataclass(frozen=True)
class EncodedP8:
    pairs: np.ndarray       # int8: each row's (weight, position) pairs, row after row
    counts: np.ndarray      # uint8 [out * segments]: non-zeros per row and segment
    segments: int = 1       # segments of 256 inputs per row

    @property
    def nonzeros(self) -> int:
        return int(self.counts.astype(np.int64).sum())

    @property
    def bytes(self) -> int:
        return int(2 * self.nonzeros + self.counts.size)


def misfit(w: np.ndarray) -> str | None:
    """Why FULLY_CONNECTED weights [out][in] do not fit the format, or None when they do."""
    most = int(_segment_counts(w).max(initial=0))
    if most > MAX_COUNT:
        return f"a row holds {most} non-zeros in one segment of {MAX_IN} inputs, more than the count byte's {MAX_COUNT}"
    return None


def _segment_counts(w: np.ndarray) -> np.ndarray:
    """Non-zeros per row and segment, [out][segments]."""
    rows = np.asarray(w).reshape(w.shape[0], -1)
    n_seg = segments(rows.shape[1])
    nz = np.zeros((rows.shape[0], n_seg * MAX_IN), np.int64)
    nz[:, :rows.shape[1]] = rows != 0
    return nz.reshape(rows.shape[0], n_seg, MAX_IN).sum(axis=2)


def encode(w: np.ndarray) -> EncodedP8:
    """The pairs and counts of rows that fit (see misfit)."""
    rows = np.asarray(w, np.int8).reshape(w.shape[0], -1)
    r, c = np.nonzero(rows)                      # row-major: rows in order, positions (so segments) increasing
    pairs = np.empty((r.size, 2), np.int8)
    pairs[:, 0] = rows[r, c]
    pairs[:, 1] = (c % MAX_IN).astype(np.uint8).view(np.int8)
    counts = _segment_counts(rows).reshape(-1).astype(np.uint8)
    return EncodedP8(pairs.reshape(-1), counts, segments(rows.shape[1]))


def decode(enc: EncodedP8, in_depth: int) -> np.ndarray:
    """The rows [out][in_depth] back from the pairs (the tests' check of the encoding)."""
    n_out = enc.counts.size // enc.segments
    out = np.zeros((n_out, in_depth), np.int8)
    p = enc.pairs.reshape(-1, 2)
    cell = np.repeat(np.arange(enc.counts.size), enc.counts.astype(np.int64))   # row * segments + segment
    out[cell // enc.segments, (cell % enc.segments) * MAX_IN + p[:, 1].view(np.uint8).astype(np.int64)] = p[:, 0]
    return out


M4_ROW_WORDS = 6   # EAT_P8_DSP_ROW_WORDS


def m4_table(folded: np.ndarray, mults: np.ndarray, shifts: np.ndarray, out_off: int, in_depth: int) -> np.ndarray:
    """The Cortex-M4 kernel's bias table (eat/sparse_p8.h): per row the folded bias, then fc_armv7em.h's short
    requantisation constants (eat_fc_rq_make: m, L, negmask, c, r), L = 0 where the short form does not hold
    (shift outside [-22, 28], or |bias| + in_depth * 2^14 >= 2^(30 - L): eat_fc_short_room's test, per row)."""
    rows = []
    span = in_depth << 14
    for b, m, s in zip(np.asarray(folded, np.int64), np.asarray(mults, np.int64), np.asarray(shifts, np.int64)):
        b, m, s = int(b), int(m), int(s)
        left = s + 1 if s > 0 else 1
        r = -s if s < 0 else 0
        ok = -22 <= s <= 28 and abs(b) + span < (1 << (30 - left))
        c = ((1 << (r - 1)) if r else 0) + (out_off << r)
        c = (c + (1 << 31)) % (1 << 32) - (1 << 31)        # int32 wrap, as the C's uint32 shift
        rows.append([b, m, left if ok else 0, -1 if r else 0, c, r])
    return np.array(rows, np.int64).reshape(-1)


M0_ROW_WORDS = 14   # EAT_P8_M0_ROW_WORDS


def m0_table(folded: np.ndarray, mults: np.ndarray, shifts: np.ndarray, out_off: int, act_min: int,
             act_max: int) -> np.ndarray:
    """The Cortex-M0+ kernel's bias table (eat/sparse_p8.h): per row the folded bias, flo, fhi (the accumulators
    eat_armv6m_rq_apply's fast path serves: max(lo, -65535), min(hi, 65535); 1, 0 when its lim is 0), the
    accumulator bounds lo, hi (clamp_bounds.bounds), then the row's eat_armv6m_rq_t (fixedpoint.armv6m_rq)."""
    lo, hi = clamp_bounds.bounds(mults, shifts, out_off, act_min, act_max)
    rows = []
    for b, m, s, l, h in zip(np.asarray(folded, np.int64), np.asarray(mults, np.int64), np.asarray(shifts, np.int64),
                             np.asarray(lo, np.int64), np.asarray(hi, np.int64)):
        rq = fixedpoint.armv6m_rq(int(m), int(s), out_off)
        flo, fhi = (max(int(l), -65535), min(int(h), 65535)) if rq[5] else (1, 0)
        rows.append([int(b), flo, fhi, int(l), int(h), *rq])
    return np.array(rows, np.int64).reshape(-1)


def packed(enc: EncodedP8) -> PackedWeights:
    data = enc.pairs if enc.pairs.size else np.zeros(2, np.int8)   # every weight zero: a (never read) array
    return PackedWeights(FORMAT, KEY, data, enc.counts, LAYOUT)


# Cortex-M0+ (armv6m/fully_connected_sparse_p8_armv6m.c), rp2040js cycles, fitted to single FC layers measured per
# op (layer_cycles, forced p8, 1 batch, no activation; the shapes of sparse_cost.py's cortex-m4 FC line): 64x12 80 /
# 90 % (156 / 72 non-zeros) 2,177 / 1,516, 128x64 (1,664 / 832) 18,463 / 10,996, 256x64 (3,264 / 1,664) 32,481 /
# 18,583, 64x10 80 % (130) 2,090, 32x32 70 % (320) 4,835 -> 8.81 per non-zero (8 counted per step, a pass of 32's
# 5), 54.9 per row (the pass's computed entry, the bounds, the fast requantisation, the store; sums beyond +-65535
# call eat_armv6m_rq_slow), 256 per batch (the call, its frame); est. 2,290 / 1,549, 18,437 / 11,103, 32,541 /
# 18,437, 1,951, 4,833. The d4 rows walk there: 3,205 / 2,368, 26,138 / 17,752, 45,525 / 30,192, 2,915, 6,888;
# the example's dense1 (128 -> 64, 1,640 non-zeros, ReLU) 24,798 (d4) -> 17,368 (est. 18,226). (With the count's
# bits 0-2 as 1 / 2 / 4 steps and passes of 8 instead of the computed entry: 9.19 / 53.3 / 224, dense1 17,756.)
M0_NZ, M0_ROW, M0_BATCH = 8.81, 54.9, 256.0
# The _wide walk (in_depth > 256), counted from its code: per row 13 (the input pointer and the segments left
# reloaded, the last segment's test), per segment after the first 24 (the test, the pointer's step of 256, the next
# run's count and computed entry). ad01's first FC (640 -> 128, one-shot 80 %: 16,384 non-zeros, 3 segments per
# row) measured 148,451 cycles, est. 159,434: M0_NZ (fitted on rows of 2-52 non-zeros) carries ~0.6 cycles of
# the pass overhead that its 128-non-zero rows spread thinner; the d4 rows walk there: est. 215,181, 210,793
# measured.
M0_WIDE_ROW, M0_SEG = 13.0, 24.0
# Cortex-M4 (armv7em/fully_connected_sparse_p8_dsp.c), QEMU instructions, fitted to single FC layers measured per
# op (layer_cycles, forced p8, 1 batch; sparse_cost.py's cortex-m4 FC line has the shapes): 64x12 80 / 90 % (156 / 72
# non-zeros) 1,173 / 816, 128x64 (1,664 / 832) 9,541 / 5,697, 256x64 (3,264 / 1,664) 16,839 / 9,536, 64x10 80 %
# (130) 1,000, 32x32 70 % (320) 2,529 -> 4.57 per non-zero (4.5 counted in the 4-step pass, 6 for the last n % 4),
# 27.8 per row (count, ends, the requantisation and clamp from the row's table, store), 143 per batch (the call and
# its frame); est. 1,189 / 805, 9,529 / 5,725, 16,844 / 9,529, 1,015, 2,495. Dense there: 1,339-1,345 (the 64x12),
# 8,464, 15,125: p8 wins on the narrow FC, not on the wide ones at 80 %.
M4_NZ, M4_ROW, M4_BATCH = 4.57, 27.8, 143.0
# RV32IMC (rv32/fully_connected_sparse_p8_rv32.c, gcc -O2), labwired instructions: 6 per non-zero counted in its pass
# of four (26 for four: lb, lbu, add, lb, mul, add each, one pointer step and branch), 6 in the straight-line n % 4;
# fitted with that 6.2 to `bench --board esp32-c3-devkitm-1 --sparsity 0.8 --profile [--model kws_ref_model.tflite
# --model ad01_int8.tflite]` (one-shot, 1 batch): the example's dense1 128 -> 64 (1,639 non-zeros) 15,042 and probs
# 64 -> 10 (128) 1,606, kws's FC 64 -> 12 (156) 1,938, ad01's 128 -> 128 (3,328) 30,084, 128 -> 640 (16,640) 151,130
# and 640 -> 128 (16,384, 3 segments per row) 118,519 -> 75 per row (its count, the switch, the general
# requantisation), 29 per segment after a row's first, 30 per batch; est. within 2.2 % of each. The portable kernel
# there (eat_p8_dot's loop, 8 per non-zero) measured 17,577 / 1,805 / 2,156 and 143,183 on ad01's 640 -> 128; d4 19,094
# / 1,983 / 2,304 and 154,045.
RV_NZ, RV_ROW, RV_SEG, RV_BATCH = 6.2, 75.0, 29.0, 30.0


def walk_of(function: str) -> str:
    """Which cost formula a p8 kernel takes: "armv6m", "armv7em", "rv32" or "portable"."""
    if function.endswith("_armv6m"):
        return "armv6m"
    if function.endswith("_rv32"):
        return "rv32"
    return "armv7em" if function.endswith("_dsp") else "portable"


def cycles(core: str, batches: int, out_depth: int, nonzeros: int, walk: str = "portable", segs: int = 1) -> int:
    """The estimated cost of a FULLY_CONNECTED layer in this format on `core` with the kernel `walk`, its rows cut
    into `segs` segments of 256 inputs."""
    if walk == "armv6m":
        wide = 0.0 if segs == 1 else M0_WIDE_ROW + (segs - 1) * M0_SEG   # the _wide walk's row and segments
        return int(batches * (nonzeros * M0_NZ + out_depth * (M0_ROW + wide) + M0_BATCH))
    if walk == "armv7em":
        return int(batches * (nonzeros * M4_NZ + out_depth * M4_ROW + M4_BATCH))
    if walk == "rv32":
        return int(batches * (nonzeros * RV_NZ + out_depth * (RV_ROW + (segs - 1) * RV_SEG) + RV_BATCH))
    # portable elsewhere: not measured; priced at a whole d4 index byte per non-zero (the d4 walk pays one per
    # two), so auto never prefers it to d4 on a figure it has not earned (forced p8 still takes it)
    c = sparse_cost.costs(core)
    return int(batches * (nonzeros * c.pair + out_depth * (c.out + (c.channel_fc or c.channel)) + c.pixel))
