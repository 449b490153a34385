/* DEPTHWISE_CONV_2D float32 in the order of TFLM's reference_ops::DepthwiseConv (float): per
 * output element, total = 0.f, then filter rows and columns (points outside skipped),
 * total += in * w; output = act(total + bias). */
#include "eat/conv_f32.h"

void eat_depthwise_conv2d_f32(const eat_conv2d_f32_params_t *p, const float *weights, const float *bias,
                              const float *input, float *output)
{
    int32_t b, oy, ox, ic, m, ky, kx;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            for (ox = 0; ox < p->out_w; ++ox) {
                for (ic = 0; ic < p->in_c; ++ic) {
                    for (m = 0; m < p->depth_multiplier; ++m) {
                        const int32_t oc = m + ic * p->depth_multiplier;
                        const int32_t y0 = oy * p->stride_h - p->pad_h;
                        const int32_t x0 = ox * p->stride_w - p->pad_w;
                        float total = 0.f;
                        float bias_value = 0.0f;
                        for (ky = 0; ky < p->k_h; ++ky) {
                            for (kx = 0; kx < p->k_w; ++kx) {
                                const int32_t x = x0 + p->dilation_w * kx;
                                const int32_t y = y0 + p->dilation_h * ky;
                                if (x >= 0 && x < p->in_w && y >= 0 && y < p->in_h) {
                                    total += input[((b * p->in_h + y) * p->in_w + x) * p->in_c + ic] *
                                             weights[(ky * p->k_w + kx) * p->out_c + oc];
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
}
