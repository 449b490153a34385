/* MAX_POOL_2D int8 for RV32IMC: each output pixel's window worked out once, then the channels walked with one
 * pointer per tap; the 2x2 window straight-line (four lb, three compares) and the activation's clamp only when
 * it is not the int8 range.
 *
 * Why: the portable kernel (pooling_s8.c) sets up every channel's walk of the window's rows and columns, ~52
 * labwired instructions per output of a 2x2 window (the example's 8x8x16 -> 4x4x16 max pool: 13,447 on the
 * ESP32-C3). Same window and result as TFLM's reference_integer_ops::MaxPool: the max of the taps inside the
 * input, clamped to [act_min, act_max]. Each pixel's channels are read and written in order, channel by
 * channel, as the portable kernel does (planner.window_delta may lay the output over the input). Chosen by the
 * compiler's registry for core "rv32imc" (pipeline/compiler/kernels_rv32.py); plain C99. */
#include "eat/rv32.h"

/* The larger of two int8 values, as int32. */
static inline int32_t max_i8(int32_t a, int32_t b)
{
    return b > a ? b : a;
}

/* out[c] = max over the taps t0..t3 at c (2x2 windows), c < channels, clamped when clamp. */
static void max4_pixel(const int8_t *t0, const int8_t *t1, const int8_t *t2, const int8_t *t3, int8_t *out,
                       int32_t channels, const eat_pool2d_s8_params_t *p, int clamp)
{
    int32_t c;
    if (!clamp) {
        for (c = 0; c < channels; ++c) {
            out[c] = (int8_t)max_i8(max_i8(t0[c], t1[c]), max_i8(t2[c], t3[c]));
        }
        return;
    }
    for (c = 0; c < channels; ++c) {
        out[c] = (int8_t)eat_clamp_i32(max_i8(max_i8(t0[c], t1[c]), max_i8(t2[c], t3[c])), p->act_min, p->act_max);
    }
}

void eat_max_pool2d_s8_rv32(const eat_pool2d_s8_params_t *p, const int8_t *input, int8_t *output)
{
    const int32_t channels = p->channels, row_step = p->in_w * channels;
    const int clamp = p->act_min > -128 || p->act_max < 127;
    int32_t b, oy, ox, c;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int8_t *row = input;
            const int32_t rows = eat_pool_rows(p, input, b, oy, &row);
            for (ox = 0; ox < p->out_w; ++ox, output += channels) {
                const int8_t *first = row;
                const int32_t cols = eat_pool_cols(p, row, ox, &first);
                const int inside = rows > 0 && cols > 0;
                if (inside && rows == 2 && cols == 2) {
                    max4_pixel(first, first + channels, first + row_step, first + row_step + channels, output,
                               channels, p, clamp);
                    continue;
                }
                for (c = 0; c < channels; ++c) {   /* other windows; none inside: TFLM's max of nothing */
                    const int32_t m = inside ? eat_pool_max(p, first + c, rows, cols) : -128;
                    output[c] = (int8_t)eat_clamp_i32(m, p->act_min, p->act_max);
                }
            }
        }
    }
}
