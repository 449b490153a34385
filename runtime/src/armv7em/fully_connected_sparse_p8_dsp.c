/* Cortex-M4/M7 FULLY_CONNECTED over EAT_WEIGHTS_SPARSE_P8 (eat/sparse_p8.h): every row's walk of its
 * (weight, position) pairs, its requantisation and store in one assembly routine, from a table of per-row
 * constants the compiler prepared (pipeline/compiler/sparse_p8.py m4_table); rows the short requantisation
 * does not cover are requantised in C. Elsewhere (the host, other ISAs) this file compiles to nothing. */
#include "eat/armv7em.h"
#include "eat/sparse_p8.h"

#if EAT_ARMV7EM_DSP
#include "fc_rows_dsp.h"

/* Two non-zeros from the word in W (w0, p0, w1, p1 from byte 0): both inputs by LDRSB at their positions,
 * packed as an int16 pair (PKHBT), the weights as one (SXTB16), one SMLAD: 7 instructions. */
#define EAT_P8_DSP_TWO(W)                                                     \
        "ubfx r10, " W ", #8, #8\n\t"                                         \
        "lsr r11, " W ", #24\n\t"                                             \
        "ldrsb r10, [r0, r10]\n\t"                                            \
        "ldrsb r11, [r0, r11]\n\t"                                            \
        "sxtb16 " W ", " W "\n\t"                                             \
        "pkhbt r10, r10, r11, lsl #16\n\t"                                    \
        "smlad r4, r10, " W ", r4\n\t"

#ifndef EAT_SINGLE_ROUNDING   /* TFLM's single-rounding build takes the C walk below instead */
/* Every row of one batch: the walk of its pairs (4 non-zeros per pass: two word loads, unaligned allowed
 * since rows start on even bytes, 2 x 7, CMP / BNE: 4.5 instructions per non-zero; the last n % 4 take
 * LDRSB, LDRB, LDRSB, MLA, CMP, BNE each), then its requantisation from the row's constants in the table
 * (eat/sparse_p8.h: bias, m, L, negmask, c, r; fc_armv7em.h's short form: LSL, SMMULR, AND, ADD, ADD, ASR),
 * the activation clamp and the store: ~24 instructions per row beside the non-zeros. A row whose L is 0
 * (the short form does not hold for it) leaves its accumulator in f->acc[o] for the C caller; returns how
 * many rows did.
 * Registers: r0 x, r1 walks the pairs, r2 walks the counts, r3 walks the table, r4 the sum, r5 the count,
 * r6 the row's end, r7 the end of its groups of 4, r5-r11 scratch, r12 walks the output, lr its end.
 * Stack: [sp] f, [sp+4] the rows left in acc, [sp+8] act_min, [sp+12] act_max. */
__attribute__((naked, noinline))
static int32_t eat_armv7em_sparse_p8_rows(const eat_fc_rows_dsp_frame_t *f)
{
    (void)f;
    __asm__ volatile(
        ".syntax unified\n\t"
        "push {r4-r11, lr}\n\t"
        "sub sp, #16\n\t"
        "str r0, [sp]\n\t"
        "movs r4, #0\n\t"
        "str r4, [sp, #4]\n\t"
        "ldrd r4, r5, [r0, #28]\n\t"           /* act_min, act_max */
        "strd r4, r5, [sp, #8]\n\t"
        "ldr r12, [r0, #16]\n\t"               /* out */
        "ldr lr, [r0, #24]\n\t"
        "add lr, r12, lr\n\t"                  /* out + rows */
        "ldr r1, [r0, #4]\n\t"
        "ldr r2, [r0, #8]\n\t"
        "ldr r3, [r0, #12]\n\t"
        "ldr r0, [r0, #0]\n\t"
        "cmp r12, lr\n\t"
        "beq 9f\n"
        "1:\n\t"                               /* row */
        "ldr r4, [r3], #4\n\t"
        "ldrb r5, [r2], #1\n\t"
        "add r6, r1, r5, lsl #1\n\t"
        "bic r7, r5, #3\n\t"
        "add r7, r1, r7, lsl #1\n\t"
        "cmp r1, r7\n\t"
        "beq 3f\n"
        "2:\n\t"                               /* 4 non-zeros */
        "ldr r8, [r1], #4\n\t"
        "ldr r9, [r1], #4\n\t"
        EAT_P8_DSP_TWO("r8")
        EAT_P8_DSP_TWO("r9")
        "cmp r1, r7\n\t"
        "bne 2b\n"
        "3:\n\t"
        "cmp r1, r6\n\t"
        "beq 5f\n"
        "4:\n\t"                               /* the last n % 4, one each */
        "ldrsb r8, [r1], #1\n\t"
        "ldrb r9, [r1], #1\n\t"
        "ldrsb r9, [r0, r9]\n\t"
        "mla r4, r8, r9, r4\n\t"
        "cmp r1, r6\n\t"
        "bne 4b\n"
        EAT_FC_ROW_OUT_DSP("cmp r12, lr\n\t", "16"));
}
#else
/* TFLM's single-rounding build: every row's sum in f->acc (the table's short form does not apply). */
static int32_t eat_armv7em_sparse_p8_rows(const eat_fc_rows_dsp_frame_t *f)
{
    const int8_t *s = f->data;
    int32_t o;
    for (o = 0; o < f->rows; ++o) {
        const int32_t n = f->index[o];
        f->acc[o] = eat_p8_dot(f->table[EAT_FC_ROWS_DSP_ROW_WORDS * o], f->x, s, n);
        s += 2 * n;
    }
    return f->rows;
}
#endif

size_t eat_fully_connected_s8_sparse_p8_dsp_scratch_bytes(const eat_fully_connected_s8_params_t *p)
{
    return 4u * (size_t)p->out_depth;
}

void eat_fully_connected_s8_sparse_p8_dsp(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                          const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    eat_fc_rows_dsp_run(p, w, bias, input, output, scratch, eat_armv7em_sparse_p8_rows);
}

#endif /* EAT_ARMV7EM_DSP */
