/* Cortex-M0+ matrix-vector loops: one int8 vector against blocks of four int8 weight rows. */
#include "eat/armv6m.h"

#if defined(__ARM_ARCH_6M__)

/* Both functions: for block b < nblocks, rows 4b..4b+3 of w (row length k):
 *   out[4b + j] = init[4b + j] + sum_{i < k} (x[i] (+ x_off)) * w[(4b + j) * k + i]
 * Registers in the loop: r0 walks x; r1, r4, r5, r3 hold (row j) - x so one LDRSB [r0, rj] reads
 * each row; r6 = 0 (LDRSB has only a register offset); r7 = x[i] (+ x_off); r2 the product; the
 * four sums in r8-r11 (ADD high, low: 1 cycle). Per element under rp2040js: 19 cycles for 4 MACs
 * (ADDS 1, 5 LDRSB x2, 4 MULS, 4 ADD), 20 with x_off (ADD r7, r12), plus CMP/BEQ/B (4) per 8
 * elements and ~60 per block. Frame: 36 bytes of saved registers, then 32 of locals:
 *   [sp+0] x  [sp+4] end of the 4-unrolled part  [sp+8] end of x  [sp+12] row 0 - x (the block loop derives the next rows from r3)
 *   [sp+16] blocks left  [sp+20] init  [sp+24] out  [sp+28] k;  stack arguments from [sp+68].
 * In .ramfunc: on a real RP2040 the loops run from SRAM, not XIP flash (rp2040js does not model
 * XIP cache misses, so this is not measured here). */
#define EAT_GEMV_STEP(OFF)                                              \
        "ldrsb r7, [r0, r6]\n\t"                                        \
        OFF                                                             \
        "ldrsb r2, [r0, r1]\n\t" "muls r2, r7, r2\n\t" "add r8, r2\n\t"   \
        "ldrsb r2, [r0, r4]\n\t" "muls r2, r7, r2\n\t" "add r9, r2\n\t"   \
        "ldrsb r2, [r0, r5]\n\t" "muls r2, r7, r2\n\t" "add r10, r2\n\t"  \
        "ldrsb r2, [r0, r3]\n\t" "muls r2, r7, r2\n\t" "add r11, r2\n\t"  \
        "adds r0, r0, #1\n\t"

/* END4 / END: the registers or loads that give the loop ends; SETUP runs once (x_off -> r12). */
#define EAT_GEMV_BODY(SETUP, LOAD_END4, END4, LOAD_END, OFF)            \
        ".syntax unified\n\t"                                           \
        "push {r4-r7, lr}\n\t"                                          \
        "mov r4, r8\n\t" "mov r5, r9\n\t" "mov r6, r10\n\t" "mov r7, r11\n\t" \
        "push {r4-r7}\n\t"                                              \
        "sub sp, sp, #32\n\t"                                           \
        SETUP                                                           \
        "str r0, [sp, #0]\n\t"                                          \
        "str r2, [sp, #28]\n\t"                                         \
        "adds r4, r0, r2\n\t"  "str r4, [sp, #8]\n\t"                   \
        "movs r4, #7\n\t" "bics r2, r2, r4\n\t" "adds r4, r0, r2\n\t" "str r4, [sp, #4]\n\t" \
        "subs r1, r1, r0\n\t"  "str r1, [sp, #12]\n\t"                  \
        "str r3, [sp, #16]\n\t"                                         \
        "ldr r4, [sp, #68]\n\t" "str r4, [sp, #20]\n\t"                 \
        "ldr r4, [sp, #72]\n\t" "str r4, [sp, #24]\n\t"                 \
        "cmp r3, #0\n\t"                                                \
        "bne 8f\n\t"                                                    \
        "b 9f\n"                                                        \
        "8:\n\t"                                                        \
        "ldr r2, [sp, #28]\n\t"                                         \
        "subs r3, r1, r2\n"            /* "row 3 of block -1": the loop below adds k */ \
        "5:\n\t"                                                        \
        "ldr r0, [sp, #0]\n\t"                                          \
        "ldr r2, [sp, #28]\n\t"                                         \
        "adds r1, r3, r2\n\t"                                           \
        "adds r4, r1, r2\n\t" "adds r5, r4, r2\n\t" "adds r3, r5, r2\n\t" \
        "ldr r2, [sp, #20]\n\t"                                         \
        "ldr r7, [r2, #0]\n\t"  "mov r8, r7\n\t"                        \
        "ldr r7, [r2, #4]\n\t"  "mov r9, r7\n\t"                        \
        "ldr r7, [r2, #8]\n\t"  "mov r10, r7\n\t"                       \
        "ldr r7, [r2, #12]\n\t" "mov r11, r7\n\t"                       \
        "adds r2, r2, #16\n\t" "str r2, [sp, #20]\n\t"                  \
        "movs r6, #0\n\t"                                               \
        LOAD_END4                                                       \
        "cmp r0, " END4 "\n\t"                                          \
        "bne 1f\n\t"                  /* 8 steps are beyond a conditional branch's reach */ \
        "b 2f\n"                                                        \
        "1:\n\t"                                                        \
        EAT_GEMV_STEP(OFF) EAT_GEMV_STEP(OFF) EAT_GEMV_STEP(OFF) EAT_GEMV_STEP(OFF) \
        EAT_GEMV_STEP(OFF) EAT_GEMV_STEP(OFF) EAT_GEMV_STEP(OFF) EAT_GEMV_STEP(OFF) \
        "cmp r0, " END4 "\n\t"                                          \
        "beq 2f\n\t"                                                    \
        "b 1b\n"                                                        \
        "2:\n\t"                                                        \
        LOAD_END                                                        \
        "cmp r0, lr\n\t"                                                \
        "beq 4f\n"                                                      \
        "3:\n\t"                                                        \
        EAT_GEMV_STEP(OFF)                                              \
        "cmp r0, lr\n\t"                                                \
        "bne 3b\n"                                                      \
        "4:\n\t"                                                        \
        "ldr r2, [sp, #24]\n\t"                                         \
        "mov r7, r8\n\t"  "str r7, [r2, #0]\n\t"                        \
        "mov r7, r9\n\t"  "str r7, [r2, #4]\n\t"                        \
        "mov r7, r10\n\t" "str r7, [r2, #8]\n\t"                        \
        "mov r7, r11\n\t" "str r7, [r2, #12]\n\t"                       \
        "adds r2, r2, #16\n\t" "str r2, [sp, #24]\n\t"                  \
        "ldr r2, [sp, #16]\n\t" "subs r2, r2, #1\n\t" "str r2, [sp, #16]\n\t" \
        "beq 9f\n\t"                                                    \
        "b 5b\n"                                                        \
        "9:\n\t"                                                        \
        "add sp, sp, #32\n\t"                                           \
        "pop {r4-r7}\n\t"                                               \
        "mov r8, r4\n\t" "mov r9, r5\n\t" "mov r10, r6\n\t" "mov r11, r7\n\t" \
        "pop {r4-r7, pc}\n\t"                                           \
        ".syntax divided\n\t"

/* Without an input offset (the caller folded x_off * sum(w) into init): end4 in r12, end in lr. */
__attribute__((naked, noinline, section(".ramfunc.eat_armv6m_gemv4_s8")))
void eat_armv6m_gemv4_s8(const int8_t *x, const int8_t *w, int32_t k, int32_t nblocks,
                         const int32_t *init, int32_t *out)
{
    (void)x; (void)w; (void)k; (void)nblocks; (void)init; (void)out;
    __asm__ volatile(EAT_GEMV_BODY("",
                                   "ldr r2, [sp, #4]\n\t" "mov r12, r2\n\t" "ldr r2, [sp, #8]\n\t" "mov lr, r2\n\t",
                                   "r12", "", ""));
}

/* With x_off added to every x (FULLY_CONNECTED, where each weight is read once): x_off in r12,
 * end4 then end in lr. */
__attribute__((naked, noinline, section(".ramfunc.eat_armv6m_gemv4_off_s8")))
void eat_armv6m_gemv4_off_s8(const int8_t *x, const int8_t *w, int32_t k, int32_t nblocks,
                             const int32_t *init, int32_t *out, int32_t x_off)
{
    (void)x; (void)w; (void)k; (void)nblocks; (void)init; (void)out; (void)x_off;
    __asm__ volatile(EAT_GEMV_BODY("ldr r4, [sp, #76]\n\t" "mov r12, r4\n\t",
                                   "ldr r2, [sp, #4]\n\t" "mov lr, r2\n\t",
                                   "lr", "ldr r2, [sp, #8]\n\t" "mov lr, r2\n\t", "add r7, r12\n\t"));
}

#endif /* __ARM_ARCH_6M__ */
