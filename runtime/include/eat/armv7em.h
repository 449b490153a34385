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

/* Two int16 lanes: the low half of lo, the low half of hi (PKHBT; gcc writes UXTH + ORR for the C). */
static inline int32_t eat_pkhbt(int32_t lo, int32_t hi)
{
    int32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(lo), "r"(hi));
    return r;
}

/* Four int32 values -> 4 int8 lanes of one word, each saturated to int8: 4 SSAT + 3 BFI (each BFI
 * overwrites the sign bits SSAT left above the lower lanes). */
static inline uint32_t eat_pack4(int32_t v0, int32_t v1, int32_t v2, int32_t v3)
{
    uint32_t w = (uint32_t)__ssat(v0, 8);
    __asm__("bfi %0, %1, #8, #8" : "+r"(w) : "r"(__ssat(v1, 8)));
    __asm__("bfi %0, %1, #16, #8" : "+r"(w) : "r"(__ssat(v2, 8)));
    __asm__("bfi %0, %1, #24, #8" : "+r"(w) : "r"(__ssat(v3, 8)));
    return w;
}

/* 4 int8 lanes clamped bytewise to [lo, hi]: SSUB8 + SEL against lo4 / hi4 (the bounds in every byte). */
static inline int32_t eat_clamp4(uint32_t w, int32_t lo4, int32_t hi4)
{
    (void)__ssub8((int8x4_t)w, (int8x4_t)lo4);
    w = (uint32_t)__sel((uint8x4_t)w, (uint8x4_t)lo4);     /* GE set where w >= lo: keep w, else lo */
    (void)__ssub8((int8x4_t)w, (int8x4_t)hi4);
    w = (uint32_t)__sel((uint8x4_t)hi4, (uint8x4_t)w);     /* GE set where w >= hi: hi, else w */
    return (int32_t)w;
}

/* Four int32 values -> 4 int8 lanes of one word, each saturated to int8 (SSAT) then clamped bytewise to
 * [lo, hi] (SSUB8 + SEL against lo4 / hi4, the bounds replicated in every byte): the same bytes as
 * clamp(v, lo, hi) for -128 <= lo <= hi <= 127. */
static inline int32_t eat_pack4_clamp(int32_t v0, int32_t v1, int32_t v2, int32_t v3, int32_t lo4, int32_t hi4)
{
    return eat_clamp4(eat_pack4(v0, v1, v2, v3), lo4, hi4);
}

static inline int32_t eat_bytes4(int32_t v)
{
    return (int32_t)((uint32_t)(uint8_t)v * 0x01010101u);
}

/* acc's two int16 lanes plus bytes 1 and 3 of x, sign-extended (SXTAB16 with its free ROR #8, as
 * eat_sxtb16_ror8). */
static inline int32_t eat_sxtab16_ror8(int32_t acc, int32_t x)
{
    int32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(acc), "r"(x));
    return r;
}

#else
#define EAT_ARMV7EM_DSP 0
#endif

#endif /* EAT_ARMV7EM_H */
