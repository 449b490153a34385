/* Portable FULLY_CONNECTED int8 over EAT_WEIGHTS_SPARSE_P8 (eat/sparse_p8.h): the "generic" kernel of the
 * format; bit-exact with TFLM's reference kernel on the same (pruned) weights. */
#include "eat/sparse_p8.h"

void eat_fully_connected_s8_sparse_p8(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                      const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const uint8_t *counts = (const uint8_t *)w->index;
    int32_t b, o;
    (void)scratch;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *x = input + b * p->in_depth;
        const int8_t *s = w->data;
        for (o = 0; o < p->out_depth; ++o) {
            const int32_t mult = p->per_channel_multiplier ? p->per_channel_multiplier[o] : p->output_multiplier;
            const int32_t shift = p->per_channel_shift ? p->per_channel_shift[o] : p->output_shift;
            const int32_t n = counts[o];
            const int32_t acc = eat_mbqm(eat_p8_dot(bias[o], x, s, n), mult, shift) + p->output_offset;
            output[b * p->out_depth + o] = (int8_t)eat_clamp_i32(acc, p->act_min, p->act_max);
            s += 2 * n;
        }
    }
}
