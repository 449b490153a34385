/* FULLY_CONNECTED over EAT_WEIGHTS_SPARSE_P8 (written by pipeline/compiler/sparse_p8.py): each row's inputs
 * are cut into S = EAT_P8_SEGMENTS(in_depth) segments of 256 (S = 1 when in_depth <= 256), and no segment
 * of a row holds more than 255 non-zeros; each non-zero is stored as a pair of bytes (its input position in
 * its segment, its int8 weight), so a walk reads one halfword per non-zero and never decodes a run of steps.
 *
 * Encoding: w->index: uint8 n[out_depth][S], the non-zeros of each row in each segment; w->data: for each
 * row in order, segment after segment, its n non-zeros in increasing input position, two bytes each:
 *   byte 0: the weight (int8), byte 1: the input position within the segment (input 256 * s + byte 1, uint8).
 * Byte order, why: the Cortex-M0+ walk loads the pair with one LDRH (zero-extended halfword, immediate
 * offset), so the position is LSRS #8 (the high byte, no mask needed) and the weight SXTB (the low byte,
 * signed): one instruction each. The other order needs LSLS + ASRS for the weight (LDRSH has no immediate
 * offset in Thumb-1) and UXTB for the position. Every pair starts on an even byte (the data array is
 * word-aligned), so LDRH never faults. 2 bytes per non-zero plus 1 per row (d4: ~1.5 per non-zero).
 *
 * Exactness: int8 weights are symmetric (zero point 0), so a dropped zero adds 0 to TFLM's int32 sum.
 * The kernels get bias + input_offset * sum(w[o]) (the folded bias) and multiply raw inputs. */
#ifndef EAT_SPARSE_P8_H
#define EAT_SPARSE_P8_H

#include "eat/fully_connected.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EAT_SPARSE_P8_MAX_IN 256     /* positions are one byte: a segment is 256 inputs */
#define EAT_P8_SEGMENTS(in_depth) ((in_depth) <= EAT_SPARSE_P8_MAX_IN ? 1 : ((in_depth) + 255) / 256)

/* acc + sum over a row's n pairs at s of weight * x[position]. */
static inline int32_t eat_p8_dot(int32_t acc, const int8_t *x, const int8_t *s, int32_t n)
{
    while (n-- > 0) {
        acc += (int32_t)s[0] * x[(uint8_t)s[1]];
        s += 2;
    }
    return acc;
}

/* Portable (runtime/src/fully_connected_sparse_p8_s8.c): no scratch; `bias` is the folded bias. */
void eat_fully_connected_s8_sparse_p8(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                      const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* Cortex-M0+ (runtime/src/armv6m/fully_connected_sparse_p8_armv6m.c, built only when __ARM_ARCH_6M__ is
 * defined): every row's walk and output in one Thumb-1 routine in SRAM. `bias` is a table of
 * EAT_P8_M0_ROW_WORDS int32 per row, prepared by the compiler (pipeline/compiler/sparse_p8.py m0_table):
 * the folded bias; flo, fhi: the accumulators the fast requantisation serves exactly (max(lo, -65535),
 * min(hi, 65535); 1, 0 when it serves none); lo, hi: the accumulator bounds (pipeline/compiler/clamp_bounds.py:
 * below lo the output is act_min, above hi act_max); then the row's eat_armv6m_rq_t (9 words,
 * eat_armv6m_rq_prepare at compile time; [lo, hi] outside [flo, fhi] calls eat_armv6m_rq_slow on it).
 * No scratch. */
#define EAT_P8_M0_ROW_WORDS 14
void eat_fully_connected_s8_sparse_p8_armv6m(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                             const int32_t *bias, const int8_t *input, int8_t *output,
                                             void *scratch);
/* The same for in_depth > 256: each row's walk goes segment by segment (the M0+ kernel above takes one). */
void eat_fully_connected_s8_sparse_p8_wide_armv6m(const eat_fully_connected_s8_params_t *p,
                                                  const eat_weights_s8_t *w, const int32_t *bias,
                                                  const int8_t *input, int8_t *output, void *scratch);

/* Cortex-M4/M7 (runtime/src/armv7em/fully_connected_sparse_p8_dsp.c, built only where the DSP extension
 * is): every row's walk, requantisation and store in one assembly routine, two pairs per word load and
 * one SMLAD per two non-zeros. `bias` is a table of EAT_P8_DSP_ROW_WORDS int32 per row, prepared by the
 * compiler (pipeline/compiler/sparse_p8.py m4_table), in_depth <= 256 only: the folded bias, then fc_armv7em.h's short
 * requantisation constants m, L, negmask, c, r (eat_fc_rq_make's; L = 0: the short form does not hold for
 * this row, |bias| + in_depth * 2^14 >= 2^(30 - L) or the shift outside [-22, 28], and the row takes
 * eat_mbqm in C). Scratch 4 * out_depth bytes (those rows' accumulators). */
#define EAT_P8_DSP_ROW_WORDS 6
size_t eat_fully_connected_s8_sparse_p8_dsp_scratch_bytes(const eat_fully_connected_s8_params_t *p);
void eat_fully_connected_s8_sparse_p8_dsp(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                          const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* RV32IMC (runtime/src/rv32/fully_connected_sparse_p8_rv32.c, plain C): the portable kernel's walk four pairs per
 * pass (the n % 4 left first, straight-line), any in_depth (segment by segment), the row's requantisation as the
 * reference's. `bias` is the folded bias. No scratch. */
size_t eat_fully_connected_s8_sparse_p8_rv32_scratch_bytes(const eat_fully_connected_s8_params_t *p);
void eat_fully_connected_s8_sparse_p8_rv32(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                           const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

#ifdef __cplusplus
}
#endif

#endif
