/* MAX_POOL_2D and AVERAGE_POOL_2D, int8 NHWC (input and output share quantization). */
#ifndef EAT_POOLING_H
#define EAT_POOLING_H

#include "eat/common.h"

typedef struct {
    int32_t batches, in_h, in_w, channels, out_h, out_w;
    int32_t k_h, k_w, stride_h, stride_w, pad_h, pad_w;
    int32_t act_min, act_max;
} eat_pool2d_s8_params_t;

void eat_max_pool2d_s8(const eat_pool2d_s8_params_t *p, const int8_t *input, int8_t *output);
void eat_avg_pool2d_s8(const eat_pool2d_s8_params_t *p, const int8_t *input, int8_t *output);
/* ARMv7E-M DSP (runtime/src/armv7em/pooling_s8_dsp.c): four channels per word, any window; the max by SSUB8 +
 * SEL per tap, the average's sums by SXTAB16 in int16 lanes (windows of up to 256 taps); the last channels % 4
 * byte by byte. */
void eat_max_pool2d_s8_dsp(const eat_pool2d_s8_params_t *p, const int8_t *input, int8_t *output);
void eat_avg_pool2d_s8_dsp(const eat_pool2d_s8_params_t *p, const int8_t *input, int8_t *output);

#endif
