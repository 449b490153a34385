/* Cortex-M0+ (ARMv6-M) kernel variants: the same parameters as the reference kernels, faster
 * inner loops. Built only when __ARM_ARCH_6M__ is defined (the sources compile to nothing
 * elsewhere); the compiler's registry picks them for core "cortex-m0plus".
 *
 * The exact requantisation below replaces TFLM's 64-bit doubling-high-multiply for the common case.
 * For x with |x| < 2^15, multiplier M in [0, 2^31) and shift in [-15, 0] (right shift r = -shift),
 * eat_mbqm(x, M, shift) == (x*Mh + ((x*Ml) >> 16) + Bp - ((x >> 31) & J)) >> (15 + r), where
 * Mh = M >> 16, Ml = M & 0xFFFF, Bp = 2^14 + (r ? 2^(14+r) : 0), J = (r ? 2^15 : 0), all int32
 * (arithmetic shifts). Why: the doubling high multiply is floor((xM + 2^30) / 2^31) for either
 * sign, the rounding divide rounds half away from zero, and nested floors by powers of two merge:
 * the result is floor((xM + 2^(30+r) +- 2^30) / 2^(31+r)) (+ for x >= 0, - for x < 0; r = 0:
 * floor((xM + 2^30) / 2^31)). xM split at bit 16 keeps every partial product inside int32 and the
 * low 16 bits of the constant are 0, so the floor passes through the split. Checked exhaustively
 * over all |x| < 2^15 for r in 0..15 and many M (tests/test_kernels_armv6m.py); every other case
 * takes eat_mbqm itself. */
#ifndef EAT_ARMV6M_H
#define EAT_ARMV6M_H

#include "eat/conv.h"
#include "eat/depthwise_conv.h"
#include "eat/fully_connected.h"

#ifdef __cplusplus
extern "C" {
#endif

/* acc[j] += sum_{i < len} (x[i] + x_off) * w[j * w_stride + i], j = 0..3 (hand-scheduled Thumb-1). */
void eat_armv6m_dot4_s8(const int8_t *x, const int8_t *w, int32_t len, int32_t w_stride,
                        int32_t x_off, int32_t acc[4]);

/* Exact eat_mbqm(x, mult, shift), with the two-multiply fast path described above. */
static inline int32_t eat_armv6m_requant(int32_t x, int32_t mult, int32_t shift)
{
    if (shift <= 0 && shift >= -15 && mult >= 0 && (uint32_t)(x + 32768) < 65536u) {
        const int32_t r = -shift;
        const int32_t bp = (1 << 14) + (r ? (1 << (14 + r)) : 0);
        const int32_t j = r ? (1 << 15) : 0;
        const int32_t hi = x * (mult >> 16);
        const int32_t lo = (x * (mult & 0xFFFF)) >> 16;
        return (hi + lo + bp - ((x >> 31) & j)) >> (15 + r);
    }
    return eat_mbqm(x, mult, shift);
}

size_t eat_conv2d_s8_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p);
void eat_conv2d_s8_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                          const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

size_t eat_depthwise_conv2d_s8_armv6m_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p);
void eat_depthwise_conv2d_s8_armv6m(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                    const int32_t *bias, const int8_t *input, int8_t *output,
                                    void *scratch);

size_t eat_fully_connected_s8_armv6m_scratch_bytes(const eat_fully_connected_s8_params_t *p);
void eat_fully_connected_s8_armv6m(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                   const int32_t *bias, const int8_t *input, int8_t *output,
                                   void *scratch);

#ifdef __cplusplus
}
#endif

#endif /* EAT_ARMV6M_H */
