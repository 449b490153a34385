/* FULLY_CONNECTED and CONV_2D int8 over EAT_WEIGHTS_SPARSE_2OF4_R4 (eat/sparse_2of4.h): 2:4 with each mask
 * shared by 4 output channels, one walk of a block's stream per output pixel (FC: batch), 4 products per
 * slot in two multiplies. Portable C (little-endian words), every core; bit-exact with TFLM's reference
 * kernels on the same (2:4x4-pruned) weights. */
#include <string.h>

#include "eat/sparse_2of4.h"

#define EAT_R4_LANES 0x00FF00FFu

/* One slot: the input X (0..255) against the word W of the block's 4 weights + 128. */
#define EAT_R4_SLOT(X, W)                                                                \
    do {                                                                                 \
        const uint32_t x_ = (X), w_ = (W);                                               \
        const uint32_t e_ = x_ * (w_ & EAT_R4_LANES), o_ = x_ * ((w_ >> 8) & EAT_R4_LANES); \
        us += x_;                                                                        \
        lo02 += e_;                                                                      \
        hi02 += e_ >> 16;                                                                \
        lo13 += o_;                                                                      \
        hi13 += o_ >> 16;                                                                \
    } while (0)

void eat_2of4_r4_sums(const uint8_t *u, const int8_t *blk, int32_t k8, int32_t sums[4])
{
    const uint8_t *pos = (const uint8_t *)blk;
    const uint8_t *end = pos + (k8 >> 3);
    const uint32_t *v = (const uint32_t *)(const void *)(blk + eat_2of4_r4_pos_bytes(k8));
    uint32_t lo02 = 0u, hi02 = 0u, lo13 = 0u, hi13 = 0u, us = 0u;
    for (; pos < end; ++pos, u += 8, v += 4) {
        const uint32_t p = *pos;
        EAT_R4_SLOT(u[p & 3u], v[0]);
        EAT_R4_SLOT(u[(p >> 2) & 3u], v[1]);
        EAT_R4_SLOT(u[4u + ((p >> 4) & 3u)], v[2]);
        EAT_R4_SLOT(u[4u + (p >> 6)], v[3]);
    }
    /* lo = sum(low products) + 2^16 sum(high products) (mod 2^32); each sum less 128 * us is sum (x + 128) w */
    sums[0] = (int32_t)(lo02 - (hi02 << 16) - 128u * us);
    sums[1] = (int32_t)(lo13 - (hi13 << 16) - 128u * us);
    sums[2] = (int32_t)(hi02 - 128u * us);
    sums[3] = (int32_t)(hi13 - 128u * us);
}

/* out[j] for the block's channels o .. o + n - 1: requantised sums plus the folded bias. */
static void block_out(const int32_t *sums, const int32_t *bias, int32_t o, int32_t n, const int32_t *mult,
                      const int32_t *shift, int32_t mult1, int32_t shift1, int32_t out_offset, int32_t lo,
                      int32_t hi, int8_t *out)
{
    int32_t j;
    for (j = 0; j < n; ++j) {
        const int32_t acc = (int32_t)((uint32_t)bias[o + j] + (uint32_t)sums[j]);
        const int32_t v = eat_mbqm(acc, mult != NULL ? mult[o + j] : mult1, shift != NULL ? shift[o + j] : shift1)
                          + out_offset;
        out[o + j] = (int8_t)eat_clamp_i32(v, lo, hi);
    }
}

size_t eat_fully_connected_s8_sparse_2of4_r4_scratch_bytes(const eat_fully_connected_s8_params_t *p)
{
    return (size_t)eat_2of4_k8(p->in_depth);
}

void eat_fully_connected_s8_sparse_2of4_r4(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                           const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t k = p->in_depth, k8 = eat_2of4_k8(k), bb = eat_2of4_r4_block_bytes(k8);
    uint8_t *u = (uint8_t *)scratch;
    int32_t b, o, i, sums[4];
    for (b = 0; b < p->batches; ++b) {
        const int8_t *x = input + b * k;
        int8_t *out = output + b * p->out_depth;
        for (i = 0; i < k; ++i) {      /* before any output: `output` may overlap `input` */
            u[i] = (uint8_t)((uint8_t)x[i] ^ 0x80u);
        }
        memset(u + k, 0, (size_t)(k8 - k));   /* the tail meets weights 0 (stored 128): it adds 0 */
        for (o = 0; o < p->out_depth; o += 4) {
            eat_2of4_r4_sums(u, w->data + (o >> 2) * bb, k8, sums);
            block_out(sums, bias, o, p->out_depth - o < 4 ? p->out_depth - o : 4, p->per_channel_multiplier,
                      p->per_channel_shift, p->output_multiplier, p->output_shift, p->output_offset, p->act_min,
                      p->act_max, out);
        }
    }
}

size_t eat_conv2d_s8_sparse_2of4_r4_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    return (size_t)eat_2of4_k8(p->k_h * p->k_w * p->in_c);
}

void eat_conv2d_s8_sparse_2of4_r4(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                  const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t c = p->in_c, k = p->k_h * p->k_w * c, k8 = eat_2of4_k8(k), bb = eat_2of4_r4_block_bytes(k8);
    uint8_t *u = (uint8_t *)scratch;
    int8_t *out = output;
    int32_t b, oy, ox, o, sums[4];
    memset(u + k, 0, (size_t)(k8 - k));
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ++ox, out += p->out_c) {
                const int32_t ix0 = ox * p->stride_w - p->pad_w;
                eat_2of4_field(p, input, b, iy0, ix0, (int8_t *)u, 0x80u);
                for (o = 0; o < p->out_c; o += 4) {
                    eat_2of4_r4_sums(u, w->data + (o >> 2) * bb, k8, sums);
                    block_out(sums, bias, o, p->out_c - o < 4 ? p->out_c - o : 4, p->multiplier, p->shift, 0, 0,
                              p->output_offset, p->act_min, p->act_max, out);
                }
            }
        }
    }
}
