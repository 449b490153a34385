/* Reference DEPTHWISE_CONV_2D int8 per-channel kernel (TFLM reference_integer_ops::DepthwiseConvPerChannel). */
#include "eat/depthwise_conv.h"

size_t eat_depthwise_conv2d_s8_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p)
{
    (void)p;
    return 0;
}

void eat_depthwise_conv2d_s8(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                             const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int8_t *weights = w->data;
    int32_t b, oy, ox, ic, m, fy, fx;
    (void)scratch;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                for (ic = 0; ic < p->in_c; ++ic) {
                    for (m = 0; m < p->depth_multiplier; ++m) {
                        const int32_t oc = m + ic * p->depth_multiplier;
                        int32_t acc = 0;
                        for (fy = 0; fy < p->k_h; ++fy) {
                            const int32_t iy = in_y0 + p->dilation_h * fy;
                            if (iy < 0 || iy >= p->in_h) {
                                continue;
                            }
                            for (fx = 0; fx < p->k_w; ++fx) {
                                const int32_t ix = in_x0 + p->dilation_w * fx;
                                int32_t in_val, f_val;
                                if (ix < 0 || ix >= p->in_w) {
                                    continue;
                                }
                                in_val = input[((b * p->in_h + iy) * p->in_w + ix) * p->in_c + ic];
                                f_val = weights[(fy * p->k_w + fx) * p->out_c + oc];
                                acc += f_val * (in_val + p->input_offset);
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
}
