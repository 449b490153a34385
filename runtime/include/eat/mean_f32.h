/* MEAN float32 over contiguous axes: the input viewed as [outer][reduce][inner]. */
#ifndef EAT_MEAN_F32_H
#define EAT_MEAN_F32_H

#include "eat/common_f32.h"

typedef struct {
    int32_t outer, reduce, inner;
    float count;                   /* number of elements averaged, as float */
} eat_mean_f32_params_t;

void eat_mean_f32(const eat_mean_f32_params_t *p, const float *input, float *output);

#endif
