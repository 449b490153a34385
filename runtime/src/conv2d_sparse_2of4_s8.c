/* Portable CONV_2D int8 (not grouped; any kernel, stride, dilation, padding) over EAT_WEIGHTS_SPARSE_2OF4
 * (eat/sparse_2of4.h): the "generic" kernel of the format; bit-exact with TFLM's ConvPerChannel on the
 * same (2:4-pruned) weights. Each pixel's receptive field is read in place when it is contiguous and
 * K % 8 == 0 (1x1, no padding), else gathered into scratch with the input zero point at padding taps
 * and zeros in the tail up to K8. */
#include <string.h>

#include "eat/sparse_2of4.h"

size_t eat_conv2d_s8_sparse_2of4_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    return (size_t)eat_2of4_k8(p->k_h * p->k_w * p->in_c);
}

void eat_conv2d_s8_sparse_2of4(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                               const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t c = p->in_c, k = p->k_h * p->k_w * c, k8 = eat_2of4_k8(k), pairs = k8 / 8;
    const int in_place = p->k_h == 1 && p->k_w == 1 && p->pad_h == 0 && p->pad_w == 0 && k == k8;
    int8_t *field = (int8_t *)scratch;
    int8_t *out = output;
    int32_t b, oy, ox, oc;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix0 = ox * p->stride_w - p->pad_w;
                const int8_t *x = field;
                const int8_t *s = w->data;
                if (in_place) {
                    x = input + ((b * p->in_h + iy0) * p->in_w + ix0) * c;
                } else {
                    eat_2of4_field(p, input, b, iy0, ix0, field, 0u);
                    memset(field + k, 0, (size_t)(k8 - k));
                }
                for (oc = 0; oc < p->out_c; ++oc, s += 5 * pairs) {
                    const int32_t acc = eat_mbqm(eat_2of4_dot(bias[oc], x, s, pairs), p->multiplier[oc], p->shift[oc])
                                        + p->output_offset;
                    out[oc] = (int8_t)eat_clamp_i32(acc, p->act_min, p->act_max);
                }
                out += p->out_c;
            }
        }
    }
}
