/* Portable CONV_2D int8 (not grouped) with the input offset folded into the bias at compile time.
 *
 * bias[c] = bias + input_offset * sum(filter c) (pipeline/compiler/kernels.py), so the kernel sums
 * raw x * w; a tap outside the input (padding) reads the input zero point, whose x + input_offset
 * is 0 as in TFLM, which skips it. Pixels whose window lies inside the input take the fast path:
 * no bounds checks, each filter row one contiguous run of k_w * in_c bytes (dilation_w 1), two
 * output channels per pass. Output is written in flat order, one pixel at a time (planner overlap). */
#include "eat/conv.h"
#include "eat/requant.h"

size_t eat_conv2d_s8_folded_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    (void)p;
    return 0;
}

/* One filter against one window that may cross the border: out-of-bounds taps read zero point zp. */
static int32_t border_dot(const eat_conv2d_s8_params_t *p, const int8_t *img, const int8_t *filt,
                          int32_t y0, int32_t x0, int32_t zp)
{
    int32_t acc = 0, fy, fx, c;
    for (fy = 0; fy < p->k_h; ++fy) {
        const int32_t iy = y0 + p->dilation_h * fy;
        for (fx = 0; fx < p->k_w; ++fx) {
            const int32_t ix = x0 + p->dilation_w * fx;
            const int8_t *f = filt + (fy * p->k_w + fx) * p->in_c;
            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                for (c = 0; c < p->in_c; ++c) {
                    acc += zp * f[c];
                }
            } else {
                const int8_t *in = img + (iy * p->in_w + ix) * p->in_c;
                for (c = 0; c < p->in_c; ++c) {
                    acc += (int32_t)in[c] * f[c];
                }
            }
        }
    }
    return acc;
}

void eat_conv2d_s8_folded(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                          const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t zp = -p->input_offset;
    const int32_t row_len = p->k_w * p->in_c;            /* one filter row */
    const int32_t filt_len = p->k_h * row_len;
    const int32_t row_step = p->dilation_h * p->in_w * p->in_c;
    const int32_t span_h = (p->k_h - 1) * p->dilation_h, span_w = (p->k_w - 1) * p->dilation_w;
    int32_t b, oy, ox, oc, fy, k;
    (void)scratch;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *img = input + b * p->in_h * p->in_w * p->in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                int8_t *out = output + ((b * p->out_h + oy) * p->out_w + ox) * p->out_c;
                const int inside = y0 >= 0 && y0 + span_h < p->in_h && x0 >= 0 && x0 + span_w < p->in_w
                                   && p->dilation_w == 1;
                if (!inside) {
                    for (oc = 0; oc < p->out_c; ++oc) {
                        const int32_t acc = bias[oc] + border_dot(p, img, w->data + oc * filt_len, y0, x0, zp);
                        out[oc] = eat_requant_s8(acc, p->multiplier[oc], p->shift[oc], p->output_offset,
                                                 p->act_min, p->act_max);
                    }
                    continue;
                }
                {
                    const int8_t *win = img + (y0 * p->in_w + x0) * p->in_c;
                    for (oc = 0; oc + 1 < p->out_c; oc += 2) {
                        const int8_t *f0 = w->data + oc * filt_len;
                        const int8_t *f1 = f0 + filt_len;
                        int32_t a0 = bias[oc], a1 = bias[oc + 1];
                        for (fy = 0; fy < p->k_h; ++fy) {
                            const int8_t *in = win + fy * row_step;
                            for (k = 0; k < row_len; ++k) {
                                const int32_t x = in[k];
                                a0 += x * f0[k];
                                a1 += x * f1[k];
                            }
                            f0 += row_len;
                            f1 += row_len;
                        }
                        out[oc] = eat_requant_s8(a0, p->multiplier[oc], p->shift[oc], p->output_offset,
                                                 p->act_min, p->act_max);
                        out[oc + 1] = eat_requant_s8(a1, p->multiplier[oc + 1], p->shift[oc + 1],
                                                     p->output_offset, p->act_min, p->act_max);
                    }
                    if (oc < p->out_c) {
                        const int8_t *f0 = w->data + oc * filt_len;
                        int32_t a0 = bias[oc];
                        for (fy = 0; fy < p->k_h; ++fy) {
                            const int8_t *in = win + fy * row_step;
                            for (k = 0; k < row_len; ++k) {
                                a0 += (int32_t)in[k] * f0[fy * row_len + k];
                            }
                        }
                        out[oc] = eat_requant_s8(a0, p->multiplier[oc], p->shift[oc], p->output_offset,
                                                 p->act_min, p->act_max);
                    }
                }
            }
        }
    }
}
