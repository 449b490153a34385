/* Per-channel requantisation constants prepared once per call (into planned scratch): the same
 * result as eat_requant / eat_mbqm with fewer instructions per output and no branches.
 *
 * eat_mbqm(x, m, shift) = RDBPOT(h, r) with h = floor(((x << left) * m + 2^30) / 2^31) (see
 * eat/requant.h) and r = max(-shift, 0). RDBPOT rounds half away from zero:
 *   r = 0:  h
 *   r >= 1: floor((a + 2^(r-1)) / 2^r) with a = h - [h < 0]
 * and for r >= 2 the nested floor floor((floor(a / 2) + 2^(r-2)) / 2^(r-1)) gives the same value
 * without the int32 overflow of a + 2^(r-1) (|h| <= 2^31 - 2, so a + 1 cannot overflow for r = 1).
 * Hence result = ((a >> s1) + c) >> s2 with a = h + ((h >> 31) & negmask) and
 *   r = 0: negmask 0, s1 0, c 0, s2 0;  r = 1: negmask -1, s1 0, c 1, s2 1;
 *   r >= 2: negmask -1, s1 1, c 2^(r-2), s2 r - 1.
 * Shifts follow eat/requant.h: left in [0, 31], r in [0, 31]. Portable C (tested on the host). */
#ifndef EAT_REQUANT_PC_H
#define EAT_REQUANT_PC_H

#include "eat/common.h"

typedef struct {
    int32_t multiplier;
    int32_t c, s2;      /* see above; next to multiplier: the short form's 3 fields, one LDM / LDRD away */
    int32_t left;       /* max(shift, 0) */
    int32_t negmask;    /* -1 when r >= 1, else 0 */
    int32_t s1;         /* see above */
} eat_rq_t;

/* Scratch bytes for n channels' constants. */
#define EAT_RQ_BYTES(n) ((size_t)(n) * sizeof(eat_rq_t))

static inline void eat_rq_prepare(eat_rq_t *rq, const int32_t *multiplier, const int32_t *shift, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t s = shift[i];
        const int32_t r = s > 0 ? 0 : -s;
        rq[i].multiplier = multiplier[i];
        rq[i].left = s > 0 ? s : 0;
        rq[i].negmask = r >= 1 ? -1 : 0;
        rq[i].s1 = r >= 2 ? 1 : 0;
        rq[i].c = r == 0 ? 0 : (r == 1 ? 1 : (int32_t)1 << (r - 2));
        rq[i].s2 = r == 0 ? 0 : (r == 1 ? 1 : r - 1);
    }
}

static inline int32_t eat_rq(int32_t acc, const eat_rq_t *q)
{
#ifdef EAT_SINGLE_ROUNDING
    return eat_mbqm(acc, q->multiplier, q->left > 0 ? q->left : -(q->s1 + q->s2));
#else
    const int32_t x = (int32_t)((uint32_t)acc << q->left);
    const int32_t h = (int32_t)(((int64_t)x * (int64_t)q->multiplier + ((int64_t)1 << 30)) >> 31);
    const int32_t a = h + ((h >> 31) & q->negmask);
    return ((a >> q->s1) + q->c) >> q->s2;
#endif
}

/* The short form, when every channel has r in [1, 22] and every accumulator |acc| < 2^29 (the kernel
 * bounds it per call: |bias| + 128 * sum|w|): h = floor((2 acc m + 2^31) / 2^32) is one SMMULR (2 acc
 * fits), a = h - [h < 0], and the output zero point rides in the rounding constant:
 * floor((a + 2^(r-1) + off * 2^r) / 2^r) = RDBPOT(h, r) + off, all sums well inside int32.
 * eat_rq_prepare_short rewrites c = 2^(r-1) + (off << r) and s2 = r; returns 0 (and leaves rq as
 * eat_rq_prepare made it) when a channel's r is out of range. */
#define EAT_RQ_SHORT_ACC_LIMIT ((int64_t)1 << 29)

static inline int eat_rq_prepare_short(eat_rq_t *rq, const int32_t *shift, int32_t n, int32_t output_offset)
{
    int32_t i;
#ifdef EAT_SINGLE_ROUNDING
    return 0;   /* TFLM's single-rounding build: the general form only */
#endif
    for (i = 0; i < n; ++i) {
        if (shift[i] > -1 || shift[i] < -22) {
            return 0;
        }
    }
    for (i = 0; i < n; ++i) {
        const int32_t r = -shift[i];
        rq[i].c = ((int32_t)1 << (r - 1)) + (int32_t)((uint32_t)output_offset << r);
        rq[i].s2 = r;
    }
    return 1;
}

static inline int32_t eat_rq_short(int32_t acc, const eat_rq_t *q)
{
    const int32_t acc2 = (int32_t)((uint32_t)acc << 1);   /* wraps only for a constant channel (multiplier 0) */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    int32_t h;
    __asm__("smmulr %0, %1, %2" : "=r"(h) : "r"(acc2), "r"(q->multiplier));
#else
    const int32_t h = (int32_t)(((int64_t)acc2 * (int64_t)q->multiplier + ((int64_t)1 << 31)) >> 32);
#endif
    return (h + (h >> 31) + q->c) >> q->s2;
}

/* Channel kind for eat_rq_prepare_short_k: 1 the short form (|bias| + span < 2^29, shift in [-22, -1]);
 * 2 constant: every accumulator in [bias - span, bias + span] gives the same output *v (the
 * requantisation is monotone in acc, so its two ends decide; e.g. a channel whose bias ~ +-2^30
 * pins it); 0 neither. q holds eat_rq_prepare's constants. */
static inline int eat_rq_short_kind(const eat_rq_t *q, int32_t shift, int64_t bias, int64_t span,
                                    int32_t output_offset, int32_t act_min, int32_t act_max, int32_t *v)
{
    const int64_t lo = bias - span, hi = bias + span;
    int32_t vlo, vhi;
    if ((bias < 0 ? -bias : bias) + span < EAT_RQ_SHORT_ACC_LIMIT && shift <= -1 && shift >= -22) {
        return 1;
    }
    if (lo < INT32_MIN || hi > INT32_MAX) {
        return 0;
    }
    vlo = eat_rq((int32_t)lo, q) + output_offset;
    vhi = eat_rq((int32_t)hi, q) + output_offset;
    vlo = vlo < act_min ? act_min : (vlo > act_max ? act_max : vlo);
    vhi = vhi < act_min ? act_min : (vhi > act_max ? act_max : vhi);
    *v = vlo;
    return vlo == vhi ? 2 : 0;
}

/* The short form for a whole call of a kernel that sums raw int8 products (|x w| <= 2^14) over k terms
 * onto bias[c]: every accumulator lies in bias[c] +- span, span = k * 2^14 (no scan of the weights).
 * Returns 1 and rewrites rq when every channel is of kind 1 (c, s2 as eat_rq_prepare_short) or 2
 * (multiplier 0, c = the constant output, s2 0: eat_rq_short then gives it for any acc, already
 * clamped); else returns 0 and leaves rq as eat_rq_prepare made it. */
static inline int eat_rq_prepare_short_k(eat_rq_t *rq, const int32_t *shift, const int32_t *bias, int32_t n,
                                         int32_t k, int32_t output_offset, int32_t act_min, int32_t act_max)
{
    const int64_t span = (int64_t)k << 14;
    int32_t i, v = 0;
#ifdef EAT_SINGLE_ROUNDING
    return 0;   /* TFLM's single-rounding build: the general form only */
#endif
    for (i = 0; i < n; ++i) {
        if (eat_rq_short_kind(&rq[i], shift[i], bias[i], span, output_offset, act_min, act_max, &v) == 0) {
            return 0;
        }
    }
    for (i = 0; i < n; ++i) {
        if (eat_rq_short_kind(&rq[i], shift[i], bias[i], span, output_offset, act_min, act_max, &v) == 1) {
            const int32_t r = -shift[i];
            rq[i].c = ((int32_t)1 << (r - 1)) + (int32_t)((uint32_t)output_offset << r);
            rq[i].s2 = r;
        } else {
            rq[i].multiplier = 0;
            rq[i].c = v;
            rq[i].s2 = 0;
        }
    }
    return 1;
}

/* The short form's 3 constants per channel packed in place for assembly loops (LDM of 12 bytes): rq[i]'s
 * multiplier, c, s2 to words 3i..3i+2 (at or below where channel i's 24 bytes were read, so a forward
 * pass is safe). Afterwards read the constants only through the returned pointer (eat_rq3_short). */
static inline const int32_t *eat_rq_pack_short(eat_rq_t *rq, int32_t n)
{
    int32_t *o = (int32_t *)(void *)rq;
    int32_t i;
    for (i = 0; i < n; ++i) {
        const int32_t m = rq[i].multiplier, c = rq[i].c, s2 = rq[i].s2;
        o[3 * i] = m;
        o[3 * i + 1] = c;
        o[3 * i + 2] = s2;
    }
    return o;
}

/* eat_rq_short with channel i's packed constants q3 = packed + 3 i, clamped to [act_min, act_max]. */
static inline int8_t eat_rq3_short_s8(int32_t acc, const int32_t *q3, int32_t act_min, int32_t act_max)
{
    eat_rq_t q;
    int32_t v;
    q.multiplier = q3[0];
    q.c = q3[1];
    q.s2 = q3[2];
    v = eat_rq_short(acc, &q);
    v = v < act_min ? act_min : v;
    return (int8_t)(v > act_max ? act_max : v);
}

static inline int8_t eat_rq_short_s8(int32_t acc, const eat_rq_t *q, int32_t act_min, int32_t act_max)
{
    int32_t v = eat_rq_short(acc, q);
    v = v < act_min ? act_min : v;
    return (int8_t)(v > act_max ? act_max : v);
}

/* acc -> int8: requantise, add the output zero point, clamp to the activation range. */
static inline int8_t eat_rq_s8(int32_t acc, const eat_rq_t *q, int32_t output_offset, int32_t act_min,
                               int32_t act_max)
{
    int32_t v = eat_rq(acc, q) + output_offset;
    v = v < act_min ? act_min : v;
    return (int8_t)(v > act_max ? act_max : v);
}

#endif /* EAT_REQUANT_PC_H */
