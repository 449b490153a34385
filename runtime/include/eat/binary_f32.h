/* ADD and MUL, float32, with numpy-style broadcast over up to 6 dims (as TFLM's
 * BroadcastAdd6DSlow / BroadcastMul6DSlow), then the fused activation. */
#ifndef EAT_BINARY_F32_H
#define EAT_BINARY_F32_H

#include "eat/common.h"
#include "eat/common_f32.h"

typedef struct {
    int32_t size;                    /* output elements */
    float act_min, act_max;
    /* broadcast == 0: both inputs have `size` elements. Otherwise dims are the output's (padded
     * to ndims with leading 1s) and strides index each input (0 along a broadcast dim). */
    int32_t broadcast, ndims;
    int32_t dims[EAT_MAX_DIMS];
    int32_t stride1[EAT_MAX_DIMS], stride2[EAT_MAX_DIMS];
} eat_binary_f32_params_t;

void eat_add_f32(const eat_binary_f32_params_t *p, const float *input1, const float *input2, float *output);
void eat_mul_f32(const eat_binary_f32_params_t *p, const float *input1, const float *input2, float *output);

#endif
