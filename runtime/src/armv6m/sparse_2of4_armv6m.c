/* Cortex-M0+ FULLY_CONNECTED and CONV_2D 1x1 over EAT_WEIGHTS_SPARSE_2OF4 (eat/sparse_2of4.h): each
 * channel's stream is decoded once per block of 8 pixels (FC: batches), two pixels per MULS.
 *
 * The block's inputs are gathered as u = x + 129 (1..256) into t[k][8] (uint16), so the word at
 * t[k][2m] is U = u_2m | u_2m+1 << 16. For a value w (|w| <= 127, checked by the compiler) the
 * product P = w * U = w * u_2m + 2^16 * w * u_2m+1 is exact in int32 (|P| < 2^31), and its low part
 * w * u_2m is never 0 (u >= 1) and has |w * u_2m| < 2^15, so P >> 16 (arithmetic) is w * u_2m+1 - 1
 * when w < 0 and w * u_2m+1 otherwise. The walk adds P to lo_m and P >> 16 to hi_m; with neg[oc] the
 * count of the channel's negative values, H = hi_m + neg[oc] is pixel 2m + 1's sum and lo_m - H * 2^16
 * pixel 2m's (mod 2^32, as TFLM's int32 sums). The walk starts hi_m at b + neg[oc] and lo_m at
 * b * 65537 (b the channel's bias), so at the end hi_m is pixel 2m + 1's accumulator and lo_m - (hi_m
 * << 16) = b + L pixel 2m's. The bias the compiler passes is bias + (input_offset -
 * 129) * sum(w[oc]), so sum(w * u) + that is TFLM's accumulator. Built only when __ARM_ARCH_6M__ is
 * defined; the registry (pipeline/compiler/kernels_2of4.py) picks it for core "cortex-m0plus". */
#include "eat/sparse_2of4.h"
#include "eat/sparse_armv6m.h"

#if defined(__ARM_ARCH_6M__)

/* One value (in r2) times the 8 pixels at r0: 4 x (LDR, MULS, ADD, ASR, ADD), 24 cycles. */
#define EAT_2OF4_PIXELS                                                                                     \
        "ldr r3, [r0, #0]\n\t"  "muls r3, r2, r3\n\t" "adds r4, r4, r3\n\t" "asrs r3, r3, #16\n\t" "adds r5, r5, r3\n\t" \
        "ldr r3, [r0, #4]\n\t"  "muls r3, r2, r3\n\t" "adds r6, r6, r3\n\t" "asrs r3, r3, #16\n\t" "adds r7, r7, r3\n\t" \
        "ldr r3, [r0, #8]\n\t"  "muls r3, r2, r3\n\t" "add r8, r3\n\t"      "asrs r3, r3, #16\n\t" "add r9, r3\n\t"      \
        "ldr r3, [r0, #12]\n\t" "muls r3, r2, r3\n\t" "add r10, r3\n\t"     "asrs r3, r3, #16\n\t" "add r11, r3\n\t"

/* One pair of groups: position byte at [r1, #P], values at [r1, #P+1..P+4]; the pair's rows of t at
 * r12 + T (group 2i) and r12 + T + 64 (group 2i + 1). ADD0 / ADD1 add T / T + 64 to r0 (or nothing). */
#define EAT_2OF4_PAIR(P, V0, V1, V2, V3, ADD0, ADD1)                                                          \
        "ldrb r0, [r1, #" P "]\n\t" "mov lr, r0\n\t"                                                          \
        "lsls r0, r0, #30\n\t" "lsrs r0, r0, #26\n\t" "add r0, r12\n\t" ADD0             /* bits 0-1 */        \
        "ldrb r2, [r1, #" V0 "]\n\t" "sxtb r2, r2\n\t"                                                        \
        EAT_2OF4_PIXELS                                                                                     \
        "mov r0, lr\n\t" "lsls r0, r0, #28\n\t" "lsrs r0, r0, #30\n\t" "lsls r0, r0, #4\n\t" "add r0, r12\n\t" \
        ADD0                                                                           /* bits 2-3 */        \
        "ldrb r2, [r1, #" V1 "]\n\t" "sxtb r2, r2\n\t"                                                        \
        EAT_2OF4_PIXELS                                                                                     \
        "mov r0, lr\n\t" "lsls r0, r0, #26\n\t" "lsrs r0, r0, #30\n\t" "lsls r0, r0, #4\n\t" "add r0, r12\n\t" \
        ADD1                                                                           /* bits 4-5 */        \
        "ldrb r2, [r1, #" V2 "]\n\t" "sxtb r2, r2\n\t"                                                        \
        EAT_2OF4_PIXELS                                                                                     \
        "mov r0, lr\n\t" "lsrs r0, r0, #6\n\t" "lsls r0, r0, #4\n\t" "add r0, r12\n\t" ADD1  /* bits 6-7 */ \
        "ldrb r2, [r1, #" V3 "]\n\t" "sxtb r2, r2\n\t"                                                        \
        EAT_2OF4_PIXELS

/* For each channel oc (out_c of them, streams back to back from s, `pairs` pairs of groups each):
 * acc[8 * oc + j] = bias[oc] + sum of the channel's values times pixel j's x (j = 0..7), from the
 * block t (see above); neg[oc] is the channel's count of negative values.
 * Registers: r0 the value's row of t, r1 the stream, r2 the value, r3 input word and product,
 * r4-r11 lo/hi of the 4 pixel pairs, r12 the pair's first row of t, lr the position byte.
 * Locals at [sp]: t, t's end (t + 128 * pairs), channels left, acc, bias, neg, pairs & 1. Two pairs
 * per loop (an odd count enters at the second). Per pair of groups (8 weights x 8 pixels) ~137 cycles
 * under rp2040js: 4 x (decode 5-7, value 3, 24) + 6.5 loop; per
 * channel ~60 (accumulators set up from bias and neg, finished and stored). In .ramfunc: SRAM rather
 * than XIP flash. */
__attribute__((naked, noinline, section(".ramfunc.eat_armv6m_2of4_walk")))
void eat_armv6m_2of4_walk(const uint16_t *t, const int8_t *s, uint32_t pairs, uint32_t out_c, int32_t *acc,
                          const int32_t *bias, const int32_t *neg)
{
    (void)t; (void)s; (void)pairs; (void)out_c; (void)acc; (void)bias; (void)neg;
    __asm__ volatile(
        ".syntax unified\n\t"
        "push {r4-r7, lr}\n\t"
        "mov r4, r8\n\t" "mov r5, r9\n\t" "mov r6, r10\n\t" "mov r7, r11\n\t"
        "push {r4-r7}\n\t"
        "sub sp, #32\n\t"                 /* 68 bytes below the arguments: acc, bias, neg at [sp+68..76] */
        "str r0, [sp, #0]\n\t"
        "movs r4, #1\n\t" "ands r4, r2\n\t" "str r4, [sp, #24]\n\t"
        "lsls r2, r2, #7\n\t" "adds r2, r0, r2\n\t" "str r2, [sp, #4]\n\t"
        "str r3, [sp, #8]\n\t"
        "ldr r4, [sp, #68]\n\t" "str r4, [sp, #12]\n\t"
        "ldr r4, [sp, #72]\n\t" "str r4, [sp, #16]\n\t"
        "ldr r4, [sp, #76]\n\t" "str r4, [sp, #20]\n\t"
        "cmp r3, #0\n\t"
        "bne 0f\n\t"
        "b 9f\n"
        "0:\n\t"                          /* next channel: hi = b + neg, lo = b * 65537 */
        "ldr r2, [sp, #16]\n\t" "ldm r2!, {r4}\n\t" "str r2, [sp, #16]\n\t"
        "ldr r2, [sp, #20]\n\t" "ldm r2!, {r5}\n\t" "str r2, [sp, #20]\n\t"
        "adds r5, r5, r4\n\t"
        "lsls r3, r4, #16\n\t" "adds r4, r4, r3\n\t"
        "movs r6, r4\n\t" "movs r7, r5\n\t"
        "mov r8, r4\n\t" "mov r9, r5\n\t" "mov r10, r4\n\t" "mov r11, r5\n\t"
        "ldr r0, [sp, #0]\n\t" "mov r12, r0\n"
        "ldr r2, [sp, #24]\n\t"           /* an odd count of pairs starts in the loop's second half */
        "cmp r2, #0\n\t"
        "beq 1f\n\t"
        "subs r1, #5\n\t" "subs r0, #128\n\t" "mov r12, r0\n\t"
        "b 3f\n"
        "1:\n\t"                          /* next two pairs of groups */
        EAT_2OF4_PAIR("0", "1", "2", "3", "4", "", "adds r0, #64\n\t")
        "3:\n\t"
        EAT_2OF4_PAIR("5", "6", "7", "8", "9", "adds r0, #128\n\t", "adds r0, #192\n\t")
        "adds r1, #10\n\t"
        "mov r0, r12\n\t" "adds r0, #128\n\t" "adds r0, #128\n\t" "mov r12, r0\n\t"
        "ldr r2, [sp, #4]\n\t"
        "cmp r0, r2\n\t"
        "beq 2f\n\t"
        "b 1b\n"                         /* the loop is longer than a conditional branch reaches */
        "2:\n\t"                          /* the channel's 8 accumulators out: lo - (hi << 16), hi */
        "ldr r0, [sp, #12]\n\t"
        "lsls r2, r5, #16\n\t" "subs r4, r4, r2\n\t" "str r4, [r0, #0]\n\t" "str r5, [r0, #4]\n\t"
        "lsls r2, r7, #16\n\t" "subs r6, r6, r2\n\t" "str r6, [r0, #8]\n\t" "str r7, [r0, #12]\n\t"
        "mov r3, r8\n\t" "mov r2, r9\n\t" "str r2, [r0, #20]\n\t" "lsls r2, r2, #16\n\t" "subs r3, r3, r2\n\t"
        "str r3, [r0, #16]\n\t"
        "mov r3, r10\n\t" "mov r2, r11\n\t" "str r2, [r0, #28]\n\t" "lsls r2, r2, #16\n\t" "subs r3, r3, r2\n\t"
        "str r3, [r0, #24]\n\t"
        "adds r0, #32\n\t" "str r0, [sp, #12]\n\t"
        "ldr r0, [sp, #8]\n\t" "subs r0, #1\n\t" "str r0, [sp, #8]\n\t"
        "beq 9f\n\t"
        "b 0b\n"
        "9:\n\t"
        "add sp, #32\n\t"
        "pop {r4-r7}\n\t"
        "mov r8, r4\n\t" "mov r9, r5\n\t" "mov r10, r6\n\t" "mov r11, r7\n\t"
        "pop {r4-r7, pc}\n\t"
        ".syntax divided\n\t");
}
#undef EAT_2OF4_PAIR
#undef EAT_2OF4_PIXELS

/* The block's pixels src[0..7] (k bytes each) as x + 129 into t[k][8], then the walk into acc. */
static void walk_block(const int8_t *const src[8], int32_t k, uint16_t *t, const int8_t *s, int32_t k8,
                       int32_t out_c, int32_t *acc, const int32_t *bias, const int32_t *neg)
{
    int32_t j, i;
    for (j = 0; j < 8; ++j) {
        const int8_t *x = src[j];
        uint16_t *tj = t + j;
        i = 0;
        if ((k & 3) == 0 && (((uintptr_t)x) & 3u) == 0) {   /* a word of 4 inputs at a time */
            const uint32_t *xw = (const uint32_t *)(const void *)x;
            for (; i < k; i += 4, tj += 32) {
                const uint32_t v = *xw++;
                tj[0] = (uint16_t)((int32_t)(int8_t)v + 129);
                tj[8] = (uint16_t)((int32_t)(int8_t)(v >> 8) + 129);
                tj[16] = (uint16_t)((int32_t)(int8_t)(v >> 16) + 129);
                tj[24] = (uint16_t)((int32_t)(int8_t)(v >> 24) + 129);
            }
        }
        for (; i < k; ++i, tj += 8) {
            *tj = (uint16_t)(x[i] + 129);
        }
    }
    eat_armv6m_2of4_walk(t, s, (uint32_t)(k8 / 8), (uint32_t)out_c, acc, bias, neg);
}

size_t eat_fully_connected_s8_sparse_2of4_armv6m_scratch_bytes(const eat_fully_connected_s8_params_t *p)
{
    return (size_t)(16 * eat_2of4_k8(p->in_depth) + 32 * p->out_depth);
}

/* FULLY_CONNECTED: the batches are the pixels. bias: folded[out_depth], neg[out_depth]. */
void eat_fully_connected_s8_sparse_2of4_armv6m(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                               const int32_t *bias, const int8_t *input, int8_t *output,
                                               void *scratch)
{
    const int32_t k = p->in_depth, k8 = eat_2of4_k8(k), oc_n = p->out_depth;
    uint16_t *t = (uint16_t *)scratch;
    int32_t *acc = (int32_t *)(void *)(t + 8 * k8);
    const int8_t *src[8];
    int32_t q0, j, oc;
    for (q0 = 0; q0 < p->batches; q0 += 8) {
        const int32_t n = p->batches - q0 < 8 ? p->batches - q0 : 8;
        for (j = 0; j < 8; ++j) {        /* a short last block repeats its last pixel */
            src[j] = input + (q0 + (j < n ? j : n - 1)) * k;
        }
        walk_block(src, k, t, w->data, k8, oc_n, acc, bias, bias + oc_n);
        for (oc = 0; oc < oc_n; ++oc) {
            const int32_t mult = p->per_channel_multiplier ? p->per_channel_multiplier[oc] : p->output_multiplier;
            const int32_t shift = p->per_channel_shift ? p->per_channel_shift[oc] : p->output_shift;
            for (j = 0; j < n; ++j) {
                const int32_t y = eat_armv6m_requant(acc[8 * oc + j], mult, shift) + p->output_offset;
                output[(q0 + j) * oc_n + oc] = (int8_t)eat_clamp_i32(y, p->act_min, p->act_max);
            }
        }
    }
}

size_t eat_conv2d_s8_sparse_2of4_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    return (size_t)p->out_c * sizeof(eat_armv6m_rq_t) + (size_t)(16 * eat_2of4_k8(p->in_c) + 32 * p->out_c);
}

/* CONV_2D 1x1, not grouped, no padding, any stride. bias: folded[out_c], lo[out_c], hi[out_c], neg[out_c].
 * Scratch: the requantisation constants prepared once per call (36 bytes per channel), then t, then the accumulators. */
void eat_conv2d_s8_sparse_2of4_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                      const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t k = p->in_c, k8 = eat_2of4_k8(k), oc_n = p->out_c;
    const int32_t hw = p->out_h * p->out_w, total = p->batches * hw;
    const int32_t act_min = p->act_min, act_max = p->act_max;   /* locals: `out` may alias *p */
    const int32_t *lo = bias + oc_n, *hi = bias + 2 * oc_n, *neg = bias + 3 * oc_n;
    eat_armv6m_rq_t *rq = (eat_armv6m_rq_t *)scratch;
    uint16_t *t = (uint16_t *)(void *)(rq + oc_n);
    int32_t *acc = (int32_t *)(void *)(t + 8 * k8);
    const int8_t *src[8];
    int32_t q0, j, oc;
    for (oc = 0; oc < oc_n; ++oc) {
        eat_armv6m_rq_prepare(&rq[oc], p->multiplier[oc], p->shift[oc], p->output_offset);
    }
    for (q0 = 0; q0 < total; q0 += 8) {
        const int32_t n = total - q0 < 8 ? total - q0 : 8;
        int8_t *out = output + q0 * oc_n;
        for (j = 0; j < 8; ++j) {        /* a short last block repeats its last pixel */
            const int32_t q = q0 + (j < n ? j : n - 1);
            const int32_t b = q / hw, r = q - b * hw;
            const int32_t oy = r / p->out_w, ox = r - oy * p->out_w;
            src[j] = input + ((b * p->in_h + oy * p->stride_h) * p->in_w + ox * p->stride_w) * k;
        }
        walk_block(src, k, t, w->data, k8, oc_n, acc, bias, neg);
        for (oc = 0; oc < oc_n; ++oc) {
            const int32_t *a = acc + 8 * oc;
            const int32_t l = lo[oc], h = hi[oc];
            int8_t *o = out + oc;
            for (j = 0; j < n; ++j, o += oc_n) {
                const int32_t x = a[j];
                *o = (int8_t)(x < l ? act_min : x > h ? act_max
                              : eat_clamp_i32(eat_armv6m_rq_apply(&rq[oc], x), act_min, act_max));
            }
        }
    }
}

#endif /* __ARM_ARCH_6M__ */
