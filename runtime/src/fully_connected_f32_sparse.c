/* FULLY_CONNECTED float32 over row-compressed weights. The dense kernel's order with the zero
 * terms left out: total starts at +0.f and so is never -0.f, and adding in * 0 (= +-0) to it
 * changes nothing while the input is finite, so the result is the dense kernel's bit for bit
 * for finite activations (an inf or NaN input times a pruned weight would give NaN in TFLM). */
#include "eat/fully_connected_f32_sparse.h"

void eat_fully_connected_f32_sparse_rows(const eat_fully_connected_f32_params_t *p,
                                         const eat_weights_f32_sparse_rows_t *w, const float *bias,
                                         const float *input, float *output)
{
    int32_t b, o, k;
    for (b = 0; b < p->batches; ++b) {
        const float *in = input + b * p->in_depth;
        for (o = 0; o < p->out_depth; ++o) {
            float total = 0.f;
            float bias_value = 0.0f;
            for (k = w->row_start[o]; k < w->row_start[o + 1]; ++k) {
                total += in[w->cols[k]] * w->values[k];
            }
            if (bias != NULL) {
                bias_value = bias[o];
            }
            output[b * p->out_depth + o] = eat_act_f32(total + bias_value, p->act_min, p->act_max);
        }
    }
}
