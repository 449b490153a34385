/* Cortex-M0+ MAX_POOL_2D int8: 2x2 windows wholly inside the input, channel by channel with the four
 * taps read at one running index (LDRSB register offsets); other windows go to eat_max_pool2d_s8.
 * AVERAGE_POOL_2D int8: four channels per word summed in 16-bit lanes; other shapes go to eat_avg_pool2d_s8. */
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

/* The output of a lane's sum of count unsigned bytes x + 128: the signed sum is the lane's less 128 per tap. */
static int8_t lane_average(uint32_t lane, int32_t count, const eat_pool2d_s8_params_t *p)
{
    return eat_pool_average_s8((int32_t)lane - 128 * count, count, p);
}

/* Four channels per aligned LDR: EORS 0x80808080 makes each byte x + 128 (0..255), and two masks split the
 * word into 16-bit lanes (channels c, c + 2 and c + 1, c + 3) that hold up to 257 taps (257 x 255 = 65535)
 * without a carry into the next lane. ~8 cycles per 4 channels and tap, against ~22 in the portable kernel's
 * per-channel walk. Each word's taps are read before its four outputs are written (the portable kernel's
 * order, which the planner's overlap assumes). Channels % 4 != 0, an unaligned input (LDR faults on the
 * M0+) or windows of more than 257 taps: eat_avg_pool2d_s8. */
void eat_avg_pool2d_s8_armv6m(const eat_pool2d_s8_params_t *p, const int8_t *input, int8_t *output)
{
    const int32_t channels = p->channels, row_step = p->in_w * channels;
    int32_t b, oy, ox, c, fy, fx;
    if ((channels & 3) != 0 || ((uintptr_t)input & 3u) != 0 || p->k_h * p->k_w > 257) {
        eat_avg_pool2d_s8(p, input, output);
        return;
    }
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int8_t *in_row = input;
            const int32_t rows = eat_pool_rows(p, input, b, oy, &in_row);
            for (ox = 0; ox < p->out_w; ++ox, output += channels) {
                const int8_t *first = in_row;
                const int32_t cols = eat_pool_cols(p, in_row, ox, &first);
                const int32_t count = rows * cols;
                if (rows <= 0 || cols <= 0) {   /* the portable kernel's 0 */
                    eat_pool_fill(p, output, 0);
                    continue;
                }
                for (c = 0; c < channels; c += 4) {
                    const int8_t *row = first + c;
                    uint32_t s02 = 0, s13 = 0;
                    for (fy = 0; fy < rows; ++fy, row += row_step) {
                        const int8_t *tap = row;
                        for (fx = 0; fx < cols; ++fx, tap += channels) {
                            const uint32_t v = *(const uint32_t *)(const void *)tap ^ 0x80808080u;
                            s02 += v & 0x00FF00FFu;
                            s13 += (v >> 8) & 0x00FF00FFu;
                        }
                    }
                    output[c] = lane_average(s02 & 0xFFFFu, count, p);
                    output[c + 1] = lane_average(s13 & 0xFFFFu, count, p);
                    output[c + 2] = lane_average(s02 >> 16, count, p);
                    output[c + 3] = lane_average(s13 >> 16, count, p);
                }
            }
        }
    }
}

#endif /* __ARM_ARCH_6M__ */
