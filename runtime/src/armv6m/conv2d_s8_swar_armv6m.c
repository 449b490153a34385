/* Cortex-M0+ CONV_2D int8, two products per multiply: each pixel's window as unsigned bytes against
 * the compiler's packed weights, 8 output channels per pass (eat_armv6m_gemv8u_s8). */
#include "eat/armv6m.h"

#if defined(__ARM_ARCH_6M__)

/* Scratch: the requantisation table (36 bytes per channel), then the window as K4 = k_h*k_w*in_c
 * rounded up to 4 bytes (kernels_registry.py's _swar_conv_scratch says the same). */
size_t eat_conv2d_s8_swar_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    const int32_t k = p->k_h * p->k_w * p->in_c;
    return (size_t)p->out_c * sizeof(eat_armv6m_rq_t) + (size_t)((k + 3) & ~3);
}

/* With u = x + 128 and w' = w + 128 (the packed weights), per channel c and pixel:
 *   bias + sum (x + input_offset) w = init[c] + S[c] - 128 U,
 * S[c] = sum u w' (the gemv), U = sum u over the window, init[c] = bias + (input_offset - 128) sum w
 * (folded by the compiler); padding taps are gathered as the input zero point, so (x + input_offset)
 * is 0 there as in TFLM's skipped taps. All of it mod 2^32, as TFLM's int32 sums. `bias` is int32[3][out_c]:
 * init, then the accumulator bounds lo[oc] and hi[oc] outside which the output is the activation's clamp
 * without requantising (pipeline/compiler/clamp_bounds.py). */
void eat_conv2d_s8_swar_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                               const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t k = p->k_h * p->k_w * p->in_c;
    const int32_t k4 = (k + 3) >> 2;
    const int32_t oc_n = p->out_c;
    const int32_t act_min = p->act_min, act_max = p->act_max;   /* locals: `out` may alias *p */
    const uint32_t *wq = (const uint32_t *)(const void *)w->data;
    eat_armv6m_rq_t *rq = (eat_armv6m_rq_t *)scratch;
    uint8_t *u = (uint8_t *)(rq + oc_n);                        /* 4-aligned: 36 * oc_n bytes in */
    const int32_t *lo = bias + oc_n, *hi = bias + 2 * oc_n;     /* the accumulator bounds after the bias */
    /* The bounds pay where many outputs clamp: a fused ReLU (act_min is the output zero point: the negative
     * half skips the requantisation) or a narrower activation. Without, they only catch saturation, and
     * their two compares cost more than they skip (resnet's linear convs before ADD: +1-9 % with them). */
    const int bounded = act_min == p->output_offset || act_min > -128 || act_max < 127;
    int32_t sums[8];
    int32_t b, oy, ox, oc, j, i;
    for (j = 0; j < oc_n; ++j) {
        eat_armv6m_rq_prepare(&rq[j], p->multiplier[j], p->shift[j], p->output_offset);
    }
    /* Pixel by pixel, the whole window gathered before any output of the pixel is written (the
     * order planner.window_delta assumes for an output laid over its input). */
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->in_h * p->in_w * p->in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            for (ox = 0; ox < p->out_w; ++ox) {
                int8_t *out = output + ((b * p->out_h + oy) * p->out_w + ox) * oc_n;
                uint32_t base;
                for (i = k; i < 4 * k4; ++i) {
                    u[i] = 0x80u;   /* the tail: 0 once converted, so it adds nothing to S or U */
                }
                eat_armv6m_gather(p, in_b, oy * p->stride_h - p->pad_h, ox * p->stride_w - p->pad_w, (int8_t *)u);
                base = 0u - 128u * eat_armv6m_to_u8((uint32_t *)(void *)u, k4);
                for (oc = 0; oc < oc_n; oc += 8) {
                    const int32_t n = oc_n - oc < 8 ? oc_n - oc : 8;
                    eat_armv6m_gemv8u_s8(u, wq + (oc >> 3) * 16 * k4, k4, sums);
                    if (bounded) {
                        for (j = 0; j < n; ++j) {
                            const int32_t acc = (int32_t)((uint32_t)bias[oc + j] + (uint32_t)sums[j] + base);
                            out[oc + j] = eat_armv6m_rq_bounded(&rq[oc + j], acc, lo[oc + j], hi[oc + j], act_min,
                                                                act_max);
                        }
                        continue;
                    }
                    for (j = 0; j < n; ++j) {
                        const int32_t acc = (int32_t)((uint32_t)bias[oc + j] + (uint32_t)sums[j] + base);
                        out[oc + j] = (int8_t)eat_clamp_i32(eat_armv6m_rq_apply(&rq[oc + j], acc), act_min, act_max);
                    }
                }
            }
        }
    }
}

#endif /* __ARM_ARCH_6M__ */
