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

static inline int32_t eat_requant(int32_t acc, int32_t multiplier, int32_t shift)
{
#ifdef EAT_SINGLE_ROUNDING
    return eat_mbqm(acc, multiplier, shift);
#else
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
