/* The window set-up the ARMv7E-M CONV_2D and DEPTHWISE_CONV_2D kernels share (conv2d_s8_dsp.c and
 * conv2d_s8_dsp16.c, depthwise_conv2d_s8_dsp.c and depthwise_conv2d_s8_dsp16.c): the im2col depth
 * rounded up to 4 and whether a depthwise window lies inside the input. (The im2col pixel origin,
 * 5 lines, stays written out in both conv files: shared as a function it cost 310 instructions on kws.)
 * Private to those files; include inside their `#if EAT_ARMV7EM_DSP` block. */
#ifndef EAT_WINDOW_ARMV7EM_H
#define EAT_WINDOW_ARMV7EM_H

#include "eat/conv.h"
#include "eat/depthwise_conv.h"

/* K4: one filter's k_h * k_w * in_c values rounded up to a multiple of 4 (the weight layouts' padding). */
static inline int32_t eat_armv7em_k4(const eat_conv2d_s8_params_t *p)
{
    return (p->k_h * p->k_w * p->in_c + 3) & ~3;
}

/* 1 when the depthwise window whose top-left tap is (y0, x0) lies wholly inside the input. A macro:
 * as a static inline function it moved gcc's register allocation in depthwise_conv2d_s8_dsp16.c
 * (kws_ref_model on nucleo_f446re: 4,714,178 instructions before, 4,730,530 with it and the pixel
 * origin as functions, 4,714,488 with the origin alone); expanded, the code is the same. */
#define EAT_ARMV7EM_DW_INSIDE(p, y0, x0)                                                         \
    ((y0) >= 0 && (y0) + ((p)->k_h - 1) * (p)->dilation_h < (p)->in_h && (x0) >= 0             \
     && (x0) + ((p)->k_w - 1) * (p)->dilation_w < (p)->in_w)

#endif /* EAT_WINDOW_ARMV7EM_H */
