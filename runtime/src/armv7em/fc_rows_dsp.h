/* What the ARMv7E-M sparse FULLY_CONNECTED row walks share (p8: fully_connected_sparse_p8_dsp.c, d4:
 * fully_connected_sparse_d4_dsp.c): the frame their assembly reads, each row's output stage from the table of
 * per-row constants the compiler prepared (pipeline/compiler/sparse_p8.py m4_table: the folded bias, then
 * fc_armv7em.h's short requantisation m, L, negmask, c, r), and the C pass over the rows the short form does
 * not cover (L = 0). Included by those files inside `#if EAT_ARMV7EM_DSP` blocks. */
#ifndef EAT_FC_ROWS_DSP_H
#define EAT_FC_ROWS_DSP_H

#include <stddef.h>

#include "eat/fully_connected.h"

#define EAT_FC_ROWS_DSP_ROW_WORDS 6   /* EAT_P8_DSP_ROW_WORDS, sparse_p8.py M4_ROW_WORDS */

/* What a walk reads (offsets: the assembly's). */
typedef struct {
    const int8_t *x;           /* 0 */
    const int8_t *data;        /* 4: p8 the pairs, d4 the values */
    const uint8_t *index;      /* 8: p8 the counts, d4 the counts then the step bytes */
    const int32_t *table;      /* 12: EAT_FC_ROWS_DSP_ROW_WORDS per row */
    int8_t *out;               /* 16 */
    int32_t *acc;              /* 20 */
    int32_t rows;              /* 24 */
    int32_t act_min, act_max;  /* 28, 32 */
} eat_fc_rows_dsp_frame_t;
typedef char eat_fc_rows_dsp_frame_offsets_t[offsetof(eat_fc_rows_dsp_frame_t, act_max) == 32 ? 1 : -1];

/* A row's output, in the walk's assembly once r4 holds its sum and r3 points at its table's m: the short
 * requantisation (LSL, SMMULR, AND, ADD, ADD, ASR), the activation clamp ([sp+8] act_min, [sp+12] act_max) and
 * the store at r12; a row whose L is 0 leaves its sum in f->acc[o] ([sp] f) and counts itself in [sp+4]. Then
 * the next row (label 1) unless END (compares r12 with the end of the output, flags for BNE) says it was the last;
 * label 9 pops the FRAME bytes of the walk's stack and returns [sp+4]. r5-r11 are scratch. */
#define EAT_FC_ROW_OUT_DSP(END, FRAME)                                        \
        "5:\n\t"                                                              \
        "ldm r3!, {r5-r9}\n\t"                 /* m, L, negmask, c, r */      \
        "cbz r6, 6f\n\t"                                                      \
        "lsl r10, r4, r6\n\t"                                                 \
        "smmulr r10, r10, r5\n\t"                                             \
        "and r11, r7, r10, asr #31\n\t"                                       \
        "add r10, r10, r11\n\t"                                               \
        "add r10, r10, r8\n\t"                                                \
        "asr r10, r10, r9\n\t"                                                \
        "ldrd r5, r6, [sp, #8]\n\t"                                           \
        "cmp r10, r5\n\t"                                                     \
        "it lt\n\t"                                                           \
        "movlt r10, r5\n\t"                                                   \
        "cmp r10, r6\n\t"                                                     \
        "it gt\n\t"                                                           \
        "movgt r10, r6\n\t"                                                   \
        "strb r10, [r12], #1\n\t"                                             \
        END                                                                   \
        "bne 1b\n\t"                                                          \
        "b 9f\n"                                                              \
        "6:\n\t"                               /* the general form: acc[o] for the caller */ \
        "ldr r5, [sp]\n\t"                                                    \
        "ldr r6, [r5, #16]\n\t"                                               \
        "ldr r7, [r5, #20]\n\t"                                               \
        "sub r6, r12, r6\n\t"                                                 \
        "str r4, [r7, r6, lsl #2]\n\t"                                        \
        "ldr r5, [sp, #4]\n\t"                                                \
        "adds r5, r5, #1\n\t"                                                 \
        "str r5, [sp, #4]\n\t"                                                \
        "add r12, r12, #1\n\t"                                                \
        END                                                                   \
        "bne 1b\n"                                                            \
        "9:\n\t"                                                              \
        "ldr r0, [sp, #4]\n\t"                                                \
        "add sp, #" FRAME "\n\t"                                              \
        "pop {r4-r11, pc}\n\t"

/* The rows whose table L is 0 (every row when `all`: TFLM's single-rounding build), from their sums in acc. */
static inline void eat_fc_rows_dsp_general(const eat_fully_connected_s8_params_t *p, const int32_t *table,
                                           const int32_t *acc, int8_t *out, int all)
{
    const int32_t *pm = p->per_channel_multiplier, *ps = p->per_channel_shift;
    int32_t o;
    for (o = 0; o < p->out_depth; ++o) {
        if (!all && table[EAT_FC_ROWS_DSP_ROW_WORDS * o + 2] != 0) {
            continue;
        }
        out[o] = (int8_t)eat_clamp_i32(eat_mbqm(acc[o], pm ? pm[o] : p->output_multiplier,
                                                ps ? ps[o] : p->output_shift) + p->output_offset,
                                       p->act_min, p->act_max);
    }
}

/* Every batch: f's rows walked by `rows` (the assembly; under EAT_SINGLE_ROUNDING, TFLM's single-rounding build,
 * a C walk that leaves every row's sum in f->acc and returns out_depth), then the general requantisation of the
 * rows it left in acc. `bias`: the table; scratch: 4 * out_depth bytes. */
static inline void eat_fc_rows_dsp_run(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                       const int32_t *bias, const int8_t *input, int8_t *output, void *scratch,
                                       int32_t (*rows)(const eat_fc_rows_dsp_frame_t *))
{
    eat_fc_rows_dsp_frame_t f;
    int32_t b;
#ifdef EAT_SINGLE_ROUNDING
    const int all = 1;   /* the table's short form does not apply */
#else
    const int all = 0;
#endif
    f.data = w->data;
    f.index = (const uint8_t *)w->index;
    f.table = bias;
    f.acc = (int32_t *)scratch;
    f.rows = p->out_depth;
    f.act_min = p->act_min;
    f.act_max = p->act_max;
    for (b = 0; b < p->batches; ++b) {
        f.x = input + b * p->in_depth;
        f.out = output + b * p->out_depth;
        if (rows(&f) != 0) {
            eat_fc_rows_dsp_general(p, bias, f.acc, f.out, all);
        }
    }
}

#endif /* EAT_FC_ROWS_DSP_H */
