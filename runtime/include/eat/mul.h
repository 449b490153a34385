/* MUL, int8 (TFLM reference integer mul), with numpy-style broadcast over up to 6 dims. */
#ifndef EAT_MUL_H
#define EAT_MUL_H

#include "eat/common.h"

typedef struct {
    int32_t size;                                  /* output elements */
    int32_t input1_offset, input2_offset, output_offset;
    int32_t output_multiplier, output_shift;       /* in1_scale * in2_scale / out_scale */
    int32_t act_min, act_max;
    int32_t broadcast, ndims;                      /* as in eat_add_s8_params_t */
    int32_t dims[EAT_MAX_DIMS];
    int32_t stride1[EAT_MAX_DIMS], stride2[EAT_MAX_DIMS];
} eat_mul_s8_params_t;

void eat_mul_s8(const eat_mul_s8_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output);

#endif
