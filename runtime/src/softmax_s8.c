/* SOFTMAX int8 -> int8 (TFLM reference_ops::Softmax with gemmlowp fixed point), exp tabulated.
 * Fixed-point formats: input differences in Q5.26, exp results in Q0.31, the sum in Q12.19. The
 * exp of each of the 256 possible differences is computed by the compiler with TFLM's integer
 * arithmetic (pipeline/compiler/ops/softmax.py); the sum, the reciprocal and the output scaling
 * are TFLM's, here. */
#include "eat/softmax.h"

/* gemmlowp SaturatingRoundingMultiplyByPOT<exponent> for exponent > 0. */
static int32_t sat_shl(int32_t x, int exponent)
{
    const int32_t threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return eat_shl_wrap(x, exponent);
}

static int32_t rounding_half_sum(int32_t a, int32_t b)
{
    const int64_t sum = (int64_t)a + (int64_t)b;
    const int64_t sign = sum >= 0 ? 1 : -1;
    return (int32_t)((sum + sign) / 2);
}

/* 1 / (1 + x) for x in [0, 1), Q0.31 in and out (Newton-Raphson, 3 iterations). */
static int32_t one_over_one_plus_x(int32_t a)
{
    const int32_t half_denominator = rounding_half_sum(a, INT32_MAX);
    const int32_t constant_48_over_17 = 1515870810;    /* Q2.29 */
    const int32_t constant_neg_32_over_17 = -1010580540;
    int32_t x = constant_48_over_17 + eat_srdhm(half_denominator, constant_neg_32_over_17);
    int i;
    for (i = 0; i < 3; ++i) {
        const int32_t half_denominator_times_x = eat_srdhm(half_denominator, x);
        const int32_t one_minus = (1 << 29) - half_denominator_times_x;
        x = x + sat_shl(eat_srdhm(x, one_minus), 2);
    }
    return sat_shl(x >> 1, 2);
}

static int count_leading_zeros(uint32_t x)
{
    int n = 0;
    if (x == 0) {
        return 32;
    }
    while ((x & 0x80000000u) == 0) {
        x <<= 1;
        ++n;
    }
    return n;
}

/* exp of a difference to the row's maximum, Q0.31: 0 below diff_min (past the table's end). */
static int32_t row_exp(const int32_t *exp_table, int32_t table_len, int32_t diff)
{
    return -diff < table_len ? exp_table[-diff] : 0;
}

void eat_softmax_s8(const eat_softmax_s8_params_t *p, const int32_t *exp_table,
                    const int8_t *input, int8_t *output)
{
    const int32_t table_len = eat_softmax_s8_table_len(p);
    int32_t i, c;
    for (i = 0; i < p->outer; ++i) {
        const int8_t *in = input + i * p->depth;
        int8_t *out = output + i * p->depth;
        int32_t max_in_row = -128;
        int32_t sum_of_exps = 0;   /* Q12.19 */
        int headroom_plus_one, num_bits_over_unit;
        int32_t shifted_scale;
        for (c = 0; c < p->depth; ++c) {
            max_in_row = eat_max_i32(max_in_row, in[c]);
        }
        for (c = 0; c < p->depth; ++c) {
            /* a difference below diff_min adds nothing: its exp is 0 and rdbpot(0) is 0 */
            sum_of_exps += eat_rdbpot(row_exp(exp_table, table_len, (int32_t)in[c] - max_in_row), 12);
        }
        headroom_plus_one = count_leading_zeros((uint32_t)sum_of_exps);
        num_bits_over_unit = 12 - headroom_plus_one;
        shifted_scale = one_over_one_plus_x(
            (int32_t)(((uint32_t)sum_of_exps << headroom_plus_one) - ((uint32_t)1 << 31)));
        for (c = 0; c < p->depth; ++c) {
            const int32_t diff = (int32_t)in[c] - max_in_row;
            if (diff >= p->diff_min) {
                const int32_t exp_in_0 = row_exp(exp_table, table_len, diff);
                const int32_t unsat = eat_rdbpot(eat_srdhm(shifted_scale, exp_in_0),
                                                 num_bits_over_unit + 31 - 8);
                out[c] = (int8_t)eat_clamp_i32(unsat - 128, -128, 127);
            } else {
                out[c] = -128;
            }
        }
    }
}
