/* Constant PAD float32: every output element is the input element it covers, else the pad value. */
#include "eat/pad_f32.h"

void eat_pad_f32(const eat_pad_f32_params_t *p, const float *input, float *output)
{
    int32_t idx[EAT_PAD_F32_MAX_DIMS] = {0, 0, 0, 0, 0, 0};
    int32_t total = 1, i, d;
    for (d = 0; d < p->ndims; ++d) {
        total *= p->out_dims[d];
    }
    for (i = 0; i < total; ++i) {
        int32_t in_off = 0, inside = 1;
        for (d = 0; d < p->ndims; ++d) {
            const int32_t k = idx[d] - p->before[d];
            if (k < 0 || k >= p->in_dims[d]) {
                inside = 0;
                break;
            }
            in_off = in_off * p->in_dims[d] + k;
        }
        output[i] = inside ? input[in_off] : p->pad_value;
        for (d = p->ndims - 1; d >= 0; --d) {
            if (++idx[d] < p->out_dims[d]) {
                break;
            }
            idx[d] = 0;
        }
    }
}
