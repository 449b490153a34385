/* CONV_2D float32 in the order of TFLM's reference_ops::Conv (float): per output element,
 * total = 0.f, then filter rows, filter columns (points outside the image skipped), input
 * channels of the group, total += in * w; output = act(total + bias). */
#include "eat/conv_f32.h"

void eat_conv2d_f32(const eat_conv2d_f32_params_t *p, const float *weights, const float *bias,
                    const float *input, float *output)
{
    const int32_t groups = p->in_c / p->filter_in_c;
    const int32_t per_group = p->out_c / groups;
    int32_t b, oy, ox, oc, ky, kx, ic;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                for (oc = 0; oc < p->out_c; ++oc) {
                    const int32_t group = oc / per_group;
                    float total = 0.f;
                    float bias_value = 0.0f;
                    for (ky = 0; ky < p->k_h; ++ky) {
                        const int32_t y = y0 + p->dilation_h * ky;
                        for (kx = 0; kx < p->k_w; ++kx) {
                            const int32_t x = x0 + p->dilation_w * kx;
                            const float *in;
                            const float *w;
                            if (x < 0 || x >= p->in_w || y < 0 || y >= p->in_h) {
                                continue;
                            }
                            in = input + ((b * p->in_h + y) * p->in_w + x) * p->in_c + group * p->filter_in_c;
                            w = weights + ((oc * p->k_h + ky) * p->k_w + kx) * p->filter_in_c;
                            for (ic = 0; ic < p->filter_in_c; ++ic) {
                                total += in[ic] * w[ic];
                            }
                        }
                    }
                    if (bias != NULL) {
                        bias_value = bias[oc];
                    }
                    output[((b * p->out_h + oy) * p->out_w + ox) * p->out_c + oc] =
                        eat_act_f32(total + bias_value, p->act_min, p->act_max);
                }
            }
        }
    }
}
