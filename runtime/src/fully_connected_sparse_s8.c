/* Zero-skipping FULLY_CONNECTED int8 over EAT_WEIGHTS_SPARSE_D4 (eat/sparse.h); bit-exact with
 * TFLM's reference kernel on the same (pruned) weights. */
#include "eat/sparse.h"

void eat_fully_connected_s8_sparse_d4(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                      const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const uint8_t *counts = (const uint8_t *)w->index;
    const uint8_t *nib0 = counts + p->out_depth;
    int32_t b, o;
    (void)scratch;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in = input + b * p->in_depth;
        const int8_t *v = w->data;
        const uint8_t *nib = nib0;
        for (o = 0; o < p->out_depth; ++o) {
            int32_t mult = p->output_multiplier, shift = p->output_shift;
            int32_t acc = eat_sparse_d4_dot(bias[o], in, counts[o], &v, &nib, 1);
            if (p->per_channel_multiplier != NULL) {
                mult = p->per_channel_multiplier[o];
                shift = p->per_channel_shift[o];
            }
            acc = eat_mbqm(acc, mult, shift) + p->output_offset;
            output[b * p->out_depth + o] = (int8_t)eat_clamp_i32(acc, p->act_min, p->act_max);
        }
    }
}
