/* Elementwise int8 -> int8 ops as a 256-entry table (LOGISTIC, TANH, HARD_SWISH, RELU, RELU6,
 * LEAKY_RELU, int8 QUANTIZE/requantize).
 *
 * An int8 elementwise op has only 256 possible inputs, so the compiler evaluates TFLM's exact
 * integer arithmetic for each of them at compile time (pipeline/compiler/fixedpoint.py and
 * ops/activations.py) and emits the table; the kernel is one load per element, the same speed for
 * every op and no 64-bit multiplies on cores without them. table[x + 128] is the output for x. */
#ifndef EAT_LUT_H
#define EAT_LUT_H

#include "eat/common.h"

typedef struct {
    int32_t size;            /* elements */
    const int8_t *table;     /* 256 entries, indexed by input + 128 */
} eat_lut_s8_params_t;

/* input and output may be the same buffer (in place). */
void eat_lut_s8(const eat_lut_s8_params_t *p, const int8_t *input, int8_t *output);

#endif
