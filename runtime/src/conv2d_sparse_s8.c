/* Zero-skipping CONV_2D int8 (any kernel size, stride, dilation, padding, groups) over
 * EAT_WEIGHTS_SPARSE_D4 (eat/sparse.h); bit-exact with TFLM's ConvPerChannel on the same weights.
 * Interior output pixels read the input in place; border pixels read a padded copy of their window. */
#include "eat/sparse.h"

/* gcc 12's first scheduling pass (on at -O2 for Arm) spills a value of the shared walk's inner
 * loop to the stack once it is inlined here: ~14% more instructions on the M4 for mostly-zero
 * layers (vww). Without it the loop stays in registers. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-schedule-insns")
#endif

size_t eat_conv2d_s8_sparse_d4_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    const int32_t kh_eff = (p->k_h - 1) * p->dilation_h + 1;
    const int32_t kw_eff = (p->k_w - 1) * p->dilation_w + 1;
    const int32_t win_w = p->in_w > kw_eff ? p->in_w : kw_eff;   /* see eat/sparse.h */
    return (size_t)((kh_eff - 1) * win_w * p->in_c + kw_eff * p->in_c);
}

static int32_t requant_mbqm(int32_t x, int32_t mult, int32_t shift)
{
    return eat_mbqm(x, mult, shift);
}

void eat_conv2d_s8_sparse_d4(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                             const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    eat_sparse_conv2d_walk(p, w, bias, input, output, scratch, eat_sparse_d4_dot1, requant_mbqm);
}
