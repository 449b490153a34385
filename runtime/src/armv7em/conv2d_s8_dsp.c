/* CONV_2D int8 (not grouped) for ARMv7E-M (Cortex-M4/M7): im2col of 2 output pixels into int16
 * scratch, then SMLAD over 2 output channels x 2 pixels.
 *
 * Chosen by the compiler's registry for cortex-m4 / cortex-m7 (pipeline/compiler/kernels_registry.py).
 * What the compiler prepared:
 * - bias[c] = bias + input_offset * sum(filter c): the kernel sums raw int8 products, and a tap in
 *   the padding holds the input zero point (x + input_offset = 0, as TFLM skips it);
 * - weights in layout oc2_k4_interleaved: each filter zero-padded to K4 = K rounded up to 4 weights,
 *   the filter count padded to even, the two filters of a pair interleaved 4 bytes at a time with
 *   bytes 1 and 2 swapped, so SXTB16 gives (w0, w1) and SXTB16 ROR 8 gives (w2, w3);
 * - scratch of 4 * K4 bytes: the two pixels' int16 columns, interleaved 4 values at a time
 *   (x0[k..k+3], x1[k..k+3], ...), one LDRD per pixel per 4 values.
 * Inner loop per 4 k (inline assembly; K4 >= 4 always): 3 LDRD (2 filters, 2 pixels), 4 SXTB16,
 * 8 SMLAD = 16 MACs in 15 instructions plus CMP/BNE.
 * Both pixels are copied to scratch before either is written (the planner's overlap stays safe).
 * Elsewhere (the host, other ISAs) this file compiles to nothing. */
#include "eat/armv7em.h"
#include "eat/conv.h"
#include "eat/requant.h"

#if EAT_ARMV7EM_DSP
#pragma GCC optimize("O3")   /* -O3 here: kws on nucleo_f446re 8,368,036 -> 8,246,780 instructions */
#include "window_armv7em.h"   /* after the pragma: its helpers compile at O3 like the kernel */

size_t eat_conv2d_s8_dsp_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    return (size_t)4 * (size_t)eat_armv7em_k4(p);
}

/* Position of column value i of pixel px in the interleaved scratch. */
#define COL_AT(i, px) ((((i) >> 2) << 3) + ((i) & 3) + ((px) << 2))

/* n int8 values -> int16 at column positions start.. of pixel px. */
static void widen(const int8_t *src, int16_t *col, int32_t start, int32_t n, int32_t px)
{
    int32_t i = 0;
    if ((start & 3) == 0) {
        for (; i + 3 < n; i += 4) {
            const int32_t v = eat_rd32(src + i);
            const uint32_t a = (uint32_t)__sxtb16(v);          /* x0, x2 */
            const uint32_t b = (uint32_t)eat_sxtb16_ror8(v);   /* x1, x3 */
            int16_t *dst = col + COL_AT(start + i, px);
            eat_wr32(dst, (int32_t)((a & 0xFFFFu) | (b << 16)));
            eat_wr32(dst + 2, (int32_t)((b & 0xFFFF0000u) | (a >> 16)));
        }
    }
    for (; i < n; ++i) {
        col[COL_AT(start + i, px)] = src[i];
    }
}

static void im2col(const eat_conv2d_s8_params_t *p, const int8_t *input, int32_t pix, int16_t *col, int32_t px)
{
    const int32_t per_image = p->out_h * p->out_w;
    const int32_t b = pix / per_image, r = pix % per_image;
    const int8_t *img = input + b * p->in_h * p->in_w * p->in_c;
    const int32_t y0 = (r / p->out_w) * p->stride_h - p->pad_h;
    const int32_t x0 = (r % p->out_w) * p->stride_w - p->pad_w;
    const int16_t zp = (int16_t)-p->input_offset;
    int32_t fy, fx, c, k = 0;
    for (fy = 0; fy < p->k_h; ++fy) {
        const int32_t iy = y0 + p->dilation_h * fy;
        for (fx = 0; fx < p->k_w; ++fx, k += p->in_c) {
            const int32_t ix = x0 + p->dilation_w * fx;
            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                for (c = 0; c < p->in_c; ++c) {
                    col[COL_AT(k + c, px)] = zp;
                }
            } else {
                widen(img + (iy * p->in_w + ix) * p->in_c, col, k, p->in_c, px);
            }
        }
    }
}

void eat_conv2d_s8_dsp(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                       const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t K = p->k_h * p->k_w * p->in_c;
    const int32_t K4 = (K + 3) & ~3;
    const int32_t pixels = p->batches * p->out_h * p->out_w;
    const int32_t C = p->out_c;
    int16_t *col = (int16_t *)scratch;
    int32_t pix, c, i;
    for (i = K; i < K4; ++i) {   /* the padding past K meets zero weights; keep it defined */
        col[COL_AT(i, 0)] = 0;
        col[COL_AT(i, 1)] = 0;
    }
    for (pix = 0; pix < pixels; pix += 2) {
        const int two_px = pix + 1 < pixels;
        int8_t *o0 = output + pix * C;
        int8_t *o1 = o0 + C;
        im2col(p, input, pix, col, 0);
        if (two_px) {
            im2col(p, input, pix + 1, col, 1);
        }
        for (c = 0; c < C; c += 2) {
            const int32_t *wp = (const int32_t *)__builtin_assume_aligned(w->data + c * K4, 4);
            const int32_t *xp = (const int32_t *)__builtin_assume_aligned(col, 4);
            const int32_t *xend = xp + K4;   /* 2 pixels x K4 int16 = K4 words */
            int32_t a00 = bias[c], a10 = bias[c];
            int32_t a01 = c + 1 < C ? bias[c + 1] : 0, a11 = a01;
            int32_t w0, w1, t0, t1, x0, x1;
            __asm__ volatile(
                "1:\n\t"
                "ldrd    %[w0], %[w1], [%[wp]], #8\n\t"     /* filters c, c + 1: 4 weights each */
                "ldrd    %[x0], %[x1], [%[xp]], #16\n\t"    /* pixel 0: 4 int16 */
                "sxtb16  %[t0], %[w0]\n\t"
                "sxtb16  %[w0], %[w0], ror #8\n\t"
                "sxtb16  %[t1], %[w1]\n\t"
                "sxtb16  %[w1], %[w1], ror #8\n\t"
                "smlad   %[a00], %[x0], %[t0], %[a00]\n\t"
                "smlad   %[a00], %[x1], %[w0], %[a00]\n\t"
                "smlad   %[a01], %[x0], %[t1], %[a01]\n\t"
                "smlad   %[a01], %[x1], %[w1], %[a01]\n\t"
                "ldrd    %[x0], %[x1], [%[xp], #-8]\n\t"    /* pixel 1: 4 int16 */
                "smlad   %[a10], %[x0], %[t0], %[a10]\n\t"
                "smlad   %[a10], %[x1], %[w0], %[a10]\n\t"
                "smlad   %[a11], %[x0], %[t1], %[a11]\n\t"
                "smlad   %[a11], %[x1], %[w1], %[a11]\n\t"
                "cmp     %[xp], %[xend]\n\t"
                "bne     1b\n\t"
                : [xp] "+&r"(xp), [wp] "+&r"(wp), [a00] "+&r"(a00), [a01] "+&r"(a01), [a10] "+&r"(a10),
                  [a11] "+&r"(a11), [w0] "=&r"(w0), [w1] "=&r"(w1), [t0] "=&r"(t0), [t1] "=&r"(t1),
                  [x0] "=&r"(x0), [x1] "=&r"(x1)
                : [xend] "r"(xend)
                : "cc", "memory");
            o0[c] = eat_requant_s8(a00, p->multiplier[c], p->shift[c], p->output_offset, p->act_min, p->act_max);
            if (two_px) {
                o1[c] = eat_requant_s8(a10, p->multiplier[c], p->shift[c], p->output_offset, p->act_min,
                                       p->act_max);
            }
            if (c + 1 < C) {
                o0[c + 1] = eat_requant_s8(a01, p->multiplier[c + 1], p->shift[c + 1], p->output_offset,
                                           p->act_min, p->act_max);
                if (two_px) {
                    o1[c + 1] = eat_requant_s8(a11, p->multiplier[c + 1], p->shift[c + 1], p->output_offset,
                                               p->act_min, p->act_max);
                }
            }
        }
    }
}

#elif defined(__ARM_ARCH_7EM__)
#error "ARMv7E-M build without the DSP extension flags: build with -mcpu=cortex-m4 or cortex-m7"
#else
typedef int eat_conv2d_s8_dsp_unused_t;   /* not ARMv7E-M: nothing to compile */
#endif
