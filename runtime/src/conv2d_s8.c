/* Reference CONV_2D int8 per-channel kernel (arithmetic of TFLM reference_integer_ops::ConvPerChannel). */
#include "eat/conv.h"

size_t eat_conv2d_s8_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    (void)p;
    return 0;
}

void eat_conv2d_s8(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                   const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int8_t *weights = w->data;
    const int32_t groups = p->in_c / p->filter_in_c;
    const int32_t filters_per_group = p->out_c / groups;
    int32_t b, oy, ox, oc, fy, fx, ic;
    (void)scratch;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                for (oc = 0; oc < p->out_c; ++oc) {
                    const int32_t group = oc / filters_per_group;
                    const int8_t *filt = weights + oc * p->k_h * p->k_w * p->filter_in_c;
                    int32_t acc = 0;
                    for (fy = 0; fy < p->k_h; ++fy) {
                        const int32_t iy = in_y0 + p->dilation_h * fy;
                        if (iy < 0 || iy >= p->in_h) {
                            continue;
                        }
                        for (fx = 0; fx < p->k_w; ++fx) {
                            const int32_t ix = in_x0 + p->dilation_w * fx;
                            const int8_t *in;
                            const int8_t *f;
                            if (ix < 0 || ix >= p->in_w) {
                                continue;
                            }
                            in = input + ((b * p->in_h + iy) * p->in_w + ix) * p->in_c
                                 + group * p->filter_in_c;
                            f = filt + (fy * p->k_w + fx) * p->filter_in_c;
                            for (ic = 0; ic < p->filter_in_c; ++ic) {
                                acc += (int32_t)f[ic] * ((int32_t)in[ic] + p->input_offset);
                            }
                        }
                    }
                    if (bias != NULL) {
                        acc += bias[oc];
                    }
                    acc = eat_mbqm(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
                    output[((b * p->out_h + oy) * p->out_w + ox) * p->out_c + oc] =
                        (int8_t)eat_clamp_i32(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}
