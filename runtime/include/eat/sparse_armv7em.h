/* Cortex-M4/M7 (ARMv7E-M) zero-skipping CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED over EAT_WEIGHTS_SPARSE_D4 (eat/sparse.h), steps in
 * im2col positions (k = (fy * k_w + fx) * in_c + ic), eight (or four) output pixels per walk of each
 * filter's non-zeros, two pixels per SMLAL (runtime/src/armv7em/conv2d_sparse_b8_dsp.c). Declared for every
 * target; defined only where EAT_ARMV7EM_DSP holds. The compiler's registry
 * (pipeline/compiler/kernels_sparse.py) picks it for cores "cortex-m4" and "cortex-m7". */
#ifndef EAT_SPARSE_ARMV7EM_H
#define EAT_SPARSE_ARMV7EM_H

#include "eat/sparse.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Accumulators must stay inside +-EAT_SPARSE_B8_DSP_ACC_LIMIT (the low lane of each SMLAL pair is 24
 * bits wide): the compiler takes this kernel only when |bias| + 255 * sum|w[oc]| is below it. */
#define EAT_SPARSE_B8_DSP_ACC_LIMIT ((int32_t)1 << 23)

/* For each output channel oc in order: sums[8 * oc + j] = the accumulator of pixel j of the block, from
 * t ([k][4] words: pixel pair j/2 as (x0 + 128) + x1 * 2^24), the channel's 64-bit start in init
 * ([oc][8] words: four copies) and its entries (values v, d4 index: uint8 n[out_c], then the step bytes). */
void eat_armv7em_sparse_b8_walk(const int32_t *t, const int8_t *v, const uint8_t *index, const int32_t *init,
                                int32_t *sums, uint32_t out_c);
/* The same for a block of 4 pixels: sums [oc][4], t [k][2] words, init [oc][4] (two copies). */
void eat_armv7em_sparse_b4_walk(const int32_t *t, const int8_t *v, const uint8_t *index, const int32_t *init,
                                int32_t *sums, uint32_t out_c);

/* CONV_2D, not grouped, any kernel, stride, dilation, padding. `bias` is int32: the accumulator bounds lo[oc] and
 * hi[oc] (outside them the output is act_min / act_max, pipeline/compiler/clamp_bounds.py), then per channel the
 * 64-bit start of its lane pair, (L0 + 2^23) + (L0 + 128 * sum(w[oc])) * 2^24 with L0 = bias + (input_offset -
 * 128) * sum(w[oc]), low word first, then the word 1 and per channel the short requantisation (multiplier, c, s2,
 * lo; eat/requant_pc.h) or the word 0. Scratch:
 * eat_conv2d_s8_sparse_b8_dsp_scratch_bytes = 16 * k_h * k_w * in_c + 88 * out_c bytes. */
size_t eat_conv2d_s8_sparse_b8_dsp_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_sparse_b8_dsp(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                 const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* The same with 4 output pixels per walk of each filter (layers of few pixels: the 8-pixel walk would
 * compute a short block's missing pixels too). Scratch: eat_conv2d_s8_sparse_b4_dsp_scratch_bytes =
 * 8 * k_h * k_w * in_c + 56 * out_c bytes. */
size_t eat_conv2d_s8_sparse_b4_dsp_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_sparse_b4_dsp(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                 const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* The 8- and 4-pixel walks without the compiler's tables (`--weights small`): `bias` is int32[4][out_c]: L0, lo, hi,
 * then per channel L1 = L0 + 128 * sum(w[oc]); the lane starts and the short requantisation are computed per
 * call (16 B of flash per channel fewer than the table walks). Scratch as the walks above. */
size_t eat_conv2d_s8_sparse_b8_pc_dsp_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_sparse_b8_pc_dsp(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                    const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);
size_t eat_conv2d_s8_sparse_b4_pc_dsp_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_sparse_b4_pc_dsp(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                    const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* DEPTHWISE_CONV_2D, any kernel, stride, dilation, padding, depth multiplier, steps in kernel taps
 * fy * k_w + fx (layout "d4_taps"; `bias` is int32[3][out_c]: the folded bias, then the accumulator
 * bounds lo, hi of pipeline/compiler/clamp_bounds.py): channel outer, each channel's input
 * plane copied padded with the zero point and its non-zeros decoded once per call. Scratch: 32 * k_h *
 * k_w bytes (four channels' non-zeros), then the plane: ph = (out_h - 1) * stride_h + kh_eff by
 * pw = (out_w - 1) * stride_w + kw_eff bytes rounded up to 4; with depth multiplier 1 and in_c % 4 == 0
 * four such planes, then four int16 ones of (2 ph pw + 4) bytes rounded up to 4 (the pair walk for
 * channels of 3..5 non-zeros; runtime/src/armv7em/depthwise_conv2d_sparse_dsp.c). */
size_t eat_depthwise_conv2d_s8_sparse_dsp_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p);
void eat_depthwise_conv2d_s8_sparse_dsp(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                        const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* CONV_2D with in_c == 1, steps in kernel taps (layout "d4_taps", `bias` as the depthwise's): the depthwise
 * plane walk above with depth multiplier out_c (runtime/src/armv7em/conv2d_sparse_plane_dsp.c); scratch
 * as the depthwise's: 8 * k_h * k_w bytes, then the one plane. */
size_t eat_conv2d_s8_sparse_plane_dsp_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_sparse_plane_dsp(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                    const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* FULLY_CONNECTED, steps in input elements (eat/sparse.h's FC encoding): every row's walk (four entries per
 * pass), requantisation and store in one assembly routine (runtime/src/armv7em/fully_connected_sparse_d4_dsp.c).
 * `bias` is the table of eat/sparse_p8.h's EAT_P8_DSP_ROW_WORDS int32 per row (pipeline/compiler/sparse_p8.py
 * m4_table: the folded bias, then the short requantisation's m, L, negmask, c, r; L = 0: that row takes eat_mbqm
 * in C). Scratch: eat_fully_connected_s8_sparse_d4_dsp_scratch_bytes = 4 * out_depth bytes. */
size_t eat_fully_connected_s8_sparse_d4_dsp_scratch_bytes(const eat_fully_connected_s8_params_t *p);
void eat_fully_connected_s8_sparse_d4_dsp(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                          const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

#ifdef __cplusplus
}
#endif

#endif
