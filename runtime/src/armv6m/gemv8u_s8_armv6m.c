/* Cortex-M0+ matrix-vector loop with two products per multiply: unsigned bytes against word-packed
 * pairs of unsigned weights, 8 rows at a time. */
#include "eat/armv6m.h"

#if defined(__ARM_ARCH_6M__)

/* sums[r] = sum_{i < 4 * k4} u[i] * w'[r][i], r = 0..7 (mod 2^32), where w holds for every i four
 * words W_j = w'[2j][i] | w'[2j + 1][i] << 16 (u and w' in [0, 255]).
 * Why it is exact: A = u * W_j = u w'[2j] + 2^16 u w'[2j+1] < 2^32, and its low half u w'[2j] <= 65025
 * never carries into the high half, so A >> 16 == u w'[2j+1]. The loop adds A to lo_j and A >> 16 to
 * hi_j: hi_j is row 2j + 1's sum, lo_j - (hi_j << 16) row 2j's (both mod 2^32).
 * Registers: r0 u, r1 w, r2 u[i], r3 the product, lo/hi pairs in r4 r5, r6 r7, r8 r9, r10 r11, the
 * end of u in r12. Per element under rp2040js: LDRB 2 + 4 x (LDR 2, MULS, ADD, LSRS, ADD) = 26 cycles
 * for 8 MACs, plus 5 per 4 elements. In .ramfunc: SRAM on a real RP2040 (rp2040js does not model
 * XIP cache misses). */
#define EAT_GEMV8U_STEP(I, W0, W1, W2, W3)                                                   \
        "ldrb r2, [r0, #" I "]\n\t"                                                          \
        "ldr r3, [r1, #" W0 "]\n\t" "muls r3, r2, r3\n\t" "adds r4, r4, r3\n\t" "lsrs r3, r3, #16\n\t" "adds r5, r5, r3\n\t" \
        "ldr r3, [r1, #" W1 "]\n\t" "muls r3, r2, r3\n\t" "adds r6, r6, r3\n\t" "lsrs r3, r3, #16\n\t" "adds r7, r7, r3\n\t" \
        "ldr r3, [r1, #" W2 "]\n\t" "muls r3, r2, r3\n\t" "add r8, r3\n\t"      "lsrs r3, r3, #16\n\t" "add r9, r3\n\t"      \
        "ldr r3, [r1, #" W3 "]\n\t" "muls r3, r2, r3\n\t" "add r10, r3\n\t"     "lsrs r3, r3, #16\n\t" "add r11, r3\n\t"

/* The entry and the loop of both routines below: r3 (their fourth argument) pushed, sums in r4-r11. */
#define EAT_GEMV8U_LOOP                                                                      \
        ".syntax unified\n\t"                                                                \
        "push {r4-r7, lr}\n\t"                                                               \
        "mov r4, r8\n\t" "mov r5, r9\n\t" "mov r6, r10\n\t" "mov r7, r11\n\t"                \
        "push {r4-r7}\n\t"                                                                   \
        "push {r3}\n\t"                                                                      \
        "lsls r2, r2, #2\n\t" "adds r2, r0, r2\n\t" "mov r12, r2\n\t"                          \
        "movs r4, #0\n\t" "movs r5, #0\n\t" "movs r6, #0\n\t" "movs r7, #0\n\t"                \
        "mov r8, r4\n\t" "mov r9, r4\n\t" "mov r10, r4\n\t" "mov r11, r4\n"                   \
        "1:\n\t"                                                                             \
        EAT_GEMV8U_STEP("0", "0", "4", "8", "12")                                            \
        EAT_GEMV8U_STEP("1", "16", "20", "24", "28")                                         \
        EAT_GEMV8U_STEP("2", "32", "36", "40", "44")                                         \
        EAT_GEMV8U_STEP("3", "48", "52", "56", "60")                                         \
        "adds r0, r0, #4\n\t"                                                                \
        "adds r1, r1, #64\n\t"                                                               \
        "cmp r0, r12\n\t"                                                                    \
        "bne 1b\n\t"

/* The exit of both: restore r8-r11, r4-r7, return. */
#define EAT_GEMV8U_EXIT                                                                      \
        "pop {r4-r7}\n\t"                                                                    \
        "mov r8, r4\n\t" "mov r9, r5\n\t" "mov r10, r6\n\t" "mov r11, r7\n\t"                \
        "pop {r4-r7, pc}\n\t"                                                                \
        ".syntax divided\n\t"

__attribute__((naked, noinline, section(".ramfunc.eat_armv6m_gemv8u_s8")))
void eat_armv6m_gemv8u_s8(const uint8_t *u, const uint32_t *w, int32_t k4, int32_t sums[8])
{
    (void)u; (void)w; (void)k4; (void)sums;
    __asm__ volatile(
        EAT_GEMV8U_LOOP
        "pop {r3}\n\t"                    /* sums */
        "lsls r2, r5, #16\n\t" "subs r4, r4, r2\n\t" "str r4, [r3, #0]\n\t" "str r5, [r3, #4]\n\t"
        "lsls r2, r7, #16\n\t" "subs r6, r6, r2\n\t" "str r6, [r3, #8]\n\t" "str r7, [r3, #12]\n\t"
        "mov r4, r8\n\t" "mov r5, r9\n\t"
        "lsls r2, r5, #16\n\t" "subs r4, r4, r2\n\t" "str r4, [r3, #16]\n\t" "str r5, [r3, #20]\n\t"
        "mov r4, r10\n\t" "mov r5, r11\n\t"
        "lsls r2, r5, #16\n\t" "subs r4, r4, r2\n\t" "str r4, [r3, #24]\n\t" "str r5, [r3, #28]\n\t"
        EAT_GEMV8U_EXIT);
}

/* One pair of rows out of LO / HI (their sums, see above) into a block's sums: row 2j at [r0, #OFF], row 2j + 1
 * at [r0, #OFF + 32], each plus its init (r1 + 4 * (2j) / + 4) and the pixel's base (r3). Clobbers r2. */
#define EAT_GEMV8U_BLK_PAIR(LO, HI, I0, I1, OFF0, OFF1)                                      \
        "lsls r2, " HI ", #16\n\t" "subs " LO ", " LO ", r2\n\t"                               \
        "ldr r2, [r1, #" I0 "]\n\t" "adds " LO ", " LO ", r2\n\t" "adds " LO ", " LO ", r3\n\t"    \
        "str " LO ", [r0, #" OFF0 "]\n\t"                                                      \
        "ldr r2, [r1, #" I1 "]\n\t" "adds " HI ", " HI ", r2\n\t" "adds " HI ", " HI ", r3\n\t"    \
        "str " HI ", [r0, #" OFF1 "]\n\t"

/* The same sums, each plus init[r] + base, stored as a block's column: acc[r * 8] (the swar conv's sums
 * [out_c][EAT_ARMV6M_SWAR_BLOCK], EAT_ARMV6M_SWAR_BLOCK == 8: a row every 32 bytes). ~70 cycles per call where
 * the plain routine's stores and the caller's C loop adding init and base took ~125. */
typedef char eat_armv6m_gemv8u_blk_stride_is_32[EAT_ARMV6M_SWAR_BLOCK == 8 ? 1 : -1];
__attribute__((naked, noinline, section(".ramfunc.eat_armv6m_gemv8u_blk_s8")))
void eat_armv6m_gemv8u_blk_s8(const uint8_t *u, const uint32_t *w, int32_t k4, const eat_armv6m_gemv8u_blk_t *o)
{
    (void)u; (void)w; (void)k4; (void)o;
    __asm__ volatile(
        EAT_GEMV8U_LOOP
        "pop {r3}\n\t"                    /* o */
        "ldr r0, [r3, #0]\n\t"            /* acc */
        "ldr r1, [r3, #4]\n\t"            /* init */
        "ldr r3, [r3, #8]\n\t"            /* base */
        EAT_GEMV8U_BLK_PAIR("r4", "r5", "0", "4", "0", "32")
        EAT_GEMV8U_BLK_PAIR("r6", "r7", "8", "12", "64", "96")
        "adds r0, #128\n\t"
        "mov r4, r8\n\t" "mov r5, r9\n\t"
        EAT_GEMV8U_BLK_PAIR("r4", "r5", "16", "20", "0", "32")
        "mov r4, r10\n\t" "mov r5, r11\n\t"
        EAT_GEMV8U_BLK_PAIR("r4", "r5", "24", "28", "64", "96")
        EAT_GEMV8U_EXIT);
}
#undef EAT_GEMV8U_BLK_PAIR
#undef EAT_GEMV8U_LOOP
#undef EAT_GEMV8U_EXIT
#undef EAT_GEMV8U_STEP

/* Bytes x -> x + 128 in place (XOR 0x80 per byte), word by word; returns the sum of the new bytes. */
uint32_t eat_armv6m_to_u8(uint32_t *words, int32_t n)
{
    uint32_t total = 0;
    while (n > 0) {
        const int32_t m = n < 128 ? n : 128;   /* 16-bit lanes: at most 128 x 510 < 2^16 */
        uint32_t s = 0;
        int32_t i;
        for (i = 0; i < m; ++i) {
            const uint32_t v = words[i] ^ 0x80808080u;
            words[i] = v;
            s += (v & 0x00FF00FFu) + ((v >> 8) & 0x00FF00FFu);
        }
        total += (s & 0xFFFFu) + (s >> 16);
        words += m;
        n -= m;
    }
    return total;
}

#endif /* __ARM_ARCH_6M__ */
