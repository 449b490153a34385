/* RV32IMC zero-skipping kernels (runtime/src/rv32/depthwise_conv2d_sparse_rv32.c) over EAT_WEIGHTS_SPARSE_D4 (eat/sparse.h)
 * with steps in kernel taps (layout "d4_taps": fy * k_w + fx), chosen by the registry for core "rv32imc"
 * (pipeline/compiler/kernels_sparse.py). The bias array is the compiler's: bias + input_offset * sum(w[oc])
 * (so the kernels multiply raw int8 inputs), then lo[oc], hi[oc] (accumulators below lo give act_min,
 * above hi act_max: pipeline/compiler/clamp_bounds.py). Plain C99: also builds on the host. */
#ifndef EAT_SPARSE_RV32_H
#define EAT_SPARSE_RV32_H

#include "eat/conv.h"
#include "eat/depthwise_conv.h"
#include "eat/sparse_2of4.h"

#ifdef __cplusplus
extern "C" {
#endif

/* DEPTHWISE_CONV_2D (any kernel, stride, dilation, padding, depth multiplier): channel outer over the
 * channel's input plane copied with its padding (the input zero point), its non-zeros decoded once. */
size_t eat_depthwise_conv2d_s8_sparse_rv32_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p);
void eat_depthwise_conv2d_s8_sparse_rv32(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                         const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* The same walk over EAT_WEIGHTS_SPARSE_2OF4_DW records (eat/sparse_2of4.h), each channel's decoded once;
 * k_h * k_w <= EAT_RV32_2OF4_DW_MAX_TAPS; same bias and scratch. */
#define EAT_RV32_2OF4_DW_MAX_TAPS EAT_SPARSE_PLANE_MAX_TAPS
size_t eat_depthwise_conv2d_s8_sparse_2of4_rv32_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p);
void eat_depthwise_conv2d_s8_sparse_2of4_rv32(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                              const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* CONV_2D with in_c == 1: the same plane walk with depth multiplier out_c (eat_sparse_conv_as_depthwise);
 * same bias and scratch. */
size_t eat_conv2d_s8_sparse_plane_rv32_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_sparse_plane_rv32(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                     const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* CONV_2D, not grouped (any kernel, stride, dilation, padding) over d4 steps in im2col positions ((fy * k_w + fx)
 * * in_c + ic): each filter's non-zeros walked once per block of 8 output pixels, gathered transposed as
 * x + 128. `bias`: bias + (input_offset - 128) * sum(w[oc]), then lo[oc], hi[oc], then 1 when every channel's
 * |bias| + 255 sum|w| < 2^29 (the short requantisation may serve), else 0. Scratch: the block's fields
 * (8 * k_h * k_w * in_c bytes, rounded up to a word), then every channel's eat_rq_t. */
size_t eat_conv2d_s8_sparse_b8_rv32_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_sparse_b8_rv32(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w, const int32_t *bias,
                                  const int8_t *input, int8_t *output, void *scratch);
/* The same walk over blocks of 4 output pixels (layers of fewer than 8; scratch 4 * k_h * k_w * in_c bytes rounded
 * up to a word, then every channel's eat_rq_t). */
size_t eat_conv2d_s8_sparse_b4_rv32_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_sparse_b4_rv32(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w, const int32_t *bias,
                                  const int8_t *input, int8_t *output, void *scratch);

#ifdef __cplusplus
}
#endif

#endif /* EAT_SPARSE_RV32_H */
