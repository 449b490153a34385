/* Cortex-M4/M7 FULLY_CONNECTED over EAT_WEIGHTS_SPARSE_D4 (eat/sparse.h, steps in input elements): every row's
 * walk, four entries per pass, its requantisation and store in one assembly routine, from the per-row table the
 * compiler prepared (pipeline/compiler/sparse_p8.py m4_table, as for p8; fc_rows_dsp.h has the output stage);
 * rows the short requantisation does not cover are requantised in C. It serves the FCs p8 does not (in_depth
 * > 256) and, with `--weights small`, those where d4's ~1.5 bytes per non-zero beat p8's 2. Elsewhere (the
 * host, other ISAs) this file compiles to nothing. */
#include "eat/armv7em.h"
#include "eat/sparse_armv7em.h"

#if EAT_ARMV7EM_DSP
#include "fc_rows_dsp.h"

#ifndef EAT_SINGLE_ROUNDING   /* TFLM's single-rounding build takes the C walk below instead */
/* Every row of one batch: with n (its count) odd, the first step byte's high nibble alone; then four entries
 * per pass: one LDRH of four steps (unaligned allowed), one LDR of four weights, each input reached by its step
 * (AND / UBFX, ADD, LDRSB; the last ADD with LSR #12), the inputs packed as (x0, x2), (x1, x3) (PKHBT), the
 * weights as (w0, w2), (w1, w3) (SXTB16, SXTB16 ROR 8), two SMLAD: 21 instructions per 4 entries with
 * CMP / BNE; then a last pair (its step byte, two LDRSB / MLA). Then the row's output (fc_rows_dsp.h).
 * Registers: r0 walks x, r1 the values, r2 the counts, r3 the table, r4 the sum, r5 the count, r6 the end of
 * the row's step bytes, r7 the end of its pairs of them, r5-r11 scratch, r12 walks the output, lr the steps.
 * Stack: [sp] f, [sp+4] the rows left in acc, [sp+8] act_min, [sp+12] act_max, [sp+16] the output's end,
 * [sp+20] x. */
__attribute__((naked, noinline))
static int32_t eat_armv7em_sparse_d4_rows(const eat_fc_rows_dsp_frame_t *f)
{
    (void)f;
    __asm__ volatile(
        ".syntax unified\n\t"
        "push {r4-r11, lr}\n\t"
        "sub sp, #24\n\t"
        "str r0, [sp]\n\t"
        "movs r4, #0\n\t"
        "str r4, [sp, #4]\n\t"
        "ldrd r4, r5, [r0, #28]\n\t"           /* act_min, act_max */
        "strd r4, r5, [sp, #8]\n\t"
        "ldr r12, [r0, #16]\n\t"               /* out */
        "ldr r4, [r0, #24]\n\t"                /* rows */
        "add r5, r12, r4\n\t"
        "str r5, [sp, #16]\n\t"
        "ldr r1, [r0, #4]\n\t"
        "ldr r2, [r0, #8]\n\t"
        "add lr, r2, r4\n\t"                   /* the step bytes follow the counts */
        "ldr r3, [r0, #12]\n\t"
        "ldr r0, [r0, #0]\n\t"
        "str r0, [sp, #20]\n\t"
        "cmp r4, #0\n\t"
        "beq 9f\n"
        "1:\n\t"                               /* row */
        "ldr r0, [sp, #20]\n\t"
        "ldr r4, [r3], #4\n\t"
        "ldrb r5, [r2], #1\n\t"
        "lsrs r5, r5, #1\n\t"                  /* the whole step bytes; carry: n odd */
        "bcc 2f\n\t"
        "ldrb r8, [lr], #1\n\t"                /* the first byte's high nibble alone */
        "add r0, r0, r8, lsr #4\n\t"
        "ldrsb r8, [r0]\n\t"
        "ldrsb r9, [r1], #1\n\t"
        "mla r4, r8, r9, r4\n"
        "2:\n\t"
        "add r6, lr, r5\n\t"
        "bic r7, r5, #1\n\t"
        "add r7, lr, r7\n\t"
        "cmp lr, r7\n\t"
        "beq 4f\n"
        "3:\n\t"                               /* 4 entries */
        "ldrh r8, [lr], #2\n\t"
        "ldr r9, [r1], #4\n\t"
        "and r10, r8, #15\n\t"
        "add r0, r0, r10\n\t"
        "ldrsb r10, [r0]\n\t"                  /* x0 */
        "ubfx r11, r8, #4, #4\n\t"
        "add r0, r0, r11\n\t"
        "ldrsb r11, [r0]\n\t"                  /* x1 */
        "ubfx r5, r8, #8, #4\n\t"
        "add r0, r0, r5\n\t"
        "ldrsb r5, [r0]\n\t"                   /* x2 */
        "add r0, r0, r8, lsr #12\n\t"
        "ldrsb r8, [r0]\n\t"                   /* x3 */
        "pkhbt r10, r10, r5, lsl #16\n\t"
        "pkhbt r11, r11, r8, lsl #16\n\t"
        "sxtb16 r5, r9\n\t"                    /* w0, w2 */
        "sxtb16 r9, r9, ror #8\n\t"            /* w1, w3 */
        "smlad r4, r10, r5, r4\n\t"
        "smlad r4, r11, r9, r4\n\t"
        "cmp lr, r7\n\t"
        "bne 3b\n"
        "4:\n\t"
        "cmp lr, r6\n\t"
        "beq 5f\n\t"
        "ldrb r8, [lr], #1\n\t"                /* a last pair */
        "and r10, r8, #15\n\t"
        "add r0, r0, r10\n\t"
        "ldrsb r10, [r0]\n\t"
        "add r0, r0, r8, lsr #4\n\t"
        "ldrsb r11, [r0]\n\t"
        "ldrsb r9, [r1], #1\n\t"
        "mla r4, r10, r9, r4\n\t"
        "ldrsb r9, [r1], #1\n\t"
        "mla r4, r11, r9, r4\n"
        EAT_FC_ROW_OUT_DSP("ldr r5, [sp, #16]\n\tcmp r12, r5\n\t", "24"));
}
#else
/* TFLM's single-rounding build: every row's sum in f->acc (the table's short form does not apply). */
static int32_t eat_armv7em_sparse_d4_rows(const eat_fc_rows_dsp_frame_t *f)
{
    const int8_t *v = f->data;
    const uint8_t *s = f->index + f->rows;
    int32_t o;
    for (o = 0; o < f->rows; ++o) {
        f->acc[o] = eat_sparse_d4_dot(f->table[EAT_FC_ROWS_DSP_ROW_WORDS * o], f->x, f->index[o], &v, &s, 1);
    }
    return f->rows;
}
#endif

/* `bias`: EAT_FC_ROWS_DSP_ROW_WORDS int32 per row (sparse_p8.py m4_table). Scratch 4 * out_depth bytes (the
 * accumulators of the rows the short requantisation does not cover). */
size_t eat_fully_connected_s8_sparse_d4_dsp_scratch_bytes(const eat_fully_connected_s8_params_t *p)
{
    return 4u * (size_t)p->out_depth;
}

void eat_fully_connected_s8_sparse_d4_dsp(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                          const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    eat_fc_rows_dsp_run(p, w, bias, input, output, scratch, eat_armv7em_sparse_d4_rows);
}

#endif /* EAT_ARMV7EM_DSP */
