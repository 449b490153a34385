/* Edge-AI-Tiny runtime, float32: shared helpers for the *_f32 kernels.
 *
 * The float kernels follow TFLM's float reference kernels operation for operation (same
 * accumulation order, float32 throughout, no fused multiply-add: the runtime is built with
 * -ffp-contract=off), so on any IEEE-754 single-precision unit, hardware or soft-float, they give
 * the same bits as TFLM. Only libm calls (expf, tanhf) can differ between C libraries. */
#ifndef EAT_COMMON_F32_H
#define EAT_COMMON_F32_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* TFLM ActivationFunctionWithMinMax: std::min(std::max(x, lo), hi), NaN and -0.0 kept as std does.
 * No fused activation is lo = -FLT_MAX, hi = FLT_MAX (std::numeric_limits<float>::lowest/max). */
static inline float eat_act_f32(float x, float lo, float hi)
{
    const float y = (x < lo) ? lo : x;
    return (hi < y) ? hi : y;
}

/* exp for float, as close to TFLM's as a C library allows. TFLM calls std::exp(float), i.e. the
 * host's glibc expf, which rounds a near-exact double result; device libcs' expf (newlib's,
 * picolibc's) are less accurate. The double exp rounded once to float agrees with glibc's expf
 * on all but 4664 of 60,477,330 float32 inputs in [-88, 88] (every 37th bit pattern, measured
 * on this host), so devices reproduce TFLM's softmax/logistic far more often than with expf. */
static inline float eat_exp_f32(float x)
{
    return (float)exp((double)x);
}

#ifdef __cplusplus
}
#endif

#endif /* EAT_COMMON_F32_H */
