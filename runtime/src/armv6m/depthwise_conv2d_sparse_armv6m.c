/* Cortex-M0+ zero-skipping DEPTHWISE_CONV_2D over EAT_WEIGHTS_SPARSE_D4 (steps in input pixels):
 * depthwise_conv2d_sparse_s8.c's walk (plain C: a step is scaled by in_c) with eat/armv6m.h's exact
 * two-multiply requantisation instead of the 64-bit eat_mbqm. */
#include "eat/sparse_armv6m.h"

#if defined(__ARM_ARCH_6M__)

void eat_depthwise_conv2d_s8_sparse_d4_armv6m(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                              const int32_t *bias, const int8_t *input, int8_t *output,
                                              void *scratch)
{
    const int32_t kh_eff = (p->k_h - 1) * p->dilation_h + 1;
    const int32_t kw_eff = (p->k_w - 1) * p->dilation_w + 1;
    const uint16_t *pairs = (const uint16_t *)w->index;
    const uint8_t *nib0 = (const uint8_t *)w->index + 2 * (uint32_t)p->out_c;
    const int32_t win_w = p->in_w > kw_eff ? p->in_w : kw_eff;   /* see eat/sparse.h */
    const int8_t pad = (int8_t)(-p->input_offset);
    int8_t *win = (int8_t *)scratch;
    int8_t *out = output;
    int32_t b, oy, ox, ic, m, oc;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_h;
            const int rows_in = iy0 >= 0 && iy0 + kh_eff <= p->in_h;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix0 = ox * p->stride_w - p->pad_w;
                const int8_t *base;
                const int8_t *v = w->data;
                const uint8_t *nib = nib0;
                if (rows_in && ix0 >= 0 && ix0 + kw_eff <= p->in_w) {
                    base = input + ((b * p->in_h + iy0) * p->in_w + ix0) * p->in_c;
                } else {
                    eat_sparse_window_fill(win, win_w, input, p->in_h, p->in_w, p->in_c, b, iy0, ix0, kh_eff, kw_eff, pad);
                    base = win;
                }
                oc = 0;
                for (ic = 0; ic < p->in_c; ++ic) {
                    for (m = 0; m < p->depth_multiplier; ++m, ++oc) {
                        int32_t acc = eat_sparse_d4_dot(bias[oc], base + ic, pairs[oc], &v, &nib, p->in_c);
                        acc = eat_armv6m_requant(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
                        out[oc] = (int8_t)eat_clamp_i32(acc, p->act_min, p->act_max);
                    }
                }
                out += p->out_c;
            }
        }
    }
}

#endif /* __ARM_ARCH_6M__ */
