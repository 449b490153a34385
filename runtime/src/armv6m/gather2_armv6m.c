/* Cortex-M0+ gather of two output pixels' receptive-field runs for the block walks (conv2d_sparse_block_armv6m.h):
 * one word store per element pair of t ([k][B] uint16 x + 129) instead of two halfword stores per pixel. */
#include "eat/armv6m.h"

#if defined(__ARM_ARCH_6M__)

/* Per input word of each pixel (x, y): x ^= 0x80808080 (bytes x + 128), then for byte i the word
 * (x_i + 1) | (y_i + 1) << 16 at t + i * B / 2 words: UXTB / shifts, one ADD of 0x00010001, one STR. ROW: bytes
 * from one element row of t to the next (2 B). Registers: r0 sa, r1 sb, r2 t, r3 sa_end, r4 x, r5 y, r6 / r7
 * scratch, r8 0x80808080, r9 0x00010001. In .ramfunc, like the walks. */
#define EAT_WORDS2_ASM(ROW1, ROW2, ROW3, STEP)                                                   \
    __asm__ volatile(                                                                           \
        ".syntax unified\n\t"                                                                   \
        "push {r4-r7, lr}\n\t"                                                                  \
        "mov r4, r8\n\t" "mov r5, r9\n\t" "push {r4, r5}\n\t"                                     \
        "movs r4, #0x80\n\t" "lsls r5, r4, #8\n\t" "orrs r4, r5\n\t"                              \
        "lsls r5, r4, #16\n\t" "orrs r4, r5\n\t" "mov r8, r4\n\t"         /* 0x80808080 */         \
        "movs r4, #1\n\t" "lsls r5, r4, #16\n\t" "orrs r4, r5\n\t" "mov r9, r4\n"  /* 0x00010001 */ \
        "1:\n\t"                                                                                \
        "ldm r0!, {r4}\n\t" "ldm r1!, {r5}\n\t"                                                   \
        "mov r6, r8\n\t" "eors r4, r6\n\t" "eors r5, r6\n\t"                                    \
        "uxtb r6, r4\n\t" "uxtb r7, r5\n\t" "lsls r7, r7, #16\n\t" "adds r6, r6, r7\n\t"           \
        "add r6, r9\n\t" "str r6, [r2, #0]\n\t"                                                   \
        "lsrs r6, r4, #8\n\t" "uxtb r6, r6\n\t" "lsrs r7, r5, #8\n\t" "uxtb r7, r7\n\t"           \
        "lsls r7, r7, #16\n\t" "adds r6, r6, r7\n\t" "add r6, r9\n\t" "str r6, [r2, #" ROW1 "]\n\t" \
        "lsrs r6, r4, #16\n\t" "uxtb r6, r6\n\t" "lsrs r7, r5, #16\n\t" "uxtb r7, r7\n\t"         \
        "lsls r7, r7, #16\n\t" "adds r6, r6, r7\n\t" "add r6, r9\n\t" "str r6, [r2, #" ROW2 "]\n\t" \
        "lsrs r6, r4, #24\n\t" "lsrs r7, r5, #24\n\t" "lsls r7, r7, #16\n\t" "adds r6, r6, r7\n\t" \
        "add r6, r9\n\t" "str r6, [r2, #" ROW3 "]\n\t"                                             \
        "adds r2, #" STEP "\n\t"                                                                  \
        "cmp r0, r3\n\t"                                                                         \
        "bne 1b\n\t"                                                                             \
        "pop {r4, r5}\n\t" "mov r8, r4\n\t" "mov r9, r5\n\t"                                     \
        "pop {r4-r7, pc}\n\t"                                                                    \
        ".syntax divided\n\t")

__attribute__((naked, noinline, section(".ramfunc.eat_armv6m_words2_u16_b4")))
void eat_armv6m_words2_u16_b4(const int8_t *sa, const int8_t *sb, uint16_t *t, const int8_t *sa_end)
{
    (void)sa; (void)sb; (void)t; (void)sa_end;
    EAT_WORDS2_ASM("8", "16", "24", "32");
}

__attribute__((naked, noinline, section(".ramfunc.eat_armv6m_words2_u16_b8")))
void eat_armv6m_words2_u16_b8(const int8_t *sa, const int8_t *sb, uint16_t *t, const int8_t *sa_end)
{
    (void)sa; (void)sb; (void)t; (void)sa_end;
    EAT_WORDS2_ASM("16", "32", "48", "64");
}

#endif /* __ARM_ARCH_6M__ */
