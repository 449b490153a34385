/* CONV_2D int8 (not grouped) for ARMv7E-M (Cortex-M4/M7): int16 weights from the compiler, im2col of
 * 2 output pixels into int16 scratch, then SMLAD over 4 output channels x 2 pixels.
 *
 * Chosen by the compiler's registry for cortex-m4 / cortex-m7 when the int16 weights stay small
 * (pipeline/compiler/kernels_registry.py). What the compiler prepared:
 * - bias[c] = bias + input_offset * sum(filter c): the kernel sums raw int8 products, and a tap in the
 *   padding holds the input zero point (x + input_offset = 0, as TFLM skips it);
 * - weights in layout oc4_k2_w16: filters zero-padded to K4 = K rounded up to 4 and to a multiple of 4
 *   filters; per block of 4 filters, per pair of k, 4 int16 pairs (c0 k, k+1), (c1 ..), (c2 ..), (c3 ..);
 * - scratch: the per-channel requantisation constants (eat/requant_pc.h, filled once per call; the short
 *   SMMULR form when every |bias| + 128 * sum|w| < 2^29 and the shifts allow, else the general one), then
 *   the two pixels' columns as int16, interleaved 2 values at a time (x0[k, k+1], x1[k, k+1], ...).
 * Inner loop per 4 k (mac4x2, assembly): 6 LDRD + 16 SMLAD = 32 MACs, plus LDR + CMP + BNE.
 * Both pixels are copied to scratch before either is written (the planner's overlap stays safe).
 * Elsewhere (the host, other ISAs) this file compiles to nothing. */
#include "eat/armv7em.h"
#include "eat/conv.h"
#include "eat/requant_pc.h"

#if EAT_ARMV7EM_DSP
#pragma GCC optimize("O3")
#include "pack8_armv7em.h"
#include "window_armv7em.h"   /* after the pragma: its helpers compile at O3 like the kernel */

/* Fewer input channels than this: inside pixels are gathered through a per-call table of byte offsets
 * (widen's 4-value steps need runs of 4; rows of 1-3 channels fall to its single values). */
#define GATHER_IN_C 4

size_t eat_conv2d_s8_dsp16_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    const size_t k4 = (size_t)eat_armv7em_k4(p);
    return EAT_RQ_BYTES(p->out_c) + 4 * k4 + (p->in_c < GATHER_IN_C ? 2 * k4 : 0);
}

/* Position (int16 index) of column value i of pixel px in the interleaved scratch. */
#define COL2_AT(i, px) ((((i) >> 1) << 2) + ((i) & 1) + ((px) << 1))

/* acc[0..3] (pixel 0, filters c..c+3), acc[4..7] (pixel 1) += the 2 x 4 dot products over K4, with
 * x = the interleaved columns up to xend and w = the block's weights (K4 >= 4, a multiple of 4).
 * A whole function in assembly: all 14 registers are free (8 accumulators, 2 x, 2 w, 2 pointers; the
 * end pointer lives on the stack), which gcc's inline-asm operands cannot have here; noipa: gcc
 * assumes an ordinary call that reads and writes acc[]. Per 4 k: 6 LDRD +
 * 16 SMLAD + LDR/CMP/BNE for 32 MACs. */
#define UNUSED_ARG __attribute__((unused))   /* read by the assembly (r0-r3), not by C */

/* 4 filters x 2 pixels over 2 k (16 MACs: 3 LDRD + 8 SMLAD): the pixels' (k, k + 1) into r2, r3, filters
 * c, c + 1 then c + 2, c + 3 into r12, lr; pixel 0's sums in r4-r7, pixel 1's in r8-r11. */
#define MAC4X2_K2                                                                               \
    "ldrd    r2, r3, [r0], #8\n\t"                                                              \
    "ldrd    r12, lr, [r1], #8\n\t"                                                             \
    "smlad   r4, r2, r12, r4\n\t"                                                               \
    "smlad   r8, r3, r12, r8\n\t"                                                               \
    "smlad   r5, r2, lr, r5\n\t"                                                                \
    "smlad   r9, r3, lr, r9\n\t"                                                                \
    "ldrd    r12, lr, [r1], #8\n\t"                                                             \
    "smlad   r6, r2, r12, r6\n\t"                                                               \
    "smlad   r10, r3, r12, r10\n\t"                                                             \
    "smlad   r7, r2, lr, r7\n\t"                                                                \
    "smlad   r11, r3, lr, r11\n\t"

__attribute__((naked, noipa)) static void mac4x2(UNUSED_ARG const int32_t *xp, UNUSED_ARG const int32_t *wp,
                                                 UNUSED_ARG const int32_t *xend, UNUSED_ARG int32_t *acc)
{
    __asm__ volatile(
        "push    {r4-r11, lr}\n\t"
        "push    {r2, r3}\n\t"                /* [sp] = xend, [sp, #4] = acc */
        "ldm     r3, {r4-r11}\n"               /* a00 a01 a02 a03 a10 a11 a12 a13 */
        "1:\n\t"
        MAC4X2_K2   /* k, k + 1 */
        MAC4X2_K2   /* k + 2, k + 3 */
        "ldr     r2, [sp]\n\t"
        "cmp     r0, r2\n\t"
        "bne     1b\n\t"
        "pop     {r2, r3}\n\t"
        "stm     r3, {r4-r11}\n\t"
        "pop     {r4-r11, pc}\n\t");
}

/* What pair_short reads (the order its first LDM expects). */
typedef struct {
    const int32_t *xend;   /* the two pixels' interleaved columns end (col + K4 words) */
    const int32_t *xcol;   /* ... and start */
    const int32_t *bias;   /* bias[0..C) */
    int8_t *out0;          /* pixel 0's outputs; pixel 1's follow at out0 + C */
    const int32_t *rqs;    /* eat_rq_pack_short's constants */
    int32_t blocks;        /* C / 4 */
    int32_t C;
    int32_t full;          /* 1: act range [-128, 127], no clamp after SSAT */
    int32_t lo4, hi4;      /* the activation bounds in every byte */
    int32_t odd;           /* (K4 / 4) & 1: the MAC loop takes 8 k per pass, entered half-way when odd */
    const int32_t *w;      /* the oc4_k2_w16 weights, block 0 */
} pair_ctx_t;

/* Two pixels, every filter (C a multiple of 4), short requantisation, all in assembly: per block of 4
 * filters the bias by LDM into 8 accumulators, mac4x2's loop over K4, then per filter one LDM of the
 * packed constants and per output LSL, SMMULR, ADD, ADD, ASR, SSAT; 6 BFI pack both pixels' 4 bytes,
 * clamped (SSUB8 + SEL) unless full, two STR. The loop state lives in a stack frame (all 14 registers
 * go to the MAC loop): 0 xend, 4 xcol, 8 bias, 12 out0, 16 rqs, 20 blocks left, 24 C, 28 full, 32 lo4,
 * 36 hi4, 40 odd. The MAC loop takes 8 k per pass (12 LDRD + 32 SMLAD + LDR/CMP/BNE per 64 MACs),
 * entered at its second half when K4 / 4 is odd. ~80 instructions per 8 outputs beyond the MAC loop
 * (was ~210 with the C requantisation). */
__attribute__((naked, noipa)) static void pair_short(UNUSED_ARG const pair_ctx_t *ctx)
{
#define PAIR_RQ(acc)                                \
    "lsls    " acc ", " acc ", #1\n\t"              \
    "smmulr  " acc ", " acc ", r2\n\t"              \
    "add     " acc ", " acc ", " acc ", asr #31\n\t" \
    "add     " acc ", " acc ", r3\n\t"              \
    "asr     " acc ", " acc ", r12\n\t"             \
    "ssat    " acc ", #8, " acc "\n\t"
#define PAIR_RQ2(a, b) "ldm     r0!, {r2, r3, r12}\n\t" PAIR_RQ(a) PAIR_RQ(b)
    __asm__ volatile(
        "push    {r4-r11, lr}\n\t"
        "sub     sp, sp, #44\n\t"
        "ldm     r0!, {r1-r11}\n\t"
        "stm     sp, {r1-r11}\n\t"
        "ldr     r1, [r0]\n"                  /* w */
        "1:\n\t"
        "ldr     r0, [sp, #8]\n\t"
        "ldm     r0!, {r4-r7}\n\t"            /* pixel 0: bias[c..c+3] */
        "str     r0, [sp, #8]\n\t"
        "mov     r8, r4\n\t"                  /* pixel 1 */
        "mov     r9, r5\n\t"
        "mov     r10, r6\n\t"
        "mov     r11, r7\n\t"
        "ldr     r0, [sp, #4]\n\t"
        "ldr     r2, [sp, #40]\n\t"
        "cbnz    r2, 4f\n"                    /* an odd count of 4-k steps: start with the second */
        "2:\n\t"
        MAC4X2_K2   /* k, k + 1 */
        MAC4X2_K2   /* k + 2, k + 3 */
        "4:\n\t"
        MAC4X2_K2   /* k + 4, k + 5 */
        MAC4X2_K2   /* k + 6, k + 7 */
        "ldr     r2, [sp]\n\t"
        "cmp     r0, r2\n\t"
        "bne     2b\n\t"
        "ldr     r0, [sp, #16]\n\t"
        PAIR_RQ2("r4", "r8") PAIR_RQ2("r5", "r9") PAIR_RQ2("r6", "r10") PAIR_RQ2("r7", "r11")
        "str     r0, [sp, #16]\n\t"
        EAT_ARMV7EM_PACK8
        "ldr     r0, [sp, #28]\n\t"
        "cbnz    r0, 3f\n\t"
        EAT_ARMV7EM_CLAMP8(r0, 32)
        "3:\n\t"
        "ldr     r0, [sp, #12]\n\t"
        "ldr     r2, [sp, #24]\n\t"
        "str     r8, [r0, r2]\n\t"            /* pixel 1 at out0 + C */
        "str     r4, [r0], #4\n\t"
        "str     r0, [sp, #12]\n\t"
        "ldr     r0, [sp, #20]\n\t"
        "subs    r0, r0, #1\n\t"
        "str     r0, [sp, #20]\n\t"
        "bne     1b\n\t"
        "add     sp, sp, #44\n\t"
        "pop     {r4-r11, pc}\n\t");
#undef PAIR_RQ2
#undef PAIR_RQ
}

/* n int8 values -> int16 at column positions start.. of pixel px: single values up to a multiple of 4,
 * then 4 at a time (SXTB16 / SXTB16 ROR 8 regrouped into (x0, x1), (x2, x3)). */
static void widen(const int8_t *src, int16_t *col, int32_t start, int32_t n, int32_t px)
{
    int32_t i = 0;
    for (; i < n && ((start + i) & 3) != 0; ++i) {
        col[COL2_AT(start + i, px)] = src[i];
    }
    if (i + 3 < n) {
        int32_t *dst = (int32_t *)(void *)(col + COL2_AT(start + i, px));   /* 4 values = 4 words on */
        for (; i + 3 < n; i += 4, dst += 4) {
            const int32_t v = eat_rd32(src + i);
            const int32_t a = __sxtb16(v);          /* x0, x2 */
            const int32_t b = eat_sxtb16_ror8(v);   /* x1, x3 */
            const int32_t lo01 = eat_pkhbt(a, b);   /* x0, x1 */
            int32_t hi23;
            __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(hi23) : "r"(b), "r"(a));   /* x2, x3 */
            dst[0] = lo01;
            dst[2] = hi23;
        }
    }
    for (; i < n; ++i) {
        col[COL2_AT(start + i, px)] = src[i];
    }
}

static void fill_zp(int16_t *col, int32_t start, int32_t n, int32_t px, int16_t zp)
{
    int32_t i;
    for (i = start; i < start + n; ++i) {
        col[COL2_AT(i, px)] = zp;
    }
}

/* Pixel pix's receptive field -> column px. With dilation_w 1 the taps of a filter row that lie inside
 * the input are one contiguous run of bytes; the taps left and right of it (and rows outside) hold the
 * input zero point. */
/* Column px of an inside pixel whose first tap is org: col[COL2_AT(k, px)] = org[off[k]], k < K. */
static void gather(const int8_t *org, const int16_t *off, int16_t *col, int32_t px, int32_t K)
{
    int16_t *c = col + 2 * px;
    int32_t k;
    for (k = 0; k + 1 < K; k += 2, c += 4) {
        c[0] = org[off[k]];
        c[1] = org[off[k + 1]];
    }
    if (k < K) {
        c[0] = org[off[k]];
    }
}

/* The gather's offsets (filter row, column, channel order, as the weights) into off; 0 when one does
 * not fit int16 (then every pixel takes im2col). */
static int gather_offsets(const eat_conv2d_s8_params_t *p, int16_t *off)
{
    int32_t fy, fx, c, k = 0;
    for (fy = 0; fy < p->k_h; ++fy) {
        for (fx = 0; fx < p->k_w; ++fx) {
            const int32_t base = (fy * p->dilation_h * p->in_w + fx * p->dilation_w) * p->in_c;
            if (base + p->in_c - 1 > INT16_MAX) {
                return 0;
            }
            for (c = 0; c < p->in_c; ++c) {
                off[k++] = (int16_t)(base + c);
            }
        }
    }
    return 1;
}

/* off != NULL: a pixel whose window lies inside the input is gathered through it. */
static void im2col(const eat_conv2d_s8_params_t *p, const int8_t *input, int32_t pix, int16_t *col, int32_t px,
                   const int16_t *off)
{
    const int32_t per_image = p->out_h * p->out_w;
    const int32_t b = pix / per_image, r = pix % per_image;
    const int8_t *img = input + b * p->in_h * p->in_w * p->in_c;
    const int32_t y0 = (r / p->out_w) * p->stride_h - p->pad_h;
    const int32_t x0 = (r % p->out_w) * p->stride_w - p->pad_w;
    const int16_t zp = (int16_t)-p->input_offset;
    const int32_t ic = p->in_c, row_len = p->k_w * ic;
    int32_t fy, fx, k = 0;
    if (off != NULL && y0 >= 0 && x0 >= 0 && y0 + (p->k_h - 1) * p->dilation_h < p->in_h
        && x0 + (p->k_w - 1) * p->dilation_w < p->in_w) {
        gather(img + (y0 * p->in_w + x0) * ic, off, col, px, p->k_h * row_len);
        return;
    }
    if (p->k_h == 1 && p->k_w == 1 && y0 >= 0 && x0 >= 0 && y0 < p->in_h && x0 < p->in_w) {   /* 1x1 */
        widen(img + (y0 * p->in_w + x0) * ic, col, 0, ic, px);
        return;
    }
    for (fy = 0; fy < p->k_h; ++fy, k += row_len) {
        const int32_t iy = y0 + p->dilation_h * fy;
        if (iy < 0 || iy >= p->in_h) {
            fill_zp(col, k, row_len, px, zp);
        } else if (p->dilation_w == 1) {
            const int32_t fx0 = x0 < 0 ? (-x0 < p->k_w ? -x0 : p->k_w) : 0;
            const int32_t fx1 = p->in_w - x0 < p->k_w ? (p->in_w - x0 > fx0 ? p->in_w - x0 : fx0) : p->k_w;
            fill_zp(col, k, fx0 * ic, px, zp);
            widen(img + (iy * p->in_w + x0 + fx0) * ic, col, k + fx0 * ic, (fx1 - fx0) * ic, px);
            fill_zp(col, k + fx1 * ic, (p->k_w - fx1) * ic, px, zp);
        } else {
            for (fx = 0; fx < p->k_w; ++fx) {
                const int32_t ix = x0 + p->dilation_w * fx;
                if (ix < 0 || ix >= p->in_w) {
                    fill_zp(col, k + fx * ic, ic, px, zp);
                } else {
                    widen(img + (iy * p->in_w + ix) * ic, col, k + fx * ic, ic, px);
                }
            }
        }
    }
}

void eat_conv2d_s8_dsp16(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                         const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t K = p->k_h * p->k_w * p->in_c;
    const int32_t K4 = eat_armv7em_k4(p);
    const int32_t pixels = p->batches * p->out_h * p->out_w;
    const int32_t C = p->out_c;
    const int32_t out_off = p->output_offset, lo = p->act_min, hi = p->act_max;
    const int32_t lo4 = eat_bytes4(lo), hi4 = eat_bytes4(hi);
    eat_rq_t *rq = (eat_rq_t *)scratch;
    int16_t *col = (int16_t *)((int8_t *)scratch + EAT_RQ_BYTES(C));
    int16_t *off = p->in_c < GATHER_IN_C ? col + 2 * K4 : NULL;   /* after the two columns */
    const int32_t *wbase = (const int32_t *)__builtin_assume_aligned(w->data, 4);
    int32_t pix, c, i, j;
    int is_short;
    eat_rq_prepare(rq, p->multiplier, p->shift, C);
    if (off != NULL && !gather_offsets(p, off)) {
        off = NULL;
    }
    is_short = eat_rq_prepare_short_k(rq, p->shift, bias, C, K, out_off, lo, hi);
    for (i = K; i < K4; ++i) {   /* the padding past K meets zero weights; keep it defined */
        col[COL2_AT(i, 0)] = 0;
        col[COL2_AT(i, 1)] = 0;
    }
    if (is_short && (C & 3) == 0) {   /* pairs of pixels wholly in assembly (pair_short) */
        pair_ctx_t ctx;
        const int32_t *rqs = eat_rq_pack_short(rq, C);   /* rq is not read after this */
        ctx.xcol = (const int32_t *)__builtin_assume_aligned(col, 4);
        ctx.xend = ctx.xcol + K4;
        ctx.rqs = rqs;
        ctx.blocks = C >> 2;
        ctx.C = C;
        ctx.full = lo == -128 && hi == 127;
        ctx.lo4 = lo4;
        ctx.hi4 = hi4;
        ctx.odd = (K4 >> 2) & 1;
        ctx.w = wbase;
        for (pix = 0; pix + 1 < pixels; pix += 2) {
            im2col(p, input, pix, col, 0, off);
            im2col(p, input, pix + 1, col, 1, off);
            ctx.bias = bias;
            ctx.out0 = output + pix * C;
            pair_short(&ctx);
        }
        if (pix < pixels) {   /* the last, odd pixel: the MAC loop alone, then the packed constants in C */
            int8_t *o0 = output + pix * C;
            im2col(p, input, pix, col, 0, off);
            for (i = 0; i < K; ++i) {
                col[COL2_AT(i, 1)] = 0;
            }
            for (c = 0; c < C; c += 4) {
                int32_t a[8];
                a[0] = bias[c]; a[1] = bias[c + 1]; a[2] = bias[c + 2]; a[3] = bias[c + 3];
                a[4] = a[5] = a[6] = a[7] = 0;
                mac4x2((const int32_t *)__builtin_assume_aligned(col, 4), wbase + c * (K4 >> 1),
                       (const int32_t *)__builtin_assume_aligned(col, 4) + K4, a);
                for (j = 0; j < 4; ++j) {
                    o0[c + j] = eat_rq3_short_s8(a[j], rqs + 3 * (c + j), lo, hi);
                }
            }
        }
        return;
    }
    for (pix = 0; pix < pixels; pix += 2) {
        const int two_px = pix + 1 < pixels;
        int8_t *o0 = output + pix * C;
        int8_t *o1 = o0 + C;
        im2col(p, input, pix, col, 0, off);
        if (two_px) {
            im2col(p, input, pix + 1, col, 1, off);
        } else {
            for (i = 0; i < K; ++i) {
                col[COL2_AT(i, 1)] = 0;
            }
        }
        for (c = 0; c < C; c += 4) {
            const int32_t *wp = wbase + c * (K4 >> 1);          /* 4 filters x K4 int16 = 2 * K4 words */
            const int32_t *xp = (const int32_t *)__builtin_assume_aligned(col, 4);
            const int32_t *xend = xp + K4;                       /* 2 pixels x K4 int16 = K4 words */
            int32_t a[8];
            a[0] = bias[c];
            a[1] = c + 1 < C ? bias[c + 1] : 0;
            a[2] = c + 2 < C ? bias[c + 2] : 0;
            a[3] = c + 3 < C ? bias[c + 3] : 0;
            a[4] = a[0]; a[5] = a[1]; a[6] = a[2]; a[7] = a[3];
            mac4x2(xp, wp, xend, a);
            if (is_short && c + 3 < C && two_px) {   /* the common case: 8 outputs, short requantisation */
                const eat_rq_t *q = &rq[c];
                eat_wr32(o0 + c, eat_pack4_clamp(eat_rq_short(a[0], q), eat_rq_short(a[1], q + 1),
                                                 eat_rq_short(a[2], q + 2), eat_rq_short(a[3], q + 3), lo4, hi4));
                eat_wr32(o1 + c, eat_pack4_clamp(eat_rq_short(a[4], q), eat_rq_short(a[5], q + 1),
                                                 eat_rq_short(a[6], q + 2), eat_rq_short(a[7], q + 3), lo4, hi4));
                continue;
            }
            for (j = 0; j < 4 && c + j < C; ++j) {
                o0[c + j] = is_short ? eat_rq_short_s8(a[j], &rq[c + j], lo, hi)
                                     : eat_rq_s8(a[j], &rq[c + j], out_off, lo, hi);
                if (two_px) {
                    o1[c + j] = is_short ? eat_rq_short_s8(a[4 + j], &rq[c + j], lo, hi)
                                         : eat_rq_s8(a[4 + j], &rq[c + j], out_off, lo, hi);
                }
            }
        }
    }
}

#elif defined(__ARM_ARCH_7EM__)
#error "ARMv7E-M build without the DSP extension flags: build with -mcpu=cortex-m4 or cortex-m7"
#else
typedef int eat_conv2d_s8_dsp16_unused_t;   /* not ARMv7E-M: nothing to compile */
#endif
