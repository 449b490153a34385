/* PAD / PADV2, int8: constant padding (the output zero point, or PADV2's constant). */
#ifndef EAT_PAD_H
#define EAT_PAD_H

#include "eat/common.h"

#define EAT_PAD_MAX_DIMS 6

typedef struct {
    int32_t ndims;                       /* dims padded with leading 1s to ndims */
    int32_t in_dims[EAT_PAD_MAX_DIMS];
    int32_t out_dims[EAT_PAD_MAX_DIMS];
    int32_t before[EAT_PAD_MAX_DIMS];    /* padding before each dimension */
    int32_t pad_value;
} eat_pad_s8_params_t;

void eat_pad_s8(const eat_pad_s8_params_t *p, const int8_t *input, int8_t *output);

#endif
