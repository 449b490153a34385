/* Cortex-M0+ ADD int8: each input's rescaling depends on its byte alone, so it is tabulated per call
 * (256 entries per input) and each element costs two table reads and one requantisation. */
#include "eat/armv6m.h"

#if defined(__ARM_ARCH_6M__)

/* Below this many elements the 512 table entries cost more than they save: element by element. */
#define EAT_ARMV6M_ADD_TABLE_MIN 512

/* TFLM's input rescaling: MultiplyByQuantizedMultiplierSmallerThanOneExp((v + offset) << left_shift). */
static int32_t rescale(int32_t v, int32_t offset, int32_t left_shift, int32_t mult, int32_t shift)
{
    return eat_requant(eat_shl_wrap(offset + v, left_shift), mult, shift);
}

static int8_t finish(const eat_add_s8_params_t *p, int32_t s1, int32_t s2)
{
    const int32_t raw = eat_requant(s1 + s2, p->output_multiplier, p->output_shift) + p->output_offset;
    return (int8_t)eat_clamp_i32(raw, p->act_min, p->act_max);
}

void eat_add_s8_armv6m(const eat_add_s8_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    int32_t t1[256], t2[256];   /* indexed by the input byte + 128 */
    int32_t i;
    if (p->broadcast || p->size < EAT_ARMV6M_ADD_TABLE_MIN || p->input1_shift > 0 || p->input2_shift > 0
        || p->output_shift > 0) {
        eat_add_s8(p, input1, input2, output);   /* broadcast, small or unusual: reference */
        return;
    }
    for (i = 0; i < 256; ++i) {
        t1[i] = rescale(i - 128, p->input1_offset, p->left_shift, p->input1_multiplier, p->input1_shift);
        t2[i] = rescale(i - 128, p->input2_offset, p->left_shift, p->input2_multiplier, p->input2_shift);
    }
    for (i = 0; i < p->size; ++i) {
        output[i] = finish(p, t1[input1[i] + 128], t2[input2[i] + 128]);
    }
}

#endif /* __ARM_ARCH_6M__ */
