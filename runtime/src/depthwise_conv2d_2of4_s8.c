/* Portable DEPTHWISE_CONV_2D int8 over EAT_WEIGHTS_SPARSE_2OF4_DW (eat/sparse_2of4.h): the "generic" kernel of
 * the per-tap 2:4 records; bit-exact with TFLM's DepthwiseConvPerChannel on the same (2:4-pruned) weights.
 * Channel outer: each output channel's record is decoded once into its non-zero taps, then every output
 * pixel sums them (a tap in the padding reads the input zero point, so with the folded bias it adds 0). */
#include "eat/sparse_2of4.h"

size_t eat_depthwise_conv2d_s8_sparse_2of4_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p)
{
    return (size_t)(4 * p->k_h * p->k_w);
}

void eat_depthwise_conv2d_s8_sparse_2of4(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                         const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t taps = p->k_h * p->k_w, rec = eat_2of4_dw_record(taps);
    const int32_t C = p->out_c, IC = p->in_c;
    const int8_t zp = (int8_t)(-p->input_offset);
    int16_t *tap = (int16_t *)scratch;
    int16_t *wt = tap + taps;
    int32_t b, c, oy, ox, i;
    for (c = 0; c < C; ++c) {
        const int32_t n = eat_2of4_dw_decode(w->data + c * rec, taps, tap, wt);
        const int32_t ic = c / p->depth_multiplier;
        for (b = 0; b < p->batches; ++b) {
            const int8_t *img = input + b * p->in_h * p->in_w * IC + ic;
            int8_t *out = output + b * p->out_h * p->out_w * C + c;
            for (oy = 0; oy < p->out_h; ++oy) {
                const int32_t iy0 = oy * p->stride_h - p->pad_h;
                for (ox = 0; ox < p->out_w; ++ox, out += C) {
                    const int32_t ix0 = ox * p->stride_w - p->pad_w;
                    int32_t acc = bias[c];
                    for (i = 0; i < n; ++i) {
                        const int32_t fy = tap[i] / p->k_w, fx = tap[i] - fy * p->k_w;
                        const int32_t iy = iy0 + fy * p->dilation_h, ix = ix0 + fx * p->dilation_w;
                        const int8_t x = (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w)
                                             ? zp : img[(iy * p->in_w + ix) * IC];
                        acc += (int32_t)wt[i] * x;
                    }
                    acc = eat_mbqm(acc, p->multiplier[c], p->shift[c]) + p->output_offset;
                    *out = (int8_t)eat_clamp_i32(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}
