/* Cortex-M0+ CONV_2D int8, two products per multiply: each pixel's window as unsigned bytes against
 * the compiler's packed weights, 8 output channels per pass (eat_armv6m_gemv8u_blk_s8), 8 pixels per
 * output stage (eat_armv6m_block_out). */
#include "eat/armv6m.h"

#if defined(__ARM_ARCH_6M__)

/* Scratch: the requantisation table (36 bytes per channel), the block's sums [out_c rounded up to 8][B] (B =
 * EAT_ARMV6M_SWAR_BLOCK), then the window as K4 = k_h*k_w*in_c rounded up to 4 bytes (kernels_registry.py's
 * _swar_conv_scratch says the same). */
size_t eat_conv2d_s8_swar_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    const int32_t k = p->k_h * p->k_w * p->in_c;
    const size_t rows8 = (size_t)((p->out_c + 7) & ~7);   /* eat_armv6m_gemv8u_blk_s8 writes 8 rows a call */
    return (size_t)p->out_c * sizeof(eat_armv6m_rq_t) + rows8 * 4u * EAT_ARMV6M_SWAR_BLOCK + (size_t)((k + 3) & ~3);
}

/* With u = x + 128 and w' = w + 128 (the packed weights), per channel c and pixel:
 *   bias + sum (x + input_offset) w = init[c] + S[c] - 128 U,
 * S[c] = sum u w' (the gemv), U = sum u over the window, init[c] = bias + (input_offset - 128) sum w
 * (folded by the compiler); padding taps are gathered as the input zero point, so (x + input_offset)
 * is 0 there as in TFLM's skipped taps. All of it mod 2^32, as TFLM's int32 sums. `bias` is int32[3][out_c]:
 * init, then the accumulator bounds lo[oc] and hi[oc] outside which the output is the activation's clamp
 * without requantising (pipeline/compiler/clamp_bounds.py).
 * B pixels at a time: each pixel's window gathered and its sums kept in scratch [out_c][B], then the block's
 * outputs by eat_armv6m_block_out (the per-channel constants loaded once per block, not per output: vww_96_int8's
 * 1x1 48x48x8 -> 16 4,580,370 -> 3,644,817 cycles; docs/performance.md). Each window is read before any output of its pixel
 * and of the pixels after it is written: an output laid over its input (planner.window_delta) is still read
 * first. */
void eat_conv2d_s8_swar_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                               const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    enum { B = EAT_ARMV6M_SWAR_BLOCK };
    const int32_t k = p->k_h * p->k_w * p->in_c;
    const int32_t k4 = (k + 3) >> 2;
    const int32_t oc_n = p->out_c;
    const int32_t total = p->batches * p->out_h * p->out_w;
    const uint32_t *wq = (const uint32_t *)(const void *)w->data;
    eat_armv6m_rq_t *rq = (eat_armv6m_rq_t *)scratch;
    int32_t *acc = (int32_t *)(void *)(rq + oc_n);              /* [oc_n rounded up to 8][B] */
    uint8_t *u = (uint8_t *)(acc + B * ((oc_n + 7) & ~7));      /* 4-aligned */
    eat_armv6m_block_out_fn *out_stage;
    eat_armv6m_block_out_t ko;
    eat_armv6m_gemv8u_blk_t col;
    int32_t tail_init[8];
    int32_t pb = 0, py = 0, px = 0;   /* the next pixel: batch, row, column */
    int32_t q0, q, oc, j, i;
    for (j = 0; j < oc_n; ++j) {
        eat_armv6m_rq_prepare(&rq[j], p->multiplier[j], p->shift[j], p->output_offset);
    }
    for (j = 0; j < 8; ++j) {   /* the last rows' init when out_c % 8 != 0 (no read past the bias) */
        tail_init[j] = j < oc_n % 8 ? bias[oc_n / 8 * 8 + j] : 0;
    }
    ko.rq = rq;
    ko.lo = bias + oc_n;
    ko.hi = bias + 2 * oc_n;
    ko.out_c = oc_n;
    ko.channels = oc_n;
    ko.act_min = p->act_min;
    ko.act_max = p->act_max;
    ko.block = B;
    ko.slow = eat_armv6m_rq_slow;
    out_stage = eat_armv6m_block_out_for(rq, ko.lo, oc_n);
    for (q0 = 0; q0 < total; q0 += B) {
        const int32_t n = total - q0 < B ? total - q0 : B;
        for (q = 0; q < n; ++q) {
            const int8_t *in_b = input + pb * p->in_h * p->in_w * p->in_c;
            uint32_t base;
            for (i = k; i < 4 * k4; ++i) {
                u[i] = 0x80u;   /* the tail: 0 once converted, so it adds nothing to S or U */
            }
            eat_armv6m_gather(p, in_b, py * p->stride_h - p->pad_h, px * p->stride_w - p->pad_w, (int8_t *)u);
            base = 0u - 128u * eat_armv6m_to_u8((uint32_t *)(void *)u, k4);
            col.base = base;
            for (oc = 0; oc < oc_n; oc += 8) {   /* past oc_n (the last 8 rows): acc's spare rows */
                col.acc = acc + oc * B + q;
                col.init = oc + 8 <= oc_n ? bias + oc : tail_init;
                eat_armv6m_gemv8u_blk_s8(u, wq + (oc >> 3) * 16 * k4, k4, &col);
            }
            if (++px == p->out_w) {
                px = 0;
                if (++py == p->out_h) {
                    py = 0;
                    ++pb;
                }
            }
        }
        out_stage(acc, output + q0 * oc_n, n, &ko);
    }
}

#endif /* __ARM_ARCH_6M__ */
