/* Zero-skipping kernels for FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D over the
 * EAT_WEIGHTS_SPARSE_D4 encoding (written by pipeline/compiler/sparse.py).
 *
 * Encoding, per output channel in order: the channel's non-zero weights, each reached from the
 * previous one by a 4-bit step (the first from the channel's origin). A step longer than 15 is
 * made of filler entries whose weight is 0.
 *   w->data:  int8 entries of every channel, channel after channel (n per channel)
 *   w->index: uint8 n[out_c] (entries per channel, at most 255), then each channel's
 *             (n + 1) / 2 step bytes: low nibble = step to the first entry of the pair, high
 *             nibble = step to the second. With n odd the channel's first byte holds only a high
 *             nibble (its low nibble is 0, unused): a walk enters at that byte's second half.
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

/* The plane walks' padded input plane (the M0+, M4 and RV32 sparse depthwise): every input position an
 * output's window reaches, eat_sparse_plane_h rows of eat_sparse_plane_w bytes, eat_sparse_plane_bytes
 * rounded up to a word. */
static inline int32_t eat_sparse_plane_h(const eat_depthwise_conv2d_s8_params_t *p)
{
    return (p->out_h - 1) * p->stride_h + (p->k_h - 1) * p->dilation_h + 1;
}

static inline int32_t eat_sparse_plane_w(const eat_depthwise_conv2d_s8_params_t *p)
{
    return (p->out_w - 1) * p->stride_w + (p->k_w - 1) * p->dilation_w + 1;
}

static inline int32_t eat_sparse_plane_bytes(const eat_depthwise_conv2d_s8_params_t *p)
{
    return (eat_sparse_plane_h(p) * eat_sparse_plane_w(p) + 3) & ~3;
}

/* A CONV_2D with one input channel as the depthwise conv of depth multiplier out_c it is (every filter
 * reads the one input plane): the plane walks of both cores run such convs (conv weights OHWI with
 * in_c 1 are the depthwise's channels in the same order). */
static inline eat_depthwise_conv2d_s8_params_t eat_sparse_conv_as_depthwise(const eat_conv2d_s8_params_t *p)
{
    const eat_depthwise_conv2d_s8_params_t d = {
        p->batches, p->in_h, p->in_w, p->in_c, p->out_h, p->out_w, p->out_c, p->k_h, p->k_w, p->out_c,
        p->stride_h, p->stride_w, p->dilation_h, p->dilation_w, p->pad_h, p->pad_w,
        p->input_offset, p->output_offset, p->multiplier, p->shift, p->act_min, p->act_max};
    return d;
}

/* A channel of n entries: its step bytes. */
static inline uint32_t eat_sparse_d4_bytes(uint32_t n)
{
    return (n + 1u) >> 1;
}

/* The step of entry e of a channel of n entries whose step bytes start at nib. */
static inline uint32_t eat_sparse_d4_step(const uint8_t *nib, uint32_t n, uint32_t e)
{
    const uint32_t j = e + (n & 1u);
    const uint32_t d = nib[j >> 1];
    return (j & 1u) ? d >> 4 : d & 15u;
}

/* The sum over one channel's n entries: acc + sum(v[k] * x[offset_k]); offsets in units of `unit`
 * input elements. `*v` and `*nib` advance past the channel. Plain C: the compiler keeps it in
 * registers (two loads and one multiply-add per entry). */
static inline int32_t eat_sparse_d4_dot(int32_t acc, const int8_t *x, uint32_t n, const int8_t **v,
                                        const uint8_t **nib, int32_t unit)
{
    const int8_t *vv = *v;
    const uint8_t *nn = *nib;
    const uint8_t *end = nn + eat_sparse_d4_bytes(n);
    if (n & 1u) {               /* the first byte's second half */
        x += (int32_t)(*nn++ >> 4) * unit;
        acc += (int32_t)vv[0] * (int32_t)x[0];
        ++vv;
    }
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

/* One channel's walk (steps in input elements): acc + sum v[k] * x[offset_k] over its n entries
 * starting at v and nib; the caller advances v by n and nib by eat_sparse_d4_bytes(n). */
typedef int32_t (*eat_sparse_d4_dot_fn)(int32_t acc, const int8_t *x, const int8_t *v, const uint8_t *nib,
                                        uint32_t n);
/* The requantisation: eat_mbqm or an exact equivalent. */
typedef int32_t (*eat_requant_fn)(int32_t x, int32_t mult, int32_t shift);

/* eat_sparse_d4_dot with unit 1 in the eat_sparse_d4_dot_fn shape. */
static inline int32_t eat_sparse_d4_dot1(int32_t acc, const int8_t *x, const int8_t *v, const uint8_t *nib,
                                         uint32_t n)
{
    return eat_sparse_d4_dot(acc, x, n, &v, &nib, 1);
}

void eat_sparse_window_fill(int8_t *win, int32_t win_w, const int8_t *input, int32_t in_h, int32_t in_w, int32_t in_c,
                            int32_t b, int32_t iy0, int32_t ix0, int32_t kh_eff, int32_t kw_eff, int8_t pad);

/* The zero-skipping CONV_2D (any kernel, stride, dilation, padding, groups) with its channel walk
 * and requantisation as parameters: interior pixels read the input in place, border pixels a
 * padded copy of their window (scratch). The portable kernel (conv2d_sparse_s8.c) and the
 * Cortex-M0+ one (armv6m/sparse_d4_armv6m.c) are this with their own `dot` and `requant`; both are
 * static inline or known at the call, so the compiler inlines them. */
static inline void eat_sparse_conv2d_walk(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                          const int32_t *bias, const int8_t *input, int8_t *output,
                                          void *scratch, eat_sparse_d4_dot_fn dot, eat_requant_fn requant)
{
    const int32_t kh_eff = (p->k_h - 1) * p->dilation_h + 1;
    const int32_t kw_eff = (p->k_w - 1) * p->dilation_w + 1;
    const int32_t filters_per_group = p->out_c / (p->in_c / p->filter_in_c);
    const uint8_t *counts = (const uint8_t *)w->index;
    const uint8_t *nib0 = counts + p->out_c;
    const int32_t win_w = p->in_w > kw_eff ? p->in_w : kw_eff;   /* see the encoding above */
    const int8_t pad = (int8_t)(-p->input_offset);
    int8_t *win = (int8_t *)scratch;
    int8_t *out = output;
    int32_t b, oy, ox, oc;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_h;
            const int rows_in = iy0 >= 0 && iy0 + kh_eff <= p->in_h;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix0 = ox * p->stride_w - p->pad_w;
                const int8_t *base;
                const int8_t *v = w->data;
                const uint8_t *nib = nib0;
                int32_t left = filters_per_group;
                if (rows_in && ix0 >= 0 && ix0 + kw_eff <= p->in_w) {
                    base = input + ((b * p->in_h + iy0) * p->in_w + ix0) * p->in_c;
                } else {
                    eat_sparse_window_fill(win, win_w, input, p->in_h, p->in_w, p->in_c, b, iy0, ix0, kh_eff, kw_eff, pad);
                    base = win;
                }
                for (oc = 0; oc < p->out_c; ++oc) {
                    const uint32_t n = counts[oc];
                    int32_t acc;
                    if (left == 0) {            /* next group: its input channels follow */
                        base += p->filter_in_c;
                        left = filters_per_group;
                    }
                    --left;
                    acc = dot(bias[oc], base, v, nib, n);
                    v += n;
                    nib += eat_sparse_d4_bytes(n);
                    acc = requant(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
                    out[oc] = (int8_t)eat_clamp_i32(acc, p->act_min, p->act_max);
                }
                out += p->out_c;
            }
        }
    }
}

/* eat_sparse_window_fill (declared above): copies the receptive window at input (iy0, ix0) of batch
 * `b` into `win` (row stride win_w * in_c, kh_eff rows of kw_eff pixels), writing `pad` where the
 * window leaves the input. */

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
