/* Cortex-M4/M7 zero-skipping CONV_2D over EAT_WEIGHTS_SPARSE_D4 with steps in im2col positions
 * (k = (fy * k_w + fx) * in_c + ic), eight output pixels per walk of each filter's non-zeros
 * (eat_conv2d_s8_sparse_b8_dsp), or four (eat_conv2d_s8_sparse_b4_dsp: layers of few output pixels, the
 * example's 3x3x16 -> 32 on 2x2, where the 8-pixel walk does twice the work it needs).
 *
 * Two pixels per multiply: the block's receptive fields are gathered into scratch as [k][4] words,
 * word j holding pixels 2j and 2j + 1 as X = (x0 + 128) + x1 * 2^24 (lane 0 unsigned, lane 1 signed,
 * so X is an exact int32). One SMLAL of X by a weight w adds w * (x0 + 128) + w * x1 * 2^24 to a 64-bit
 * sum: lane 0 in bits 0..23, lane 1 above. The sums start at (L0 + 2^23) + L1 * 2^24 with
 * L0 = bias + (input_offset - 128) * sum(w) (the bias the compiler folded, since lane 0 reads x + 128)
 * and L1 = L0 + 128 * sum(w) (lane 1 reads x), so at the end lane 0 + 2^23 = bits 0..23 and lane 1 =
 * the sum >> 24, exactly, as long as |accumulator| < 2^23 (the compiler checks |bias| + 255 * sum|w|
 * per channel, EAT_SPARSE_B8_DSP_ACC_LIMIT). Both lanes are then TFLM's accumulator.
 * Per non-zero: its step decoded (LDRB of the step byte, AND, ADD), its weight (LDRSB), then two LDRD
 * and four SMLAL for the eight pixels. Instructions are what QEMU counts: 23 per step byte (two
 * non-zeros x eight pixels), 1.44 per non-zero and pixel, plus ~40 per channel and block. The 4-pixel
 * walk keeps the step byte in a register (its high nibble needs no reload): one LDRD and two SMLAL per
 * non-zero, 13 per step byte.
 * After the walk, outputs whose accumulator is outside the channel's bounds [lo, hi] are the clamp
 * (no requantisation); the others take eat/requant_pc.h's short form (|acc| < 2^23 < 2^29) when the
 * shifts allow, else the general one. The block is gathered before any output of it is written.
 * Elsewhere (the host, other ISAs) this file compiles to nothing. */
#include "eat/armv7em.h"
#include "eat/requant_pc.h"
#include "eat/sparse_armv7em.h"

#if EAT_ARMV7EM_DSP
#pragma GCC optimize("O3")

size_t eat_conv2d_s8_sparse_b8_dsp_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    return (size_t)(16 * p->k_h * p->k_w * p->in_c + 88 * p->out_c);
}

size_t eat_conv2d_s8_sparse_b4_dsp_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    return (size_t)(8 * p->k_h * p->k_w * p->in_c + 56 * p->out_c);
}

size_t eat_conv2d_s8_sparse_b8_pc_dsp_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    return eat_conv2d_s8_sparse_b8_dsp_scratch_bytes(p);
}

size_t eat_conv2d_s8_sparse_b4_pc_dsp_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    return eat_conv2d_s8_sparse_b4_dsp_scratch_bytes(p);
}

/* One entry of the walk, eight pixels: the step byte's low nibble (the byte loaded, lr past it) or its
 * high nibble (the byte reloaded at lr - 1), t advanced by step * 16, then B8_MAC8: the weight, four
 * SMLAL (two pixels each) from t's row. */
#define B8_MAC8                                                                      \
        "ldrsb   r11, [r12], #1\n\t"                                                 \
        "ldrd    r8, r9, [r10]\n\t"                                                  \
        "smlal   r0, r1, r8, r11\n\t"                                                \
        "smlal   r2, r3, r9, r11\n\t"                                                \
        "ldrd    r8, r9, [r10, #8]\n\t"                                              \
        "smlal   r4, r5, r8, r11\n\t"                                                \
        "smlal   r6, r7, r9, r11\n\t"
#define B8_STEP_LO                                                                   \
        "ldrb    r8, [lr], #1\n\t"                                                   \
        "and     r9, r8, #15\n\t"                                                    \
        "add     r10, r10, r9, lsl #4\n\t"                                           \
        B8_MAC8
#define B8_STEP_HI                                                                   \
        "ldrb    r8, [lr, #-1]\n\t"                                                  \
        "and     r8, r8, #0xF0\n\t"          /* (d >> 4) * 16: a row of t is 16 bytes */ \
        "add     r10, r10, r8\n\t"                                                   \
        B8_MAC8

/* Registers in the walk: r0-r7 the four 64-bit sums (lo, hi), r8/r9 the loaded words (and the step
 * byte), r10 walks t, r11 the weight (and, at a channel's start, n odd), r12 the values, lr the step
 * bytes (a channel of odd n enters at its first byte's second half). Locals at [sp]: t, the next
 * count, the next init, the end of the counts, the next sums, the channel's end of steps. */
#define UNUSED_ARG __attribute__((unused))   /* read by the assembly (r0-r3, the stack), not by C */
__attribute__((naked, noinline)) void eat_armv7em_sparse_b8_walk(UNUSED_ARG const int32_t *t, UNUSED_ARG const int8_t *v,
                                                                 UNUSED_ARG const uint8_t *index,
                                                                 UNUSED_ARG const int32_t *init,
                                                                 UNUSED_ARG int32_t *sums, UNUSED_ARG uint32_t out_c)
{
    __asm__ volatile(
        "push    {r4-r11, lr}\n\t"
        "sub     sp, sp, #24\n\t"            /* sums at [sp, #60], out_c at [sp, #64] */
        "str     r0, [sp, #0]\n\t"
        "str     r3, [sp, #8]\n\t"
        "ldr     r4, [sp, #60]\n\t"
        "str     r4, [sp, #16]\n\t"
        "ldr     r4, [sp, #64]\n\t"
        "add     lr, r2, r4\n\t"             /* the first step byte = the end of the counts */
        "str     r2, [sp, #4]\n\t"
        "str     lr, [sp, #12]\n\t"
        "mov     r12, r1\n\t"
        "cmp     r2, lr\n\t"
        "beq     9f\n"
        "0:\n\t"                             /* next channel */
        "ldr     r8, [sp, #4]\n\t"
        "ldrb    r9, [r8], #1\n\t"
        "str     r8, [sp, #4]\n\t"
        "and     r11, r9, #1\n\t"           /* n odd (r11 is the weight once the walk starts) */
        "add     r9, r9, #1\n\t"
        "add     r9, lr, r9, lsr #1\n\t"    /* the channel's end: (n + 1) / 2 step bytes */
        "str     r9, [sp, #20]\n\t"
        "ldr     r8, [sp, #8]\n\t"
        "ldm     r8!, {r0-r7}\n\t"         /* the four sums' start (four copies: no MOVs) */
        "str     r8, [sp, #8]\n\t"
        "ldr     r10, [sp, #0]\n\t"
        "subs    r8, r9, lr\n\t"            /* the channel's step bytes */
        "beq     2f\n\t"
        "lsls    r8, r8, #31\n\t"
        "bne     6f\n\t"                    /* odd: the first byte in the loop's second half */
        "cmp     r11, #0\n\t"
        "beq     1f\n\t"
        "add     lr, lr, #1\n\t"            /* n odd: the first byte's high nibble only */
        "b       4f\n"
        "6:\n\t"
        "cmp     r11, #0\n\t"
        "beq     3f\n\t"
        "add     lr, lr, #1\n\t"
        "b       5f\n"
        "1:\n\t"                             /* two step bytes: four entries x eight pixels */
        B8_STEP_LO
        "4:\n\t"
        B8_STEP_HI
        "3:\n\t"
        B8_STEP_LO
        "5:\n\t"
        B8_STEP_HI
        "ldr     r8, [sp, #20]\n\t"
        "cmp     lr, r8\n\t"
        "bne     1b\n"
        "2:\n\t"                             /* lanes out: lo = L0 + 2^23 in bits 0..23, L1 = sum >> 24 */
        "ubfx    r8, r0, #0, #24\n\t" "lsr r0, r0, #24\n\t" "orr r1, r0, r1, lsl #8\n\t" "sub r0, r8, #0x800000\n\t"
        "ubfx    r8, r2, #0, #24\n\t" "lsr r2, r2, #24\n\t" "orr r3, r2, r3, lsl #8\n\t" "sub r2, r8, #0x800000\n\t"
        "ubfx    r8, r4, #0, #24\n\t" "lsr r4, r4, #24\n\t" "orr r5, r4, r5, lsl #8\n\t" "sub r4, r8, #0x800000\n\t"
        "ubfx    r8, r6, #0, #24\n\t" "lsr r6, r6, #24\n\t" "orr r7, r6, r7, lsl #8\n\t" "sub r6, r8, #0x800000\n\t"
        "ldr     r8, [sp, #16]\n\t"
        "stm     r8!, {r0-r7}\n\t"
        "str     r8, [sp, #16]\n\t"
        "ldr     r8, [sp, #4]\n\t"
        "ldr     r9, [sp, #12]\n\t"
        "cmp     r8, r9\n\t"
        "bne     0b\n"
        "9:\n\t"
        "add     sp, sp, #24\n\t"
        "pop     {r4-r11, pc}\n\t");
}

/* The 4-pixel walk's entries: t's rows are 8 bytes. The step byte stays in r4: the low nibble's entry
 * loads it (lr past it), the high nibble's reads it again from r4. */
#define B4_MAC4                                                                      \
        "ldrsb   r11, [r12], #1\n\t"                                                 \
        "ldrd    r8, r9, [r10]\n\t"                                                  \
        "smlal   r0, r1, r8, r11\n\t"                                                \
        "smlal   r2, r3, r9, r11\n\t"
#define B4_STEP_LO                                                                   \
        "ldrb    r4, [lr], #1\n\t"                                                   \
        "and     r9, r4, #15\n\t"                                                    \
        "add     r10, r10, r9, lsl #3\n\t"                                           \
        B4_MAC4
#define B4_STEP_HI                                                                   \
        "and     r9, r4, #0xF0\n\t"          /* (d >> 4) * 8 */                      \
        "add     r10, r10, r9, lsr #1\n\t"                                           \
        B4_MAC4

/* Registers: r0-r3 the two 64-bit sums, r4 the step byte, r5 the next count, r6 the next init, r7 the
 * next sums, r8/r9 the loaded words, r10 walks t, r11 the weight (and, at a channel's start, n odd),
 * r12 the values, lr the step bytes. Locals at [sp]: t, the end of the counts, the channel's end. */
__attribute__((naked, noinline)) void eat_armv7em_sparse_b4_walk(UNUSED_ARG const int32_t *t, UNUSED_ARG const int8_t *v,
                                                                 UNUSED_ARG const uint8_t *index,
                                                                 UNUSED_ARG const int32_t *init,
                                                                 UNUSED_ARG int32_t *sums, UNUSED_ARG uint32_t out_c)
{
    __asm__ volatile(
        "push    {r4-r11, lr}\n\t"
        "sub     sp, sp, #16\n\t"            /* sums at [sp, #52], out_c at [sp, #56] */
        "str     r0, [sp, #0]\n\t"
        "mov     r5, r2\n\t"
        "mov     r6, r3\n\t"
        "ldr     r7, [sp, #52]\n\t"
        "ldr     r4, [sp, #56]\n\t"
        "add     lr, r2, r4\n\t"             /* the first step byte = the end of the counts */
        "str     lr, [sp, #4]\n\t"
        "mov     r12, r1\n\t"
        "cmp     r2, lr\n\t"
        "beq     9f\n"
        "0:\n\t"                             /* next channel */
        "ldrb    r9, [r5], #1\n\t"
        "and     r11, r9, #1\n\t"           /* n odd */
        "add     r9, r9, #1\n\t"
        "add     r9, lr, r9, lsr #1\n\t"    /* the channel's end: (n + 1) / 2 step bytes */
        "str     r9, [sp, #8]\n\t"
        "ldm     r6!, {r0-r3}\n\t"          /* the two sums' start */
        "ldr     r10, [sp, #0]\n\t"
        "subs    r8, r9, lr\n\t"            /* the channel's step bytes */
        "beq     2f\n\t"
        "lsls    r8, r8, #31\n\t"
        "bne     6f\n\t"                    /* odd: the first byte in the loop's second half */
        "cmp     r11, #0\n\t"
        "beq     1f\n\t"
        "ldrb    r4, [lr], #1\n\t"          /* n odd: the first byte's high nibble only */
        "b       4f\n"
        "6:\n\t"
        "cmp     r11, #0\n\t"
        "beq     3f\n\t"
        "ldrb    r4, [lr], #1\n\t"
        "b       5f\n"
        "1:\n\t"                             /* two step bytes: four entries x four pixels */
        B4_STEP_LO
        "4:\n\t"
        B4_STEP_HI
        "3:\n\t"
        B4_STEP_LO
        "5:\n\t"
        B4_STEP_HI
        "ldr     r8, [sp, #8]\n\t"
        "cmp     lr, r8\n\t"
        "bne     1b\n"
        "2:\n\t"                             /* lanes out: lo = L0 + 2^23 in bits 0..23, L1 = sum >> 24 */
        "ubfx    r8, r0, #0, #24\n\t" "lsr r0, r0, #24\n\t" "orr r1, r0, r1, lsl #8\n\t" "sub r0, r8, #0x800000\n\t"
        "ubfx    r8, r2, #0, #24\n\t" "lsr r2, r2, #24\n\t" "orr r3, r2, r3, lsl #8\n\t" "sub r2, r8, #0x800000\n\t"
        "stm     r7!, {r0-r3}\n\t"
        "ldr     r9, [sp, #4]\n\t"
        "cmp     r5, r9\n\t"
        "bne     0b\n"
        "9:\n\t"
        "add     sp, sp, #16\n\t"
        "pop     {r4-r11, pc}\n\t");
}

/* Where output pixel q (batch-major) reads: its image and the input position of its tap (0, 0). */
typedef struct {
    const int8_t *img;
    int32_t iy0, ix0;
} origin_t;

static origin_t origin(const eat_conv2d_s8_params_t *p, const int8_t *input, int32_t q)
{
    const int32_t hw = p->out_h * p->out_w;
    const int32_t b = q / hw, r = q % hw;
    origin_t o;
    o.img = input + b * p->in_h * p->in_w * p->in_c;
    o.iy0 = (r / p->out_w) * p->stride_h - p->pad_h;
    o.ix0 = (r % p->out_w) * p->stride_w - p->pad_w;
    return o;
}

/* The input of tap (fy, fx) of the pixel at `o`, or NULL when it is in the padding. */
static inline const int8_t *tap_src(const eat_conv2d_s8_params_t *p, const origin_t *o, int32_t fy, int32_t fx)
{
    const int32_t iy = o->iy0 + fy * p->dilation_h, ix = o->ix0 + fx * p->dilation_w;
    if ((uint32_t)iy >= (uint32_t)p->in_h || (uint32_t)ix >= (uint32_t)p->in_w) {
        return NULL;
    }
    return o->img + (iy * p->in_w + ix) * p->in_c;
}

/* The input row of tap row fy of the pixel at `o`, at its tap (fy, 0)'s column, or NULL in the padding. */
static inline const uint8_t *row_c1(const eat_conv2d_s8_params_t *p, const origin_t *o, int32_t fy)
{
    const int32_t iy = o->iy0 + fy * p->dilation_h;
    return (uint32_t)iy < (uint32_t)p->in_h ? (const uint8_t *)o->img + iy * p->in_w + o->ix0 : NULL;
}

/* gather_pair for one input channel: the bounds per tap row and pixel, not per tap; a row whose taps
 * are all inside the input for both pixels (or in the padding) is a plain loop of two LDRB, EOR, ORR
 * and a store per tap. kws's 10x4 conv (40 taps, in_c 1) spent ~21 instructions per pixel and tap in
 * the general gather (tap_src per tap and pixel), ~105 k of its 360 k at 90% zeros. `S`: words per row
 * of t (4 in the 8-pixel walk, 2 in the 4-pixel one), a constant in each caller. */
static inline __attribute__((always_inline)) void gather_pair_c1(const eat_conv2d_s8_params_t *p, const origin_t *o0,
                                                                 const origin_t *o1, uint32_t *t, int8_t zp,
                                                                 const int32_t S)
{
    const int32_t dx = p->dilation_w, kw = p->k_w, w = p->in_w, span = (kw - 1) * dx;
    const uint32_t z0 = (uint32_t)(uint8_t)zp ^ 0x80u, z1 = (uint32_t)(uint8_t)zp << 24;
    const int cols_in = o0->ix0 >= 0 && o1->ix0 >= 0 && o0->ix0 + span < w && o1->ix0 + span < w;
    int32_t fy, fx;
    for (fy = 0; fy < p->k_h; ++fy, t += S * kw) {
        const uint8_t *a = row_c1(p, o0, fy), *b = row_c1(p, o1, fy);
        if (a && b && cols_in) {
            for (fx = 0; fx < kw; ++fx) {
                t[S * fx] = ((uint32_t)a[fx * dx] ^ 0x80u) | ((uint32_t)b[fx * dx] << 24);
            }
        } else {
            for (fx = 0; fx < kw; ++fx) {
                const int in_a = a && (uint32_t)(o0->ix0 + fx * dx) < (uint32_t)w;
                const int in_b = b && (uint32_t)(o1->ix0 + fx * dx) < (uint32_t)w;
                t[S * fx] = (in_a ? (uint32_t)a[fx * dx] ^ 0x80u : z0) | (in_b ? (uint32_t)b[fx * dx] << 24 : z1);
            }
        }
    }
}

/* Two pixels' receptive fields into column j of t: t[S k + j] = (x0[k] + 128) + x1[k] * 2^24.
 * Taps in the padding read the input zero point `zp` (4 copies in `zp4`). */
static inline __attribute__((always_inline)) void gather_pair(const eat_conv2d_s8_params_t *p, const origin_t *o0,
                                                              const origin_t *o1, uint32_t *t, int8_t zp,
                                                              uint32_t zp4, const int32_t S)
{
    const int32_t c = p->in_c;
    int32_t fy, fx, k;
    for (fy = 0; fy < p->k_h; ++fy) {
        for (fx = 0; fx < p->k_w; ++fx, t += S * c) {
            const int8_t *a = tap_src(p, o0, fy, fx);
            const int8_t *b = tap_src(p, o1, fy, fx);
            if (c == 1) {
                t[0] = ((uint32_t)(uint8_t)(a ? *a : zp) ^ 0x80u) | ((uint32_t)(uint8_t)(b ? *b : zp) << 24);
            } else if ((c & 3) == 0) {      /* a word of 4 channels at a time */
                for (k = 0; k < c; k += 4) {
                    const uint32_t x0 = (a ? (uint32_t)eat_rd32(a + k) : zp4) ^ 0x80808080u;
                    const uint32_t x1 = b ? (uint32_t)eat_rd32(b + k) : zp4;
                    t[S * k] = (x0 & 0xFFu) | (x1 << 24);
                    t[S * k + S] = ((x0 >> 8) & 0xFFu) | ((x1 << 16) & 0xFF000000u);
                    t[S * k + 2 * S] = ((x0 >> 16) & 0xFFu) | ((x1 << 8) & 0xFF000000u);
                    t[S * k + 3 * S] = (x0 >> 24) | (x1 & 0xFF000000u);
                }
            } else {
                for (k = 0; k < c; ++k) {
                    const uint32_t x0 = (uint8_t)(a ? a[k] : zp) ^ 0x80u;
                    const uint32_t x1 = (uint8_t)(b ? b[k] : zp);
                    t[S * k] = x0 | (x1 << 24);
                }
            }
        }
    }
}

/* One block's receptive fields, B pixels from q0 (a short last block repeats its last pixel). */
static inline __attribute__((always_inline)) void gather_block(const eat_conv2d_s8_params_t *p, const int8_t *input,
                                                               uint32_t *t, int32_t q0, int32_t n, int8_t zp,
                                                               uint32_t zp4, const int32_t B)
{
    int32_t j;
    for (j = 0; j < B / 2; ++j) {
        const origin_t oa = origin(p, input, q0 + (2 * j < n ? 2 * j : n - 1));
        const origin_t ob = origin(p, input, q0 + (2 * j + 1 < n ? 2 * j + 1 : n - 1));
        if (p->in_c == 1) {
            gather_pair_c1(p, &oa, &ob, t + j, zp, B / 2);
        } else {
            gather_pair(p, &oa, &ob, t + j, zp, zp4, B / 2);
        }
    }
}

__attribute__((noinline)) static void gather_block8(const eat_conv2d_s8_params_t *p, const int8_t *input, uint32_t *t,
                                                    int32_t q0, int32_t n, int8_t zp, uint32_t zp4)
{
    gather_block(p, input, t, q0, n, zp, zp4, 8);
}

__attribute__((noinline)) static void gather_block4(const eat_conv2d_s8_params_t *p, const int8_t *input, uint32_t *t,
                                                    int32_t q0, int32_t n, int8_t zp, uint32_t zp4)
{
    gather_block(p, input, t, q0, n, zp, zp4, 4);
}

/* The block's n pixels of every channel out (sums [oc][B]): accumulators outside [lo, hi] are the clamp,
 * the others requantised (the short form when `is_short`). Per channel its constants are read once. In
 * the short form every shift is negative and every multiplier >= 0, so the bounds are exact
 * (pipeline/compiler/clamp_bounds.py): between them the output needs no clamp. */
static inline __attribute__((always_inline)) void block_out(const int32_t *a, int32_t B, int8_t *out, int32_t oc_n, int32_t n, const int32_t *lo,
                      const int32_t *hi, const eat_rq_t *rq, const int32_t *tab, int is_short, int32_t out_off,
                      int32_t amin, int32_t amax)
{
    int32_t oc, j;
    for (oc = 0; oc < oc_n; ++oc, a += B) {
        const int32_t l = lo[oc], h = hi[oc];
        int8_t *o = out + oc;
        if (is_short) {   /* the short constants: tab[oc] = multiplier, c, s2, lo */
            const int32_t m = tab[4 * oc], c = tab[4 * oc + 1], s2 = tab[4 * oc + 2];
            for (j = 0; j < n; ++j, o += oc_n) {
                const int32_t acc = a[j];
                int32_t v;
                if (acc < l) {
                    v = amin;
                } else if (acc > h) {
                    v = amax;
                } else {
                    int32_t r;
                    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(acc * 2), "r"(m));
                    v = (r + (r >> 31) + c) >> s2;   /* inside [lo, hi]: already in [amin, amax] */
                }
                *o = (int8_t)v;
            }
        } else {
            for (j = 0; j < n; ++j, o += oc_n) {
                const int32_t acc = a[j];
                *o = acc < l ? (int8_t)amin : (acc > h ? (int8_t)amax : eat_rq_s8(acc, &rq[oc], out_off, amin, amax));
            }
        }
    }
}

/* One output of block_out8 / block_out4 from register rX (its accumulator): below the channel's lo (r11)
 * act_min (r4), else the short requantisation (r8 multiplier, r9 c, r10 s2) and SSAT (act_max 127: above
 * the bound hi the requantisation passes 127, so SSAT is the clamp); a store at r12, then r12 += out_c
 * (r5). 6 instructions below lo, 10 requantised. */
#define B8_OUT(rX)                                                                                 \
    "cmp     " rX ", r11\n\t"                                                                      \
    "bge     1f\n\t"                                                                               \
    "mov     " rX ", r4\n\t"                                                                       \
    "b       2f\n"                                                                                 \
    "1:\n\t"                                                                                       \
    "lsl     " rX ", " rX ", #1\n\t"                                                               \
    "smmulr  " rX ", " rX ", r8\n\t"                                                              \
    "add     " rX ", " rX ", " rX ", asr #31\n\t"                                                 \
    "add     " rX ", " rX ", r9\n\t"                                                              \
    "asr     " rX ", " rX ", r10\n\t"                                                             \
    "ssat    " rX ", #8, " rX "\n"                                                                 \
    "2:\n\t"                                                                                       \
    "strb    " rX ", [r12]\n\t"                                                                    \
    "add     r12, r12, r5\n\t"
#define OUT_QUAD                                                                                   \
    "ldm     r6!, {r0-r3}\n\t"                                                                     \
    B8_OUT("r0") B8_OUT("r1") B8_OUT("r2") B8_OUT("r3")

/* A full block's outputs in the short form with act_max 127: per channel its constants (multiplier, c,
 * s2, lo: `tab`, 4 words) by one LDM, its sums four by one LDM (OUT_QUAD), then B8_OUT per output.
 * Against block_out's C (~14 instructions per requantised output, ~10 below lo, with the hi check and
 * the block length test). sums [oc][8] or [oc][4], out: the block's first output, act_min as the fifth
 * argument. */
#define BLOCK_OUT_ASM(QUADS)                                                                       \
    __asm__ volatile(                                                                              \
        "push    {r4-r11, lr}\n\t"                                                                 \
        "ldr     r4, [sp, #36]\n\t"          /* act_min */                                         \
        "mov     r6, r0\n\t"                                                                       \
        "mov     r7, r1\n\t"                                                                       \
        "mov     lr, r2\n\t"                                                                       \
        "mov     r5, r3\n\t"                                                                       \
        "add     r0, r1, r3\n\t"                                                                   \
        "push    {r0}\n"                      /* [sp]: the end of the channels (out + out_c) */    \
        "0:\n\t"                                                                                   \
        "ldm     lr!, {r8-r11}\n\t"                                                                \
        "mov     r12, r7\n\t"                                                                      \
        QUADS                                                                                      \
        "add     r7, r7, #1\n\t"                                                                   \
        "ldr     r0, [sp]\n\t"                                                                     \
        "cmp     r7, r0\n\t"                                                                       \
        "bne     0b\n\t"                                                                           \
        "add     sp, sp, #4\n\t"                                                                   \
        "pop     {r4-r11, pc}\n\t")

__attribute__((naked, noinline)) static void block_out8(UNUSED_ARG const int32_t *sums, UNUSED_ARG int8_t *out,
                                                        UNUSED_ARG const int32_t *tab, UNUSED_ARG uint32_t oc_n,
                                                        UNUSED_ARG int32_t amin)
{
    BLOCK_OUT_ASM(OUT_QUAD OUT_QUAD);
}

__attribute__((naked, noinline)) static void block_out4(UNUSED_ARG const int32_t *sums, UNUSED_ARG int8_t *out,
                                                        UNUSED_ARG const int32_t *tab, UNUSED_ARG uint32_t oc_n,
                                                        UNUSED_ARG int32_t amin)
{
    BLOCK_OUT_ASM(OUT_QUAD);
}

/* `--weights small` (after the bounds L1 = L0 + 128 sum(w) per channel, no tables): each channel's 64-bit
 * start L0 + 2^23 + L1 * 2^24 (as sparse_call.lane_starts) B / 2 times into init, and, when every channel has the
 * short form (shift in [-22, -1], multiplier >= 0), its table (multiplier, 2^(r-1) + output_offset * 2^r, r, lo:
 * sparse_call.short_table) into `room`; returns that table, or NULL (the general form). Out of line: the 8- and
 * 4-pixel kernels share one copy. */
static __attribute__((noinline)) const int32_t *per_call_tables(const eat_conv2d_s8_params_t *p, const int32_t *bias,
                                                               int32_t *init, int32_t *room, int32_t B)
{
    const int32_t oc_n = p->out_c;
    const int32_t *lo = bias + oc_n, *l1 = bias + 3 * oc_n;
    int32_t oc, e, is_short = 1;
    for (oc = 0; oc < oc_n; ++oc) {
        const uint64_t s = (uint64_t)(int64_t)bias[oc] + (1u << 23) + ((uint64_t)(int64_t)l1[oc] << 24);
        for (e = 0; e < B; e += 2) {
            init[B * oc + e] = (int32_t)(uint32_t)s;
            init[B * oc + e + 1] = (int32_t)(uint32_t)(s >> 32);
        }
        is_short &= p->shift[oc] <= -1 && p->shift[oc] >= -22 && p->multiplier[oc] >= 0;
    }
    if (!is_short) {
        return NULL;
    }
    for (oc = 0; oc < oc_n; ++oc) {
        const int32_t r = -p->shift[oc];
        room[4 * oc] = p->multiplier[oc];
        room[4 * oc + 1] = (int32_t)((1u << (r - 1)) + ((uint32_t)p->output_offset << r));
        room[4 * oc + 2] = r;
        room[4 * oc + 3] = lo[oc];
    }
    return room;
}

/* CONV_2D, not grouped (filter_in_c == in_c), B (8 or 4) pixels per walk. Scratch: t (2 B * k_h * k_w *
 * in_c bytes), the block's sums [out_c][B], each channel's 64-bit start B / 2 times [out_c][B] and the
 * general requantisation's constants [out_c] (when the short form does not apply; else, per call, the short
 * form's). `bias` int32: the accumulator bounds lo and hi ([out_c] each), then the compiler's tables (each
 * channel's 64-bit start, which carries the folded bias L0, then sparse_call.short_table's flag word and table);
 * or, `per_call` (the _pc kernels, `--weights small`: 16 B of flash per channel fewer), L0, lo, hi and each
 * channel's L1 = L0 + 128 sum(w), the starts and the short form (from the op's multiplier and shift, where every
 * channel has it) computed here per call (~30 instructions per channel under QEMU). `per_call` is a compile-time
 * constant at each call. */
static inline __attribute__((always_inline)) void conv_blocks(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                                              const int32_t *bias, const int8_t *input, int8_t *output,
                                                              void *scratch, const int32_t B, const int per_call)
{
    const int32_t total = p->batches * p->out_h * p->out_w;
    const int32_t oc_n = p->out_c;
    const int32_t *lo = bias + (per_call ? oc_n : 0), *hi = lo + oc_n;   /* the table kernels get no L0 */
    const int32_t out_off = p->output_offset, amin = p->act_min, amax = p->act_max;
    const int8_t zp = (int8_t)(-p->input_offset);
    const uint32_t zp4 = (uint32_t)(uint8_t)zp * 0x01010101u;
    const int32_t *start = bias + 2 * oc_n;   /* per channel its 64-bit start, from the compiler */
    const uint8_t *counts = (const uint8_t *)w->index;
    uint32_t *t = (uint32_t *)scratch;
    int32_t *sums = (int32_t *)(void *)(t + (B / 2) * p->k_h * p->k_w * p->in_c);
    int32_t *init = sums + B * oc_n;
    eat_rq_t *rq = (eat_rq_t *)(void *)(init + B * oc_n);
    const int32_t *tab;
    int32_t q0, oc, e, is_short, asm_out;
    if (per_call) {
        tab = per_call_tables(p, bias, init, (int32_t *)(void *)rq, B);
    } else {
        for (oc = 0; oc < oc_n; ++oc) {   /* one copy per pixel pair: the walk loads them by one LDM */
            for (e = 0; e < B; e += 2) {
                init[B * oc + e] = start[2 * oc];
                init[B * oc + e + 1] = start[2 * oc + 1];
            }
        }
        tab = start + 2 * oc_n + 1;
    }
    /* The short form's table (sparse_call.short_table: the word 1 after the lane starts; per call: NULL when a
     * channel lacks the short form), else the general form, prepared here. */
#ifdef EAT_SINGLE_ROUNDING
    is_short = 0;   /* TFLM's single-rounding build: the general form only (eat_rq_prepare_short) */
#else
    is_short = per_call ? tab != NULL : start[2 * oc_n] == 1;
#endif
    if (!is_short) {
        eat_rq_prepare(rq, p->multiplier, p->shift, oc_n);
    }
    asm_out = is_short && amax == 127;
    for (q0 = 0; q0 < total; q0 += B) {
        const int32_t n = total - q0 < B ? total - q0 : B;
        int8_t *out = output + q0 * oc_n;
        if (B == 8) {
            gather_block8(p, input, t, q0, n, zp, zp4);
            eat_armv7em_sparse_b8_walk((const int32_t *)t, w->data, counts, init, sums, (uint32_t)oc_n);
        } else {
            gather_block4(p, input, t, q0, n, zp, zp4);
            eat_armv7em_sparse_b4_walk((const int32_t *)t, w->data, counts, init, sums, (uint32_t)oc_n);
        }
        if (asm_out && n == B) {
            if (B == 8) {
                block_out8(sums, out, tab, (uint32_t)oc_n, amin);
            } else {
                block_out4(sums, out, tab, (uint32_t)oc_n, amin);
            }
        } else {
            block_out(sums, B, out, oc_n, n, lo, hi, rq, tab, is_short, out_off, amin, amax);
        }
    }
}

void eat_conv2d_s8_sparse_b8_dsp(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                 const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    conv_blocks(p, w, bias, input, output, scratch, 8, 0);
}

void eat_conv2d_s8_sparse_b8_pc_dsp(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                    const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    conv_blocks(p, w, bias, input, output, scratch, 8, 1);
}

void eat_conv2d_s8_sparse_b4_dsp(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                 const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    conv_blocks(p, w, bias, input, output, scratch, 4, 0);
}

void eat_conv2d_s8_sparse_b4_pc_dsp(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                    const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    conv_blocks(p, w, bias, input, output, scratch, 4, 1);
}

#elif defined(__ARM_ARCH_7EM__)
#error "ARMv7E-M build without the DSP extension flags: build with -mcpu=cortex-m4 or cortex-m7"
#else
typedef int eat_conv2d_sparse_b8_dsp_unused_t;   /* not ARMv7E-M: nothing to compile */
#endif
