/* FULLY_CONNECTED int8 for ARMv7E-M (Cortex-M4/M7) with int16 weights: 4 output rows x 4 inputs per step.
 *
 * Chosen by the compiler's registry for cortex-m4 / cortex-m7 when the weights are symmetric and the
 * model's budget of int16 FC weights holds the layer (kernels_registry.FC_W16_BUDGET_BYTES: int16
 * doubles the weights' flash). What the compiler prepared:
 * - bias[o] = bias + input_offset * sum(row o): the accumulators sum raw int8 products;
 * - weights in layout oc4_k2_w16 (the CONV_2D dsp16 layout): rows zero-padded to a multiple of 4 and
 *   to K4 = in_depth rounded up to 4 inputs, as int16; per block of 4 rows, per pair of inputs, the 4
 *   rows' (k, k + 1) in one word each, so one LDM reads 4 rows x 2 inputs, ready for SMLAD.
 * Per batch the input is expanded once into scratch as int16 (zero-padded to K4). Step
 * (eat_armv7em_fc4_w16, assembly) per 4 inputs: LDRD (input), 2 LDM (4 rows x 2 inputs), 8 SMLAD = 16
 * MACs in 11 instructions, plus CMP/BNE per two steps. The outputs take the short requantisation when
 * the call allows it (fc_armv7em.h). Elsewhere (the host, other ISAs) this file compiles to nothing. */
#include "eat/armv7em.h"
#include "eat/fully_connected.h"

#if EAT_ARMV7EM_DSP
#include "fc_armv7em.h"

/* Inputs (x0, x1) in r11, (x2, x3) in r12; each LDM the 4 rows' weights for one of the pairs. */
#define EAT_FC4_W16_PAIR(X)                                                                     \
    "ldm    r1!, {r4-r7}\n\t"                                                                   \
    "smlad  r3, " X ", r4, r3\n\t"                                                              \
    "smlad  r8, " X ", r5, r8\n\t"                                                              \
    "smlad  r9, " X ", r6, r9\n\t"                                                              \
    "smlad  r10, " X ", r7, r10\n\t"
#define EAT_FC4_W16_STEP "ldrd   r11, r12, [r0], #8\n\t" EAT_FC4_W16_PAIR("r11") EAT_FC4_W16_PAIR("r12")

__attribute__((naked, noinline))
static const int8_t *eat_armv7em_fc4_w16(const void *xs, const int8_t *w, int32_t k, int32_t acc[4])
{
    (void)xs; (void)w; (void)k; (void)acc;
    __asm__ volatile(EAT_FC_ROWS4_ASM(EAT_FC4_W16_STEP));
}

__attribute__((naked, noinline))
static const int8_t *eat_armv7em_fc4_w16_blocks(eat_fc_frame_t *f, const int8_t *w)
{
    (void)f; (void)w;
    __asm__ volatile(EAT_FC_BLOCKS_ASM(EAT_FC4_W16_STEP));
}

size_t eat_fully_connected_s8_dsp16_scratch_bytes(const eat_fully_connected_s8_params_t *p)
{
    return (size_t)(p->in_depth + 3) / 4 * 8;
}

void eat_fully_connected_s8_dsp16(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                  const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t n = p->in_depth, k4 = (n + 3) / 4 * 4;
    const int short_ok = eat_fc_short_ok(p, bias, n);
    int16_t *xs = (int16_t *)__builtin_assume_aligned(scratch, 4);
    int32_t b, i;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in = input + b * n;
        for (i = 0; i < n; ++i) {
            xs[i] = in[i];
        }
        for (; i < k4; ++i) {
            xs[i] = 0;
        }
        eat_fc_rows4_pass(p, w->data, bias, xs, k4, output + b * p->out_depth, eat_armv7em_fc4_w16,
                          eat_armv7em_fc4_w16_blocks, short_ok);
    }
}

#elif defined(__ARM_ARCH_7EM__)
#error "ARMv7E-M build without the DSP extension flags: build with -mcpu=cortex-m4 or cortex-m7"
#else
typedef int eat_fully_connected_s8_dsp16_unused_t;   /* not ARMv7E-M: nothing to compile */
#endif
