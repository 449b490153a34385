/* MEAN float32 as TFLM's reference_ops::Mean: each output sums its inputs from 0.f in input order
 * (reduce index ascending), then is divided by the element count (as float). */
#include "eat/mean_f32.h"

void eat_mean_f32(const eat_mean_f32_params_t *p, const float *input, float *output)
{
    int32_t o, r, i;
    for (o = 0; o < p->outer; ++o) {
        for (i = 0; i < p->inner; ++i) {
            float sum = 0.0f;
            for (r = 0; r < p->reduce; ++r) {
                sum += input[(o * p->reduce + r) * p->inner + i];
            }
            output[o * p->inner + i] = sum / p->count;
        }
    }
}
