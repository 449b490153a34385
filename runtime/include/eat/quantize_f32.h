/* QUANTIZE float32 -> int8 and DEQUANTIZE int8 -> float32 (per-tensor). */
#ifndef EAT_QUANTIZE_F32_H
#define EAT_QUANTIZE_F32_H

#include "eat/common_f32.h"

typedef struct {
    int32_t size;
    float scale;
    int32_t zero_point;
} eat_quantize_f32_params_t;

void eat_quantize_f32_s8(const eat_quantize_f32_params_t *p, const float *input, int8_t *output);
void eat_dequantize_s8_f32(const eat_quantize_f32_params_t *p, const int8_t *input, float *output);

#endif
