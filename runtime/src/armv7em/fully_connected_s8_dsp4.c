/* FULLY_CONNECTED int8 for ARMv7E-M (Cortex-M4/M7): int8 weights, 4 output rows x 4 inputs per step.
 *
 * Chosen by the compiler's registry for cortex-m4 / cortex-m7 when the weights are symmetric and
 * in_depth is a multiple of 4 (pipeline/compiler/kernels_registry.py). What the compiler prepared:
 * - bias[o] = bias + input_offset * sum(row o): the accumulators sum raw int8 products;
 * - weights in layout rows4_k4_interleaved: rows zero-padded to a multiple of 4, each block of 4 rows
 *   interleaved 4 bytes at a time, so one LDM reads 4 rows x 4 weights.
 * Per batch the input is expanded once into scratch as SXTB16 pairs: per 4 inputs the words
 * (x0, x2) and (x1, x3). Step (eat_armv7em_fc4_s8, assembly) per 4 inputs: LDRD (input), LDM (4 rows),
 * 8 SXTB16, 8 SMLAD = 16 MACs in 18 instructions, plus CMP/BNE per two steps. The outputs take the
 * short requantisation when the call allows it (fc_armv7em.h).
 * Elsewhere (the host, other ISAs) this file compiles to nothing. */
#include "eat/armv7em.h"
#include "eat/fully_connected.h"

#if EAT_ARMV7EM_DSP
#include "fc_armv7em.h"

/* Row j's 4 weights in r4 + j: bytes 0, 2 (SXTB16) against (x0, x2) in r11, bytes 1, 3 against (x1, x3) in r12. */
#define EAT_FC4_S8_ROW(W, ACC)                                                                  \
    "sxtb16 lr, " W "\n\t"                                                                      \
    "sxtb16 " W ", " W ", ror #8\n\t"                                                           \
    "smlad  " ACC ", r11, lr, " ACC "\n\t"                                                      \
    "smlad  " ACC ", r12, " W ", " ACC "\n\t"
#define EAT_FC4_S8_STEP                                                                         \
    "ldrd   r11, r12, [r0], #8\n\t"                                                             \
    "ldm    r1!, {r4-r7}\n\t"                                                                   \
    EAT_FC4_S8_ROW("r4", "r3") EAT_FC4_S8_ROW("r5", "r8") EAT_FC4_S8_ROW("r6", "r9") EAT_FC4_S8_ROW("r7", "r10")

__attribute__((naked, noinline))
static const int8_t *eat_armv7em_fc4_s8(const void *xs, const int8_t *w, int32_t k, int32_t acc[4])
{
    (void)xs; (void)w; (void)k; (void)acc;
    __asm__ volatile(EAT_FC_ROWS4_ASM(EAT_FC4_S8_STEP));
}

__attribute__((naked, noinline))
static const int8_t *eat_armv7em_fc4_s8_blocks(eat_fc_frame_t *f, const int8_t *w)
{
    (void)f; (void)w;
    __asm__ volatile(EAT_FC_BLOCKS_ASM(EAT_FC4_S8_STEP));
}

size_t eat_fully_connected_s8_dsp4_scratch_bytes(const eat_fully_connected_s8_params_t *p)
{
    return (size_t)p->in_depth * 2;
}

void eat_fully_connected_s8_dsp4(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                 const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t n = p->in_depth;   /* a multiple of 4, >= 4 */
    const int short_ok = eat_fc_short_ok(p, bias, n);
    int32_t *xs = (int32_t *)__builtin_assume_aligned(scratch, 4);
    int32_t b, i;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in = input + b * n;
        for (i = 0; i < n / 4; ++i) {
            const int32_t x = eat_rd32(in + 4 * i);
            xs[2 * i] = __sxtb16(x);
            xs[2 * i + 1] = eat_sxtb16_ror8(x);
        }
        eat_fc_rows4_pass(p, w->data, bias, xs, n, output + b * p->out_depth, eat_armv7em_fc4_s8,
                          eat_armv7em_fc4_s8_blocks, short_ok);
    }
}

#elif defined(__ARM_ARCH_7EM__)
#error "ARMv7E-M build without the DSP extension flags: build with -mcpu=cortex-m4 or cortex-m7"
#else
typedef int eat_fully_connected_s8_dsp4_unused_t;   /* not ARMv7E-M: nothing to compile */
#endif
