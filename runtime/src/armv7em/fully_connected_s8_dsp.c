/* FULLY_CONNECTED int8 for ARMv7E-M (Cortex-M4/M7): SXTB16 + SMLAD, 4 inputs x 4 output rows per step.
 *
 * Chosen by the compiler's registry for cortex-m4 / cortex-m7 when the weights are symmetric
 * (filter_offset 0). bias[o] = bias + input_offset * sum(row o), folded at compile time, so the
 * accumulator sums raw int8 products. SXTB16 takes bytes 0 and 2 of a word, SXTB16 ROR 8 bytes 1
 * and 3; the input and the weights are split the same way, so SMLAD pairs matching elements.
 * Elsewhere (the host, other ISAs) this file compiles to nothing. */
#include "eat/armv7em.h"
#include "eat/fully_connected.h"
#include "eat/requant.h"

#if EAT_ARMV7EM_DSP

size_t eat_fully_connected_s8_dsp_scratch_bytes(const eat_fully_connected_s8_params_t *p)
{
    (void)p;
    return 0;
}

static int32_t dot_tail(const int8_t *x, const int8_t *r, int32_t from, int32_t n, int32_t acc)
{
    int32_t d;
    for (d = from; d < n; ++d) {
        acc += (int32_t)x[d] * r[d];
    }
    return acc;
}

void eat_fully_connected_s8_dsp(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t n = p->in_depth, n4 = p->in_depth & ~3;
    int32_t b, o, d;
    (void)scratch;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in = input + b * n;
        int8_t *out = output + b * p->out_depth;
        for (o = 0; o + 3 < p->out_depth; o += 4) {
            const int8_t *r0 = w->data + o * n;
            const int8_t *r1 = r0 + n, *r2 = r1 + n, *r3 = r2 + n;
            int32_t a0 = bias[o], a1 = bias[o + 1], a2 = bias[o + 2], a3 = bias[o + 3];
            for (d = 0; d < n4; d += 4) {
                const int32_t xv = eat_rd32(in + d);
                const int32_t x02 = __sxtb16(xv), x13 = eat_sxtb16_ror8(xv);
                int32_t wv = eat_rd32(r0 + d);
                a0 = __smlad(__sxtb16(wv), x02, a0);
                a0 = __smlad(eat_sxtb16_ror8(wv), x13, a0);
                wv = eat_rd32(r1 + d);
                a1 = __smlad(__sxtb16(wv), x02, a1);
                a1 = __smlad(eat_sxtb16_ror8(wv), x13, a1);
                wv = eat_rd32(r2 + d);
                a2 = __smlad(__sxtb16(wv), x02, a2);
                a2 = __smlad(eat_sxtb16_ror8(wv), x13, a2);
                wv = eat_rd32(r3 + d);
                a3 = __smlad(__sxtb16(wv), x02, a3);
                a3 = __smlad(eat_sxtb16_ror8(wv), x13, a3);
            }
            out[o] = eat_fully_connected_s8_out(p, dot_tail(in, r0, n4, n, a0), o);
            out[o + 1] = eat_fully_connected_s8_out(p, dot_tail(in, r1, n4, n, a1), o + 1);
            out[o + 2] = eat_fully_connected_s8_out(p, dot_tail(in, r2, n4, n, a2), o + 2);
            out[o + 3] = eat_fully_connected_s8_out(p, dot_tail(in, r3, n4, n, a3), o + 3);
        }
        for (; o < p->out_depth; ++o) {
            const int8_t *r0 = w->data + o * n;
            int32_t a0 = bias[o];
            for (d = 0; d < n4; d += 4) {
                const int32_t xv = eat_rd32(in + d), wv = eat_rd32(r0 + d);
                a0 = __smlad(__sxtb16(wv), __sxtb16(xv), a0);
                a0 = __smlad(eat_sxtb16_ror8(wv), eat_sxtb16_ror8(xv), a0);
            }
            out[o] = eat_fully_connected_s8_out(p, dot_tail(in, r0, n4, n, a0), o);
        }
    }
}

#elif defined(__ARM_ARCH_7EM__)
#error "ARMv7E-M build without the DSP extension flags: build with -mcpu=cortex-m4 or cortex-m7"
#else
typedef int eat_fully_connected_s8_dsp_unused_t;   /* not ARMv7E-M: nothing to compile */
#endif
