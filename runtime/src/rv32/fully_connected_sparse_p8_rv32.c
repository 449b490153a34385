/* FULLY_CONNECTED over EAT_WEIGHTS_SPARSE_P8 (eat/sparse_p8.h) for RV32IMC: each row's (weight, position)
 * pairs four per pass, then the row's requantisation.
 *
 * Chosen by the registry for core "rv32imc" (pipeline/compiler/kernels_p8.py). The portable kernel's loop
 * (eat_p8_dot) spends 8 instructions per non-zero under gcc -O2 (lb, lbu, add, lb, mul, add and the loop's
 * pointer step, count and branch); four pairs per pass at fixed offsets keep the six that each pair needs and
 * share one pointer step and branch; the n % 4 pairs left go first, straight-line (a switch), so a short row
 * pays no second loop. `bias` is the folded bias (bias + input_offset * sum(row)), as for the
 * portable kernel; rows of more than 256 inputs go segment by segment (a count per row and segment). */
#include "eat/sparse_p8.h"

/* One pair at byte K of s: acc += weight * x[position]. */
#define EAT_P8_RV32_PAIR(K) (acc += (int32_t)s[(K)] * x[(uint8_t)s[(K) + 1]])

/* acc + sum of the n pairs at s of weight * x[position]: the n % 4 first (fixed offsets, no loop), then
 * passes of four at fixed offsets with one pointer step each. */
static inline int32_t p8_dot_rv32(int32_t acc, const int8_t *x, const int8_t *s, int32_t n)
{
    const int8_t *end = s + 2 * n;
    switch (n & 3) {
    case 3:
        EAT_P8_RV32_PAIR(4);
        /* fall through */
    case 2:
        EAT_P8_RV32_PAIR(2);
        /* fall through */
    case 1:
        EAT_P8_RV32_PAIR(0);
        break;
    default:
        break;
    }
    for (s += 2 * (n & 3); s != end; s += 8) {
        EAT_P8_RV32_PAIR(0);
        EAT_P8_RV32_PAIR(2);
        EAT_P8_RV32_PAIR(4);
        EAT_P8_RV32_PAIR(6);
    }
    return acc;
}

size_t eat_fully_connected_s8_sparse_p8_rv32_scratch_bytes(const eat_fully_connected_s8_params_t *p)
{
    (void)p;
    return 0;
}

void eat_fully_connected_s8_sparse_p8_rv32(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                           const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t segments = EAT_P8_SEGMENTS(p->in_depth);
    int32_t b, o, g;
    (void)scratch;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *x = input + b * p->in_depth;
        const uint8_t *counts = (const uint8_t *)w->index;
        const int8_t *s = w->data;
        int8_t *out = output + b * p->out_depth;
        for (o = 0; o < p->out_depth; ++o) {
            int32_t sum = bias[o];
            for (g = 0; g < segments; ++g) {
                const int32_t n = *counts++;
                sum = p8_dot_rv32(sum, x + 256 * g, s, n);
                s += 2 * n;
            }
            out[o] = eat_fully_connected_s8_out(p, sum, o);
        }
    }
}
