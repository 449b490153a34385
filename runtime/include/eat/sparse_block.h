/* The block walks' gather, shared by the Cortex-M0+ (armv6m/conv2d_sparse_block_armv6m.h) and RV32
 * (rv32/conv2d_sparse_block_rv32.c) block-sparse CONV_2D kernels: B output pixels' receptive fields transposed
 * into scratch as unsigned bytes x ^ 0x80 (= x + 128; the M0+: uint16 x + 129), [k][B] for k = (fy * k_w + fx) * in_c + ic (the compiler's
 * "d4_im2col_block" steps), so one step of a filter's index reaches the same tap of all B pixels. B is a
 * compile-time constant at each call (static inline: every B * k folds to a shift). Plain C99. */
#ifndef EAT_SPARSE_BLOCK_H
#define EAT_SPARSE_BLOCK_H

#include <stdint.h>

#include "eat/conv.h"

/* One gathered input at t: the byte x ^ 0x80 (= x + 128), or, `wide` (the Cortex-M0+ walks with two pixels per
 * MULS), the uint16 x + 129 (1..256). u8 is x ^ 0x80. */
static inline void eat_sparse_block_put(uint8_t *t, uint32_t u8, int wide)
{
    if (wide) {
        *(uint16_t *)(void *)t = (uint16_t)(u8 + 1u);
    } else {
        *t = (uint8_t)u8;
    }
}

/* n bytes (n % 4 == 0) of s (word aligned) into t's columns 0, B, 2 B, ... (elements of E = 1 or 2 bytes) */
static inline void eat_sparse_block_words_any(const int8_t *s, int32_t n, uint8_t *t, int32_t B, int wide)
{
    const int32_t E = wide ? 2 : 1;
    const uint32_t *sw = (const uint32_t *)(const void *)s;
    const uint32_t *end = sw + n / 4;
    while (sw != end) {
        const uint32_t x = *sw++ ^ 0x80808080u;
        eat_sparse_block_put(t, x & 0xFFu, wide);
        eat_sparse_block_put(t + E * B, (x >> 8) & 0xFFu, wide);
        eat_sparse_block_put(t + 2 * E * B, (x >> 16) & 0xFFu, wide);
        eat_sparse_block_put(t + 3 * E * B, x >> 24, wide);
        t += 4 * E * B;
    }
}

/* The receptive field of the output pixel (b, oy, ox) into column j of t ([k][B], t already advanced by j):
 * unsigned bytes x ^ 0x80, or (`wide`) uint16 x + 129; taps outside the input read the input zero point (pad_u:
 * its x ^ 0x80). A row of taps wholly inside the input with dilation_w 1 is k_w * in_c contiguous bytes: one run.
 * `wide` is a compile-time constant at each call (the two forms below). */
static inline void eat_sparse_block_gather_rows(const eat_conv2d_s8_params_t *p, const int8_t *input, int32_t b,
                                                int32_t oy, int32_t ox, uint8_t *t, uint8_t pad_u, int32_t B, int wide,
                                                int32_t fy0, int32_t fy1);

/* Row fy of the field of output pixel (oy, ox) of image img as one run: when the row lies wholly inside the input
 * with dilation_w 1 and in_c % 4 == 0 (k_w * in_c contiguous bytes) and starts word aligned, its start; else NULL. */
static inline const int8_t *eat_sparse_block_run(const eat_conv2d_s8_params_t *p, const int8_t *img, int32_t oy,
                                                 int32_t ox, int32_t fy)
{
    const int32_t iy = oy * p->stride_h - p->pad_h + fy * p->dilation_h, ix0 = ox * p->stride_w - p->pad_w;
    const int8_t *s;
    if ((p->in_c & 3) != 0 || p->dilation_w != 1 || ix0 < 0 || ix0 + p->k_w > p->in_w || iy < 0 || iy >= p->in_h) {
        return NULL;
    }
    s = img + (iy * p->in_w + ix0) * p->in_c;
    return (((uintptr_t)s) & 3u) == 0 ? s : NULL;
}

static inline void eat_sparse_block_gather_any(const eat_conv2d_s8_params_t *p, const int8_t *input, int32_t b,
                                               int32_t oy, int32_t ox, uint8_t *t, uint8_t pad_u, int32_t B, int wide)
{
    eat_sparse_block_gather_rows(p, input, b, oy, ox, t, pad_u, B, wide, 0, p->k_h);
}

/* Rows fy0 <= fy < fy1 of that field (t at row fy0's first element). */
static inline void eat_sparse_block_gather_rows(const eat_conv2d_s8_params_t *p, const int8_t *input, int32_t b,
                                                int32_t oy, int32_t ox, uint8_t *t, uint8_t pad_u, int32_t B, int wide,
                                                int32_t fy0, int32_t fy1)
{
    const int32_t E = wide ? 2 : 1;
    const int32_t iy0 = oy * p->stride_h - p->pad_h, ix0 = ox * p->stride_w - p->pad_w;
    const int32_t c = p->in_c, run = p->k_w * c;
    const int8_t *img = input + b * p->in_h * p->in_w * c;
    int32_t fy, fx, k;
    for (fy = fy0; fy < fy1; ++fy) {
        const int32_t iy = iy0 + fy * p->dilation_h;
        const int8_t *s = eat_sparse_block_run(p, img, oy, ox, fy);
        if (s != NULL) {
            eat_sparse_block_words_any(s, run, t, B, wide);
            t += E * B * run;
            continue;
        }
        for (fx = 0; fx < p->k_w; ++fx) {
            const int32_t ix = ix0 + fx * p->dilation_w;
            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                for (k = 0; k < c; ++k) {
                    eat_sparse_block_put(t + E * B * k, pad_u, wide);
                }
            } else {
                const int8_t *s = img + (iy * p->in_w + ix) * c;
                if ((c & 3) == 0 && (((uintptr_t)s) & 3u) == 0) {   /* a word of 4 channels at a time */
                    eat_sparse_block_words_any(s, c, t, B, wide);
                } else {
                    for (k = 0; k < c; ++k) {
                        eat_sparse_block_put(t + E * B * k, (uint8_t)s[k] ^ 0x80u, wide);
                    }
                }
            }
            t += E * B * c;
        }
    }
}

/* Unsigned bytes x ^ 0x80 (the RV32 block walks). */
static inline void eat_sparse_block_gather(const eat_conv2d_s8_params_t *p, const int8_t *input,
                                           int32_t b, int32_t oy, int32_t ox, uint8_t *t, uint8_t pad_u, int32_t B)
{
    eat_sparse_block_gather_any(p, input, b, oy, ox, t, pad_u, B, 0);
}

/* uint16 x + 129 (the Cortex-M0+ block walks: two pixels per MULS). pad_u: the zero point's x ^ 0x80. */
static inline void eat_sparse_block_gather16(const eat_conv2d_s8_params_t *p, const int8_t *input,
                                             int32_t b, int32_t oy, int32_t ox, uint16_t *t, uint8_t pad_u, int32_t B)
{
    eat_sparse_block_gather_any(p, input, b, oy, ox, (uint8_t *)(void *)t, pad_u, B, 1);
}

#endif /* EAT_SPARSE_BLOCK_H */
