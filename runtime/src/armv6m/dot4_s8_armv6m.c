/* Cortex-M0+ inner loop: one int8 vector against four int8 weight rows, four int32 sums. */
#include "eat/armv6m.h"

#if defined(__ARM_ARCH_6M__)

/* acc[j] += sum_{i < len} (x[i] + x_off) * w[j * w_stride + i], j = 0..3.
 *
 * Registers: r0 walks x; r1, r3, r4, r5 hold (row j) - x, so one LDRSB [r0, rj] reads each row;
 * r6 = 0 (LDRSB has only a register offset); r7 = x[i] + x_off; r2 the product; the four sums
 * live in r8-r11 (ADD high, low is 1 cycle), x_off in r12, the loop end in lr.
 * Per element: 20 cycles for 4 MACs under rp2040js (ADDS 1, 5 LDRSB x2, ADD 1, 4 MULS, 4 ADD),
 * plus CMP/BNE (3) per 4 elements. In .ramfunc: on a real RP2040 the loop runs from SRAM
 * instead of XIP flash (rp2040js does not model XIP cache misses, so this is not measured). */
__attribute__((naked, noinline, section(".ramfunc.eat_armv6m_dot4_s8")))
void eat_armv6m_dot4_s8(const int8_t *x, const int8_t *w, int32_t len, int32_t w_stride,
                        int32_t x_off, int32_t acc[4])
{
    (void)x; (void)w; (void)len; (void)w_stride; (void)x_off; (void)acc;
    __asm__ volatile(
        ".syntax unified\n\t"            /* GCC hands Thumb-1 inline asm over in divided syntax */
        "push {r4-r7, lr}\n\t"
        "mov r4, r8\n\t"
        "mov r5, r9\n\t"
        "mov r6, r10\n\t"
        "mov r7, r11\n\t"
        "push {r4-r7}\n\t"                 /* 36 bytes saved: x_off at [sp+36], acc at [sp+40] */
        "ldr r4, [sp, #40]\n\t"
        "ldr r5, [r4, #0]\n\t"  "mov r8, r5\n\t"
        "ldr r5, [r4, #4]\n\t"  "mov r9, r5\n\t"
        "ldr r5, [r4, #8]\n\t"  "mov r10, r5\n\t"
        "ldr r5, [r4, #12]\n\t" "mov r11, r5\n\t"
        "ldr r5, [sp, #36]\n\t" "mov r12, r5\n\t"
        "subs r1, r1, r0\n\t"              /* r1 = row0 - x */
        "adds r4, r1, r3\n\t"              /* r4 = row1 - x */
        "adds r5, r4, r3\n\t"              /* r5 = row2 - x */
        "adds r3, r5, r3\n\t"              /* r3 = row3 - x */
        "movs r6, #0\n\t"
        "adds r7, r0, r2\n\t"              /* end of x */
        "sub sp, sp, #8\n\t"
        "str r7, [sp, #0]\n\t"
        "movs r7, #3\n\t"
        "bics r2, r2, r7\n\t"
        "adds r2, r0, r2\n\t"              /* end of the 4-unrolled part */
        "mov lr, r2\n\t"
        "cmp r0, r2\n\t"
        "beq 2f\n"
#define EAT_DOT4_STEP                                   \
        "ldrsb r7, [r0, r6]\n\t"                        \
        "add r7, r12\n\t"                               \
        "ldrsb r2, [r0, r1]\n\t" "muls r2, r7, r2\n\t" "add r8, r2\n\t"   \
        "ldrsb r2, [r0, r4]\n\t" "muls r2, r7, r2\n\t" "add r9, r2\n\t"   \
        "ldrsb r2, [r0, r5]\n\t" "muls r2, r7, r2\n\t" "add r10, r2\n\t"  \
        "ldrsb r2, [r0, r3]\n\t" "muls r2, r7, r2\n\t" "add r11, r2\n\t"  \
        "adds r0, r0, #1\n\t"
        "1:\n\t"
        EAT_DOT4_STEP EAT_DOT4_STEP EAT_DOT4_STEP EAT_DOT4_STEP
        "cmp r0, lr\n\t"
        "bne 1b\n"
        "2:\n\t"
        "ldr r2, [sp, #0]\n\t"
        "mov lr, r2\n\t"
        "cmp r0, lr\n\t"
        "beq 4f\n"
        "3:\n\t"
        EAT_DOT4_STEP
        "cmp r0, lr\n\t"
        "bne 3b\n"
        "4:\n\t"
        "add sp, sp, #8\n\t"
        "ldr r4, [sp, #40]\n\t"
        "mov r5, r8\n\t"  "str r5, [r4, #0]\n\t"
        "mov r5, r9\n\t"  "str r5, [r4, #4]\n\t"
        "mov r5, r10\n\t" "str r5, [r4, #8]\n\t"
        "mov r5, r11\n\t" "str r5, [r4, #12]\n\t"
        "pop {r4-r7}\n\t"
        "mov r8, r4\n\t"
        "mov r9, r5\n\t"
        "mov r10, r6\n\t"
        "mov r11, r7\n\t"
        "pop {r4-r7, pc}\n\t"
        ".syntax divided\n\t");
#undef EAT_DOT4_STEP
}

#endif /* __ARM_ARCH_6M__ */
