/* Reference MUL int8 kernel (TFLM reference_integer_ops::Mul / BroadcastMul arithmetic). */
#include "eat/mul.h"

static int8_t mul_one(const eat_mul_s8_params_t *p, int32_t a, int32_t b)
{
    const int32_t prod = (p->input1_offset + a) * (p->input2_offset + b);
    const int32_t raw = p->output_offset + eat_mbqm(prod, p->output_multiplier, p->output_shift);
    return (int8_t)eat_clamp_i32(raw, p->act_min, p->act_max);
}

void eat_mul_s8(const eat_mul_s8_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    int32_t i;
    if (!p->broadcast) {
        for (i = 0; i < p->size; ++i) {
            output[i] = mul_one(p, input1[i], input2[i]);
        }
    } else {
        eat_bcast_cursor_t c = {{0}, 0, 0};
        for (i = 0; i < p->size; ++i) {
            output[i] = mul_one(p, input1[c.off1], input2[c.off2]);
            eat_bcast_next(&c, p->ndims, p->dims, p->stride1, p->stride2);
        }
    }
}
