/* Cortex-M0+ requantisation outside the fast path, kept out of line so the kernels' loops stay small. */
#include "eat/armv6m.h"

#if defined(__ARM_ARCH_6M__)

int32_t eat_armv6m_rq_slow(const eat_armv6m_rq_t *t, int32_t x)
{
    return (int32_t)((uint32_t)eat_armv6m_requant(x, t->mult, t->shift) + (uint32_t)t->out_off);   /* wraps, never UB */
}

#endif /* __ARM_ARCH_6M__ */
