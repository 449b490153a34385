/* DEPTHWISE_CONV_2D int8, depth multiplier 1, for ARMv7E-M (Cortex-M4/M7): 4 channels per step.
 *
 * Chosen by the compiler's registry for cortex-m4 / cortex-m7 when depth_multiplier == 1
 * (pipeline/compiler/kernels_registry.py). What the compiler prepared:
 * - bias[c] = bias + input_offset * sum over taps of w[tap][c]: the accumulators sum raw int8
 *   products, and a tap in the padding reads the input zero point (x + input_offset = 0, as TFLM
 *   skips it);
 * - weights in layout dw_c4_taps, [C4 / 4][k_h * k_w][4] (channels zero-padded to C4): a block of 4
 *   channels reads its taps as consecutive aligned words.
 * Per tap, one input word and one weight word give 4 channels: SXTB16 / SXTB16 ROR 8 split both
 * into (c0, c2) and (c1, c3), SMLABB / SMLATT multiply lane by lane. Pixels whose window lies inside
 * the input take a path without bounds checks. Each pixel's channels are written after its taps
 * are read (the planner's overlap stays safe). Elsewhere this file compiles to nothing. */
#include "eat/armv7em.h"
#include "eat/depthwise_conv.h"
#include "eat/requant.h"

#if EAT_ARMV7EM_DSP
#pragma GCC optimize("O3")   /* -O3 here: kws on nucleo_f446re 8,368,036 -> 8,246,780 instructions */
#include "window_armv7em.h"   /* after the pragma: its helpers compile at O3 like the kernel */

size_t eat_depthwise_conv2d_s8_dsp_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p)
{
    (void)p;
    return 0;
}

#define DW_TAP(xv, wv)                                         \
    do {                                                       \
        const int32_t x02_ = __sxtb16(xv), x13_ = eat_sxtb16_ror8(xv); \
        const int32_t w02_ = __sxtb16(wv), w13_ = eat_sxtb16_ror8(wv); \
        a0 = __smlabb(x02_, w02_, a0);                         \
        a2 = __smlatt(x02_, w02_, a2);                         \
        a1 = __smlabb(x13_, w13_, a1);                         \
        a3 = __smlatt(x13_, w13_, a3);                         \
    } while (0)

static inline int8_t out_s8(const eat_depthwise_conv2d_s8_params_t *p, int32_t acc, int32_t c)
{
    return eat_requant_s8(acc, p->multiplier[c], p->shift[c], p->output_offset, p->act_min, p->act_max);
}

static inline void store4(const eat_depthwise_conv2d_s8_params_t *p, int8_t *out, int32_t c, int32_t n,
                          int32_t a0, int32_t a1, int32_t a2, int32_t a3)
{
    out[c] = out_s8(p, a0, c);
    if (n > 1) {
        out[c + 1] = out_s8(p, a1, c + 1);
    }
    if (n > 2) {
        out[c + 2] = out_s8(p, a2, c + 2);
    }
    if (n > 3) {
        out[c + 3] = out_s8(p, a3, c + 3);
    }
}

void eat_depthwise_conv2d_s8_dsp(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                 const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t C = p->out_c;
    const int32_t taps = p->k_h * p->k_w;
    const int32_t zp = -p->input_offset;
    const int32_t zp4 = (int32_t)((uint32_t)(uint8_t)zp * 0x01010101u);
    const int32_t tap_dy = p->dilation_h * p->in_w * C, tap_dx = p->dilation_w * C;
    const int32_t *wblocks = (const int32_t *)__builtin_assume_aligned(w->data, 4);
    int32_t b, oy, ox, c, fy, fx;
    (void)scratch;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *img = input + b * p->in_h * p->in_w * C;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                int8_t *out = output + ((b * p->out_h + oy) * p->out_w + ox) * C;
                const int inside = EAT_ARMV7EM_DW_INSIDE(p, y0, x0);
                for (c = 0; c < C; c += 4) {
                    const int32_t n = C - c < 4 ? C - c : 4;
                    const int32_t *wp = wblocks + (c >> 2) * taps;
                    int32_t a0 = bias[c], a1 = n > 1 ? bias[c + 1] : 0;
                    int32_t a2 = n > 2 ? bias[c + 2] : 0, a3 = n > 3 ? bias[c + 3] : 0;
                    if (inside && n == 4) {
                        const int8_t *row = img + (y0 * p->in_w + x0) * C + c;
                        if (p->k_w == 3) {   /* the common 3-wide row, unrolled */
                            for (fy = 0; fy < p->k_h; ++fy, row += tap_dy, wp += 3) {
                                int32_t xv = eat_rd32(row);
                                DW_TAP(xv, wp[0]);
                                xv = eat_rd32(row + tap_dx);
                                DW_TAP(xv, wp[1]);
                                xv = eat_rd32(row + 2 * tap_dx);
                                DW_TAP(xv, wp[2]);
                            }
                        } else {
                            for (fy = 0; fy < p->k_h; ++fy, row += tap_dy) {
                                const int8_t *src = row;
                                for (fx = 0; fx < p->k_w; ++fx, src += tap_dx) {
                                    const int32_t xv = eat_rd32(src);
                                    const int32_t wv = *wp++;
                                    DW_TAP(xv, wv);
                                }
                            }
                        }
                    } else {
                        for (fy = 0; fy < p->k_h; ++fy) {
                            const int32_t iy = y0 + p->dilation_h * fy;
                            for (fx = 0; fx < p->k_w; ++fx) {
                                const int32_t ix = x0 + p->dilation_w * fx;
                                const int32_t wv = *wp++;
                                int32_t xv = zp4;
                                if (iy >= 0 && iy < p->in_h && ix >= 0 && ix < p->in_w) {
                                    const int8_t *src = img + (iy * p->in_w + ix) * C + c;
                                    if (n == 4) {
                                        xv = eat_rd32(src);
                                    } else {   /* the last, partial block: the missing lanes meet zero weights */
                                        int8_t tmp[4] = {0, 0, 0, 0};
                                        memcpy(tmp, src, (size_t)n);
                                        xv = eat_rd32(tmp);
                                    }
                                }
                                DW_TAP(xv, wv);
                            }
                        }
                    }
                    store4(p, out, c, n, a0, a1, a2, a3);
                }
            }
        }
    }
}

#elif defined(__ARM_ARCH_7EM__)
#error "ARMv7E-M build without the DSP extension flags: build with -mcpu=cortex-m4 or cortex-m7"
#else
typedef int eat_depthwise_conv2d_s8_dsp_unused_t;   /* not ARMv7E-M: nothing to compile */
#endif
