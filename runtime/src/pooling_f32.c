/* Float pooling in the order of TFLM's reference_ops::AveragePool / MaxPool (float): the window
 * clamped to the image; average = total / (float)count with total summed row by row from 0.f;
 * max starts at -FLT_MAX (numeric_limits<float>::lowest) and takes std::max in window order. */
#include <float.h>

#include "eat/pooling_f32.h"

static void pool(const eat_pool2d_f32_params_t *p, const float *input, float *output, int is_max)
{
    int32_t b, oy, ox, c, ky, kx;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            for (ox = 0; ox < p->out_w; ++ox) {
                for (c = 0; c < p->channels; ++c) {
                    const int32_t x0 = ox * p->stride_w - p->pad_w;
                    const int32_t y0 = oy * p->stride_h - p->pad_h;
                    const int32_t kx0 = x0 < 0 ? -x0 : 0;
                    const int32_t ky0 = y0 < 0 ? -y0 : 0;
                    const int32_t kx1 = p->k_w < p->in_w - x0 ? p->k_w : p->in_w - x0;
                    const int32_t ky1 = p->k_h < p->in_h - y0 ? p->k_h : p->in_h - y0;
                    float acc = is_max ? -FLT_MAX : 0.f;
                    float count = 0;
                    for (ky = ky0; ky < ky1; ++ky) {
                        for (kx = kx0; kx < kx1; ++kx) {
                            const float v = input[((b * p->in_h + y0 + ky) * p->in_w + x0 + kx) * p->channels + c];
                            if (is_max) {
                                acc = (acc < v) ? v : acc;   /* std::max(acc, v) */
                            } else {
                                acc += v;
                            }
                            count++;
                        }
                    }
                    if (!is_max) {
                        acc = acc / count;
                    }
                    output[((b * p->out_h + oy) * p->out_w + ox) * p->channels + c] =
                        eat_act_f32(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}

void eat_max_pool2d_f32(const eat_pool2d_f32_params_t *p, const float *input, float *output)
{
    pool(p, input, output, 1);
}

void eat_avg_pool2d_f32(const eat_pool2d_f32_params_t *p, const float *input, float *output)
{
    pool(p, input, output, 0);
}
