/* What the ARMv7E-M FULLY_CONNECTED kernels dsp4 (int8 weights) and dsp16 (int16 weights) share:
 * the pass over blocks of 4 output rows, each block's dot products by an assembly routine over an
 * input the kernel expanded once per batch into scratch, and the requantisation of the 4 outputs.
 *
 * The requantisation takes a short form when the whole call allows it (eat_fc_short_ok): with
 * L = max(shift, 0) + 1 and r = max(-shift, 0), eat_mbqm(acc, m, shift) is RDBPOT(h, r) with
 * h = floor((acc 2^L m + 2^31) / 2^32), one SMMULR while acc 2^L fits int32 (eat/requant_pc.h derives
 * the doubling high multiply's floor form), and for r >= 1 the rounding divide is
 * (h + [h < 0 ? -1 : 0] + 2^(r-1) + off 2^r) >> r with the output zero point off inside; for r = 0
 * it is h + off. The call qualifies when every row's shift is in [-22, 28] and
 * |bias| + k * 2^14 < 2^(30 - L) (the kernels sum raw int8 products, |x w| <= 2^14, onto the folded
 * bias), else every output takes eat_fully_connected_s8_out. Per-tensor constants are made once per
 * call, per-channel ones per output. Included by the kernels inside `#if EAT_ARMV7EM_DSP` blocks (the
 * host compiles it only to check the arithmetic). */
#ifndef EAT_FC_ARMV7EM_H
#define EAT_FC_ARMV7EM_H

#include <stddef.h>

#include "eat/fully_connected.h"

/* acc[j] += row j's dot product with the expanded input over k inputs, j = 0..3; returns w advanced
 * past the block's weights. */
typedef const int8_t *(*eat_fc_rows4_fn)(const void *xs, const int8_t *w, int32_t k, int32_t acc[4]);

typedef struct {
    int32_t m, left, negmask, c, r;   /* see above: left = L, negmask -1 when r >= 1 */
} eat_fc_rq_t;

static inline void eat_fc_rq_make(eat_fc_rq_t *q, int32_t m, int32_t shift, int32_t off)
{
    const int32_t r = shift < 0 ? -shift : 0;
    q->m = m;
    q->left = shift > 0 ? shift + 1 : 1;
    q->negmask = r ? -1 : 0;
    q->c = (r ? (int32_t)1 << (r - 1) : 0) + (int32_t)((uint32_t)off << r);
    q->r = r;
}

static inline int8_t eat_fc_rq_s8(const eat_fc_rq_t *q, int32_t acc, int32_t act_min, int32_t act_max)
{
    const int32_t x = (int32_t)((uint32_t)acc << q->left);
    int32_t h, v;
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    __asm__("smmulr %0, %1, %2" : "=r"(h) : "r"(x), "r"(q->m));
#else   /* the host's check of the same arithmetic (tests/test_kernel_registry.py) */
    h = (int32_t)(((int64_t)x * (int64_t)q->m + ((int64_t)1 << 31)) >> 32);
#endif
    v = (h + ((h >> 31) & q->negmask) + q->c) >> q->r;
    v = v < act_min ? act_min : v;
    return (int8_t)(v > act_max ? act_max : v);
}

/* The room a row with shift s leaves its bias, 2^(30 - L) - span (|acc| < 2^(30 - L): acc << L fits int32,
 * span = k * 2^14 bounds the products), or 0 when the short form does not apply to s. */
static inline int32_t eat_fc_short_room(int32_t s, int32_t span)
{
    int32_t lim;
    if (s < -22 || s > 28) {
        return 0;
    }
    lim = (int32_t)1 << (30 - (s > 0 ? s + 1 : 1));
    return lim > span ? lim - span : 0;
}

/* 1 when every output of this call may take the short requantisation (bias: the folded bias, not NULL). */
static inline int eat_fc_short_ok(const eat_fully_connected_s8_params_t *p, const int32_t *bias, int32_t k)
{
    const int32_t span = k << 14;   /* k <= 2^15 inputs: kernels_registry.FC_DSP_MAX_K */
    int32_t o;
#ifdef EAT_SINGLE_ROUNDING
    (void)p; (void)bias; (void)span; (void)o;
    return 0;   /* TFLM's single-rounding build: the general form only */
#else
    if (p->per_channel_shift == NULL) {   /* one shift, one room: |bias| < room for every row */
        const int32_t room = eat_fc_short_room(p->output_shift, span);
        const uint32_t top = (uint32_t)room - 1u, width = 2u * top;   /* |b| <= top <=> b + top in [0, 2 top] */
        if (room == 0) {
            return 0;
        }
        for (o = 0; o < p->out_depth; ++o) {
            if ((uint32_t)bias[o] + top > width) {
                return 0;
            }
        }
        return 1;
    }
    for (o = 0; o < p->out_depth; ++o) {
        const int64_t b = bias[o];
        const int32_t room = eat_fc_short_room(p->per_channel_shift[o], span);
        if (room == 0 || (b < 0 ? -b : b) >= room) {
            return 0;
        }
    }
    return 1;
#endif
}

/* What the block routine (EAT_FC_BLOCKS_ASM) reads and advances: the per-tensor short requantisation's
 * constants (eat_fc_rq_t's fields, then the activation range), the output and bias cursors, the expanded
 * input, the number of blocks of 4 rows, and k. The offsets are the assembly's. */
typedef struct {
    eat_fc_rq_t q;                             /* 0..16: m, left, negmask, c, r */
    int32_t lo, hi;                            /* 20, 24 */
    int8_t *out;                               /* 28 */
    const int32_t *bias;                       /* 32 */
    const void *xs;                            /* 36 */
    int32_t blocks, k;                         /* 40, 44 */
} eat_fc_frame_t;
#if defined(__arm__)   /* 32-bit pointers: the layout the assembly reads */
typedef char eat_fc_frame_offsets_t[offsetof(eat_fc_frame_t, k) == 44 ? 1 : -1];
#endif

/* Every full block of 4 rows, dot products, requantisation and stores, in one call (per-tensor, short form). */
typedef const int8_t *(*eat_fc_blocks_fn)(eat_fc_frame_t *f, const int8_t *w);

/* One batch: out[o] for every row o. The full blocks of a per-tensor call that allows the short
 * requantisation go to `blocks` (all in assembly); the rest 4 rows per call of rows4, requantised here.
 * bias is the folded bias (never NULL for these kernels: the compiler folds input_offset * sum(w)). */
static inline void eat_fc_rows4_pass(const eat_fully_connected_s8_params_t *p, const int8_t *w, const int32_t *bias,
                                     const void *xs, int32_t k, int8_t *out, eat_fc_rows4_fn rows4,
                                     eat_fc_blocks_fn blocks, int short_ok)
{
    const int32_t n = p->out_depth, lo = p->act_min, hi = p->act_max, off = p->output_offset;
    const int32_t *pcm = p->per_channel_multiplier, *pcs = p->per_channel_shift;
    eat_fc_rq_t q;
    int32_t o = 0, j, acc[4];
    eat_fc_rq_make(&q, p->output_multiplier, p->output_shift, off);
    if (short_ok && pcm == NULL && n >= 4) {
        eat_fc_frame_t f;
        f.q = q;
        f.lo = lo;
        f.hi = hi;
        f.out = out;
        f.bias = bias;
        f.xs = xs;
        f.blocks = n / 4;
        f.k = k;
        w = blocks(&f, w);
        o = n / 4 * 4;
    }
    for (; o < n; o += 4) {
        const int32_t m = n - o < 4 ? n - o : 4;
        for (j = 0; j < 4; ++j) {
            acc[j] = j < m ? bias[o + j] : 0;
        }
        w = rows4(xs, w, k, acc);
        for (j = 0; j < m; ++j) {
            if (!short_ok) {
                out[o + j] = eat_fully_connected_s8_out(p, acc[j], o + j);
                continue;
            }
            if (pcm != NULL) {
                eat_fc_rq_make(&q, pcm[o + j], pcs[o + j], off);
            }
            out[o + j] = eat_fc_rq_s8(&q, acc[j], lo, hi);
        }
    }
}

/* The dot products of one block of 4 rows: acc in r3, r8-r10, the expanded input in r0 (two words per
 * 4 inputs: r11, r12; k inputs in r2 on entry, the input's end after), the weights in r1 (LDM of 4 words
 * into r4-r7); k / 4 steps of STEP, an odd one first, then two per loop pass. */
#define EAT_FC_DOT_ASM(STEP)                                                                    \
    "tst    r2, #4\n\t"                 /* an odd number of 4-input steps: one before the loop */ \
    "add    r2, r0, r2, lsl #1\n\t"     /* end of the expanded input: 2 bytes per input */        \
    "beq    2f\n\t"                                                                             \
    STEP                                                                                        \
    "2:\n\t"                                                                                    \
    "cmp    r0, r2\n\t"                                                                         \
    "beq    3f\n\t"                                                                             \
    "1:\n\t"                                                                                    \
    STEP STEP                                                                                   \
    "cmp    r0, r2\n\t"                                                                         \
    "bne    1b\n\t"                                                                             \
    "3:\n\t"

/* eat_fc_rows4_fn: acc[4] loaded from and stored to the pointer in r3 (kept at [sp]). */
#define EAT_FC_ROWS4_ASM(STEP)                                                                  \
    "push   {r3-r11, lr}\n\t"                                                                   \
    "ldm    r3, {r3, r8, r9, r10}\n\t"                                                          \
    EAT_FC_DOT_ASM(STEP)                                                                        \
    "ldr    r4, [sp]\n\t"                                                                       \
    "stm    r4, {r3, r8, r9, r10}\n\t"                                                          \
    "mov    r0, r1\n\t"                                                                         \
    "pop    {r3-r11, pc}\n\t"

/* One output in ACC: eat_fc_rq_s8 with m r2, left r4, negmask r5, c r6, r r7, lo r11, hi r12; stored at lr++. */
#define EAT_FC_RQ_ASM(ACC)                                                                      \
    "lsl    " ACC ", " ACC ", r4\n\t"                                                            \
    "smmulr " ACC ", " ACC ", r2\n\t"                                                            \
    "and    r0, r5, " ACC ", asr #31\n\t"                                                        \
    "add    " ACC ", " ACC ", r0\n\t"                                                            \
    "add    " ACC ", " ACC ", r6\n\t"                                                            \
    "asr    " ACC ", " ACC ", r7\n\t"                                                            \
    "cmp    " ACC ", r11\n\t"                                                                    \
    "it     lt\n\t"                                                                             \
    "movlt  " ACC ", r11\n\t"                                                                    \
    "cmp    " ACC ", r12\n\t"                                                                    \
    "it     gt\n\t"                                                                             \
    "movgt  " ACC ", r12\n\t"                                                                    \
    "strb   " ACC ", [lr], #1\n\t"

/* eat_fc_blocks_fn: the frame in r0 (kept at [sp]), the weights in r1; per block the bias cursor's 4
 * values start the sums, then the dot products, the 4 outputs, and the cursors advance. */
#define EAT_FC_BLOCKS_ASM(STEP)                                                                 \
    "push   {r0, r4-r11, lr}\n\t"                                                               \
    "4:\n\t"                                                                                    \
    "ldr    r0, [sp]\n\t"                                                                       \
    "ldr    r4, [r0, #32]\n\t"                                                                  \
    "ldm    r4!, {r3, r8, r9, r10}\n\t"                                                         \
    "str    r4, [r0, #32]\n\t"                                                                  \
    "ldr    r2, [r0, #44]\n\t"                                                                  \
    "ldr    r0, [r0, #36]\n\t"                                                                  \
    EAT_FC_DOT_ASM(STEP)                                                                        \
    "ldr    r0, [sp]\n\t"                                                                       \
    "ldr    lr, [r0, #28]\n\t"                                                                  \
    "ldm    r0, {r2, r4, r5, r6, r7, r11, r12}\n\t"                                             \
    EAT_FC_RQ_ASM("r3") EAT_FC_RQ_ASM("r8") EAT_FC_RQ_ASM("r9") EAT_FC_RQ_ASM("r10")            \
    "ldr    r0, [sp]\n\t"                                                                       \
    "str    lr, [r0, #28]\n\t"                                                                  \
    "ldr    r2, [r0, #40]\n\t"                                                                  \
    "subs   r2, r2, #1\n\t"                                                                     \
    "str    r2, [r0, #40]\n\t"                                                                  \
    "bne    4b\n\t"                                                                             \
    "mov    r0, r1\n\t"                                                                         \
    "pop    {r2, r4-r11, pc}\n\t"

#endif /* EAT_FC_ARMV7EM_H */
