/* Cortex-M0+ (ARMv6-M) zero-skipping kernels over EAT_WEIGHTS_SPARSE_D4 (eat/sparse.h): the same
 * parameters and encoding as the portable sparse kernels, with a hand-scheduled Thumb-1 walk of the
 * step bytes (runtime/src/armv6m/sparse_d4_armv6m.c) and eat/armv6m.h's exact requantisation instead
 * of the 64-bit eat_mbqm. Built only when __ARM_ARCH_6M__ is defined; the compiler's registry
 * (pipeline/compiler/kernels_sparse.py) picks them for core "cortex-m0plus". DEPTHWISE_CONV_2D (and
 * CONV_2D with one input channel) walk channel outer over a padded input plane
 * (depthwise_conv2d_sparse_armv6m.c). */
#ifndef EAT_SPARSE_ARMV6M_H
#define EAT_SPARSE_ARMV6M_H

#include "eat/armv6m.h"
#include "eat/sparse.h"

#ifdef __cplusplus
extern "C" {
#endif

/* acc + sum over a channel's n entries of v[k] * x[offset_k] (steps in input elements, unit 1);
 * the caller advances v by n and the step bytes by eat_sparse_d4_bytes(n). */
int32_t eat_armv6m_sparse_d4_dot(int32_t acc, const int8_t *x, const int8_t *v, const uint8_t *nib,
                                 uint32_t n);

/* The block walks' output stage: eat_armv6m_block_out (eat/armv6m.h; the dense swar conv shares it). */

/* Which output stage a block walk layer takes, decided by the compiler (ops/sparse_call.py block_out_mode)
 * and passed as the word after the rq table: eat_armv6m_block_out (every lo >= -65535, every rq with the
 * fast path) or eat_armv6m_block_out_lo (any layer). */
enum { EAT_ARMV6M_OUT_ASM = 1, EAT_ARMV6M_OUT_ASM_LO = 2 };

/* The same with 4 pixels per walk (conv2d_sparse_b4_armv6m.c): sums [out_c][4], scratch
 * 4 * k_h * k_w * in_c + 16 * out_c bytes; the registry takes it for layers with few pixels. */
void eat_armv6m_sparse_b4_walk(const uint16_t *t, const int8_t *v, const uint8_t *index, const int32_t *bias,
                               int32_t *acc, uint32_t out_c, const int32_t *neg);
size_t eat_conv2d_s8_sparse_b4_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_sparse_b4_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                    const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);
/* The same with no rq table after the bounds (`bias` int32[3][out_c], then the mode word): each channel's
 * eat_armv6m_rq_t prepared per call from p->multiplier and p->shift; scratch 36 * out_c bytes more. */
size_t eat_conv2d_s8_sparse_b4_pc_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_sparse_b4_pc_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                       const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* For each output channel oc in order: acc[8 * oc + j] = bias[oc] + sum of v[k] * t[8 * offset_k + j],
 * j = 0..7, over the channel's index bytes (`index`: the d4 index, counts then steps; steps in
 * positions of the transposed block t; see conv2d_sparse_b8_armv6m.c). */
void eat_armv6m_sparse_b8_walk(const uint16_t *t, const int8_t *v, const uint8_t *index, const int32_t *bias,
                               int32_t *acc, uint32_t out_c, const int32_t *neg);

/* CONV_2D, not grouped, 8 output pixels per walk of each filter's non-zeros; the steps count
 * im2col positions ((fy * k_w + fx) * in_c + ic). `bias` is int32[12][out_c]: bias + (input_offset
 * - 128) * sum(w[oc]), then the accumulator bounds lo[oc] and hi[oc] (eat_armv6m_rq_bounded), then each
 * channel's eat_armv6m_rq_t (9 words, prepared by the compiler: Variant.rq_table; the 4-pixel walk too).
 * Scratch: 8 * k_h * k_w * in_c bytes (the block's receptive fields, transposed), then 32 * out_c
 * (the block's sums). */
size_t eat_conv2d_s8_sparse_b8_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_sparse_b8_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                    const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);
/* The same with no rq table after the bounds (`bias` int32[3][out_c], then the mode word): each channel's
 * eat_armv6m_rq_t prepared per call from p->multiplier and p->shift; scratch 36 * out_c bytes more. */
size_t eat_conv2d_s8_sparse_b8_pc_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_sparse_b8_pc_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                       const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* FULLY_CONNECTED (fully_connected_sparse_rows_armv6m.c): acc[o] = bias[o] + row o's walk for every
 * row in one call, then per output its requantisation within the accumulator bounds. `bias` is int32: the
 * bias + input_offset * sum(w[o]), the accumulator bounds lo and hi ([out_depth] each), then, for a per-channel
 * layer without its op arrays, each row's eat_armv6m_rq_t (9 words, prepared by the compiler; a per-tensor layer
 * prepares its one record per call, a per-channel one with its arrays requantises each row from them:
 * fully_connected_sparse_rows_armv6m.c); scratch 4 * out_depth bytes. */
void eat_armv6m_sparse_d4_rows(const int8_t *x, const int8_t *v, const uint8_t *index, const int32_t *bias,
                               int32_t *acc, uint32_t rows);
size_t eat_fully_connected_s8_sparse_rows_armv6m_scratch_bytes(const eat_fully_connected_s8_params_t *p);
void eat_fully_connected_s8_sparse_rows_armv6m(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                               const int32_t *bias, const int8_t *input, int8_t *output,
                                               void *scratch);

/* DEPTHWISE_CONV_2D, any kernel / stride / dilation / padding / depth multiplier, channel outer: per
 * input channel its plane copied padded with the zero point into scratch, per output channel its
 * non-zeros decoded once, then per output pixel one LDRSB + MULS + ADDS per non-zero and the
 * accumulator bounds. `bias` is int32[3][out_c]: bias + input_offset * sum(w[oc]), then lo[oc], hi[oc].
 * Scratch: 8 * k_h * k_w bytes, then the plane ((out_h - 1) * stride_h + (k_h - 1) * dilation_h + 1 rows
 * of (out_w - 1) * stride_w + (k_w - 1) * dilation_w + 1 bytes, rounded up to a word). */
size_t eat_depthwise_conv2d_s8_sparse_armv6m_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p);
void eat_depthwise_conv2d_s8_sparse_armv6m(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                           const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);
/* CONV_2D with in_c == 1 (the same d4 steps: input pixels of the window): the plane walk above with
 * depth multiplier out_c; same bias and scratch. */
size_t eat_conv2d_s8_sparse_plane_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_sparse_plane_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                       const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);
/* Its dense counterpart: dense OHWI weights (in_c 1), every tap walked; bias + input_offset * sum(w[oc]),
 * then lo[oc], hi[oc]; same scratch. The registry takes it for the dense in_c == 1 convs of <= 9 taps. */
size_t eat_conv2d_s8_plane_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_plane_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w, const int32_t *bias,
                                const int8_t *input, int8_t *output, void *scratch);

void eat_conv2d_s8_sparse_d4_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                    const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

#ifdef __cplusplus
}
#endif

#endif
