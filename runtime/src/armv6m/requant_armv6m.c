/* Cortex-M0+ requantisation outside the fast path, kept out of line so the kernels' loops stay small. */
#include "eat/armv6m.h"

#if defined(__ARM_ARCH_6M__)

__attribute__((noinline)) int32_t eat_armv6m_rq_general(int32_t x, int32_t mult, int32_t shift, int32_t out_off)
{
    return (int32_t)((uint32_t)eat_armv6m_requant(x, mult, shift) + (uint32_t)out_off);   /* wraps, never UB */
}

int32_t eat_armv6m_rq_slow(const eat_armv6m_rq_t *t, int32_t x)
{
    return eat_armv6m_rq_general(x, t->mult, t->shift, t->out_off);
}

#endif /* __ARM_ARCH_6M__ */
