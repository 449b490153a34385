/* MAX_POOL_2D / AVERAGE_POOL_2D int8 kernels (TFLM reference_integer_ops pooling: the same window,
 * the same max, the same rounded average), walking each window with pointers, channel by channel
 * (eat/pooling.h's window rows and columns, max, sum and average). */
#include "eat/pooling.h"

void eat_max_pool2d_s8(const eat_pool2d_s8_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t b, oy, ox, c;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int8_t *row = input;
            const int32_t rows = eat_pool_rows(p, input, b, oy, &row);
            for (ox = 0; ox < p->out_w; ++ox) {
                const int8_t *first = row;
                const int32_t cols = eat_pool_cols(p, row, ox, &first);
                const int inside = rows > 0 && cols > 0;
                for (c = 0; c < p->channels; ++c) {
                    const int32_t m = inside ? eat_pool_max(p, first + c, rows, cols) : -128;
                    *output++ = (int8_t)eat_clamp_i32(m, p->act_min, p->act_max);
                }
            }
        }
    }
}

void eat_avg_pool2d_s8(const eat_pool2d_s8_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t b, oy, ox, c;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int8_t *row = input;
            const int32_t rows = eat_pool_rows(p, input, b, oy, &row);
            for (ox = 0; ox < p->out_w; ++ox) {
                const int8_t *first = row;
                const int32_t cols = eat_pool_cols(p, row, ox, &first);
                const int inside = rows > 0 && cols > 0;
                for (c = 0; c < p->channels; ++c) {   /* no tap: 0, as TFLM's sum before its division */
                    const int32_t v = inside ? eat_pool_average(eat_pool_sum(p, first + c, rows, cols), rows * cols) : 0;
                    *output++ = (int8_t)eat_clamp_i32(v, p->act_min, p->act_max);
                }
            }
        }
    }
}
