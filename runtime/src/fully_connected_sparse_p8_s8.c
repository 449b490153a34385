/* Portable FULLY_CONNECTED int8 over EAT_WEIGHTS_SPARSE_P8 (eat/sparse_p8.h): the "generic" kernel of the
 * format; bit-exact with TFLM's reference kernel on the same (pruned) weights. */
#include "eat/sparse_p8.h"

/* in_depth <= 256: one count per row. */
static void p8_rows(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w, const int32_t *bias,
                    const int8_t *input, int8_t *output)
{
    const uint8_t *counts = (const uint8_t *)w->index;
    int32_t b, o;
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

/* in_depth > 256: a count per row and segment; a segment's positions count from 256 * g. */
static void p8_rows_segments(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                             const int32_t *bias, const int8_t *input, int8_t *output)
{
    const int32_t segments = EAT_P8_SEGMENTS(p->in_depth);
    int32_t b, o, g;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *x = input + b * p->in_depth;
        const uint8_t *counts = (const uint8_t *)w->index;
        const int8_t *s = w->data;
        for (o = 0; o < p->out_depth; ++o) {
            const int32_t mult = p->per_channel_multiplier ? p->per_channel_multiplier[o] : p->output_multiplier;
            const int32_t shift = p->per_channel_shift ? p->per_channel_shift[o] : p->output_shift;
            int32_t sum = bias[o];
            for (g = 0; g < segments; ++g) {
                const int32_t n = *counts++;
                sum = eat_p8_dot(sum, x + 256 * g, s, n);
                s += 2 * n;
            }
            output[b * p->out_depth + o] =
                (int8_t)eat_clamp_i32(eat_mbqm(sum, mult, shift) + p->output_offset, p->act_min, p->act_max);
        }
    }
}

void eat_fully_connected_s8_sparse_p8(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                      const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    (void)scratch;
    if (p->in_depth <= EAT_SPARSE_P8_MAX_IN) {
        p8_rows(p, w, bias, input, output);
    } else {
        p8_rows_segments(p, w, bias, input, output);
    }
}
