/* CONV_2D, int8 NHWC activations, int8 OHWI weights with per-channel quantization. */
#ifndef EAT_CONV_H
#define EAT_CONV_H

#include "eat/common.h"

typedef struct {
    int32_t batches;
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w, filter_in_c;   /* filter_in_c < in_c: grouped convolution */
    int32_t stride_h, stride_w, dilation_h, dilation_w, pad_h, pad_w;
    int32_t input_offset, output_offset;
    const int32_t *multiplier;       /* [out_c] */
    const int32_t *shift;            /* [out_c] */
    int32_t act_min, act_max;
    /* 2: a 2x2 stride-2 MAX_POOL_2D (VALID) fused after the conv by the compiler (compiler/fuse_pool.py), output
     * [out_h / 2][out_w / 2]: the max of each window's accumulators, then the requantisation (exact: both are
     * monotonic). Only the kernels the compiler names for it read it (eat_conv2d_s8_c1_armv6m, the M0+ plane
     * walks); 0 for every other op. */
    int32_t pool;
} eat_conv2d_s8_params_t;

/* The conv outputs a fused pool's windows cover (`pool`: eat_conv2d_s8_params_t.pool): out_h and out_w rounded
 * down to even in place when pooled (a VALID pool leaves a last odd row or column out). */
static inline void eat_conv2d_s8_pool_grid(int32_t pool, int32_t *out_h, int32_t *out_w)
{
    if (pool) {
        *out_h &= ~1;
        *out_w &= ~1;
    }
}

size_t eat_conv2d_s8_scratch_bytes(const eat_conv2d_s8_params_t *p);   /* reference: 0 */
void eat_conv2d_s8(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                   const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* Variants chosen by the compiler's registry (pipeline/compiler/kernels_registry.py). Each gets a bias
 * with input_offset * sum(weights of the channel) folded in (so padding reads the input zero point),
 * and the weights in the layout the registry names. Same arguments as eat_conv2d_s8. */
size_t eat_conv2d_s8_folded_scratch_bytes(const eat_conv2d_s8_params_t *p);      /* 0 */
void eat_conv2d_s8_folded(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                          const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);
/* 1x1, no padding, not grouped: reads 2 pixels in place before writing them (pixel_block 2). */
size_t eat_conv2d_1x1_s8_folded_scratch_bytes(const eat_conv2d_s8_params_t *p);  /* 0 */
void eat_conv2d_1x1_s8_folded(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                              const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);
/* ARMv7E-M DSP (runtime/src/armv7em/): weights with bytes 1, 2 of each 4-byte group swapped. */
size_t eat_conv2d_s8_dsp_scratch_bytes(const eat_conv2d_s8_params_t *p);   /* 4 * k_h * k_w * in_c */
void eat_conv2d_s8_dsp(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                       const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);
/* ARMv7E-M DSP: int16 weights (layout oc4_k2_w16), 4 output channels x 2 pixels per step; scratch for
 * the requantisation constants and 2 pixels' int16 columns. */
size_t eat_conv2d_s8_dsp16_scratch_bytes(const eat_conv2d_s8_params_t *p);   /* 24 * out_c + 4 * K4 */
void eat_conv2d_s8_dsp16(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                         const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

#endif
