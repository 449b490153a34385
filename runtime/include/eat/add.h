/* ADD, int8 (TFLM reference integer add), with numpy-style broadcast over up to 6 dims. */
#ifndef EAT_ADD_H
#define EAT_ADD_H

#include "eat/common.h"

typedef struct {
    int32_t size;                                  /* output elements */
    int32_t input1_offset, input2_offset, output_offset, left_shift;
    int32_t input1_multiplier, input1_shift;
    int32_t input2_multiplier, input2_shift;
    int32_t output_multiplier, output_shift;
    int32_t act_min, act_max;
    /* broadcast == 0: both inputs have `size` elements. Otherwise dims are the output's (padded
     * to ndims with leading 1s) and strides index each input (0 along a broadcast dim). */
    int32_t broadcast, ndims;
    int32_t dims[EAT_MAX_DIMS];
    int32_t stride1[EAT_MAX_DIMS], stride2[EAT_MAX_DIMS];
} eat_add_s8_params_t;

void eat_add_s8(const eat_add_s8_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output);
/* ARMv7E-M DSP (runtime/src/armv7em/add_s8_dsp.c): the inputs' rescalings tabulated per call, the short
 * output requantisation 4 elements at a time; other cases call eat_add_s8. */
void eat_add_s8_dsp(const eat_add_s8_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output);

#endif
