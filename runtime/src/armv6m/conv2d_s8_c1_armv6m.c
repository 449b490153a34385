/* Cortex-M0+ CONV_2D int8 with one input channel, dense: two output channels per MULS over a uint16 plane
 * of the input, two output pixels per pass (two columns of a row, or two rows when out_w is odd; any kernel
 * size, stride, dilation and padding).
 *
 * Why: a one-channel conv (a grayscale image's or a spectrogram's first layer) has too few inputs per
 * pixel for the matrix kernels (the swar kernel's per-pixel gather and calls dominate a 9-tap window),
 * and the plane walk multiplies one weight per MULS (~10 cycles per MAC in its loop over the taps).
 *
 * The plane holds u = x + 129 (1..256) for every input the output window reaches, padding included as
 * u = 129 - input_offset (x + input_offset = 0 there, as TFLM skips those taps). For channels a, b the
 * compiler packs per tap W = w_a + 2^16 w_b (layout "c1_pairs", |w| <= 127: the registry checks). Then
 * P = u W = u w_a + 2^16 u w_b fits int32 (|P| <= 256 * 127 * 2^16 + 2^15), its low part u w_a has
 * |u w_a| < 2^15 and is negative exactly when w_a is (u >= 1), so the arithmetic P >> 16 is u w_b - 1
 * when w_a < 0 and u w_b otherwise. The walk adds P to lo and P >> 16 to hi; started at
 * lo = b_a + 2^16 b_b and hi = b_b + neg (neg: the taps whose w_a < 0; b the biases the compiler folded as
 * bias + (input_offset - 129) sum w), it ends with hi = channel b's accumulator and lo - 2^16 hi channel
 * a's, mod 2^32 as TFLM's int32 sums. Each row's accumulators of the pair then go through the block walks'
 * output stage (block_out_armv6m.c: the compiler's accumulator bounds, clamp_bounds.py, then the exact
 * requantisation). Built only when __ARM_ARCH_6M__ is defined; the registry
 * (pipeline/compiler/kernels_registry.py) picks it for core "cortex-m0plus". */
#include "eat/sparse_armv6m.h"

#if defined(__ARM_ARCH_6M__)

/* The row walk's constants (offsets fixed: the assembly below reads them). */
typedef struct {
    const int32_t *taps_end;    /* [0]  the end of the (offset, W) pairs */
    int32_t px1;                /* [4]  bytes from a pass's first pixel to its second: 2 * stride_w */
    int32_t step;               /* [8]  bytes from a pass to the next: 4 * stride_w */
    int32_t lo0;                /* [12] lo's start: b_a + 2^16 b_b */
    int32_t hi0;                /* [16] hi's start: b_b + neg */
    int32_t *acc_end;           /* [20] the end of channel a's accumulators (two per pass) */
    const int32_t *taps9_end;   /* [24] the end of the taps in whole groups of nine */
    int32_t acc_b;              /* [28] bytes from channel a's accumulators to channel b's */
    int32_t d1;                 /* [32] (row pairs) bytes from pixel 0's accumulator to pixel 1's: 4 out_w */
} eat_c1_row_t;

/* One tap for both pixels: (offset in bytes, W) from r1; pixel 0's plane at r0 (lo r4, hi r5), pixel 1's at
 * r7 (lo r8, hi r9). LDM 3 + 2 x (LDRH 2, MULS, ADD, ASR, ADD) = 15 cycles for 4 MACs. */
#define EAT_C1_TAP                                                                                 \
        "ldm r1!, {r2, r3}\n\t"                                                                   \
        "ldrh r6, [r0, r2]\n\t" "muls r6, r3, r6\n\t" "adds r4, r4, r6\n\t" "asrs r6, r6, #16\n\t" "adds r5, r5, r6\n\t" \
        "ldrh r6, [r7, r2]\n\t" "muls r6, r3, r6\n\t" "add r8, r6\n\t"      "asrs r6, r6, #16\n\t" "add r9, r6\n\t"

/* For each pass (two output pixels, k->px1 bytes apart in the plane, `step` bytes on from the last pass)
 * from px until acc reaches k->acc_end: channel a's two accumulators (lo - 2^16 hi) to acc, channel b's
 * (hi) to the same places k->acc_b bytes on. STORE places pixel 1's: EAT_C1_COLUMNS (two pixels of a row:
 * the next word, acc += 2) or EAT_C1_ROWS (two rows: k->d1 bytes on, acc += 1). Registers: r10 the taps,
 * r11 the end of their groups of nine, r12 acc, lr k; at [sp] the end of the taps and acc_b. ~36 cycles per
 * pass beside the taps (rows: ~40). In .ramfunc: SRAM rather than XIP flash, like the other walks. */
#define EAT_C1_COLUMNS                                                                             \
        "str r5, [r2, r3]\n\t" "stm r2!, {r4}\n\t"                                                \
        "mov r4, r8\n\t" "mov r5, r9\n\t"                                                         \
        "lsls r6, r5, #16\n\t" "subs r4, r4, r6\n\t"     /* pixel 1 */                            \
        "str r5, [r2, r3]\n\t" "stm r2!, {r4}\n\t"
#define EAT_C1_ROWS                                                                                \
        "str r5, [r2, r3]\n\t" "str r4, [r2, #0]\n\t"                                              \
        "mov r4, r8\n\t" "mov r5, r9\n\t"                                                         \
        "lsls r6, r5, #16\n\t" "subs r4, r4, r6\n\t"     /* pixel 1, a row further */             \
        "mov r6, lr\n\t" "ldr r6, [r6, #32]\n\t" "adds r6, r2, r6\n\t"                             \
        "str r4, [r6, #0]\n\t" "str r5, [r6, r3]\n\t"                                              \
        "adds r2, r2, #4\n\t"
#define EAT_C1_WALK(STORE)                                                                         \
    __asm__ volatile(                                                                              \
        ".syntax unified\n\t"                                                                      \
        "push {r4-r7, lr}\n\t"                                                                     \
        "mov r4, r8\n\t" "mov r5, r9\n\t" "mov r6, r10\n\t" "mov r7, r11\n\t"                     \
        "push {r4-r7}\n\t"                                                                         \
        "mov r12, r2\n\t"                                                                          \
        "mov r10, r1\n\t"                                                                          \
        "mov lr, r3\n\t"                                                                           \
        "ldr r4, [r3, #24]\n\t" "mov r11, r4\n\t"                                                  \
        "ldr r4, [r3, #0]\n\t" "ldr r5, [r3, #28]\n\t"                                             \
        "push {r4, r5}\n"                      /* [sp]: the end of the taps, acc_b */               \
        "1:\n\t"                               /* a pass */                                         \
        "mov r2, lr\n\t"                                                                           \
        "ldr r4, [r2, #12]\n\t" "ldr r5, [r2, #16]\n\t"                                            \
        "mov r8, r4\n\t" "mov r9, r5\n\t"                                                          \
        "ldr r7, [r2, #4]\n\t" "adds r7, r0, r7\n\t"                                               \
        "mov r1, r10\n\t"                                                                          \
        "cmp r1, r11\n\t"                                                                          \
        "beq 3f\n"                                                                                  \
        "2:\n\t"                                                                                   \
        EAT_C1_TAP EAT_C1_TAP EAT_C1_TAP EAT_C1_TAP EAT_C1_TAP EAT_C1_TAP EAT_C1_TAP EAT_C1_TAP EAT_C1_TAP \
        "cmp r1, r11\n\t"                                                                          \
        "beq 3f\n\t"                                                                               \
        "b 2b\n"                               /* (a BNE cannot reach back over nine taps) */       \
        "3:\n\t"                                                                                   \
        "ldr r3, [sp, #0]\n\t"                                                                     \
        "cmp r1, r3\n\t"                                                                           \
        "beq 5f\n"                                                                                  \
        "4:\n\t"                               /* the last taps, one at a time */                   \
        EAT_C1_TAP                                                                                 \
        "ldr r3, [sp, #0]\n\t"                                                                     \
        "cmp r1, r3\n\t"                                                                           \
        "bne 4b\n"                                                                                  \
        "5:\n\t"                                                                                   \
        "lsls r6, r5, #16\n\t" "subs r4, r4, r6\n\t"     /* pixel 0: a = lo - 2^16 hi, b = hi */  \
        "mov r2, r12\n\t" "ldr r3, [sp, #4]\n\t"                                                   \
        STORE                                                                                      \
        "mov r12, r2\n\t"                                                                          \
        "mov r3, lr\n\t"                                                                           \
        "ldr r6, [r3, #8]\n\t" "adds r0, r0, r6\n\t"                                               \
        "ldr r6, [r3, #20]\n\t"                                                                    \
        "cmp r2, r6\n\t"                                                                           \
        "beq 6f\n\t"                                                                               \
        "b 1b\n"                                                                                    \
        "6:\n\t"                                                                                   \
        "add sp, #8\n\t"                                                                           \
        "pop {r4-r7}\n\t"                                                                          \
        "mov r8, r4\n\t" "mov r9, r5\n\t" "mov r10, r6\n\t" "mov r11, r7\n\t"                     \
        "pop {r4-r7, pc}\n\t"                                                                      \
        ".syntax divided\n\t")

__attribute__((naked, noinline, section(".ramfunc.eat_armv6m_conv_c1_columns")))
static void eat_armv6m_conv_c1_columns(const uint16_t *px, const int32_t *taps, int32_t *acc, const eat_c1_row_t *k)
{
    (void)px; (void)taps; (void)acc; (void)k;
    EAT_C1_WALK(EAT_C1_COLUMNS);
}

__attribute__((naked, noinline, section(".ramfunc.eat_armv6m_conv_c1_rows")))
static void eat_armv6m_conv_c1_rows(const uint16_t *px, const int32_t *taps, int32_t *acc, const eat_c1_row_t *k)
{
    (void)px; (void)taps; (void)acc; (void)k;
    EAT_C1_WALK(EAT_C1_ROWS);
}

/* The plane: the rows and columns the outputs reach, for even counts of output rows and columns (pairs of
 * columns or of rows: an odd count computes one column or row more, discarded). */
static int32_t plane_h(const eat_conv2d_s8_params_t *p)
{
    return (((p->out_h + 1) & ~1) - 1) * p->stride_h + (p->k_h - 1) * p->dilation_h + 1;
}

static int32_t plane_w(const eat_conv2d_s8_params_t *p)
{
    return (((p->out_w + 1) & ~1) - 1) * p->stride_w + (p->k_w - 1) * p->dilation_w + 1;
}

/* Output rows per block_out call: an even count of whole rows, up to 128 pixels (at least two rows), so the
 * output stage's ~100 cycles per call and channel are paid per block of rows rather than per row. */
static int32_t block_rows(const eat_conv2d_s8_params_t *p)
{
    const int32_t oh2 = (p->out_h + 1) & ~1;
    int32_t r = (128 / p->out_w) & ~1;
    r = r < 2 ? 2 : r;
    return r > oh2 ? oh2 : r;
}

/* Scratch: the plane (uint16, rounded up to a word), the (offset, W) pairs of the taps, the accumulators of a
 * block of rows for two channels (block_rows * out_w + 1 each: a row of odd out_w computes one pixel more; a
 * block's odd last row pairs with a row inside the block).
 * kernels_registry.py's _c1_scratch says the same. */
size_t eat_conv2d_s8_c1_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    const int32_t cells = plane_h(p) * plane_w(p);
    return (size_t)(2 * ((cells + 1) & ~1) + 8 * p->k_h * p->k_w + 8 * (block_rows(p) * p->out_w + 1));
}

static void fill_plane(const eat_conv2d_s8_params_t *p, const int8_t *img, uint16_t *plane)
{
    const int32_t ph = plane_h(p), pw = plane_w(p);
    const uint16_t pad = (uint16_t)(129 - p->input_offset);
    int32_t iy, ix;
    for (iy = 0; iy < ph; ++iy) {
        const int32_t y = iy - p->pad_h;
        uint16_t *dst = plane + iy * pw;
        if (y < 0 || y >= p->in_h) {
            for (ix = 0; ix < pw; ++ix) {
                dst[ix] = pad;
            }
            continue;
        }
        for (ix = 0; ix < pw; ++ix) {
            const int32_t x = ix - p->pad_w;
            dst[ix] = x >= 0 && x < p->in_w ? (uint16_t)(img[y * p->in_w + x] + 129) : pad;
        }
    }
}

/* A fused 2x2 max pool (p->pool): the block's rows (an even count, out_w even) of one channel's accumulators
 * pooled in place, a[py][px] = max of the window's four (each written at or before the first it reads). */
static void pool_block(int32_t *a, int32_t rows, int32_t ow)
{
    const int32_t *r0 = a;
    int32_t *dst = a;
    int32_t y;
    for (y = 0; y < rows; y += 2, r0 += 2 * ow) {
        const int32_t *s = r0, *end = r0 + ow;
        for (; s != end; s += 2) {
            int32_t m = s[0] > s[1] ? s[0] : s[1];
            const int32_t d = s[ow] > s[ow + 1] ? s[ow] : s[ow + 1];
            *dst++ = m > d ? m : d;
        }
    }
}

/* `w`: layout c1_pairs (per pair of output channels, per tap, W = w_a + 2^16 w_b; an odd last channel
 * paired with zeros). `bias`: the folded bias [out_c], then the accumulator bounds lo[out_c], hi[out_c].
 * With p->pool the conv outputs of even rows and columns are computed (out_h, out_w rounded down to even)
 * and each 2x2 window's max of accumulators goes through the output stage. */
void eat_conv2d_s8_c1_armv6m(const eat_conv2d_s8_params_t *p_in, const eat_weights_s8_t *w, const int32_t *bias,
                             const int8_t *input, int8_t *output, void *scratch)
{
    eat_conv2d_s8_params_t pe = *p_in;
    const eat_conv2d_s8_params_t *const p = &pe;
    const int pool = p_in->pool != 0;
    eat_conv2d_s8_pool_grid(pool, &pe.out_h, &pe.out_w);
    const int32_t oh = p->out_h, ow = p->out_w, oc_n = p->out_c, k_w = p->k_w, taps = p->k_h * p->k_w;
    const int32_t ph = plane_h(p), pw = plane_w(p), ow2 = (ow + 1) & ~1;
    const int32_t rows = block_rows(p_in);    /* pooled: even, and no more pixels than the scratch the unpooled sizes give */
    /* pairs of rows when out_w is odd and that discards fewer pixels (kws's 25 x 5: 5 against 25) */
    const int rows_paired = (ow & 1) && (!(p->out_h & 1) || ow < p->out_h);
    const int32_t *lo = bias + oc_n, *hi = bias + 2 * oc_n;
    const uint32_t *wq = (const uint32_t *)(const void *)w->data;
    uint16_t *plane = (uint16_t *)scratch;
    int32_t *tap = (int32_t *)(void *)(plane + ((ph * pw + 1) & ~1));
    int32_t *acc = tap + 2 * taps;             /* [2][rows * ow + 1]: channel a's, then channel b's */
    eat_c1_row_t k;
    eat_armv6m_block_out_t out;
    eat_armv6m_rq_t q[2];
    eat_armv6m_block_out_fn *stage;
    int32_t b, j, t, oy, r;
    if (oh <= 0 || ow <= 0) {
        return;
    }
    k.taps_end = tap + 2 * taps;
    k.taps9_end = tap + 2 * (taps - taps % 9);
    if (rows_paired) {               /* pixels (y, x) and (y + 1, x): one column per pass */
        k.px1 = 2 * p->stride_h * pw;
        k.step = 2 * p->stride_w;
        k.d1 = 4 * ow;
    } else {                         /* pixels (y, x) and (y, x + 1) */
        k.px1 = 2 * p->stride_w;
        k.step = 4 * p->stride_w;
        k.d1 = 4;
    }
    k.acc_b = 4 * (rows * ow + 1);
    out.rq = q;
    out.out_c = oc_n;
    out.act_min = p->act_min;
    out.act_max = p->act_max;
    out.block = rows * ow + 1;
    out.slow = eat_armv6m_rq_slow;
    for (t = 0; t < taps; ++t) {     /* offsets in bytes: (fy, fx) at fy * dilation_h rows, fx * dilation_w */
        const int32_t fy = t / k_w, fx = t - fy * k_w;
        tap[2 * t] = 2 * (fy * p->dilation_h * pw + fx * p->dilation_w);
    }
    for (b = 0; b < p->batches; ++b) {
        int8_t *out_b = output + (pool ? b * (oh / 2) * (ow / 2) * oc_n : b * oh * ow * oc_n);
        fill_plane(p, input + b * p->in_h * p->in_w, plane);
        for (j = 0; j < oc_n; j += 2) {
            const int32_t n = j + 1 < oc_n ? 2 : 1;
            const uint32_t *wj = wq + (j >> 1) * taps;
            const int32_t ba = bias[j], bb = n == 2 ? bias[j + 1] : 0;
            int32_t neg = 0;
            for (t = 0; t < taps; ++t) {
                tap[2 * t + 1] = (int32_t)wj[t];
                neg += (int16_t)(uint16_t)(wj[t] & 0xFFFFu) < 0;
            }
            k.lo0 = (int32_t)((uint32_t)ba + ((uint32_t)bb << 16));
            k.hi0 = (int32_t)((uint32_t)bb + (uint32_t)neg);
            eat_armv6m_rq_prepare(&q[0], p->multiplier[j], p->shift[j], p->output_offset);
            if (n == 2) {
                eat_armv6m_rq_prepare(&q[1], p->multiplier[j + 1], p->shift[j + 1], p->output_offset);
            }
            out.lo = lo + j;
            out.hi = hi + j;
            out.channels = n;
            stage = eat_armv6m_block_out_for(q, lo + j, n);   /* the pair's */
            for (oy = 0; oy < oh; oy += rows) {
                const int32_t m = oh - oy < rows ? oh - oy : rows;
                for (r = 0; r < m; r += rows_paired ? 2 : 1) {   /* row r's accumulators from acc + r * ow */
                    const uint16_t *px = plane + (oy + r) * p->stride_h * pw;
                    if (rows_paired) {
                        k.acc_end = acc + r * ow + ow;
                        eat_armv6m_conv_c1_rows(px, tap, acc + r * ow, &k);
                    } else {    /* an odd row's extra pixel is overwritten by the next row's first */
                        k.acc_end = acc + r * ow + ow2;
                        eat_armv6m_conv_c1_columns(px, tap, acc + r * ow, &k);
                    }
                }
                if (pool) {     /* m and ow even: the block's pooled rows from out_b's row oy / 2 */
                    pool_block(acc, m, ow);
                    if (n == 2) {
                        pool_block(acc + out.block, m, ow);
                    }
                    stage(acc, out_b + (oy / 2) * (ow / 2) * oc_n + j, (m / 2) * (ow / 2), &out);
                } else {
                    stage(acc, out_b + oy * ow * oc_n + j, m * ow, &out);
                }
            }
        }
    }
}

#endif /* __ARM_ARCH_6M__ */
