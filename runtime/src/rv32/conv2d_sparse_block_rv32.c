/* RV32IMC zero-skipping CONV_2D int8 (not grouped; any kernel, stride, dilation, padding) over
 * EAT_WEIGHTS_SPARSE_D4 with steps in im2col positions ((fy * k_w + fx) * in_c + ic, layout "d4_im2col_block"),
 * eight output pixels per walk of each filter's non-zeros (eat_conv2d_s8_sparse_b8_rv32), or four
 * (eat_conv2d_s8_sparse_b4_rv32: layers of fewer than 8 output pixels, where the 8-pixel walk computes empty
 * lanes): the block walks of the Cortex-M0+ (armv6m/conv2d_sparse_b8_armv6m.c) in plain C for a core with 31
 * registers and no SIMD.
 *
 * The eight pixels' receptive fields are gathered transposed into scratch as u = x + 128 (eat/sparse_block.h:
 * byte j of row k is pixel j's input at im2col position k; padding holds the input zero point), so one step of
 * the index moves one pointer for all eight, and each non-zero costs one `lb` of its weight, then per pixel one
 * `lbu`, one `mul` and one `add` with the eight sums in registers: ~3.6 instructions per non-zero and pixel,
 * against ~8 for the portable walk, which decodes the index again for every pixel. The compiler folds
 * bias + (input_offset - 128) * sum(w[oc]) (the kernel multiplies x + 128), then appends lo[oc], hi[oc] and one
 * word: 1 when every channel's |bias| + 255 sum|w| < 2^29 (pipeline/compiler/ops/sparse_call.py short_flag).
 * Outputs outside [lo, hi] are the clamp without requantising (pipeline/compiler/clamp_bounds.py); the others
 * take eat/requant_pc.h's short form (mul + mulh) when that word is 1 and every shift allows it, else its
 * general form, prepared once per call into scratch. Bit-exact with TFLM's
 * ConvPerChannel. Plain C99, gcc -O2 (it also builds on the host). */
#include "eat/requant_pc.h"
#include "eat/sparse.h"
#include "eat/sparse_block.h"
#include "eat/sparse_rv32.h"

/* The block's receptive fields transposed (B * k_h * k_w * in_c bytes, rounded up to a word), then every
 * channel's eat_rq_t. */
static size_t block_scratch_bytes(const eat_conv2d_s8_params_t *p, int32_t B)
{
    return (size_t)(B * p->k_h * p->k_w * p->in_c + 3) / 4 * 4 + EAT_RQ_BYTES(p->out_c);
}

size_t eat_conv2d_s8_sparse_b8_rv32_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    return block_scratch_bytes(p, 8);
}

size_t eat_conv2d_s8_sparse_b4_rv32_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    return block_scratch_bytes(p, 4);
}

/* The next n (<= B) output pixels from (*pb, *py, *px) into columns 0..B-1 of t, the position advanced past
 * them; a short last block (n < B) repeats its last pixel in the columns after it. (The M0+ block walks keep
 * this loop in their driver: shared, it moved gcc's register allocation in their object code.) */
static inline void block_fill(const eat_conv2d_s8_params_t *p, const int8_t *input, uint8_t *t, uint8_t pad_u,
                              int32_t B, int32_t n, int32_t *pb, int32_t *py, int32_t *px)
{
    int32_t j;
    for (j = 0; j < B; ++j) {       /* a short last block repeats its last pixel */
        eat_sparse_block_gather(p, input, *pb, *py, *px, t + j, pad_u, B);
        if (j < n - 1 || n == B) {
            if (++*px == p->out_w) {
                *px = 0;
                if (++*py == p->out_h) {
                    *py = 0;
                    ++*pb;
                }
            }
        }
    }
}

/* An output from its sum: the clamp outside [lo, hi], else requantised (the short form when `is_short`: the
 * output zero point is in its constant) and clamped. */
static inline int8_t out_one(int32_t acc, int32_t lo, int32_t hi, const eat_rq_t *q, int is_short, int32_t out_off,
                             int32_t act_min, int32_t act_max)
{
    int32_t v;
    if (acc < lo) {
        return (int8_t)act_min;
    }
    if (acc > hi) {
        return (int8_t)act_max;
    }
    v = is_short ? eat_rq_short(acc, q) : eat_rq(acc, q) + out_off;
    return (int8_t)(v < act_min ? act_min : (v > act_max ? act_max : v));
}

/* One entry: the index pointer t moves STEP rows of B bytes; every sum adds its pixel's u times the weight (B a
 * constant at each instantiation: the 4-pixel walk has no lanes 4..7). */
#define EAT_RV32_BLOCK_ENTRY(STEP)                                                    \
    do {                                                                              \
        const int32_t wv = *v++;                                                      \
        t += B * (STEP);                                                              \
        a0 += wv * t[0]; a1 += wv * t[1]; a2 += wv * t[2]; a3 += wv * t[3];           \
        if (B == 8) {                                                                 \
            a4 += wv * t[4]; a5 += wv * t[5]; a6 += wv * t[6]; a7 += wv * t[7];       \
        }                                                                             \
    } while (0)

/* The kernel for B (4 or 8) pixels per walk: always_inline, so each exported kernel is its own loop. */
static inline __attribute__((always_inline)) void block_conv(const eat_conv2d_s8_params_t *p,
                                                             const eat_weights_s8_t *w, const int32_t *bias,
                                                             const int8_t *input, int8_t *output, void *scratch,
                                                             const int32_t B)
{
    const int32_t total = p->batches * p->out_h * p->out_w;
    const int32_t oc_n = p->out_c, out_off = p->output_offset;
    const int32_t act_min = p->act_min, act_max = p->act_max;   /* locals: the int8 stores may alias *p */
    const int32_t *lo = bias + oc_n, *hi = bias + 2 * oc_n;
    const uint8_t pad_u = (uint8_t)((uint8_t)(-p->input_offset) ^ 0x80u);
    uint8_t *cols = (uint8_t *)scratch;
    eat_rq_t *rq = (eat_rq_t *)(void *)(cols + (B * p->k_h * p->k_w * p->in_c + 3) / 4 * 4);
    int32_t pb = 0, py = 0, px = 0;   /* the next pixel: batch, row, column */
    int32_t q0, oc, is_short;
    eat_rq_prepare(rq, p->multiplier, p->shift, oc_n);
    is_short = bias[3 * oc_n] && eat_rq_prepare_short(rq, p->shift, oc_n, out_off);   /* the compiler's word */
    for (q0 = 0; q0 < total; q0 += B) {
        const int32_t n = total - q0 < B ? total - q0 : B;
        const uint8_t *index = (const uint8_t *)w->index;
        const uint8_t *steps = index + oc_n;
        const int8_t *v = w->data;
        int8_t *out = output + q0 * oc_n;
        block_fill(p, input, cols, pad_u, B, n, &pb, &py, &px);
        for (oc = 0; oc < oc_n; ++oc) {
            const int32_t count = index[oc];
            const uint8_t *end = steps + (count + 1) / 2;
            const uint8_t *t = cols;
            int32_t a0 = bias[oc], a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            int32_t s[8], j;
            if (count & 1) {   /* the first byte's high nibble alone */
                EAT_RV32_BLOCK_ENTRY(*steps++ >> 4);
            }
            while (steps != end) {
                const int32_t pair = *steps++;
                EAT_RV32_BLOCK_ENTRY(pair & 15);
                __asm__ volatile("" ::: "memory");   /* the second entry's loads after the first's sums */
                EAT_RV32_BLOCK_ENTRY(pair >> 4);
            }
            s[0] = a0; s[1] = a1; s[2] = a2; s[3] = a3; s[4] = a4; s[5] = a5; s[6] = a6; s[7] = a7;   /* 4..7: B 8 */
            for (j = 0; j < n; ++j) {
                out[j * oc_n + oc] = out_one(s[j], lo[oc], hi[oc], &rq[oc], is_short, out_off, act_min, act_max);
            }
        }
    }
}

void eat_conv2d_s8_sparse_b8_rv32(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w, const int32_t *bias,
                                  const int8_t *input, int8_t *output, void *scratch)
{
    block_conv(p, w, bias, input, output, scratch, 8);
}

void eat_conv2d_s8_sparse_b4_rv32(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w, const int32_t *bias,
                                  const int8_t *input, int8_t *output, void *scratch)
{
    block_conv(p, w, bias, input, output, scratch, 4);
}
