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
    const int left = shift > 0 ? shift : 0;
    const int right = shift > 0 ? 0 : -shift;
    const int64_t ab = (int64_t)eat_shl_wrap(acc, left) * (int64_t)multiplier;
    const int32_t high = (int32_t)((ab + ((int64_t)1 << 30)) >> 31);
    return eat_rdbpot(high, right);
#endif
}

/* acc -> int8 output: requantize, add the output zero point, clamp to the activation range. */
static inline int8_t eat_requant_s8(int32_t acc, int32_t multiplier, int32_t shift, int32_t output_offset,
                                    int32_t act_min, int32_t act_max)
{
    return (int8_t)eat_clamp_i32(eat_requant(acc, multiplier, shift) + output_offset, act_min, act_max);
}

#endif /* EAT_REQUANT_H */
