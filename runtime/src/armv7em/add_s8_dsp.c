/* ADD int8 for ARMv7E-M (Cortex-M4/M7): each input's rescaling depends on its byte alone, so it is
 * tabulated per call (256 int32 entries per input, on the stack, stored doubled for SMMULR), then per
 * element two table reads, one add and the short requantisation (SMMULR, ADD, ADD, ASR, SSAT), 4
 * elements per word load / BFI pack / clamp / word store.
 *
 * Chosen by the compiler's registry for cortex-m4 / cortex-m7 (pipeline/compiler/kernels_registry.py).
 * It calls the portable eat_add_s8 when the table does not pay (fewer than EAT_DSP_ADD_TABLE_MIN
 * elements), for broadcast, for a positive input or output shift, an output shift outside [-22, -1],
 * or when the rescaled sums could reach 2^29 (the short form's bound, eat/requant_pc.h). The tables use
 * eat_rq (TFLM's MultiplyByQuantizedMultiplierSmallerThanOneExp, the same values as eat_add_s8).
 * Elsewhere this file compiles to nothing. */
#include "eat/add.h"
#include "eat/armv7em.h"
#include "eat/requant_pc.h"

#if EAT_ARMV7EM_DSP
#pragma GCC optimize("O3")

/* Below this many elements the 512 table entries cost more than they save. */
#define EAT_DSP_ADD_TABLE_MIN 256

/* t[u] = 2 * rescale((int8_t)u); returns max |rescale|. */
static int32_t tabulate(int32_t *t, int32_t offset, int32_t left_shift, const eat_rq_t *q)
{
    int32_t u, peak = 0;
    for (u = 0; u < 256; ++u) {
        const int32_t v = eat_rq(eat_shl_wrap(offset + (int32_t)(int8_t)u, left_shift), q);
        const int32_t a = v < 0 ? -v : v;
        peak = a > peak ? a : peak;
        t[u] = (int32_t)((uint32_t)v << 1);
    }
    return peak;
}

/* The short output requantisation of a doubled sum s2x = 2 * (s1 + s2) (eat_rq_short without its LSL). */
static inline int32_t rq_doubled(int32_t s2x, int32_t m, int32_t c, int32_t sh)
{
    int32_t h;
    __asm__("smmulr %0, %1, %2" : "=r"(h) : "r"(s2x), "r"(m));
    return (h + (h >> 31) + c) >> sh;
}

void eat_add_s8_dsp(const eat_add_s8_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    int32_t t1[256], t2[256];   /* indexed by the input byte as unsigned */
    eat_rq_t q1, q2, qo;
    int32_t i, m, c, sh, lo4, hi4;
    const int32_t n = p->size, lo = p->act_min, hi = p->act_max;
    if (p->broadcast || n < EAT_DSP_ADD_TABLE_MIN || p->input1_shift > 0 || p->input2_shift > 0
        || p->output_shift > -1 || p->output_shift < -22 || p->left_shift > 20) {
        eat_add_s8(p, input1, input2, output);
        return;
    }
    eat_rq_prepare(&q1, &p->input1_multiplier, &p->input1_shift, 1);
    eat_rq_prepare(&q2, &p->input2_multiplier, &p->input2_shift, 1);
    if ((int64_t)tabulate(t1, p->input1_offset, p->left_shift, &q1)
        + tabulate(t2, p->input2_offset, p->left_shift, &q2) >= EAT_RQ_SHORT_ACC_LIMIT) {
        eat_add_s8(p, input1, input2, output);
        return;
    }
    eat_rq_prepare(&qo, &p->output_multiplier, &p->output_shift, 1);
    (void)eat_rq_prepare_short(&qo, &p->output_shift, 1, p->output_offset);   /* shift checked above */
    m = qo.multiplier;
    c = qo.c;
    sh = qo.s2;
    lo4 = eat_bytes4(lo);
    hi4 = eat_bytes4(hi);
    for (i = 0; i + 3 < n; i += 4) {
        const uint32_t a = (uint32_t)eat_rd32(input1 + i), b = (uint32_t)eat_rd32(input2 + i);
        const uint32_t v = eat_pack4(rq_doubled(t1[a & 0xFFu] + t2[b & 0xFFu], m, c, sh),
                                     rq_doubled(t1[(a >> 8) & 0xFFu] + t2[(b >> 8) & 0xFFu], m, c, sh),
                                     rq_doubled(t1[(a >> 16) & 0xFFu] + t2[(b >> 16) & 0xFFu], m, c, sh),
                                     rq_doubled(t1[a >> 24] + t2[b >> 24], m, c, sh));
        eat_wr32(output + i, eat_clamp4(v, lo4, hi4));
    }
    for (; i < n; ++i) {
        const int32_t r = rq_doubled(t1[(uint8_t)input1[i]] + t2[(uint8_t)input2[i]], m, c, sh);
        output[i] = (int8_t)eat_clamp_i32(r, lo, hi);
    }
}

#elif defined(__ARM_ARCH_7EM__)
#error "ARMv7E-M build without the DSP extension flags: build with -mcpu=cortex-m4 or cortex-m7"
#else
typedef int eat_add_s8_dsp_unused_t;   /* not ARMv7E-M: nothing to compile */
#endif
