"""Accumulator bounds per output channel outside which the requantised output is the activation clamp.

For shift <= 0 and multiplier >= 0, TFLM's MultiplyByQuantizedMultiplier is non-decreasing in the
accumulator x, so out(x) = clamp(mbqm(x) + zp, act_min, act_max) is act_min for every x < lo and
act_max for every x > hi, with lo the least x where mbqm(x) + zp >= act_min and hi the greatest
where mbqm(x) + zp <= act_max (binary searches over int32 with the exact Python mbqm). A kernel
compares and skips the requantisation there; between the bounds it requantises as before, so the
output is unchanged. Other shifts (a wrapping left shift is not monotonic) get the whole int32 range.
"""

from __future__ import annotations

import numpy as np

from pipeline.compiler.fixedpoint import INT32_MAX, INT32_MIN, mbqm


def _least(pred, lo: int, hi: int) -> int:
    """The least x in [lo, hi] with pred(x) (pred monotone False..True); hi if none before it."""
    while lo < hi:
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def channel_bounds(mult: int, shift: int, zp: int, act_min: int, act_max: int) -> tuple[int, int]:
    if shift > 0 or mult < 0:
        return INT32_MIN, INT32_MAX
    lo = _least(lambda x: mbqm(x, mult, shift) + zp >= act_min, INT32_MIN, INT32_MAX)
    hi = _least(lambda x: mbqm(x, mult, shift) + zp > act_max, INT32_MIN, INT32_MAX)
    if mbqm(hi, mult, shift) + zp > act_max:
        hi -= 1                      # the greatest x still <= act_max (INT32_MIN - 1: none; kept in range)
    return lo, max(hi, INT32_MIN)


def bounds(mults: np.ndarray, shifts: np.ndarray, zp: int, act_min: int, act_max: int) -> tuple[np.ndarray, np.ndarray]:
    """lo[oc], hi[oc] as int64 arrays (int32 values)."""
    pairs = [channel_bounds(int(m), int(s), zp, act_min, act_max) for m, s in zip(mults, shifts)]
    return np.array([p[0] for p in pairs], np.int64), np.array([p[1] for p in pairs], np.int64)


BOUNDS_NOTE = ("; then lo[oc], hi[oc]: accumulators below lo give act_min and above hi act_max without "
               "requantising (it is non-decreasing in the accumulator; pipeline/compiler/clamp_bounds.py)")


def with_bounds(bias: np.ndarray, mults: np.ndarray, shifts: np.ndarray, zp: int, act_min: int, act_max: int,
                comment: str) -> tuple[np.ndarray, str]:
    """`bias` followed by each channel's lo, then hi (the bias array of a kernel with Variant.clamp_bounds),
    and its C comment extended to say so."""
    lo, hi = bounds(mults, shifts, zp, act_min, act_max)
    return np.concatenate([bias, lo, hi]), comment + BOUNDS_NOTE
