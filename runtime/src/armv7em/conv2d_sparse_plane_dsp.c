/* Cortex-M4/M7 zero-skipping CONV_2D with one input channel over EAT_WEIGHTS_SPARSE_D4, steps in kernel
 * taps fy * k_w + fx (layout "d4_taps", as eat_conv2d_s8_sparse_plane_armv6m): with in_c == 1 such a conv
 * is a depthwise conv of depth multiplier out_c (every filter reads the one input plane), so it runs
 * eat_depthwise_conv2d_s8_sparse_dsp's plane walk: the plane copied padded once, each filter's non-zeros
 * decoded once, then per output pixel one LDRSB + MLA per non-zero (the assembly walks for 1 and 2
 * non-zeros) and the short requantisation. The 8-pixel block walk (conv2d_sparse_b8_dsp.c) gathers a
 * receptive field per block and pays ~36 per filter and block, which a 3x3x1 filter of 1-3 non-zeros
 * never earns back (the built-in example's conv1 8x8x1 -> 16: see pipeline/compiler/sparse_cost.py).
 * `bias` is int32[3][out_c] (the folded bias, then the accumulator bounds lo, hi). Bit-exact with TFLM's
 * ConvPerChannel. Elsewhere (the host, other ISAs) this file compiles to nothing. */
#include "eat/armv7em.h"
#include "eat/sparse_armv7em.h"

#if EAT_ARMV7EM_DSP

size_t eat_conv2d_s8_sparse_plane_dsp_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    const eat_depthwise_conv2d_s8_params_t d = eat_sparse_conv_as_depthwise(p);
    return eat_depthwise_conv2d_s8_sparse_dsp_scratch_bytes(&d);
}

void eat_conv2d_s8_sparse_plane_dsp(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                    const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const eat_depthwise_conv2d_s8_params_t d = eat_sparse_conv_as_depthwise(p);
    eat_depthwise_conv2d_s8_sparse_dsp(&d, w, bias, input, output, scratch);
}

#elif defined(__ARM_ARCH_7EM__)
#error "ARMv7E-M build without the DSP extension flags: build with -mcpu=cortex-m4 or cortex-m7"
#else
typedef int eat_conv2d_sparse_plane_dsp_unused_t;   /* not ARMv7E-M: nothing to compile */
#endif
