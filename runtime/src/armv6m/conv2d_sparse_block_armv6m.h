/* The C half the Cortex-M0+ block-sparse CONV_2D kernels share (conv2d_sparse_b4_armv6m.c and
 * conv2d_sparse_b8_armv6m.c): gather a block of B output pixels' receptive fields transposed into
 * scratch, call the block's hand-scheduled walk, then its Thumb-1 output stage (block_out_armv6m.c). B (4 or 8)
 * is a compile-time constant at each call, so every B * k below folds to a shift as in a file of its
 * own. Private to those two files (static inline: each instantiates its own copy). */
#ifndef EAT_CONV2D_SPARSE_BLOCK_ARMV6M_H
#define EAT_CONV2D_SPARSE_BLOCK_ARMV6M_H

#include "eat/sparse_armv6m.h"
#include "eat/sparse_block.h"

/* In both walks' assembly, a channel's sum starts for two pixels per MULS: the next bias (its pointer at [sp, #8])
 * into LO, the next negative-weight count (its pointer at [sp, #NEG]) into HI, then HI = b + neg and
 * LO = b * 65537 (conv2d_sparse_b8_armv6m.c says why). Clobbers r4. */
#define EAT_SPB_STARTS(NEG, LO, HI)                                                   \
        "ldr r4, [sp, #8]\n\t" "ldm r4!, {" LO "}\n\t" "str r4, [sp, #8]\n\t"          \
        "ldr r4, [sp, #" NEG "]\n\t" "ldm r4!, {" HI "}\n\t" "str r4, [sp, #" NEG "]\n\t" \
        "adds " HI ", " LO ", " HI "\n\t"                                                \
        "lsls r4, " LO ", #16\n\t" "adds " LO ", " LO ", r4\n\t"

/* Pixels (b, oy, ox) and (b1, oy1, ox1) into columns j, j + 1 of t (uint16 x + 129; t at column j, j even: word
 * aligned): rows both pixels read as runs go through eat_armv6m_words2_u16_b4 / _b8 (one word store per element
 * pair), the others pixel by pixel (eat_sparse_block_gather_rows). */
static inline void eat_armv6m_block_gather_pair(const eat_conv2d_s8_params_t *p, const int8_t *input, int32_t b,
                                                int32_t oy, int32_t ox, int32_t b1, int32_t oy1, int32_t ox1,
                                                uint16_t *t, uint8_t pad_u, int32_t B)
{
    const int32_t hw = p->in_h * p->in_w * p->in_c, row = p->k_w * p->in_c;
    const int8_t *img = input + b * hw, *img1 = input + b1 * hw;
    int32_t fy;
    for (fy = 0; fy < p->k_h; ++fy, t += B * row) {
        const int8_t *sa = eat_sparse_block_run(p, img, oy, ox, fy);
        const int8_t *sb = sa ? eat_sparse_block_run(p, img1, oy1, ox1, fy) : NULL;
        if (sb) {
            (B == 4 ? eat_armv6m_words2_u16_b4 : eat_armv6m_words2_u16_b8)(sa, sb, t, sa + row);
        } else {
            eat_sparse_block_gather_rows(p, input, b, oy, ox, (uint8_t *)(void *)t, pad_u, B, 1, fy, fy + 1);
            eat_sparse_block_gather_rows(p, input, b1, oy1, ox1, (uint8_t *)(void *)(t + 1), pad_u, B, 1, fy, fy + 1);
        }
    }
}

/* The walk of one block (eat_armv6m_sparse_b4_walk / _b8_walk, eat/sparse_armv6m.h). */
typedef void eat_armv6m_sparse_walk_fn(const uint16_t *t, const int8_t *v, const uint8_t *index,
                                       const int32_t *bias, int32_t *acc, uint32_t out_c, const int32_t *neg);

/* The block's receptive fields transposed (B * k_h * k_w * in_c uint16), then its sums [out_c][B], then,
 * when the requantisation is prepared per call (the _pc kernels), every channel's eat_armv6m_rq_t. */
static inline size_t eat_armv6m_sparse_block_scratch_bytes(const eat_conv2d_s8_params_t *p, int32_t B, int per_call)
{
    return (size_t)(2 * B * p->k_h * p->k_w * p->in_c + 4 * B * p->out_c) +
           (per_call ? sizeof(eat_armv6m_rq_t) * (size_t)p->out_c : 0u);
}

/* CONV_2D, not grouped (filter_in_c == in_c), any kernel, stride, dilation, padding, B pixels per
 * walk; scratch as eat_armv6m_sparse_block_scratch_bytes. `bias` int32: the folded bias, the accumulator
 * bounds lo and hi ([out_c] each), then either every channel's eat_armv6m_rq_t prepared by the compiler
 * (9 words each; p->multiplier NULL) and the output stage's mode word, or, `per_call` (the _pc kernels,
 * `--weights small`: 36 B of flash per channel fewer), the mode word alone, each channel's eat_armv6m_rq_t
 * prepared here once per call from p->multiplier and p->shift into scratch (~78 cycles per channel under
 * rp2040js); in both, after the mode word, each channel's count of negative weights (the walks' two pixels per
 * MULS). `per_call` is a compile-time constant at each call, so the table kernels carry none of it. always_inline: inlined early, as the body
 * of each kernel it is (kws_ref_model at 80% on pico: 11,836,323 cycles before the split, 11,831,113). */
__attribute__((always_inline)) static inline void eat_armv6m_sparse_block_conv(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                                const int32_t *bias, const int8_t *input, int8_t *output,
                                                void *scratch, int32_t B, eat_armv6m_sparse_walk_fn *walk,
                                                int per_call)
{
    const int32_t total = p->batches * p->out_h * p->out_w;
    const int32_t act_min = p->act_min, act_max = p->act_max;   /* not reloaded after each int8 store */
    const int32_t oc_n = p->out_c;
    const uint8_t pad_u = (uint8_t)((uint8_t)(-p->input_offset) ^ 0x80u);
    const int32_t *lo = bias + oc_n, *hi = bias + 2 * oc_n;
    uint16_t *t = (uint16_t *)scratch;
    int32_t *acc = (int32_t *)(void *)(t + B * p->k_h * p->k_w * p->in_c);
    /* the output stage, chosen at compile time (EAT_ARMV6M_OUT_*): the word after the table, if any */
    const int32_t mode = bias[(per_call ? 3 : 12) * oc_n];
    const int32_t *neg = bias + (per_call ? 3 : 12) * oc_n + 1;   /* then each channel's negative weights */
    eat_armv6m_block_out_t k;
    int32_t q0, j;
    if (per_call) {
        eat_armv6m_rq_t *rq = (eat_armv6m_rq_t *)(void *)(acc + B * oc_n);
        eat_armv6m_rq_prepare_channels(rq, p->multiplier, p->shift, p->output_offset, oc_n);
        k.rq = rq;
    } else {
        k.rq = (const eat_armv6m_rq_t *)(const void *)(bias + 3 * oc_n);   /* compile time */
    }
    k.lo = lo;
    k.hi = hi;
    k.out_c = oc_n;
    k.channels = oc_n;
    k.act_min = act_min;
    k.act_max = act_max;
    k.block = B;
    k.slow = eat_armv6m_rq_slow;
    int32_t pb = 0, py = 0, px = 0;   /* the next pixel: batch, row, column (no division per pixel) */
    int32_t pb0 = 0, py0 = 0, px0 = 0;   /* the pixel of the pair's first column */
    for (q0 = 0; q0 < total; q0 += B) {
        const int32_t n = total - q0 < B ? total - q0 : B;
        int8_t *out = output + q0 * oc_n;
        for (j = 0; j < B; ++j) {       /* two pixels per gather; a short last block repeats its last pixel */
            const int32_t b0 = pb, y0 = py, x0 = px;
            if (j < n - 1 || n == B) {
                if (++px == p->out_w) {
                    px = 0;
                    if (++py == p->out_h) {
                        py = 0;
                        ++pb;
                    }
                }
            }
            if (j & 1) {
                eat_armv6m_block_gather_pair(p, input, pb0, py0, px0, b0, y0, x0, t + j - 1, pad_u, B);
            }
            pb0 = b0;
            py0 = y0;
            px0 = x0;
        }
        walk(t, w->data, (const uint8_t *)w->index, bias, acc, (uint32_t)oc_n, neg);
        (mode == EAT_ARMV6M_OUT_ASM ? eat_armv6m_block_out : eat_armv6m_block_out_lo)(acc, out, n, &k);
    }
}

#endif /* EAT_CONV2D_SPARSE_BLOCK_ARMV6M_H */
