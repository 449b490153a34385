/* MEAN int8 over contiguous axes: see eat/mean.h. */
#include "eat/mean.h"

void eat_mean_s8(const eat_mean_s8_params_t *p, const int8_t *input, int8_t *output)
{
    int32_t o, i, r;
    for (o = 0; o < p->outer; ++o) {
        const int8_t *base = input + o * p->reduce * p->inner;
        for (i = 0; i < p->inner; ++i) {
            int32_t sum = 0;
            for (r = 0; r < p->reduce; ++r) {
                sum += base[r * p->inner + i];
            }
            sum = eat_mbqm(sum + p->input_offset, p->multiplier, p->shift) + p->output_offset;
            output[o * p->inner + i] = (int8_t)eat_clamp_i32(sum, -128, 127);
        }
    }
}
