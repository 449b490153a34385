/* SOFTMAX, int8 in, int8 out (TFLM reference_ops::Softmax, gemmlowp fixed-point exp tabulated). */
#ifndef EAT_SOFTMAX_H
#define EAT_SOFTMAX_H

#include "eat/common.h"

typedef struct {
    int32_t outer, depth;
    int32_t input_multiplier, input_left_shift;   /* beta * input_scale in Q(31-5) */
    int32_t diff_min;
} eat_softmax_s8_params_t;

/* exp_table[k] is gemmlowp's exp_on_negative_values of the rescaled difference -k (Q0.31) for
 * k = 0 .. eat_softmax_s8_table_len(p) - 1, what TFLM computes per element; differences below
 * diff_min are past the table's end (exp 0). */
void eat_softmax_s8(const eat_softmax_s8_params_t *p, const int32_t *exp_table,
                    const int8_t *input, int8_t *output);

static inline int32_t eat_softmax_s8_table_len(const eat_softmax_s8_params_t *p)
{
    return p->diff_min <= -255 ? 256 : 1 - p->diff_min;
}

#endif
