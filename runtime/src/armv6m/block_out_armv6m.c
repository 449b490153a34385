/* Cortex-M0+ output stage of the block walks (conv2d_sparse_b4/_b8_armv6m.c): a block's sums [out_c][B]
 * to int8 outputs with the accumulator bounds and the fast requantisation, in one Thumb-1 routine. */
#include "eat/sparse_armv6m.h"

#if defined(__ARM_ARCH_6M__)

/* For every channel oc < k->channels and pixel j < n: out[j * out_c + oc] from acc[oc * B + j]: act_min
 * below lo[oc], act_max above hi[oc], between them eat_armv6m_rq_apply's fast path (no clamp: the bounds
 * are exact, pipeline/compiler/clamp_bounds.py). Every channel's rq has the fast path (lim, checked by the
 * compiler: the block walks' mode word; else eat_armv6m_block_out_lo, which sends its accumulators to k->slow), and the walk compares with min(hi, 65535) and, in
 * eat_armv6m_block_out_lo, max(lo, -65535), so the fast path is exact where it is taken; accumulators in
 * (65535, hi] (and [lo, -65535)) call k->slow.
 * Registers: r0 walks acc, r1 the output, r2 the sum, r3 / r4 scratch, r5 mh, r6 sh, r7 &rq->b[0];
 * r8 lo (max(lo, -65535)), r9 min(hi, 65535), r10 ml, r11 act_min, r12 out_c, lr the channel's end in acc.
 * Locals at [sp]: the next channel's output, lo and hi pointers, (free: the frame stays 36 B so the call to
 * k->slow is 8-byte aligned), 4 n, 4 (B - n), act_max, the end of r7's walk of the rq table
 * (&rq[channels - 1].b[0]), k->slow. Per output under rp2040js: 12 cycles
 * below lo, 25 requantised, plus ~45 per channel (the C loop it replaces: ~14 and ~39, kws_ref_model 90%
 * profile; r7 carries the rq pointer from channel to channel: 7 cycles fewer than a stack slot). In .ramfunc. */
/* The routine's body; LO_CLAMP / LO_CHECK empty: every channel has lo >= -65535. Otherwise the walk
 * compares with max(lo, -65535) and an accumulator below it is checked against lo: [lo, -65535) goes to
 * k->slow, like (65535, hi]. */
#define EAT_ARMV6M_BLOCK_OUT_ASM(LO_CLAMP, LO_CHECK, NO_FAST) \
    __asm__ volatile( \
        ".syntax unified\n\t" \
        "push {r4-r7, lr}\n\t" \
        "mov r4, r8\n\t" "mov r5, r9\n\t" "mov r6, r10\n\t" "mov r7, r11\n\t" \
        "push {r4-r7}\n\t" \
        "sub sp, #36\n\t" \
        "ldr r4, [r3, #28]\n\t" "str r4, [sp, #32]\n\t"    /* slow */ \
        "str r1, [sp, #0]\n\t" \
        "ldr r4, [r3, #4]\n\t" "str r4, [sp, #4]\n\t"     /* lo */ \
        "ldr r4, [r3, #8]\n\t" "str r4, [sp, #8]\n\t"     /* hi */ \
        "ldr r7, [r3, #0]\n\t"                           /* rq (r7 walks it: + 36 per channel) */ \
        "lsls r2, r2, #2\n\t" "str r2, [sp, #16]\n\t"     /* 4 n */ \
        "ldr r4, [r3, #24]\n\t" "lsls r4, r4, #2\n\t" "subs r4, r4, r2\n\t" "str r4, [sp, #20]\n\t"   /* 4 (B - n) */ \
        "ldr r4, [r3, #20]\n\t" "str r4, [sp, #24]\n\t"   /* act_max */ \
        "ldr r4, [r3, #16]\n\t" "mov r11, r4\n\t"         /* act_min */ \
        "ldr r4, [r3, #12]\n\t" "mov r12, r4\n\t"         /* out_c: the outputs' stride */ \
        "ldr r4, [r3, #32]\n\t"                           /* channels */ \
        "movs r5, #36\n\t" "muls r4, r5, r4\n\t" "adds r4, r7, r4\n\t" \
        "subs r4, #28\n\t" "str r4, [sp, #28]\n\t"       /* &rq[channels - 1].b[0]: r7 after the last channel */ \
        "b 12f\n"                                           /* the first channel: r7 is its rq */ \
        "0:\n\t"                                           /* next channel: r7 from &rq->b[0] to the next rq */ \
        "adds r7, #28\n"                                    \
        "12:\n\t"                                          \
        "ldr r4, [sp, #4]\n\t" "ldm r4!, {r5}\n\t" "str r4, [sp, #4]\n\t"                      \
        LO_CLAMP                                                                           \
        "mov r8, r5\n\t" \
        "ldr r4, [sp, #8]\n\t" "ldm r4!, {r5}\n\t" "str r4, [sp, #8]\n\t" \
        "movs r4, #1\n\t" "lsls r4, r4, #16\n\t" "subs r4, r4, #1\n\t" \
        "cmp r5, r4\n\t" "ble 6f\n\t" "movs r5, r4\n" \
        "6:\n\t" \
        "mov r9, r5\n\t"                                /* min(hi, 65535) */ \
        "ldr r5, [r7, #0]\n\t"                            /* mh */ \
        "ldr r4, [r7, #4]\n\t" "mov r10, r4\n\t"          /* ml */ \
        "ldr r6, [r7, #16]\n\t"                           /* sh */ \
        NO_FAST \
        "adds r7, r7, #8\n\t"                             /* b[0], b[1] */ \
        "ldr r1, [sp, #0]\n\t" "adds r4, r1, #1\n\t" "str r4, [sp, #0]\n\t" \
        "ldr r4, [sp, #16]\n\t" "adds r4, r0, r4\n\t" "mov lr, r4\n" \
        "1:\n\t" \
        "ldm r0!, {r2}\n\t" \
        "cmp r2, r8\n\t" \
        "blt 3f\n\t" \
        "cmp r2, r9\n\t" \
        "bgt 4f\n\t" \
        "mov r3, r10\n\t" "muls r3, r2, r3\n\t" "asrs r3, r3, #16\n\t"   /* (acc * ml) >> 16 */ \
        "movs r4, r5\n\t" "muls r4, r2, r4\n\t" "adds r3, r3, r4\n\t"    /* + acc * mh */ \
        "asrs r3, r3, #14\n\t" \
        "lsrs r4, r2, #31\n\t" "lsls r4, r4, #2\n\t" "ldr r4, [r7, r4]\n\t"   /* b[acc < 0] */ \
        "adds r3, r3, r4\n\t" \
        "asrs r3, r3, r6\n" \
        "2:\n\t" \
        "strb r3, [r1]\n\t" \
        "add r1, r12\n\t" \
        "cmp r0, lr\n\t" \
        "bne 1b\n" \
        "8:\n\t"                                           /* the channel done: skip the block's unused lanes */ \
        "ldr r4, [sp, #20]\n\t" "adds r0, r0, r4\n\t" \
        "ldr r5, [sp, #28]\n\t" \
        "cmp r7, r5\n\t" \
        "bne 0b\n\t" \
        "add sp, #36\n\t" \
        "pop {r4-r7}\n\t" \
        "mov r8, r4\n\t" "mov r9, r5\n\t" "mov r10, r6\n\t" "mov r11, r7\n\t" \
        "pop {r4-r7, pc}\n" \
        "3:\n\t"                                           /* below lo: act_min */                  \
        LO_CHECK                                                                           \
        "mov r3, r11\n\t" \
        "strb r3, [r1]\n\t" \
        "add r1, r12\n\t" \
        "cmp r0, lr\n\t" \
        "bne 1b\n\t" \
        "b 8b\n" \
        "4:\n\t"                                           /* above min(hi, 65535) */ \
        "ldr r3, [sp, #8]\n\t" "subs r3, r3, #4\n\t" "ldr r3, [r3]\n\t" \
        "cmp r2, r3\n\t" \
        "bgt 5f\n"                                                                          \
        "7:\n\t"                                           /* (65535, hi] or [lo, -65535): k->slow */ \
        "push {r0, r1}\n\t"                               /* k->slow(rq, acc) */ \
        "mov r0, r12\n\t" "mov r1, lr\n\t" "push {r0, r1}\n\t" \
        "movs r0, r7\n\t" "subs r0, r0, #8\n\t" \
        "movs r1, r2\n\t" \
        "ldr r3, [sp, #48]\n\t" \
        "blx r3\n\t" \
        "movs r3, r0\n\t" \
        "pop {r0, r1}\n\t" "mov r12, r0\n\t" "mov lr, r1\n\t" \
        "pop {r0, r1}\n\t" \
        "mov r4, r11\n\t" "cmp r3, r4\n\t" "bge 10f\n\t" "movs r3, r4\n" \
        "10:\n\t"                                          /* clamped: a channel of lim 0 has bounds */ \
        "ldr r4, [sp, #24]\n\t" "cmp r3, r4\n\t" "ble 11f\n\t" "movs r3, r4\n" /* INT32_MIN, INT32_MAX */ \
        "11:\n\t" \
        "b 2b\n" \
        "5:\n\t"                                           /* above hi: act_max */ \
        "ldr r3, [sp, #24]\n\t" \
        "b 2b\n\t" \
        ".syntax divided\n\t");

__attribute__((naked, noinline, section(".ramfunc.eat_armv6m_block_out")))
void eat_armv6m_block_out(const int32_t *acc, int8_t *out, int32_t n, const eat_armv6m_block_out_t *k)
{
    (void)acc; (void)out; (void)n; (void)k;
    EAT_ARMV6M_BLOCK_OUT_ASM("", "", "");
}

/* The same for any layer (the compiler takes it when a channel has lo < -65535 or a requantisation without
 * the fast path, lim 0: the example's conv2 at 80% has both): 5 more cycles per output below max(lo, -65535),
 * ~12 more per channel; a channel of lim 0 gets r9 = r8 - 1, so every accumulator in [lo, hi] goes to
 * k->slow. */
#define EAT_ARMV6M_LO_CLAMP "movs r4, #1\n\t" "lsls r4, r4, #16\n\t" "subs r4, r4, #1\n\t" "negs r4, r4\n\t"   /* -65535 */ \
    "cmp r5, r4\n\t" "bge 6f\n\t" "movs r5, r4\n" "6:\n\t"
#define EAT_ARMV6M_NO_FAST "ldr r4, [r7, #20]\n\t" "cmp r4, #0\n\t" "bne 9f\n\t"   /* lim 0: no fast path */ \
    "mov r4, r8\n\t" "subs r4, r4, #1\n\t" "mov r9, r4\n" "9:\n\t"
#define EAT_ARMV6M_LO_CHECK "ldr r3, [sp, #4]\n\t" "subs r3, r3, #4\n\t" "ldr r3, [r3]\n\t" "cmp r2, r3\n\t" "bge 7f\n\t"
__attribute__((naked, noinline, section(".ramfunc.eat_armv6m_block_out_lo")))
void eat_armv6m_block_out_lo(const int32_t *acc, int8_t *out, int32_t n, const eat_armv6m_block_out_t *k)
{
    (void)acc; (void)out; (void)n; (void)k;
    EAT_ARMV6M_BLOCK_OUT_ASM(EAT_ARMV6M_LO_CLAMP, EAT_ARMV6M_LO_CHECK, EAT_ARMV6M_NO_FAST);
}

#endif /* __ARM_ARCH_6M__ */
