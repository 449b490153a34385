/* Cortex-M0+ (ARMv6-M) zero-skipping kernels over EAT_WEIGHTS_SPARSE_D4 (eat/sparse.h): the same
 * parameters and encoding as the portable sparse kernels, with a hand-scheduled Thumb-1 walk of the
 * step bytes (runtime/src/armv6m/sparse_d4_armv6m.c) and eat/armv6m.h's exact requantisation instead
 * of the 64-bit eat_mbqm. Built only when __ARM_ARCH_6M__ is defined; the compiler's registry
 * (pipeline/compiler/kernels_sparse.py) picks them for core "cortex-m0plus". No DEPTHWISE_CONV_2D
 * here: the dense dw4 kernel (eat/armv6m.h) beat the sparse walk at every sparsity measured. */
#ifndef EAT_SPARSE_ARMV6M_H
#define EAT_SPARSE_ARMV6M_H

#include "eat/armv6m.h"
#include "eat/sparse.h"

#ifdef __cplusplus
extern "C" {
#endif

/* acc + sum over `pairs` index bytes of v[k] * x[offset_k] (steps in input elements, unit 1);
 * the caller advances v by 2 * pairs and the index by pairs. */
int32_t eat_armv6m_sparse_d4_dot(int32_t acc, const int8_t *x, const int8_t *v, const uint8_t *nib,
                                 uint32_t pairs);

/* acc[j] += sum over `pairs` index bytes of v[k] * t[4 * offset_k + j], j = 0..3 (steps in
 * positions of the transposed block t; see conv2d_sparse_b4_armv6m.c). */
void eat_armv6m_sparse_b4_dot(const uint8_t *t, const int8_t *v, const uint8_t *nib, uint32_t pairs,
                              int32_t acc[4]);

/* CONV_2D, not grouped, 4 output pixels per walk of each filter's non-zeros; the steps count
 * im2col positions ((fy * k_w + fx) * in_c + ic) and `bias` is bias + (input_offset - 128) * sum(w[oc]).
 * Scratch: 4 * k_h * k_w * in_c bytes (the block's receptive fields, transposed). */
size_t eat_conv2d_s8_sparse_b4_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_sparse_b4_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                    const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

void eat_fully_connected_s8_sparse_d4_armv6m(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                             const int32_t *bias, const int8_t *input, int8_t *output,
                                             void *scratch);
void eat_conv2d_s8_sparse_d4_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                    const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

#ifdef __cplusplus
}
#endif

#endif
