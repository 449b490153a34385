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

/* The short form (eat/requant_pc.h) per stage when it is exact: every |(x + offset) << left_shift| <=
 * 255 << 20 and their scaled sum stay below 2^29 (left_shift <= 20, TFLM's int8 value); a stage whose
 * shift lies outside [-22, -1] (e.g. 0, the input with the larger scale) keeps the general form. */
static int stage_short(eat_rq_t *q, int32_t left_shift, int32_t shift, int32_t offset)
{
    return left_shift <= 20 && shift >= -22 && shift <= -1 && eat_rq_prepare_short(q, &shift, 1, offset);
}

void eat_add_s8(const eat_add_s8_params_t *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    int32_t i;
    if (!p->broadcast && p->input1_shift <= 0 && p->input2_shift <= 0 && p->output_shift <= 0) {
        add_rq_t q;
        eat_rq_prepare(&q.in1, &p->input1_multiplier, &p->input1_shift, 1);
        eat_rq_prepare(&q.in2, &p->input2_multiplier, &p->input2_shift, 1);
        eat_rq_prepare(&q.out, &p->output_multiplier, &p->output_shift, 1);
        const int sh1 = stage_short(&q.in1, p->left_shift, p->input1_shift, 0);
        const int sh2 = stage_short(&q.in2, p->left_shift, p->input2_shift, 0);
        const int sho = stage_short(&q.out, p->left_shift, p->output_shift, p->output_offset);
        if (sh1 || sh2 || sho) {
            const eat_rq_t r1 = q.in1, r2 = q.in2, ro = q.out;
            const int32_t off1 = p->input1_offset, off2 = p->input2_offset, ls = p->left_shift;
            const int32_t ooff = p->output_offset, lo = p->act_min, hi = p->act_max;
            for (i = 0; i < p->size; ++i) {
                const int32_t x1 = eat_shl_wrap(off1 + input1[i], ls), x2 = eat_shl_wrap(off2 + input2[i], ls);
                const int32_t s1 = sh1 ? eat_rq_short(x1, &r1) : eat_rq(x1, &r1);
                const int32_t s2 = sh2 ? eat_rq_short(x2, &r2) : eat_rq(x2, &r2);
                output[i] = sho ? eat_rq_short_s8(s1 + s2, &ro, lo, hi) : eat_rq_s8(s1 + s2, &ro, ooff, lo, hi);
            }
        } else {
            for (i = 0; i < p->size; ++i) {
                output[i] = add_one_rq(p, &q, input1[i], input2[i]);
            }
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
