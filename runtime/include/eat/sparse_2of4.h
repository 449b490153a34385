/* FULLY_CONNECTED and CONV_2D over EAT_WEIGHTS_SPARSE_2OF4 (written by pipeline/compiler/sparse_2of4.py):
 * layers whose every group of 4 consecutive weights of a row (FC [out][in], CONV OHWI flattened to
 * K = k_h * k_w * in_c: along the input depth when in_c % 4 == 0) holds at most 2 non-zeros.
 *
 * Encoding (w->data, w->index == NULL): per output channel in order, K padded to K8 (a multiple of
 * 8, at least 8), per pair of groups i = 0 .. K8 / 8 - 1 five bytes:
 *   byte 0: the positions (0..3 inside the group): bits 0-1 and 2-3 for group 2i's two values,
 *           bits 4-5 and 6-7 for group 2i + 1's;
 *   bytes 1-4: the values (int8): group 2i's two, then group 2i + 1's.
 * A group with fewer than 2 non-zeros fills a slot with value 0 (at a position it does not use), so
 * every group costs 2.5 bytes: 0.625 of the dense int8 bytes.
 *
 * Exactness: int8 weights are symmetric (zero point 0), so a dropped zero adds 0 to TFLM's int32 sum.
 * The portable kernels get bias + input_offset * sum(w[oc]) (the folded bias) and multiply raw inputs;
 * padding taps read the input zero point, so they add 0 as in TFLM. */
#ifndef EAT_SPARSE_2OF4_H
#define EAT_SPARSE_2OF4_H

#include <string.h>

#include "eat/conv.h"
#include "eat/depthwise_conv.h"
#include "eat/fully_connected.h"
#include "eat/sparse.h"

#ifdef __cplusplus
extern "C" {
#endif

/* K8: a row of K weights padded to a multiple of 8 (at least 8), the length both 2:4 formats store per row. */
static inline int32_t eat_2of4_k8(int32_t k)
{
    return k <= 8 ? 8 : (k + 7) / 8 * 8;
}

/* acc + sum of one channel's values times x at their positions, over `pairs` pairs of groups
 * (x: K8 readable bytes; s: the channel's first position byte). */
static inline int32_t eat_2of4_dot(int32_t acc, const int8_t *x, const int8_t *s, int32_t pairs)
{
    while (pairs-- > 0) {
        const uint32_t p = (uint8_t)s[0];
        acc += (int32_t)s[1] * x[p & 3u] + (int32_t)s[2] * x[(p >> 2) & 3u]
             + (int32_t)s[3] * x[4u + ((p >> 4) & 3u)] + (int32_t)s[4] * x[4u + (p >> 6)];
        s += 5;
        x += 8;
    }
    return acc;
}

/* The receptive field of batch b's output pixel whose window starts at (iy0, ix0), k_h * k_w * in_c bytes into f in
 * OHWI order, padding taps at the input zero point; each byte XORed with `flip` (0: int8 as is; 0x80: x + 128 as
 * uint8). The CONV_2D kernels over the 2:4 formats gather with it. */
static inline void eat_2of4_field(const eat_conv2d_s8_params_t *p, const int8_t *input, int32_t b, int32_t iy0,
                                  int32_t ix0, int8_t *f, uint32_t flip)
{
    const int32_t c = p->in_c;
    const int8_t pad = (int8_t)((uint8_t)(int8_t)(-p->input_offset) ^ flip);
    int32_t fy, fx, i;
    for (fy = 0; fy < p->k_h; ++fy) {
        const int32_t iy = iy0 + fy * p->dilation_h;
        for (fx = 0; fx < p->k_w; ++fx, f += c) {
            const int32_t ix = ix0 + fx * p->dilation_w;
            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                memset(f, pad, (size_t)c);
            } else {
                const int8_t *x = input + ((b * p->in_h + iy) * p->in_w + ix) * c;
                if (flip == 0u) {
                    memcpy(f, x, (size_t)c);
                } else {
                    for (i = 0; i < c; ++i) {
                        f[i] = (int8_t)((uint8_t)x[i] ^ flip);
                    }
                }
            }
        }
    }
}

/* Portable (runtime/src/ fully_connected_ and conv2d_sparse_2of4_s8.c). Scratch: K8 bytes (a row or receptive field with its
 * zero tail; read in place when K % 8 == 0 and, for CONV_2D, the field is contiguous: 1x1, no padding). */
size_t eat_fully_connected_s8_sparse_2of4_scratch_bytes(const eat_fully_connected_s8_params_t *p);
void eat_fully_connected_s8_sparse_2of4(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                        const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);
/* CONV_2D, not grouped (filter_in_c == in_c), any kernel, stride, dilation, padding. */
size_t eat_conv2d_s8_sparse_2of4_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_sparse_2of4(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                               const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* Cortex-M0+ (runtime/src/armv6m/sparse_2of4_armv6m.c, built only when __ARM_ARCH_6M__ is defined):
 * 8 pixels (FC: batches) per walk of a channel's stream, two pixels per MULS. `bias` is the folded
 * bias with input_offset - 129 (the walk multiplies x + 129), then (CONV_2D only) the accumulator
 * bounds lo[oc], hi[oc] (pipeline/compiler/clamp_bounds.py), then neg[oc], the count of the channel's
 * negative values. Scratch: (CONV_2D only: 36 * out_c bytes of requantisation constants, then)
 * 16 * K8 bytes (the block's inputs as uint16 x + 129, [K8][8]), then 32 * out_c (the block's accumulators). */
/* acc[8 * oc + j] = bias[oc] + channel oc's sum over pixel j of the block t (neg: see above). */
void eat_armv6m_2of4_walk(const uint16_t *t, const int8_t *s, uint32_t pairs, uint32_t out_c, int32_t *acc,
                          const int32_t *bias, const int32_t *neg);
size_t eat_fully_connected_s8_sparse_2of4_armv6m_scratch_bytes(const eat_fully_connected_s8_params_t *p);
void eat_fully_connected_s8_sparse_2of4_armv6m(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                               const int32_t *bias, const int8_t *input, int8_t *output,
                                               void *scratch);
/* CONV_2D 1x1, not grouped, no padding, any stride. */
size_t eat_conv2d_s8_sparse_2of4_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_sparse_2of4_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                      const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* Cortex-M4/M7 (runtime/src/armv7em/sparse_2of4_dsp.c, built only where the DSP extension is): 8 pixels
 * (FC: batches) per walk of a channel's stream, two products per SMLAD from a per-block table of input
 * pairs. `bias` is the folded bias (bias + input_offset * sum(w[oc])); the walk multiplies raw inputs.
 * Scratch: EAT_RQ_BYTES(out_c) requantisation constants, the table (2,048 bytes per 4 pairs of groups,
 * counted with the (-pairs) & 3 leading ones), 32 * out_c bytes of sums; FC then 8 * out_depth bytes.
 * Full blocks with the short requantisation are requantised inside the walk (assembly). */
size_t eat_fully_connected_s8_sparse_2of4_dsp_scratch_bytes(const eat_fully_connected_s8_params_t *p);
void eat_fully_connected_s8_sparse_2of4_dsp(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                           const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);
/* CONV_2D 1x1, not grouped, no padding, any stride. */
size_t eat_conv2d_s8_sparse_2of4_dsp_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_sparse_2of4_dsp(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                  const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* FULLY_CONNECTED and CONV_2D over EAT_WEIGHTS_SPARSE_2OF4_R4 (pipeline/compiler/sparse_2of4_r4.py): 2:4
 * whose masks are shared by blocks of 4 consecutive output channels (`--prune 2:4x4`). Per block of 4
 * channels (out_c padded to a multiple of 4 with zero channels), K padded to K8 as above:
 *   eat_2of4_r4_pos_bytes(K8) position bytes (one per pair of groups, bits as above; then zeros to a word),
 *   then per pair of groups 16 bytes: 4 slots (group 2i's two, group 2i + 1's two), each the block's
 *   4 weights as w + 128 (uint8, channel j in byte j of the little-endian word; an empty slot holds 128).
 * The walk reads the inputs as u = x + 128 (0..255) and splits a slot's word W into W & 0x00FF00FF
 * (channels 0 and 2) and (W >> 8) & 0x00FF00FF (1 and 3): u times either is two exact 16-bit products
 * (<= 255 * 255 < 2^16, no carry), so per slot two multiplies give 4 products. Summed mod 2^32 and split,
 * minus 128 * (the sum of the slots' u), they are sum (x + 128) * w per channel; `bias` is the folded bias
 * with input_offset - 128, so the sum plus it is TFLM's accumulator. Portable C, every core. */
static inline int32_t eat_2of4_r4_pos_bytes(int32_t k8)
{
    return ((k8 >> 3) + 3) & ~3;
}

static inline int32_t eat_2of4_r4_block_bytes(int32_t k8)
{
    return eat_2of4_r4_pos_bytes(k8) + 2 * k8;
}

/* sums[j] = sum over the block's slots of u[position] * w[j] (mod 2^32), j = 0..3; u: K8 bytes, word-aligned
 * blk (the stream's blocks are whole words). */
void eat_2of4_r4_sums(const uint8_t *u, const int8_t *blk, int32_t k8, int32_t sums[4]);
/* Scratch: K8 bytes (the row or the receptive field as u = x + 128, the tail zero). */
size_t eat_fully_connected_s8_sparse_2of4_r4_scratch_bytes(const eat_fully_connected_s8_params_t *p);
void eat_fully_connected_s8_sparse_2of4_r4(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                           const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);
/* CONV_2D, not grouped (filter_in_c == in_c), any kernel, stride, dilation, padding. */
size_t eat_conv2d_s8_sparse_2of4_r4_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_sparse_2of4_r4(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                  const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);
/* Cortex-M0+ (runtime/src/armv6m/sparse_2of4_r4_armv6m.c, built only when __ARM_ARCH_6M__ is defined): the same
 * sums by a Thumb-1 walk in SRAM over n >= 1 consecutive blocks (sums[4 b + j]). `bias`: the folded bias with
 * input_offset - 128, the accumulator bounds lo[oc], hi[oc], then (per-channel, the op's multiplier and shift
 * NULL) each channel's eat_armv6m_rq_t. Scratch: K8 bytes, then 16 B per block of 4 channels. */
void eat_armv6m_2of4_r4_sums(const uint8_t *u, const int8_t *blk, int32_t k8, int32_t *sums, int32_t n);
size_t eat_fully_connected_s8_sparse_2of4_r4_armv6m_scratch_bytes(const eat_fully_connected_s8_params_t *p);
void eat_fully_connected_s8_sparse_2of4_r4_armv6m(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                                  const int32_t *bias, const int8_t *input, int8_t *output,
                                                  void *scratch);
size_t eat_conv2d_s8_sparse_2of4_r4_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_sparse_2of4_r4_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                         const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* Cortex-M4/M7 (runtime/src/armv7em/sparse_2of4_r4_dsp.c, built only where the DSP extension is) over
 * EAT_WEIGHTS_SPARSE_2OF4_R4P: the same blocks and position bytes, then per group two int8 words
 * [c0 s0, c1 s0, c0 s1, c1 s1], [c2 s0, c3 s0, c2 s1, c3 s1] (c the block's channel, s the group's slot): SXTB16
 * (and with ROR 8) gives a channel's two weights as int16 lanes, one SMLAD adds both products against the
 * group's two inputs (raw int8 in int16 lanes, PKHBT). `bias`: the folded bias (bias + input_offset * sum(w)).
 * Scratch: K8 bytes (the row's zero tail or the receptive field), then 16 B per block of 4 channels. */
size_t eat_fully_connected_s8_sparse_2of4_r4_dsp_scratch_bytes(const eat_fully_connected_s8_params_t *p);
void eat_fully_connected_s8_sparse_2of4_r4_dsp(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                               const int32_t *bias, const int8_t *input, int8_t *output,
                                               void *scratch);
size_t eat_conv2d_s8_sparse_2of4_r4_dsp_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_sparse_2of4_r4_dsp(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                      const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* DEPTHWISE_CONV_2D over EAT_WEIGHTS_SPARSE_2OF4_DW (pipeline/compiler/sparse_2of4.py encode_dw): 2:4 along
 * the kernel positions t = fy * k_w + fx of each output channel (a depthwise filter has no input depth).
 * Per output channel one record of eat_2of4_dw_record(T) bytes, T = k_h * k_w: the taps in groups of 4;
 * a group of 3 or 4 taps is "coded": a 4-bit field p0 | p1 << 2 (two per byte, group 2i in bits 0-3)
 * then its 2 values (empty slots hold 0); a last group of 1 or 2 taps keeps its values whole, no field.
 * Record: the (coded + 1) / 2 field bytes, then the values group by group. 3x3: 6 bytes (dense 9).
 * `bias` is bias + input_offset * sum(w[oc]); a tap in the padding reads the input zero point. */
static inline int32_t eat_2of4_dw_coded(int32_t taps)
{
    return taps / 4 + (taps % 4 >= 3 ? 1 : 0);
}

static inline int32_t eat_2of4_dw_record(int32_t taps)
{
    const int32_t coded = eat_2of4_dw_coded(taps);
    return (coded + 1) / 2 + 2 * coded + (taps % 4 <= 2 ? taps % 4 : 0);
}

/* One channel's record -> its non-zero taps: tap[i] (fy * k_w + fx), w[i]; returns their count (<= T). */
static inline int32_t eat_2of4_dw_decode(const int8_t *rec, int32_t taps, int16_t *tap, int16_t *w)
{
    const int32_t coded = eat_2of4_dw_coded(taps);
    const int8_t *v = rec + (coded + 1) / 2;
    int32_t g, n = 0, t;
    for (g = 0; g < coded; ++g) {
        const uint32_t f = ((uint32_t)(uint8_t)rec[g >> 1] >> (4 * (g & 1))) & 15u;
        if (v[0] != 0) {
            tap[n] = (int16_t)(4 * g + (int32_t)(f & 3u));
            w[n++] = v[0];
        }
        if (v[1] != 0) {
            tap[n] = (int16_t)(4 * g + (int32_t)(f >> 2));
            w[n++] = v[1];
        }
        v += 2;
    }
    for (t = 4 * coded; t < taps; ++t, ++v) {
        if (*v != 0) {
            tap[n] = (int16_t)t;
            w[n++] = *v;
        }
    }
    return n;
}

/* The M4 and RV32 plane walks' channel decode: channel oc's non-zeros as offsets in the padded plane (a tap
 * fy * k_w + fx sits fy * row + fx * dil_w bytes in) and weights, from the d4 steps in taps (nib != NULL: its
 * ne entries at *v / *nib, both advanced past them; fillers of weight 0 dropped) or, nib NULL, record oc of the
 * 2:4 depthwise records at *v (taps <= EAT_SPARSE_PLANE_MAX_TAPS). Returns their count; *sumw = sum |w|. */
#define EAT_SPARSE_PLANE_MAX_TAPS 64
static inline int32_t eat_sparse_plane_decode(int32_t taps, int32_t k_w, int32_t row, int32_t dil_w, int32_t oc,
                                              uint32_t ne, const int8_t **v, const uint8_t **nib, int32_t *off,
                                              int32_t *wv, int32_t *sumw)
{
    int32_t n = 0, s = 0, pos = 0;   /* sum |w| <= 127 * 255: no int64 per non-zero */
    uint32_t e;
    if (*nib == NULL) {
        int16_t tap[EAT_SPARSE_PLANE_MAX_TAPS], wt[EAT_SPARSE_PLANE_MAX_TAPS];
        const int32_t m = eat_2of4_dw_decode(*v + oc * eat_2of4_dw_record(taps), taps, tap, wt);
        for (n = 0; n < m; ++n) {
            const int32_t fy = tap[n] / k_w;
            off[n] = fy * row + (tap[n] - fy * k_w) * dil_w;
            wv[n] = wt[n];
            s += wt[n] < 0 ? -wt[n] : wt[n];
        }
    } else {
        for (e = 0; e < ne; ++e) {
            pos += (int32_t)eat_sparse_d4_step(*nib, ne, e);
            if ((*v)[e] != 0) {
                const int32_t fy = pos / k_w;
                off[n] = fy * row + (pos - fy * k_w) * dil_w;
                wv[n] = (*v)[e];
                s += wv[n] < 0 ? -wv[n] : wv[n];
                ++n;
            }
        }
        *v += ne;
        *nib += eat_sparse_d4_bytes(ne);
    }
    *sumw = s;
    return n;
}

/* Portable (runtime/src/depthwise_conv2d_2of4_s8.c): any kernel, stride, dilation, padding, depth
 * multiplier. Scratch: 4 * k_h * k_w bytes (one channel's decoded taps). */
size_t eat_depthwise_conv2d_s8_sparse_2of4_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p);
void eat_depthwise_conv2d_s8_sparse_2of4(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                         const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* Cortex-M0+: the d4 depthwise's plane walk (runtime/src/armv6m/depthwise_conv2d_sparse_armv6m.c) with
 * each channel's record decoded once (k_h * k_w <= EAT_ARMV6M_2OF4_DW_MAX_TAPS); bias: folded[out_c],
 * lo[out_c], hi[out_c] (the accumulator bounds); scratch as eat_depthwise_conv2d_s8_sparse_armv6m's. */
#define EAT_ARMV6M_2OF4_DW_MAX_TAPS 64
size_t eat_depthwise_conv2d_s8_sparse_2of4_armv6m_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p);
void eat_depthwise_conv2d_s8_sparse_2of4_armv6m(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                                const int32_t *bias, const int8_t *input, int8_t *output,
                                                void *scratch);

/* Cortex-M4/M7: the d4 depthwise's plane walk (runtime/src/armv7em/depthwise_conv2d_sparse_dsp.c) with each
 * channel's record decoded once (k_h * k_w <= EAT_ARMV7EM_2OF4_DW_MAX_TAPS): channels of 1 or 2 non-zeros take
 * the dw1 / dw2 walks, four channels of 3..5 each (2:4 on 3x3 keeps 5 of 9) the two-pixel pair walk over int16
 * planes; bias: folded[out_c], lo[out_c], hi[out_c]; scratch as eat_depthwise_conv2d_s8_sparse_dsp's. */
#define EAT_ARMV7EM_2OF4_DW_MAX_TAPS EAT_SPARSE_PLANE_MAX_TAPS
size_t eat_depthwise_conv2d_s8_sparse_2of4_dsp_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p);
void eat_depthwise_conv2d_s8_sparse_2of4_dsp(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                             const int32_t *bias, const int8_t *input, int8_t *output,
                                             void *scratch);

#ifdef __cplusplus
}
#endif

#endif
