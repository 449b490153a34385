/* SOFTMAX float32 in TFLM's order: max over the row from -FLT_MAX with std::max; then
 * e = exp((x - max) * beta) stored, sum += e in order from 0.f; then out = e / sum.
 * exp is eat_exp_f32 (common_f32.h): the one step a device's libm may round differently. */
#include <float.h>
#include <math.h>

#include "eat/softmax_f32.h"

void eat_softmax_f32(const eat_softmax_f32_params_t *p, const float *input, float *output)
{
    int32_t i, c;
    for (i = 0; i < p->outer; ++i) {
        const float *in = input + i * p->depth;
        float *out = output + i * p->depth;
        float max = -FLT_MAX;
        float sum = 0.f;
        for (c = 0; c < p->depth; ++c) {
            max = (max < in[c]) ? in[c] : max;
        }
        for (c = 0; c < p->depth; ++c) {
            const float e = eat_exp_f32((in[c] - max) * p->beta);
            out[c] = e;
            sum += e;
        }
        for (c = 0; c < p->depth; ++c) {
            out[c] = out[c] / sum;
        }
    }
}
