/* Cortex-M0+ FULLY_CONNECTED over EAT_WEIGHTS_SPARSE_P8 (eat/sparse_p8.h): every row's walk of its
 * (weight, position) pairs and its output (the accumulator bounds, the exact fast requantisation from the
 * row's record prepared by the compiler, eat_armv6m_rq_slow outside its range) in one Thumb-1 routine;
 * eat_fully_connected_s8_sparse_p8_wide_armv6m walks rows of more than 256 inputs segment by segment. */
#include <stddef.h>

#include "eat/armv6m.h"
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

/* What the walk reads (offsets: the assembly's). */
typedef struct {
    const int8_t *x;           /* 0 */
    const int8_t *pairs;       /* 4 */
    const uint8_t *counts;     /* 8 */
    const int32_t *table;      /* 12: EAT_P8_M0_ROW_WORDS per row */
    int8_t *out;               /* 16 */
    int32_t rows;              /* 20 */
    int32_t act_min, act_max;  /* 24, 28 */
    int32_t (*slow)(const eat_armv6m_rq_t *, int32_t);   /* 32: eat_armv6m_rq_slow (a pointer: the walk is in SRAM) */
    int32_t more_segments;     /* 36: segments per row - 1 (the _wide walk's) */
} eat_p8_m0_frame_t;
typedef char eat_p8_m0_frame_offsets_t[offsetof(eat_p8_m0_frame_t, slow) == 32 &&
                                       offsetof(eat_p8_m0_frame_t, more_segments) == 36 ? 1 : -1];

/* The two walks below: every row of one batch, the sum of its pairs, then its output from the row's record
 * (eat/sparse_p8.h: bias, flo, fhi, lo, hi, then the row's eat_armv6m_rq_t): in [flo, fhi] eat_armv6m_rq_apply's
 * fast path (exact: flo >= -65535, fhi <= 65535; no clamp needed inside the accumulator bounds), below lo
 * act_min, above hi act_max, else f->slow (eat_armv6m_rq_slow) on the record's eat_armv6m_rq_t.
 * A run of n steps (a row's, or a row's segment's): a pass of 32 unrolled steps entered at step 32 - n % 32 (ADD
 * PC: the first pass takes the remainder), then n / 32 whole passes; ~14 cycles to set up the entry, 5 per pass.
 * Registers: r0 the sum, r1 x, r2 walks the pairs, r3 walks the counts, r4 the count / the passes left, r5-r7
 * scratch; r8 act_min, r9 walks the records, r10 walks the output, r11 its end, r12 act_max. Stack: [sp] f
 * (8-byte aligned for the call), and the _wide walk's segments left at [sp, #4]. In .ramfunc, like the other
 * walks (SRAM rather than XIP flash on a real RP2040). */

/* Entry: save r4-r11, reserve FRAME bytes (f at [sp]), load the registers; no rows: to the exit (9). */
#define EAT_P8_M0_ENTER(FRAME)                                                \
        ".syntax unified\n\t"                                                 \
        "push {r4-r7, lr}\n\t"                                                \
        "mov r4, r8\n\t" "mov r5, r9\n\t" "mov r6, r10\n\t" "mov r7, r11\n\t" \
        "push {r4-r7}\n\t"                                                    \
        "sub sp, #" #FRAME "\n\t"                                             \
        "str r0, [sp, #0]\n\t"                                                \
        "ldr r4, [r0, #24]\n\t" "mov r8, r4\n\t"                              \
        "ldr r4, [r0, #28]\n\t" "mov r12, r4\n\t"                             \
        "ldr r4, [r0, #12]\n\t" "mov r9, r4\n\t"                              \
        "ldr r4, [r0, #16]\n\t" "mov r10, r4\n\t"                             \
        "ldr r5, [r0, #20]\n\t"                                               \
        "adds r4, r4, r5\n\t" "mov r11, r4\n\t"                               \
        "ldr r3, [r0, #8]\n\t"                                                \
        "ldr r2, [r0, #4]\n\t"                                                \
        "ldr r1, [r0, #0]\n\t"                                                \
        "cmp r5, #0\n\t"                                                      \
        "bne 5f\n\t"                                                          \
        "b 9f\n"

/* The row's folded bias into r0 (the first word of its record; r9 moves past it). */
#define EAT_P8_M0_BIAS                                                        \
        "mov r5, r9\n\t"                                                      \
        "ldm r5!, {r0}\n\t"                                                   \
        "mov r9, r5\n\t"

/* One count's run of steps from r2 into r0 (r3 moves past the count, r2 past the pairs); ends at label 6. */
#define EAT_P8_M0_RUN                                                         \
        "ldrb r4, [r3]\n\t"                                                   \
        "adds r3, r3, #1\n\t"                                                 \
        "movs r6, #31\n\t"                                                    \
        "ands r6, r6, r4\n\t"              /* rem = n % 32 */                 \
        "lsrs r4, r4, #5\n\t"              /* q = n / 32: the full passes after the first */ \
        "movs r7, #32\n\t"                                                    \
        "subs r7, r7, r6\n\t"              /* e = 32 - rem: the steps the first pass skips */ \
        "lsls r6, r7, #1\n\t"                                                 \
        "subs r2, r2, r6\n\t"              /* pairs - 2 e: step k reads pair k - e */ \
        "adds r6, r6, r7\n\t"                                                 \
        "lsls r6, r6, #2\n\t"              /* 12 e: 12 bytes per step */      \
        "add pc, r6\n\t"                   /* PC reads as this instruction + 4: the pass's first step */ \
        "nop\n"                                                               \
        "10:\n\t"                          /* a pass of 32 steps */           \
        EAT_ARMV6M_P8_STEP(0) EAT_ARMV6M_P8_STEP(2) EAT_ARMV6M_P8_STEP(4) EAT_ARMV6M_P8_STEP(6)       \
        EAT_ARMV6M_P8_STEP(8) EAT_ARMV6M_P8_STEP(10) EAT_ARMV6M_P8_STEP(12) EAT_ARMV6M_P8_STEP(14)    \
        EAT_ARMV6M_P8_STEP(16) EAT_ARMV6M_P8_STEP(18) EAT_ARMV6M_P8_STEP(20) EAT_ARMV6M_P8_STEP(22)   \
        EAT_ARMV6M_P8_STEP(24) EAT_ARMV6M_P8_STEP(26) EAT_ARMV6M_P8_STEP(28) EAT_ARMV6M_P8_STEP(30)   \
        EAT_ARMV6M_P8_STEP(32) EAT_ARMV6M_P8_STEP(34) EAT_ARMV6M_P8_STEP(36) EAT_ARMV6M_P8_STEP(38)   \
        EAT_ARMV6M_P8_STEP(40) EAT_ARMV6M_P8_STEP(42) EAT_ARMV6M_P8_STEP(44) EAT_ARMV6M_P8_STEP(46)   \
        EAT_ARMV6M_P8_STEP(48) EAT_ARMV6M_P8_STEP(50) EAT_ARMV6M_P8_STEP(52) EAT_ARMV6M_P8_STEP(54)   \
        EAT_ARMV6M_P8_STEP(56) EAT_ARMV6M_P8_STEP(58) EAT_ARMV6M_P8_STEP(60) EAT_ARMV6M_P8_STEP(62)   \
        "adds r2, #64\n\t"                                                    \
        "subs r4, r4, #1\n\t"                                                 \
        "bmi 6f\n\t"                                                          \
        "b 10b\n"                                                             \
        "6:\n\t"

/* The row's output from the rest of its record (r9), the store, the next row (back to label 5) or the exit;
 * the slow path (23) calls f->slow keeping r1-r3 and r12; FRAME as EAT_P8_M0_ENTER's. */
#define EAT_P8_M0_OUT(FRAME)                                                  \
        "mov r5, r9\n\t"                                                      \
        "ldm r5!, {r4, r6, r7}\n\t"        /* flo, fhi, lo; r5: &hi, the rq_t at r5 + 4 */ \
        "cmp r0, r4\n\t"                                                      \
        "blt 20f\n\t"                                                         \
        "cmp r0, r6\n\t"                                                      \
        "bgt 21f\n\t"                                                         \
        "ldr r7, [r5, #4]\n\t"             /* x mh + ((x ml) >> 16) */        \
        "muls r7, r0, r7\n\t"                                                 \
        "ldr r4, [r5, #8]\n\t"                                                \
        "muls r4, r0, r4\n\t"                                                 \
        "asrs r4, r4, #16\n\t"                                                \
        "adds r7, r7, r4\n\t"                                                 \
        "asrs r7, r7, #14\n\t"                                                \
        "lsrs r4, r0, #31\n\t"             /* + b[x < 0], >> sh */            \
        "lsls r4, r4, #2\n\t"                                                 \
        "adds r4, r4, r5\n\t"                                                 \
        "ldr r4, [r4, #12]\n\t"                                               \
        "adds r7, r7, r4\n\t"                                                 \
        "ldr r4, [r5, #20]\n\t"                                               \
        "asrs r7, r7, r4\n"                                                   \
        "22:\n\t"                                                             \
        "mov r4, r10\n\t" "strb r7, [r4]\n\t" "adds r4, r4, #1\n\t" "mov r10, r4\n\t" \
        "adds r5, #40\n\t" "mov r9, r5\n\t"   /* the next record: r5 is still r9 + 12 */ \
        "cmp r4, r11\n\t"                                                     \
        "beq 9f\n\t"                                                          \
        "b 5b\n"                            /* (a BNE cannot reach back over the row) */ \
        "20:\n\t"                          /* below flo: act_min below lo, else the slow path */ \
        "cmp r0, r7\n\t"                                                      \
        "bge 23f\n\t"                                                         \
        "mov r7, r8\n\t"                                                      \
        "b 22b\n"                                                             \
        "21:\n\t"                          /* above fhi: act_max above hi, else the slow path */ \
        "ldr r4, [r5, #0]\n\t"                                                \
        "cmp r0, r4\n\t"                                                      \
        "ble 23f\n\t"                                                         \
        "mov r7, r12\n\t"                                                     \
        "b 22b\n"                                                             \
        "23:\n\t"                          /* f->slow(&rq, sum), keeping r1-r3 and r12 */ \
        "push {r1, r2, r3}\n\t"                                               \
        "mov r4, r12\n\t"                                                     \
        "push {r4}\n\t"                                                       \
        "movs r1, r0\n\t"                                                     \
        "adds r0, r5, #4\n\t"                                                 \
        "ldr r4, [sp, #16]\n\t"                                               \
        "ldr r4, [r4, #32]\n\t"                                               \
        "blx r4\n\t"                                                          \
        "movs r7, r0\n\t"                                                     \
        "pop {r4}\n\t"                                                        \
        "mov r12, r4\n\t"                                                     \
        "pop {r1, r2, r3}\n\t"                                                \
        "b 22b\n"                                                             \
        "9:\n\t"                                                              \
        "add sp, #" #FRAME "\n\t"                                             \
        "pop {r4-r7}\n\t"                                                     \
        "mov r8, r4\n\t" "mov r9, r5\n\t" "mov r10, r6\n\t" "mov r11, r7\n\t" \
        "pop {r4-r7, pc}\n\t"                                                 \
        ".syntax divided\n\t"

/* in_depth <= 256: one run per row, x fixed. */
__attribute__((naked, noinline, section(".ramfunc.eat_armv6m_sparse_p8_rows")))
static void eat_armv6m_sparse_p8_rows(const eat_p8_m0_frame_t *f)
{
    (void)f;
    __asm__ volatile(
        EAT_P8_M0_ENTER(4)
        "5:\n\t"                           /* row */
        EAT_P8_M0_BIAS
        EAT_P8_M0_RUN
        EAT_P8_M0_OUT(4));
}

/* in_depth > 256: per row x and the segments left reset (16 cycles), then one run per segment, x stepped 256
 * between them (~26 cycles per segment after the first, with its run's entry). Frame 12 bytes: the call stays
 * 8-byte aligned. */
__attribute__((naked, noinline, section(".ramfunc.eat_armv6m_sparse_p8_wide_rows")))
static void eat_armv6m_sparse_p8_wide_rows(const eat_p8_m0_frame_t *f)
{
    (void)f;
    __asm__ volatile(
        EAT_P8_M0_ENTER(12)
        "5:\n\t"                           /* row */
        EAT_P8_M0_BIAS
        "ldr r5, [sp, #0]\n\t"
        "ldr r1, [r5, #0]\n\t"             /* x */
        "ldr r5, [r5, #36]\n\t"
        "str r5, [sp, #4]\n"               /* segments left after this one */
        "7:\n\t"                           /* segment */
        EAT_P8_M0_RUN
        "ldr r5, [sp, #4]\n\t"
        "subs r5, r5, #1\n\t"
        "bmi 8f\n\t"
        "str r5, [sp, #4]\n\t"
        "adds r1, #255\n\t"
        "adds r1, #1\n\t"                  /* the next 256 inputs */
        "b 7b\n"
        "8:\n\t"
        EAT_P8_M0_OUT(12));
}

/* The frame and one walk per batch (inlined into each kernel: a direct call to its own walk). */
static inline __attribute__((always_inline)) void p8_m0_run(void (*walk)(const eat_p8_m0_frame_t *),
                                                             const eat_fully_connected_s8_params_t *p,
                                                             const eat_weights_s8_t *w, const int32_t *bias,
                                                             const int8_t *input, int8_t *output,
                                                             int32_t more_segments)
{
    eat_p8_m0_frame_t f;
    int32_t b;
    f.pairs = w->data;
    f.counts = (const uint8_t *)w->index;
    f.table = bias;
    f.rows = p->out_depth;
    f.act_min = p->act_min;
    f.act_max = p->act_max;
    f.slow = eat_armv6m_rq_slow;
    f.more_segments = more_segments;
    for (b = 0; b < p->batches; ++b) {
        f.x = input + b * p->in_depth;
        f.out = output + b * p->out_depth;
        walk(&f);
    }
}

/* `bias`: EAT_P8_M0_ROW_WORDS int32 per row (eat/sparse_p8.h), prepared by the compiler. */
void eat_fully_connected_s8_sparse_p8_armv6m(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                             const int32_t *bias, const int8_t *input, int8_t *output,
                                             void *scratch)
{
    (void)scratch;
    p8_m0_run(eat_armv6m_sparse_p8_rows, p, w, bias, input, output, 0);
}

void eat_fully_connected_s8_sparse_p8_wide_armv6m(const eat_fully_connected_s8_params_t *p,
                                                  const eat_weights_s8_t *w, const int32_t *bias,
                                                  const int8_t *input, int8_t *output, void *scratch)
{
    (void)scratch;
    p8_m0_run(eat_armv6m_sparse_p8_wide_rows, p, w, bias, input, output, EAT_P8_SEGMENTS(p->in_depth) - 1);
}

#endif /* __ARM_ARCH_6M__ */
