/* Cortex-M0+ (ARMv6-M) kernel variants: the same parameters as the reference kernels, faster
 * inner loops. Built only when __ARM_ARCH_6M__ is defined (the sources compile to nothing
 * elsewhere); the compiler's registry picks them for core "cortex-m0plus".
 *
 * The exact requantisation (eat_armv6m_requant, in eat/requant.h, and the prepared eat_armv6m_rq_t
 * below) replaces TFLM's 64-bit doubling-high-multiply (a __muldi3 call
 * and a 64-bit divide on this core). With r = -shift >= 0 and M = mult in [0, 2^31):
 * eat_mbqm(x, M, shift) == floor((x*M + 2^30 + 2^(30+r) - [x < 0] * 2^31) / 2^(31+r)) for r >= 1,
 * floor((x*M + 2^30) / 2^31) for r = 0. Why: the doubling high multiply is floor((xM + 2^30) / 2^31)
 * for either sign (its nudge and truncation toward zero amount to that), the rounding divide rounds
 * half away from zero, and nested floors by powers of two merge into one. The fast path splits
 * M = Mh * 2^16 + Ml with Ml a signed 16-bit half, so for |x| < 2^16 both x*Mh and x*Ml fit int32;
 * the constant is a multiple of 2^14, so the floor passes through the split:
 *   s = x*Mh + ((x*Ml) >> 16);  result = ((s >> 14) + 1 + 2^r - 2[x < 0]) >> (1 + r)   (r >= 1)
 * (r = 0: ((s >> 14) + 1) >> 1). Larger |x| take the wide path: |x| * M from four 16x16 products.
 * tests/test_kernels_armv6m.py checks both against eat_mbqm exhaustively for |x| <= 70000 and at
 * random over int32, every shift in [-31, 31]; shapes outside [-15, 0] go to eat_mbqm itself. */
#ifndef EAT_ARMV6M_H
#define EAT_ARMV6M_H

#include "eat/add.h"
#include "eat/requant.h"
#include "eat/conv.h"
#include "eat/depthwise_conv.h"
#include "eat/fully_connected.h"
#include "eat/pooling.h"

#ifdef __cplusplus
extern "C" {
#endif

/* acc[j] += sum_{i < len} (x[i] + x_off) * w[j * w_stride + i], j = 0..3 (hand-scheduled Thumb-1). */
void eat_armv6m_dot4_s8(const int8_t *x, const int8_t *w, int32_t len, int32_t w_stride,
                        int32_t x_off, int32_t acc[4]);

/* For block b < nblocks (rows 4b..4b+3 of w, row length k):
 * out[4b + j] = init[4b + j] + sum_{i < k} x[i] * w[(4b + j) * k + i]   (the _off variant adds
 * x_off to every x[i]); hand-scheduled Thumb-1, see gemv4_s8_armv6m.c. */
void eat_armv6m_gemv4_s8(const int8_t *x, const int8_t *w, int32_t k, int32_t nblocks,
                         const int32_t *init, int32_t *out);
void eat_armv6m_gemv4_off_s8(const int8_t *x, const int8_t *w, int32_t k, int32_t nblocks,
                             const int32_t *init, int32_t *out, int32_t x_off);

/* Depthwise, one output pixel's window: its geometry and channel blocks (see dw4_s8_armv6m.c). */
typedef struct {
    int32_t c;              /* bytes from one tap to the next (the channels) */
    int32_t x_skip, w_skip; /* bytes skipped at the end of a window row, in x and in w */
    int32_t x_off;          /* the input offset added to every x */
    int32_t blocks;         /* blocks of 4 channels */
    const int32_t *bias;    /* 4 * blocks sums' initial values */
} eat_armv6m_dw4_geo_t;
/* sums[j] = bias[j] + sum over rows x cols taps of (x + x_off) * w, j < 4 * blocks, 4 adjacent channels per
 * pass. x, w 4-byte aligned, c % 4 == 0, rows, cols, blocks >= 1. */
void eat_armv6m_dw4_s8(const int8_t *x, const int8_t *w, int32_t rows, int32_t cols,
                       const eat_armv6m_dw4_geo_t *geo, int32_t *sums);
/* The same when x_off == 128 (input zero point -128): one EORS per word instead of four ADDs. */
void eat_armv6m_dw4u_s8(const int8_t *x, const int8_t *w, int32_t rows, int32_t cols,
                        const eat_armv6m_dw4_geo_t *geo, int32_t *sums);

/* Per-channel requantisation prepared once per call: the fast path's constants, and the channel's
 * own multiplier and shift for the other cases. */
typedef struct {
    int32_t mh, ml;    /* mult = mh * 2^16 + ml with ml signed 16-bit: (mult + 2^15) >> 16, (int16_t)mult */
    int32_t b[2];      /* rounding constant / 2^14 plus output_offset << (1 + r): [0] x >= 0, [1] x < 0 */
    int32_t sh;        /* 1 + r */
    uint32_t lim;      /* fast path when (uint32_t)x + 65535 < lim: 131071 (|x| < 2^16), or 0 (never) */
    int32_t mult, shift, out_off;
} eat_armv6m_rq_t;
/* 9 words, no padding: pipeline/compiler/fixedpoint.py armv6m_rq emits the same for kernels that read
 * them from flash (Variant.rq_table). */
typedef char eat_armv6m_rq_t_is_9_words[sizeof(eat_armv6m_rq_t) == 36 ? 1 : -1];

/* Channels per prepared table on the stack: 32, and up to 3 more so that no chunk is left with
 * fewer than 4 channels (4-channel blocks may overlap only inside a chunk). */
#define EAT_ARMV6M_RQ_CHUNK 32
#define EAT_ARMV6M_RQ_TABLE (EAT_ARMV6M_RQ_CHUNK + 3)

static inline int32_t eat_armv6m_rq_chunk(int32_t c0, int32_t n)
{
    const int32_t left = n - c0;
    return left - EAT_ARMV6M_RQ_CHUNK < 4 ? left : EAT_ARMV6M_RQ_CHUNK;
}

/* out_off is the output zero point, added exactly inside the final shift: (A >> n) + o == (A + o * 2^n) >> n. */
static inline void eat_armv6m_rq_prepare(eat_armv6m_rq_t *t, int32_t mult, int32_t shift, int32_t out_off)
{
    const int32_t r = shift <= 0 && shift >= -15 ? -shift : 0;
    t->ml = (int32_t)(int16_t)(uint16_t)(mult & 0xFFFF);
    t->mh = (int32_t)(((uint32_t)mult - (uint32_t)t->ml) >> 16);
    t->b[0] = 1 + (r ? (1 << r) : 0) + out_off * (1 << (1 + r));
    t->b[1] = t->b[0] - (r ? 2 : 0);
    t->sh = 1 + r;
    t->lim = mult >= 0 && shift <= 0 && shift >= -15 ? 131071u : 0u;
    t->mult = mult;
    t->shift = shift;
    t->out_off = out_off;
}

/* eat_mbqm(x, mult, shift) + out_off for the channel prepared in t. */
int32_t eat_armv6m_rq_slow(const eat_armv6m_rq_t *t, int32_t x);
/* eat_armv6m_rq_prepare of n channels into t[0..n) (out of line: the kernels that prepare per call share it). */
void eat_armv6m_rq_prepare_channels(eat_armv6m_rq_t *t, const int32_t *mult, const int32_t *shift, int32_t out_off,
                                    int32_t n);
static inline int32_t eat_armv6m_rq_apply(const eat_armv6m_rq_t *t, int32_t x)
{
    if ((uint32_t)x + 65535u < t->lim) {   /* |x| < 2^16: both products fit int32 */
        const int32_t s = x * t->mh + ((x * t->ml) >> 16);
        return ((s >> 14) + t->b[(uint32_t)x >> 31]) >> t->sh;
    }
    return eat_armv6m_rq_slow(t, x);
}

/* eat_armv6m_rq_apply(t, x) for t = eat_armv6m_rq_prepare(mult, shift, out_off), computed from mult and shift
 * without the prepared record (~20 cycles more than reading it: for kernels whose channels are requantised once
 * per call, e.g. the d4 rows FC under --weights small, where the record would be 36 B of flash per channel). */
static inline int32_t eat_armv6m_rq_direct(int32_t x, int32_t mult, int32_t shift, int32_t out_off)
{
    if (mult >= 0 && shift <= 0 && shift >= -15 && (uint32_t)x + 65535u < 131071u) {
        const int32_t r = -shift;
        const int32_t ml = (int32_t)(int16_t)(uint16_t)(mult & 0xFFFF);
        const int32_t mh = (int32_t)(((uint32_t)mult - (uint32_t)ml) >> 16);
        const int32_t s = x * mh + ((x * ml) >> 16);
        int32_t b = 1 + out_off * (1 << (1 + r));
        if (r != 0) {
            b += (1 << r) - (x < 0 ? 2 : 0);
        }
        return ((s >> 14) + b) >> (1 + r);
    }
    {
        eat_armv6m_rq_t t;   /* eat_armv6m_rq_slow reads these three only */
        t.mult = mult;
        t.shift = shift;
        t.out_off = out_off;
        return eat_armv6m_rq_slow(&t, x);
    }
}

/* The output of accumulator `acc` of the channel prepared in t, whose accumulator bounds are [lo, hi]
 * (prepared by the compiler, pipeline/compiler/clamp_bounds.py): below lo it is act_min and above hi
 * act_max without requantising (the requantisation is non-decreasing there); between, exactly. */
static inline int8_t eat_armv6m_rq_bounded(const eat_armv6m_rq_t *t, int32_t acc, int32_t lo, int32_t hi,
                                           int32_t act_min, int32_t act_max)
{
    if (acc < lo) {
        return (int8_t)act_min;
    }
    if (acc > hi) {
        return (int8_t)act_max;
    }
    return (int8_t)eat_clamp_i32(eat_armv6m_rq_apply(t, acc), act_min, act_max);
}

/* The receptive field of the output pixel whose window starts at (iy0, ix0), k_h * k_w * in_c bytes
 * into col in OHWI order, padding taps filled with the input zero point (conv2d_s8_armv6m.c). */
void eat_armv6m_gather(const eat_conv2d_s8_params_t *p, const int8_t *in_b, int32_t iy0, int32_t ix0,
                       int8_t *col);

/* Two products per multiply (gemv8u_s8_armv6m.c): sums[r] = sum_{i < 4 k4} u[i] * w'[r][i] for 8 rows,
 * w packed by the compiler (kernels.py layout "rows8_u16_pairs": per element, words
 * w'[2j] | w'[2j+1] << 16, j = 0..3, w' = w + 128), u unsigned bytes (x + 128). */
void eat_armv6m_gemv8u_s8(const uint8_t *u, const uint32_t *w, int32_t k4, int32_t sums[8]);
/* The swar conv's pixels per block (its sums [out_c][EAT_ARMV6M_SWAR_BLOCK]). */
#define EAT_ARMV6M_SWAR_BLOCK 8
/* The same with each row's sum plus init[r] + base stored at acc[8 * r] (a block's sums [out_c][8]: the swar
 * conv's; 8 rows of acc and of init are written / read, whatever the layer's channels). */
typedef struct {
    int32_t *acc;
    const int32_t *init;
    uint32_t base;
} eat_armv6m_gemv8u_blk_t;
void eat_armv6m_gemv8u_blk_s8(const uint8_t *u, const uint32_t *w, int32_t k4, const eat_armv6m_gemv8u_blk_t *o);
/* x -> x + 128 for every byte of n words, in place; returns the sum of the converted bytes. */
uint32_t eat_armv6m_to_u8(uint32_t *words, int32_t n);
/* Two pixels' runs of input bytes, a from sa to sa_end, b from sb (word aligned, a multiple of 4 bytes, at least 4),
 * into columns j, j + 1 of the block walks' t ([k][B] uint16 x + 129; t at column j even): per element one word
 * (x_a + 129) | (x_b + 129) << 16 (gather2_armv6m.c: ~43 cycles per 8 input bytes). B = 4 and 8. */
void eat_armv6m_words2_u16_b4(const int8_t *sa, const int8_t *sb, uint16_t *t, const int8_t *sa_end);
void eat_armv6m_words2_u16_b8(const int8_t *sa, const int8_t *sb, uint16_t *t, const int8_t *sa_end);

/* The block kernels' output stage (block_out_armv6m.c; the sparse block walks and the swar conv): a block's
 * sums acc[out_c][B] of its first n pixels to out[n][out_c] with the accumulator bounds lo / hi and
 * eat_armv6m_rq_apply's fast path. */
typedef struct {
    const eat_armv6m_rq_t *rq;      /* [out_c], prepared */
    const int32_t *lo, *hi;         /* [out_c] */
    int32_t out_c, act_min, act_max, block;
    int32_t (*slow)(const eat_armv6m_rq_t *, int32_t);   /* eat_armv6m_rq_slow (a pointer: the walk is in SRAM) */
    int32_t channels;               /* the channels written, from out (out_c for the block walks; out_c is the
                                       outputs' stride) */
} eat_armv6m_block_out_t;
void eat_armv6m_block_out(const int32_t *acc, int8_t *out, int32_t n, const eat_armv6m_block_out_t *k);
void eat_armv6m_block_out_lo(const int32_t *acc, int8_t *out, int32_t n, const eat_armv6m_block_out_t *k);
typedef void eat_armv6m_block_out_fn(const int32_t *acc, int8_t *out, int32_t n, const eat_armv6m_block_out_t *k);

/* The output stage for n channels whose rq records a kernel prepared itself: eat_armv6m_block_out when every
 * one has the fast requantisation and lo >= -65535 (what that routine assumes), else eat_armv6m_block_out_lo.
 * (Kernels that read the compiler's rq table get the same choice as a word: ops/sparse_call.py block_out_mode.) */
static inline eat_armv6m_block_out_fn *eat_armv6m_block_out_for(const eat_armv6m_rq_t *rq, const int32_t *lo,
                                                                int32_t n)
{
    int32_t c;
    for (c = 0; c < n; ++c) {
        if (rq[c].lim == 0u || lo[c] < -65535) {
            return eat_armv6m_block_out_lo;
        }
    }
    return eat_armv6m_block_out;
}

/* CONV_2D / FULLY_CONNECTED over eat_armv6m_gemv8u_s8: weights in layout rows8_u16_pairs, bias
 * folded by the compiler as bias + (input_offset - 128) * sum(w) (kernels.Variant.input_bias); the
 * CONV_2D's then followed by the accumulator bounds (int32[3][out_c], kernels.Variant.clamp_bounds).
 * The CONV_2D's pixels go EAT_ARMV6M_SWAR_BLOCK at a time through eat_armv6m_block_out. */
size_t eat_conv2d_s8_swar_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_swar_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                               const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);
/* CONV_2D with one input channel (conv2d_s8_c1_armv6m.c): weights in layout c1_pairs (|w| <= 127), bias
 * folded by the compiler as bias + (input_offset - 129) * sum(w), then the accumulator bounds. */
size_t eat_conv2d_s8_c1_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_c1_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w, const int32_t *bias,
                             const int8_t *input, int8_t *output, void *scratch);
size_t eat_fully_connected_s8_swar_armv6m_scratch_bytes(const eat_fully_connected_s8_params_t *p);
void eat_fully_connected_s8_swar_armv6m(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                        const int32_t *bias, const int8_t *input, int8_t *output,
                                        void *scratch);

/* ADD without broadcast: the inputs' rescalings tabulated per call (add_s8_armv6m.c). */
void eat_add_s8_armv6m(const eat_add_s8_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output);

/* MAX_POOL_2D: 2x2 windows wholly inside the input; others go to eat_max_pool2d_s8 (pooling_s8_armv6m.c). */
void eat_max_pool2d_s8_armv6m(const eat_pool2d_s8_params_t *p, const int8_t *input, int8_t *output);
/* AVERAGE_POOL_2D: four channels per aligned word in 16-bit lanes (channels % 4 == 0, windows of up to 257
 * taps); others go to eat_avg_pool2d_s8 (pooling_s8_armv6m.c). */
void eat_avg_pool2d_s8_armv6m(const eat_pool2d_s8_params_t *p, const int8_t *input, int8_t *output);

size_t eat_conv2d_s8_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                          const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

size_t eat_depthwise_conv2d_s8_armv6m_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p);
/* bias: int32[3][out_c], the bias then the accumulator bounds lo, hi (pipeline/compiler/clamp_bounds.py). */
void eat_depthwise_conv2d_s8_armv6m(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                    const int32_t *bias, const int8_t *input, int8_t *output,
                                    void *scratch);

size_t eat_fully_connected_s8_armv6m_scratch_bytes(const eat_fully_connected_s8_params_t *p);
void eat_fully_connected_s8_armv6m(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                   const int32_t *bias, const int8_t *input, int8_t *output,
                                   void *scratch);

#ifdef __cplusplus
}
#endif

#endif /* EAT_ARMV6M_H */
