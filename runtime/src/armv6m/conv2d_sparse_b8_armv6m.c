/* Cortex-M0+ zero-skipping CONV_2D over EAT_WEIGHTS_SPARSE_D4 with steps in im2col positions
 * (k = (fy * k_w + fx) * in_c + ic), eight output pixels per walk: each filter's non-zeros are
 * decoded once for a block of 8 pixels, whose receptive fields are first gathered into scratch
 * transposed ([k][8] uint16) and offset to unsigned (x + 129), so one step moves one pointer and each
 * pair of pixels costs one LDR (immediate offset), one MULS and two ADDs per non-zero (below).
 * The bias the compiler passes is bias + (input_offset - 129) * sum(w[oc]) (exact: checked in
 * int32 at compile time), so sum(v * (x + 129)) + that bias is TFLM's accumulator; it is followed
 * by each channel's accumulator bounds, outside which the output is the clamp (no requantisation).
 * Built only when __ARM_ARCH_6M__ is defined; the registry picks it for core "cortex-m0plus". */
#include "conv2d_sparse_block_armv6m.h"

#if defined(__ARM_ARCH_6M__)

size_t eat_conv2d_s8_sparse_b8_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    return eat_armv6m_sparse_block_scratch_bytes(p, 8, 0);
}

/* For every output channel oc (its index bytes in order): acc[8 * oc + j] = bias[oc] +
 * sum_k v[k] * t[8 * offset_k + j], j = 0..7 (low nibble: step to the first entry of a pair, high
 * nibble: to the second; steps in positions of t). `index` is the d4 index: uint8 n[out_c], then
 * the step bytes (a channel of odd n enters at its first byte's second half, with r1 one weight
 * back). One call per block of 8 pixels.
 * Two pixels per MULS (the 2:4 walk's argument, sparse_2of4_armv6m.c): t holds u = x + 129 (1..256) as
 * uint16, so the word at t[8 k + 2m] is U = u_2m | u_2m+1 << 16 and, for |w| <= 127 (the registry checks),
 * P = w U = w u_2m + 2^16 w u_2m+1 fits int32 with a low part of the sign of w, never 0 unless w is: the
 * arithmetic P >> 16 is w u_2m+1, less 1 when w < 0. The walk adds P to lo_m and P >> 16 to hi_m, started at
 * lo_m = b * 65537 and hi_m = b + neg[oc] (neg: the channel's negative weights), so at the end hi_m is pixel
 * 2m + 1's sum and lo_m - 2^16 hi_m pixel 2m's, mod 2^32 as TFLM's int32 sums.
 * Registers in the walk: r0 walks t, r1 the weights, r2 the step bytes, r4 the scaled step (the
 * step byte is loaded once per nibble) and the channel's end, r5 the weight, r6 input and product;
 * the pairs' lo / hi in r3 / r7, r8 / r9, r10 / r11, r12 / lr.
 * Locals at [sp]: t, the next count, the next bias, the end of the counts, the next acc, the
 * channel's end, the next neg. Per step byte (two entries, eight pixels each) 71 cycles under rp2040js
 * (4 x (LDR 2, MULS, ADD, ASR, ADD) per entry; 87 with a byte and a MULS per pixel), plus ~90 per channel and
 * block. In .ramfunc: SRAM rather than XIP flash. */
__attribute__((naked, noinline, section(".ramfunc.eat_armv6m_sparse_b8_walk")))
void eat_armv6m_sparse_b8_walk(const uint16_t *t, const int8_t *v, const uint8_t *index, const int32_t *bias,
                               int32_t *acc, uint32_t out_c, const int32_t *neg)
{
    (void)t; (void)v; (void)index; (void)bias; (void)acc; (void)out_c; (void)neg;
    __asm__ volatile(
        ".syntax unified\n\t"
        "push {r4-r7, lr}\n\t"
        "mov r4, r8\n\t" "mov r5, r9\n\t" "mov r6, r10\n\t" "mov r7, r11\n\t"
        "push {r4-r7}\n\t"
        "mov r4, r12\n\t"
        "push {r4}\n\t"
        "sub sp, #28\n\t"                 /* 68 bytes below the arguments: acc at [sp+68], out_c at [sp+72], neg at [sp+76] */
        "str r0, [sp, #0]\n\t"
        "str r2, [sp, #4]\n\t"
        "str r3, [sp, #8]\n\t"
        "ldr r4, [sp, #72]\n\t"
        "adds r4, r2, r4\n\t"             /* end of the counts = the first step byte */
        "str r4, [sp, #12]\n\t"
        "ldr r5, [sp, #68]\n\t"
        "str r5, [sp, #16]\n\t"
        "ldr r5, [sp, #76]\n\t"
        "str r5, [sp, #24]\n\t"
        "cmp r2, r4\n\t"
        "beq 9f\n\t"
        "movs r2, r4\n"
        "0:\n\t"                          /* next channel */
        "ldr r4, [sp, #4]\n\t"
        "ldrb r5, [r4, #0]\n\t"
        "adds r4, r4, #1\n\t"
        "str r4, [sp, #4]\n\t"
        "movs r6, #1\n\t"
        "ands r6, r5\n\t"                 /* n odd */
        "adds r5, r5, #1\n\t"
        "lsrs r5, r5, #1\n\t"
        "adds r5, r2, r5\n\t"
        "str r5, [sp, #20]\n\t"           /* the channel's end: (n + 1) / 2 step bytes */
        EAT_SPB_STARTS("24", "r3", "r7")  /* lo: b * 65537 in r3, hi: b + neg in r7 */
        "mov r8, r3\n\t" "mov r9, r7\n\t" "mov r10, r3\n\t" "mov r11, r7\n\t" "mov r12, r3\n\t" "mov lr, r7\n\t"
        "ldr r0, [sp, #0]\n\t"
        "cmp r2, r5\n\t"
        "beq 2f\n\t"
        "cmp r6, #0\n\t"
        "beq 1f\n\t"
        "subs r1, r1, #1\n\t"             /* odd: the first byte's second half reads v[0] as v[1] */
        "b 3f\n"
#define EAT_SPB8_PIXELS                                                                                     \
        "ldr r6, [r0, #0]\n\t"  "muls r6, r5, r6\n\t" "adds r3, r3, r6\n\t" "asrs r6, r6, #16\n\t" "adds r7, r7, r6\n\t" \
        "ldr r6, [r0, #4]\n\t"  "muls r6, r5, r6\n\t" "add r8, r6\n\t"      "asrs r6, r6, #16\n\t" "add r9, r6\n\t"      \
        "ldr r6, [r0, #8]\n\t"  "muls r6, r5, r6\n\t" "add r10, r6\n\t"     "asrs r6, r6, #16\n\t" "add r11, r6\n\t"     \
        "ldr r6, [r0, #12]\n\t" "muls r6, r5, r6\n\t" "add r12, r6\n\t"     "asrs r6, r6, #16\n\t" "add lr, r6\n\t"
        "1:\n\t"
        "ldrb r4, [r2, #0]\n\t"
        "lsls r4, r4, #28\n\t" "lsrs r4, r4, #24\n\t"   /* (d & 15) * 16 */
        "adds r0, r0, r4\n\t"
        "ldrb r5, [r1, #0]\n\t" "sxtb r5, r5\n\t"
        EAT_SPB8_PIXELS
        "3:\n\t"
        "ldrb r4, [r2, #0]\n\t"
        "lsrs r4, r4, #4\n\t" "lsls r4, r4, #4\n\t"     /* (d >> 4) * 16 */
        "adds r0, r0, r4\n\t"
        "ldrb r5, [r1, #1]\n\t" "sxtb r5, r5\n\t"
        EAT_SPB8_PIXELS
        "adds r1, r1, #2\n\t"
        "adds r2, r2, #1\n\t"
        "ldr r4, [sp, #20]\n\t"
        "cmp r2, r4\n\t"
        "bne 1b\n"
        "2:\n\t"                          /* the channel's eight sums out: 2m = lo - 2^16 hi, 2m + 1 = hi */
        "ldr r4, [sp, #16]\n\t"
        "lsls r5, r7, #16\n\t" "subs r3, r3, r5\n\t" "str r3, [r4, #0]\n\t" "str r7, [r4, #4]\n\t"
        "mov r3, r8\n\t" "mov r7, r9\n\t"
        "lsls r5, r7, #16\n\t" "subs r3, r3, r5\n\t" "str r3, [r4, #8]\n\t" "str r7, [r4, #12]\n\t"
        "mov r3, r10\n\t" "mov r7, r11\n\t"
        "lsls r5, r7, #16\n\t" "subs r3, r3, r5\n\t" "str r3, [r4, #16]\n\t" "str r7, [r4, #20]\n\t"
        "mov r3, r12\n\t" "mov r7, lr\n\t"
        "lsls r5, r7, #16\n\t" "subs r3, r3, r5\n\t" "str r3, [r4, #24]\n\t" "str r7, [r4, #28]\n\t"
        "adds r4, r4, #32\n\t"
        "str r4, [sp, #16]\n\t"
        "ldr r4, [sp, #4]\n\t"
        "ldr r5, [sp, #12]\n\t"
        "cmp r4, r5\n\t"
        "beq 9f\n\t"
        "b 0b\n"
        "9:\n\t"
        "add sp, #28\n\t"
        "pop {r4}\n\t"
        "mov r12, r4\n\t"
        "pop {r4-r7}\n\t"
        "mov r8, r4\n\t" "mov r9, r5\n\t" "mov r10, r6\n\t" "mov r11, r7\n\t"
        "pop {r4-r7, pc}\n\t"
        ".syntax divided\n\t");
#undef EAT_SPB8_PIXELS
}

/* CONV_2D, not grouped (filter_in_c == in_c), any kernel, stride, dilation, padding, |w| <= 127. Scratch: the
 * block's receptive fields transposed (8 * k_h * k_w * in_c uint16), then its int32 sums [out_c][8]. */
void eat_conv2d_s8_sparse_b8_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                    const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    eat_armv6m_sparse_block_conv(p, w, bias, input, output, scratch, 8, eat_armv6m_sparse_b8_walk, 0);
}

#endif /* __ARM_ARCH_6M__ */
