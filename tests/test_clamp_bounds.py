"""The accumulator bounds of compiler/clamp_bounds.py against TFLM's requantisation (Python mbqm):
below lo the output is act_min, above hi act_max, at the bounds themselves the requantisation."""

import numpy as np

from pipeline.compiler.clamp_bounds import channel_bounds
from pipeline.compiler.fixedpoint import INT32_MAX, INT32_MIN, mbqm
from pipeline.compiler.quant import quantize_multiplier


def _out(x: int, m: int, s: int, zp: int, lo_a: int, hi_a: int) -> int:
    return min(max(mbqm(x, m, s) + zp, lo_a), hi_a)


def test_bounds_are_exact_at_random() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        m, s = quantize_multiplier(float(rng.uniform(1e-5, 0.9)))
        zp = int(rng.integers(-128, 128))
        a_min, a_max = (zp, 127) if rng.random() < 0.5 else (-128, 127)
        lo, hi = channel_bounds(m, s, zp, a_min, a_max)
        assert lo <= hi
        for x in (lo - 1, lo - 1000, INT32_MIN):
            if INT32_MIN <= x < lo:
                assert _out(x, m, s, zp, a_min, a_max) == a_min
        for x in (hi + 1, hi + 1000, INT32_MAX):
            if hi < x <= INT32_MAX:
                assert _out(x, m, s, zp, a_min, a_max) == a_max
        assert mbqm(lo, m, s) + zp >= a_min and mbqm(hi, m, s) + zp <= a_max


def test_left_shift_gets_the_whole_range() -> None:
    assert channel_bounds(1 << 30, 2, 0, -128, 127) == (INT32_MIN, INT32_MAX)
