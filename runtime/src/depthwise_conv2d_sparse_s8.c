/* Zero-skipping DEPTHWISE_CONV_2D int8 (any kernel size, stride, dilation, padding, depth
 * multiplier) over EAT_WEIGHTS_SPARSE_D4 (eat/sparse.h, steps in input pixels); bit-exact with
 * TFLM's DepthwiseConvPerChannel on the same weights. */
#include "eat/sparse.h"

size_t eat_depthwise_conv2d_s8_sparse_d4_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p)
{
    const int32_t kh_eff = (p->k_h - 1) * p->dilation_h + 1;
    const int32_t kw_eff = (p->k_w - 1) * p->dilation_w + 1;
    const int32_t win_w = p->in_w > kw_eff ? p->in_w : kw_eff;   /* see eat/sparse.h */
    return (size_t)((kh_eff - 1) * win_w * p->in_c + kw_eff * p->in_c);
}

void eat_depthwise_conv2d_s8_sparse_d4(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                       const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t kh_eff = (p->k_h - 1) * p->dilation_h + 1;
    const int32_t kw_eff = (p->k_w - 1) * p->dilation_w + 1;
    const uint8_t *counts = (const uint8_t *)w->index;
    const uint8_t *nib0 = counts + p->out_c;
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
                        int32_t acc = eat_sparse_d4_dot(bias[oc], base + ic, counts[oc], &v, &nib, p->in_c);
                        acc = eat_mbqm(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
                        out[oc] = (int8_t)eat_clamp_i32(acc, p->act_min, p->act_max);
                    }
                }
                out += p->out_c;
            }
        }
    }
}
