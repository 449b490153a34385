/* Cortex-M0+ FULLY_CONNECTED over EAT_WEIGHTS_SPARSE_D4: every row's walk in one Thumb-1 routine
 * (the accumulators into scratch), then the bounded exact requantisation per output. */
#include "eat/sparse_armv6m.h"
#include "sparse_d4_walk_armv6m.h"

#if defined(__ARM_ARCH_6M__)

/* acc[o] = bias[o] + sum over row o's entries of v[k] * x[offset_k], o < rows (the d4 index:
 * uint8 n[rows], then the step bytes, a row of odd n starting at its first byte's high nibble;
 * steps in input elements, each row starting at x).
 *
 * The pair step is eat_armv6m_sparse_d4_dot's (22 cycles per index byte under rp2040js); the rows
 * are walked here rather than by one call each, so a row costs ~27 cycles of set-up (its count, bias,
 * end pointers, the store) instead of a call, a push / pop and the caller's loads (~130).
 * Registers: r0 the sum, r1 walks x, r2 walks v, r3 walks the step bytes, r4 the end of the
 * 4-unrolled part, lr the row's end, r5-r7 scratch; r8 x, r9 the next count, r10 the next bias,
 * r11 the next accumulator, r12 the accumulators' end. In .ramfunc, like the other walks. */
__attribute__((naked, noinline, section(".ramfunc.eat_armv6m_sparse_d4_rows")))
void eat_armv6m_sparse_d4_rows(const int8_t *x, const int8_t *v, const uint8_t *index, const int32_t *bias,
                               int32_t *acc, uint32_t rows)
{
    (void)x; (void)v; (void)index; (void)bias; (void)acc; (void)rows;
    __asm__ volatile(
        ".syntax unified\n\t"
        "push {r4-r7, lr}\n\t"
        "mov r4, r8\n\t" "mov r5, r9\n\t" "mov r6, r10\n\t" "mov r7, r11\n\t"
        "push {r4-r7}\n\t"                 /* 36 bytes saved: acc at [sp+36], rows at [sp+40] */
        "ldr r5, [sp, #40]\n\t"
        "cmp r5, #0\n\t"
        "bne 7f\n\t"
        "b 9f\n"                            /* no rows (a BEQ cannot reach the end) */
        "7:\n\t"
        "mov r8, r0\n\t"
        "mov r10, r3\n\t"
        "mov r9, r2\n\t"                   /* the counts */
        "adds r3, r2, r5\n\t"              /* the step bytes */
        "ldr r4, [sp, #36]\n\t"
        "mov r11, r4\n\t"
        "lsls r5, r5, #2\n\t"
        "adds r4, r4, r5\n\t"
        "mov r12, r4\n\t"
        "mov r2, r1\n"
        "5:\n\t"                           /* row */
        "mov r1, r8\n\t"
        "mov r5, r9\n\t"
        "ldrb r4, [r5]\n\t"
        "adds r5, r5, #1\n\t"
        "mov r9, r5\n\t"
        "mov r5, r10\n\t"
        "ldm r5!, {r0}\n\t"
        "mov r10, r5\n\t"
        "lsrs r4, r4, #1\n\t"              /* the whole pairs; carry: n odd */
        "bcc 6f\n\t"
        EAT_ARMV6M_D4_HALF
        "6:\n\t"
        "adds r5, r3, r4\n\t"
        "mov lr, r5\n\t"                   /* the row's end */
        "lsrs r4, r4, #2\n\t"
        "lsls r4, r4, #2\n\t"
        "adds r4, r3, r4\n\t"              /* the end of its 4-unrolled part */
        EAT_ARMV6M_D4_RUN
        "mov r5, r11\n\t"
        "stm r5!, {r0}\n\t"
        "mov r11, r5\n\t"
        "cmp r5, r12\n\t"
        "beq 9f\n\t"
        "b 5b\n"                            /* (a BNE cannot reach back past the half step) */
        "9:\n\t"
        "pop {r4-r7}\n\t"
        "mov r8, r4\n\t" "mov r9, r5\n\t" "mov r10, r6\n\t" "mov r11, r7\n\t"
        "pop {r4-r7, pc}\n\t"
        ".syntax divided\n\t");
}

size_t eat_fully_connected_s8_sparse_rows_armv6m_scratch_bytes(const eat_fully_connected_s8_params_t *p)
{
    return 4u * (size_t)p->out_depth;
}

/* `bias` int32: the folded bias, then the accumulator bounds lo and hi ([out_depth] each; outputs clamped by the
 * activation skip the requantisation), then, for a per-channel layer whose op arrays the compiler left out
 * (p->per_channel_multiplier NULL, p->output_multiplier 0), each row's eat_armv6m_rq_t prepared by the compiler
 * (pipeline/compiler/fixedpoint.py armv6m_rq: eat_armv6m_rq_prepare's words), read in place. A per-tensor
 * layer prepares its one record here per call; a per-channel one with its arrays (--weights small: 8 B per row
 * instead of 36) requantises each row from them (eat_armv6m_rq_direct). */
void eat_fully_connected_s8_sparse_rows_armv6m(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                               const int32_t *bias, const int8_t *input, int8_t *output,
                                               void *scratch)
{
    const int32_t n = p->out_depth;
    const int32_t act_min = p->act_min, act_max = p->act_max;   /* not reloaded after each int8 store */
    const int32_t *lo = bias + n, *hi = bias + 2 * n;
    const int32_t *pcm = p->per_channel_multiplier, *pcs = p->per_channel_shift;
    const eat_armv6m_rq_t *rq = (const eat_armv6m_rq_t *)(const void *)(bias + 3 * n);
    int32_t stride = 1;   /* records per row: 1 (the compiler's table) or 0 (the tensor's, prepared here) */
    eat_armv6m_rq_t one;
    int32_t *acc = (int32_t *)scratch;
    int32_t b, o;
    if (pcm == NULL && p->output_multiplier != 0) {
        eat_armv6m_rq_prepare(&one, p->output_multiplier, p->output_shift, p->output_offset);
        rq = &one;
        stride = 0;
    }
    for (b = 0; b < p->batches; ++b) {
        int8_t *out = output + b * n;
        eat_armv6m_sparse_d4_rows(input + b * p->in_depth, w->data, (const uint8_t *)w->index, bias, acc,
                                  (uint32_t)n);
        if (pcm != NULL) {
            for (o = 0; o < n; ++o) {
                const int32_t a = acc[o];
                out[o] = (int8_t)(a < lo[o] ? act_min : a > hi[o] ? act_max :
                                  eat_clamp_i32(eat_armv6m_rq_direct(a, pcm[o], pcs[o], p->output_offset),
                                                act_min, act_max));
            }
        } else {
            for (o = 0; o < n; ++o) {
                out[o] = eat_armv6m_rq_bounded(&rq[o * stride], acc[o], lo[o], hi[o], act_min, act_max);
            }
        }
    }
}

#endif /* __ARM_ARCH_6M__ */
