/* Requantization for the fast kernels: the same result as eat_mbqm, fewer instructions.
 *
 * gemmlowp's SaturatingRoundingDoublingHighMul is (a*b + nudge) / 2^31 truncated toward zero with
 * nudge = 2^30 (a*b >= 0) or 1 - 2^30 (a*b < 0). Both cases equal floor((a*b + 2^30) / 2^31), an
 * arithmetic shift: for a*b < 0, trunc(y / 2^31) = ceil(y / 2^31) = floor((y + 2^31 - 1) / 2^31)
 * with y = a*b + 1 - 2^30 <= 0. Its one saturating case (a == b == INT32_MIN) cannot occur: the
 * multipliers are QuantizeMultiplier's, in [2^30, 2^31) or 0. */
#ifndef EAT_REQUANT_H
#define EAT_REQUANT_H

#include "eat/common.h"

/* ARMv6-M (Cortex-M0+) has no 32x32->64 multiply: a 64-bit product is a __aeabi_lmul call there, so
 * its path splits the multiplier into 16-bit halves instead (proof in eat/armv6m.h). Both paths equal
 * eat_mbqm and tests/armv6m_requant_check.c checks each against it; eat_requant picks the core's. */
/* eat_mbqm for any x when mult >= 0 and -30 <= shift <= 31, without a 64-bit multiply call:
 * with r = max(-shift, 0), x' = x << max(shift, 0) (wrapping, as TFLM) and P = |x'| * mult built
 * from four 16x16 products, the result is sign(x') * floor((P + 2^30 + (r ? 2^(30+r) : 0) - n)
 * / 2^(31+r)), n = 1 for x' < 0 (the negative side rounds its halves the other way). */
static inline int32_t eat_armv6m_requant_wide(int32_t x, int32_t mult, int32_t shift)
{
    const int32_t r = shift > 0 ? 0 : -shift;
    const uint32_t xs = shift > 0 ? (uint32_t)x << shift : (uint32_t)x;
    const uint32_t neg = xs >> 31;
    const uint32_t ux = neg ? 0u - xs : xs;
    const uint32_t a0 = ux & 0xFFFFu, a1 = ux >> 16, b0 = (uint32_t)mult & 0xFFFFu, b1 = (uint32_t)mult >> 16;
    const uint32_t mid = a1 * b0 + a0 * b1;   /* each < 2^31: no overflow */
    uint32_t lo = a0 * b0, hi = a1 * b1 + (mid >> 16), t;
    uint32_t mag;
    t = lo + (mid << 16);
    hi += t < lo;
    lo = t;
    t = lo + ((1u << 30) - neg) + (r == 1 ? 0x80000000u : 0u);
    hi += t < lo;
    lo = t;
    hi += r >= 2 ? 1u << (r - 2) : 0u;
    mag = r == 0 ? (hi << 1) | (lo >> 31) : hi >> (r - 1);
    return neg ? -(int32_t)mag : (int32_t)mag;
}

/* Exact eat_mbqm(x, mult, shift): the two-multiply path for small x, the wide path otherwise. */
static inline int32_t eat_armv6m_requant(int32_t x, int32_t mult, int32_t shift)
{
    if (mult < 0 || shift < -30 || shift > 31) {
        return eat_mbqm(x, mult, shift);
    }
    if (shift <= 0 && shift >= -15 && (uint32_t)x + 32768u < 65536u) {
        const int32_t r = -shift;
        const int32_t bp = (1 << 14) + (r ? (1 << (14 + r)) : 0);
        const int32_t j = r ? (1 << 15) : 0;
        const int32_t hi = x * (mult >> 16);
        const int32_t lo = (x * (mult & 0xFFFF)) >> 16;
        return (hi + lo + bp - ((x >> 31) & j)) >> (15 + r);
    }
    return eat_armv6m_requant_wide(x, mult, shift);
}

static inline int32_t eat_requant(int32_t acc, int32_t multiplier, int32_t shift)
{
#if defined(EAT_SINGLE_ROUNDING)
    return eat_mbqm(acc, multiplier, shift);
#elif defined(__ARM_ARCH_6M__)
    return eat_armv6m_requant(acc, multiplier, shift);
#else
    /* ARMv7-M and up, RISC-V, hosts: one 32x32->64 multiply (SMULL) */
    /* shift > 0 is a left shift (wrapping, as eat_shl_wrap), else a rounding right shift */
    const int32_t x = shift > 0 ? (int32_t)((uint32_t)acc << shift) : acc;
    const int32_t right = shift > 0 ? 0 : -shift;
    const int32_t high = (int32_t)(((int64_t)x * (int64_t)multiplier + ((int64_t)1 << 30)) >> 31);
    /* eat_rdbpot with a 32-bit mask (right <= 31): round half away from zero */
    const uint32_t mask = (1u << right) - 1u;
    const int32_t remainder = (int32_t)((uint32_t)high & mask);
    const int32_t threshold = (int32_t)(mask >> 1) + (int32_t)((uint32_t)high >> 31);
    return (high >> right) + (remainder > threshold ? 1 : 0);
#endif
}

/* acc -> int8 output: requantize, add the output zero point, clamp to the activation range. */
static inline int8_t eat_requant_s8(int32_t acc, int32_t multiplier, int32_t shift, int32_t output_offset,
                                    int32_t act_min, int32_t act_max)
{
    return (int8_t)eat_clamp_i32(eat_requant(acc, multiplier, shift) + output_offset, act_min, act_max);
}

#endif /* EAT_REQUANT_H */
