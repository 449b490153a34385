/* DEPTHWISE_CONV_2D int8, depth multiplier 1, for RV32IMC: 4 channels per pass over the taps.
 *
 * Chosen by the registry for core "rv32imc" when depth_multiplier == 1 (pipeline/compiler/
 * kernels_rv32.py). bias[c] = bias + input_offset * sum over taps of w[tap][c], folded at compile
 * time, so the kernel sums raw int8 products and a padding tap reads the input zero point. Weights in
 * their natural [1][k_h][k_w][C] order. Per output pixel the kernel first fills a table of the
 * k_h * k_w tap pointers in scratch (8 bytes an entry: room for a host's 64-bit pointers); a tap in
 * the padding points at a row of C zero points after the table. Border and interior pixels then run
 * the same branch-free loop: per tap and 4 channels, 4 + 4 `lb`, 4 `mul`, 4 `add`, with the 4
 * accumulators in registers. */
#include "eat/requant.h"
#include "eat/rv32.h"

size_t eat_depthwise_conv2d_s8_rv32_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p)
{
    return (size_t)8 * (size_t)(p->k_h * p->k_w) + (size_t)p->in_c;   /* 8: room for a 64-bit host pointer */
}

/* n accumulators of channels c.. -> int8 outputs (requantisation inlined, parameters in registers). */
static void store_s8(const eat_depthwise_conv2d_s8_params_t *p, const int32_t *acc, int32_t c, int32_t n,
                     int8_t *out)
{
    const int32_t *mult = p->multiplier + c, *shift = p->shift + c;
    const int32_t off = p->output_offset, lo = p->act_min, hi = p->act_max;
    int32_t j;
    for (j = 0; j < n; ++j) {
        out[c + j] = eat_requant_s8(acc[j], mult[j], shift[j], off, lo, hi);
    }
}

void eat_depthwise_conv2d_s8_rv32(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                  const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t taps = p->k_h * p->k_w, ch = p->out_c;
    const int8_t **tap = (const int8_t **)scratch;
    int8_t *zp_row = (int8_t *)scratch + 8 * taps;
    int32_t b, oy, ox, fy, fx, c, t;
    for (c = 0; c < ch; ++c) {
        zp_row[c] = (int8_t)(-p->input_offset);
    }
    for (b = 0; b < p->batches; ++b) {
        const int8_t *img = input + b * p->in_h * p->in_w * p->in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                int8_t *out = output + ((b * p->out_h + oy) * p->out_w + ox) * ch;
                const int8_t **tp = tap;
                for (fy = 0; fy < p->k_h; ++fy) {
                    const int32_t iy = y0 + p->dilation_h * fy;
                    for (fx = 0; fx < p->k_w; ++fx) {
                        const int32_t ix = x0 + p->dilation_w * fx;
                        *tp++ = (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w)
                                    ? zp_row : img + (iy * p->in_w + ix) * ch;
                    }
                }
                for (c = 0; c + 3 < ch; c += 4) {
                    const int8_t *f = w->data + c;
                    int32_t a0 = bias[c], a1 = bias[c + 1], a2 = bias[c + 2], a3 = bias[c + 3];
                    int32_t acc[4];
                    for (t = 0; t < taps; ++t) {
                        const int8_t *x = tap[t] + c;
                        a0 += x[0] * f[0];
                        a1 += x[1] * f[1];
                        a2 += x[2] * f[2];
                        a3 += x[3] * f[3];
                        f += ch;
                    }
                    acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3;
                    store_s8(p, acc, c, 4, out);
                }
                for (; c < ch; ++c) {
                    const int8_t *f = w->data + c;
                    int32_t a = bias[c];
                    for (t = 0; t < taps; ++t) {
                        a += tap[t][c] * f[0];
                        f += ch;
                    }
                    store_s8(p, &a, c, 1, out);
                }
            }
        }
    }
}
