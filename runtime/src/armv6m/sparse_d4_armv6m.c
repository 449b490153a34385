/* Cortex-M0+ inner loop of the zero-skipping kernels: one channel's walk over EAT_WEIGHTS_SPARSE_D4. */
#include "eat/sparse_armv6m.h"
#include "sparse_d4_walk_armv6m.h"

#if defined(__ARM_ARCH_6M__)

/* acc + sum_k v[k] * x[offset_k] over a channel's n entries (its (n + 1) / 2 step bytes: low nibble:
 * step to the first entry of the pair, high nibble: step to the second; with n odd the first byte's
 * high nibble alone; steps in input elements).
 *
 * Registers: r0 the sum, r1 walks x, r2 walks v, r3 walks the step bytes, r4 the end of the
 * 4-unrolled part (lr the end), r5 the step byte, r6 / r7 step, weight and product.
 * LDRSB takes only a register offset, which is the step itself: x[step] is loaded before x
 * advances by it. A weight is LDRB (immediate offset, no pointer update) + SXTB.
 * Per index byte (two entries) 22 cycles under rp2040js (3 LDRB/LDRSB pairs of loads at 2 cycles,
 * 2 MULS), plus ADDS/ADDS/CMP/BNE (5) per 4 bytes. In .ramfunc: SRAM rather than XIP flash on a
 * real RP2040, like the dense loops (rp2040js does not model XIP misses). */
__attribute__((naked, noinline, section(".ramfunc.eat_armv6m_sparse_d4_dot")))
int32_t eat_armv6m_sparse_d4_dot(int32_t acc, const int8_t *x, const int8_t *v, const uint8_t *nib,
                                 uint32_t n)
{
    (void)acc; (void)x; (void)v; (void)nib; (void)n;
    __asm__ volatile(
        ".syntax unified\n\t"
        "push {r4-r7, lr}\n\t"             /* 20 bytes saved: n at [sp+20] */
        "ldr r4, [sp, #20]\n\t"
        "lsrs r4, r4, #1\n\t"             /* the whole pairs; carry: n odd */
        "bcc 5f\n\t"
        EAT_ARMV6M_D4_HALF
        "5:\n\t"
        "adds r5, r3, r4\n\t"
        "mov lr, r5\n\t"                   /* end of the step bytes */
        "movs r5, #3\n\t"
        "bics r4, r4, r5\n\t"
        "adds r4, r3, r4\n\t"              /* end of the 4-unrolled part */
        EAT_ARMV6M_D4_RUN
        "pop {r4-r7, pc}\n\t"
        ".syntax divided\n\t");
}

/* CONV_2D (any kernel, stride, dilation, padding, groups): eat/sparse.h's walk with the Thumb-1
 * channel walk above and the exact two-multiply requantisation. The registry uses it for grouped
 * convolutions; the others take the 8-pixel block walk (conv2d_sparse_b8_armv6m.c). */
void eat_conv2d_s8_sparse_d4_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                    const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    eat_sparse_conv2d_walk(p, w, bias, input, output, scratch, eat_armv6m_sparse_d4_dot, eat_armv6m_requant);
}

#endif /* __ARM_ARCH_6M__ */
