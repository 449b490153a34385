/* RV32IMC kernel variants (runtime/src/rv32/): the reference kernels' signatures and parameters,
 * inner loops shaped for a core without SIMD (one `lb` per int8, `mul` + `add` per MAC, 31 registers).
 * Plain C99, so they also build (and are tested) on the host; the compiler's registry picks them for
 * core "rv32imc" (pipeline/compiler/kernels_rv32.py). All take the bias with input_offset * sum(w)
 * folded in at compile time, so they sum raw int8 products; padding taps read the input zero point. */
#ifndef EAT_RV32_H
#define EAT_RV32_H

#include "eat/conv.h"
#include "eat/depthwise_conv.h"
#include "eat/fully_connected.h"
#include "eat/pooling.h"

#ifdef __cplusplus
extern "C" {
#endif

/* acc[j] += x0 . f_j and acc[4 + j] += x1 . f_j over n int8, filters f_j = f + j * stride (j < 4). */
void eat_rv32_dot_2x4(const int8_t *x0, const int8_t *x1, const int8_t *f, int32_t stride, int32_t n,
                      int32_t acc[8]);
/* acc[0] += x0 . f and acc[1] += x1 . f over n int8. */
void eat_rv32_dot_2x1(const int8_t *x0, const int8_t *x1, const int8_t *f, int32_t n, int32_t acc[2]);
/* acc[j] += x . f_j over n int8, f_j = f + j * stride (j < 4). */
void eat_rv32_dot_1x4(const int8_t *x, const int8_t *f, int32_t stride, int32_t n, int32_t acc[4]);

/* CONV_2D, not grouped: 2 pixels x 4 output channels per pass; 1x1 unpadded convolutions read the
 * input in place, others gather both pixels' windows (zero point in the padding) into scratch. */
size_t eat_conv2d_s8_rv32_scratch_bytes(const eat_conv2d_s8_params_t *p);   /* 0 (1x1) or 2 * k_h*k_w*in_c */
void eat_conv2d_s8_rv32(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w, const int32_t *bias,
                        const int8_t *input, int8_t *output, void *scratch);

/* DEPTHWISE_CONV_2D, depth multiplier 1: per pixel a table of tap pointers (padding taps point at a
 * row of zero points), then 4 channels per pass over the taps with the accumulators in registers. */
size_t eat_depthwise_conv2d_s8_rv32_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p);
void eat_depthwise_conv2d_s8_rv32(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                  const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* FULLY_CONNECTED (filter offset 0): 4 rows per pass, 4 inputs per unrolled step. */
size_t eat_fully_connected_s8_rv32_scratch_bytes(const eat_fully_connected_s8_params_t *p);   /* 0 */
void eat_fully_connected_s8_rv32(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                 const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* MAX_POOL_2D: the window worked out once per pixel, a pointer per tap over the channels, 2x2 straight-line. */
void eat_max_pool2d_s8_rv32(const eat_pool2d_s8_params_t *p, const int8_t *input, int8_t *output);

#ifdef __cplusplus
}
#endif

#endif /* EAT_RV32_H */
