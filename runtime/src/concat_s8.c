/* CONCATENATION int8: interleave the inputs' rows along the axis (reference_ops::Concatenation). */
#include "eat/concat.h"

void eat_concat_s8(const eat_concat_s8_params_t *p, const int8_t *const inputs[], int8_t *output)
{
    int32_t o, k, j;
    for (o = 0; o < p->outer; ++o) {
        for (k = 0; k < p->num_inputs; ++k) {
            const int32_t n = p->copy_size[k];
            const int8_t *src = inputs[k] + o * n;
            for (j = 0; j < n; ++j) {
                output[j] = src[j];
            }
            output += n;
        }
    }
}
