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
    const int32_t n = p->in_depth;
    int32_t b, o, j;
    if (p->filter_offset != 0 || p->out_depth < 4) {
        eat_fully_connected_s8(p, w, bias, input, output, scratch);   /* asymmetric or tiny: reference */
        return;
    }
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in = input + b * n;
        int8_t *out = output + b * p->out_depth;
        for (o = 0; o < p->out_depth; o += 4) {
            int32_t acc[4];
            if (o > p->out_depth - 4) {
                o = p->out_depth - 4;   /* the last block overlaps the previous one */
            }
            for (j = 0; j < 4; ++j) {
                acc[j] = bias != NULL ? bias[o + j] : 0;
            }
            eat_armv6m_dot4_s8(in, w->data + o * n, n, n, p->input_offset, acc);
            for (j = 0; j < 4; ++j) {
                const int32_t mult = p->per_channel_multiplier ? p->per_channel_multiplier[o + j] : p->output_multiplier;
                const int32_t shift = p->per_channel_shift ? p->per_channel_shift[o + j] : p->output_shift;
                const int32_t v = eat_armv6m_requant(acc[j], mult, shift) + p->output_offset;
                out[o + j] = (int8_t)eat_clamp_i32(v, p->act_min, p->act_max);
            }
        }
    }
}

#endif /* __ARM_ARCH_6M__ */
