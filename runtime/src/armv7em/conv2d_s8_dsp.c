/* CONV_2D int8 (not grouped) for ARMv7E-M (Cortex-M4/M7): im2col into int16 scratch, then SMLAD
 * over 2 output channels x 2 output pixels.
 *
 * Chosen by the compiler's registry for cortex-m4 / cortex-m7. What the compiler prepared:
 * - bias[c] = bias + input_offset * sum(filter c): the kernel sums raw int8 products, and a tap in
 *   the padding is filled with the input zero point (x + input_offset = 0, as TFLM skips it);
 * - weights OHWI with bytes 1 and 2 of every 4-byte group swapped: SXTB16 gives (w0, w1) and
 *   SXTB16 ROR 8 gives (w2, w3), the order of the int16 column, so one SMLAD does two MACs;
 * - scratch of 4 * (K + 1) bytes, K = k_h * k_w * in_c: two int16 columns (one per pixel).
 * Both pixels are copied to scratch before either is written (planner overlap stays safe).
 * Elsewhere (the host, other ISAs) this file compiles to nothing. */
#include "eat/armv7em.h"
#include "eat/conv.h"
#include "eat/requant.h"

#if EAT_ARMV7EM_DSP

size_t eat_conv2d_s8_dsp_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    return (size_t)4 * (size_t)(p->k_h * p->k_w * p->in_c + 1);
}

/* n int8 values -> int16, in order. */
static void widen(const int8_t *src, int16_t *dst, int32_t n)
{
    int32_t i;
    for (i = 0; i + 3 < n; i += 4) {
        const int32_t v = eat_rd32(src + i);
        const uint32_t a = (uint32_t)__sxtb16(v);          /* x0, x2 */
        const uint32_t b = (uint32_t)eat_sxtb16_ror8(v);   /* x1, x3 */
        eat_wr32(dst + i, (int32_t)((a & 0xFFFFu) | (b << 16)));
        eat_wr32(dst + i + 2, (int32_t)((b & 0xFFFF0000u) | (a >> 16)));
    }
    for (; i < n; ++i) {
        dst[i] = src[i];
    }
}

static void im2col(const eat_conv2d_s8_params_t *p, const int8_t *img, int32_t y0, int32_t x0, int16_t *col)
{
    const int16_t zp = (int16_t)-p->input_offset;
    int32_t fy, fx, c;
    for (fy = 0; fy < p->k_h; ++fy) {
        const int32_t iy = y0 + p->dilation_h * fy;
        for (fx = 0; fx < p->k_w; ++fx) {
            const int32_t ix = x0 + p->dilation_w * fx;
            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                for (c = 0; c < p->in_c; ++c) {
                    col[c] = zp;
                }
            } else {
                widen(img + (iy * p->in_w + ix) * p->in_c, col, p->in_c);
            }
            col += p->in_c;
        }
    }
}

static void pixel_pos(const eat_conv2d_s8_params_t *p, const int8_t *input, int32_t pix,
                      const int8_t **img, int32_t *y0, int32_t *x0)
{
    const int32_t per_image = p->out_h * p->out_w;
    const int32_t b = pix / per_image, r = pix % per_image;
    *img = input + b * p->in_h * p->in_w * p->in_c;
    *y0 = (r / p->out_w) * p->stride_h - p->pad_h;
    *x0 = (r % p->out_w) * p->stride_w - p->pad_w;
}

static int8_t out_s8(const eat_conv2d_s8_params_t *p, int32_t acc, int32_t c)
{
    return eat_requant_s8(acc, p->multiplier[c], p->shift[c], p->output_offset, p->act_min, p->act_max);
}

/* Both columns against output channels c (and c + 1 when two), writing pixel 1 only if two_px. */
static void mat_2x2(const eat_conv2d_s8_params_t *p, const int8_t *wd, const int32_t *bias, const int16_t *col0,
                    const int16_t *col1, int32_t K, int8_t *o0, int8_t *o1, int two_px)
{
    const int32_t K4 = K & ~3;
    int32_t c, k;
    for (c = 0; c + 1 < p->out_c; c += 2) {
        const int8_t *f0 = wd + c * K;
        const int8_t *f1 = f0 + K;
        int32_t a00 = bias[c], a01 = bias[c + 1];
        int32_t a10 = a00, a11 = a01;
        for (k = 0; k < K4; k += 4) {
            const int32_t x0l = eat_rd32(col0 + k), x0h = eat_rd32(col0 + k + 2);
            const int32_t x1l = eat_rd32(col1 + k), x1h = eat_rd32(col1 + k + 2);
            int32_t wv = eat_rd32(f0 + k);
            int32_t wl = __sxtb16(wv), wh = eat_sxtb16_ror8(wv);
            a00 = __smlad(x0l, wl, a00);
            a00 = __smlad(x0h, wh, a00);
            a10 = __smlad(x1l, wl, a10);
            a10 = __smlad(x1h, wh, a10);
            wv = eat_rd32(f1 + k);
            wl = __sxtb16(wv);
            wh = eat_sxtb16_ror8(wv);
            a01 = __smlad(x0l, wl, a01);
            a01 = __smlad(x0h, wh, a01);
            a11 = __smlad(x1l, wl, a11);
            a11 = __smlad(x1h, wh, a11);
        }
        for (; k < K; ++k) {
            a00 += col0[k] * f0[k];
            a01 += col0[k] * f1[k];
            a10 += col1[k] * f0[k];
            a11 += col1[k] * f1[k];
        }
        o0[c] = out_s8(p, a00, c);
        o0[c + 1] = out_s8(p, a01, c + 1);
        if (two_px) {
            o1[c] = out_s8(p, a10, c);
            o1[c + 1] = out_s8(p, a11, c + 1);
        }
    }
    if (c < p->out_c) {
        const int8_t *f0 = wd + c * K;
        int32_t a00 = bias[c], a10 = bias[c];
        for (k = 0; k < K4; k += 4) {
            const int32_t wv = eat_rd32(f0 + k);
            const int32_t wl = __sxtb16(wv), wh = eat_sxtb16_ror8(wv);
            a00 = __smlad(eat_rd32(col0 + k), wl, a00);
            a00 = __smlad(eat_rd32(col0 + k + 2), wh, a00);
            a10 = __smlad(eat_rd32(col1 + k), wl, a10);
            a10 = __smlad(eat_rd32(col1 + k + 2), wh, a10);
        }
        for (; k < K; ++k) {
            a00 += col0[k] * f0[k];
            a10 += col1[k] * f0[k];
        }
        o0[c] = out_s8(p, a00, c);
        if (two_px) {
            o1[c] = out_s8(p, a10, c);
        }
    }
}

void eat_conv2d_s8_dsp(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                       const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t K = p->k_h * p->k_w * p->in_c;
    const int32_t pixels = p->batches * p->out_h * p->out_w;
    int16_t *col0 = (int16_t *)scratch;
    int16_t *col1 = col0 + K + (K & 1);   /* keeps the second column 4-byte aligned */
    int32_t pix;
    for (pix = 0; pix < pixels; pix += 2) {
        const int two_px = pix + 1 < pixels;
        const int8_t *img;
        int32_t y0, x0;
        pixel_pos(p, input, pix, &img, &y0, &x0);
        im2col(p, img, y0, x0, col0);
        if (two_px) {
            pixel_pos(p, input, pix + 1, &img, &y0, &x0);
            im2col(p, img, y0, x0, col1);
        }
        mat_2x2(p, w->data, bias, col0, two_px ? col1 : col0, K, output + pix * p->out_c,
                output + (pix + 1) * p->out_c, two_px);
    }
}

#elif defined(__ARM_ARCH_7EM__)
#error "ARMv7E-M build without the DSP extension flags: build with -mcpu=cortex-m4 or cortex-m7"
#else
typedef int eat_conv2d_s8_dsp_unused_t;   /* not ARMv7E-M: nothing to compile */
#endif
