/* FULLY_CONNECTED float32, in the order of TFLM's reference_ops::FullyConnected (float):
 * total = 0.f; total += in[d] * w[d] for d ascending; output = act(total + bias). */
#include "eat/fully_connected_f32.h"

void eat_fully_connected_f32(const eat_fully_connected_f32_params_t *p, const float *weights,
                             const float *bias, const float *input, float *output)
{
    int32_t b, o, d;
    for (b = 0; b < p->batches; ++b) {
        const float *in = input + b * p->in_depth;
        for (o = 0; o < p->out_depth; ++o) {
            const float *w = weights + o * p->in_depth;
            float total = 0.f;
            float bias_value = 0.0f;
            for (d = 0; d < p->in_depth; ++d) {
                total += in[d] * w[d];
            }
            if (bias != NULL) {
                bias_value = bias[o];
            }
            output[b * p->out_depth + o] = eat_act_f32(total + bias_value, p->act_min, p->act_max);
        }
    }
}
