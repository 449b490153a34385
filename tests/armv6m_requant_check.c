/* Host check for tests/test_kernels_armv6m.py: the Cortex-M0+ requantisation paths in eat/armv6m.h
 * (prepared, eat_armv6m_rq_apply, and not, eat_armv6m_rq_direct) and eat_requant (compiled as for ARMv6-M with -D__ARM_ARCH_6M__, else its 64-bit path)
 * against eat_mbqm (TFLM's MultiplyByQuantizedMultiplier), exhaustive over |x| <= span and random
 * over all of int32, for `nm` multipliers and every shift in [-31, 31]. Usage: rq NM SPAN */
#include <stdio.h>
#include <stdlib.h>
#include "eat/armv6m.h"
int32_t eat_armv6m_rq_slow(const eat_armv6m_rq_t *t, int32_t x) { return (int32_t)((uint32_t)eat_armv6m_requant(x, t->mult, t->shift) + (uint32_t)t->out_off); }
static uint64_t s = 88172645463325252ull;
static uint32_t rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return (uint32_t)s; }
static long bad, n;
static void check(int32_t x, int32_t m, int32_t sh)
{
    const int32_t want = eat_mbqm(x, m, sh);
    ++n;
    if (eat_armv6m_requant(x, m, sh) != want) {
        if (bad < 5) printf("x=%d m=%d sh=%d: got %d want %d (direct)\n", x, m, sh, eat_armv6m_requant(x, m, sh), want);
        ++bad;
    }
    if (eat_requant(x, m, sh) != want) {   /* the 64-bit path, or with -D__ARM_ARCH_6M__ the one above */
        if (bad < 5) printf("x=%d m=%d sh=%d: got %d want %d (eat_requant)\n", x, m, sh, eat_requant(x, m, sh), want);
        ++bad;
    }
    {
        eat_armv6m_rq_t t;
        const int32_t off = (int32_t)(n % 256) - 128;   /* an output zero point, varied */
        eat_armv6m_rq_prepare(&t, m, sh, off);
        const int32_t want_off = (int32_t)((uint32_t)want + (uint32_t)off);
        if (eat_armv6m_rq_apply(&t, x) != want_off) {
            if (bad < 5) printf("x=%d m=%d sh=%d off=%d: got %d want %d\n", x, m, sh, off, eat_armv6m_rq_apply(&t, x), want_off);
            ++bad;
        }
        if (eat_armv6m_rq_direct(x, m, sh, off) != want_off) {   /* the same without the prepared record */
            if (bad < 5) printf("x=%d m=%d sh=%d off=%d: got %d want %d (rq_direct)\n", x, m, sh, off,
                                eat_armv6m_rq_direct(x, m, sh, off), want_off);
            ++bad;
        }
    }
}
int main(int argc, char **argv)
{
    int32_t mults[256];
    int i, k, sh;
    int32_t x;
    const int nm = argc > 1 ? atoi(argv[1]) : 64;
    const int span = argc > 2 ? atoi(argv[2]) : 70000;
    mults[0] = 0; mults[1] = 1; mults[2] = 1 << 30; mults[3] = 0x7FFFFFFF; mults[4] = 0x7FFF0000; mults[5] = 0x4000FFFF;
    for (i = 6; i < nm; ++i) mults[i] = (int32_t)((1u << 30) | (rnd() & 0x3FFFFFFFu));
    for (i = 0; i < nm; ++i) {
        for (sh = -31; sh <= 31; ++sh) {
            for (x = -span; x <= span; ++x) check(x, mults[i], sh);
            for (k = 0; k < 20000; ++k) {
                x = (int32_t)rnd();
                if (k & 1) x >>= rnd() % 31;
                if (k < 8) x = (int32_t)(k < 4 ? 0x80000000u + (uint32_t)k : 0x7FFFFFFFu - (uint32_t)(k - 4));
                check(x, mults[i], sh);
            }
        }
    }
    printf("%ld mismatches in %ld cases\n", bad, n);
    return bad != 0;
}
