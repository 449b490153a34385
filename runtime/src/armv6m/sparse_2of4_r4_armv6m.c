/* Cortex-M0+ FULLY_CONNECTED and CONV_2D over EAT_WEIGHTS_SPARSE_2OF4_R4 (eat/sparse_2of4.h): per output pixel
 * (FC: batch) and block of 4 channels one walk of the block's shared positions in hand-scheduled Thumb-1 in
 * SRAM, 4 products per kept position in two MULS (the lanes argument is the portable kernel's:
 * runtime/src/sparse_2of4_r4_s8.c), the requantisation prepared once per call (eat_armv6m_rq_t).
 * Built only when __ARM_ARCH_6M__ is defined; the registry (pipeline/compiler/kernels_2of4.py) picks it for
 * core "cortex-m0plus". */
#include <string.h>

#include "eat/armv6m.h"
#include "eat/sparse_2of4.h"

#if defined(__ARM_ARCH_6M__)

/* One kept position: its input (r4, 0..255) against the word of the block's 4 weights + 128 at [r2, #W]: the
 * lanes W & 0x00FF00FF (r7) and (W >> 8) & r7 times x into lo/hi pairs r8 r9 (channels 0 and 2) and r10 r11 (1
 * and 3); us (r12) += x. 14 cycles: LDR 2, 12 single-cycle instructions. */
#define EAT_R4_SLOT(W)                                                                                     \
        "ldr r5, [r2, #" W "]\n\t" "lsrs r6, r5, #8\n\t" "ands r5, r7\n\t" "ands r6, r7\n\t"           \
        "muls r5, r4, r5\n\t" "add r8, r5\n\t" "lsrs r5, r5, #16\n\t" "add r9, r5\n\t"                 \
        "muls r6, r4, r6\n\t" "add r10, r6\n\t" "lsrs r6, r6, #16\n\t" "add r11, r6\n\t"               \
        "add r12, r4\n\t"

/* sums[4 b + j] = sum over block b's slots of u[position] * w[j] (mod 2^32), for the n >= 1 blocks from blk on.
 * Registers: r0 the pair's 8 inputs, r1 the position bytes, r2 the slots' words, r3 the position byte, r4 the
 * input, r5 r6 lanes, r7 the lane mask, r8-r11 the lane sums, r12 us, lr the end of the position bytes; on the
 * stack u, the end of sums, K8 and the next sums. Per pair of groups 80 cycles under rp2040js: LDRB, ADDS,
 * 4 x (decode 2-3, LDRB, the slot's 14), 2 ADDS of r0, ADDS of r2, CMP, BNE; per block ~35 more. A block's
 * next block starts right after its words. */
__attribute__((naked, noinline, section(".ramfunc.eat_armv6m_2of4_r4_sums")))
void eat_armv6m_2of4_r4_sums(const uint8_t *u, const int8_t *blk, int32_t k8, int32_t *sums, int32_t n)
{
    (void)u; (void)blk; (void)k8; (void)sums; (void)n;
    __asm__ volatile(
        ".syntax unified\n\t"
        "push {r4-r7, lr}\n\t"
        "mov r4, r8\n\t" "mov r5, r9\n\t" "mov r6, r10\n\t" "mov r7, r11\n\t"
        "push {r4-r7}\n\t"
        "push {r0-r3}\n\t"                       /* [sp] u, [sp, #4] (the end of sums), #8 K8, #12 sums */
        "ldr r4, [sp, #52]\n\t" "lsls r4, r4, #4\n\t" "adds r4, r3, r4\n\t" "str r4, [sp, #4]\n\t"
        "movs r7, #255\n\t" "lsls r4, r7, #16\n\t" "orrs r7, r4\n"                               /* 0x00FF00FF */
        "2:\n\t"
        "ldr r2, [sp, #8]\n\t" "lsrs r2, r2, #3\n\t"                                             /* pairs */
        "adds r4, r1, r2\n\t" "mov lr, r4\n\t"                                   /* the end of the position bytes */
        "adds r2, r2, #3\n\t" "lsrs r2, r2, #2\n\t" "lsls r2, r2, #2\n\t" "adds r2, r1, r2\n\t"   /* the words */
        "ldr r0, [sp, #0]\n\t"
        "movs r4, #0\n\t" "mov r8, r4\n\t" "mov r9, r4\n\t" "mov r10, r4\n\t" "mov r11, r4\n\t" "mov r12, r4\n"
        "1:\n\t"
        "ldrb r3, [r1, #0]\n\t" "adds r1, r1, #1\n\t"
        "lsls r4, r3, #30\n\t" "lsrs r4, r4, #30\n\t" "ldrb r4, [r0, r4]\n\t"      /* group 2i, bits 0-1 */
        EAT_R4_SLOT("0")
        "lsls r4, r3, #28\n\t" "lsrs r4, r4, #30\n\t" "ldrb r4, [r0, r4]\n\t"      /* bits 2-3 */
        EAT_R4_SLOT("4")
        "adds r0, r0, #4\n\t"
        "lsls r4, r3, #26\n\t" "lsrs r4, r4, #30\n\t" "ldrb r4, [r0, r4]\n\t"      /* group 2i + 1, bits 4-5 */
        EAT_R4_SLOT("8")
        "lsrs r4, r3, #6\n\t" "ldrb r4, [r0, r4]\n\t"                              /* bits 6-7 */
        EAT_R4_SLOT("12")
        "adds r0, r0, #4\n\t"
        "adds r2, r2, #16\n\t"
        "cmp r1, lr\n\t"
        "bne 1b\n\t"
        "ldr r3, [sp, #12]\n\t"
        "mov r4, r12\n\t" "lsls r4, r4, #7\n\t"     /* 128 us */
        "mov r5, r8\n\t" "mov r6, r9\n\t" "lsls r0, r6, #16\n\t" "subs r5, r5, r0\n\t" "subs r5, r5, r4\n\t"
        "subs r6, r6, r4\n\t" "str r5, [r3, #0]\n\t" "str r6, [r3, #8]\n\t"
        "mov r5, r10\n\t" "mov r6, r11\n\t" "lsls r0, r6, #16\n\t" "subs r5, r5, r0\n\t" "subs r5, r5, r4\n\t"
        "subs r6, r6, r4\n\t" "str r5, [r3, #4]\n\t" "str r6, [r3, #12]\n\t"
        "adds r3, r3, #16\n\t" "str r3, [sp, #12]\n\t"
        "mov r1, r2\n\t"                                  /* the next block */
        "ldr r0, [sp, #4]\n\t"
        "cmp r3, r0\n\t"
        "bne 2b\n\t"
        "add sp, #16\n\t"
        "pop {r4-r7}\n\t"
        "mov r8, r4\n\t" "mov r9, r5\n\t" "mov r10, r6\n\t" "mov r11, r7\n\t"
        "pop {r4-r7, pc}\n\t"
        ".syntax divided\n\t");
}

/* Outputs o .. o + n - 1 from their sums: the folded bias plus the sum, below lo act_min and above hi act_max
 * (pipeline/compiler/clamp_bounds.py), between requantised by the compiler's records (rq, one per channel), the
 * tensor's one record (stride 0) or, with the op's arrays (--weights small), each channel's own multiplier and shift. */
typedef struct {
    const int32_t *bias, *lo, *hi, *mult, *shift;
    const eat_armv6m_rq_t *rq;
    int32_t stride, out_offset, act_min, act_max;
} r4_out_t;

static void r4_out(const r4_out_t *k, const int32_t *sums, int32_t n, int8_t *out)
{
    /* locals: the int8 stores may alias anything, so fields read through k would be reloaded per output */
    const int32_t *bias = k->bias, *lo = k->lo, *hi = k->hi, *mult = k->mult, *shift = k->shift;
    const eat_armv6m_rq_t *rq = k->rq;
    const int32_t stride = k->stride, act_min = k->act_min, act_max = k->act_max, out_offset = k->out_offset;
    int32_t o;
    for (o = 0; o < n; ++o, rq += stride) {
        const int32_t acc = (int32_t)((uint32_t)bias[o] + (uint32_t)sums[o]);
        if (acc < lo[o]) {
            out[o] = (int8_t)act_min;
        } else if (acc > hi[o]) {
            out[o] = (int8_t)act_max;
        } else {
            const int32_t v = mult != NULL ? eat_armv6m_rq_direct(acc, mult[o], shift[o], out_offset)
                                           : eat_armv6m_rq_apply(rq, acc);
            out[o] = (int8_t)eat_clamp_i32(v, act_min, act_max);
        }
    }
}

/* `bias`: the folded bias, then lo and hi ([channels] each), then, when the op's multiplier and shift arrays are
 * NULL and the layer is per-channel, each channel's eat_armv6m_rq_t (pipeline/compiler/fixedpoint.py armv6m_rq). */
static void r4_out_init(r4_out_t *k, eat_armv6m_rq_t *one, const int32_t *bias, int32_t n, const int32_t *mult,
                        const int32_t *shift, int32_t mult1, int32_t shift1, int32_t out_offset, int32_t act_min,
                        int32_t act_max)
{
    k->bias = bias;
    k->lo = bias + n;
    k->hi = bias + 2 * n;
    k->mult = mult;
    k->shift = shift;
    k->rq = (const eat_armv6m_rq_t *)(const void *)(bias + 3 * n);
    k->stride = 1;
    k->out_offset = out_offset;
    k->act_min = act_min;
    k->act_max = act_max;
    if (mult == NULL && mult1 != 0) {   /* per-tensor: its one record, prepared here */
        eat_armv6m_rq_prepare(one, mult1, shift1, out_offset);
        k->rq = one;
        k->stride = 0;
    }
}

/* Scratch: K8 bytes of inputs as u = x + 128, then 16 B per block of 4 channels (the sums). */
size_t eat_fully_connected_s8_sparse_2of4_r4_armv6m_scratch_bytes(const eat_fully_connected_s8_params_t *p)
{
    return (size_t)eat_2of4_k8(p->in_depth) + 16u * (size_t)((p->out_depth + 3) >> 2);
}

void eat_fully_connected_s8_sparse_2of4_r4_armv6m(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                                  const int32_t *bias, const int8_t *input, int8_t *output,
                                                  void *scratch)
{
    const int32_t k = p->in_depth, k8 = eat_2of4_k8(k), n_out = p->out_depth;
    uint8_t *u = (uint8_t *)scratch;
    int32_t *sums = (int32_t *)(void *)(u + k8);
    eat_armv6m_rq_t one;
    r4_out_t ko;
    int32_t b;
    r4_out_init(&ko, &one, bias, n_out, p->per_channel_multiplier, p->per_channel_shift, p->output_multiplier,
                p->output_shift, p->output_offset, p->act_min, p->act_max);
    for (b = 0; b < p->batches; ++b) {
        memcpy(u, input + b * k, (size_t)k);   /* before any output: `output` may overlap `input` */
        (void)eat_armv6m_to_u8((uint32_t *)(void *)u, k8 >> 2);   /* the tail meets weights 0: any value adds 0 */
        eat_armv6m_2of4_r4_sums(u, w->data, k8, sums, (n_out + 3) >> 2);
        r4_out(&ko, sums, n_out, output + b * n_out);
    }
}

/* The receptive field of the output pixel whose window starts at (iy0, ix0) as u = x + 128 into u (OHWI order,
 * padding taps the input zero point): with in_c % 4 == 0 word by word (the pixels' runs are word-aligned),
 * converted as copied; else byte by byte (eat_2of4_field). */
static void gather_u8(const eat_conv2d_s8_params_t *p, const int8_t *in_b, int32_t iy0, int32_t ix0, uint8_t *u)
{
    const int32_t c4 = p->in_c >> 2;
    const uint32_t fill = 0x01010101u * (uint8_t)((uint8_t)(int8_t)(-p->input_offset) ^ 0x80u);
    uint32_t *d = (uint32_t *)(void *)u;
    int32_t fy, fx, i;
    if ((p->in_c & 3) != 0) {
        eat_2of4_field(p, in_b, 0, iy0, ix0, (int8_t *)u, 0x80u);
        return;
    }
    for (fy = 0; fy < p->k_h; ++fy) {
        const int32_t iy = iy0 + p->dilation_h * fy;
        for (fx = 0; fx < p->k_w; ++fx) {
            const int32_t ix = ix0 + p->dilation_w * fx;
            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                for (i = 0; i < c4; ++i) {
                    *d++ = fill;
                }
            } else {
                const uint32_t *s = (const uint32_t *)(const void *)(in_b + (iy * p->in_w + ix) * p->in_c);
                for (i = 0; i < c4; ++i) {
                    *d++ = s[i] ^ 0x80808080u;
                }
            }
        }
    }
}

size_t eat_conv2d_s8_sparse_2of4_r4_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    return (size_t)eat_2of4_k8(p->k_h * p->k_w * p->in_c) + 16u * (size_t)((p->out_c + 3) >> 2);
}

/* Each window is gathered and converted (gather_u8) before any output of its pixel is written. */
void eat_conv2d_s8_sparse_2of4_r4_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                         const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t k8 = eat_2of4_k8(p->k_h * p->k_w * p->in_c), oc_n = p->out_c;
    uint8_t *u = (uint8_t *)scratch;
    int32_t *sums = (int32_t *)(void *)(u + k8);
    int8_t *out = output;
    eat_armv6m_rq_t one;
    r4_out_t ko;
    int32_t b, oy, ox;
    r4_out_init(&ko, &one, bias, oc_n, p->multiplier, p->shift, 0, 0, p->output_offset, p->act_min, p->act_max);
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->in_h * p->in_w * p->in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            for (ox = 0; ox < p->out_w; ++ox, out += oc_n) {
                gather_u8(p, in_b, oy * p->stride_h - p->pad_h, ox * p->stride_w - p->pad_w, u);
                eat_armv6m_2of4_r4_sums(u, w->data, k8, sums, (oc_n + 3) >> 2);
                r4_out(&ko, sums, oc_n, out);
            }
        }
    }
}

#endif /* __ARM_ARCH_6M__ */
