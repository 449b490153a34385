/* The RV32IMC inner loops: int8 dot products blocked over pixels and output channels.
 *
 * RV32IMC has no SIMD and no multiply-accumulate, so a MAC is at best `mul` + `add`; `lb` loads and
 * sign-extends an int8 in one instruction (cheaper than a 32-bit load and three shift pairs for four
 * bytes). Blocking makes each loaded byte serve several MACs: 2 pixels x 4 filters load 2 + 4 bytes
 * per 8 MACs. The loops are unrolled by 4 with constant offsets (`lb rd, k(ptr)`) so the pointer
 * increments and the branch are paid once per 4 steps; the accumulators stay in registers. */
#include "eat/rv32.h"

#if defined(__GNUC__) && !defined(__clang__)
/* gcc 12's first scheduling pass hoists all the loads of an unrolled step and spills the
 * accumulators (riscv64-unknown-elf-gcc -O2: 84 stack accesses in eat_rv32_dot_2x4; without it 30,
 * none in the loop: 95 instructions per 32 MACs). */
#pragma GCC optimize("no-schedule-insns")
#endif

void eat_rv32_dot_2x4(const int8_t *x0, const int8_t *x1, const int8_t *f, int32_t stride, int32_t n,
                      int32_t acc[8])
{
    const int8_t *f0 = f, *f1 = f + stride, *f2 = f1 + stride, *f3 = f2 + stride;
    const int8_t *end4 = x0 + (n & ~3), *end = x0 + n;
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    int32_t b0 = acc[4], b1 = acc[5], b2 = acc[6], b3 = acc[7];
#define EAT_STEP2X4(k)                                                       \
    do {                                                                     \
        const int32_t u = x0[k], v = x1[k];                                  \
        int32_t t = f0[k];                                                   \
        a0 += u * t; b0 += v * t;                                            \
        t = f1[k]; a1 += u * t; b1 += v * t;                                 \
        t = f2[k]; a2 += u * t; b2 += v * t;                                 \
        t = f3[k]; a3 += u * t; b3 += v * t;                                 \
    } while (0)
    while (x0 != end4) {
        EAT_STEP2X4(0);
        EAT_STEP2X4(1);
        EAT_STEP2X4(2);
        EAT_STEP2X4(3);
        x0 += 4; x1 += 4; f0 += 4; f1 += 4; f2 += 4; f3 += 4;
    }
    while (x0 != end) {
        EAT_STEP2X4(0);
        ++x0; ++x1; ++f0; ++f1; ++f2; ++f3;
    }
#undef EAT_STEP2X4
    acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3;
    acc[4] = b0; acc[5] = b1; acc[6] = b2; acc[7] = b3;
}

void eat_rv32_dot_2x1(const int8_t *x0, const int8_t *x1, const int8_t *f, int32_t n, int32_t acc[2])
{
    const int8_t *end4 = x0 + (n & ~3), *end = x0 + n;
    int32_t a = acc[0], b = acc[1];
#define EAT_STEP2X1(k)                                                       \
    do {                                                                     \
        const int32_t t = f[k];                                              \
        a += x0[k] * t; b += x1[k] * t;                                      \
    } while (0)
    while (x0 != end4) {
        EAT_STEP2X1(0);
        EAT_STEP2X1(1);
        EAT_STEP2X1(2);
        EAT_STEP2X1(3);
        x0 += 4; x1 += 4; f += 4;
    }
    while (x0 != end) {
        EAT_STEP2X1(0);
        ++x0; ++x1; ++f;
    }
#undef EAT_STEP2X1
    acc[0] = a; acc[1] = b;
}

void eat_rv32_dot_1x4(const int8_t *x, const int8_t *f, int32_t stride, int32_t n, int32_t acc[4])
{
    const int8_t *f0 = f, *f1 = f + stride, *f2 = f1 + stride, *f3 = f2 + stride;
    const int8_t *end4 = x + (n & ~3), *end = x + n;
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
#define EAT_STEP1X4(k)                                                       \
    do {                                                                     \
        const int32_t u = x[k];                                              \
        a0 += u * f0[k]; a1 += u * f1[k]; a2 += u * f2[k]; a3 += u * f3[k]; \
    } while (0)
    while (x != end4) {
        EAT_STEP1X4(0);
        EAT_STEP1X4(1);
        EAT_STEP1X4(2);
        EAT_STEP1X4(3);
        x += 4; f0 += 4; f1 += 4; f2 += 4; f3 += 4;
    }
    while (x != end) {
        EAT_STEP1X4(0);
        ++x; ++f0; ++f1; ++f2; ++f3;
    }
#undef EAT_STEP1X4
    acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3;
}
