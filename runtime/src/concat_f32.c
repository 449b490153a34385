/* CONCATENATION float32: interleave the inputs' rows along the axis (reference_ops::Concatenation). */
#include "eat/concat_f32.h"

void eat_concat_f32(const eat_concat_f32_params_t *p, const float *const inputs[], float *output)
{
    int32_t o, k, j;
    for (o = 0; o < p->outer; ++o) {
        for (k = 0; k < p->num_inputs; ++k) {
            const int32_t n = p->copy_size[k];
            const float *src = inputs[k] + o * n;
            for (j = 0; j < n; ++j) {
                output[j] = src[j];
            }
            output += n;
        }
    }
}
