/* DEPTHWISE_CONV_2D, int8 NHWC activations, int8 weights [1][k_h][k_w][out_c], per-channel. */
#ifndef EAT_DEPTHWISE_CONV_H
#define EAT_DEPTHWISE_CONV_H

#include "eat/common.h"

typedef struct {
    int32_t batches;
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;     /* out_c == in_c * depth_multiplier */
    int32_t k_h, k_w, depth_multiplier;
    int32_t stride_h, stride_w, dilation_h, dilation_w, pad_h, pad_w;
    int32_t input_offset, output_offset;
    const int32_t *multiplier;       /* [out_c] */
    const int32_t *shift;            /* [out_c] */
    int32_t act_min, act_max;
} eat_depthwise_conv2d_s8_params_t;

size_t eat_depthwise_conv2d_s8_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p);
void eat_depthwise_conv2d_s8(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                             const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* Variants chosen by the compiler's registry: bias with input_offset * sum(weights) folded in. */
size_t eat_depthwise_conv2d_s8_folded_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p);  /* 4 * out_c */
void eat_depthwise_conv2d_s8_folded(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                    const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);
/* ARMv7E-M DSP (runtime/src/armv7em/), depth multiplier 1. */
size_t eat_depthwise_conv2d_s8_dsp_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p);     /* 0 */
void eat_depthwise_conv2d_s8_dsp(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                 const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);
/* ARMv7E-M DSP, depth multiplier 1, out_c % 4 == 0, k_h * k_w <= EAT_DW16_MAX_TAPS: int16 weights
 * (layout dw_c4_taps_w16), scratch for the requantisation constants, a zero-point row and one pixel's
 * int32 accumulators. */
#define EAT_DW16_MAX_TAPS 25
size_t eat_depthwise_conv2d_s8_dsp16_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p);   /* 29 * out_c */
void eat_depthwise_conv2d_s8_dsp16(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                   const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

#endif
