/* CONV_2D int8 (not grouped) for ARMv7E-M (Cortex-M4/M7): im2col of 2 output pixels into int16
 * scratch, then SMLAD over 2 output channels x 2 pixels.
 *
 * Chosen by the compiler's registry for cortex-m4 / cortex-m7 (pipeline/compiler/kernels_registry.py).
 * What the compiler prepared:
 * - bias[c] = bias + input_offset * sum(filter c): the kernel sums raw int8 products, and a tap in
 *   the padding holds the input zero point (x + input_offset = 0, as TFLM skips it);
 * - weights in layout oc2_k4_interleaved: each filter zero-padded to K4 = K rounded up to 4 weights,
 *   the filter count padded to even, the two filters of a pair interleaved 4 bytes at a time with
 *   bytes 1 and 2 swapped, so SXTB16 gives (w0, w1) and SXTB16 ROR 8 gives (w2, w3);
 * - scratch of 4 * K4 bytes: the two pixels' int16 columns, interleaved 4 values at a time
 *   (x0[k..k+3], x1[k..k+3], ...), one LDRD per pixel per 4 values.
 * Inner loop per 4 k (assembly, MAC2X2_K4; K4 >= 4 always): 3 LDRD (2 filters, 2 pixels), 4 SXTB16,
 * 8 SMLAD = 16 MACs in 15 instructions plus CMP/BNE.
 * Pairs of pixels whose every channel allows the short requantisation (eat_fc_short_room, shifts in
 * [-22, -1]; checked once per call) and an even filter count run wholly in assembly (pair2_short): per block
 * of 2 filters the bias, the MAC loop, each filter's rounding constant made from its shift, per output LSL,
 * SMMULR, ADD, ADD, ASR and the clamp, 4 STRB: ~80 instructions per block beyond the MAC loop, was ~170 in C
 * (`scripts/pc_profile.py` on nucleo_f446re). The rest (an odd last pixel or filter, other shifts) takes the
 * MAC loop through mac2x2 and eat_requant_s8.
 * Both pixels are copied to scratch before either is written (the planner's overlap stays safe).
 * Elsewhere (the host, other ISAs) this file compiles to nothing. */
#include "eat/armv7em.h"
#include "eat/conv.h"
#include "eat/requant.h"

#if EAT_ARMV7EM_DSP
#pragma GCC optimize("O3")   /* -O3 here: kws on nucleo_f446re 8,368,036 -> 8,246,780 instructions */
#include "fc_armv7em.h"       /* eat_fc_short_room */
#include "window_armv7em.h"   /* after the pragma: its helpers compile at O3 like the kernel */

#define UNUSED_ARG __attribute__((unused))   /* read by the assembly (r0-r3), not by C */

/* 4 k of filters c, c + 1 (weights at r1, 8 bytes) against pixels 0, 1 (interleaved int16 columns at r0, 16
 * bytes): accumulators a00 r3, a01 r4, a10 r5, a11 r6; r7-r12 scratch. */
#define MAC2X2_K4                                                                               \
    "ldrd    r7, r8, [r1], #8\n\t"      /* filters c, c + 1: 4 weights each */                    \
    "ldrd    r9, r10, [r0], #16\n\t"    /* pixel 0: 4 int16 */                                    \
    "sxtb16  r11, r7\n\t"                                                                       \
    "sxtb16  r7, r7, ror #8\n\t"                                                                \
    "sxtb16  r12, r8\n\t"                                                                       \
    "sxtb16  r8, r8, ror #8\n\t"                                                                \
    "smlad   r3, r9, r11, r3\n\t"                                                               \
    "smlad   r3, r10, r7, r3\n\t"                                                               \
    "smlad   r4, r9, r12, r4\n\t"                                                               \
    "smlad   r4, r10, r8, r4\n\t"                                                               \
    "ldrd    r9, r10, [r0, #-8]\n\t"    /* pixel 1: 4 int16 */                                    \
    "smlad   r5, r9, r11, r5\n\t"                                                               \
    "smlad   r5, r10, r7, r5\n\t"                                                               \
    "smlad   r6, r9, r12, r6\n\t"                                                               \
    "smlad   r6, r10, r8, r6\n\t"

/* acc[0..3] (a00, a01, a10, a11) += the MAC loop from xp to xend; returns nothing (wp is not advanced for C). */
__attribute__((naked, noipa)) static void mac2x2(UNUSED_ARG const int32_t *xp, UNUSED_ARG const int8_t *wp,
                                                 UNUSED_ARG const int32_t *xend, UNUSED_ARG int32_t *acc)
{
    __asm__ volatile(
        "push    {r3-r11, lr}\n\t"          /* [sp] = acc */
        "ldm     r3, {r3-r6}\n"
        "1:\n\t"
        MAC2X2_K4
        "cmp     r0, r2\n\t"
        "bne     1b\n\t"
        "ldr     r0, [sp]\n\t"
        "stm     r0, {r3-r6}\n\t"
        "pop     {r3-r11, pc}\n\t");
}

/* What pair2_short reads (offsets in its assembly). */
typedef struct {
    const int32_t *xend, *xcol;      /* 0, 4: the two pixels' interleaved columns, end and start */
    const int32_t *bias;             /* 8: advances 2 per block */
    int8_t *out0;                    /* 12: pixel 0's outputs (pixel 1's at out0 + C); advances 2 per block */
    const int32_t *mult, *shift;     /* 16, 20: advance 2 per block */
    int32_t blocks, C, off, lo, hi;  /* 24 blocks left (C / 2), 28, 32 the output zero point, 36, 40 */
} pair2_ctx_t;
#if defined(__arm__)   /* 32-bit pointers: the layout the assembly reads */
typedef char pair2_ctx_offsets_t[offsetof(pair2_ctx_t, hi) == 40 ? 1 : -1];
#endif

/* Output a (and b, the other pixel) of a filter with multiplier r9 and shift -r (r10 = shift on entry): c =
 * 2^(r-1) + off 2^r in r12 (r11 scratch), then eat_fc_rq_s8's short form (L = 1): (SMMULR(2 acc, m) + [h < 0 ?
 * -1 : 0] + c) >> r. */
#define PAIR2_RQ(a, b)                                                                          \
    "rsb     r10, r10, #0\n\t"                                                                   \
    "sub     r11, r10, #1\n\t"                                                                   \
    "mov     r12, #1\n\t"                                                                        \
    "lsl     r12, r12, r11\n\t"                                                                  \
    "ldr     r11, [r0, #32]\n\t"                                                                 \
    "lsl     r11, r11, r10\n\t"                                                                  \
    "add     r12, r12, r11\n\t"                                                                  \
    "lsls    " a ", " a ", #1\n\t"                                                               \
    "smmulr  " a ", " a ", r9\n\t"                                                               \
    "add     " a ", " a ", " a ", asr #31\n\t"                                                   \
    "add     " a ", " a ", r12\n\t"                                                              \
    "asr     " a ", " a ", r10\n\t"                                                              \
    "lsls    " b ", " b ", #1\n\t"                                                               \
    "smmulr  " b ", " b ", r9\n\t"                                                               \
    "add     " b ", " b ", " b ", asr #31\n\t"                                                   \
    "add     " b ", " b ", r12\n\t"                                                              \
    "asr     " b ", " b ", r10\n\t"
#define PAIR2_CLAMP(a)                                                                          \
    "cmp     " a ", r11\n\t"                                                                     \
    "it      lt\n\t"                                                                             \
    "movlt   " a ", r11\n\t"                                                                     \
    "cmp     " a ", r12\n\t"                                                                     \
    "it      gt\n\t"                                                                             \
    "movgt   " a ", r12\n\t"

/* Two pixels, every pair of filters (C even), short requantisation, all in assembly (see the top). */
__attribute__((naked, noipa)) static void pair2_short(UNUSED_ARG pair2_ctx_t *ctx, UNUSED_ARG const int8_t *w)
{
    __asm__ volatile(
        "push    {r0, r4-r11, lr}\n"         /* [sp] = ctx; r1 = the weights, advancing block by block */
        "1:\n\t"
        "ldr     r0, [sp]\n\t"
        "ldr     r7, [r0, #8]\n\t"
        "ldrd    r3, r4, [r7], #8\n\t"      /* bias[c], bias[c + 1]: both pixels start there */
        "str     r7, [r0, #8]\n\t"
        "mov     r5, r3\n\t"
        "mov     r6, r4\n\t"
        "ldrd    r2, r0, [r0]\n"             /* xend, xcol */
        "2:\n\t"
        MAC2X2_K4
        "cmp     r0, r2\n\t"
        "bne     2b\n\t"
        "ldr     r0, [sp]\n\t"
        "ldrd    r7, r8, [r0, #16]\n\t"     /* mult, shift cursors */
        "ldr     r9, [r7], #4\n\t"
        "ldr     r10, [r8], #4\n\t"
        PAIR2_RQ("r3", "r5")
        "ldr     r9, [r7], #4\n\t"
        "ldr     r10, [r8], #4\n\t"
        "strd    r7, r8, [r0, #16]\n\t"
        PAIR2_RQ("r4", "r6")
        "ldrd    r11, r12, [r0, #36]\n\t"   /* lo, hi */
        PAIR2_CLAMP("r3") PAIR2_CLAMP("r4") PAIR2_CLAMP("r5") PAIR2_CLAMP("r6")
        "ldr     r7, [r0, #12]\n\t"         /* out0 */
        "ldr     r8, [r0, #28]\n\t"         /* C */
        "add     r9, r7, r8\n\t"            /* pixel 1 */
        "strb    r5, [r9]\n\t"
        "strb    r6, [r9, #1]\n\t"
        "strb    r4, [r7, #1]\n\t"
        "strb    r3, [r7], #2\n\t"
        "str     r7, [r0, #12]\n\t"
        "ldr     r7, [r0, #24]\n\t"
        "subs    r7, r7, #1\n\t"
        "str     r7, [r0, #24]\n\t"
        "bne     1b\n\t"
        "pop     {r0, r4-r11, pc}\n\t");
}
#undef PAIR2_CLAMP
#undef PAIR2_RQ

/* 1 when every channel's accumulators (bias[c] + k raw int8 products, |x w| <= 2^14) leave the short form
 * room with L = 1 (eat_fc_short_room, shift in [-22, -1]): pair2_short may requantise them all. */
static int pair2_short_ok(const eat_conv2d_s8_params_t *p, const int32_t *bias, int32_t k)
{
#ifdef EAT_SINGLE_ROUNDING
    (void)p; (void)bias; (void)k;
    return 0;   /* TFLM's single-rounding build: the general form only */
#else
    const int32_t span = k << 14;
    int32_t c;
    if (k > 32768 || (p->out_c & 1) != 0) {
        return 0;
    }
    for (c = 0; c < p->out_c; ++c) {
        const int64_t b = bias[c];
        const int32_t room = p->shift[c] > -1 ? 0 : eat_fc_short_room(p->shift[c], span);
        if (room == 0 || (b < 0 ? -b : b) >= room) {
            return 0;
        }
    }
    return 1;
#endif
}

size_t eat_conv2d_s8_dsp_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    return (size_t)4 * (size_t)eat_armv7em_k4(p);
}

/* Position of column value i of pixel px in the interleaved scratch. */
#define COL_AT(i, px) ((((i) >> 2) << 3) + ((i) & 3) + ((px) << 2))

/* n int8 values -> int16 at column positions start.. of pixel px. */
static void widen(const int8_t *src, int16_t *col, int32_t start, int32_t n, int32_t px)
{
    int32_t i = 0;
    if ((start & 3) == 0) {
        for (; i + 3 < n; i += 4) {
            const int32_t v = eat_rd32(src + i);
            const uint32_t a = (uint32_t)__sxtb16(v);          /* x0, x2 */
            const uint32_t b = (uint32_t)eat_sxtb16_ror8(v);   /* x1, x3 */
            int16_t *dst = col + COL_AT(start + i, px);
            eat_wr32(dst, (int32_t)((a & 0xFFFFu) | (b << 16)));
            eat_wr32(dst + 2, (int32_t)((b & 0xFFFF0000u) | (a >> 16)));
        }
    }
    for (; i < n; ++i) {
        col[COL_AT(start + i, px)] = src[i];
    }
}

static void im2col(const eat_conv2d_s8_params_t *p, const int8_t *input, int32_t pix, int16_t *col, int32_t px)
{
    const int32_t per_image = p->out_h * p->out_w;
    const int32_t b = pix / per_image, r = pix % per_image;
    const int8_t *img = input + b * p->in_h * p->in_w * p->in_c;
    const int32_t y0 = (r / p->out_w) * p->stride_h - p->pad_h;
    const int32_t x0 = (r % p->out_w) * p->stride_w - p->pad_w;
    const int16_t zp = (int16_t)-p->input_offset;
    int32_t fy, fx, c, k = 0;
    for (fy = 0; fy < p->k_h; ++fy) {
        const int32_t iy = y0 + p->dilation_h * fy;
        for (fx = 0; fx < p->k_w; ++fx, k += p->in_c) {
            const int32_t ix = x0 + p->dilation_w * fx;
            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                for (c = 0; c < p->in_c; ++c) {
                    col[COL_AT(k + c, px)] = zp;
                }
            } else {
                widen(img + (iy * p->in_w + ix) * p->in_c, col, k, p->in_c, px);
            }
        }
    }
}

void eat_conv2d_s8_dsp(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                       const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t K = p->k_h * p->k_w * p->in_c;
    const int32_t K4 = (K + 3) & ~3;
    const int32_t pixels = p->batches * p->out_h * p->out_w;
    const int32_t C = p->out_c;
    int16_t *col = (int16_t *)scratch;
    const int short_ok = pair2_short_ok(p, bias, K);
    int32_t pix, c, i;
    for (i = K; i < K4; ++i) {   /* the padding past K meets zero weights; keep it defined */
        col[COL_AT(i, 0)] = 0;
        col[COL_AT(i, 1)] = 0;
    }
    for (pix = 0; pix < pixels; pix += 2) {
        const int two_px = pix + 1 < pixels;
        int8_t *o0 = output + pix * C;
        int8_t *o1 = o0 + C;
        im2col(p, input, pix, col, 0);
        if (two_px) {
            im2col(p, input, pix + 1, col, 1);
        }
        if (two_px && short_ok) {
            pair2_ctx_t ctx;
            ctx.xcol = (const int32_t *)__builtin_assume_aligned(col, 4);
            ctx.xend = ctx.xcol + K4;   /* 2 pixels x K4 int16 = K4 words */
            ctx.bias = bias;
            ctx.out0 = o0;
            ctx.mult = p->multiplier;
            ctx.shift = p->shift;
            ctx.blocks = C / 2;
            ctx.C = C;
            ctx.off = p->output_offset;
            ctx.lo = p->act_min;
            ctx.hi = p->act_max;
            pair2_short(&ctx, w->data);
            continue;
        }
        for (c = 0; c < C; c += 2) {
            const int32_t *xp = (const int32_t *)__builtin_assume_aligned(col, 4);
            int32_t acc[4];
            acc[0] = acc[2] = bias[c];
            acc[1] = acc[3] = c + 1 < C ? bias[c + 1] : 0;
            mac2x2(xp, w->data + c * K4, xp + K4, acc);
            o0[c] = eat_requant_s8(acc[0], p->multiplier[c], p->shift[c], p->output_offset, p->act_min, p->act_max);
            if (two_px) {
                o1[c] = eat_requant_s8(acc[2], p->multiplier[c], p->shift[c], p->output_offset, p->act_min,
                                       p->act_max);
            }
            if (c + 1 < C) {
                o0[c + 1] = eat_requant_s8(acc[1], p->multiplier[c + 1], p->shift[c + 1], p->output_offset,
                                           p->act_min, p->act_max);
                if (two_px) {
                    o1[c + 1] = eat_requant_s8(acc[3], p->multiplier[c + 1], p->shift[c + 1], p->output_offset,
                                               p->act_min, p->act_max);
                }
            }
        }
    }
}

#elif defined(__ARM_ARCH_7EM__)
#error "ARMv7E-M build without the DSP extension flags: build with -mcpu=cortex-m4 or cortex-m7"
#else
typedef int eat_conv2d_s8_dsp_unused_t;   /* not ARMv7E-M: nothing to compile */
#endif
