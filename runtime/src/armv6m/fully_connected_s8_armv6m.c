/* Cortex-M0+ FULLY_CONNECTED int8: 4 output rows at a time through the dot4 loop. */
#include "eat/armv6m.h"

#if defined(__ARM_ARCH_6M__)

size_t eat_fully_connected_s8_armv6m_scratch_bytes(const eat_fully_connected_s8_params_t *p)
{
    (void)p;
    return 0;
}

void eat_fully_connected_s8_armv6m(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                   const int32_t *bias, const int8_t *input, int8_t *output,
                                   void *scratch)
{
    const int32_t k = p->in_depth;
    int32_t init[EAT_ARMV6M_RQ_TABLE], acc[EAT_ARMV6M_RQ_TABLE];
    int32_t b, o0, n, j;
    if (p->filter_offset != 0 || p->out_depth < 4) {
        eat_fully_connected_s8(p, w, bias, input, output, scratch);   /* asymmetric or tiny: reference */
        return;
    }
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in = input + b * k;
        int8_t *out = output + b * p->out_depth;
        for (o0 = 0; o0 < p->out_depth; o0 += n) {   /* rows in chunks of eat_armv6m_rq_chunk */
            n = eat_armv6m_rq_chunk(o0, p->out_depth);
            for (j = 0; j < n; ++j) {
                init[j] = bias != NULL ? bias[o0 + j] : 0;
            }
            /* Each weight is read once here, so input_offset is added in the loop rather than
             * folded into init through a second pass over the weights. */
            eat_armv6m_gemv4_off_s8(in, w->data + o0 * k, k, n >> 2, init, acc, p->input_offset);
            if (n & 3) {   /* the last block overlaps the previous one */
                eat_armv6m_gemv4_off_s8(in, w->data + (o0 + n - 4) * k, k, 1, &init[n - 4], &acc[n - 4],
                                        p->input_offset);
            }
            for (j = 0; j < n; ++j) {
                const int32_t mult = p->per_channel_multiplier ? p->per_channel_multiplier[o0 + j] : p->output_multiplier;
                const int32_t shift = p->per_channel_shift ? p->per_channel_shift[o0 + j] : p->output_shift;
                const int32_t v = eat_armv6m_requant(acc[j], mult, shift) + p->output_offset;
                out[o0 + j] = (int8_t)eat_clamp_i32(v, p->act_min, p->act_max);
            }
        }
    }
}

#endif /* __ARM_ARCH_6M__ */
