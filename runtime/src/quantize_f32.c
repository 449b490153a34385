/* QUANTIZE / DEQUANTIZE as TFLM's reference_ops::AffineQuantize / Dequantize:
 * q = clamp((int32)round(x / scale) + zp) with round half away from zero (TfLiteRound) on the
 * float32 quotient; x = (float)((double)scale * (q - zp)), which equals the float32 product
 * scale * (float)(q - zp) (both exact before one rounding), so no double arithmetic is needed. */
#include <math.h>

#include "eat/quantize_f32.h"

void eat_quantize_f32_s8(const eat_quantize_f32_params_t *p, const float *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const float r = roundf(input[i] / p->scale);
        int64_t q;
        /* beyond int32 (and NaN) the C cast is undefined: clamp first (TFLM's x86 build gives
         * INT32_MIN there, then wraps; such inputs are outside any int8 range anyway) */
        if (!(r > -2147483648.0f && r < 2147483648.0f)) {
            q = r > 0.0f ? 127 : -128;
        } else {
            q = (int64_t)(int32_t)r + p->zero_point;
        }
        output[i] = (int8_t)(q < -128 ? -128 : (q > 127 ? 127 : q));
    }
}

void eat_dequantize_s8_f32(const eat_quantize_f32_params_t *p, const int8_t *input, float *output)
{
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        output[i] = p->scale * (float)((int32_t)input[i] - p->zero_point);
    }
}
