/* Cortex-M0+ zero-skipping CONV_2D over EAT_WEIGHTS_SPARSE_D4 with steps in im2col positions
 * (k = (fy * k_w + fx) * in_c + ic), four output pixels per walk: each filter's non-zeros are
 * decoded once for a block of 4 pixels, whose receptive fields are first gathered into scratch
 * transposed ([k][4] uint16) and offset to unsigned (x + 129), so one step moves one pointer and each
 * pair of pixels costs one LDR (immediate offset), one MULS and two ADDs per non-zero (the 8-pixel walk's
 * two pixels per MULS, conv2d_sparse_b8_armv6m.c).
 * The bias the compiler passes is bias + (input_offset - 129) * sum(w[oc]) (exact: checked in
 * int32 at compile time), so sum(v * (x + 129)) + that bias is TFLM's accumulator; it is followed
 * by each channel's accumulator bounds, outside which the output is the clamp (no requantisation).
 * Built only when __ARM_ARCH_6M__ is defined; the registry picks it for core "cortex-m0plus". */
#include "conv2d_sparse_block_armv6m.h"

#if defined(__ARM_ARCH_6M__)

size_t eat_conv2d_s8_sparse_b4_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    return eat_armv6m_sparse_block_scratch_bytes(p, 4, 0);
}

/* For every output channel oc (its index bytes in order): acc[4 * oc + j] = bias[oc] +
 * sum_k v[k] * t[4 * offset_k + j], j = 0..3 (low nibble: step to the first entry of a pair, high
 * nibble: to the second; steps in positions of t). `index` is the d4 index: uint8 n[out_c], then
 * the step bytes (a channel of odd n enters at its first byte's second half, with r1 one weight
 * back). One call per block of 4 pixels: the channel loop is here too. Two pixels per MULS, lo / hi
 * started at b * 65537 and b + neg[oc], as the 8-pixel walk (conv2d_sparse_b8_armv6m.c).
 * Registers in the walk: r0 walks t, r1 the weights, r2 the step bytes (r7 the channel's end), r3
 * the step byte, r4 the scaled step, r5 the weight, r6 input and product; the pairs' lo / hi in r8 / r9,
 * r10 / r11. Locals at [sp]: t, the next count, the next bias, the end of the counts, the next acc, the
 * next neg. Per step byte (two entries, four pixels each) 40.5 cycles under rp2040js (51 with a byte and a
 * MULS per pixel; 43 before the loop took two step bytes per pass), plus ~64 per channel. In .ramfunc: SRAM rather than XIP flash on a real RP2040. */
__attribute__((naked, noinline, section(".ramfunc.eat_armv6m_sparse_b4_walk")))
void eat_armv6m_sparse_b4_walk(const uint16_t *t, const int8_t *v, const uint8_t *index, const int32_t *bias,
                               int32_t *acc, uint32_t out_c, const int32_t *neg)
{
    (void)t; (void)v; (void)index; (void)bias; (void)acc; (void)out_c; (void)neg;
    __asm__ volatile(
        ".syntax unified\n\t"
        "push {r4-r7, lr}\n\t"
        "mov r4, r8\n\t" "mov r5, r9\n\t" "mov r6, r10\n\t" "mov r7, r11\n\t"
        "push {r4-r7}\n\t"
        "sub sp, #24\n\t"                 /* acc at [sp+60], out_c at [sp+64], neg at [sp+68] */
        "str r0, [sp, #0]\n\t"
        "str r2, [sp, #4]\n\t"
        "str r3, [sp, #8]\n\t"
        "ldr r4, [sp, #64]\n\t"
        "adds r4, r2, r4\n\t"             /* end of the counts = the first step byte */
        "str r4, [sp, #12]\n\t"
        "ldr r5, [sp, #60]\n\t"
        "str r5, [sp, #16]\n\t"
        "ldr r5, [sp, #68]\n\t"
        "str r5, [sp, #20]\n\t"
        "cmp r2, r4\n\t"
        "beq 9f\n\t"
        "movs r2, r4\n"
        "0:\n\t"                          /* next channel */
        "ldr r4, [sp, #4]\n\t"
        "ldrb r7, [r4, #0]\n\t"
        "adds r4, r4, #1\n\t"
        "str r4, [sp, #4]\n\t"
        "movs r6, #1\n\t"
        "ands r6, r7\n\t"                 /* n odd */
        "adds r7, r7, #1\n\t"
        "lsrs r7, r7, #1\n\t"
        "adds r7, r2, r7\n\t"             /* the channel's end: (n + 1) / 2 step bytes */
        EAT_SPB_STARTS("20", "r5", "r3")  /* lo: b * 65537 in r5, hi: b + neg in r3 */
        "mov r8, r5\n\t" "mov r9, r3\n\t" "mov r10, r5\n\t" "mov r11, r3\n\t"
        "ldr r0, [sp, #0]\n\t"
        "cmp r2, r7\n\t"
        "beq 2f\n\t"
        /* Two step bytes per pass: an odd count of them enters the pass at its second byte (r2 one byte and
         * r1 two weights back); an odd n enters that byte at its second half (r1 one weight further back). */
        "subs r4, r7, r2\n\t"
        "lsrs r4, r4, #1\n\t"            /* carry: an odd count of step bytes */
        "bcc 4f\n\t"
        "subs r2, r2, #1\n\t"
        "subs r1, r1, #2\n\t"
        "cmp r6, #0\n\t"
        "beq 7f\n\t"
        "subs r1, r1, #1\n\t"
        "ldrb r3, [r2, #1]\n\t"
        "b 8f\n"
        "4:\n\t"
        "cmp r6, #0\n\t"
        "beq 1f\n\t"
        "subs r1, r1, #1\n\t"             /* odd: the first byte's second half reads v[0] as v[1] */
        "ldrb r3, [r2, #0]\n\t"
        "b 3f\n"
#define EAT_SPB4_PIXELS                                                                                     \
        "ldr r6, [r0, #0]\n\t" "muls r6, r5, r6\n\t" "add r8, r6\n\t"  "asrs r6, r6, #16\n\t" "add r9, r6\n\t"  \
        "ldr r6, [r0, #4]\n\t" "muls r6, r5, r6\n\t" "add r10, r6\n\t" "asrs r6, r6, #16\n\t" "add r11, r6\n\t"
/* Step byte K of the pass (weights W0, W1): its low nibble's entry, then (label HI) its high nibble's. */
#define EAT_SPB4_BYTE(K, W0, W1, HI)                                                                        \
        "ldrb r3, [r2, #" K "]\n\t"                                                                         \
        "lsls r4, r3, #28\n\t" "lsrs r4, r4, #25\n\t"   /* (d & 15) * 8 */                                   \
        "adds r0, r0, r4\n\t"                                                                               \
        "ldrb r5, [r1, #" W0 "]\n\t" "sxtb r5, r5\n\t"                                                      \
        EAT_SPB4_PIXELS                                                                                     \
        HI ":\n\t"                                                                                          \
        "lsrs r3, r3, #4\n\t" "lsls r3, r3, #3\n\t"     /* (d >> 4) * 8 */                                   \
        "adds r0, r0, r3\n\t"                                                                               \
        "ldrb r5, [r1, #" W1 "]\n\t" "sxtb r5, r5\n\t"                                                      \
        EAT_SPB4_PIXELS
        "1:\n\t"
        EAT_SPB4_BYTE("0", "0", "1", "3")
        "7:\n\t"
        EAT_SPB4_BYTE("1", "2", "3", "8")
        "adds r1, r1, #4\n\t"
        "adds r2, r2, #2\n\t"
        "cmp r2, r7\n\t"
        "bne 1b\n"
        "2:\n\t"                          /* the channel's four sums out: 2m = lo - 2^16 hi, 2m + 1 = hi */
        "ldr r4, [sp, #16]\n\t"
        "mov r5, r8\n\t" "mov r6, r9\n\t"
        "lsls r3, r6, #16\n\t" "subs r5, r5, r3\n\t" "str r5, [r4, #0]\n\t" "str r6, [r4, #4]\n\t"
        "mov r5, r10\n\t" "mov r6, r11\n\t"
        "lsls r3, r6, #16\n\t" "subs r5, r5, r3\n\t" "str r5, [r4, #8]\n\t" "str r6, [r4, #12]\n\t"
        "adds r4, r4, #16\n\t"
        "str r4, [sp, #16]\n\t"
        "ldr r4, [sp, #4]\n\t"
        "ldr r5, [sp, #12]\n\t"
        "cmp r4, r5\n\t"
        "bne 0b\n"
        "9:\n\t"
        "add sp, #24\n\t"
        "pop {r4-r7}\n\t"
        "mov r8, r4\n\t" "mov r9, r5\n\t" "mov r10, r6\n\t" "mov r11, r7\n\t"
        "pop {r4-r7, pc}\n\t"
        ".syntax divided\n\t");
#undef EAT_SPB4_BYTE
#undef EAT_SPB4_PIXELS
}

/* CONV_2D, not grouped (filter_in_c == in_c), any kernel, stride, dilation, padding, |w| <= 127. Scratch: the
 * block's receptive fields transposed (4 * k_h * k_w * in_c uint16), then its int32 sums [out_c][4]. */
void eat_conv2d_s8_sparse_b4_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                    const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    eat_armv6m_sparse_block_conv(p, w, bias, input, output, scratch, 4, eat_armv6m_sparse_b4_walk, 0);
}

#endif /* __ARM_ARCH_6M__ */
