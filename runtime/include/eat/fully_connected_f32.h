/* FULLY_CONNECTED, float32 activations and weights ([out][in]), optional float32 bias. */
#ifndef EAT_FULLY_CONNECTED_F32_H
#define EAT_FULLY_CONNECTED_F32_H

#include "eat/common_f32.h"

typedef struct {
    int32_t batches, in_depth, out_depth;
    float act_min, act_max;          /* the fused activation as a clamp */
} eat_fully_connected_f32_params_t;

void eat_fully_connected_f32(const eat_fully_connected_f32_params_t *p, const float *weights,
                             const float *bias, const float *input, float *output);

#endif
