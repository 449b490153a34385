/* MEAN, int8 (TFLM reference QuantizedMeanOrSum, integer form): sum the reduced axes, subtract
 * input_zp * N, multiply by QuantizeMultiplier(in_scale / out_scale) with 1/N folded in
 * (multiplier = (m << k) / N, shift -= k, k = min(floor(log2 N), 32, 31 + shift)), add out_zp.
 * The reduced axes are contiguous: the input is viewed as [outer][reduce][inner]. */
#ifndef EAT_MEAN_H
#define EAT_MEAN_H

#include "eat/common.h"

typedef struct {
    int32_t outer, reduce, inner;
    int32_t input_offset;          /* -input_zp * reduce, added to every sum */
    int32_t output_offset;         /* output zero point */
    int32_t multiplier, shift;     /* 1/N folded in */
} eat_mean_s8_params_t;

void eat_mean_s8(const eat_mean_s8_params_t *p, const int8_t *input, int8_t *output);

#endif
