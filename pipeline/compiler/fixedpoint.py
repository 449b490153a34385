"""Exact Python emulation of the gemmlowp / TFLM fixed-point primitives (scalar int32 / int16).

Used at compile time to tabulate elementwise int8 ops (LOGISTIC, TANH, HARD_SWISH, ...): an int8
op has only 256 inputs, so the compiler evaluates TFLM's integer arithmetic for each of them
here and the runtime does one table load per element. Every helper mirrors the C++ it names,
including two's-complement wrap-around where the C++ relies on it.
"""

from __future__ import annotations

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
INT16_MIN, INT16_MAX = -(1 << 15), (1 << 15) - 1


def wrap32(x: int) -> int:
    return ((x + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def wrap16(x: int) -> int:
    return ((x + (1 << 15)) & 0xFFFF) - (1 << 15)


def _trunc_div(a: int, b: int) -> int:
    """C integer division (toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def srdhm32(a: int, b: int) -> int:
    """SaturatingRoundingDoublingHighMul<int32_t>."""
    if a == b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    return wrap32(_trunc_div(ab + nudge, 1 << 31))


def srdhm16(a: int, b: int) -> int:
    """SaturatingRoundingDoublingHighMul<int16_t>."""
    if a == b == INT16_MIN:
        return INT16_MAX
    ab = a * b
    nudge = (1 << 14) if ab >= 0 else 1 - (1 << 14)
    return wrap16(_trunc_div(ab + nudge, 1 << 15))


def rdbpot(x: int, exponent: int, bits: int = 32) -> int:
    """RoundingDivideByPOT on an int32 (bits=32) or int16 (bits=16) value."""
    wrap = wrap32 if bits == 32 else wrap16
    mask = wrap((1 << exponent) - 1)
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return wrap((x >> exponent) + (1 if remainder > threshold else 0))


def mbqm(x: int, multiplier: int, shift: int) -> int:
    """TFLM MultiplyByQuantizedMultiplier (double rounding); shift > 0 is a left shift."""
    left = shift if shift > 0 else 0
    right = -shift if shift < 0 else 0
    return rdbpot(srdhm32(wrap32(x * (1 << left)), multiplier), right)


def armv6m_rq(mult: int, shift: int, out_off: int) -> list[int]:
    """eat_armv6m_rq_prepare (eat/armv6m.h) in Python: the 9 int32 words of one channel's eat_armv6m_rq_t
    (mh, ml, b[0], b[1], sh, lim, mult, shift, out_off), for kernels that read them from flash."""
    r = -shift if -15 <= shift <= 0 else 0
    ml = ((mult & 0xFFFF) ^ 0x8000) - 0x8000
    mh = ((mult - ml) & 0xFFFFFFFF) >> 16
    b0 = 1 + ((1 << r) if r else 0) + out_off * (1 << (1 + r))
    lim = 131071 if mult >= 0 and -15 <= shift <= 0 else 0
    return [mh, ml, b0, b0 - (2 if r else 0), 1 + r, lim, mult, shift, out_off]


def armv6m_rq_table(mults, shifts, out_off: int) -> tuple[list[int], str]:
    """Every channel's armv6m_rq words, channel after channel (Variant.rq_table), and the bias comment's note."""
    table = [w for m, s in zip(mults, shifts) for w in armv6m_rq(int(m), int(s), out_off)]
    return table, (f"; then per channel its eat_armv6m_rq_t ({len(table) // max(len(mults), 1)} words: mh, ml, b[2], "
                   "sh, lim, mult, shift, out_off), eat_armv6m_rq_prepare done at compile time")


def srmpot(x: int, exponent: int) -> int:
    """SaturatingRoundingMultiplyByPOT<exponent> on int32."""
    if exponent == 0:
        return x
    if exponent < 0:
        return rdbpot(x, -exponent)
    threshold = (1 << (31 - exponent)) - 1
    if x > threshold:
        return INT32_MAX
    if x < -threshold:
        return INT32_MIN
    return wrap32(x << exponent)


# ---- gemmlowp fixed-point transcendental functions, int32 raw values ----

def _mul(a: int, b: int) -> int:
    return srdhm32(a, b)


def _exp_on_interval_between_negative_one_quarter_and_0_excl(a: int) -> int:   # F0 -> F0
    constant_term = 1895147668
    constant_1_over_3 = 715827883
    x = wrap32(a + (1 << 28))
    x2 = _mul(x, x)
    x3 = _mul(x2, x)
    x4 = _mul(x2, x2)
    x4_over_4 = srmpot(x4, -2)
    t = srmpot(wrap32(_mul(wrap32(x4_over_4 + x3), constant_1_over_3) + x2), -1)
    return wrap32(constant_term + _mul(constant_term, wrap32(x + t)))


def exp_on_negative_values(a: int, integer_bits: int) -> int:
    """exp(a) for a <= 0 given as Q(integer_bits); result F0."""
    frac = 31 - integer_bits
    one_quarter = 1 << (frac - 2)
    mask = one_quarter - 1
    a_mod_quarter_minus_one_quarter = wrap32((a & mask) - one_quarter)
    result = _exp_on_interval_between_negative_one_quarter_and_0_excl(
        srmpot(a_mod_quarter_minus_one_quarter, integer_bits))       # Rescale<0>
    remainder = wrap32(a_mod_quarter_minus_one_quarter - a)
    for exponent, mult in ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308),
                           (2, 39332535), (3, 720401), (4, 242)):
        if integer_bits > exponent:
            shift = frac + exponent
            if remainder & (1 << shift):
                result = _mul(result, mult)
    if integer_bits > 5:
        clamp = -(1 << (36 - integer_bits))
        if a < clamp:
            result = 0
    if a == 0:
        result = INT32_MAX
    return result


def _newton_reciprocal_half(a: int) -> int:
    """The shared Newton-Raphson core of one_over_one_plus_x / one_minus_x_over_one_plus_x: x in F2."""
    half_denominator = rounding_half_sum(a, INT32_MAX)
    c48_17, cneg32_17 = 1515870810, -1010580540
    x = wrap32(c48_17 + _mul(half_denominator, cneg32_17))
    one_f2 = 1 << 29
    for _ in range(3):
        hdx = _mul(half_denominator, x)
        one_minus = wrap32(one_f2 - hdx)
        x = wrap32(x + srmpot(_mul(x, one_minus), 2))
    return x


def rounding_half_sum(a: int, b: int) -> int:
    s = a + b
    sign = 1 if s >= 0 else -1
    return wrap32(_trunc_div(s + sign, 2))


def one_over_one_plus_x_for_x_in_0_1(a: int) -> int:
    x = _newton_reciprocal_half(a)
    return srmpot(x, 1)          # Rescale<0>(ExactMulByPot<-1>(x)): F1 -> F0


def one_minus_x_over_one_plus_x_for_x_in_0_1(a: int) -> int:
    x = _newton_reciprocal_half(a)
    return srmpot(wrap32(x - (1 << 29)), 2)     # Rescale<0>(x - F2::One())


def logistic(a: int, integer_bits: int) -> int:
    """gemmlowp::logistic on a Q(integer_bits) raw value; F0 result."""
    if a == 0:
        return 1 << 30
    abs_input = a if a > 0 else wrap32(-a)
    r = one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(wrap32(-abs_input), integer_bits))
    return r if a > 0 else wrap32(INT32_MAX - r)


def tanh(a: int, integer_bits: int) -> int:
    """gemmlowp::tanh on a Q(integer_bits) raw value; F0 result."""
    if a == 0:
        return 0
    n = a if a < 0 else wrap32(-a)
    # neg_tanh_on_negative_values: exp of ExactMulByPot<1>(n), i.e. the same raw with one more int bit
    t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(n, integer_bits + 1))
    return wrap32(-t) if a < 0 else t
