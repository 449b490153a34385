/* Reference ADD int8 kernel (TFLM reference_integer_ops::Add / BroadcastAdd arithmetic). */
#include "eat/add.h"

static int8_t add_one(const eat_add_s8_params_t *p, int32_t a, int32_t b)
{
    const int32_t in1 = eat_shl_wrap(p->input1_offset + a, p->left_shift);
    const int32_t in2 = eat_shl_wrap(p->input2_offset + b, p->left_shift);
    const int32_t s1 = eat_mbqm_smaller_than_one(in1, p->input1_multiplier, p->input1_shift);
    const int32_t s2 = eat_mbqm_smaller_than_one(in2, p->input2_multiplier, p->input2_shift);
    const int32_t raw = eat_mbqm_smaller_than_one(s1 + s2, p->output_multiplier, p->output_shift)
                        + p->output_offset;
    return (int8_t)eat_clamp_i32(raw, p->act_min, p->act_max);
}

void eat_add_s8(const eat_add_s8_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    int32_t i;
    if (!p->broadcast) {
        for (i = 0; i < p->size; ++i) {
            output[i] = add_one(p, input1[i], input2[i]);
        }
    } else {
        eat_bcast_cursor_t c = {{0}, 0, 0};
        for (i = 0; i < p->size; ++i) {
            output[i] = add_one(p, input1[c.off1], input2[c.off2]);
            eat_bcast_next(&c, p->ndims, p->dims, p->stride1, p->stride2);
        }
    }
}
