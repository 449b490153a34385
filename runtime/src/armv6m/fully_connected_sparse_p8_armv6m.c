/* Cortex-M0+ FULLY_CONNECTED over EAT_WEIGHTS_SPARSE_P8 (eat/sparse_p8.h): every row's walk of its
 * (weight, position) pairs in one Thumb-1 routine (the accumulators into scratch), then the bounded
 * exact requantisation per output (as fully_connected_sparse_rows_armv6m.c does after the d4 walk). */
#include "eat/sparse_armv6m.h"
#include "eat/sparse_p8.h"

#if defined(__ARM_ARCH_6M__)

/* One non-zero: the pair at byte K of r2 (LDRH: weight in the low byte, position in the high one),
 * r0 += x[position] * weight; x at r1 never moves (positions are absolute in the row). 6 instructions,
 * 8 cycles under rp2040js (LDRH and LDRSB 2 each); the d4 walk spends 11 per non-zero (its nibble decode
 * and LDRB + SXTB of the weight). Clobbers r5, r6. */
#define EAT_ARMV6M_P8_STEP(K)                                                 \
        "ldrh r5, [r2, #" #K "]\n\t"                                          \
        "lsrs r6, r5, #8\n\t"                                                 \
        "ldrsb r6, [r1, r6]\n\t"                                              \
        "sxtb r5, r5\n\t"                                                     \
        "muls r5, r6, r5\n\t"                                                 \
        "adds r0, r0, r5\n\t"

/* acc[o] = bias[o] + sum over row o's counts[o] pairs of weight * x[position], o < rows; the rows' pairs
 * follow each other from `pairs`.
 * A row: its count's bits 0, 1 and 2 take 1, 2 and 4 unrolled steps (LSRS into the carry), then whole
 * groups of 8 steps per loop pass (8.5 cycles per non-zero with the pass's ADDS / CMP / BNE); ~28 cycles
 * of set-up per row (count, bias, the three tests, the store).
 * Registers: r0 the sum, r1 x, r2 walks the pairs, r3 walks the counts, r4 the count / the end of the
 * row's groups of 8, r5-r6 scratch; r9 the next bias, r10 the next accumulator, r11 the accumulators'
 * end. In .ramfunc, like the other walks (SRAM rather than XIP flash on a real RP2040). */
__attribute__((naked, noinline, section(".ramfunc.eat_armv6m_sparse_p8_rows")))
void eat_armv6m_sparse_p8_rows(const int8_t *x, const int8_t *pairs, const uint8_t *counts, const int32_t *bias,
                               int32_t *acc, uint32_t rows)
{
    (void)x; (void)pairs; (void)counts; (void)bias; (void)acc; (void)rows;
    __asm__ volatile(
        ".syntax unified\n\t"
        "push {r4-r7, lr}\n\t"
        "mov r4, r8\n\t" "mov r5, r9\n\t" "mov r6, r10\n\t" "mov r7, r11\n\t"
        "push {r4-r7}\n\t"                 /* 36 bytes saved: acc at [sp+36], rows at [sp+40] */
        "ldr r5, [sp, #40]\n\t"
        "cmp r5, #0\n\t"
        "bne 7f\n\t"
        "b 9f\n"
        "7:\n\t"
        "mov r9, r3\n\t"                   /* the biases */
        "ldr r4, [sp, #36]\n\t"
        "mov r10, r4\n\t"
        "lsls r5, r5, #2\n\t"
        "adds r4, r4, r5\n\t"
        "mov r11, r4\n\t"                  /* the accumulators' end */
        "mov r3, r2\n\t"
        "mov r2, r1\n\t"
        "mov r1, r0\n"
        "5:\n\t"                           /* row */
        "mov r5, r9\n\t"
        "ldm r5!, {r0}\n\t"
        "mov r9, r5\n\t"
        "ldrb r4, [r3]\n\t"
        "adds r3, r3, #1\n\t"
        "lsrs r4, r4, #1\n\t"              /* bit 0: one step */
        "bcc 1f\n\t"
        EAT_ARMV6M_P8_STEP(0)
        "adds r2, r2, #2\n"
        "1:\n\t"
        "lsrs r4, r4, #1\n\t"              /* bit 1: two */
        "bcc 2f\n\t"
        EAT_ARMV6M_P8_STEP(0) EAT_ARMV6M_P8_STEP(2)
        "adds r2, r2, #4\n"
        "2:\n\t"
        "lsrs r4, r4, #1\n\t"              /* bit 2: four */
        "bcc 3f\n\t"
        EAT_ARMV6M_P8_STEP(0) EAT_ARMV6M_P8_STEP(2) EAT_ARMV6M_P8_STEP(4) EAT_ARMV6M_P8_STEP(6)
        "adds r2, r2, #8\n"
        "3:\n\t"
        "cmp r4, #0\n\t"                   /* groups of 8 */
        "beq 6f\n\t"
        "lsls r4, r4, #4\n\t"
        "adds r4, r2, r4\n"
        "4:\n\t"
        EAT_ARMV6M_P8_STEP(0) EAT_ARMV6M_P8_STEP(2) EAT_ARMV6M_P8_STEP(4) EAT_ARMV6M_P8_STEP(6)
        EAT_ARMV6M_P8_STEP(8) EAT_ARMV6M_P8_STEP(10) EAT_ARMV6M_P8_STEP(12) EAT_ARMV6M_P8_STEP(14)
        "adds r2, r2, #16\n\t"
        "cmp r2, r4\n\t"
        "bne 4b\n"
        "6:\n\t"
        "mov r5, r10\n\t"
        "stm r5!, {r0}\n\t"
        "mov r10, r5\n\t"
        "cmp r5, r11\n\t"
        "beq 9f\n\t"
        "b 5b\n"                            /* (a BNE cannot reach back over the row) */
        "9:\n\t"
        "pop {r4-r7}\n\t"
        "mov r8, r4\n\t" "mov r9, r5\n\t" "mov r10, r6\n\t" "mov r11, r7\n\t"
        "pop {r4-r7, pc}\n\t"
        ".syntax divided\n\t");
}

size_t eat_fully_connected_s8_sparse_p8_armv6m_scratch_bytes(const eat_fully_connected_s8_params_t *p)
{
    return 4u * (size_t)p->out_depth;
}

/* `bias` int32[12][out_depth]: the folded bias, the accumulator bounds lo and hi (outputs clamped by the
 * activation skip the requantisation), then each row's eat_armv6m_rq_t prepared by the compiler. */
void eat_fully_connected_s8_sparse_p8_armv6m(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                             const int32_t *bias, const int8_t *input, int8_t *output,
                                             void *scratch)
{
    const int32_t n = p->out_depth;
    const int32_t act_min = p->act_min, act_max = p->act_max;
    const int32_t *lo = bias + n, *hi = bias + 2 * n;
    const eat_armv6m_rq_t *rq = (const eat_armv6m_rq_t *)(const void *)(bias + 3 * n);
    int32_t *acc = (int32_t *)scratch;
    int32_t b, o;
    for (b = 0; b < p->batches; ++b) {
        int8_t *out = output + b * n;
        eat_armv6m_sparse_p8_rows(input + b * p->in_depth, w->data, (const uint8_t *)w->index, bias, acc,
                                  (uint32_t)n);
        for (o = 0; o < n; ++o) {
            out[o] = eat_armv6m_rq_bounded(&rq[o], acc[o], lo[o], hi[o], act_min, act_max);
        }
    }
}

#endif /* __ARM_ARCH_6M__ */
