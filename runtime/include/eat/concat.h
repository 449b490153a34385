/* CONCATENATION, int8. TFLM's int8 concatenation is a plain copy: its Prepare rejects inputs whose
 * scale or zero point differ from the output's, so there is nothing to requantize. */
#ifndef EAT_CONCAT_H
#define EAT_CONCAT_H

#include "eat/common.h"

#define EAT_CONCAT_MAX_INPUTS 10   /* TFLM's kMaxInputNum */

typedef struct {
    int32_t num_inputs;
    int32_t outer;                              /* product of the dims before the axis */
    int32_t copy_size[EAT_CONCAT_MAX_INPUTS];   /* per input: its dims from the axis on, multiplied */
} eat_concat_s8_params_t;

void eat_concat_s8(const eat_concat_s8_params_t *p, const int8_t *const inputs[], int8_t *output);

#endif
