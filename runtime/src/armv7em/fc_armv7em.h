/* What the ARMv7E-M FULLY_CONNECTED kernels dsp4 (int8 weights) and dsp16 (int16 weights) share:
 * the pass over blocks of 4 output rows, each block's dot products by an assembly routine over an
 * input the kernel expanded once per batch into scratch, and the requantisation of the 4 outputs.
 *
 * The requantisation takes a short form when the whole call allows it (eat_fc_short_ok): with
 * L = max(shift, 0) + 1 and r = max(-shift, 0), eat_mbqm(acc, m, shift) is RDBPOT(h, r) with
 * h = floor((acc 2^L m + 2^31) / 2^32), one SMMULR while acc 2^L fits int32 (eat/requant_pc.h derives
 * the doubling high multiply's floor form), and for r >= 1 the rounding divide is
 * (h + [h < 0 ? -1 : 0] + 2^(r-1) + off 2^r) >> r with the output zero point off inside; for r = 0
 * it is h + off. The call qualifies when every row's shift is in [-22, 29] and
 * |bias| + k * 2^14 < 2^(30 - L) (the kernels sum raw int8 products, |x w| <= 2^14, onto the folded
 * bias), else every output takes eat_fully_connected_s8_out. Per-tensor constants are made once per
 * call, per-channel ones per output. Included by the kernels inside `#if EAT_ARMV7EM_DSP` blocks (the
 * host compiles it only to check the arithmetic). */
#ifndef EAT_FC_ARMV7EM_H
#define EAT_FC_ARMV7EM_H

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

/* 1 when every output of this call may take the short requantisation. */
static inline int eat_fc_short_ok(const eat_fully_connected_s8_params_t *p, const int32_t *bias, int32_t k)
{
    const int32_t span = k << 14;   /* k <= 2^16 inputs: the registry's in_depth */
    int32_t o;
#ifdef EAT_SINGLE_ROUNDING
    (void)p; (void)bias; (void)span; (void)o;
    return 0;   /* TFLM's single-rounding build: the general form only */
#else
    for (o = 0; o < p->out_depth; ++o) {
        const int32_t b = bias != NULL ? bias[o] : 0;
        const int32_t s = p->per_channel_shift != NULL ? p->per_channel_shift[o] : p->output_shift;
        const int32_t lim = (int32_t)1 << (30 - (s > 0 ? s + 1 : 1));   /* |acc| < lim: acc << L fits */
        if (s < -22 || s > 28 || lim <= span || (uint32_t)(b < 0 ? -(int64_t)b : b) >= (uint32_t)(lim - span)) {
            return 0;
        }
    }
    return 1;
#endif
}

/* One batch: out[o] for every row o, 4 rows per call of rows4 over the expanded input xs. bias is the
 * folded bias (never NULL for these kernels: the compiler folds input_offset * sum(w) into it). */
static inline void eat_fc_rows4_pass(const eat_fully_connected_s8_params_t *p, const int8_t *w, const int32_t *bias,
                                     const void *xs, int32_t k, int8_t *out, eat_fc_rows4_fn rows4, int short_ok)
{
    const int32_t n = p->out_depth, lo = p->act_min, hi = p->act_max, off = p->output_offset;
    const int32_t *pcm = p->per_channel_multiplier, *pcs = p->per_channel_shift;
    eat_fc_rq_t q;
    int32_t o, j, acc[4];
    eat_fc_rq_make(&q, p->output_multiplier, p->output_shift, off);
    for (o = 0; o < n; o += 4) {
        const int32_t m = n - o < 4 ? n - o : 4;
        if (m == 4) {
            acc[0] = bias[o];
            acc[1] = bias[o + 1];
            acc[2] = bias[o + 2];
            acc[3] = bias[o + 3];
        } else {
            for (j = 0; j < 4; ++j) {
                acc[j] = j < m ? bias[o + j] : 0;
            }
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

/* The assembly routines' frame: acc[4] in r3, r8-r10 (the pointer kept at [sp]), the expanded input
 * in r0 (two words per 4 inputs: r11, r12), the weights in r1 (LDM of 4 words into r4-r7), the input's
 * end in r2; k / 4 steps of STEP, an odd one first, then two per loop pass. */
#define EAT_FC_ROWS4_ASM(STEP)                                                                  \
    "push   {r3-r11, lr}\n\t"                                                                   \
    "ldm    r3, {r3, r8, r9, r10}\n\t"                                                          \
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
    "3:\n\t"                                                                                    \
    "ldr    r4, [sp]\n\t"                                                                       \
    "stm    r4, {r3, r8, r9, r10}\n\t"                                                          \
    "mov    r0, r1\n\t"                                                                         \
    "pop    {r3-r11, pc}\n\t"

#endif /* EAT_FC_ARMV7EM_H */
