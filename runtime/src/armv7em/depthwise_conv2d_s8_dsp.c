/* DEPTHWISE_CONV_2D int8, depth multiplier 1, for ARMv7E-M (Cortex-M4/M7): 4 channels per step.
 *
 * Chosen by the compiler's registry for cortex-m4 / cortex-m7 when depth_multiplier == 1.
 * bias[c] = bias + input_offset * sum over taps of w[tap][c], folded at compile time, so the
 * accumulators sum raw int8 products and a tap in the padding reads the input zero point (its
 * x + input_offset is 0, as TFLM skips it). Per tap, one word of input and one of weights give 4
 * channels: SXTB16 / SXTB16 ROR 8 split both into (c0, c2) and (c1, c3), SMLABB / SMLATT multiply
 * lane by lane. Each pixel's channels are written after its taps are read (planner overlap).
 * Elsewhere (the host, other ISAs) this file compiles to nothing. */
#include "eat/armv7em.h"
#include "eat/depthwise_conv.h"
#include "eat/requant.h"

#if EAT_ARMV7EM_DSP

size_t eat_depthwise_conv2d_s8_dsp_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p)
{
    (void)p;
    return 0;
}

static int8_t out_s8(const eat_depthwise_conv2d_s8_params_t *p, int32_t acc, int32_t c)
{
    return eat_requant_s8(acc, p->multiplier[c], p->shift[c], p->output_offset, p->act_min, p->act_max);
}

void eat_depthwise_conv2d_s8_dsp(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                 const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t C = p->out_c, C4 = p->out_c & ~3;
    const int32_t zp = -p->input_offset;
    const int32_t zp4 = (int32_t)((uint32_t)(uint8_t)zp * 0x01010101u);
    const int32_t tap_dy = p->dilation_h * p->in_w * C, tap_dx = p->dilation_w * C;
    int32_t b, oy, ox, c, fy, fx;
    (void)scratch;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *img = input + b * p->in_h * p->in_w * C;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                int8_t *out = output + ((b * p->out_h + oy) * p->out_w + ox) * C;
                const int inside = y0 >= 0 && y0 + (p->k_h - 1) * p->dilation_h < p->in_h && x0 >= 0
                                   && x0 + (p->k_w - 1) * p->dilation_w < p->in_w;
                const int8_t *win = img + (y0 * p->in_w + x0) * C;   /* only dereferenced in bounds */
                for (c = 0; c < C4; c += 4) {
                    int32_t a0 = bias[c], a1 = bias[c + 1], a2 = bias[c + 2], a3 = bias[c + 3];
                    const int8_t *f = w->data + c;
                    for (fy = 0; fy < p->k_h; ++fy) {
                        const int32_t iy = y0 + p->dilation_h * fy;
                        const int8_t *row = win + fy * tap_dy + c;
                        for (fx = 0; fx < p->k_w; ++fx, f += C) {
                            const int32_t ix = x0 + p->dilation_w * fx;
                            const int32_t xv = (inside || (iy >= 0 && iy < p->in_h && ix >= 0 && ix < p->in_w))
                                               ? eat_rd32(row + fx * tap_dx) : zp4;
                            const int32_t wv = eat_rd32(f);
                            const int32_t x02 = __sxtb16(xv), x13 = eat_sxtb16_ror8(xv);
                            const int32_t w02 = __sxtb16(wv), w13 = eat_sxtb16_ror8(wv);
                            a0 = __smlabb(x02, w02, a0);
                            a2 = __smlatt(x02, w02, a2);
                            a1 = __smlabb(x13, w13, a1);
                            a3 = __smlatt(x13, w13, a3);
                        }
                    }
                    out[c] = out_s8(p, a0, c);
                    out[c + 1] = out_s8(p, a1, c + 1);
                    out[c + 2] = out_s8(p, a2, c + 2);
                    out[c + 3] = out_s8(p, a3, c + 3);
                }
                for (; c < C; ++c) {
                    int32_t a = bias[c];
                    for (fy = 0; fy < p->k_h; ++fy) {
                        const int32_t iy = y0 + p->dilation_h * fy;
                        for (fx = 0; fx < p->k_w; ++fx) {
                            const int32_t ix = x0 + p->dilation_w * fx;
                            const int32_t x = (iy >= 0 && iy < p->in_h && ix >= 0 && ix < p->in_w)
                                              ? img[(iy * p->in_w + ix) * C + c] : zp;
                            a += x * w->data[(fy * p->k_w + fx) * C + c];
                        }
                    }
                    out[c] = out_s8(p, a, c);
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
