/* MAX_POOL_2D and AVERAGE_POOL_2D, float32 NHWC. */
#ifndef EAT_POOLING_F32_H
#define EAT_POOLING_F32_H

#include "eat/common_f32.h"

typedef struct {
    int32_t batches, in_h, in_w, channels, out_h, out_w;
    int32_t k_h, k_w, stride_h, stride_w, pad_h, pad_w;
    float act_min, act_max;
} eat_pool2d_f32_params_t;

void eat_max_pool2d_f32(const eat_pool2d_f32_params_t *p, const float *input, float *output);
void eat_avg_pool2d_f32(const eat_pool2d_f32_params_t *p, const float *input, float *output);

#endif
