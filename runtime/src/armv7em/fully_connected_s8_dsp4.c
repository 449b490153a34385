/* FULLY_CONNECTED int8 for ARMv7E-M (Cortex-M4/M7): 4 output rows x 4 inputs per step, one weight stream.
 *
 * Chosen by the compiler's registry for cortex-m4 / cortex-m7 when the weights are symmetric and
 * in_depth is a multiple of 4 (pipeline/compiler/kernels_registry.py). What the compiler prepared:
 * - bias[o] = bias + input_offset * sum(row o): the accumulators sum raw int8 products;
 * - weights in layout rows4_k4_interleaved: rows zero-padded to a multiple of 4, each block of 4 rows
 *   interleaved 4 bytes at a time, so the inner loop reads one aligned stream with LDRD.
 * Inner loop (inline assembly) per 4 inputs: LDR + 2 SXTB16 (input), 2 LDRD + 8 SXTB16 (4 rows),
 * 8 SMLAD = 16 MACs in 21 instructions plus CMP/BNE. SXTB16 takes bytes 0 and 2, SXTB16 ROR 8
 * bytes 1 and 3, of the input and the weights alike, so SMLAD pairs matching elements.
 * Elsewhere (the host, other ISAs) this file compiles to nothing. */
#include "eat/armv7em.h"
#include "eat/fully_connected.h"
#include "eat/requant.h"

#if EAT_ARMV7EM_DSP

size_t eat_fully_connected_s8_dsp4_scratch_bytes(const eat_fully_connected_s8_params_t *p)
{
    (void)p;
    return 0;
}

void eat_fully_connected_s8_dsp4(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                 const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t n = p->in_depth;   /* a multiple of 4, >= 4 */
    int32_t b, o, j;
    (void)scratch;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in = input + b * n;
        int8_t *out = output + b * p->out_depth;
        const int32_t *wp = (const int32_t *)__builtin_assume_aligned(w->data, 4);
        for (o = 0; o < p->out_depth; o += 4) {
            const int8_t *xp = in;
            const int8_t *xend = in + n;
            int32_t acc[4];
            int32_t a0, a1, a2, a3, x, xl, w0, w1, t;
            for (j = 0; j < 4; ++j) {
                acc[j] = o + j < p->out_depth ? bias[o + j] : 0;
            }
            a0 = acc[0];
            a1 = acc[1];
            a2 = acc[2];
            a3 = acc[3];
            __asm__ volatile(
                "1:\n\t"
                "ldr     %[x], [%[xp]], #4\n\t"
                "ldrd    %[w0], %[w1], [%[wp]], #8\n\t"    /* rows 0, 1: 4 weights each */
                "sxtb16  %[xl], %[x]\n\t"
                "sxtb16  %[x], %[x], ror #8\n\t"
                "sxtb16  %[t], %[w0]\n\t"
                "sxtb16  %[w0], %[w0], ror #8\n\t"
                "smlad   %[a0], %[xl], %[t], %[a0]\n\t"
                "smlad   %[a0], %[x], %[w0], %[a0]\n\t"
                "sxtb16  %[t], %[w1]\n\t"
                "sxtb16  %[w1], %[w1], ror #8\n\t"
                "smlad   %[a1], %[xl], %[t], %[a1]\n\t"
                "smlad   %[a1], %[x], %[w1], %[a1]\n\t"
                "ldrd    %[w0], %[w1], [%[wp]], #8\n\t"    /* rows 2, 3 */
                "sxtb16  %[t], %[w0]\n\t"
                "sxtb16  %[w0], %[w0], ror #8\n\t"
                "smlad   %[a2], %[xl], %[t], %[a2]\n\t"
                "smlad   %[a2], %[x], %[w0], %[a2]\n\t"
                "sxtb16  %[t], %[w1]\n\t"
                "sxtb16  %[w1], %[w1], ror #8\n\t"
                "smlad   %[a3], %[xl], %[t], %[a3]\n\t"
                "smlad   %[a3], %[x], %[w1], %[a3]\n\t"
                "cmp     %[xp], %[xend]\n\t"
                "bne     1b\n\t"
                : [xp] "+&r"(xp), [wp] "+&r"(wp), [a0] "+&r"(a0), [a1] "+&r"(a1), [a2] "+&r"(a2), [a3] "+&r"(a3),
                  [x] "=&r"(x), [xl] "=&r"(xl), [w0] "=&r"(w0), [w1] "=&r"(w1), [t] "=&r"(t)
                : [xend] "r"(xend)
                : "cc", "memory");
            acc[0] = a0;
            acc[1] = a1;
            acc[2] = a2;
            acc[3] = a3;
            for (j = 0; j < 4 && o + j < p->out_depth; ++j) {
                out[o + j] = eat_fully_connected_s8_out(p, acc[j], o + j);
            }
        }
    }
}

#elif defined(__ARM_ARCH_7EM__)
#error "ARMv7E-M build without the DSP extension flags: build with -mcpu=cortex-m4 or cortex-m7"
#else
typedef int eat_fully_connected_s8_dsp4_unused_t;   /* not ARMv7E-M: nothing to compile */
#endif
