/* ARMv7E-M DSP helpers for the Cortex-M4/M7 kernels in runtime/src/armv7em/ (ACLE intrinsics).
 * Include only inside `#if EAT_ARMV7EM_DSP` blocks. */
#ifndef EAT_ARMV7EM_H
#define EAT_ARMV7EM_H

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32
#define EAT_ARMV7EM_DSP 1
#include <arm_acle.h>
#include <string.h>

#include "eat/common.h"

/* A 32-bit load from any address (ARMv7-M LDR allows unaligned; memcpy keeps C99 aliasing rules). */
static inline int32_t eat_rd32(const void *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void eat_wr32(void *p, int32_t v)
{
    memcpy(p, &v, sizeof v);
}

/* Bytes 1 and 3 sign-extended to two int16 lanes: SXTB16 with its free ROR #8 (gcc 12's
 * arm_acle.h has no __ror to fold into __sxtb16). */
static inline int32_t eat_sxtb16_ror8(int32_t x)
{
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}

#else
#define EAT_ARMV7EM_DSP 0
#endif

#endif /* EAT_ARMV7EM_H */
