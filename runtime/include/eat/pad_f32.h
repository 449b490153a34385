/* PAD / PADV2, float32: constant padding (0.0f, or PADV2's constant). */
#ifndef EAT_PAD_F32_H
#define EAT_PAD_F32_H

#include "eat/common_f32.h"

#define EAT_PAD_F32_MAX_DIMS 6

typedef struct {
    int32_t ndims;
    int32_t in_dims[EAT_PAD_F32_MAX_DIMS];
    int32_t out_dims[EAT_PAD_F32_MAX_DIMS];
    int32_t before[EAT_PAD_F32_MAX_DIMS];
    float pad_value;
} eat_pad_f32_params_t;

void eat_pad_f32(const eat_pad_f32_params_t *p, const float *input, float *output);

#endif
