/* Cortex-M0+ zero-skipping DEPTHWISE_CONV_2D int8 (any kernel, stride, dilation, padding, depth
 * multiplier) over EAT_WEIGHTS_SPARSE_D4 (eat/sparse.h; steps in kernel taps fy * k_w + fx, layout "d4_taps"), and
 * CONV_2D with one input channel (the same encoding: the plane walk with depth multiplier out_c).
 *
 * Channel outer, pixels inner (the plan of the M4's armv7em/depthwise_conv2d_sparse_dsp.c): per input
 * channel its plane is copied into scratch with the padding around it holding the input zero point
 * (x + input_offset = 0 there, as TFLM skips those taps); per output channel its non-zeros are decoded
 * once into (offset in the plane, weight) and its requantisation prepared (eat_armv6m_rq_prepare: ~70-90 cycles, against
 * 36 B per channel of flash when the compiler prepared it); then every output pixel
 * costs one LDRSB, one MULS and one ADDS per non-zero, the accumulator bounds (outside [lo, hi] the
 * output is the clamp: no requantisation) and otherwise eat/armv6m.h's exact requantisation. Channels
 * of 0 non-zeros write one constant; 1 to 4 non-zeros have Thumb-1 walks with straight-line products,
 * more one with a loop over the pairs; requantisations off the fast path's shapes take a C loop. With
 * depth multiplier 1 and in_c % 4 == 0 four channels' planes are filled per word load. `bias` is
 * int32[3][out_c]: bias + input_offset * sum(w[oc]), then the bounds lo[oc], hi[oc]
 * (pipeline/compiler/clamp_bounds.py); the multipliers and shifts are the op's. Bit-exact with TFLM. Also the dense counterpart for CONV_2D with
 * in_c 1 (eat_conv2d_s8_plane_armv6m: dense weights, every tap walked), and the depthwise over the 2:4
 * records (eat_depthwise_conv2d_s8_sparse_2of4_armv6m, eat/sparse_2of4.h). Built only when __ARM_ARCH_6M__
 * is defined; the registries (kernels_sparse.py, kernels_registry.py) pick them for core "cortex-m0plus". */
#include "eat/sparse_2of4.h"
#include "eat/sparse_armv6m.h"

#if defined(__ARM_ARCH_6M__)

/* Planes filled at a time: 4 when a word holds 4 channels of a pixel (depth multiplier 1, in_c % 4 == 0). */
static int32_t group(const eat_depthwise_conv2d_s8_params_t *p)
{
    return p->depth_multiplier == 1 && p->in_c % 4 == 0 ? 4 : 1;
}

size_t eat_depthwise_conv2d_s8_sparse_armv6m_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p)
{
    return (size_t)(8 * p->k_h * p->k_w + group(p) * eat_sparse_plane_bytes(p));
}

/* Channels ic..ic+3 (img + ic word aligned) into 4 planes `stride` bytes apart, as fill_plane: every
 * plane word the zero point first, then per pixel one word load of the 4 channels, 4 byte stores. */
static void fill_planes4(const eat_depthwise_conv2d_s8_params_t *p, const int8_t *img, int8_t *plane, int8_t zp)
{
    const int32_t ph = eat_sparse_plane_h(p), pw = eat_sparse_plane_w(p), in_c = p->in_c, stride = eat_sparse_plane_bytes(p);
    const int32_t rows = p->in_h < ph - p->pad_h ? p->in_h : ph - p->pad_h;
    const int32_t cols = p->in_w < pw - p->pad_w ? p->in_w : pw - p->pad_w;
    const uint32_t zp4 = (uint32_t)(uint8_t)zp * 0x01010101u;
    uint32_t *w32 = (uint32_t *)(void *)plane;
    uint32_t *w32_end = w32 + stride;   /* 4 planes of stride / 4 words */
    int32_t iy;
    while (w32 != w32_end) {
        w32[0] = zp4;
        w32[1] = zp4;
        w32[2] = zp4;
        w32[3] = zp4;
        w32 += 4;
    }
    for (iy = 0; iy < rows && cols > 0; ++iy) {
        const uint32_t *src = (const uint32_t *)(const void *)(img + iy * p->in_w * in_c);
        uint8_t *dst = (uint8_t *)plane + (iy + p->pad_h) * pw + p->pad_w;
        uint8_t *end = dst + cols;
        const int32_t step = in_c / 4;
        do {
            const uint32_t v = *src;
            dst[0] = (uint8_t)v;
            dst[stride] = (uint8_t)(v >> 8);
            dst[2 * stride] = (uint8_t)(v >> 16);
            dst[3 * stride] = (uint8_t)(v >> 24);
            src += step;
        } while (++dst != end);
    }
}

/* Channel ic of image `img` (img points at its channel's first byte) into the plane (word aligned):
 * plane (py, px) = input (py - pad_h, px - pad_w), the zero point outside the input. */
static void fill_plane(const eat_depthwise_conv2d_s8_params_t *p, const int8_t *img, int8_t *plane, int8_t zp)
{
    const int32_t ph = eat_sparse_plane_h(p), pw = eat_sparse_plane_w(p), in_c = p->in_c;
    const int32_t rows = p->in_h < ph - p->pad_h ? p->in_h : ph - p->pad_h;
    const int32_t cols = p->in_w < pw - p->pad_w ? p->in_w : pw - p->pad_w;
    const uint32_t zp4 = (uint32_t)(uint8_t)zp * 0x01010101u;
    uint32_t *w32 = (uint32_t *)(void *)plane;
    uint32_t *w32_end = w32 + (ph * pw + 3) / 4;
    int32_t iy;
    while (w32 != w32_end) {
        *w32++ = zp4;
    }
    for (iy = 0; iy < rows; ++iy) {
        const int8_t *src = img + iy * p->in_w * in_c;
        int8_t *dst = plane + (iy + p->pad_h) * pw + p->pad_w;
        int8_t *end = dst + cols;
        while (dst != end) {
            *dst++ = *src;
            src += in_c;
        }
    }
}

/* One output channel's walk over the plane: its non-zeros, its bias and bounds, the row geometry. */
typedef struct {
    const int32_t *nz;      /* [2 n]: per non-zero its offset in the plane, then its weight */
    int32_t n, bias, lo, hi;
    int32_t rows, ow, sw;   /* output rows, pixels per row, plane bytes per output pixel */
    int32_t gap;            /* plane bytes from the end of one output row to the start of the next */
    int32_t out_c;
    int32_t amin, amax;
    const eat_armv6m_rq_t *q;   /* the channel's requantisation, prepared by the compiler */
} chan_t;

/* The output of accumulator acc: the clamp outside [lo, hi], else the exact requantisation. */
static inline int8_t out_of(const chan_t *c, int32_t acc)
{
    if (acc < c->lo) {
        return (int8_t)c->amin;
    }
    if (acc > c->hi) {
        return (int8_t)c->amax;
    }
    return (int8_t)eat_clamp_i32(eat_armv6m_rq_apply(c->q, acc), c->amin, c->amax);
}

/* Every output pixel of the channel, x at the plane's start, o at the channel's first output. */
#define EAT_DW_WALK(ACC)                                                          \
    do {                                                                          \
        const int32_t sw = c->sw, out_c = c->out_c, span = c->ow * sw;            \
        int32_t rows = c->rows;                                                   \
        do {                                                                      \
            const int8_t *end = x + span;                                         \
            do {                                                                  \
                *o = out_of(c, (ACC));                                            \
                o += out_c;                                                       \
                x += sw;                                                          \
            } while (x != end);                                                   \
            x += c->gap;                                                          \
        } while (--rows);                                                         \
    } while (0)

/* A channel of one or two non-zeros in the Thumb-1 walks (dw_walk*): words 0..7 in registers, the rest
 * copied to the stack. Bounds relative to the bias (lo - bias, hi - bias), so a clamped output costs
 * no add. `rq` and `slow` serve accumulators of |acc| > 65535 between the bounds (the _w walks). */
typedef struct {
    int32_t w0, o1, w1, lo, hi, out_c, sw, o0;                 /* r3 r4 r5 r8 r9 r10 r12, r2 */
    int32_t bias, ml, mh, b0, sh, amin, amax, gap, span, rows; /* [sp, #0] .. [sp, #36] */
    int32_t c65535, c131071;                                   /* [sp, #40], [sp, #44] */
    const eat_armv6m_rq_t *rq;                                 /* [sp, #48] */
    int32_t (*slow)(const eat_armv6m_rq_t *, int32_t);         /* [sp, #52] */
    int32_t pad;                                               /* keeps sp 8-byte aligned at the call */
    int32_t w2, o2;                                            /* dwp_walk3r: the third non-zero */
} dw2_t;

/* Every output pixel of one channel of <= 2 non-zeros (x: the plane, o: its first output): per pixel
 * one or two LDRSB + MULS (PRODUCTS), the bounds; between them the fast requantisation of
 * eat_armv6m_rq_apply (shift <= -1; RQ_CHECK: for |acc| > 65535 a call of eat_armv6m_rq_slow, else the
 * caller checked that no accumulator between the bounds has it), no clamp (the bounds are exact); a
 * store. Two products, counted: ~18 cycles per output below lo, ~40 per requantised one.
 * Registers: r0 the plane position, r1 the output, r2/r4 the offsets, r3/r5 the weights, r6 the sum,
 * r7 scratch; r8 lo, r9 hi, r10 out_c, r11 the row's end, r12 sw, lr r5's copy (two products) or act_min. */
#define EAT_DW_P1 "ldrsb r6, [r0, r2]\n\t" "muls r6, r3, r6\n\t"
#define EAT_DW_P2 EAT_DW_P1 "ldrsb r7, [r0, r4]\n\t" "muls r7, r5, r7\n\t" "adds r6, r6, r7\n\t"
/* n > 2: r2 points at the (offset, weight) pairs, r3 at their end; r4, r5, r7 scratch. 10 cycles each. */
#define EAT_DW_PN "movs r6, #0\n\t" "movs r4, r2\n"                                                       \
    "7:\n\t" "ldm r4!, {r5, r7}\n\t" "ldrsb r5, [r0, r5]\n\t" "muls r5, r7, r5\n\t" "adds r6, r6, r5\n\t"  \
    "cmp r4, r3\n\t" "bne 7b\n\t"
/* n == 3 or 4: the (offset, weight) pairs at r2 without the loop's compare and branch (21 / 28 cycles
 * instead of 31 / 41 with the loop's set-up). */
#define EAT_DW_PK "ldm r4!, {r5, r7}\n\t" "ldrsb r5, [r0, r5]\n\t" "muls r5, r7, r5\n\t" "adds r6, r6, r5\n\t"
#define EAT_DW_P3 "movs r4, r2\n\t" "ldm r4!, {r5, r7}\n\t" "ldrsb r6, [r0, r5]\n\t" "muls r6, r7, r6\n\t" \
    EAT_DW_PK EAT_DW_PK
#define EAT_DW_P4 EAT_DW_P3 EAT_DW_PK
#define EAT_DW_NARROW ""
#define EAT_DW_WIDE "ldr r7, [sp, #40]\n\t" "adds r5, r6, r7\n\t" "ldr r7, [sp, #44]\n\t" "cmp r5, r7\n\t" "bhs 8f\n\t"
/* The walks' shared pieces. EAT_DW_FRAME: the dw2_t words from r2 (the walk's third argument) to a 60-byte frame
 * (bias ml mh b0 sh | amin amax gap span rows | c65535 c131071 rq slow pad at [sp, #0] .. [sp, #56]), then w0 o1 w1
 * lo hi into r3-r7 (r2 left at the out_c word). EAT_DW_RQ: r7 = eat_armv6m_rq_apply's fast path of acc (r6), with
 * b[1] = b[0] - 2 (shift <= -1); clobbers r5, r6. EAT_DW_SLOW: label 8, acc (r6) of |acc| > 65535 through
 * eat_armv6m_rq_slow (rq at [sp, #48], the function at [sp, #52] before the 24 bytes it pushes), back to label 6
 * with the output in r7; r0-r3, r12 and lr kept. */
#define EAT_DW_FRAME                                                                                          \
        "adds r2, r2, #72\n\t"            /* c65535 c131071 rq slow pad */                                    \
        "ldm r2!, {r3-r7}\n\t" "push {r3-r7}\n\t"                                                             \
        "subs r2, r2, #40\n\t"            /* amin amax gap span rows */                                       \
        "ldm r2!, {r3-r7}\n\t" "push {r3-r7}\n\t"                                                             \
        "subs r2, r2, #40\n\t"            /* bias ml mh b0 sh */                                              \
        "ldm r2!, {r3-r7}\n\t" "push {r3-r7}\n\t"                                                             \
        "subs r2, r2, #52\n\t"                                                                                \
        "ldm r2!, {r3-r7}\n\t"            /* w0 o1 w1 lo hi */
#define EAT_DW_RQ                                                                                             \
        "ldr r7, [sp, #4]\n\t"                                                                                \
        "muls r7, r6, r7\n\t"                                                                                 \
        "asrs r7, r7, #16\n\t"            /* (acc * ml) >> 16 */                                              \
        "ldr r5, [sp, #8]\n\t"                                                                                \
        "muls r5, r6, r5\n\t"                                                                                 \
        "adds r7, r7, r5\n\t"             /* s */                                                             \
        "asrs r7, r7, #14\n\t"                                                                                \
        "asrs r6, r6, #31\n\t"                                                                                \
        "lsls r6, r6, #1\n\t"                                                                                 \
        "adds r7, r7, r6\n\t"             /* b[1] = b[0] - 2 */                                               \
        "ldr r6, [sp, #12]\n\t"                                                                               \
        "adds r7, r7, r6\n\t"                                                                                 \
        "ldr r6, [sp, #16]\n\t"                                                                               \
        "asrs r7, r7, r6\n"
#define EAT_DW_SLOW                                                                                           \
        "8:\n\t"                          /* |acc| > 65535: eat_armv6m_rq_slow(rq, acc) */                    \
        "push {r0-r3}\n\t"                                                                                    \
        "mov r0, r12\n\t" "mov r1, lr\n\t" "push {r0, r1}\n\t"                                                \
        "ldr r0, [sp, #72]\n\t"                                                                               \
        "mov r1, r6\n\t"                                                                                      \
        "ldr r7, [sp, #76]\n\t"                                                                               \
        "blx r7\n\t"                                                                                          \
        "mov r7, r0\n\t"                                                                                      \
        "pop {r0, r1}\n\t" "mov r12, r0\n\t" "mov lr, r1\n\t"                                                 \
        "pop {r0-r3}\n\t"                                                                                     \
        "b 6b\n\t"

#define EAT_DW_WALK_ASM(PRODUCTS, RQ_CHECK, KEEP_R5)                                                          \
    __asm__ volatile(                                                                                         \
        ".syntax unified\n\t"                                                                                 \
        "push {r4-r7, lr}\n\t"                                                                                \
        "mov r4, r8\n\t" "mov r5, r9\n\t" "mov r6, r10\n\t" "mov r7, r11\n\t"                                 \
        "push {r4-r7}\n\t"                                                                                    \
        EAT_DW_FRAME                                                                                          \
        "mov r8, r6\n\t" "mov r9, r7\n\t"                                                                     \
        "ldm r2!, {r6, r7}\n\t"           /* out_c sw */                                                      \
        "mov r10, r6\n\t" "mov r12, r7\n\t"                                                                   \
        "ldr r2, [r2, #0]\n\t"            /* o0 */                                                            \
        KEEP_R5(, "ldr r7, [sp, #20]\n\t" "mov lr, r7\n") /* r5 free: lr holds act_min */                 \
        "0:\n\t"                          /* next row */                                                      \
        "ldr r7, [sp, #32]\n\t"                                                                               \
        "adds r7, r7, r0\n\t"                                                                                 \
        "mov r11, r7\n"                                                                                       \
        "1:\n\t"                                                                                              \
        PRODUCTS                                                                                              \
        "cmp r6, r8\n\t"                                                                                      \
        "bge 5f\n\t"                                                                                          \
        KEEP_R5("ldr r7, [sp, #20]\n", "mov r7, lr\n") /* below lo: act_min */                               \
        "2:\n\t"                                                                                              \
        "strb r7, [r1]\n\t"                                                                                   \
        "add r1, r10\n\t"                                                                                     \
        "add r0, r12\n\t"                                                                                     \
        "cmp r0, r11\n\t"                                                                                     \
        "bne 1b\n"                                                                                            \
        "9:\n\t"                                                                                              \
        "ldr r7, [sp, #28]\n\t"           /* the gap to the next row */                                       \
        "adds r0, r0, r7\n\t"                                                                                 \
        "ldr r7, [sp, #36]\n\t"                                                                               \
        "subs r7, r7, #1\n\t"                                                                                 \
        "str r7, [sp, #36]\n\t"                                                                               \
        "bne 0b\n\t"                                                                                          \
        "add sp, #60\n\t"                                                                                     \
        "pop {r4-r7}\n\t"                                                                                     \
        "mov r8, r4\n\t" "mov r9, r5\n\t" "mov r10, r6\n\t" "mov r11, r7\n\t"                                 \
        "pop {r4-r7, pc}\n"                                                                                   \
        "5:\n\t"                                                                                              \
        "cmp r6, r9\n\t"                                                                                      \
        "bgt 4f\n\t"                                                                                          \
        KEEP_R5("mov lr, r5\n\t",)      /* the second weight, while r5 serves the requantisation */          \
        "ldr r7, [sp, #0]\n\t"                                                                                \
        "adds r6, r6, r7\n\t"             /* acc */                                                           \
        RQ_CHECK                                                                                              \
        EAT_DW_RQ                                                                                             \
        "6:\n\t"                                                                                              \
        KEEP_R5("mov r5, lr\n\t",)                                                                           \
        "strb r7, [r1]\n\t"               /* the store and step again: no branch back */                      \
        "add r1, r10\n\t"                                                                                     \
        "add r0, r12\n\t"                                                                                     \
        "cmp r0, r11\n\t"                                                                                     \
        "bne 1b\n\t"                                                                                          \
        "b 9b\n"                                                                                              \
        "4:\n\t"                                                                                              \
        "ldr r7, [sp, #24]\n\t"           /* act_max */                                                       \
        "b 2b\n"                                                                                              \
        EAT_DW_SLOW                                                                                           \
        ".syntax divided\n\t")

/* In .ramfunc: SRAM on a real RP2040 (rp2040js does not model XIP). */
#define EAT_DW_WALK_FN(NAME, PRODUCTS, RQ_CHECK, KEEP_R5)                                                     \
    __attribute__((naked, noinline, section(".ramfunc.eat_armv6m_" #NAME)))                                   \
    static void NAME(const int8_t *x, int8_t *o, const dw2_t *k)                                              \
    {                                                                                                         \
        (void)x; (void)o; (void)k;                                                                            \
        EAT_DW_WALK_ASM(PRODUCTS, RQ_CHECK, KEEP_R5);                                                         \
    }
/* KEEP_R5(IF, ELSE): the two-product walks keep the second weight in r5 across outputs (saved in lr while
 * the requantisation uses r5); the others reload r5 per output, so lr holds act_min instead (a clamped
 * output: MOV, 1 cycle, for LDR's 2; a requantised one: 2 cycles less). */
#define EAT_DW_R5_KEPT(IF, ELSE) IF
#define EAT_DW_R5_FREE(IF, ELSE) ELSE
EAT_DW_WALK_FN(dw_walk1, EAT_DW_P1, EAT_DW_NARROW, EAT_DW_R5_FREE)
EAT_DW_WALK_FN(dw_walk2, EAT_DW_P2, EAT_DW_NARROW, EAT_DW_R5_KEPT)
EAT_DW_WALK_FN(dw_walk1_w, EAT_DW_P1, EAT_DW_WIDE, EAT_DW_R5_FREE)
EAT_DW_WALK_FN(dw_walk2_w, EAT_DW_P2, EAT_DW_WIDE, EAT_DW_R5_KEPT)
EAT_DW_WALK_FN(dw_walk3, EAT_DW_P3, EAT_DW_NARROW, EAT_DW_R5_FREE)
EAT_DW_WALK_FN(dw_walk3_w, EAT_DW_P3, EAT_DW_WIDE, EAT_DW_R5_FREE)
EAT_DW_WALK_FN(dw_walk4, EAT_DW_P4, EAT_DW_NARROW, EAT_DW_R5_FREE)
EAT_DW_WALK_FN(dw_walk4_w, EAT_DW_P4, EAT_DW_WIDE, EAT_DW_R5_FREE)
EAT_DW_WALK_FN(dw_walkn, EAT_DW_PN, EAT_DW_NARROW, EAT_DW_R5_FREE)
EAT_DW_WALK_FN(dw_walkn_w, EAT_DW_PN, EAT_DW_WIDE, EAT_DW_R5_FREE)

/* The pooled walks (CONV_2D in_c 1, stride 1, then a 2x2 stride-2 max pool, fused by the compiler: p->pool):
 * per pooled output the four sums of its window's conv outputs (plane bytes 0, 1, pw and pw + 1 from the window's
 * first), their maximum, then one output stage as above. Exact: requantisation and clamp are monotonic
 * (multiplier > 0, shift <= 0, checked by the compiler), so the max of the outputs is the output of the max.
 * The dw2_t words as above except: `lo`, `hi` to r9, r10, `out_c` to r12, `sw` holds pw - 1 (to lr: from the
 * window's second conv output to its third), `pad` the second weight (r5 reloaded after a requantisation);
 * gap, span and rows count pooled rows (span: 2 plane bytes per pooled output). r8 the window's maximum so far,
 * r11 the row's end. A sum costs PRODUCTS; the window ~12 cycles beside its four sums. */
#define EAT_DWP_MAX(L) "cmp r6, r8\n\t" "ble " #L "f\n\t" "mov r8, r6\n" #L ":\n\t"
#define EAT_DWP_R5 "ldr r5, [sp, #56]\n\t"
#define EAT_DW_POOL_ASM(PRODUCTS, RQ_CHECK, RELOAD_R5, ENTRY, REGS, STORE, FRAME)                            \
    __asm__ volatile(                                                                                         \
        ".syntax unified\n\t"                                                                                 \
        "push {r4-r7, lr}\n\t"                                                                                \
        "mov r4, r8\n\t" "mov r5, r9\n\t" "mov r6, r10\n\t" "mov r7, r11\n\t"                                 \
        "push {r4-r7}\n\t"                                                                                    \
        ENTRY                                                                                                 \
        EAT_DW_FRAME                                                                                          \
        "mov r9, r6\n\t" "mov r10, r7\n\t"                                                                    \
        "ldm r2!, {r6, r7}\n\t"           /* out_c, pw - 1 */                                                 \
        REGS                                                                                                  \
        "ldr r2, [r2, #0]\n\t"            /* o0 */                                                            \
        "0:\n\t"                          /* next pooled row */                                               \
        "ldr r7, [sp, #32]\n\t"                                                                               \
        "adds r7, r7, r0\n\t"                                                                                 \
        "mov r11, r7\n"                                                                                       \
        "1:\n\t"                                                                                              \
        PRODUCTS "mov r8, r6\n\t"                                     /* (0, 0) */                            \
        "adds r0, r0, #1\n\t" PRODUCTS EAT_DWP_MAX(20)                /* (0, 1) */                            \
        "add r0, lr\n\t" PRODUCTS EAT_DWP_MAX(21)                     /* (1, 0) */                            \
        "adds r0, r0, #1\n\t" PRODUCTS                                /* (1, 1) */                            \
        "cmp r6, r8\n\t" "bgt 22f\n\t" "mov r6, r8\n"                                                        \
        "22:\n\t"                                                                                             \
        "mov r7, lr\n\t" "subs r0, r0, r7\n\t"                        /* the next window: 2 bytes on */       \
        "cmp r6, r9\n\t"                                                                                      \
        "bge 5f\n\t"                                                                                          \
        "ldr r7, [sp, #20]\n"             /* below lo: act_min */                                             \
        "2:\n\t"                                                                                              \
        STORE                                                                                                 \
        "cmp r0, r11\n\t"                                                                                     \
        "beq 9f\n\t"                                                                                          \
        "b 1b\n"                          /* (a BNE cannot reach back over four sums) */                      \
        "9:\n\t"                                                                                              \
        "ldr r7, [sp, #28]\n\t"           /* the gap to the next pooled row */                                \
        "adds r0, r0, r7\n\t"                                                                                 \
        "ldr r7, [sp, #36]\n\t"                                                                               \
        "subs r7, r7, #1\n\t"                                                                                 \
        "str r7, [sp, #36]\n\t"                                                                               \
        "bne 0b\n\t"                                                                                          \
        "add sp, #" FRAME "\n\t"                                                                              \
        "pop {r4-r7}\n\t"                                                                                     \
        "mov r8, r4\n\t" "mov r9, r5\n\t" "mov r10, r6\n\t" "mov r11, r7\n\t"                                 \
        "pop {r4-r7, pc}\n"                                                                                   \
        "5:\n\t"                                                                                              \
        "cmp r6, r10\n\t"                                                                                     \
        "bgt 4f\n\t"                                                                                          \
        "ldr r7, [sp, #0]\n\t"                                                                                \
        "adds r6, r6, r7\n\t"             /* acc */                                                           \
        RQ_CHECK                                                                                              \
        EAT_DW_RQ                                                                                             \
        "6:\n\t"                                                                                              \
        RELOAD_R5                                                                                             \
        STORE                                                                                                 \
        "cmp r0, r11\n\t"                                                                                     \
        "beq 9b\n\t"                                                                                          \
        "b 1b\n"                                                                                              \
        "4:\n\t"                                                                                              \
        "ldr r7, [sp, #24]\n\t"           /* act_max */                                                       \
        "b 2b\n"                                                                                              \
        EAT_DW_SLOW                                                                                           \
        ".syntax divided\n\t")

/* The common form: r1 the output, out_c in r12, a 60-byte frame. */
#define EAT_DWP_REGS "mov r12, r6\n\t" "mov lr, r7\n\t"
#define EAT_DWP_STORE "strb r7, [r1]\n\t" "add r1, r12\n\t"
/* Three non-zeros in registers (dwp_walk3r): the output pointer moves to r12 (out_c to the frame, [sp, #64]), r1
 * holds the third offset and [sp, #60] the third weight (a 68-byte frame: the slow call stays 8-byte aligned).
 * 13 cycles per sum against EAT_DW_P3's 21, 3 more per store. */
#define EAT_DWP3_ENTRY "mov r12, r1\n\t" "ldr r3, [r2, #92]\n\t" "ldr r4, [r2, #20]\n\t" "push {r3, r4}\n\t"
#define EAT_DWP3_REGS "mov lr, r7\n\t" "ldr r1, [r2, #68]\n\t"
#define EAT_DWP3_STORE "mov r6, r12\n\t" "strb r7, [r6]\n\t" "ldr r6, [sp, #64]\n\t" "add r12, r6\n\t"
#define EAT_DWP_P3R "ldrsb r6, [r0, r1]\n\t" "ldr r7, [sp, #60]\n\t" "muls r6, r7, r6\n\t"                        \
    "ldrsb r7, [r0, r2]\n\t" "muls r7, r3, r7\n\t" "adds r6, r6, r7\n\t"                                          \
    "ldrsb r7, [r0, r4]\n\t" "muls r7, r5, r7\n\t" "adds r6, r6, r7\n\t"
#define EAT_DW_POOL_FN(NAME, PRODUCTS, RQ_CHECK, RELOAD_R5)                                                   \
    EAT_DW_POOL_FN_AS(NAME, PRODUCTS, RQ_CHECK, RELOAD_R5, "", EAT_DWP_REGS, EAT_DWP_STORE, "60")
#define EAT_DW_POOL_FN_AS(NAME, PRODUCTS, RQ_CHECK, RELOAD_R5, ENTRY, REGS, STORE, FRAME)                     \
    __attribute__((naked, noinline, section(".ramfunc.eat_armv6m_" #NAME)))                                   \
    static void NAME(const int8_t *x, int8_t *o, const dw2_t *k)                                              \
    {                                                                                                         \
        (void)x; (void)o; (void)k;                                                                            \
        EAT_DW_POOL_ASM(PRODUCTS, RQ_CHECK, RELOAD_R5, ENTRY, REGS, STORE, FRAME);                            \
    }
EAT_DW_POOL_FN(dwp_walk1, EAT_DW_P1, EAT_DW_NARROW, "")
EAT_DW_POOL_FN(dwp_walk2, EAT_DW_P2, EAT_DW_NARROW, EAT_DWP_R5)
EAT_DW_POOL_FN(dwp_walk1_w, EAT_DW_P1, EAT_DW_WIDE, "")
EAT_DW_POOL_FN(dwp_walk2_w, EAT_DW_P2, EAT_DW_WIDE, EAT_DWP_R5)
EAT_DW_POOL_FN_AS(dwp_walk3r, EAT_DWP_P3R, EAT_DW_NARROW, EAT_DWP_R5, EAT_DWP3_ENTRY, EAT_DWP3_REGS, EAT_DWP3_STORE, "68")
EAT_DW_POOL_FN_AS(dwp_walk3r_w, EAT_DWP_P3R, EAT_DW_WIDE, EAT_DWP_R5, EAT_DWP3_ENTRY, EAT_DWP3_REGS, EAT_DWP3_STORE,
                  "68")
EAT_DW_POOL_FN(dwp_walk4, EAT_DW_P4, EAT_DW_NARROW, "")
EAT_DW_POOL_FN(dwp_walk4_w, EAT_DW_P4, EAT_DW_WIDE, "")
EAT_DW_POOL_FN(dwp_walkn, EAT_DW_PN, EAT_DW_NARROW, "")
EAT_DW_POOL_FN(dwp_walkn_w, EAT_DW_PN, EAT_DW_WIDE, "")

static inline int32_t dot_n(const int8_t *x, const chan_t *c)
{
    const int32_t *nz = c->nz, *end = nz + 2 * c->n;
    int32_t acc = c->bias;
    while (nz != end) {
        acc += nz[1] * x[nz[0]];
        nz += 2;
    }
    return acc;
}

__attribute__((noinline)) static void walk_n(const int8_t *x, int8_t *o, const chan_t *c)
{
    EAT_DW_WALK(dot_n(x, c));
}

/* walk_n for the pooled walks (c->rows, c->ow: pooled; x the plane of pw bytes per row, stride 1). */
__attribute__((noinline)) static void walk_n_pool(const int8_t *x, int8_t *o, const chan_t *c, int32_t pw)
{
    int32_t r, j;
    for (r = 0; r < c->rows; ++r) {
        const int8_t *xr = x + 2 * r * pw;
        for (j = 0; j < c->ow; ++j, o += c->out_c) {
            const int8_t *xx = xr + 2 * j;
            const int32_t a0 = dot_n(xx, c), a1 = dot_n(xx + 1, c), a2 = dot_n(xx + pw, c), a3 = dot_n(xx + pw + 1, c);
            const int32_t m0 = a0 > a1 ? a0 : a1, m1 = a2 > a3 ? a2 : a3;
            *o = out_of(c, m0 > m1 ? m0 : m1);
        }
    }
}

/* The Thumb-1 walks take the channel: the fast requantisation's constants with r >= 1 (mult >= 0,
 * shift in [-15, -1], so the bounds are exact) and the bounds minus the bias in int32. */
static int asm_ok(const chan_t *c)
{
    int32_t lo, hi;   /* lo - bias and hi - bias without int64 (a subtraction that overflows fails) */
    return c->q->lim != 0 && c->q->sh >= 2 && !__builtin_sub_overflow(c->lo, c->bias, &lo) &&
           !__builtin_sub_overflow(c->hi, c->bias, &hi) && lo >= -(1L << 30) && hi <= (1L << 30);
}

/* No non-zero: every output is the bias's. */
static void walk0(int8_t *o, const chan_t *c)
{
    const int8_t v = out_of(c, c->bias);
    const int32_t out_c = c->out_c;
    int32_t k = c->rows * c->ow;
    for (; k >= 4; k -= 4) {    /* four stores per pass: 4.5 cycles per output instead of 7 */
        o[0] = v;
        o[out_c] = v;
        o[2 * out_c] = v;
        o[3 * out_c] = v;
        o += 4 * out_c;
    }
    for (; k > 0; --k) {
        *o = v;
        o += out_c;
    }
}

/* The plane walk of every output channel. Weights: the d4 encoding `w`, or, when `dense` is not NULL,
 * dense filters of k_h * k_w taps each, channel after channel (CONV_2D OHWI with in_c 1), every tap
 * walked (zeros too: the dense kernel). Per channel only what differs is set: its non-zeros decoded
 * (steps in taps followed by column, no division), its bias and bounds read from `bias`, its requantisation
 * prepared from the op's multiplier and shift (a PC profile of the example's conv1 showed ~470 cycles per channel when the walk's
 * constants, the requantisation and each tap's row were worked out per channel). */
static void plane_walk(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w, const int8_t *dense,
                       const int32_t *bias, const int8_t *input, int8_t *output, void *scratch, int pool)
{
    const int32_t out_c = p->out_c, taps = p->k_h * p->k_w, pw = eat_sparse_plane_w(p), dm = p->depth_multiplier;
    const int32_t oh = p->out_h, ow = p->out_w, k_w = p->k_w, dil_w = p->dilation_w;
    const int32_t row_step = p->dilation_h * pw - k_w * dil_w;   /* plane bytes from a row's tap k_w to the next row's 0 */
    const int8_t zp = (int8_t)(-p->input_offset);
    const int d4 = dense == NULL && w->format == EAT_WEIGHTS_SPARSE_D4;   /* else dense or 2:4 records */
    const int32_t rec = eat_2of4_dw_record(taps);
    const uint8_t *counts = d4 ? (const uint8_t *)w->index : NULL;
    const uint8_t *nib0 = d4 ? counts + out_c : NULL;
    eat_armv6m_rq_t q;                      /* the channel's requantisation, prepared when the channel starts */
    int32_t *nz = (int32_t *)scratch;       /* [2 taps]: per non-zero its offset in the plane, its weight */
    int8_t *const planes = (int8_t *)(nz + 2 * taps);
    int8_t *plane = planes;
    const int32_t stride = eat_sparse_plane_bytes(p);
    const int four = group(p) == 4 && ((uintptr_t)input & 3u) == 0;
    chan_t c;
    dw2_t k;                                /* the Thumb-1 walks' words: the call's constants set once */
    int32_t b, oc;
    if (oh <= 0 || ow <= 0) {
        return;
    }
    c.nz = nz;
    c.rows = oh;
    c.ow = ow;
    c.sw = p->stride_w;
    c.gap = p->stride_h * pw - ow * p->stride_w;
    c.out_c = out_c;
    c.amin = p->act_min;
    c.amax = p->act_max;
    k.out_c = out_c;
    k.sw = c.sw;
    k.amin = c.amin;
    k.amax = c.amax;
    k.gap = c.gap;
    k.span = ow * c.sw;
    k.rows = oh;
    k.c65535 = 65535;
    k.c131071 = 131071;
    k.slow = eat_armv6m_rq_slow;
    k.pad = 0;
    if (pool) {                             /* the pooled walks: oh, ow even (the caller's), stride 1 */
        c.rows = oh / 2;
        c.ow = ow / 2;
        k.rows = c.rows;
        k.span = 2 * c.ow;
        k.gap = 2 * pw - k.span;
        k.sw = pw - 1;
    }
    for (b = 0; b < p->batches; ++b) {
        const int8_t *img = input + b * p->in_h * p->in_w * p->in_c;
        const int8_t *v = dense ? dense : w->data;
        const uint8_t *nib = nib0;
        int8_t *o = output + b * c.rows * c.ow * out_c;
        int32_t filled = -1;                /* the input channel in the plane */
        int32_t ic = 0, ic_left = dm;       /* oc's input channel, its output channels still to come */
        for (oc = 0; oc < out_c; ++oc) {
            const uint32_t ne = d4 ? counts[oc] : 0;
            int32_t n = 0, e;
            if (ic_left == 0) {
                ++ic;
                ic_left = dm;
            }
            --ic_left;
            if (dense) {                    /* every tap: (fy, fx) at fy * dilation_h rows, fx * dilation_w */
                int32_t fy, fx;
                for (fy = 0; fy < p->k_h; ++fy) {
                    for (fx = 0; fx < k_w; ++fx, ++n) {
                        nz[2 * n] = fy * p->dilation_h * pw + fx * dil_w;
                        nz[2 * n + 1] = v[n];
                    }
                }
                v += taps;
            } else if (!d4) {               /* EAT_WEIGHTS_SPARSE_2OF4_DW: the channel's record */
                int16_t tap[EAT_ARMV6M_2OF4_DW_MAX_TAPS], wt[EAT_ARMV6M_2OF4_DW_MAX_TAPS];
                const int32_t m = eat_2of4_dw_decode(v, taps, tap, wt);
                for (e = 0; e < m; ++e, ++n) {
                    const int32_t fy = tap[e] / k_w;
                    nz[2 * n] = fy * p->dilation_h * pw + (tap[e] - fy * k_w) * dil_w;
                    nz[2 * n + 1] = wt[e];
                }
                v += rec;
            } else {                        /* d4: steps in taps fy * k_w + fx; fillers have weight 0 */
                int32_t fx = 0, off = 0;    /* the tap's column and its offset in the plane */
                int32_t *z = nz;
                const int8_t *vv = v, *const vend = v + ne;
                const uint8_t *nb = nib;
#define EAT_DW_TAP(STEP)                                                                 \
                do {                                                                     \
                    const int32_t step_ = (STEP);                                        \
                    fx += step_;                                                         \
                    off += step_ * dil_w;                                                \
                    while (fx >= k_w) {     /* past the row's last tap: the next row */  \
                        fx -= k_w;                                                       \
                        off += row_step;                                                 \
                    }                                                                    \
                    if (*vv != 0) {                                                      \
                        z[0] = off;                                                      \
                        z[1] = *vv;                                                      \
                        z += 2;                                                          \
                    }                                                                    \
                    ++vv;                                                                \
                } while (0)
                if (ne & 1u) {              /* an odd channel enters at its first byte's high nibble */
                    EAT_DW_TAP((int32_t)(*nb++ >> 4));
                }
                while (vv != vend) {        /* then two steps per byte: low nibble, high nibble */
                    const uint32_t d = *nb++;
                    EAT_DW_TAP((int32_t)(d & 15u));
                    EAT_DW_TAP((int32_t)(d >> 4));
                }
#undef EAT_DW_TAP
                n = (int32_t)(z - nz) / 2;
                v = vend;
                nib = nb;
            }
            c.n = n;
            c.bias = bias[oc];
            c.lo = bias[out_c + oc];
            c.hi = bias[2 * out_c + oc];
            eat_armv6m_rq_prepare(&q, p->multiplier[oc], p->shift[oc], p->output_offset);
            c.q = &q;
            if (n == 0) {
                walk0(o + oc, &c);
                continue;
            }
            if (four) {                     /* 4 channels' planes at a time */
                if ((oc & ~3) != filled) {
                    filled = oc & ~3;
                    fill_planes4(p, img + filled, planes, zp);
                }
                plane = planes + (oc & 3) * stride;
            } else if (ic != filled) {      /* a new input channel: its plane */
                filled = ic;
                fill_plane(p, img + filled, plane, zp);
            }
            if (asm_ok(&c)) {
                const int wide = c.lo < -65535 || c.hi > 65535;   /* |acc| > 65535 between the bounds */
                const int many = n > 2;                           /* r3: the end of nz, r2: its start */
                k.w0 = many ? (int32_t)(uintptr_t)(nz + 2 * n) : nz[1];
                k.o1 = nz[2 * (n - 1)];
                k.w1 = n == 2 ? nz[3] : 0;
                k.lo = c.lo - c.bias;
                k.hi = c.hi - c.bias;
                k.o0 = many ? (int32_t)(uintptr_t)nz : nz[0];
                k.bias = c.bias;
                k.ml = c.q->ml;
                k.mh = c.q->mh;
                k.b0 = c.q->b[0];
                k.sh = c.q->sh;
                k.rq = c.q;
                if (pool) {
                    k.pad = k.w1;
                    if (n == 1) {
                        (wide ? dwp_walk1_w : dwp_walk1)(plane, o + oc, &k);
                    } else if (n == 2) {
                        (wide ? dwp_walk2_w : dwp_walk2)(plane, o + oc, &k);
                    } else if (n == 3) {    /* the three in registers */
                        k.w0 = nz[1];
                        k.o0 = nz[0];
                        k.o1 = nz[2];
                        k.w1 = k.pad = nz[3];
                        k.o2 = nz[4];
                        k.w2 = nz[5];
                        (wide ? dwp_walk3r_w : dwp_walk3r)(plane, o + oc, &k);
                    } else if (n == 4) {
                        (wide ? dwp_walk4_w : dwp_walk4)(plane, o + oc, &k);
                    } else {
                        (wide ? dwp_walkn_w : dwp_walkn)(plane, o + oc, &k);
                    }
                } else if (n == 1) {
                    (wide ? dw_walk1_w : dw_walk1)(plane, o + oc, &k);
                } else if (n == 2) {
                    (wide ? dw_walk2_w : dw_walk2)(plane, o + oc, &k);
                } else if (n == 3) {
                    (wide ? dw_walk3_w : dw_walk3)(plane, o + oc, &k);
                } else if (n == 4) {
                    (wide ? dw_walk4_w : dw_walk4)(plane, o + oc, &k);
                } else {
                    (wide ? dw_walkn_w : dw_walkn)(plane, o + oc, &k);
                }
            } else if (pool) {
                walk_n_pool(plane, o + oc, &c, pw);
            } else {
                walk_n(plane, o + oc, &c);
            }
        }
    }
}

void eat_depthwise_conv2d_s8_sparse_armv6m(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                           const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    plane_walk(p, w, NULL, bias, input, output, scratch, 0);
}

/* The same walk over EAT_WEIGHTS_SPARSE_2OF4_DW records (eat/sparse_2of4.h; k_h * k_w <= 64): each
 * channel's record decoded once into its non-zeros, then the walks above. */
size_t eat_depthwise_conv2d_s8_sparse_2of4_armv6m_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p)
{
    return eat_depthwise_conv2d_s8_sparse_armv6m_scratch_bytes(p);
}

void eat_depthwise_conv2d_s8_sparse_2of4_armv6m(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                                const int32_t *bias, const int8_t *input, int8_t *output,
                                                void *scratch)
{
    plane_walk(p, w, NULL, bias, input, output, scratch, 0);
}

/* CONV_2D with one input channel: every filter walks the one plane (eat_sparse_conv_as_depthwise). */
size_t eat_conv2d_s8_sparse_plane_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    const eat_depthwise_conv2d_s8_params_t d = eat_sparse_conv_as_depthwise(p);
    return eat_depthwise_conv2d_s8_sparse_armv6m_scratch_bytes(&d);
}

void eat_conv2d_s8_sparse_plane_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                       const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    eat_depthwise_conv2d_s8_params_t d = eat_sparse_conv_as_depthwise(p);
    eat_conv2d_s8_pool_grid(p->pool, &d.out_h, &d.out_w);   /* pooled: the conv outputs the windows cover */
    plane_walk(&d, w, NULL, bias, input, output, scratch, p->pool != 0);
}

/* The dense counterpart (dense OHWI weights, in_c 1; the bias folded with input_offset, then the bounds). */
size_t eat_conv2d_s8_plane_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    return eat_conv2d_s8_sparse_plane_armv6m_scratch_bytes(p);
}

void eat_conv2d_s8_plane_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w, const int32_t *bias,
                                const int8_t *input, int8_t *output, void *scratch)
{
    eat_depthwise_conv2d_s8_params_t d = eat_sparse_conv_as_depthwise(p);
    eat_conv2d_s8_pool_grid(p->pool, &d.out_h, &d.out_w);
    plane_walk(&d, w, w->data, bias, input, output, scratch, p->pool != 0);
}

#endif /* __ARM_ARCH_6M__ */
