/* Cortex-M4/M7 zero-skipping DEPTHWISE_CONV_2D int8 (any kernel, stride, dilation, padding, depth
 * multiplier) over EAT_WEIGHTS_SPARSE_D4 (eat/sparse.h; steps in kernel taps fy * k_w + fx, layout "d4_taps", bias
 * folded with input_offset by the compiler, so each non-zero is one multiply-add of a raw input) and over
 * EAT_WEIGHTS_SPARSE_2OF4_DW (eat/sparse_2of4.h: per-channel 2:4 records of the taps, decoded alike).
 *
 * Channel outer, pixels inner: per channel (and batch) its input plane is copied into scratch with
 * the padding around it holding the input zero point (as TFLM skips those taps: x + input_offset = 0),
 * its non-zeros are decoded once (offset in the plane, weight) and its requantisation constants
 * prepared once; then every output pixel of the channel, border or not, costs one LDRSB and one MLA
 * per non-zero, the requantisation (one SMMULR in the short form), the clamp and a store. Four channels
 * of 3..5 non-zeros each take int16 transposed planes and the pair walk (two output rows per pass; below).
 * Bit-exact with TFLM's DepthwiseConvPerChannel.
 * Elsewhere (the host, other ISAs) this file compiles to nothing. */
#include "eat/armv7em.h"
#include "eat/requant_pc.h"
#include "eat/sparse_2of4.h"
#include "eat/sparse_armv7em.h"

#if EAT_ARMV7EM_DSP
#pragma GCC optimize("O3")

/* Four planes, filled four channels per word load, when a word of the input holds four channels of
 * one pixel that are four consecutive output channels (depth multiplier 1, in_c % 4 == 0). */
static int four_planes(const eat_depthwise_conv2d_s8_params_t *p)
{
    return p->depth_multiplier == 1 && (p->in_c & 3) == 0;
}

static int32_t plane16_stride(const eat_depthwise_conv2d_s8_params_t *p);

/* Four channels' decoded non-zeros (8 B per tap each), the int8 planes, then (four_planes) four int16 ones. */
size_t eat_depthwise_conv2d_s8_sparse_dsp_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p)
{
    return (size_t)(32 * p->k_h * p->k_w + (four_planes(p) ? 4 * (eat_sparse_plane_bytes(p) + plane16_stride(p)) : eat_sparse_plane_bytes(p)));
}

/* The input rows and columns a plane holds (from (pad_h, pad_w) on); the rest of it is padding. */
static int32_t plane_rows(const eat_depthwise_conv2d_s8_params_t *p)
{
    return p->in_h < eat_sparse_plane_h(p) - p->pad_h ? p->in_h : eat_sparse_plane_h(p) - p->pad_h;
}

static int32_t plane_cols(const eat_depthwise_conv2d_s8_params_t *p)
{
    return p->in_w < eat_sparse_plane_w(p) - p->pad_w ? p->in_w : eat_sparse_plane_w(p) - p->pad_w;
}

/* Channel ic of image `img` (img points at its first byte) into the plane's input part: plane
 * (py, px) = input (py - pad_h, px - pad_w). The padding around it holds the zero point from the call's
 * start on (written once: every channel's plane has the same padding). */
__attribute__((noinline, optimize("O2"))) static void fill_plane(const eat_depthwise_conv2d_s8_params_t *p, const int8_t *img,
                                                                  int8_t *plane)
{
    const int32_t pw = eat_sparse_plane_w(p), in_c = p->in_c, rows = plane_rows(p), cols = plane_cols(p);
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
    const int32_t pw = eat_sparse_plane_w(p), step = p->in_c, stride = eat_sparse_plane_bytes(p), rows = plane_rows(p), cols = plane_cols(p);
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
    int32_t o2;         /* dw3: the third non-zero's offset (its doubled weight in out_c's low half) */
} dw2_t;

/* The walks' output: the doubled accumulator lr (at or above lo) requantised in the short form (SMMULR,
 * rounding, + c, >> s2) and saturated to 127; label 6 (the act_min path joins here), the store at r1,
 * r1 += out_c, and the row's loop (r3 against its end r2). */
#define DW_OUT_SHORT_STEP(STEP_OUT)                                                  \
        "smmulr  lr, lr, r7\n\t"                                                     \
        "add     lr, lr, lr, asr #31\n\t"                                            \
        "add     lr, lr, r8\n\t"                                                     \
        "asr     lr, lr, r9\n\t"                                                     \
        "ssat    lr, #8, lr\n"                                                        \
        "6:\n\t"                                                                     \
        "strb    lr, [r1]\n\t"                                                       \
        STEP_OUT                                                                     \
        "cmp     r3, r2\n\t"                                                         \
        "bne     1b\n\t"
#define DW_OUT_SHORT DW_OUT_SHORT_STEP("add     r1, r1, r11\n\t")

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

/* dw2_channel_s* for a channel of three non-zeros (the in_c 1 conv's filters, or any channel outside the
 * pair walk's four-channel groups): a third tap pointer in r0 (the row's span moves to the stack) and
 * its doubled weight in r11's low half, out_c in its high half (SMLABB reads the low half, the output
 * step is ADD r1, r11, LSR #16): 14 instructions below lo, 17 requantised (the C loop: ~49). */
#define DW3_ASM(step) \
        "push    {r4-r11, lr}\n\t"                                                   \
        "sub     sp, sp, #16\n\t"                                                    \
        "ldr     r12, [r2, #36]\n\t" "str r12, [sp, #0]\n\t"                         \
        "ldr     r12, [r2, #40]\n\t" "str r12, [sp, #4]\n\t"                         \
        "ldr     r12, [r2, #48]\n\t" "str r12, [sp, #8]\n\t"                         \
        "ldr     r12, [r2, #44]\n\t" "str r12, [sp, #12]\n\t"   /* ow */             \
        "mov     r12, r0\n\t"                                                        \
        "ldr     r0, [r2, #52]\n\t"                                                  \
        "add     r0, r12, r0\n\t"          /* the third tap's pointer */             \
        "ldm     r2, {r3-r11}\n\t"         /* o0 o1 w01 bias2 m c s2 lo2 out_c|w2 */ \
        "add     r3, r12, r3\n\t"                                                    \
        "add     r4, r12, r4\n\t"                                                    \
        "ldr     r12, [sp, #0]\n\t"                                                  \
        "cmp     r12, #0\n\t"                                                        \
        "beq     9f\n"                                                                \
        "0:\n\t"                             /* next row */                           \
        "ldr     r12, [sp, #12]\n\t"                                                 \
        "add     r2, r3, r12\n"              /* the row's end for the first tap */    \
        "1:\n\t"                                                                      \
        "ldrsb   lr, [r3], #" step "\n\t"                                             \
        "ldrsb   r12, [r4], #" step "\n\t"                                            \
        "smlabb  lr, r5, lr, r6\n\t"          /* 2 (bias + w0 * x0) */                \
        "smlatb  lr, r5, r12, lr\n\t"         /* + 2 w1 * x1 */                       \
        "ldrsb   r12, [r0], #" step "\n\t"                                            \
        "smlabb  lr, r11, r12, lr\n\t"        /* + 2 w2 * x2 */                       \
        "cmp     lr, r10\n\t"                                                         \
        "blt     5f\n\t"                       /* below lo: act_min */                \
        DW_OUT_SHORT_STEP("add     r1, r1, r11, lsr #16\n\t")                         \
        "ldr     r12, [sp, #4]\n\t"                                                   \
        "add     r3, r3, r12\n\t"                                                     \
        "add     r4, r4, r12\n\t"                                                     \
        "add     r0, r0, r12\n\t"                                                     \
        "ldr     r12, [sp, #0]\n\t"                                                   \
        "subs    r12, r12, #1\n\t"                                                    \
        "str     r12, [sp, #0]\n\t"                                                   \
        "bne     0b\n"                                                                 \
        "9:\n\t"                                                                      \
        "add     sp, sp, #16\n\t"                                                     \
        "pop     {r4-r11, pc}\n"                                                       \
        "5:\n\t"                                                                      \
        "ldr     lr, [sp, #8]\n\t"           /* act_min */                            \
        "b       6b\n\t"

__attribute__((naked, noinline)) static void dw3_channel_s1(UNUSED_ARG const int8_t *x, UNUSED_ARG int8_t *o,
                                                            UNUSED_ARG const dw2_t *k)
{
    __asm__ volatile(DW3_ASM("1"));
}

__attribute__((naked, noinline)) static void dw3_channel_s2(UNUSED_ARG const int8_t *x, UNUSED_ARG int8_t *o,
                                                            UNUSED_ARG const dw2_t *k)
{
    __asm__ volatile(DW3_ASM("2"));
}

/* ---- Channels of 3 to 5 non-zeros: two output pixels per pass over int16 planes ----
 * Four channels (a word of the input: depth multiplier 1, in_c % 4 == 0) whose every channel has 3..5
 * non-zeros (2:4 on a 3x3 kernel keeps 5 of 9 taps) take int16 planes stored transposed: plane element
 * (py, px) at px * ph + py, so the inputs of output rows oy and oy + 1 (stride_h 1) for one tap are two
 * adjacent halfwords: one LDR (post-indexed from the tap's pointer) feeds SMLABB / SMLATB (pixel oy) and
 * SMLATB / SMLATT (pixel oy + 1) against the doubled weights packed two per register. The walk goes down
 * each output column (a "line" of out_h pixels); an odd last pixel is a pass that stores one output.
 * Per pass of two outputs (5 non-zeros): LDR bias, 5 x (LDR, 2 SMLA), the short requantisation of both
 * (2 LDRD of constants, 2 x SMMULR, ADD ASR, ADD, ASR, SSAT), two STRB (out_w * out_c apart) and the ADD
 * of the output pointer, CMP, BNE: 33 instructions, 16.5 per output against ~33.5 of the dense dsp16 kernel (kws 3x3 25x5x64: 267,952
 * per layer). act_min above -128: 8 more per pass (LDR, CMP / IT / MOV after SSAT). Measured (`bench --board
 * nucleo_f446re --sparsity 0.5 --prune 2:4 --profile`, kws): its four 3x3 depthwise layers 189,696-189,929
 * against dense 267,952 (0.71x; the d4 C loop, before, 508-523 k; the portable 2:4 kernel 1.65 M). */

/* The int16 transposed planes' stride in bytes (+4: the odd last pass reads one element past a column). */
static int32_t plane16_stride(const eat_depthwise_conv2d_s8_params_t *p)
{
    return (2 * eat_sparse_plane_h(p) * eat_sparse_plane_w(p) + 4 + 3) & ~3;
}

/* lo's low half | hi's low half << 16, and lo's high half | hi's high half << 16 (gcc writes UXTH + ORR). */
__attribute__((always_inline)) static inline uint32_t pkh_lo(uint32_t lo, uint32_t hi)
{
    uint32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(lo), "r"(hi));
    return r;
}

__attribute__((always_inline)) static inline uint32_t pkh_hi(uint32_t lo, uint32_t hi)
{
    uint32_t r;
    __asm__("pkhtb %0, %2, %1, asr #16" : "=r"(r) : "r"(lo), "r"(hi));
    return r;
}

/* Channels ic .. ic + 3 of image `img` (img points at channel ic) into four int16 transposed planes
 * `stride` bytes apart, column by column: two input rows at a time are two adjacent elements of a plane,
 * so per two pixels two word loads, four SXTB16, PKHBT / PKHTB twice each and four word stores (~10
 * instructions per pixel, ~17 one pixel at a time with four STRH: kws's 25x5x64 layer 207,173 -> 194,369,
 * the fill ~34.5 k -> ~21.7 k). The padding around holds the zero point from the first use on. */
__attribute__((noinline, optimize("O2"))) static void fill_planes16(const eat_depthwise_conv2d_s8_params_t *p,
                                                                     const int8_t *img, int16_t *plane)
{
    const int32_t ph = eat_sparse_plane_h(p), step = p->in_c, rs = p->in_w * step, s = plane16_stride(p),
                  rows = plane_rows(p), cols = plane_cols(p);
    int32_t ix;
    for (ix = 0; ix < cols && rows > 0; ++ix) {
        const int8_t *src = img + ix * step;
        uint8_t *dst = (uint8_t *)(plane + (ix + p->pad_w) * ph + p->pad_h);
        const uint8_t *end = dst + 2 * (rows & ~1);
        while (dst != end) {
            const int32_t v0 = eat_rd32(src), v1 = eat_rd32(src + rs);
            const uint32_t a0 = (uint32_t)__sxtb16(v0), a1 = (uint32_t)__sxtb16(v1);
            const uint32_t b0 = (uint32_t)eat_sxtb16_ror8(v0), b1 = (uint32_t)eat_sxtb16_ror8(v1);
            eat_wr32(dst, (int32_t)pkh_lo(a0, a1));
            eat_wr32(dst + s, (int32_t)pkh_lo(b0, b1));
            eat_wr32(dst + 2 * s, (int32_t)pkh_hi(a0, a1));
            eat_wr32(dst + 3 * s, (int32_t)pkh_hi(b0, b1));
            src += 2 * rs;
            dst += 4;
        }
        if (rows & 1) {
            const int32_t v = eat_rd32(src), a = __sxtb16(v), b = eat_sxtb16_ror8(v);
            int16_t *d = (int16_t *)(void *)dst;
            d[0] = (int16_t)a;
            d[s / 2] = (int16_t)b;
            d[s] = (int16_t)(a >> 16);
            d[3 * s / 2] = (int16_t)(b >> 16);
        }
    }
}

/* One channel's pair walk: the taps' byte offsets in its int16 plane (unused ones 0), the doubled weights
 * (2 w0 | 2 w1 << 16, 2 w2 | 2 w3 << 16, 2 w4), then the constants copied to the walk's stack by one
 * LDM / PUSH: 2 bias, the short requantisation's m, c, s2, the output step down a column (out_w * out_c),
 * act_min, the gap from a line's end to the next line's start (bytes), the lines (out_w), 4 (out_h / 2)
 * (a line's full passes, in bytes of a tap pointer), the output pointer's step to the next column
 * (out_c - out_h * ostep) and out_h & 1. */
typedef struct {
    int32_t o[5], w01, w23, w4;
    int32_t bias2, m, c, s2, ostep, amin, gap, lines, pairs4, back, odd;
} dwp_t;

/* Two pixels' products (r1..r5 the taps' pointers, r6..r8 the weights): A in r9, B in r10, from 2 bias. */
#define DWP_TAP(P, W, H, ACC)                                                        \
        "ldr     r11, [" P "], #4\n\t"                                               \
        "smlab" H "  r9, r11, " W ", " ACC "\n\t"                                    \
        "smlat" H "  r10, r11, " W ", " ACC "\n\t"
#define DWP_TAP2(P, W, H) \
        "ldr     r11, [" P "], #4\n\t"                                               \
        "smlab" H "  r9, r11, " W ", r9\n\t"                                         \
        "smlat" H "  r10, r11, " W ", r10\n\t"
#define DWP_MAC3 "ldr r12, [sp, #0]\n\t" DWP_TAP("r1", "r6", "b", "r12") DWP_TAP2("r2", "r6", "t") DWP_TAP2("r3", "r7", "b")
#define DWP_MAC4 DWP_MAC3 DWP_TAP2("r4", "r7", "t")
#define DWP_MAC5 DWP_MAC4 DWP_TAP2("r5", "r8", "b")
/* The short requantisation of one doubled accumulator (r11 m, r12 c loaded; then r11 s2). */
#define DWP_CLAMP0(R) ""
#define DWP_CLAMP1(R) "cmp " R ", r11\n\t" "it lt\n\t" "movlt " R ", r11\n\t"
#define DWP_ASM(MACS, CLAMP)                                                         \
        "push    {r4-r11, lr}\n\t"                                                   \
        "add     r11, r2, #32\n\t"                                                   \
        "ldm     r11, {r2-r10, r12, lr}\n\t"                                         \
        "push    {r2-r10, r12, lr}\n\t"   /* bias2 m c s2 ostep amin gap lines pairs4 back odd */ \
        "sub     r11, r11, #32\n\t"                                                  \
        "mov     r12, r0\n\t"                                                        \
        "mov     r0, r1\n\t"                                                         \
        "ldm     r11, {r1-r8}\n\t"        /* the taps' offsets, the weights */       \
        "add     r1, r1, r12\n\t"                                                    \
        "add     r2, r2, r12\n\t"                                                    \
        "add     r3, r3, r12\n\t"                                                    \
        "add     r4, r4, r12\n\t"                                                    \
        "add     r5, r5, r12\n"                                                      \
        "0:\n\t"                          /* next line (output column) */            \
        "ldr     r12, [sp, #32]\n\t"                                                 \
        "add     lr, r1, r12\n"           /* its full passes' end for the first tap */ \
        "1:\n\t"                                                                     \
        MACS                                                                         \
        "ldrd    r11, r12, [sp, #4]\n\t"  /* m, c */                                 \
        "smmulr  r9, r9, r11\n\t"                                                    \
        "smmulr  r10, r10, r11\n\t"                                                  \
        "add     r9, r9, r9, asr #31\n\t"                                            \
        "add     r10, r10, r10, asr #31\n\t"                                         \
        "add     r9, r9, r12\n\t"                                                    \
        "add     r10, r10, r12\n\t"                                                  \
        "ldrd    r11, r12, [sp, #12]\n\t" /* s2, ostep */                            \
        "asr     r9, r9, r11\n\t"                                                    \
        "asr     r10, r10, r11\n\t"                                                  \
        "ssat    r9, #8, r9\n\t"                                                     \
        "ssat    r10, #8, r10\n\t"                                                   \
        CLAMP("r9") CLAMP("r10")                                                     \
        "strb    r9, [r0]\n\t"                                                       \
        "strb    r10, [r0, r12]\n\t"                                                 \
        "add     r0, r0, r12, lsl #1\n\t"                                            \
        "cmp     r1, lr\n\t"                                                         \
        "bne     1b\n\t"                                                             \
        "ldr     r12, [sp, #40]\n\t"      /* out_h odd: a last pass storing one */   \
        "cmp     r12, #0\n\t"                                                        \
        "beq     2f\n\t"                                                             \
        MACS                                                                         \
        "ldrd    r11, r12, [sp, #4]\n\t"                                             \
        "smmulr  r9, r9, r11\n\t"                                                    \
        "add     r9, r9, r9, asr #31\n\t"                                            \
        "add     r9, r9, r12\n\t"                                                    \
        "ldrd    r11, r12, [sp, #12]\n\t"                                            \
        "asr     r9, r9, r11\n\t"                                                    \
        "ssat    r9, #8, r9\n\t"                                                     \
        CLAMP("r9")                                                                  \
        "strb    r9, [r0]\n\t"                                                       \
        "add     r0, r0, r12\n"                                                      \
        "2:\n\t"                                                                     \
        "ldr     r12, [sp, #24]\n\t"      /* the gap to the next line */             \
        "add     r1, r1, r12\n\t"                                                    \
        "add     r2, r2, r12\n\t"                                                    \
        "add     r3, r3, r12\n\t"                                                    \
        "add     r4, r4, r12\n\t"                                                    \
        "add     r5, r5, r12\n\t"                                                    \
        "ldr     r12, [sp, #36]\n\t"                                                 \
        "add     r0, r0, r12\n\t"                                                    \
        "ldr     r12, [sp, #28]\n\t"                                                 \
        "subs    r12, r12, #1\n\t"                                                   \
        "str     r12, [sp, #28]\n\t"                                                 \
        "bne     0b\n\t"                                                             \
        "add     sp, sp, #44\n\t"                                                    \
        "pop     {r4-r11, pc}\n\t"
/* CLAMP1 needs act_min in r11 (s2 is no longer read): the macro loads it first. */
#define DWP_CLAMP_MIN(R) "ldr r11, [sp, #20]\n\t" DWP_CLAMP1(R)
#define DWP_FN(NAME, MACS, CLAMP)                                                                     \
    __attribute__((naked, noipa)) static void NAME(UNUSED_ARG const int16_t *x, UNUSED_ARG int8_t *o,    \
                                                      UNUSED_ARG const dwp_t *k)                      \
    {                                                                                                 \
        __asm__ volatile(DWP_ASM(MACS, CLAMP));                                                       \
    }
DWP_FN(dwp3, DWP_MAC3, DWP_CLAMP0)
DWP_FN(dwp4, DWP_MAC4, DWP_CLAMP0)
DWP_FN(dwp5, DWP_MAC5, DWP_CLAMP0)
DWP_FN(dwp3_min, DWP_MAC3, DWP_CLAMP_MIN)
DWP_FN(dwp4_min, DWP_MAC4, DWP_CLAMP_MIN)
DWP_FN(dwp5_min, DWP_MAC5, DWP_CLAMP_MIN)

/* The call's geometry, computed once (gcc reloads p's fields after every output byte store: int8_t
 * stores may alias them). */
typedef struct {
    int32_t taps, k_w, dil_h, dil_w, pw, ph, oh, ow, sh, sw, out_c, amin, amax, out_off;
} geo_t;

/* One output channel decoded: its non-zeros (offset in the int8 plane, weight), folded bias, bound lo,
 * requantisation and whether it has the short form. */
typedef struct {
    int32_t n, acc0, lo, is_short;
    const int32_t *off, *wv;
    eat_rq_t q;
} chan_t;

/* Decode channel oc (d4: counts / steps at *v, *nib, advanced; 2:4 records: record oc of w->data) into
 * off / wv (offsets dy * pw + dx in the int8 plane) and set up its requantisation. */
__attribute__((always_inline)) static inline void decode(const geo_t *g, const eat_depthwise_conv2d_s8_params_t *p,
                                                         const eat_weights_s8_t *w, const int32_t *bias, int32_t oc,
                                                         const int8_t **v, const uint8_t **nib, int32_t *off,
                                                         int32_t *wv, chan_t *ch)
{
    const int32_t acc0 = bias[oc];
    const uint32_t a = acc0 < 0 ? 0u - (uint32_t)acc0 : (uint32_t)acc0;
    int32_t sumw;
    const int32_t n = eat_sparse_plane_decode(g->taps, g->k_w, g->dil_h * g->pw, g->dil_w, oc,
                                              *nib != NULL ? ((const uint8_t *)w->index)[oc] : 0u, v, nib, off, wv,
                                              &sumw);
    ch->acc0 = acc0;
    ch->lo = bias[g->out_c + oc];   /* below lo: act_min (clamp_bounds) */
    ch->n = n;
    ch->off = off;
    ch->wv = wv;
    /* |acc0| + 128 sum |w| < 2^29 (EAT_RQ_SHORT_ACC_LIMIT), in uint32: a < 2^29 first; the short form's
     * constants (multiplier, c, s2) only, the general ones when it does not apply */
    ch->q.multiplier = p->multiplier[oc];
    ch->is_short = a < (uint32_t)EAT_RQ_SHORT_ACC_LIMIT && a + 128u * (uint32_t)sumw < (uint32_t)EAT_RQ_SHORT_ACC_LIMIT
                   && eat_rq_prepare_short(&ch->q, &p->shift[oc], 1, g->out_off);
    if (!ch->is_short) {
        eat_rq_prepare(&ch->q, &p->multiplier[oc], &p->shift[oc], 1);
    }
}

/* One output of channel ch from its accumulator: below lo act_min, else the short or the general
 * requantisation, clamped (the call's constants as values: int8 stores may alias what a pointer reaches). */
__attribute__((always_inline)) static inline int8_t channel_out(const chan_t *ch, int32_t acc, int32_t lo, int32_t amin,
                                                                int32_t amax, int32_t out_off)
{
    int32_t r;
    if (acc < lo) {
        return (int8_t)amin;
    }
    if (ch->is_short) {
        return out_short(acc, ch->q.multiplier, ch->q.c, ch->q.s2, amin, amax);
    }
    r = eat_rq(acc, &ch->q) + out_off;
    return (int8_t)(r < amin ? amin : (r > amax ? amax : r));
}

/* Every output of one channel from its int8 plane: the dw1 / dw2 / dw3 walks, else the C loop. */
__attribute__((always_inline)) static inline void channel8(const geo_t *g, const chan_t *ch, const int8_t *plane,
                                                           int8_t *o)
{
    const int32_t oh = g->oh, ow = g->ow, sh = g->sh, sw = g->sw, out_c = g->out_c, amin = g->amin, amax = g->amax;
    const int32_t n = ch->n, acc0 = ch->acc0, lo = ch->lo, *off = ch->off, *wv = ch->wv;
    int32_t oy, ox, e;
    if (n == 0) {   /* no non-zero weight: every output is the bias's (the compiler makes it a short constant) */
        const int8_t v = channel_out(ch, acc0, lo, amin, amax, g->out_off);
        for (oy = 0; oy < oh * ow; ++oy, o += out_c) {
            *o = v;
        }
        return;
    }
    if (ch->is_short && n <= 3 && sw <= 2 && amax == 127 && out_c < 65536) {   /* the common pruned cases */
        const int32_t w0 = n > 0 ? 2 * wv[0] : 0, w1 = n > 1 ? 2 * wv[1] : 0;   /* doubled: dw2_t */
        const int32_t w2 = n > 2 ? 2 * wv[2] : 0;
        const int32_t lim = (int32_t)1 << 29;
        const int32_t lo2 = lo <= -lim ? -2 * lim : (lo >= lim ? 2 * lim : 2 * lo);
        const int32_t oc_w2 = n > 2 ? (int32_t)(((uint32_t)out_c << 16) | ((uint32_t)w2 & 0xFFFFu)) : out_c;
        const dw2_t k = {n > 0 ? off[0] : 0, n > 1 ? off[1] : 0,
                         (int32_t)(((uint32_t)w1 << 16) | ((uint32_t)w0 & 0xFFFFu)),
                         2 * acc0, ch->q.multiplier, ch->q.c, ch->q.s2, lo2, oc_w2, oh, sh - ow * sw, ow * sw, amin,
                         n > 2 ? off[2] : 0};
        if (sw == 1) {
            (n <= 1 ? dw1_channel_s1 : n == 2 ? dw2_channel_s1 : dw3_channel_s1)(plane, o, &k);   /* n 0: w0 0 */
        } else {
            (n <= 1 ? dw1_channel_s2 : n == 2 ? dw2_channel_s2 : dw3_channel_s2)(plane, o, &k);
        }
        return;
    }
    for (oy = 0; oy < oh; ++oy) {
        const int8_t *x = plane + oy * sh;
        for (ox = 0; ox < ow; ++ox, x += sw, o += out_c) {
            int32_t acc = acc0;
            for (e = 0; e < n; ++e) {
                acc += wv[e] * x[off[e]];
            }
            *o = channel_out(ch, acc, lo, amin, amax, g->out_off);
        }
    }
}

/* Whether the pair walk may take channels oc .. oc + 3 (when the layer allows it: four planes, stride_h 1,
 * at least 2 output rows, act_max 127) before decoding them: in d4 (counts != NULL) at least 3 entries
 * each (a channel has no more non-zeros than entries). */
__attribute__((always_inline)) static inline int pairs_may_apply(const uint8_t *counts, int32_t oc)
{
    return counts == NULL || (counts[oc] >= 3 && counts[oc + 1] >= 3 && counts[oc + 2] >= 3 && counts[oc + 3] >= 3);
}

/* Whether four decoded channels take the pair walk: each 3..5 non-zeros with the short requantisation. */
__attribute__((always_inline)) static inline int pairs_apply(const chan_t *ch)
{
    int32_t k;
    for (k = 0; k < 4; ++k) {
        if (ch[k].n < 3 || ch[k].n > 5 || !ch[k].is_short) {
            return 0;
        }
    }
    return 1;
}

/* One channel's pair walk over its int16 plane. */
static void channel16(const geo_t *g, const chan_t *ch, const int16_t *plane, int8_t *o)
{
    const int32_t ph = g->ph, pw = g->pw, oh = g->oh, ow = g->ow, out_c = g->out_c;
    int32_t wd[5] = {0, 0, 0, 0, 0}, e;
    dwp_t k;
    for (e = 0; e < 5; ++e) {
        /* the int8 plane's offset dy * pw + dx (dy = fy * dilation_h, dx = fx * dilation_w < pw) -> the
         * transposed int16 plane's byte offset 2 (dx * ph + dy) */
        const int32_t dy = e < ch->n ? ch->off[e] / pw : 0, dx = e < ch->n ? ch->off[e] - dy * pw : 0;
        k.o[e] = 2 * (dx * ph + dy);
        wd[e] = e < ch->n ? 2 * ch->wv[e] : 0;
    }
    k.w01 = (int32_t)(((uint32_t)wd[1] << 16) | ((uint32_t)wd[0] & 0xFFFFu));
    k.w23 = (int32_t)(((uint32_t)wd[3] << 16) | ((uint32_t)wd[2] & 0xFFFFu));
    k.w4 = wd[4];
    k.bias2 = 2 * ch->acc0;
    k.m = ch->q.multiplier;
    k.c = ch->q.c;
    k.s2 = ch->q.s2;
    k.ostep = ow * out_c;
    k.amin = g->amin;
    k.gap = 2 * g->sw * ph - 4 * ((oh + 1) / 2);
    k.lines = ow;
    k.pairs4 = 4 * (oh / 2);
    k.back = out_c - oh * k.ostep;
    k.odd = oh & 1;
    if (g->amin == -128) {   /* SSAT is the whole clamp */
        (ch->n == 3 ? dwp3 : ch->n == 4 ? dwp4 : dwp5)(plane, o, &k);
    } else {
        (ch->n == 3 ? dwp3_min : ch->n == 4 ? dwp4_min : dwp5_min)(plane, o, &k);
    }
}

/* Both weight formats (d4 steps in taps, 2:4 records): the planes' padding written once, then channel by
 * channel (four at a time when a word holds four channels). */
static void plane_walk(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w, const int32_t *bias,
                       const int8_t *input, int8_t *output, void *scratch)
{
    const geo_t g = {p->k_h * p->k_w, p->k_w, p->dilation_h, p->dilation_w, eat_sparse_plane_w(p), eat_sparse_plane_h(p), p->out_h,
                     p->out_w, p->stride_h * eat_sparse_plane_w(p), p->stride_w, p->out_c, p->act_min, p->act_max,
                     p->output_offset};
    const int32_t out_c = g.out_c, taps = g.taps, oh = g.oh, ow = g.ow;
    const int8_t zp = (int8_t)(-p->input_offset);
    const int four = four_planes(p);
    const int32_t stride = eat_sparse_plane_bytes(p), stride16 = plane16_stride(p), dm = p->depth_multiplier;
    int32_t *off = (int32_t *)scratch;      /* [4][taps]: offsets of four channels' non-zeros in the plane */
    int32_t *wv = off + 4 * taps;           /* [4][taps]: their weights */
    int8_t *planes = (int8_t *)(wv + 4 * taps);
    int16_t *planes16 = (int16_t *)(void *)(planes + (four ? 4 : 1) * stride);
    uint32_t *w32 = (uint32_t *)(void *)planes;
    uint32_t *w32_end = w32 + (four ? 4 : 1) * stride / 4;
    const uint32_t zp4 = (uint32_t)(uint8_t)zp * 0x01010101u;
    const int pair_layer = four && p->stride_h == 1 && oh >= 2 && g.amax == 127;   /* pairs_may_apply */
    const uint8_t *counts = w->format == EAT_WEIGHTS_SPARSE_D4 ? (const uint8_t *)w->index : NULL;
    int padded16 = 0;                       /* the int16 planes' padding written */
    int32_t b, oc, k;
    if (oh <= 0 || ow <= 0) {
        return;
    }
    while (w32 != w32_end) {                /* the planes' padding, once: the fills write inside it */
        *w32++ = zp4;
    }
    for (b = 0; b < p->batches; ++b) {
        const int8_t *v = w->data;
        const uint8_t *nib = counts != NULL ? counts + out_c : NULL;
        const int8_t *img = input + b * p->in_h * p->in_w * p->in_c;
        int8_t *ob = output + b * oh * ow * out_c;
        int32_t filled = -1;                /* the input channel in the plane */
        for (oc = 0; oc < out_c; ++oc) {
            chan_t ch[4];
            if (pair_layer && (oc & 3) == 0 && pairs_may_apply(counts, oc)) {
                for (k = 0; k < 4; ++k) {
                    decode(&g, p, w, bias, oc + k, &v, &nib, off + k * taps, wv + k * taps, &ch[k]);
                }
                if (pairs_apply(ch)) {
                    if (!padded16) {
                        const uint32_t zp2 = (uint32_t)(uint16_t)(int16_t)zp * 0x00010001u;
                        uint32_t *h = (uint32_t *)(void *)planes16, *h_end = h + stride16;   /* 4 planes */
                        while (h != h_end) {
                            *h++ = zp2;
                        }
                        padded16 = 1;
                    }
                    fill_planes16(p, img + oc, planes16);
                    for (k = 0; k < 4; ++k) {
                        channel16(&g, &ch[k], (const int16_t *)(const void *)((const int8_t *)planes16 + k * stride16),
                                  ob + oc + k);
                    }
                } else {
                    fill_planes4(p, img + oc, planes);
                    for (k = 0; k < 4; ++k) {
                        channel8(&g, &ch[k], planes + k * stride, ob + oc + k);
                    }
                }
                oc += 3;
                continue;
            }
            decode(&g, p, w, bias, oc, &v, &nib, off, wv, &ch[0]);   /* one channel at a time */
            if (four) {
                if ((oc & 3) == 0) {
                    fill_planes4(p, img + oc, planes);
                }
                channel8(&g, &ch[0], planes + (oc & 3) * stride, ob + oc);
                continue;
            }
            if (oc / dm != filled) {
                filled = oc / dm;
                fill_plane(p, img + filled, planes);
            }
            channel8(&g, &ch[0], planes, ob + oc);
        }
    }
}

void eat_depthwise_conv2d_s8_sparse_dsp(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                        const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    plane_walk(p, w, bias, input, output, scratch);
}

size_t eat_depthwise_conv2d_s8_sparse_2of4_dsp_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p)
{
    return eat_depthwise_conv2d_s8_sparse_dsp_scratch_bytes(p);
}

void eat_depthwise_conv2d_s8_sparse_2of4_dsp(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                             const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    plane_walk(p, w, bias, input, output, scratch);
}

#elif defined(__ARM_ARCH_7EM__)
#error "ARMv7E-M build without the DSP extension flags: build with -mcpu=cortex-m4 or cortex-m7"
#else
typedef int eat_depthwise_conv2d_sparse_dsp_unused_t;   /* not ARMv7E-M: nothing to compile */
#endif
