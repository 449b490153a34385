/* FULLY_CONNECTED int8 for RV32IMC: 4 weight rows per pass over the input (eat_rv32_dot_1x4).
 *
 * Chosen by the registry for core "rv32imc" when the filter offset is 0 (pipeline/compiler/
 * kernels_rv32.py). bias[o] = bias + input_offset * sum(row o), folded at compile time, so the
 * accumulator bias[o] + sum(x * w) over raw int8 equals TFLM's sum((x + input_offset) * w) + bias.
 * Weights in their natural [out][in] order; a tail of out_depth % 4 rows runs one row at a time. */
#include "eat/requant.h"
#include "eat/rv32.h"

size_t eat_fully_connected_s8_rv32_scratch_bytes(const eat_fully_connected_s8_params_t *p)
{
    (void)p;
    return 0;
}

void eat_fully_connected_s8_rv32(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                 const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t n = p->in_depth;
    int32_t b, o, d, j;
    (void)scratch;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in = input + b * n;
        int8_t *out = output + b * p->out_depth;
        for (o = 0; o + 3 < p->out_depth; o += 4) {
            int32_t acc[4];
            for (j = 0; j < 4; ++j) {
                acc[j] = bias[o + j];
            }
            eat_rv32_dot_1x4(in, w->data + o * n, n, n, acc);
            for (j = 0; j < 4; ++j) {
                out[o + j] = eat_fully_connected_s8_out(p, acc[j], o + j);
            }
        }
        for (; o < p->out_depth; ++o) {
            const int8_t *r = w->data + o * n;
            int32_t a = bias[o];
            for (d = 0; d < n; ++d) {
                a += (int32_t)in[d] * r[d];
            }
            out[o] = eat_fully_connected_s8_out(p, a, o);
        }
    }
}
