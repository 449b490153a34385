/* The output step the ARMv7E-M 8-output assembly blocks share (conv2d_s8_dsp16.c, sparse_2of4_dsp.c):
 * eight requantised outputs, one per register r4-r11, packed into two words of four bytes (r4: outputs
 * 0-3, r8: 4-7) and clamped bytewise to the activation range. Inline-assembly text only (no code of its
 * own); private to those files. */
#ifndef EAT_PACK8_ARMV7EM_H
#define EAT_PACK8_ARMV7EM_H

/* r4 = r4 | r5 << 8 | r6 << 16 | r7 << 24 and r8 = r8 | r9 << 8 | r10 << 16 | r11 << 24 (each byte the
 * low byte of its register: the outputs are already in [-128, 127]). */
#define EAT_ARMV7EM_PACK8                                                             \
        "bfi     r4, r5, #8, #8\n\t"                                                  \
        "bfi     r4, r6, #16, #8\n\t"                                                 \
        "bfi     r4, r7, #24, #8\n\t"                                                 \
        "bfi     r8, r9, #8, #8\n\t"                                                  \
        "bfi     r8, r10, #16, #8\n\t"                                                \
        "bfi     r8, r11, #24, #8\n\t"

/* Both packed words clamped bytewise to [lo, hi]: lo and hi are words of four copies at [sp, #OFF] and
 * [sp, #OFF + 4] (loaded into r2, r3); T (a register name) takes SSUB8's result, only its GE flags count. */
#define EAT_ARMV7EM_CLAMP8(T, OFF)                                                    \
        "ldrd    r2, r3, [sp, #" #OFF "]\n\t"                                         \
        "ssub8   " #T ", r4, r2\n\t"                                                  \
        "sel     r4, r4, r2\n\t"              /* GE where byte >= lo: keep it, else lo */ \
        "ssub8   " #T ", r4, r3\n\t"                                                  \
        "sel     r4, r3, r4\n\t"              /* GE where byte >= hi: hi, else keep */ \
        "ssub8   " #T ", r8, r2\n\t"                                                  \
        "sel     r8, r8, r2\n\t"                                                      \
        "ssub8   " #T ", r8, r3\n\t"                                                  \
        "sel     r8, r3, r8\n\t"

#endif /* EAT_PACK8_ARMV7EM_H */
