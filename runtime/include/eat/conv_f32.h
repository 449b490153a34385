/* CONV_2D and DEPTHWISE_CONV_2D, float32 NHWC activations; weights OHWI (conv) and
 * [1][k_h][k_w][out_c] (depthwise), optional float32 bias. */
#ifndef EAT_CONV_F32_H
#define EAT_CONV_F32_H

#include "eat/common_f32.h"

typedef struct {
    int32_t batches;
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w;
    int32_t filter_in_c;             /* conv: < in_c for a grouped convolution; depthwise: unused */
    int32_t depth_multiplier;        /* depthwise: out_c / in_c; conv: unused */
    int32_t stride_h, stride_w, dilation_h, dilation_w, pad_h, pad_w;
    float act_min, act_max;
} eat_conv2d_f32_params_t;

void eat_conv2d_f32(const eat_conv2d_f32_params_t *p, const float *weights, const float *bias,
                    const float *input, float *output);
void eat_depthwise_conv2d_f32(const eat_conv2d_f32_params_t *p, const float *weights, const float *bias,
                              const float *input, float *output);

#endif
