/* Cortex-M4/M7 (ARMv7E-M) FULLY_CONNECTED and CONV_2D 1x1 over EAT_WEIGHTS_SPARSE_2OF4 (eat/sparse_2of4.h):
 * each channel's stream walked once per block of 8 pixels (FC: batches), two products per SMLAD.
 *
 * A pair of groups holds 4 values: group 2i's two (positions a0, a1 in bits 0-1, 2-3 of its position
 * byte) and group 2i + 1's two (b0, b1 in bits 4-5, 6-7). SXTB16 of the 4 values gives the int16 pair
 * (v0, v2) — the first value of each group — and SXTB16 ROR 8 gives (v1, v3): so one SMLAD of the word
 * (x[a0], x[4 + b0]) by (v0, v2) adds both first values' products, and one of (x[a1], x[4 + b1]) by
 * (v1, v3) both second values'. For every pair of groups and pixel the block's table holds the 16
 * words (x[a], x[4 + b]) (a, b in 0..3, x sign-extended to int16) at slot a + 16 b, so the position
 * byte masked with 0x33 (a0 + 16 b0) or 0xCC (4 a1 + 64 b1) is the slot itself, scaled by the ADD's
 * shift (LSL 5 / LSL 3 for 32-byte slots): no other decode. A slot holds the 8 pixels' words (four
 * LDRD, eight SMLAD). The slots a + 16 b of one pair leave 12 of every 16 free: pairs 4q .. 4q + 3
 * interleave into 64 slots (pair p at slot offset 4 (p & 3) + 64 (p >> 2)), so the walk steps its
 * table pointer by 128 bytes per pair and 2,048 - 384 after every fourth; a channel of `pairs` pairs
 * starts at virtual pair e = (-pairs) & 3 (the builder and the walk count pairs from e) so the walk's
 * 4-pair loop is entered at its step e.
 *
 * Exactness: SMLAD adds two exact int16 x int16 products to the int32 sum (wrapping as TFLM's int32);
 * the bias the compiler passes is bias + input_offset * sum(w[oc]) and the walk multiplies raw inputs,
 * so the sum is TFLM's accumulator; the padding past K (to K8) meets zero values and zero inputs.
 * QEMU instructions: per pair of groups and block (32 products) 2 x (LDRB, AND, ADD, LDR, SXTB16, 4 LDRD,
 * 8 SMLAD) + ADD = 35, plus the loop's LDR/CMP/BNE per 4 pairs; per channel and block ~100 (sums set up,
 * requantised, stored); the table ~53 per pair of groups and pixel. kws_ref_model's 1x1 25x5x64->64
 * pruned 2:4: 448,643 against the dense dsp16 kernel's 502,500 (a 4-pixel block first: 503,274; with
 * the requantisation in C: 607,780; the table's words in C: 451,274). The requantisation is eat/requant_pc.h's short SMMULR form in the
 * walk when the call's bounds allow (|bias| + K * 2^14 < 2^29), else its general form in C.
 * Built only where EAT_ARMV7EM_DSP holds; the registry (pipeline/compiler/kernels_2of4.py) picks it for
 * cores "cortex-m4" and "cortex-m7". */
#include "eat/armv7em.h"
#include "eat/requant_pc.h"
#include "eat/sparse_2of4.h"
#include "pack8_armv7em.h"

#if EAT_ARMV7EM_DSP
#pragma GCC optimize("O3")

/* Table bytes for a row of K8 (pairs = K8 / 8, counted from e): 2,048 per 4 pairs. */
static int32_t table_bytes(int32_t k8)
{
    const int32_t pairs = k8 / 8, e = (-pairs) & 3;
    return (pairs + e) / 4 * 2048;
}

/* One pixel's 16 words of one pair of groups (inputs w0 = x0..x3, w1 = x4..x7) at t[8 (a + 16 b)]:
 * (x[a], x[4 + b]) as int16. From SXTB16 (x0 x2 / x1 x3 / x4 x6 / x5 x7) and the first two rotated by 16
 * (x2 x0 / x3 x1), each word is one PKHBT / PKHTB, stored at its slot: 40 instructions with the loads
 * (the same in C with gcc -O3: ~56 per pair and pixel, measured). */
static inline void pair_words(int32_t *t, int32_t w0, int32_t w1)
{
    int32_t e13, f57, e20, e31, r;
    __asm__ volatile(
        "sxtb16  %[e13], %[w0], ror #8\n\t"
        "sxtb16  %[w0], %[w0]\n\t"                      /* e02 */
        "sxtb16  %[f57], %[w1], ror #8\n\t"
        "sxtb16  %[w1], %[w1]\n\t"                      /* f46 */
        "ror     %[e20], %[w0], #16\n\t"
        "ror     %[e31], %[e13], #16\n\t"
        "pkhbt   %[r], %[w0], %[w1], lsl #16\n\t"  "str %[r], [%[t], #0]\n\t"
        "pkhbt   %[r], %[e13], %[w1], lsl #16\n\t" "str %[r], [%[t], #32]\n\t"
        "pkhbt   %[r], %[e20], %[w1], lsl #16\n\t" "str %[r], [%[t], #64]\n\t"
        "pkhbt   %[r], %[e31], %[w1], lsl #16\n\t" "str %[r], [%[t], #96]\n\t"
        "pkhbt   %[r], %[w0], %[f57], lsl #16\n\t"  "str %[r], [%[t], #512]\n\t"
        "pkhbt   %[r], %[e13], %[f57], lsl #16\n\t" "str %[r], [%[t], #544]\n\t"
        "pkhbt   %[r], %[e20], %[f57], lsl #16\n\t" "str %[r], [%[t], #576]\n\t"
        "pkhbt   %[r], %[e31], %[f57], lsl #16\n\t" "str %[r], [%[t], #608]\n\t"
        "pkhbt   %[r], %[w0], %[w1]\n\t"            "str %[r], [%[t], #1024]\n\t"
        "pkhbt   %[r], %[e13], %[w1]\n\t"           "str %[r], [%[t], #1056]\n\t"
        "pkhtb   %[r], %[w1], %[w0], asr #16\n\t"   "str %[r], [%[t], #1088]\n\t"
        "pkhtb   %[r], %[w1], %[e13], asr #16\n\t"  "str %[r], [%[t], #1120]\n\t"
        "pkhbt   %[r], %[w0], %[f57]\n\t"           "str %[r], [%[t], #1536]\n\t"
        "pkhbt   %[r], %[e13], %[f57]\n\t"          "str %[r], [%[t], #1568]\n\t"
        "pkhtb   %[r], %[f57], %[w0], asr #16\n\t"  "str %[r], [%[t], #1600]\n\t"
        "pkhtb   %[r], %[f57], %[e13], asr #16\n\t" "str %[r], [%[t], #1632]\n\t"
        : [w0] "+&r"(w0), [w1] "+&r"(w1), [e13] "=&r"(e13), [f57] "=&r"(f57), [e20] "=&r"(e20), [e31] "=&r"(e31),
          [r] "=&r"(r)
        : [t] "r"(t)
        : "memory");
}

/* The block's table from its 8 pixels' rows src[j] (k bytes each, K8 = 8 * pairs; past k: zeros). Pixel
 * j's words of virtual pair q = p + e start at word 8 (64 (q >> 2) + 4 (q & 3)) + j: 32 words on per
 * pair, 416 after every fourth (the walk's 128 / 1,664 bytes). */
static void build_table(const int8_t *const src[8], int32_t k, int32_t pairs, int32_t *tab)
{
    const int32_t e = (-pairs) & 3, full = k / 8;
    int32_t j, p;
    for (j = 0; j < 8; ++j) {
        const int8_t *x = src[j];
        int32_t *t = tab + 32 * e + j;
        for (p = 0; p < full; ++p) {
            pair_words(t, eat_rd32(x + 8 * p), eat_rd32(x + 8 * p + 4));
            t += ((p + e + 1) & 3) != 0 ? 32 : 416;
        }
        if (p < pairs) {                  /* the last pair, zero past k */
            int8_t b[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            int32_t i;
            for (i = 8 * p; i < k; ++i) {
                b[i - 8 * p] = x[i];
            }
            pair_words(t, eat_rd32(b), eat_rd32(b + 4));
        }
    }
}

/* One half of a pair of groups (POS loads its position byte; MASK 0x33 / 0xCC, SH 5 / 3, ROR "" / ", ror #8"): its position byte
 * masked and scaled to the slot (32 bytes: 8 pixels' words), its value pair by SXTB16, then 4 x (LDRD, 2
 * SMLAD) into the 8 sums r4-r11. r0 is then past the pair's 5 bytes, r2 the pair's table; r1 / lr the loaded
 * words, r3 the slot, r12 the value pair. */
#define HALF(POS, MASK, SH, ROR)                     \
    POS                                              \
    "and     r3, r1, #" MASK "\n\t"                  \
    "add     r3, r2, r3, lsl #" SH "\n\t"            \
    "ldr     r12, [r0, #-4]\n\t"                     \
    "sxtb16  r12, r12" ROR "\n\t"                    \
    "ldrd    r1, lr, [r3]\n\t"                       \
    "smlad   r4, r1, r12, r4\n\t"                    \
    "smlad   r5, lr, r12, r5\n\t"                    \
    "ldrd    r1, lr, [r3, #8]\n\t"                   \
    "smlad   r6, r1, r12, r6\n\t"                    \
    "smlad   r7, lr, r12, r7\n\t"                    \
    "ldrd    r1, lr, [r3, #16]\n\t"                  \
    "smlad   r8, r1, r12, r8\n\t"                    \
    "smlad   r9, lr, r12, r9\n\t"                    \
    "ldrd    r1, lr, [r3, #24]\n\t"                  \
    "smlad   r10, r1, r12, r10\n\t"                  \
    "smlad   r11, lr, r12, r11\n\t"
/* One pair of groups (16 x 2 products): both halves, then the table pointer on by STEP. */
#define PAIR(STEP) HALF("ldrb    r1, [r0], #5\n\t", "0x33", "5", "") HALF("ldrb    r1, [r0, #-5]\n\t", "0xCC", "3", ", ror #8") \
    "add     r2, r2, #" STEP "\n\t"

/* What the walk reads (its stack frame is a copy; the order of the first LDMs). */
typedef struct {
    const int32_t *tab;    /* 0: the table + 128 e (a channel's start) */
    int32_t span;          /* 4: 5 * pairs, the stream bytes per channel */
    const int8_t *end;     /* 8: (the walk's) the channel's stream end */
    const int32_t *bias;   /* 12: bias[0..out_c) */
    int32_t *acc;          /* 16: rqs == NULL: the sums out, acc[8 oc + j] */
    int32_t channels;      /* 20: out_c (> 0) */
    uint32_t entry;        /* 24: (the walk's) the loop's step e, a Thumb address */
    const int32_t *rqs;    /* 28: eat_rq_pack_short's constants, or NULL (the sums out) */
    int8_t *out;           /* 32: pixel 0's output of channel 0 */
    int32_t stride;        /* 36: out_c: pixel j's outputs at out + j * stride */
    int32_t full;          /* 40: 1: act range [-128, 127], no clamp after SSAT */
    int32_t lo4, hi4;      /* 44, 48: the activation bounds in every byte */
    const int8_t *s;       /* 52: the stream */
    int32_t e;             /* 56: (-pairs) & 3 */
} walk_ctx_t;

/* For every channel (streams back to back from s): its 8 sums from its bias over the table, then either
 * (rqs) the short requantisation as the dense pair_short's (LSL, SMMULR, ADD, ADD, ASR, SSAT per output;
 * BFI-packed and bytewise clamped by SSUB8 + SEL unless full) and 8 STRB at out + j * stride, or the 8
 * sums stored at acc. */
#define UNUSED_ARG __attribute__((unused))   /* read by the assembly (r0), not by C */
__attribute__((naked, noinline)) static void walk(UNUSED_ARG const walk_ctx_t *ctx)
{
#define RQ(acc)                                     \
    "lsl     " acc ", " acc ", #1\n\t"              \
    "smmulr  " acc ", " acc ", r2\n\t"              \
    "add     " acc ", " acc ", " acc ", asr #31\n\t" \
    "add     " acc ", " acc ", r3\n\t"              \
    "asr     " acc ", " acc ", r12\n\t"             \
    "ssat    " acc ", #8, " acc "\n\t"
    __asm__ volatile(
        "push    {r4-r11, lr}\n\t"
        "sub     sp, sp, #60\n\t"
        "ldm     r0!, {r1-r8}\n\t"
        "stm     sp, {r1-r8}\n\t"
        "ldm     r0, {r1-r7}\n\t"
        "add     r8, sp, #32\n\t"
        "stm     r8, {r1-r7}\n\t"            /* r6 = s, r7 = e */
        "adr     r5, 5f\n\t"                 /* the entry: step e of the loop */
        "cmp     r7, #1\n\t"
        "it      eq\n\t"
        "adreq   r5, 6f\n\t"
        "cmp     r7, #2\n\t"
        "it      eq\n\t"
        "adreq   r5, 7f\n\t"
        "cmp     r7, #3\n\t"
        "it      eq\n\t"
        "adreq   r5, 8f\n\t"
        "orr     r5, r5, #1\n\t"
        "str     r5, [sp, #24]\n\t"
        "mov     r0, r6\n"
        "0:\n\t"                             /* next channel: 8 sums from its bias */
        "ldr     r1, [sp, #12]\n\t"
        "ldr     r4, [r1], #4\n\t"
        "str     r1, [sp, #12]\n\t"
        "mov     r5, r4\n\t" "mov r6, r4\n\t" "mov r7, r4\n\t" "mov r8, r4\n\t"
        "mov     r9, r4\n\t" "mov r10, r4\n\t" "mov r11, r4\n\t"
        "ldr     r1, [sp, #4]\n\t"
        "add     r1, r0, r1\n\t"
        "str     r1, [sp, #8]\n\t"
        "ldr     r2, [sp, #0]\n\t"
        "ldr     r1, [sp, #24]\n\t"
        "bx      r1\n\t"
        ".p2align 2\n"
        "5:\n\t" PAIR("128")
        "6:\n\t" PAIR("128")
        "7:\n\t" PAIR("128")
        "8:\n\t" PAIR("1664")
        "ldr     r1, [sp, #8]\n\t"
        "cmp     r0, r1\n\t"
        "bne     5b\n\t"
        "ldr     r1, [sp, #28]\n\t"
        "cmp     r1, #0\n\t"
        "beq     3f\n\t"
        "ldm     r1!, {r2, r3, r12}\n\t"
        "str     r1, [sp, #28]\n\t"
        RQ("r4") RQ("r5") RQ("r6") RQ("r7") RQ("r8") RQ("r9") RQ("r10") RQ("r11")
        "ldr     r1, [sp, #40]\n\t"
        "cmp     r1, #0\n\t"
        "bne     4f\n\t"
        EAT_ARMV7EM_PACK8
        EAT_ARMV7EM_CLAMP8(r1, 44)
        "lsr     r5, r4, #8\n\t" "lsr r6, r4, #16\n\t" "lsr r7, r4, #24\n\t"
        "lsr     r9, r8, #8\n\t" "lsr r10, r8, #16\n\t" "lsr r11, r8, #24\n"
        "4:\n\t"
        "ldrd    r1, r2, [sp, #32]\n\t"       /* out, stride */
        "add     r3, r1, #1\n\t"
        "str     r3, [sp, #32]\n\t"
        "strb    r4, [r1]\n\t"
        "strb    r5, [r1, r2]\n\t"
        "add     r1, r1, r2, lsl #1\n\t"
        "strb    r6, [r1]\n\t"
        "strb    r7, [r1, r2]\n\t"
        "add     r1, r1, r2, lsl #1\n\t"
        "strb    r8, [r1]\n\t"
        "strb    r9, [r1, r2]\n\t"
        "add     r1, r1, r2, lsl #1\n\t"
        "strb    r10, [r1]\n\t"
        "strb    r11, [r1, r2]\n\t"
        "b       2f\n"
        "3:\n\t"
        "ldr     r1, [sp, #16]\n\t"
        "stm     r1!, {r4-r11}\n\t"
        "str     r1, [sp, #16]\n"
        "2:\n\t"
        "ldr     r1, [sp, #20]\n\t"
        "subs    r1, r1, #1\n\t"
        "str     r1, [sp, #20]\n\t"
        "bne     0b\n\t"
        "add     sp, sp, #60\n\t"
        "pop     {r4-r11, pc}\n\t");
#undef RQ
}
#undef PAIR
#undef HALF

/* The block's n outputs per channel (pixel j of the block at out + j * stride + oc) from acc[8 oc + j]:
 * the packed short constants rqs when is_short, else rq's general ones. */
static void block_out(const int32_t *acc, int8_t *out, int32_t stride, int32_t oc_n, int32_t n, const eat_rq_t *rq,
                      const int32_t *rqs, int is_short, int32_t out_off, int32_t amin, int32_t amax)
{
    int32_t oc, j;
    for (oc = 0; oc < oc_n; ++oc, acc += 8) {
        int8_t *o = out + oc;
        for (j = 0; j < n; ++j, o += stride) {
            *o = is_short ? eat_rq3_short_s8(acc[j], rqs + 3 * oc, amin, amax)
                          : eat_rq_s8(acc[j], &rq[oc], out_off, amin, amax);
        }
    }
}

/* Scratch: the requantisation constants (EAT_RQ_BYTES(out_c)), the table, then 32 * out_c bytes of sums. */
static size_t scratch_of(int32_t k, int32_t oc)
{
    return EAT_RQ_BYTES(oc) + (size_t)table_bytes(eat_2of4_k8(k)) + 32u * (size_t)oc;
}

/* Where the block's rows come from: row q at base + (q / per_img) * img_step + ((q % per_img) / w) * row_step
 * + (q % w) * col_step (FC: per_img = w = total, col_step = in_depth; CONV_2D 1x1: the strided pixels). */
typedef struct {
    const int8_t *base;
    int32_t per_img, w, img_step, row_step, col_step;
} rows_t;

static const int8_t *row_at(const rows_t *r, int32_t q)
{
    const int32_t b = q / r->per_img, i = q - b * r->per_img, y = i / r->w, x = i - y * r->w;
    return r->base + b * r->img_step + y * r->row_step + x * r->col_step;
}

/* The walk over `total` rows of k inputs, 8 per block; row q's outputs at output + q * oc_n. Full blocks
 * with the short requantisation are requantised in the walk; the others (the general form, a short last
 * block) have their sums requantised by block_out. */
static void run(const int8_t *data, const int32_t *bias, int32_t k, int32_t oc_n, int32_t total, const rows_t *rows,
                const int32_t *mult, const int32_t *shift, int32_t out_off, int32_t amin, int32_t amax,
                int8_t *output, eat_rq_t *rq, int32_t *tab)
{
    const int32_t k8 = eat_2of4_k8(k), pairs = k8 / 8, e = (-pairs) & 3;
    int32_t *acc = (int32_t *)(void *)((int8_t *)tab + table_bytes(k8));
    const int8_t *src[8];
    const int32_t *rqs = NULL;
    walk_ctx_t c;
    int32_t q0, j;
    int is_short;
    eat_rq_prepare(rq, mult, shift, oc_n);
    is_short = eat_rq_prepare_short_k(rq, shift, bias, oc_n, k, out_off, amin, amax);
    if (is_short) {
        rqs = eat_rq_pack_short(rq, oc_n);   /* rq is read through rqs from here on */
    }
    c.tab = tab + 32 * e;
    c.span = 5 * pairs;
    c.end = NULL;
    c.acc = acc;
    c.entry = 0;
    c.stride = oc_n;
    c.full = amin == -128 && amax == 127;
    c.lo4 = eat_bytes4(amin);
    c.hi4 = eat_bytes4(amax);
    c.s = data;
    c.e = e;
    for (q0 = 0; q0 < total; q0 += 8) {
        const int32_t n = total - q0 < 8 ? total - q0 : 8;
        for (j = 0; j < 8; ++j) {        /* a short last block repeats its last pixel */
            src[j] = row_at(rows, q0 + (j < n ? j : n - 1));
        }
        build_table(src, k, pairs, tab);   /* every input of the block read before any output is written */
        c.bias = bias;
        c.channels = oc_n;
        c.rqs = n == 8 ? rqs : NULL;
        c.out = output + q0 * oc_n;
        c.acc = acc;
        walk(&c);
        if (c.rqs == NULL) {
            block_out(acc, output + q0 * oc_n, oc_n, oc_n, n, rq, rqs, is_short, out_off, amin, amax);
        }
    }
}

size_t eat_fully_connected_s8_sparse_2of4_dsp_scratch_bytes(const eat_fully_connected_s8_params_t *p)
{
    return scratch_of(p->in_depth, p->out_depth) + 8u * (size_t)p->out_depth;
}

/* FULLY_CONNECTED: the batches are the pixels. bias: the folded bias[out_depth]. Scratch: as CONV_2D's,
 * then (per-tensor quantisation) the multiplier and shift repeated per row. */
void eat_fully_connected_s8_sparse_2of4_dsp(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                           const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t oc_n = p->out_depth;
    eat_rq_t *rq = (eat_rq_t *)scratch;
    int32_t *tab = (int32_t *)(void *)((int8_t *)scratch + EAT_RQ_BYTES(oc_n));
    int32_t *ms = (int32_t *)(void *)((int8_t *)scratch + scratch_of(p->in_depth, oc_n));
    const int32_t *mult = p->per_channel_multiplier, *shift = p->per_channel_shift;
    rows_t rows;
    int32_t o;
    if (mult == NULL || shift == NULL) {
        for (o = 0; o < oc_n; ++o) {
            ms[o] = p->output_multiplier;
            ms[oc_n + o] = p->output_shift;
        }
        mult = ms;
        shift = ms + oc_n;
    }
    rows.base = input;
    rows.per_img = rows.w = p->batches;
    rows.img_step = rows.row_step = 0;
    rows.col_step = p->in_depth;
    run(w->data, bias, p->in_depth, oc_n, p->batches, &rows, mult, shift, p->output_offset, p->act_min, p->act_max,
        output, rq, tab);
}

size_t eat_conv2d_s8_sparse_2of4_dsp_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    return scratch_of(p->in_c, p->out_c);
}

/* CONV_2D 1x1, not grouped, no padding, any stride. bias: the folded bias[out_c]. */
void eat_conv2d_s8_sparse_2of4_dsp(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                  const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    eat_rq_t *rq = (eat_rq_t *)scratch;
    int32_t *tab = (int32_t *)(void *)((int8_t *)scratch + EAT_RQ_BYTES(p->out_c));
    const int32_t act_min = p->act_min, act_max = p->act_max;
    rows_t rows;
    rows.base = input;
    rows.per_img = p->out_h * p->out_w;
    rows.w = p->out_w;
    rows.img_step = p->in_h * p->in_w * p->in_c;
    rows.row_step = p->stride_h * p->in_w * p->in_c;
    rows.col_step = p->stride_w * p->in_c;
    run(w->data, bias, p->in_c, p->out_c, p->batches * p->out_h * p->out_w, &rows, p->multiplier, p->shift,
        p->output_offset, act_min, act_max, output, rq, tab);
}

#elif defined(__ARM_ARCH_7EM__)
#error "ARMv7E-M build without the DSP extension flags: build with -mcpu=cortex-m4 or cortex-m7"
#else
typedef int eat_sparse_2of4_dsp_unused_t;   /* not ARMv7E-M: nothing to compile */
#endif
