/* CONCATENATION, float32: a copy of the inputs' rows along the axis. */
#ifndef EAT_CONCAT_F32_H
#define EAT_CONCAT_F32_H

#include "eat/common_f32.h"

#define EAT_CONCAT_F32_MAX_INPUTS 10   /* TFLM's kMaxInputNum */

typedef struct {
    int32_t num_inputs;
    int32_t outer;                                  /* product of the dims before the axis */
    int32_t copy_size[EAT_CONCAT_F32_MAX_INPUTS];   /* per input: its dims from the axis on, multiplied */
} eat_concat_f32_params_t;

void eat_concat_f32(const eat_concat_f32_params_t *p, const float *const inputs[], float *output);

#endif
