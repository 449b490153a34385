/* Portable FULLY_CONNECTED int8 with the input offset folded into the bias at compile time.
 *
 * bias[o] already holds bias + input_offset * sum(row o) (pipeline/compiler/kernels.py), so the
 * accumulator is bias[o] + sum(x * w) over raw int8 values: the same int32 as TFLM's reference
 * sum((x + input_offset) * w) + bias. Four rows share each pass over the input. filter_offset is 0. */
#include "eat/fully_connected.h"
#include "eat/requant.h"

size_t eat_fully_connected_s8_folded_scratch_bytes(const eat_fully_connected_s8_params_t *p)
{
    (void)p;
    return 0;
}

void eat_fully_connected_s8_folded(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                   const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t n = p->in_depth;
    int32_t b, o, d;
    (void)scratch;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in = input + b * n;
        int8_t *out = output + b * p->out_depth;
        for (o = 0; o + 3 < p->out_depth; o += 4) {
            const int8_t *r0 = w->data + o * n;
            const int8_t *r1 = r0 + n, *r2 = r1 + n, *r3 = r2 + n;
            int32_t a0 = bias[o], a1 = bias[o + 1], a2 = bias[o + 2], a3 = bias[o + 3];
            for (d = 0; d < n; ++d) {
                const int32_t x = in[d];
                a0 += x * r0[d];
                a1 += x * r1[d];
                a2 += x * r2[d];
                a3 += x * r3[d];
            }
            out[o] = eat_fully_connected_s8_out(p, a0, o);
            out[o + 1] = eat_fully_connected_s8_out(p, a1, o + 1);
            out[o + 2] = eat_fully_connected_s8_out(p, a2, o + 2);
            out[o + 3] = eat_fully_connected_s8_out(p, a3, o + 3);
        }
        for (; o < p->out_depth; ++o) {
            const int8_t *r0 = w->data + o * n;
            int32_t a0 = bias[o];
            for (d = 0; d < n; ++d) {
                a0 += (int32_t)in[d] * r0[d];
            }
            out[o] = eat_fully_connected_s8_out(p, a0, o);
        }
    }
}
