/* Float activations, each as TFLM's float kernel writes it:
 * RELU (activations_common.cc ReluFloat): x < 0 ? 0 : x.  RELU6: x > 6 ? 6 : x < 0 ? 0 : x.
 * RELU_N1_TO_1: x > 1 ? 1 : x < -1 ? -1 : x.  LEAKY_RELU: x > 0 ? x : x * alpha.
 * HARD_SWISH: x * min(6, max(0, x + 3)) / 6 with std::min/max.
 * LOGISTIC (reference_ops::Logistic): 1 above 16.619047..., exp(x) below -9, else 1 / (1 + exp(-x)).
 * TANH: tanhf(x).  exp is eat_exp_f32 (common_f32.h) and tanh the C library's tanhf: libms round
 * these differently, so LOGISTIC and TANH may differ from TFLM by an ULP or so on a device
 * (measured: README, float models). */
#include <math.h>

#include "eat/unary_f32.h"

static float unary(const eat_unary_f32_params_t *p, float x)
{
    switch (p->kind) {
    case EAT_UNARY_RELU:
        return x < 0.0f ? 0.0f : x;
    case EAT_UNARY_RELU6:
        return x > 6.0f ? 6.0f : (x < 0.0f ? 0.0f : x);
    case EAT_UNARY_RELU_N1_TO_1:
        return x > 1.0f ? 1.0f : (x < -1.0f ? -1.0f : x);
    case EAT_UNARY_LEAKY_RELU:
        return x > 0 ? x : x * p->alpha;
    case EAT_UNARY_HARD_SWISH: {
        const float s = x + 3;
        const float lo = (0.0f < s) ? s : 0.0f;        /* std::max(0, x + 3) */
        const float clamped = (lo < 6.0f) ? lo : 6.0f; /* std::min(6, .) */
        return x * clamped / 6;
    }
    case EAT_UNARY_LOGISTIC:
        if (x > 16.619047164916992188f) {
            return 1.0f;
        }
        if (x < -9.f) {
            return eat_exp_f32(x);
        }
        return 1.f / (1.f + eat_exp_f32(-x));
    case EAT_UNARY_TANH:
        return tanhf(x);
    default:
        return x;
    }
}

void eat_unary_f32(const eat_unary_f32_params_t *p, const float *input, float *output)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        output[i] = unary(p, input[i]);
    }
}
