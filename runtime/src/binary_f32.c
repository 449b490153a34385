/* ADD / MUL float32: output = act(in1 + in2) / act(in1 * in2), element by element in output order. */
#include "eat/binary_f32.h"

static void binary(const eat_binary_f32_params_t *p, const float *a, const float *b, float *out, int is_mul)
{
    int32_t i;
    eat_bcast_cursor_t c = {{0, 0, 0, 0, 0, 0}, 0, 0};
    for (i = 0; i < p->size; ++i) {
        const float x = p->broadcast ? a[c.off1] : a[i];
        const float y = p->broadcast ? b[c.off2] : b[i];
        out[i] = eat_act_f32(is_mul ? x * y : x + y, p->act_min, p->act_max);
        if (p->broadcast) {
            eat_bcast_next(&c, p->ndims, p->dims, p->stride1, p->stride2);
        }
    }
}

void eat_add_f32(const eat_binary_f32_params_t *p, const float *input1, const float *input2, float *output)
{
    binary(p, input1, input2, output, 0);
}

void eat_mul_f32(const eat_binary_f32_params_t *p, const float *input1, const float *input2, float *output)
{
    binary(p, input1, input2, output, 1);
}
