/* Cortex-M0+ FULLY_CONNECTED int8, two products per multiply: the input as unsigned bytes against
 * the compiler's packed weights, 8 output rows per pass (eat_armv6m_gemv8u_s8). */
#include "eat/armv6m.h"

#if defined(__ARM_ARCH_6M__)

#include <string.h>

/* Scratch: the input row as in_depth rounded up to 4 bytes (kernels_registry.py says the same). */
size_t eat_fully_connected_s8_swar_armv6m_scratch_bytes(const eat_fully_connected_s8_params_t *p)
{
    return (size_t)((p->in_depth + 3) & ~3);
}

/* out[r] = requant(init[r] + S[r] - 128 U), S[r] = sum u w'[r], U = sum u, u = x + 128, w' = w + 128,
 * init[r] = bias[r] + (input_offset - 128) sum w[r] folded by the compiler (filter_offset 0). */
void eat_fully_connected_s8_swar_armv6m(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                        const int32_t *bias, const int8_t *input, int8_t *output,
                                        void *scratch)
{
    const int32_t k = p->in_depth;
    const int32_t k4 = (k + 3) >> 2;
    const int32_t n_out = p->out_depth;
    const int32_t act_min = p->act_min, act_max = p->act_max;
    const uint32_t *wq = (const uint32_t *)(const void *)w->data;
    uint8_t *u = (uint8_t *)scratch;
    eat_armv6m_rq_t rq;   /* per-tensor: prepared once; per-channel rows take eat_armv6m_requant */
    int32_t sums[8];
    int32_t b, o, j, i;
    eat_armv6m_rq_prepare(&rq, p->output_multiplier, p->output_shift, p->output_offset);
    for (b = 0; b < p->batches; ++b) {
        int8_t *out = output + b * n_out;
        uint32_t base;
        for (i = k; i < 4 * k4; ++i) {
            u[i] = 0x80u;   /* the tail: 0 once converted (the conversion is in place) */
        }
        memcpy(u, input + b * k, (size_t)k);   /* before any output: `output` may overlap `input` */
        base = 0u - 128u * eat_armv6m_to_u8((uint32_t *)(void *)u, k4);
        for (o = 0; o < n_out; o += 8) {
            const int32_t n = n_out - o < 8 ? n_out - o : 8;
            eat_armv6m_gemv8u_s8(u, wq + (o >> 3) * 16 * k4, k4, sums);
            for (j = 0; j < n; ++j) {
                const int32_t acc = (int32_t)((bias != NULL ? (uint32_t)bias[o + j] : 0u) + (uint32_t)sums[j] + base);
                const int32_t v = p->per_channel_multiplier == NULL ? eat_armv6m_rq_apply(&rq, acc)
                    : eat_armv6m_requant(acc, p->per_channel_multiplier[o + j], p->per_channel_shift[o + j])
                      + p->output_offset;
                out[o + j] = (int8_t)eat_clamp_i32(v, act_min, act_max);
            }
        }
    }
}

#endif /* __ARM_ARCH_6M__ */
