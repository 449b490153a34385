/* MAX_POOL_2D / AVERAGE_POOL_2D int8 kernels (TFLM reference_integer_ops pooling: the same window,
 * the same max, the same rounded average), walking each window with pointers, channel by channel. */
#include "eat/pooling.h"

/* The part of output pixel (b, oy, ox)'s window inside the input: its first element (channel 0),
 * rows x cols taps. Returns 0 when the window lies wholly in the padding. */
static int window_at(const eat_pool2d_s8_params_t *p, const int8_t *input, int32_t b, int32_t oy, int32_t ox,
                     const int8_t **first, int32_t *rows, int32_t *cols)
{
    const int32_t in_y0 = oy * p->stride_h - p->pad_h;
    const int32_t in_x0 = ox * p->stride_w - p->pad_w;
    const int32_t fy0 = eat_max_i32(0, -in_y0);
    const int32_t fy1 = eat_min_i32(p->k_h, p->in_h - in_y0);
    const int32_t fx0 = eat_max_i32(0, -in_x0);
    const int32_t fx1 = eat_min_i32(p->k_w, p->in_w - in_x0);
    *rows = fy1 - fy0;
    *cols = fx1 - fx0;
    if (*rows <= 0 || *cols <= 0) {
        return 0;
    }
    *first = input + ((b * p->in_h + in_y0 + fy0) * p->in_w + in_x0 + fx0) * p->channels;
    return 1;
}

void eat_max_pool2d_s8(const eat_pool2d_s8_params_t *p, const int8_t *input, int8_t *output)
{
    const int32_t channels = p->channels;
    const int32_t row_step = p->in_w * channels;
    int32_t b, oy, ox, c, fy, fx, rows = 0, cols = 0;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            for (ox = 0; ox < p->out_w; ++ox) {
                const int8_t *first = input;
                const int inside = window_at(p, input, b, oy, ox, &first, &rows, &cols);
                for (c = 0; c < channels; ++c) {
                    int32_t mx = -128;
                    const int8_t *row = first + c;
                    for (fy = 0; inside && fy < rows; ++fy, row += row_step) {
                        const int8_t *tap = row;
                        for (fx = 0; fx < cols; ++fx, tap += channels) {
                            if (*tap > mx) {
                                mx = *tap;
                            }
                        }
                    }
                    *output++ = (int8_t)eat_clamp_i32(mx, p->act_min, p->act_max);
                }
            }
        }
    }
}

void eat_avg_pool2d_s8(const eat_pool2d_s8_params_t *p, const int8_t *input, int8_t *output)
{
    const int32_t channels = p->channels;
    const int32_t row_step = p->in_w * channels;
    int32_t b, oy, ox, c, fy, fx, rows = 0, cols = 0;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            for (ox = 0; ox < p->out_w; ++ox) {
                const int8_t *first = input;
                const int inside = window_at(p, input, b, oy, ox, &first, &rows, &cols);
                const int32_t count = inside ? rows * cols : 0;
                for (c = 0; c < channels; ++c) {
                    int32_t acc = 0;
                    const int8_t *row = first + c;
                    for (fy = 0; inside && fy < rows; ++fy, row += row_step) {
                        const int8_t *tap = row;
                        for (fx = 0; fx < cols; ++fx, tap += channels) {
                            acc += *tap;
                        }
                    }
                    if (count != 0) {   /* round half away from zero, as TFLM */
                        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                    }
                    *output++ = (int8_t)eat_clamp_i32(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}
