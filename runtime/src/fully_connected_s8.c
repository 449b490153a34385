/* Reference FULLY_CONNECTED int8 kernel (arithmetic of TFLM reference_integer_ops). */
#include "eat/fully_connected.h"

size_t eat_fully_connected_s8_scratch_bytes(const eat_fully_connected_s8_params_t *p)
{
    (void)p;
    return 0;
}

void eat_fully_connected_s8(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                            const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int8_t *weights = w->data;
    int32_t b, o, d;
    (void)scratch;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in = input + b * p->in_depth;
        for (o = 0; o < p->out_depth; ++o) {
            const int8_t *row = weights + o * p->in_depth;
            int32_t acc = 0;
            int32_t mult = p->output_multiplier, shift = p->output_shift;
            for (d = 0; d < p->in_depth; ++d) {
                acc += ((int32_t)row[d] + p->filter_offset) * ((int32_t)in[d] + p->input_offset);
            }
            if (bias != NULL) {
                acc += bias[o];
            }
            if (p->per_channel_multiplier != NULL) {
                mult = p->per_channel_multiplier[o];
                shift = p->per_channel_shift[o];
            }
            acc = eat_mbqm(acc, mult, shift) + p->output_offset;
            output[b * p->out_depth + o] = (int8_t)eat_clamp_i32(acc, p->act_min, p->act_max);
        }
    }
}
