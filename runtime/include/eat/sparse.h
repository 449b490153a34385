/* Zero-skipping kernels for FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D over the
 * EAT_WEIGHTS_SPARSE_D4 encoding (written by pipeline/compiler/sparse.py).
 *
 * Encoding, per output channel in order: the channel's non-zero weights, each reached from the
 * previous one by a 4-bit step (the first from the channel's origin). A step longer than 15 is
 * made of filler entries whose weight is 0; a channel with an odd entry count gets one more
 * filler (step 0, weight 0), so every channel is a whole number of index bytes.
 *   w->data:  int8 entries of every channel, channel after channel
 *   w->index: uint16 pairs[out_c] (entries / 2 per channel), then one byte per pair:
 *             low nibble = step to the first entry of the pair, high nibble = step to the second.
 * A step is counted in input elements (FULLY_CONNECTED, CONV_2D: ((fy * dilation_h) * win_w +
 * fx * dilation_w) * in_c + ic) or input pixels (DEPTHWISE_CONV_2D: the kernel multiplies by in_c),
 * where win_w = max(in_w, kw_eff) and kw_eff = (k_w - 1) * dilation_w + 1 (a kernel wider than the
 * input has no interior pixels: every window is copied, with that row stride).
 *
 * Exactness: int8 weights are symmetric (zero point 0), so a skipped zero (or a filler) adds 0 to
 * the int32 sum. The compiler folds input_offset * sum(w[oc]) into `bias` (the "folded bias"), so
 * each entry is one multiply-add of raw input; requantization is TFLM's, unchanged.
 *
 * Scratch (CONV_2D, DEPTHWISE_CONV_2D): one receptive window, (kh_eff - 1) * win_w * in_c +
 * kw_eff * in_c bytes, filled with the input zero point where the window leaves the input. */
#ifndef EAT_SPARSE_H
#define EAT_SPARSE_H

#include "eat/conv.h"
#include "eat/depthwise_conv.h"
#include "eat/fully_connected.h"

/* The sum over one channel's entries: acc + sum(v[k] * x[offset_k]); offsets in units of `unit`
 * input elements. `*v` and `*nib` advance past the channel. Plain C: the compiler keeps it in
 * registers (two loads and one multiply-add per entry). */
static inline int32_t eat_sparse_d4_dot(int32_t acc, const int8_t *x, uint32_t pairs, const int8_t **v,
                                        const uint8_t **nib, int32_t unit)
{
    const int8_t *vv = *v;
    const uint8_t *nn = *nib;
    const uint8_t *end = nn + pairs;
    if (unit == 1) {
        while (nn != end) {
            const uint32_t d = *nn++;
            x += d & 15u;
            acc += (int32_t)vv[0] * (int32_t)x[0];
            x += d >> 4;
            acc += (int32_t)vv[1] * (int32_t)x[0];
            vv += 2;
        }
    } else {
        while (nn != end) {
            const uint32_t d = *nn++;
            x += (int32_t)(d & 15u) * unit;
            acc += (int32_t)vv[0] * (int32_t)x[0];
            x += (int32_t)(d >> 4) * unit;
            acc += (int32_t)vv[1] * (int32_t)x[0];
            vv += 2;
        }
    }
    *v = vv;
    *nib = nn;
    return acc;
}

/* Copies the receptive window at input (iy0, ix0) of batch `b` into `win` (row stride
 * win_w * in_c, kh_eff rows of kw_eff pixels), writing `pad` where the window leaves the input. */
void eat_sparse_window_fill(int8_t *win, int32_t win_w, const int8_t *input, int32_t in_h, int32_t in_w, int32_t in_c,
                            int32_t b, int32_t iy0, int32_t ix0, int32_t kh_eff, int32_t kw_eff, int8_t pad);

size_t eat_conv2d_s8_sparse_d4_scratch_bytes(const eat_conv2d_s8_params_t *p);
size_t eat_depthwise_conv2d_s8_sparse_d4_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p);

/* `bias` is the folded bias (never NULL). */
void eat_fully_connected_s8_sparse_d4(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                      const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);
void eat_conv2d_s8_sparse_d4(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                             const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);
void eat_depthwise_conv2d_s8_sparse_d4(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                       const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

#endif
