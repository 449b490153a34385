/* Cortex-M0+ MAX_POOL_2D int8: 2x2 windows wholly inside the input, channel by channel with the four
 * taps read at one running index (LDRSB register offsets); other windows go to eat_max_pool2d_s8. */
#include "eat/armv6m.h"

#if defined(__ARM_ARCH_6M__)

/* out[c] = max of the four taps' channel c, c < channels: the four pointers and out point one past
 * their channels and i runs from -channels up to 0 (the loop's test is the increment's flags).
 * Per channel under rp2040js: 4 LDRSB (8), 3 x CMP + branch + MOV (9), STRB (2), ADDS + BNE (3). */
static void max4_row(const int8_t *a0, const int8_t *a1, const int8_t *b0, const int8_t *b1, int8_t *out,
                     int32_t channels)
{
    int32_t i = -channels;
    do {
        int32_t m = a0[i], t = a1[i];
        if (t > m) {
            m = t;
        }
        t = b0[i];
        if (t > m) {
            m = t;
        }
        t = b1[i];
        if (t > m) {
            m = t;
        }
        out[i] = (int8_t)m;
    } while (++i != 0);
}

void eat_max_pool2d_s8_armv6m(const eat_pool2d_s8_params_t *p, const int8_t *input, int8_t *output)
{
    const int32_t c = p->channels;
    const int32_t row = p->in_w * c;
    const int32_t clamp = p->act_min > -128 || p->act_max < 127;
    int32_t b, oy, ox, i;
    if (p->k_h != 2 || p->k_w != 2 || p->pad_h != 0 || p->pad_w != 0 || c <= 0
        || (p->out_h - 1) * p->stride_h + 2 > p->in_h || (p->out_w - 1) * p->stride_w + 2 > p->in_w) {
        eat_max_pool2d_s8(p, input, output);   /* padding, other windows: reference */
        return;
    }
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->in_h * row;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int8_t *top = in_b + oy * p->stride_h * row + c;   /* one past tap (0, 0)'s channels */
            for (ox = 0; ox < p->out_w; ++ox, top += p->stride_w * c) {
                max4_row(top, top + c, top + row, top + row + c, output + c, c);
                if (clamp) {   /* every channel of this pixel written before the next window is read */
                    for (i = 0; i < c; ++i) {
                        output[i] = (int8_t)eat_clamp_i32(output[i], p->act_min, p->act_max);
                    }
                }
                output += c;
            }
        }
    }
}

#endif /* __ARM_ARCH_6M__ */
