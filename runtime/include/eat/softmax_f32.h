/* SOFTMAX float32 over the last dimension (TFLM reference_ops::Softmax, float). */
#ifndef EAT_SOFTMAX_F32_H
#define EAT_SOFTMAX_F32_H

#include "eat/common_f32.h"

typedef struct {
    int32_t outer, depth;
    float beta;
} eat_softmax_f32_params_t;

void eat_softmax_f32(const eat_softmax_f32_params_t *p, const float *input, float *output);

#endif
