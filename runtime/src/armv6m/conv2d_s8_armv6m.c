/* Cortex-M0+ CONV_2D int8: per output pixel, 4 output channels at a time through the dot4 loop. */
#include "eat/armv6m.h"

#if defined(__ARM_ARCH_6M__)

#include <string.h>

/* A window of at most this many bytes is gathered on the stack (padding filled with the input
 * zero point, which contributes (zp + input_offset) * w = 0 exactly as TFLM's skipped taps);
 * larger windows are read row by row in place. */
#define EAT_ARMV6M_COL_MAX 512

size_t eat_conv2d_s8_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    (void)p;
    return 0;
}

static void gather(const eat_conv2d_s8_params_t *p, const int8_t *in_b, int32_t iy0, int32_t ix0,
                   int8_t *col)
{
    const int32_t c = p->in_c;
    const int8_t fill = (int8_t)(-p->input_offset);
    int32_t fy, fx, i;
    for (fy = 0; fy < p->k_h; ++fy) {
        const int32_t iy = iy0 + p->dilation_h * fy;
        for (fx = 0; fx < p->k_w; ++fx, col += c) {
            const int32_t ix = ix0 + p->dilation_w * fx;
            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                memset(col, fill, (size_t)c);
            } else if (c < 8) {
                const int8_t *src = in_b + (iy * p->in_w + ix) * c;
                for (i = 0; i < c; ++i) {
                    col[i] = src[i];
                }
            } else {
                memcpy(col, in_b + (iy * p->in_w + ix) * c, (size_t)c);
            }
        }
    }
}

/* Sums of 4 channels (oc..oc+3) over the valid rows of the window, read in place (dilation_w 1). */
static void rows4(const eat_conv2d_s8_params_t *p, const int8_t *in_b, int32_t iy0, int32_t ix0,
                  const int8_t *filt, int32_t k, int32_t acc[4])
{
    const int32_t c = p->in_c;
    const int32_t fx0 = ix0 < 0 ? -ix0 : 0;
    const int32_t fx1 = eat_min_i32(p->k_w, p->in_w - ix0);
    int32_t fy;
    if (fx1 <= fx0) {
        return;
    }
    for (fy = 0; fy < p->k_h; ++fy) {
        const int32_t iy = iy0 + p->dilation_h * fy;
        if (iy < 0 || iy >= p->in_h) {
            continue;
        }
        eat_armv6m_dot4_s8(in_b + (iy * p->in_w + ix0 + fx0) * c, filt + (fy * p->k_w + fx0) * c,
                           (fx1 - fx0) * c, k, p->input_offset, acc);
    }
}

void eat_conv2d_s8_armv6m(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                          const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t k = p->k_h * p->k_w * p->in_c;
    const int pointwise = p->k_h == 1 && p->k_w == 1;
    const int in_place = !pointwise && k > EAT_ARMV6M_COL_MAX;
    int8_t col[EAT_ARMV6M_COL_MAX] __attribute__((aligned(4)));
    eat_armv6m_rq_t rq[EAT_ARMV6M_RQ_TABLE];
    int32_t c0, n, b, oy, ox, oc, j;
    if (p->filter_in_c != p->in_c || p->out_c < 4 || (in_place && p->dilation_w != 1)) {
        eat_conv2d_s8(p, w, bias, input, output, scratch);   /* grouped, tiny or unusual: reference */
        return;
    }
    for (c0 = 0; c0 < p->out_c; c0 += n) {   /* output channels in chunks: a table of constants each */
        n = eat_armv6m_rq_chunk(c0, p->out_c);
        for (j = 0; j < n; ++j) {
            eat_armv6m_rq_prepare(&rq[j], p->multiplier[c0 + j], p->shift[c0 + j]);
        }
        for (b = 0; b < p->batches; ++b) {
            const int8_t *in_b = input + b * p->in_h * p->in_w * p->in_c;
            for (oy = 0; oy < p->out_h; ++oy) {
                const int32_t iy0 = oy * p->stride_h - p->pad_h;
                for (ox = 0; ox < p->out_w; ++ox) {
                    const int32_t ix0 = ox * p->stride_w - p->pad_w;
                    int8_t *out = output + ((b * p->out_h + oy) * p->out_w + ox) * p->out_c;
                    const int8_t *win = col;
                    if (pointwise && iy0 >= 0 && iy0 < p->in_h && ix0 >= 0 && ix0 < p->in_w) {
                        win = in_b + (iy0 * p->in_w + ix0) * p->in_c;
                    } else if (!in_place) {
                        gather(p, in_b, iy0, ix0, col);
                    }
                    for (oc = c0; oc < c0 + n; oc += 4) {
                        int32_t acc[4];
                        if (oc > c0 + n - 4) {
                            oc = c0 + n - 4;   /* the last block overlaps the previous one */
                        }
                        for (j = 0; j < 4; ++j) {
                            acc[j] = bias != NULL ? bias[oc + j] : 0;
                        }
                        if (in_place) {
                            rows4(p, in_b, iy0, ix0, w->data + oc * k, k, acc);
                        } else {
                            eat_armv6m_dot4_s8(win, w->data + oc * k, k, k, p->input_offset, acc);
                        }
                        for (j = 0; j < 4; ++j) {
                            const int32_t v = eat_armv6m_rq_apply(&rq[oc - c0 + j], acc[j]) + p->output_offset;
                            out[oc + j] = (int8_t)eat_clamp_i32(v, p->act_min, p->act_max);
                        }
                    }
                }
            }
        }
    }
}

#endif /* __ARM_ARCH_6M__ */
