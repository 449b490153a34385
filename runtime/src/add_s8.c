/* Reference ADD int8 kernel (TFLM reference_integer_ops::Add / BroadcastAdd arithmetic). */
#include "eat/add.h"
#include "eat/requant_pc.h"

/* The three requantisations, prepared once per call (eat/requant_pc.h: the same values as
 * eat_mbqm_smaller_than_one for shift <= 0, without its 64-bit division, which is a library call on
 * 32-bit cores: 117 -> 47 instructions per element on the Cortex-M4). */
typedef struct {
    eat_rq_t in1, in2, out;
} add_rq_t;

static int8_t add_one_rq(const eat_add_s8_params_t *p, const add_rq_t *q, int32_t a, int32_t b)
{
    const int32_t in1 = eat_shl_wrap(p->input1_offset + a, p->left_shift);
    const int32_t in2 = eat_shl_wrap(p->input2_offset + b, p->left_shift);
    const int32_t raw = eat_rq(eat_rq(in1, &q->in1) + eat_rq(in2, &q->in2), &q->out) + p->output_offset;
    return (int8_t)eat_clamp_i32(raw, p->act_min, p->act_max);
}

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
    if (!p->broadcast && p->input1_shift <= 0 && p->input2_shift <= 0 && p->output_shift <= 0) {
        add_rq_t q;
        eat_rq_prepare(&q.in1, &p->input1_multiplier, &p->input1_shift, 1);
        eat_rq_prepare(&q.in2, &p->input2_multiplier, &p->input2_shift, 1);
        eat_rq_prepare(&q.out, &p->output_multiplier, &p->output_shift, 1);
        for (i = 0; i < p->size; ++i) {
            output[i] = add_one_rq(p, &q, input1[i], input2[i]);
        }
    } else if (!p->broadcast) {
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
