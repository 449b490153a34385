/* Cortex-M0+ depthwise inner loop: every channel of one output pixel, 4 adjacent channels per pass over a
 * clipped window, word loads. */
#include "eat/armv6m.h"

#if defined(__ARM_ARCH_6M__)

/* The assembly both walks share: entry (save r4-r11, the frame), the loads of geo, then per block of 4
 * channels: the sums r8-r11 from the bias, the row and column loops over the window, the sums out, the
 * next block's x, w, bias and sums; the exit. GEO0 and GEO3 load geo->c and geo->x_off (r4 points at
 * geo), TAP is the loop body for one tap of 4 channels, including the step of r0 and r1 to the next tap.
 * Registers: r0 x, r1 w, r2 x word, r3 w word, r4 r5 scratch, r7 column count, r8-r11 the sums, lr row
 * count; r6 and r12 as each walk says. Frame: [sp+0] cols, +4 x skip, +8 w skip, +12 rows, +16 the
 * block's x, +20 its w, +24 blocks left, +28 bias, +32 sums; the arguments geo and sums at sp+72, +76. */
#define EAT_DW4_WALK(GEO0, GEO3, TAP)                                                          \
    ".syntax unified\n\t"                                                                      \
    "push {r4-r7, lr}\n\t"                                                                     \
    "mov r4, r8\n\t" "mov r5, r9\n\t" "mov r6, r10\n\t" "mov r7, r11\n\t"                      \
    "push {r4-r7}\n\t"                                                                         \
    "sub sp, sp, #36\n\t"                                                                      \
    "str r3, [sp, #0]\n\t" "str r2, [sp, #12]\n\t" "str r0, [sp, #16]\n\t" "str r1, [sp, #20]\n\t" \
    "ldr r4, [sp, #72]\n\t"                                                                    \
    GEO0                                                                                       \
    "ldr r5, [r4, #4]\n\t"  "str r5, [sp, #4]\n\t"                                             \
    "ldr r5, [r4, #8]\n\t"  "str r5, [sp, #8]\n\t"                                             \
    "ldr r5, [r4, #16]\n\t" "str r5, [sp, #24]\n\t"                                            \
    "ldr r5, [r4, #20]\n\t" "str r5, [sp, #28]\n\t"                                            \
    GEO3                                                                                       \
    "ldr r5, [sp, #76]\n\t" "str r5, [sp, #32]\n"                                              \
    "0:\n\t"                                                                                   \
    "ldr r4, [sp, #28]\n\t"                                                                    \
    "ldr r5, [r4, #0]\n\t"  "mov r8, r5\n\t"                                                   \
    "ldr r5, [r4, #4]\n\t"  "mov r9, r5\n\t"                                                   \
    "ldr r5, [r4, #8]\n\t"  "mov r10, r5\n\t"                                                  \
    "ldr r5, [r4, #12]\n\t" "mov r11, r5\n\t"                                                  \
    "adds r4, r4, #16\n\t"  "str r4, [sp, #28]\n\t"                                            \
    "ldr r0, [sp, #16]\n\t" "ldr r1, [sp, #20]\n\t"                                            \
    "ldr r4, [sp, #12]\n\t" "mov lr, r4\n"                                                     \
    "1:\n\t"                                                                                   \
    "ldr r7, [sp, #0]\n"                                                                       \
    "2:\n\t"                                                                                   \
    "ldr r2, [r0]\n\t"                                                                         \
    "ldr r3, [r1]\n\t"                                                                         \
    TAP                                                                                        \
    "subs r7, r7, #1\n\t"                                                                      \
    "bne 2b\n\t"                                                                               \
    "ldr r4, [sp, #4]\n\t" "adds r0, r0, r4\n\t"                                               \
    "ldr r4, [sp, #8]\n\t" "adds r1, r1, r4\n\t"                                               \
    "mov r4, lr\n\t" "subs r4, r4, #1\n\t" "mov lr, r4\n\t"                                    \
    "bne 1b\n\t"                                                                               \
    "ldr r4, [sp, #32]\n\t"                                                                    \
    "mov r5, r8\n\t"  "str r5, [r4, #0]\n\t"                                                   \
    "mov r5, r9\n\t"  "str r5, [r4, #4]\n\t"                                                   \
    "mov r5, r10\n\t" "str r5, [r4, #8]\n\t"                                                   \
    "mov r5, r11\n\t" "str r5, [r4, #12]\n\t"                                                  \
    "adds r4, r4, #16\n\t" "str r4, [sp, #32]\n\t"                                             \
    "ldr r4, [sp, #16]\n\t" "adds r4, r4, #4\n\t" "str r4, [sp, #16]\n\t"                      \
    "ldr r4, [sp, #20]\n\t" "adds r4, r4, #4\n\t" "str r4, [sp, #20]\n\t"                      \
    "ldr r4, [sp, #24]\n\t" "subs r4, r4, #1\n\t" "str r4, [sp, #24]\n\t"                      \
    "bne 0b\n\t"                                                                               \
    "add sp, sp, #36\n\t"                                                                      \
    "pop {r4-r7}\n\t"                                                                          \
    "mov r8, r4\n\t" "mov r9, r5\n\t" "mov r10, r6\n\t" "mov r11, r7\n\t"                      \
    "pop {r4-r7, pc}\n\t"                                                                      \
    ".syntax divided\n\t"

/* sums[j] = geo->bias[j] + sum over rows x cols taps of (x[tap][j] + x_off) * w[tap][j] for every channel
 * j < 4 * geo->blocks of one output pixel, 4 channels per pass, where a tap steps geo->c bytes in x and w
 * and a row ends by skipping geo->x_skip bytes in x and geo->w_skip in w. x and w 4-byte aligned, c a
 * multiple of 4, rows, cols and blocks >= 1. One LDR reads 4 channels of x and one 4 weights; the bytes
 * are sign-extended in registers (SXTB / LSLS+ASRS / ASRS). Registers: r6 c, r12 x_off. Per tap under
 * rp2040js: 35 cycles for 4 MACs. In .ramfunc (SRAM on a real RP2040; rp2040js does not model XIP). */
__attribute__((naked, noinline, section(".ramfunc.eat_armv6m_dw4_s8")))
void eat_armv6m_dw4_s8(const int8_t *x, const int8_t *w, int32_t rows, int32_t cols,
                       const eat_armv6m_dw4_geo_t *geo, int32_t *sums)
{
    (void)x; (void)w; (void)rows; (void)cols; (void)geo; (void)sums;
    __asm__ volatile(EAT_DW4_WALK(
        "ldr r6, [r4, #0]\n\t",
        "ldr r5, [r4, #12]\n\t" "mov r12, r5\n\t",
        "sxtb r4, r2\n\t"         "add r4, r12\n\t" "sxtb r5, r3\n\t"
        "muls r4, r5, r4\n\t" "add r8, r4\n\t"
        "lsls r4, r2, #16\n\t" "asrs r4, r4, #24\n\t" "add r4, r12\n\t"
        "lsls r5, r3, #16\n\t" "asrs r5, r5, #24\n\t"
        "muls r4, r5, r4\n\t" "add r9, r4\n\t"
        "lsls r4, r2, #8\n\t"  "asrs r4, r4, #24\n\t" "add r4, r12\n\t"
        "lsls r5, r3, #8\n\t"  "asrs r5, r5, #24\n\t"
        "muls r4, r5, r4\n\t" "add r10, r4\n\t"
        "asrs r4, r2, #24\n\t" "add r4, r12\n\t" "asrs r5, r3, #24\n\t"
        "muls r4, r5, r4\n\t" "add r11, r4\n\t"
        "adds r0, r0, r6\n\t"
        "adds r1, r1, r6\n\t"));
}

/* The same for x_off == 128 (an input zero point of -128, as after ReLU): x + 128 is the byte
 * with its top bit flipped, read unsigned, so one EORS per word replaces four ADDs. Registers:
 * r6 0x80808080, r12 c (ADD Rd, R12 steps the pointers). 32 cycles per tap. */
__attribute__((naked, noinline, section(".ramfunc.eat_armv6m_dw4u_s8")))
void eat_armv6m_dw4u_s8(const int8_t *x, const int8_t *w, int32_t rows, int32_t cols,
                        const eat_armv6m_dw4_geo_t *geo, int32_t *sums)
{
    (void)x; (void)w; (void)rows; (void)cols; (void)geo; (void)sums;
    __asm__ volatile(EAT_DW4_WALK(
        "ldr r5, [r4, #0]\n\t"  "mov r12, r5\n\t",
        "movs r6, #128\n\t" "lsls r5, r6, #8\n\t" "orrs r6, r5\n\t" "lsls r5, r6, #16\n\t" "orrs r6, r5\n\t",
        "eors r2, r6\n\t"
        "uxtb r4, r2\n\t" "sxtb r5, r3\n\t"
        "muls r4, r5, r4\n\t" "add r8, r4\n\t"
        "lsls r4, r2, #16\n\t" "lsrs r4, r4, #24\n\t"
        "lsls r5, r3, #16\n\t" "asrs r5, r5, #24\n\t"
        "muls r4, r5, r4\n\t" "add r9, r4\n\t"
        "lsls r4, r2, #8\n\t"  "lsrs r4, r4, #24\n\t"
        "lsls r5, r3, #8\n\t"  "asrs r5, r5, #24\n\t"
        "muls r4, r5, r4\n\t" "add r10, r4\n\t"
        "lsrs r4, r2, #24\n\t" "asrs r5, r3, #24\n\t"
        "muls r4, r5, r4\n\t" "add r11, r4\n\t"
        "add r0, r12\n\t"
        "add r1, r12\n\t"));
}

#undef EAT_DW4_WALK

#endif /* __ARM_ARCH_6M__ */
