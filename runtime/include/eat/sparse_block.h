/* The block walks' gather, shared by the Cortex-M0+ (armv6m/conv2d_sparse_block_armv6m.h) and RV32
 * (rv32/conv2d_sparse_block_rv32.c) block-sparse CONV_2D kernels: B output pixels' receptive fields transposed
 * into scratch as unsigned bytes x ^ 0x80 (= x + 128), [k][B] for k = (fy * k_w + fx) * in_c + ic (the compiler's
 * "d4_im2col_block" steps), so one step of a filter's index reaches the same tap of all B pixels. B is a
 * compile-time constant at each call (static inline: every B * k folds to a shift). Plain C99. */
#ifndef EAT_SPARSE_BLOCK_H
#define EAT_SPARSE_BLOCK_H

#include <stdint.h>

#include "eat/conv.h"

/* n bytes (n % 4 == 0) of s (word aligned) as unsigned bytes x ^ 0x80 into t[0], t[B], t[2 B], ... */
static inline void eat_sparse_block_words(const int8_t *s, int32_t n, uint8_t *t, int32_t B)
{
    const uint32_t *sw = (const uint32_t *)(const void *)s;
    const uint32_t *end = sw + n / 4;
    while (sw != end) {
        const uint32_t x = *sw++ ^ 0x80808080u;
        t[0] = (uint8_t)x;
        t[B] = (uint8_t)(x >> 8);
        t[2 * B] = (uint8_t)(x >> 16);
        t[3 * B] = (uint8_t)(x >> 24);
        t += 4 * B;
    }
}

/* The receptive field of the output pixel (b, oy, ox) as unsigned bytes x ^ 0x80 into column j of t
 * ([k][B], t already advanced by j); taps outside the input read the input zero point (also ^ 0x80).
 * A row of taps wholly inside the input with dilation_w 1 is k_w * in_c contiguous bytes: one run. */
static inline void eat_sparse_block_gather(const eat_conv2d_s8_params_t *p, const int8_t *input,
                                                  int32_t b, int32_t oy, int32_t ox, uint8_t *t, uint8_t pad_u,
                                                  int32_t B)
{
    const int32_t iy0 = oy * p->stride_h - p->pad_h, ix0 = ox * p->stride_w - p->pad_w;
    const int32_t c = p->in_c;
    const int32_t run = (c & 3) == 0 && p->dilation_w == 1 && ix0 >= 0 && ix0 + p->k_w <= p->in_w ? p->k_w * c : 0;
    const int8_t *img = input + b * p->in_h * p->in_w * c;
    int32_t fy, fx, k;
    for (fy = 0; fy < p->k_h; ++fy) {
        const int32_t iy = iy0 + fy * p->dilation_h;
        if (run && iy >= 0 && iy < p->in_h) {
            const int8_t *s = img + (iy * p->in_w + ix0) * c;
            if ((((uintptr_t)s) & 3u) == 0) {
                eat_sparse_block_words(s, run, t, B);
                t += B * run;
                continue;
            }
        }
        for (fx = 0; fx < p->k_w; ++fx) {
            const int32_t ix = ix0 + fx * p->dilation_w;
            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                for (k = 0; k < c; ++k) {
                    t[B * k] = pad_u;
                }
            } else {
                const int8_t *s = img + (iy * p->in_w + ix) * c;
                if ((c & 3) == 0 && (((uintptr_t)s) & 3u) == 0) {   /* a word of 4 channels at a time */
                    eat_sparse_block_words(s, c, t, B);
                } else {
                    for (k = 0; k < c; ++k) {
                        t[B * k] = (uint8_t)s[k] ^ 0x80u;
                    }
                }
            }
            t += B * c;
        }
    }
}

#endif /* EAT_SPARSE_BLOCK_H */
