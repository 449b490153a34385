/* Cortex-M4/M7 zero-skipping DEPTHWISE_CONV_2D int8 (any kernel, stride, dilation, padding, depth
 * multiplier) over EAT_WEIGHTS_SPARSE_D4 (eat/sparse.h; steps in kernel taps fy * k_w + fx, layout "d4_taps", bias
 * folded with input_offset by the compiler, so each non-zero is one multiply-add of a raw input).
 *
 * Channel outer, pixels inner: per channel (and batch) its input plane is copied into scratch with
 * the padding around it holding the input zero point (as TFLM skips those taps: x + input_offset = 0),
 * its non-zeros are decoded once (offset in the plane, weight) and its requantisation constants
 * prepared once; then every output pixel of the channel, border or not, costs one LDRSB and one MLA
 * per non-zero, the requantisation (one SMMULR in the short form), the clamp and a store.
 * Bit-exact with TFLM's DepthwiseConvPerChannel.
 * Elsewhere (the host, other ISAs) this file compiles to nothing. */
#include "eat/armv7em.h"
#include "eat/requant_pc.h"
#include "eat/sparse_armv7em.h"

#if EAT_ARMV7EM_DSP
#pragma GCC optimize("O3")

/* The padded plane: every input position an output's window reaches, rows of plane_w bytes. */
static int32_t plane_h(const eat_depthwise_conv2d_s8_params_t *p)
{
    return (p->out_h - 1) * p->stride_h + (p->k_h - 1) * p->dilation_h + 1;
}

static int32_t plane_w(const eat_depthwise_conv2d_s8_params_t *p)
{
    return (p->out_w - 1) * p->stride_w + (p->k_w - 1) * p->dilation_w + 1;
}

/* Bytes between two planes (each word aligned). */
static int32_t plane_stride(const eat_depthwise_conv2d_s8_params_t *p)
{
    return (plane_h(p) * plane_w(p) + 3) & ~3;
}

/* Four planes, filled four channels per word load, when a word of the input holds four channels of
 * one pixel that are four consecutive output channels (depth multiplier 1, in_c % 4 == 0). */
static int four_planes(const eat_depthwise_conv2d_s8_params_t *p)
{
    return p->depth_multiplier == 1 && (p->in_c & 3) == 0;
}

size_t eat_depthwise_conv2d_s8_sparse_dsp_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p)
{
    return (size_t)(8 * p->k_h * p->k_w + (four_planes(p) ? 4 : 1) * plane_stride(p));
}

/* The input rows and columns a plane holds (from (pad_h, pad_w) on); the rest of it is padding. */
static int32_t plane_rows(const eat_depthwise_conv2d_s8_params_t *p)
{
    return p->in_h < plane_h(p) - p->pad_h ? p->in_h : plane_h(p) - p->pad_h;
}

static int32_t plane_cols(const eat_depthwise_conv2d_s8_params_t *p)
{
    return p->in_w < plane_w(p) - p->pad_w ? p->in_w : plane_w(p) - p->pad_w;
}

/* Channel ic of image `img` (img points at its first byte) into the plane's input part: plane
 * (py, px) = input (py - pad_h, px - pad_w). The padding around it holds the zero point from the call's
 * start on (written once: every channel's plane has the same padding). */
__attribute__((noinline, optimize("O2"))) static void fill_plane(const eat_depthwise_conv2d_s8_params_t *p, const int8_t *img,
                                                                  int8_t *plane)
{
    const int32_t pw = plane_w(p), in_c = p->in_c, rows = plane_rows(p), cols = plane_cols(p);
    int32_t iy, ix;
    for (iy = 0; iy < rows; ++iy) {
        const int8_t *src = img + iy * p->in_w * in_c;
        int8_t *dst = plane + (iy + p->pad_h) * pw + p->pad_w;
        for (ix = 0; ix < cols; ++ix, src += in_c) {
            dst[ix] = *src;
        }
    }
}

/* Channels ic .. ic + 3 of image `img` (img points at channel ic) into four planes `stride` bytes
 * apart, one word load per pixel (four_planes): ~3 instructions per byte against ~5 one channel at a
 * time (kws's 3x3 depthwise 25x5x64: 125 bytes per plane). */
__attribute__((noinline, optimize("O2"))) static void fill_planes4(const eat_depthwise_conv2d_s8_params_t *p,
                                                                    const int8_t *img, int8_t *plane)
{
    const int32_t pw = plane_w(p), step = p->in_c, stride = plane_stride(p), rows = plane_rows(p), cols = plane_cols(p);
    int32_t iy;
    for (iy = 0; iy < rows && cols > 0; ++iy) {
        const int8_t *src = img + iy * p->in_w * step;
        uint8_t *dst = (uint8_t *)plane + (iy + p->pad_h) * pw + p->pad_w;
        uint8_t *end = dst + cols;
        do {
            const uint32_t v = (uint32_t)eat_rd32(src);
            dst[0] = (uint8_t)v;
            dst[stride] = (uint8_t)(v >> 8);
            dst[2 * stride] = (uint8_t)(v >> 16);
            dst[3 * stride] = (uint8_t)(v >> 24);
            src += step;
        } while (++dst != end);
    }
}

/* acc -> int8 in the short form (r in [1, 22], |acc| < 2^29) and clamped. */
static inline int8_t out_short(int32_t acc, int32_t m, int32_t c, int32_t s2, int32_t amin, int32_t amax)
{
    int32_t r, v;
    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(acc * 2), "r"(m));
    v = (r + (r >> 31) + c) >> s2;
    v = v < amin ? amin : v;
    return (int8_t)(v > amax ? amax : v);
}

/* A channel of at most two non-zeros, in the short form: the loop's constants (r3..r11 by one LDM,
 * in this order), then the rows, the gap from a row's end to the next row's start in the plane
 * (stride_h * plane_w - out_w * stride_w) and a row's span (out_w * stride_w). The accumulator is kept doubled (SMMULR takes 2 acc): w01
 * holds 2 w0 in its low and 2 w1 in its high half, bias2 = 2 bias, lo2 = 2 lo (saturated to
 * +-2^30: |2 acc| < 2^30 in the short form, so a bound beyond it keeps its outcome; the random tests do
 * not reach such a bound), so the requantisation needs no LSL. */
typedef struct {
    int32_t o0, o1, w01, bias2, m, c, s2, lo2, out_c;
    int32_t rows, gap, ow, amin;
} dw2_t;

/* The walks' output: the doubled accumulator lr (at or above lo) requantised in the short form (SMMULR,
 * rounding, + c, >> s2) and saturated to 127; label 6 (the act_min path joins here), the store at r1,
 * r1 += out_c, and the row's loop (r3 against its end r2). */
#define DW_OUT_SHORT                                                                 \
        "smmulr  lr, lr, r7\n\t"                                                     \
        "add     lr, lr, lr, asr #31\n\t"                                            \
        "add     lr, lr, r8\n\t"                                                     \
        "asr     lr, lr, r9\n\t"                                                     \
        "ssat    lr, #8, lr\n"                                                        \
        "6:\n\t"                                                                     \
        "strb    lr, [r1]\n\t"                                                       \
        "add     r1, r1, r11\n\t"                                                    \
        "cmp     r3, r2\n\t"                                                         \
        "bne     1b\n\t"

/* Every output pixel of one channel, stride_w `step` (1 or 2: _s1, _s2), act_max 127: per pixel one byte out at o, o + out_c,
 * ...: two LDRSB post-indexed from the taps' pointers in the plane (rows of ow, then the gap), SMLABB +
 * SMLATB; below the channel's accumulator bound lo (pipeline/compiler/clamp_bounds.py) the output is
 * act_min (12 instructions), else the short requantisation and SSAT (to 127; from lo on it is >=
 * act_min, the requantisation is non-decreasing), a store (15); 9 per row. Locals at [sp]: rows left,
 * gap, act_min. (Before: pointer + register offset loads, an LSL: 13 / 17 per output, 8 per row.) */
#define UNUSED_ARG __attribute__((unused))   /* read by the assembly (r0-r2), not by C */
#define DW2_ASM(step) \
        "push    {r4-r11, lr}\n\t"                                                   \
        "sub     sp, sp, #12\n\t"                                                    \
        "ldr     r12, [r2, #36]\n\t" "str r12, [sp, #0]\n\t"                         \
        "ldr     r12, [r2, #40]\n\t" "str r12, [sp, #4]\n\t"                         \
        "ldr     r12, [r2, #48]\n\t" "str r12, [sp, #8]\n\t"                         \
        "mov     r12, r0\n\t"                                                        \
        "ldr     r0, [r2, #44]\n\t"          /* ow */                                \
        "ldm     r2, {r3-r11}\n\t"           /* o0 o1 w01 bias2 m c s2 lo2 out_c */  \
        "add     r3, r12, r3\n\t"            /* the taps' pointers */                \
        "add     r4, r12, r4\n\t"                                                    \
        "ldr     r12, [sp, #0]\n\t"                                                  \
        "cmp     r12, #0\n\t"                                                        \
        "beq     9f\n"                                                               \
        "0:\n\t"                             /* next row */                          \
        "add     r2, r3, r0\n"               /* the row's end for the first tap */   \
        "1:\n\t"                                                                     \
        "ldrsb   lr, [r3], #" step "\n\t"                                            \
        "ldrsb   r12, [r4], #" step "\n\t"                                           \
        "smlabb  lr, r5, lr, r6\n\t"          /* 2 (bias + w0 * x0) */               \
        "smlatb  lr, r5, r12, lr\n\t"         /* + 2 w1 * x1 */                      \
        "cmp     lr, r10\n\t"                                                        \
        "blt     5f\n\t"                       /* below lo: act_min */               \
        DW_OUT_SHORT                                                                 \
        "ldr     r12, [sp, #4]\n\t"                                                  \
        "add     r3, r3, r12\n\t"                                                    \
        "add     r4, r4, r12\n\t"                                                    \
        "ldr     r12, [sp, #0]\n\t"                                                  \
        "subs    r12, r12, #1\n\t"                                                   \
        "str     r12, [sp, #0]\n\t"                                                  \
        "bne     0b\n"                                                               \
        "9:\n\t"                                                                     \
        "add     sp, sp, #12\n\t"                                                    \
        "pop     {r4-r11, pc}\n"                                                     \
        "5:\n\t"                                                                     \
        "ldr     lr, [sp, #8]\n\t"           /* act_min */                           \
        "b       6b\n\t"

__attribute__((naked, noinline)) static void dw2_channel_s1(UNUSED_ARG const int8_t *x, UNUSED_ARG int8_t *o,
                                                            UNUSED_ARG const dw2_t *k)
{
    __asm__ volatile(DW2_ASM("1"));
}

__attribute__((naked, noinline)) static void dw2_channel_s2(UNUSED_ARG const int8_t *x, UNUSED_ARG int8_t *o,
                                                            UNUSED_ARG const dw2_t *k)
{
    __asm__ volatile(DW2_ASM("2"));
}

/* dw2_channel_s* for a channel of one non-zero (2 w0 in w01's low half; o1 unused): one LDRSB and one
 * SMLABB per output, act_min kept in r4: 10 instructions below lo, 13 requantised (before: 11 / 15).
 * kws's 3x3 depthwise layers pruned to 90% have one non-zero in every channel. */
#define DW1_ASM(step) \
        "push    {r4-r11, lr}\n\t"                                                     \
        "sub     sp, sp, #8\n\t"                                                       \
        "ldr     r12, [r2, #36]\n\t" "str r12, [sp, #0]\n\t"                           \
        "ldr     r12, [r2, #40]\n\t" "str r12, [sp, #4]\n\t"                           \
        "ldr     r12, [r2, #44]\n\t"          /* ow */                                 \
        "mov     lr, r2\n\t"                                                           \
        "ldm     lr, {r3-r11}\n\t"           /* o0 (o1) w01 bias2 m c s2 lo2 out_c */  \
        "ldr     r4, [lr, #48]\n\t"          /* act_min in place of o1 */              \
        "add     r3, r0, r3\n\t"             /* the tap's pointer */                   \
        "ldr     lr, [sp, #0]\n\t"                                                     \
        "cmp     lr, #0\n\t"                                                           \
        "beq     9f\n"                                                                 \
        "0:\n\t"                             /* next row */                            \
        "add     r2, r3, r12\n"              /* the row's end */                       \
        "1:\n\t"                                                                       \
        "ldrsb   lr, [r3], #" step "\n\t"                                              \
        "smlabb  lr, r5, lr, r6\n\t"          /* 2 (bias + w0 * x0) */                 \
        "cmp     lr, r10\n\t"                                                          \
        "blt     5f\n\t"                       /* below lo: act_min */                 \
        DW_OUT_SHORT                                                                 \
        "ldr     lr, [sp, #4]\n\t"                                                     \
        "add     r3, r3, lr\n\t"                                                       \
        "ldr     lr, [sp, #0]\n\t"                                                     \
        "subs    lr, lr, #1\n\t"                                                       \
        "str     lr, [sp, #0]\n\t"                                                     \
        "bne     0b\n"                                                                 \
        "9:\n\t"                                                                       \
        "add     sp, sp, #8\n\t"                                                       \
        "pop     {r4-r11, pc}\n"                                                       \
        "5:\n\t"                                                                       \
        "mov     lr, r4\n\t"                                                           \
        "b       6b\n\t"

__attribute__((naked, noinline)) static void dw1_channel_s1(UNUSED_ARG const int8_t *x, UNUSED_ARG int8_t *o,
                                                            UNUSED_ARG const dw2_t *k)
{
    __asm__ volatile(DW1_ASM("1"));
}

__attribute__((naked, noinline)) static void dw1_channel_s2(UNUSED_ARG const int8_t *x, UNUSED_ARG int8_t *o,
                                                            UNUSED_ARG const dw2_t *k)
{
    __asm__ volatile(DW1_ASM("2"));
}

void eat_depthwise_conv2d_s8_sparse_dsp(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                        const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t out_c = p->out_c, taps = p->k_h * p->k_w, pw = plane_w(p);
    const int32_t oh = p->out_h, ow = p->out_w, sh = p->stride_h * pw, sw = p->stride_w;
    const int32_t out_off = p->output_offset, amin = p->act_min, amax = p->act_max;
    const int8_t zp = (int8_t)(-p->input_offset);
    const uint8_t *counts = (const uint8_t *)w->index;
    const uint8_t *nib0 = counts + out_c;
    const int four = four_planes(p);
    const int32_t stride = plane_stride(p), dm = p->depth_multiplier;
    int32_t *off = (int32_t *)scratch;      /* [taps]: offset of the non-zero's tap in the plane */
    int32_t *wv = off + taps;               /* [taps]: its weight */
    int8_t *planes = (int8_t *)(wv + taps);
    int8_t *plane = planes;
    uint32_t *w32 = (uint32_t *)(void *)planes;
    uint32_t *w32_end = w32 + (four ? 4 : 1) * stride / 4;
    const uint32_t zp4 = (uint32_t)(uint8_t)zp * 0x01010101u;
    int32_t b, oc;
    while (w32 != w32_end) {                /* the planes' padding, once: the fills write inside it */
        *w32++ = zp4;
    }
    for (b = 0; b < p->batches; ++b) {
        const int8_t *v = w->data;
        const uint8_t *nib = nib0;
        const int8_t *img = input + b * p->in_h * p->in_w * p->in_c;
        int32_t filled = -1;                /* the input channel in the plane */
        for (oc = 0; oc < out_c; ++oc) {
            const uint32_t ne = counts[oc];
            const int32_t acc0 = bias[oc], lo = bias[out_c + oc];   /* below lo: act_min (clamp_bounds) */
            int8_t *o = output + (b * oh * ow) * out_c + oc;
            int32_t n = 0, pos = 0, e, oy, ox, is_short;
            int64_t bound = acc0 < 0 ? -(int64_t)acc0 : (int64_t)acc0;
            eat_rq_t q;
            for (e = 0; e < (int32_t)ne; ++e) {   /* decode the channel's non-zeros (fillers have weight 0) */
                pos += (int32_t)eat_sparse_d4_step(nib, ne, (uint32_t)e);
                if (v[e] != 0) {
                    const int32_t fy = pos / p->k_w;   /* tap pos = fy * k_w + fx */
                    off[n] = fy * p->dilation_h * pw + (pos - fy * p->k_w) * p->dilation_w;
                    wv[n] = v[e];
                    bound += 128 * (int64_t)(v[e] < 0 ? -v[e] : v[e]);
                    ++n;
                }
            }
            v += ne;
            nib += eat_sparse_d4_bytes(ne);
            if (four) {
                if ((oc & 3) == 0) {
                    fill_planes4(p, img + oc, planes);
                }
                plane = planes + (oc & 3) * stride;
            } else if (oc / dm != filled) {
                filled = oc / dm;
                fill_plane(p, img + filled, plane);
            }
            eat_rq_prepare(&q, &p->multiplier[oc], &p->shift[oc], 1);
            is_short = bound < EAT_RQ_SHORT_ACC_LIMIT && eat_rq_prepare_short(&q, &p->shift[oc], 1, out_off);
            if (is_short && n <= 2 && sw <= 2 && amax == 127 && ow > 0) {   /* the common pruned cases */
                const int32_t w0 = n > 0 ? 2 * wv[0] : 0, w1 = n > 1 ? 2 * wv[1] : 0;   /* doubled: dw2_t */
                const int32_t lim = (int32_t)1 << 29;
                const int32_t lo2 = lo <= -lim ? -2 * lim : (lo >= lim ? 2 * lim : 2 * lo);
                const dw2_t k = {n > 0 ? off[0] : 0, n > 1 ? off[1] : 0,
                                 (int32_t)(((uint32_t)w1 << 16) | ((uint32_t)w0 & 0xFFFFu)),
                                 2 * acc0, q.multiplier, q.c, q.s2, lo2, out_c, oh, sh - ow * sw, ow * sw, amin};
                if (sw == 1) {
                    (n == 1 ? dw1_channel_s1 : dw2_channel_s1)(plane, o, &k);
                } else {
                    (n == 1 ? dw1_channel_s2 : dw2_channel_s2)(plane, o, &k);
                }
            } else {
                for (oy = 0; oy < oh; ++oy) {
                    const int8_t *x = plane + oy * sh;
                    for (ox = 0; ox < ow; ++ox, x += sw, o += out_c) {
                        int32_t acc = acc0;
                        for (e = 0; e < n; ++e) {
                            acc += wv[e] * x[off[e]];
                        }
                        if (acc < lo) {
                            *o = (int8_t)amin;
                        } else if (is_short) {
                            *o = out_short(acc, q.multiplier, q.c, q.s2, amin, amax);
                        } else {
                            const int32_t r = eat_rq(acc, &q) + out_off;
                            *o = (int8_t)(r < amin ? amin : (r > amax ? amax : r));
                        }
                    }
                }
            }
        }
    }
}

#elif defined(__ARM_ARCH_7EM__)
#error "ARMv7E-M build without the DSP extension flags: build with -mcpu=cortex-m4 or cortex-m7"
#else
typedef int eat_depthwise_conv2d_sparse_dsp_unused_t;   /* not ARMv7E-M: nothing to compile */
#endif
