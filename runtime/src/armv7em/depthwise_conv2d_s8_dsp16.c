/* DEPTHWISE_CONV_2D int8, depth multiplier 1, channels a multiple of 4, for ARMv7E-M (Cortex-M4/M7):
 * int16 weights from the compiler, one tap-pointer table per pixel, branch-free inner loop.
 *
 * Chosen by the compiler's registry for cortex-m4 / cortex-m7 when depth_multiplier == 1, out_c % 4 == 0
 * and k_h * k_w <= EAT_DW16_MAX_TAPS (pipeline/compiler/kernels_registry.py). What the compiler prepared:
 * - bias[c] = bias + input_offset * sum over taps of w[tap][c]: the accumulators sum raw int8 products;
 * - weights in layout dw_c4_taps_w16: per block of 4 channels, per tap, 4 int16 (w_c0, w_c2, w_c1, w_c3),
 *   i.e. the two words SXTB16 / SXTB16 ROR 8 would give: one LDRD per tap, no unpacking of weights;
 * - scratch: the per-channel requantisation constants (eat/requant_pc.h, filled here once per call;
 *   the short SMMULR form when every |bias| + 128 * sum|w| < 2^29 and shifts allow, else the general
 *   one) and one row of out_c bytes holding the input zero point.
 * Per pixel the table src[tap] points at the input pixel of each tap, or at the zero-point row when the
 * tap falls in the padding (then x + input_offset = 0, as TFLM skips it): border and interior pixels
 * run the same loop. Per tap and 4 channels: LDR x, LDRD w, 2 SXTB16, 4 SMLAxy (2.25 instructions per MAC
 * with the table load). Each pixel's channels are written after its taps are read (the planner's
 * overlap stays safe). Elsewhere this file compiles to nothing. */
#include "eat/armv7em.h"
#include "eat/depthwise_conv.h"
#include "eat/requant_pc.h"

#if EAT_ARMV7EM_DSP
#pragma GCC optimize("O3")
#include "window_armv7em.h"   /* after the pragma: its helpers compile at O3 like the kernel */

/* The per-pixel int32 accumulators of the 9-tap path (one pixel's channels, after the zero-point row). */
#define DW16_ACC_BYTES(C) ((size_t)4 * (size_t)(C))

size_t eat_depthwise_conv2d_s8_dsp16_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p)
{
    return EAT_RQ_BYTES(p->out_c) + (size_t)p->out_c + DW16_ACC_BYTES(p->out_c);
}

#define UNUSED_ARG __attribute__((unused))   /* read by the assembly (r0-r3, the stack), not by C */

/* One tap of 4 channels (r3..r6 = a0..a3, r0 the tap table, r1 the weights, r2 the channel offset). */
#define DW9_TAP(t)                                  \
    "ldr     r7, [r0, #" #t " * 4]\n\t"          \
    "ldr     r7, [r7, r2]\n\t"                   \
    "ldrd    r9, r10, [r1], #8\n\t"              \
    "sxtb16  r8, r7, ror #8\n\t"                 \
    "sxtb16  r7, r7\n\t"                         \
    "smlabb  r3, r7, r9, r3\n\t"                 \
    "smlatt  r5, r7, r9, r5\n\t"                 \
    "smlabb  r4, r8, r10, r4\n\t"                \
    "smlatt  r6, r8, r10, r6\n\t"

/* One pixel of a 9-tap window: acc[c] = bias[c] + sum over taps t of src[t][c] * w, for c < C (C a
 * multiple of 4), with src the pixel's tap-pointer table and w the dw_c4_taps_w16 weights. A whole
 * function in assembly (gcc spilled the table and the weights): per block of 4 channels LDM bias,
 * 9 x (LDR tap pointer, LDR x, LDRD w, 2 SXTB16, 2 SMLABB, 2 SMLATT), STM, ADDS/CMP/BNE: 86
 * instructions per 36 MACs. noipa: gcc assumes an ordinary call that reads src / w / bias and writes acc. */
__attribute__((naked, noipa)) static void dw9_pixel(UNUSED_ARG const int8_t *const *src, UNUSED_ARG const int32_t *w,
                                                    UNUSED_ARG const int32_t *bias, UNUSED_ARG int32_t *acc,
                                                    UNUSED_ARG int32_t C)
{
    __asm__ volatile(
        "push    {r4-r11, lr}\n\t"
        "ldr     r11, [sp, #36]\n\t"          /* C (the fifth argument) */
        "mov     r12, r2\n\t"                 /* bias */
        "mov     lr, r3\n\t"                  /* acc */
        "movs    r2, #0\n"                    /* c */
        "1:\n\t"
        "ldm     r12!, {r3-r6}\n\t"           /* a0..a3 = bias[c..c+3] */
        DW9_TAP(0) DW9_TAP(1) DW9_TAP(2)
        DW9_TAP(3) DW9_TAP(4) DW9_TAP(5)
        DW9_TAP(6) DW9_TAP(7) DW9_TAP(8)
        "stm     lr!, {r3-r6}\n\t"
        "adds    r2, r2, #4\n\t"
        "cmp     r2, r11\n\t"
        "bne     1b\n\t"
        "pop     {r4-r11, pc}\n\t");
}

#define DW16_TAP(t)                                                     \
    do {                                                                \
        const int32_t xv_ = eat_rd32(src[t] + c);                       \
        const int32_t x02_ = __sxtb16(xv_), x13_ = eat_sxtb16_ror8(xv_); \
        a0 = __smlabb(x02_, wp[2 * (t)], a0);                           \
        a2 = __smlatt(x02_, wp[2 * (t)], a2);                           \
        a1 = __smlabb(x13_, wp[2 * (t) + 1], a1);                       \
        a3 = __smlatt(x13_, wp[2 * (t) + 1], a3);                       \
    } while (0)

/* The same for a layer whose requantisation has the short form, with the requantisation in the loop too
 * and the taps read at src[t] + d + c (d: this pixel's distance from the pixel src was built for, so an
 * inside pixel reuses the row's table; the fifth argument is then d + C):
 * per channel LDM (multiplier, c, s2) from rqs (eat_rq_pack_short), LSL, SMMULR, ADD, ADD, ASR, SSAT;
 * 3 BFI pack the 4 bytes, clamped (SSUB8 + SEL against lo4 / hi4) unless full != 0, one STR to out + c:
 * ~123 instructions per 36 MACs and 4 outputs. */
__attribute__((naked, noipa)) static void dw9_pixel_short(UNUSED_ARG const int8_t *const *src,
                                                          UNUSED_ARG const int32_t *w, UNUSED_ARG const int32_t *bias,
                                                          UNUSED_ARG int8_t *out, UNUSED_ARG int32_t C,
                                                          UNUSED_ARG const int32_t *rqs, UNUSED_ARG int32_t full,
                                                          UNUSED_ARG int32_t lo4, UNUSED_ARG int32_t hi4,
                                                          UNUSED_ARG int32_t d)
{
#define DW9_RQ(acc)                                 \
    "ldm     r11!, {r7, r8, r9}\n\t"                \
    "lsls    " acc ", " acc ", #1\n\t"              \
    "smmulr  " acc ", " acc ", r7\n\t"              \
    "add     " acc ", " acc ", " acc ", asr #31\n\t" \
    "add     " acc ", " acc ", r8\n\t"              \
    "asr     " acc ", " acc ", r9\n\t"              \
    "ssat    " acc ", #8, " acc "\n\t"
    __asm__ volatile(
        "push    {r4-r11, lr}\n\t"   /* then [sp, #36] = d + C, #40 rqs, #44 full, #48 lo4, #52 hi4, #56 d */
        "ldr     r11, [sp, #40]\n\t"
        "mov     r12, r2\n\t"                 /* bias */
        "mov     lr, r3\n\t"                  /* out */
        "ldr     r2, [sp, #56]\n"             /* d + c: the taps' byte offset */
        "1:\n\t"
        "ldm     r12!, {r3-r6}\n\t"
        DW9_TAP(0) DW9_TAP(1) DW9_TAP(2)
        DW9_TAP(3) DW9_TAP(4) DW9_TAP(5)
        DW9_TAP(6) DW9_TAP(7) DW9_TAP(8)
        DW9_RQ("r3") DW9_RQ("r4") DW9_RQ("r5") DW9_RQ("r6")
        "bfi     r3, r4, #8, #8\n\t"
        "bfi     r3, r5, #16, #8\n\t"
        "bfi     r3, r6, #24, #8\n\t"
        "ldr     r7, [sp, #44]\n\t"
        "cbnz    r7, 2f\n\t"
        "ldrd    r7, r8, [sp, #48]\n\t"
        "ssub8   r9, r3, r7\n\t"
        "sel     r3, r3, r7\n\t"              /* GE where byte >= lo: keep it, else lo */
        "ssub8   r9, r3, r8\n\t"
        "sel     r3, r8, r3\n"                 /* GE where byte >= hi: hi, else keep */
        "2:\n\t"
        "str     r3, [lr], #4\n\t"
        "adds    r2, r2, #4\n\t"
        "ldr     r7, [sp, #36]\n\t"
        "cmp     r2, r7\n\t"
        "bne     1b\n\t"
        "pop     {r4-r11, pc}\n\t");
#undef DW9_RQ
}

void eat_depthwise_conv2d_s8_dsp16(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                   const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t C = p->out_c;
    const int32_t taps = p->k_h * p->k_w;
    const int32_t out_off = p->output_offset, lo = p->act_min, hi = p->act_max;
    const int32_t lo4 = eat_bytes4(lo), hi4 = eat_bytes4(hi);
    const int32_t tap_dy = p->dilation_h * p->in_w * C, tap_dx = p->dilation_w * C;
    eat_rq_t *rq = (eat_rq_t *)scratch;
    int8_t *zrow = (int8_t *)scratch + EAT_RQ_BYTES(C);
    int32_t *accs = (int32_t *)__builtin_assume_aligned(zrow + C, 4);   /* C % 4 == 0 */
    const int full_range = lo == -128 && hi == 127;   /* the clamp after SSAT changes nothing */
    const int32_t *wblocks = (const int32_t *)__builtin_assume_aligned(w->data, 4);
    const int8_t *src[EAT_DW16_MAX_TAPS];
    int32_t b, oy, ox, c, fy, fx, t, tab_x0 = 0;
    int have_tab;   /* src holds an inside pixel's table of this row, built at x0 = tab_x0 */
    int is_short;
    const int32_t *rqs;
    eat_rq_prepare(rq, p->multiplier, p->shift, C);
    is_short = eat_rq_prepare_short_k(rq, p->shift, bias, C, taps, out_off, lo, hi);
    rqs = is_short && taps == 9 ? eat_rq_pack_short(rq, C) : NULL;   /* then only rqs is read, not rq */
    memset(zrow, (int)(int8_t)-p->input_offset, (size_t)C);
    for (b = 0; b < p->batches; ++b) {
        const int8_t *img = input + b * p->in_h * p->in_w * C;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            have_tab = 0;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                int8_t *out = output + ((b * p->out_h + oy) * p->out_w + ox) * C;
                const int32_t *wp = wblocks;
                if (EAT_ARMV7EM_DW_INSIDE(p, y0, x0)) {   /* no bounds checks */
                    const int8_t *row = img + (y0 * p->in_w + x0) * C;
                    if (rqs != NULL && have_tab) {   /* the row's table, shifted by d */
                        const int32_t d = (x0 - tab_x0) * C;
                        dw9_pixel_short(src, wblocks, bias, out, d + C, rqs, full_range, lo4, hi4, d);
                        continue;
                    }
                    have_tab = 1;
                    tab_x0 = x0;
                    for (fy = 0, t = 0; fy < p->k_h; ++fy, row += tap_dy) {
                        const int8_t *q = row;
                        for (fx = 0; fx < p->k_w; ++fx, ++t, q += tap_dx) {
                            src[t] = q;
                        }
                    }
                } else {
                    have_tab = 0;
                    for (fy = 0, t = 0; fy < p->k_h; ++fy) {
                        const int32_t iy = y0 + fy * p->dilation_h;
                        const int row_in = iy >= 0 && iy < p->in_h;
                        for (fx = 0; fx < p->k_w; ++fx, ++t) {
                            const int32_t ix = x0 + fx * p->dilation_w;
                            src[t] = row_in && ix >= 0 && ix < p->in_w ? img + (iy * p->in_w + ix) * C : zrow;
                        }
                    }
                }
                if (rqs != NULL) {   /* 9 taps, short requantisation: the whole pixel in assembly */
                    dw9_pixel_short(src, wblocks, bias, out, C, rqs, full_range, lo4, hi4, 0);
                    continue;
                }
                if (taps == 9) {   /* the taps in assembly, then requantise the pixel's accumulators */
                    dw9_pixel(src, wblocks, bias, accs, C);
                    for (c = 0; c < C; c += 4) {
                        const int32_t a0 = accs[c], a1 = accs[c + 1], a2 = accs[c + 2], a3 = accs[c + 3];
                        if (is_short) {
                            const uint32_t v = eat_pack4(eat_rq_short(a0, &rq[c]), eat_rq_short(a1, &rq[c + 1]),
                                                         eat_rq_short(a2, &rq[c + 2]), eat_rq_short(a3, &rq[c + 3]));
                            eat_wr32(out + c, full_range ? (int32_t)v : eat_clamp4(v, lo4, hi4));
                        } else {
                            out[c] = eat_rq_s8(a0, &rq[c], out_off, lo, hi);
                            out[c + 1] = eat_rq_s8(a1, &rq[c + 1], out_off, lo, hi);
                            out[c + 2] = eat_rq_s8(a2, &rq[c + 2], out_off, lo, hi);
                            out[c + 3] = eat_rq_s8(a3, &rq[c + 3], out_off, lo, hi);
                        }
                    }
                    continue;
                }
                for (c = 0; c < C; c += 4, wp += 2 * taps) {
                    int32_t a0 = bias[c], a1 = bias[c + 1], a2 = bias[c + 2], a3 = bias[c + 3];
                    for (t = 0; t < taps; ++t) {   /* other tap counts (9 took the assembly above) */
                        DW16_TAP(t);
                    }
                    if (is_short) {
                        eat_wr32(out + c, eat_pack4_clamp(eat_rq_short(a0, &rq[c]), eat_rq_short(a1, &rq[c + 1]),
                                                          eat_rq_short(a2, &rq[c + 2]),
                                                          eat_rq_short(a3, &rq[c + 3]), lo4, hi4));
                    } else {
                        out[c] = eat_rq_s8(a0, &rq[c], out_off, lo, hi);
                        out[c + 1] = eat_rq_s8(a1, &rq[c + 1], out_off, lo, hi);
                        out[c + 2] = eat_rq_s8(a2, &rq[c + 2], out_off, lo, hi);
                        out[c + 3] = eat_rq_s8(a3, &rq[c + 3], out_off, lo, hi);
                    }
                }
            }
        }
    }
}

#elif defined(__ARM_ARCH_7EM__)
#error "ARMv7E-M build without the DSP extension flags: build with -mcpu=cortex-m4 or cortex-m7"
#else
typedef int eat_depthwise_conv2d_s8_dsp16_unused_t;   /* not ARMv7E-M: nothing to compile */
#endif
