/* CONV_2D int8 (not grouped) for RV32IMC: output pixels in pairs, 4 filters per pass
 * (eat_rv32_dot_2x4: 2 + 4 byte loads per 8 MACs).
 *
 * Chosen by the registry for core "rv32imc" (pipeline/compiler/kernels_rv32.py). What the compiler
 * prepared: bias[c] = bias + input_offset * sum(filter c), so the kernel sums raw int8 products and a
 * padding tap must read the input zero point (x + input_offset = 0, as TFLM skips it); weights in
 * their natural OHWI order, so filter c is one run of K = k_h * k_w * in_c bytes.
 * - 1x1 without padding: a pixel's K inputs are one run in the input, read in place. Both pixels are
 *   read until both are written, so the compiler widens the planner's overlap by one pixel.
 * - otherwise: both pixels' windows are gathered into scratch (2 * K bytes, planned in the arena),
 *   zero point in the padding, before either pixel is written.
 * An odd last pixel runs as a pair with itself (its second result is dropped). */
#include "eat/requant.h"
#include "eat/rv32.h"

static int pointwise(const eat_conv2d_s8_params_t *p)
{
    return p->k_h == 1 && p->k_w == 1 && p->pad_h == 0 && p->pad_w == 0;
}

size_t eat_conv2d_s8_rv32_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    return pointwise(p) ? 0u : (size_t)2 * (size_t)(p->k_h * p->k_w * p->in_c);
}

/* Output pixel pix's input: its pixel (1x1) or its window gathered into col (zero point in the padding). */
static const int8_t *pixel_input(const eat_conv2d_s8_params_t *p, const int8_t *input, int32_t pix, int8_t *col)
{
    const int32_t per_image = p->out_h * p->out_w;
    const int32_t b = pix / per_image, r = pix % per_image;
    const int32_t y0 = (r / p->out_w) * p->stride_h - p->pad_h, x0 = (r % p->out_w) * p->stride_w - p->pad_w;
    const int8_t *img = input + b * p->in_h * p->in_w * p->in_c;
    const int8_t zp = (int8_t)(-p->input_offset);
    int32_t fy, fx, c;
    int8_t *dst = col;
    if (col == NULL) {
        return img + (y0 * p->in_w + x0) * p->in_c;
    }
    for (fy = 0; fy < p->k_h; ++fy) {
        const int32_t iy = y0 + p->dilation_h * fy;
        for (fx = 0; fx < p->k_w; ++fx) {
            const int32_t ix = x0 + p->dilation_w * fx;
            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                for (c = 0; c < p->in_c; ++c) {
                    dst[c] = zp;
                }
            } else {
                const int8_t *src = img + (iy * p->in_w + ix) * p->in_c;
                for (c = 0; c < p->in_c; ++c) {
                    dst[c] = src[c];
                }
            }
            dst += p->in_c;
        }
    }
    return col;
}

/* n accumulators of channels c.. -> int8 outputs (requantisation inlined, parameters in registers). */
static void store_s8(const eat_conv2d_s8_params_t *p, const int32_t *acc, int32_t c, int32_t n, int8_t *out)
{
    const int32_t *mult = p->multiplier + c, *shift = p->shift + c;
    const int32_t off = p->output_offset, lo = p->act_min, hi = p->act_max;
    int32_t j;
    for (j = 0; j < n; ++j) {
        out[c + j] = eat_requant_s8(acc[j], mult[j], shift[j], off, lo, hi);
    }
}

void eat_conv2d_s8_rv32(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w, const int32_t *bias,
                        const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t k = p->k_h * p->k_w * p->in_c;
    const int32_t pixels = p->batches * p->out_h * p->out_w;
    int8_t *col0 = pointwise(p) ? NULL : (int8_t *)scratch;
    int8_t *col1 = col0 == NULL ? NULL : col0 + k;
    int32_t pix, c, j;
    for (pix = 0; pix < pixels; pix += 2) {
        const int has1 = pix + 1 < pixels;
        const int8_t *x0 = pixel_input(p, input, pix, col0);
        const int8_t *x1 = has1 ? pixel_input(p, input, pix + 1, col1) : x0;
        int8_t *o0 = output + pix * p->out_c;
        int8_t *o1 = o0 + p->out_c;
        for (c = 0; c + 3 < p->out_c; c += 4) {
            int32_t acc[8];
            for (j = 0; j < 4; ++j) {
                acc[j] = acc[4 + j] = bias[c + j];
            }
            eat_rv32_dot_2x4(x0, x1, w->data + c * k, k, k, acc);
            store_s8(p, acc, c, 4, o0);
            if (has1) {
                store_s8(p, acc + 4, c, 4, o1);
            }
        }
        for (; c < p->out_c; ++c) {
            int32_t acc[2];
            acc[0] = acc[1] = bias[c];
            eat_rv32_dot_2x1(x0, x1, w->data + c * k, k, acc);
            store_s8(p, acc, c, 1, o0);
            if (has1) {
                store_s8(p, acc + 1, c, 1, o1);
            }
        }
    }
}
