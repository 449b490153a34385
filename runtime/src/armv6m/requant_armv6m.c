/* Cortex-M0+ requantisation outside the fast path, kept out of line so the kernels' loops stay small. */
#include "eat/armv6m.h"

#if defined(__ARM_ARCH_6M__)

int32_t eat_armv6m_rq_slow(const eat_armv6m_rq_t *t, int32_t x)
{
    return (int32_t)((uint32_t)eat_armv6m_requant(x, t->mult, t->shift) + (uint32_t)t->out_off);   /* wraps, never UB */
}

void eat_armv6m_rq_prepare_channels(eat_armv6m_rq_t *t, const int32_t *mult, const int32_t *shift, int32_t out_off,
                                    int32_t n)
{
    int32_t c;
    for (c = 0; c < n; ++c) {
        eat_armv6m_rq_prepare(&t[c], mult[c], shift[c], out_off);
    }
}

#endif /* __ARM_ARCH_6M__ */
