/* Portable FULLY_CONNECTED int8 over EAT_WEIGHTS_SPARSE_2OF4 (eat/sparse_2of4.h): the "generic" kernel of
 * the format; bit-exact with TFLM's reference kernel on the same (2:4-pruned) weights. */
#include <string.h>

#include "eat/sparse_2of4.h"

size_t eat_fully_connected_s8_sparse_2of4_scratch_bytes(const eat_fully_connected_s8_params_t *p)
{
    return (size_t)eat_2of4_k8(p->in_depth);
}

void eat_fully_connected_s8_sparse_2of4(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                        const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t k = p->in_depth, k8 = eat_2of4_k8(k), pairs = k8 / 8;
    int8_t *row = (int8_t *)scratch;
    int32_t b, o;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *x = input + b * k;
        const int8_t *s = w->data;
        if (k != k8) {             /* the zero tail: the padded groups read inside the row */
            memcpy(row, x, (size_t)k);
            memset(row + k, 0, (size_t)(k8 - k));
            x = row;
        }
        for (o = 0; o < p->out_depth; ++o, s += 5 * pairs) {
            const int32_t mult = p->per_channel_multiplier ? p->per_channel_multiplier[o] : p->output_multiplier;
            const int32_t shift = p->per_channel_shift ? p->per_channel_shift[o] : p->output_shift;
            const int32_t acc = eat_mbqm(eat_2of4_dot(bias[o], x, s, pairs), mult, shift) + p->output_offset;
            output[b * p->out_depth + o] = (int8_t)eat_clamp_i32(acc, p->act_min, p->act_max);
        }
    }
}
