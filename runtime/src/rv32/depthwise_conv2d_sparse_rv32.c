/* RV32IMC zero-skipping DEPTHWISE_CONV_2D int8 (any kernel, stride, dilation, padding, depth multiplier) over
 * EAT_WEIGHTS_SPARSE_D4 with steps in kernel taps (fy * k_w + fx, layout "d4_taps"); bias = the compiler's
 * folded bias (bias + input_offset * sum(w[oc]), so each non-zero is one multiply-add of a raw input), then
 * lo[oc], hi[oc] (eat/sparse_rv32.h). Also CONV_2D with in_c == 1, as a depthwise of depth multiplier out_c, and
 * the 2:4 depthwise records (EAT_WEIGHTS_SPARSE_2OF4_DW, eat/sparse_2of4.h), each channel's decoded alike.
 *
 * The plane walk (as armv7em/depthwise_conv2d_sparse_dsp.c and armv6m/depthwise_conv2d_sparse_armv6m.c):
 * channel outer; per channel its input plane is copied into scratch (the padding around it holds the input
 * zero point, written once per call: x + input_offset = 0 there, as TFLM skips those taps), its non-zeros are
 * decoded once into (offset in the plane, weight) and its requantisation prepared once; then every output
 * pixel, border or not, costs per non-zero one `lb`, one `mul` and one `add`, the bounds (outputs outside
 * [lo, hi] are the clamp without requantising) and the short requantisation (eat/requant_pc.h: `mul` +
 * `mulh` with the rounding from the low word, the output zero point in its constant) and a `sb`. Channels of
 * 1..5 non-zeros take straight-line walks with every constant in registers, longer ones passes of 4 non-zeros
 * over a row of partial sums; channels of none write one constant (the compiler rewrites their bias to a small
 * one); the general requantisation (shifts outside the short form, large biases) a C loop. Bit-exact with TFLM's
 * DepthwiseConvPerChannel. rv32imc has no SIMD: plain C99, gcc -O2 (it also builds on the host). */
#include "eat/requant_pc.h"
#include "eat/sparse.h"
#include "eat/sparse_2of4.h"
#include "eat/sparse_rv32.h"

/* Four channels' planes interleaved (a pixel's 4 bytes one word, copied by one lw / sw) when a word of the
 * input holds four channels of one pixel that are four consecutive output channels (depth multiplier 1,
 * in_c % 4 == 0), else one plane: the lanes. */
static int32_t lanes(const eat_depthwise_conv2d_s8_params_t *p)
{
    return p->depth_multiplier == 1 && (p->in_c & 3) == 0 ? 4 : 1;
}

/* A row of partial sums (4 B per output column: walk_long), one channel's decoded non-zeros (offset and weight,
 * 8 B per tap), then the plane(s). */
size_t eat_depthwise_conv2d_s8_sparse_rv32_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p)
{
    return (size_t)(4 * p->out_w + 8 * p->k_h * p->k_w + lanes(p) * eat_sparse_plane_bytes(p));
}

/* The call's geometry, computed once (int8 stores may alias p's fields: gcc would reload them); the plane's
 * steps in bytes (lanes bytes per pixel): pw a row, dil_w a tap, row stride_h rows, sw stride_w pixels. */
typedef struct {
    int32_t k_w, dil_h, dil_w, pw, oh, ow, row, sw, out_c, amin, amax, out_off;
} geo_t;

/* Channels c .. c + L - 1 (L = lanes) of image `img` (img points at channel c, pixels in_c bytes apart) into
 * the plane's input part: plane (py, px) lane l = input (py - pad_h, px - pad_w) channel c + l; the rest
 * keeps the zero point. Four lanes: one lw / sw per pixel when img is word aligned (kws's 25x5x64: 125
 * words a group of four channels, against ~5 instructions a byte one channel at a time). */
static void fill_plane(const eat_depthwise_conv2d_s8_params_t *p, const int8_t *img, int8_t *plane)
{
    const int32_t pw = eat_sparse_plane_w(p), in_c = p->in_c, L = lanes(p);
    const int32_t rows = p->in_h < eat_sparse_plane_h(p) - p->pad_h ? p->in_h : eat_sparse_plane_h(p) - p->pad_h;
    const int32_t cols = p->in_w < pw - p->pad_w ? p->in_w : pw - p->pad_w;
    int32_t iy, ix;
    for (iy = 0; iy < rows && cols > 0; ++iy) {
        const int8_t *src = img + iy * p->in_w * in_c;
        int8_t *dst = plane + ((iy + p->pad_h) * pw + p->pad_w) * L;
        if (L == 1) {
            for (ix = 0; ix < cols; ++ix, src += in_c) {
                dst[ix] = *src;
            }
        } else if (((uintptr_t)src & 3u) == 0) {   /* in_c % 4 == 0: every pixel's word aligned */
            uint32_t *d32 = (uint32_t *)(void *)dst, *const end = d32 + cols;
            do {
                *d32++ = *(const uint32_t *)(const void *)src;
                src += in_c;
            } while (d32 != end);
        } else {
            for (ix = 0; ix < cols; ++ix, src += in_c, dst += 4) {
                dst[0] = src[0];
                dst[1] = src[1];
                dst[2] = src[2];
                dst[3] = src[3];
            }
        }
    }
}

/* A channel decoded: its non-zeros (offsets in the plane, weights), folded bias, bounds, requantisation. */
typedef struct {
    int32_t n, acc0, lo, hi, is_short;
    eat_rq_t q;
} chan_t;

/* Decode the channel at *v / *nib (d4: n = counts[oc] entries, fillers of weight 0 dropped; both advanced) or,
 * nib NULL, record oc of the 2:4 records at *v (EAT_WEIGHTS_SPARSE_2OF4_DW, eat/sparse_2of4.h). */
static void decode(const geo_t *g, const eat_depthwise_conv2d_s8_params_t *p, const int32_t *bias, int32_t oc,
                   uint32_t ne, const int8_t **v, const uint8_t **nib, int32_t *off, int32_t *wv, chan_t *ch)
{
    const int32_t acc0 = bias[oc];
    const uint32_t a = acc0 < 0 ? 0u - (uint32_t)acc0 : (uint32_t)acc0;
    int32_t sumw;
    const int32_t n = eat_sparse_plane_decode(p->k_h * p->k_w, g->k_w, g->dil_h * g->pw, g->dil_w, oc, ne, v, nib,
                                              off, wv, &sumw);
    ch->n = n;
    ch->acc0 = acc0;
    ch->lo = bias[g->out_c + oc];
    ch->hi = bias[2 * g->out_c + oc];
    /* the short form when |acc| < 2^29 for every input (|acc0| + 128 sum |w|) and the shift fits */
    eat_rq_prepare(&ch->q, &p->multiplier[oc], &p->shift[oc], 1);
    ch->is_short = a < (uint32_t)EAT_RQ_SHORT_ACC_LIMIT && a + 128u * (uint32_t)sumw < (uint32_t)EAT_RQ_SHORT_ACC_LIMIT
                   && eat_rq_prepare_short(&ch->q, &p->shift[oc], 1, g->out_off);
}

/* The short requantisation of a doubled accumulator acc2 = 2 acc (|acc2| < 2^30): h = the high word of
 * acc2 * m rounded by the low word's top bit (SMMULR's (acc2 m + 2^31) >> 32), then eat_rq_short's rest.
 * Between the bounds the result is in [act_min, act_max]: no clamp. */
static inline int32_t rq2(int32_t acc2, int32_t m, int32_t c, int32_t s2)
{
    const int64_t prod = (int64_t)acc2 * (int64_t)m;
    const int32_t h = (int32_t)(prod >> 32) + (int32_t)((uint32_t)prod >> 31);
    return (h + (h >> 31) + c) >> s2;
}

/* x in [-2^29, 2^29] doubled, anything beyond saturated to +-2^30 (a doubled bound beyond every doubled
 * accumulator keeps its outcome: in the short form |2 acc| < 2^30). */
static inline int32_t twice_sat(int32_t x)
{
    const int32_t lim = (int32_t)1 << 29;
    return x <= -lim ? -2 * lim : (x >= lim ? 2 * lim : 2 * x);
}

/* Every output of a channel of K (1..5) non-zeros in the short form: per output K x (lb, mul, add, the tap
 * pointer's step), the two bounds and, between them, the requantisation (9 instructions), a `sb`; per row the
 * pointers jump the gap to the next row. Constants doubled (rq2). */
static inline __attribute__((always_inline)) void walk_k(const geo_t *g, const chan_t *ch, const int32_t *off,
                                                         const int32_t *wv, const int8_t *plane, int8_t *o,
                                                         const int K)
{
    const int32_t ow = g->ow, sw = g->sw, out_c = g->out_c, gap = g->row - g->ow * g->sw;
    const int32_t b2 = 2 * ch->acc0, lo2 = twice_sat(ch->lo), hi2 = twice_sat(ch->hi);
    const int32_t m = ch->q.multiplier, c = ch->q.c, s2 = ch->q.s2, amin = g->amin, amax = g->amax;
    int32_t w0 = 2 * wv[0], w1 = K > 1 ? 2 * wv[1] : 0, w2 = K > 2 ? 2 * wv[2] : 0;
    int32_t w3 = K > 3 ? 2 * wv[3] : 0, w4 = K > 4 ? 2 * wv[4] : 0;
    const int8_t *x0 = plane + off[0], *x1 = plane + (K > 1 ? off[1] : 0), *x2 = plane + (K > 2 ? off[2] : 0);
    const int8_t *x3 = plane + (K > 3 ? off[3] : 0), *x4 = plane + (K > 4 ? off[4] : 0);
    int8_t *const last = o + g->oh * ow * out_c;
#if defined(__GNUC__)
    /* opaque to gcc: else it factors the doubling out of the sum into one more shift per output */
    __asm__("" : "+r"(w0), "+r"(w1), "+r"(w2), "+r"(w3), "+r"(w4));
#endif
    while (o != last) {
        int8_t *const end = o + ow * out_c;
        do {
            int32_t acc = b2 + w0 * *x0, v;
            x0 += sw;
            if (K > 1) {
                acc += w1 * *x1;
                x1 += sw;
            }
            if (K > 2) {
                acc += w2 * *x2;
                x2 += sw;
            }
            if (K > 3) {
                acc += w3 * *x3;
                x3 += sw;
            }
            if (K > 4) {
                acc += w4 * *x4;
                x4 += sw;
            }
            v = acc < lo2 ? amin : acc > hi2 ? amax : rq2(acc, m, c, s2);
            *o = (int8_t)v;
            o += out_c;
        } while (o != end);
        x0 += gap;
        if (K > 1) {
            x1 += gap;
        }
        if (K > 2) {
            x2 += gap;
        }
        if (K > 3) {
            x3 += gap;
        }
        if (K > 4) {
            x4 += gap;
        }
    }
}

/* One pass of K (1..4) of a long channel's non-zeros (doubled weights w2, offsets off) over a row of ow outputs
 * from `base`: the partial sums start at b2 (first) or ra[], then go back to ra[] or (last) through the bounds
 * and the short requantisation to the outputs. Per output and non-zero lb, mul, add and the pointer's step; per
 * pass lw / sw of the partial sum. */
static inline __attribute__((always_inline)) int8_t *row_pass(const geo_t *g, const chan_t *ch, const int32_t *off,
                                                              const int32_t *w2, const int8_t *base, int32_t *ra,
                                                              int8_t *o, const int K, const int first,
                                                              const int last)
{
    const int32_t ow = g->ow, sw = g->sw, out_c = g->out_c, amin = g->amin, amax = g->amax;
    const int32_t b2 = 2 * ch->acc0, lo2 = twice_sat(ch->lo), hi2 = twice_sat(ch->hi);
    const int32_t m = ch->q.multiplier, c = ch->q.c, s2 = ch->q.s2;
    const int32_t w0 = w2[0], w1 = K > 1 ? w2[1] : 0, w2_ = K > 2 ? w2[2] : 0, w3 = K > 3 ? w2[3] : 0;
    const int8_t *x0 = base + off[0], *x1 = base + (K > 1 ? off[1] : 0), *x2 = base + (K > 2 ? off[2] : 0);
    const int8_t *x3 = base + (K > 3 ? off[3] : 0);
    int32_t *const end = ra + ow;
    for (; ra != end; ++ra) {
        int32_t acc = (first ? b2 : *ra) + w0 * *x0, v;
        x0 += sw;
        if (K > 1) {
            acc += w1 * *x1;
            x1 += sw;
        }
        if (K > 2) {
            acc += w2_ * *x2;
            x2 += sw;
        }
        if (K > 3) {
            acc += w3 * *x3;
            x3 += sw;
        }
        if (!last) {
            *ra = acc;
            continue;
        }
        v = acc < lo2 ? amin : acc > hi2 ? amax : rq2(acc, m, c, s2);
        *o = (int8_t)v;
        o += out_c;
    }
    return o;
}

/* A channel of more than 5 non-zeros in the short form: per row of outputs, passes of 4 non-zeros over a row of
 * partial sums `ra` (the first pass starts them at the bias, the last takes the remaining 1..4 and
 * requantises), so every non-zero's pointer and weight stay in registers: ~4 per non-zero and output, against
 * ~9 in walk_any's loop over the arrays. Doubles the channel's weights in wv. */
static void walk_long(const geo_t *g, const chan_t *ch, const int32_t *off, int32_t *wv, const int8_t *plane,
                      int8_t *o, int32_t *ra)
{
    const int32_t n = ch->n, rest = n - 4 * ((n - 1) / 4);   /* the last pass's 1..4 */
    int32_t oy, e;
    for (e = 0; e < n; ++e) {
        wv[e] *= 2;
    }
    for (oy = 0; oy < g->oh; ++oy) {
        const int8_t *base = plane + oy * g->row;
        row_pass(g, ch, off, wv, base, ra, o, 4, 1, 0);
        for (e = 4; e < n - rest; e += 4) {
            row_pass(g, ch, off + e, wv + e, base, ra, o, 4, 0, 0);
        }
        switch (rest) {
        case 1:
            o = row_pass(g, ch, off + e, wv + e, base, ra, o, 1, 0, 1);
            break;
        case 2:
            o = row_pass(g, ch, off + e, wv + e, base, ra, o, 2, 0, 1);
            break;
        case 3:
            o = row_pass(g, ch, off + e, wv + e, base, ra, o, 3, 0, 1);
            break;
        default:
            o = row_pass(g, ch, off + e, wv + e, base, ra, o, 4, 0, 1);
            break;
        }
    }
}

/* One output of a channel from its accumulator: outside [lo, hi] the clamp, else the short or the general
 * requantisation, clamped. */
static inline int8_t out_one(const geo_t *g, const chan_t *ch, int32_t acc)
{
    int32_t v;
    if (acc < ch->lo) {
        return (int8_t)g->amin;
    }
    if (acc > ch->hi) {
        return (int8_t)g->amax;
    }
    v = ch->is_short ? eat_rq_short(acc, &ch->q) : eat_rq(acc, &ch->q) + g->out_off;
    return (int8_t)(v < g->amin ? g->amin : (v > g->amax ? g->amax : v));
}

/* Any channel: per output its non-zeros in a loop, then out_one. */
static void walk_any(const geo_t *g, const chan_t *ch, const int32_t *off, const int32_t *wv,
                     const int8_t *plane, int8_t *o)
{
    const int32_t ow = g->ow, oh = g->oh, row = g->row, sw = g->sw, out_c = g->out_c, n = ch->n, acc0 = ch->acc0;
    int32_t oy, ox, e;
    for (oy = 0; oy < oh; ++oy) {
        const int8_t *x = plane + oy * row;
        for (ox = 0; ox < ow; ++ox, x += sw, o += out_c) {
            int32_t acc = acc0;
            for (e = 0; e < n; ++e) {
                acc += wv[e] * x[off[e]];
            }
            *o = out_one(g, ch, acc);
        }
    }
}

/* A channel of no non-zero weight: every output is its bias's. */
static void walk_const(const geo_t *g, const chan_t *ch, int8_t *o)
{
    const int32_t out_c = g->out_c;
    const int8_t v = out_one(g, ch, ch->acc0);
    int32_t i;
    for (i = g->oh * g->ow; i > 0; --i, o += out_c) {
        *o = v;
    }
}

/* Both callers: the plane's padding written once, then channel by channel (the plane refilled when the
 * input channel changes: every depth multiplier's output channels share one). */
static void plane_walk(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w, const int32_t *bias,
                       const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t taps = p->k_h * p->k_w, out_c = p->out_c, dm = p->depth_multiplier, L = lanes(p);
    const geo_t g = {p->k_w, p->dilation_h, p->dilation_w * L, eat_sparse_plane_w(p) * L, p->out_h, p->out_w,
                     p->stride_h * eat_sparse_plane_w(p) * L, p->stride_w * L, out_c, p->act_min, p->act_max, p->output_offset};
    int32_t *ra = (int32_t *)scratch;    /* [out_w]: walk_long's partial sums */
    int32_t *off = ra + p->out_w;        /* [taps]: the channel's non-zeros' offsets in the plane */
    int32_t *wv = off + taps;            /* [taps]: their weights */
    int8_t *plane = (int8_t *)(wv + taps);
    uint32_t *w32 = (uint32_t *)(void *)plane, *w32_end = w32 + L * eat_sparse_plane_bytes(p) / 4;
    const uint32_t zp4 = (uint32_t)(uint8_t)(int8_t)(-p->input_offset) * 0x01010101u;
    const uint8_t *counts = w->format == EAT_WEIGHTS_SPARSE_D4 ? (const uint8_t *)w->index : NULL;   /* NULL: 2:4 */
    int32_t b, oc;
    if (g.oh <= 0 || g.ow <= 0) {
        return;
    }
    while (w32 != w32_end) {             /* the padding, once: the fills write inside it */
        *w32++ = zp4;
    }
    for (b = 0; b < p->batches; ++b) {
        const int8_t *v = w->data;
        const uint8_t *nib = counts != NULL ? counts + out_c : NULL;
        const int8_t *img = input + b * p->in_h * p->in_w * p->in_c;
        int8_t *ob = output + b * g.oh * g.ow * out_c;
        int32_t filled = -1;             /* the input channel (group of L) in the plane */
        for (oc = 0; oc < out_c; ++oc) {
            chan_t ch;
            const int8_t *lane;
            decode(&g, p, bias, oc, counts != NULL ? counts[oc] : 0u, &v, &nib, off, wv, &ch);
            if (ch.n == 0) {
                walk_const(&g, &ch, ob + oc);
                continue;
            }
            if (oc / dm / L != filled) {
                filled = oc / dm / L;
                fill_plane(p, img + filled * L, plane);
            }
            lane = plane + (oc / dm) % L;
            if (!ch.is_short) {
                walk_any(&g, &ch, off, wv, lane, ob + oc);
            } else if (ch.n > 5) {
                walk_long(&g, &ch, off, wv, lane, ob + oc, ra);
            } else if (ch.n == 1) {
                walk_k(&g, &ch, off, wv, lane, ob + oc, 1);
            } else if (ch.n == 2) {
                walk_k(&g, &ch, off, wv, lane, ob + oc, 2);
            } else if (ch.n == 3) {
                walk_k(&g, &ch, off, wv, lane, ob + oc, 3);
            } else if (ch.n == 4) {
                walk_k(&g, &ch, off, wv, lane, ob + oc, 4);
            } else {
                walk_k(&g, &ch, off, wv, lane, ob + oc, 5);
            }
        }
    }
}

void eat_depthwise_conv2d_s8_sparse_rv32(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                         const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    plane_walk(p, w, bias, input, output, scratch);
}

/* The same walk over the 2:4 records (k_h * k_w <= EAT_RV32_2OF4_DW_MAX_TAPS); same bias and scratch. */
size_t eat_depthwise_conv2d_s8_sparse_2of4_rv32_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p)
{
    return eat_depthwise_conv2d_s8_sparse_rv32_scratch_bytes(p);
}

void eat_depthwise_conv2d_s8_sparse_2of4_rv32(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                              const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    plane_walk(p, w, bias, input, output, scratch);
}

/* CONV_2D with one input channel: every filter walks the one plane (eat_sparse_conv_as_depthwise). */
size_t eat_conv2d_s8_sparse_plane_rv32_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    const eat_depthwise_conv2d_s8_params_t d = eat_sparse_conv_as_depthwise(p);
    return eat_depthwise_conv2d_s8_sparse_rv32_scratch_bytes(&d);
}

void eat_conv2d_s8_sparse_plane_rv32(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                     const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const eat_depthwise_conv2d_s8_params_t d = eat_sparse_conv_as_depthwise(p);
    plane_walk(&d, w, bias, input, output, scratch);
}
