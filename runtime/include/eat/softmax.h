/* SOFTMAX, int8 in, int8 out (TFLM reference_ops::Softmax, gemmlowp fixed-point exp). */
#ifndef EAT_SOFTMAX_H
#define EAT_SOFTMAX_H

#include "eat/common.h"

typedef struct {
    int32_t outer, depth;
    int32_t input_multiplier, input_left_shift;   /* beta * input_scale in Q(31-5) */
    int32_t diff_min;
} eat_softmax_s8_params_t;

void eat_softmax_s8(const eat_softmax_s8_params_t *p, const int8_t *input, int8_t *output);

#endif
