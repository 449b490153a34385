/* Portable 1x1 CONV_2D int8 (no padding, not grouped) as a matrix product over output pixels.
 *
 * out[p][c] = requant(bias[c] + sum_k in[p][k] * w[c][k]), bias with input_offset * sum(w[c])
 * folded in at compile time. Two pixels x two output channels per inner loop: each input and
 * weight byte loaded serves two MACs. Both pixels' inputs are read in place until both are
 * written, so the compiler widens the planner's in/out overlap by one pixel (pixel_block 2). */
#include "eat/conv.h"
#include "eat/requant.h"

size_t eat_conv2d_1x1_s8_folded_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    (void)p;
    return 0;
}

static const int8_t *pixel_in(const eat_conv2d_s8_params_t *p, const int8_t *input, int32_t pix)
{
    const int32_t per_image = p->out_h * p->out_w;
    const int32_t b = pix / per_image, r = pix % per_image;
    const int32_t oy = r / p->out_w, ox = r % p->out_w;
    return input + ((b * p->in_h + oy * p->stride_h) * p->in_w + ox * p->stride_w) * p->in_c;
}

static void one_pixel(const eat_conv2d_s8_params_t *p, const int8_t *wd, const int32_t *bias,
                      const int8_t *in, int8_t *out)
{
    const int32_t n = p->in_c;
    int32_t c, k;
    for (c = 0; c < p->out_c; ++c) {
        const int8_t *f = wd + c * n;
        int32_t a = bias[c];
        for (k = 0; k < n; ++k) {
            a += (int32_t)in[k] * f[k];
        }
        out[c] = eat_requant_s8(a, p->multiplier[c], p->shift[c], p->output_offset, p->act_min, p->act_max);
    }
}

void eat_conv2d_1x1_s8_folded(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                              const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t n = p->in_c;
    const int32_t pixels = p->batches * p->out_h * p->out_w;
    int32_t pix, c, k;
    (void)scratch;
    for (pix = 0; pix + 1 < pixels; pix += 2) {
        const int8_t *x0 = pixel_in(p, input, pix);
        const int8_t *x1 = pixel_in(p, input, pix + 1);
        int8_t *o0 = output + pix * p->out_c;
        int8_t *o1 = o0 + p->out_c;
        for (c = 0; c + 1 < p->out_c; c += 2) {
            const int8_t *f0 = w->data + c * n;
            const int8_t *f1 = f0 + n;
            int32_t a00 = bias[c], a01 = bias[c + 1];
            int32_t a10 = a00, a11 = a01;
            for (k = 0; k < n; ++k) {
                const int32_t v0 = x0[k], v1 = x1[k], w0 = f0[k], w1 = f1[k];
                a00 += v0 * w0;
                a01 += v0 * w1;
                a10 += v1 * w0;
                a11 += v1 * w1;
            }
            o0[c] = eat_requant_s8(a00, p->multiplier[c], p->shift[c], p->output_offset, p->act_min, p->act_max);
            o0[c + 1] = eat_requant_s8(a01, p->multiplier[c + 1], p->shift[c + 1], p->output_offset,
                                       p->act_min, p->act_max);
            o1[c] = eat_requant_s8(a10, p->multiplier[c], p->shift[c], p->output_offset, p->act_min, p->act_max);
            o1[c + 1] = eat_requant_s8(a11, p->multiplier[c + 1], p->shift[c + 1], p->output_offset,
                                       p->act_min, p->act_max);
        }
        if (c < p->out_c) {
            const int8_t *f0 = w->data + c * n;
            int32_t a0 = bias[c], a1 = bias[c];
            for (k = 0; k < n; ++k) {
                a0 += (int32_t)x0[k] * f0[k];
                a1 += (int32_t)x1[k] * f0[k];
            }
            o0[c] = eat_requant_s8(a0, p->multiplier[c], p->shift[c], p->output_offset, p->act_min, p->act_max);
            o1[c] = eat_requant_s8(a1, p->multiplier[c], p->shift[c], p->output_offset, p->act_min, p->act_max);
        }
    }
    if (pix < pixels) {
        one_pixel(p, w->data, bias, pixel_in(p, input, pix), output + pix * p->out_c);
    }
}
