/* Portable DEPTHWISE_CONV_2D int8 with the input offset folded into the bias at compile time.
 *
 * bias[c] = bias + input_offset * sum over taps of w[tap][c] (pipeline/compiler/kernels.py). Per
 * output pixel the out_c int32 accumulators live in scratch (4 * out_c bytes, planned in the
 * arena); taps run outer and channels inner, so input and weights are read contiguously. A tap
 * outside the input (padding) reads the input zero point, whose x + input_offset is 0. */
#include "eat/depthwise_conv.h"
#include "eat/requant.h"

size_t eat_depthwise_conv2d_s8_folded_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p)
{
    return (size_t)p->out_c * sizeof(int32_t);
}

void eat_depthwise_conv2d_s8_folded(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                    const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    int32_t *acc = (int32_t *)scratch;
    const int32_t zp = -p->input_offset;
    const int32_t dm = p->depth_multiplier;
    int32_t b, oy, ox, fy, fx, c, ic, m;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *img = input + b * p->in_h * p->in_w * p->in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                int8_t *out = output + ((b * p->out_h + oy) * p->out_w + ox) * p->out_c;
                for (c = 0; c < p->out_c; ++c) {
                    acc[c] = bias[c];
                }
                for (fy = 0; fy < p->k_h; ++fy) {
                    const int32_t iy = y0 + p->dilation_h * fy;
                    const int y_in = iy >= 0 && iy < p->in_h;
                    for (fx = 0; fx < p->k_w; ++fx) {
                        const int32_t ix = x0 + p->dilation_w * fx;
                        const int8_t *f = w->data + (fy * p->k_w + fx) * p->out_c;
                        if (!y_in || ix < 0 || ix >= p->in_w) {
                            for (c = 0; c < p->out_c; ++c) {
                                acc[c] += zp * f[c];
                            }
                        } else if (dm == 1) {
                            const int8_t *in = img + (iy * p->in_w + ix) * p->in_c;
                            for (c = 0; c < p->out_c; ++c) {
                                acc[c] += (int32_t)in[c] * f[c];
                            }
                        } else {
                            const int8_t *in = img + (iy * p->in_w + ix) * p->in_c;
                            for (ic = 0, c = 0; ic < p->in_c; ++ic) {
                                const int32_t x = in[ic];
                                for (m = 0; m < dm; ++m, ++c) {
                                    acc[c] += x * f[c];
                                }
                            }
                        }
                    }
                }
                for (c = 0; c < p->out_c; ++c) {
                    out[c] = eat_requant_s8(acc[c], p->multiplier[c], p->shift[c], p->output_offset,
                                            p->act_min, p->act_max);
                }
            }
        }
    }
}
