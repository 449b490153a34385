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
        int32_t idx[EAT_MAX_DIMS] = {0, 0, 0, 0, 0, 0};
        int32_t off1 = 0, off2 = 0;
        int32_t d;
        for (i = 0; i < p->size; ++i) {
            output[i] = mul_one(p, input1[off1], input2[off2]);
            for (d = p->ndims - 1; d >= 0; --d) {
                ++idx[d];
                off1 += p->stride1[d];
                off2 += p->stride2[d];
                if (idx[d] < p->dims[d]) {
                    break;
                }
                off1 -= p->stride1[d] * idx[d];
                off2 -= p->stride2[d] * idx[d];
                idx[d] = 0;
            }
        }
    }
}
