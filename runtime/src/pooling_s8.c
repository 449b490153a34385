/* Reference MAX_POOL_2D / AVERAGE_POOL_2D int8 kernels (TFLM reference_integer_ops pooling). */
#include "eat/pooling.h"

void eat_max_pool2d_s8(const eat_pool2d_s8_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t b, oy, ox, c, fy, fx;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            const int32_t fy0 = eat_max_i32(0, -in_y0);
            const int32_t fy1 = eat_min_i32(p->k_h, p->in_h - in_y0);
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                const int32_t fx0 = eat_max_i32(0, -in_x0);
                const int32_t fx1 = eat_min_i32(p->k_w, p->in_w - in_x0);
                for (c = 0; c < p->channels; ++c) {
                    int32_t mx = -128;
                    for (fy = fy0; fy < fy1; ++fy) {
                        for (fx = fx0; fx < fx1; ++fx) {
                            const int32_t v = input[((b * p->in_h + in_y0 + fy) * p->in_w + in_x0 + fx)
                                                    * p->channels + c];
                            mx = eat_max_i32(mx, v);
                        }
                    }
                    output[((b * p->out_h + oy) * p->out_w + ox) * p->channels + c] =
                        (int8_t)eat_clamp_i32(mx, p->act_min, p->act_max);
                }
            }
        }
    }
}

void eat_avg_pool2d_s8(const eat_pool2d_s8_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t b, oy, ox, c, fy, fx;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            const int32_t fy0 = eat_max_i32(0, -in_y0);
            const int32_t fy1 = eat_min_i32(p->k_h, p->in_h - in_y0);
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                const int32_t fx0 = eat_max_i32(0, -in_x0);
                const int32_t fx1 = eat_min_i32(p->k_w, p->in_w - in_x0);
                for (c = 0; c < p->channels; ++c) {
                    int32_t acc = 0, count = 0;
                    for (fy = fy0; fy < fy1; ++fy) {
                        for (fx = fx0; fx < fx1; ++fx) {
                            acc += input[((b * p->in_h + in_y0 + fy) * p->in_w + in_x0 + fx)
                                         * p->channels + c];
                            ++count;
                        }
                    }
                    if (count == 0) {
                        acc = 0;
                    } else {
                        /* round half away from zero, as TFLM */
                        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                    }
                    output[((b * p->out_h + oy) * p->out_w + ox) * p->channels + c] =
                        (int8_t)eat_clamp_i32(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}
