/* Elementwise float32 activations (TFLM float reference kernels): RELU, RELU6, RELU_N1_TO_1,
 * LEAKY_RELU, HARD_SWISH, LOGISTIC, TANH. LOGISTIC and TANH call libm (see unary_f32.c). */
#ifndef EAT_UNARY_F32_H
#define EAT_UNARY_F32_H

#include "eat/common_f32.h"

typedef enum {
    EAT_UNARY_RELU = 0,
    EAT_UNARY_RELU6 = 1,
    EAT_UNARY_RELU_N1_TO_1 = 2,
    EAT_UNARY_LEAKY_RELU = 3,
    EAT_UNARY_HARD_SWISH = 4,
    EAT_UNARY_LOGISTIC = 5,
    EAT_UNARY_TANH = 6
} eat_unary_f32_kind_t;

typedef struct {
    int32_t size;
    eat_unary_f32_kind_t kind;
    float alpha;                     /* LEAKY_RELU only */
} eat_unary_f32_params_t;

/* In place is allowed (input == output). */
void eat_unary_f32(const eat_unary_f32_params_t *p, const float *input, float *output);

#endif
