/* MAX_POOL_2D and AVERAGE_POOL_2D int8 for ARMv7E-M (Cortex-M4/M7): four channels per word. The max: the
 * running max of each window by SSUB8 + SEL (per byte lane: GE where a - b >= 0 as signed bytes, then a where
 * GE, else b). The average: the window's sums in int16 lanes by SXTAB16 (channels 0 and 2 of the word) and
 * SXTAB16 ROR #8 (1 and 3), then per channel TFLM's rounded division. Any window, stride and padding.
 *
 * Why: the portable kernel (pooling_s8.c) compares byte by byte, ~70 instructions per output of a 2x2 window
 * under QEMU: the example's 8x8x16 -> 4x4x16 max pool took 18,458 instructions on the nucleo_f446re, a fifth of
 * the model. Here a tap costs a word load, SSUB8 and SEL for four channels.
 *
 * The window is TFLM's: the taps inside the input, the max of those (reference_integer_ops::MaxPool), clamped
 * to [act_min, act_max]; channels beyond the last whole word are done byte by byte. Loads and stores are
 * 32-bit at any address (ARMv7-M LDR / STR allow unaligned; eat_rd32 / eat_wr32). The planner may lay the
 * output over the input (planner.window_delta, which assumes each pixel's channels are written before the next
 * pixel's window is read): per word all its taps are read before it is written, as the portable kernel does
 * per channel. The average's int16 lanes hold any window of up to 256 taps (|sum| <= 256 * 128 = 2^15);
 * larger windows sum in int32 channel by channel. Chosen by the compiler's registry for cortex-m4 / cortex-m7
 * (pipeline/compiler/kernels_registry.py). Elsewhere this file compiles to nothing. */
#include "eat/armv7em.h"
#include "eat/pooling.h"

#if EAT_ARMV7EM_DSP

/* M = per signed byte lane max(M, X), in place (SEL writes M; SSUB8's difference is not needed, its GE flags
 * are). */
#define EAT_MAX4(M, X)                                                                                   \
    do {                                                                                                 \
        int32_t eat_d_;                                                                                  \
        __asm__("ssub8 %[d], %[m], %[x]\n\tsel %[m], %[m], %[x]" : [m] "+r"(M), [d] "=&r"(eat_d_)       \
                : [x] "r"(X) : "cc");                                                                    \
    } while (0)

/* M = per signed byte lane min(M, X), in place. */
#define EAT_MIN4(M, X)                                                                                   \
    do {                                                                                                 \
        int32_t eat_d_;                                                                                  \
        __asm__("ssub8 %[d], %[m], %[x]\n\tsel %[m], %[x], %[m]" : [m] "+r"(M), [d] "=&r"(eat_d_)       \
                : [x] "r"(X) : "cc");                                                                    \
    } while (0)

void eat_max_pool2d_s8_dsp(const eat_pool2d_s8_params_t *p, const int8_t *input, int8_t *output)
{
    const int32_t channels = p->channels, words = channels & ~3, row_step = p->in_w * channels;
    const int clamp = p->act_min > -128 || p->act_max < 127;
    const int32_t lo4 = eat_bytes4(p->act_min), hi4 = eat_bytes4(p->act_max);
    int32_t b, oy, ox, c, fy, fx;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int8_t *in_row = input;
            const int32_t rows = eat_pool_rows(p, input, b, oy, &in_row);
            for (ox = 0; ox < p->out_w; ++ox, output += channels) {
                const int8_t *first = in_row;
                const int32_t cols = eat_pool_cols(p, in_row, ox, &first);
                if (rows <= 0 || cols <= 0) {   /* TFLM's max of nothing */
                    eat_pool_fill(p, output, -128);
                    continue;
                }
                for (c = 0; c < words; c += 4) {
                    const int8_t *row = first + c;
                    int32_t m = eat_rd32(row);
                    if (rows == 2 && cols == 2) {   /* the common 2x2 window, straight-line */
                        const int32_t t1 = eat_rd32(row + channels), t2 = eat_rd32(row + row_step);
                        const int32_t t3 = eat_rd32(row + row_step + channels);
                        EAT_MAX4(m, t1);
                        EAT_MAX4(m, t2);
                        EAT_MAX4(m, t3);
                    } else {             /* (the first tap again: max is idempotent) */
                        for (fy = 0; fy < rows; ++fy, row += row_step) {
                            const int8_t *tap = row;
                            for (fx = 0; fx < cols; ++fx, tap += channels) {
                                const int32_t t = eat_rd32(tap);
                                EAT_MAX4(m, t);
                            }
                        }
                    }
                    if (clamp) {
                        EAT_MAX4(m, lo4);
                        EAT_MIN4(m, hi4);
                    }
                    eat_wr32(output + c, m);
                }
                for (; c < channels; ++c) {      /* the last 1-3 channels */
                    output[c] = (int8_t)eat_clamp_i32(eat_pool_max(p, first + c, rows, cols), p->act_min, p->act_max);
                }
            }
        }
    }
}

void eat_avg_pool2d_s8_dsp(const eat_pool2d_s8_params_t *p, const int8_t *input, int8_t *output)
{
    const int32_t channels = p->channels, row_step = p->in_w * channels;
    int32_t b, oy, ox, c, fy, fx;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int8_t *in_row = input;
            const int32_t rows = eat_pool_rows(p, input, b, oy, &in_row);
            for (ox = 0; ox < p->out_w; ++ox, output += channels) {
                const int8_t *first = in_row;
                const int32_t cols = eat_pool_cols(p, in_row, ox, &first);
                int32_t count, words;
                if (rows <= 0 || cols <= 0) {   /* the portable kernel's 0 */
                    eat_pool_fill(p, output, 0);
                    continue;
                }
                count = rows * cols;
                words = count <= 256 ? channels & ~3 : 0;   /* int16 lanes hold 256 taps */
                for (c = 0; c < words; c += 4) {
                    const int8_t *row = first + c;
                    int32_t s02 = 0, s13 = 0;   /* int16 lanes: channels c, c + 2 and c + 1, c + 3 */
                    for (fy = 0; fy < rows; ++fy, row += row_step) {
                        const int8_t *tap = row;
                        for (fx = 0; fx < cols; ++fx, tap += channels) {
                            const int32_t x = eat_rd32(tap);
                            s02 = __sxtab16(s02, x);
                            s13 = eat_sxtab16_ror8(s13, x);
                        }
                    }
                    output[c] = eat_pool_average_s8((int16_t)s02, count, p);
                    output[c + 1] = eat_pool_average_s8((int16_t)s13, count, p);
                    output[c + 2] = eat_pool_average_s8(s02 >> 16, count, p);
                    output[c + 3] = eat_pool_average_s8(s13 >> 16, count, p);
                }
                for (; c < channels; ++c) {      /* the last channels % 4, or every channel of a window > 256 */
                    output[c] = eat_pool_average_s8(eat_pool_sum(p, first + c, rows, cols), count, p);
                }
            }
        }
    }
}

#endif /* EAT_ARMV7EM_DSP */
