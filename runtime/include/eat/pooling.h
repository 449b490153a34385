/* MAX_POOL_2D and AVERAGE_POOL_2D, int8 NHWC (input and output share quantization). */
#ifndef EAT_POOLING_H
#define EAT_POOLING_H

#include "eat/common.h"

typedef struct {
    int32_t batches, in_h, in_w, channels, out_h, out_w;
    int32_t k_h, k_w, stride_h, stride_w, pad_h, pad_w;
    int32_t act_min, act_max;
} eat_pool2d_s8_params_t;

/* Output row (b, oy)'s window rows inside the input (TFLM's filter clipped to it): returns how many (<= 0:
 * none) and, when any, sets *row to the first one's column 0, channel 0. Worked out once per output row;
 * eat_pool_cols does the columns per pixel. Every pooling kernel's window. */
static inline int32_t eat_pool_rows(const eat_pool2d_s8_params_t *p, const int8_t *input, int32_t b, int32_t oy,
                                    const int8_t **row)
{
    const int32_t in_y0 = oy * p->stride_h - p->pad_h;
    const int32_t fy0 = eat_max_i32(0, -in_y0);
    const int32_t rows = eat_min_i32(p->k_h, p->in_h - in_y0) - fy0;
    if (rows > 0) {
        *row = input + (b * p->in_h + in_y0 + fy0) * p->in_w * p->channels;
    }
    return rows;
}

/* Output column ox's window columns inside the input: how many (<= 0: none) and, when any, *first = the first
 * tap (channel 0) in `row`. */
static inline int32_t eat_pool_cols(const eat_pool2d_s8_params_t *p, const int8_t *row, int32_t ox,
                                    const int8_t **first)
{
    const int32_t in_x0 = ox * p->stride_w - p->pad_w;
    const int32_t fx0 = eat_max_i32(0, -in_x0);
    const int32_t cols = eat_min_i32(p->k_w, p->in_w - in_x0) - fx0;
    if (cols > 0) {
        *first = row + (in_x0 + fx0) * p->channels;
    }
    return cols;
}

/* The max of one channel over rows x cols taps from `row` (rows in_w * channels bytes apart, columns
 * `channels`), from -128 (TFLM's lowest). */
static inline int32_t eat_pool_max(const eat_pool2d_s8_params_t *p, const int8_t *row, int32_t rows, int32_t cols)
{
    const int32_t channels = p->channels, row_step = p->in_w * channels;
    int32_t m = -128, fy, fx;
    for (fy = 0; fy < rows; ++fy, row += row_step) {
        const int8_t *tap = row;
        for (fx = 0; fx < cols; ++fx, tap += channels) {
            m = *tap > m ? *tap : m;
        }
    }
    return m;
}

/* The sum of the same taps. */
static inline int32_t eat_pool_sum(const eat_pool2d_s8_params_t *p, const int8_t *row, int32_t rows, int32_t cols)
{
    const int32_t channels = p->channels, row_step = p->in_w * channels;
    int32_t sum = 0, fy, fx;
    for (fy = 0; fy < rows; ++fy, row += row_step) {
        const int8_t *tap = row;
        for (fx = 0; fx < cols; ++fx, tap += channels) {
            sum += *tap;
        }
    }
    return sum;
}

/* TFLM's average of a sum over count taps: rounded half away from zero. */
static inline int32_t eat_pool_average(int32_t sum, int32_t count)
{
    return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

/* The int8 output of an average: eat_pool_average clamped to the activation. */
static inline int8_t eat_pool_average_s8(int32_t sum, int32_t count, const eat_pool2d_s8_params_t *p)
{
    return (int8_t)eat_clamp_i32(eat_pool_average(sum, count), p->act_min, p->act_max);
}

/* A pixel whose window holds no tap: every channel v (TFLM's -128 for the max, 0 for the average) clamped. */
static inline void eat_pool_fill(const eat_pool2d_s8_params_t *p, int8_t *output, int32_t v)
{
    const int8_t out = (int8_t)eat_clamp_i32(v, p->act_min, p->act_max);
    int32_t c;
    for (c = 0; c < p->channels; ++c) {
        output[c] = out;
    }
}

void eat_max_pool2d_s8(const eat_pool2d_s8_params_t *p, const int8_t *input, int8_t *output);
void eat_avg_pool2d_s8(const eat_pool2d_s8_params_t *p, const int8_t *input, int8_t *output);
/* ARMv7E-M DSP (runtime/src/armv7em/pooling_s8_dsp.c): four channels per word, any window; the max by SSUB8 +
 * SEL per tap, the average's sums by SXTAB16 in int16 lanes (windows of up to 256 taps); the last channels % 4
 * byte by byte. */
void eat_max_pool2d_s8_dsp(const eat_pool2d_s8_params_t *p, const int8_t *input, int8_t *output);
void eat_avg_pool2d_s8_dsp(const eat_pool2d_s8_params_t *p, const int8_t *input, int8_t *output);

#endif
