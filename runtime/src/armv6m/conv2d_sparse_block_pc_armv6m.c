/* Cortex-M0+ block-sparse CONV_2D without the compiler's rq table (`--weights small`): the 8- and 4-pixel walks of
 * conv2d_sparse_b8_armv6m.c / conv2d_sparse_b4_armv6m.c, each channel's eat_armv6m_rq_t prepared per call from
 * p->multiplier and p->shift into scratch (conv2d_sparse_block_armv6m.h). A file of its own: the table kernels'
 * builds are unchanged, and a firmware links only the kernels it calls. */
#include "eat/sparse_armv6m.h"

#if defined(__ARM_ARCH_6M__)

#include "conv2d_sparse_block_armv6m.h"

size_t eat_conv2d_s8_sparse_b8_pc_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    return eat_armv6m_sparse_block_scratch_bytes(p, 8, 1);
}

size_t eat_conv2d_s8_sparse_b4_pc_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    return eat_armv6m_sparse_block_scratch_bytes(p, 4, 1);
}

void eat_conv2d_s8_sparse_b8_pc_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                       const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    eat_armv6m_sparse_block_conv(p, w, bias, input, output, scratch, 8, eat_armv6m_sparse_b8_walk, 1);
}

void eat_conv2d_s8_sparse_b4_pc_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                       const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    eat_armv6m_sparse_block_conv(p, w, bias, input, output, scratch, 4, eat_armv6m_sparse_b4_walk, 1);
}

#endif /* __ARM_ARCH_6M__ */
