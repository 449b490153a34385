/* Cortex-M0+ CONV_2D int8: per output pixel, 4 output channels at a time through the dot4 loop. */
#include "eat/armv6m.h"

#if defined(__ARM_ARCH_6M__)

#include <string.h>

/* A window of at most this many bytes is gathered on the stack (padding filled with the input
 * zero point, which contributes (zp + input_offset) * w = 0 exactly as TFLM's skipped taps);
 * larger windows are read row by row in place. */
#define EAT_ARMV6M_COL_MAX 1152

/* Per output channel: the requantisation constants, the folded bias and the sum (44 bytes with
 * sizeof(eat_armv6m_rq_t) == 36; this kernel's scratch in pipeline/compiler/kernels_registry.py says
 * the same). */
typedef char eat_armv6m_rq_is_36_bytes[sizeof(eat_armv6m_rq_t) == 36 ? 1 : -1];

size_t eat_conv2d_s8_armv6m_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    return (size_t)p->out_c * (sizeof(eat_armv6m_rq_t) + 2 * sizeof(int32_t));
}

/* GCC would turn the few-byte loops back into memset/memcpy calls (~60 cycles each here). */
__attribute__((optimize("no-tree-loop-distribute-patterns")))
void eat_armv6m_gather(const eat_conv2d_s8_params_t *p, const int8_t *in_b, int32_t iy0, int32_t ix0,
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
                if (c < 8) {   /* a few bytes: cheaper than a memset call */
                    for (i = 0; i < c; ++i) {
                        col[i] = fill;
                    }
                } else {
                    memset(col, fill, (size_t)c);
                }
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
    const int32_t oc_n = p->out_c;
    const int32_t act_min = p->act_min, act_max = p->act_max;   /* locals: `out` may alias *p */
    const int pointwise = p->k_h == 1 && p->k_w == 1;
    const int in_place = !pointwise && k > EAT_ARMV6M_COL_MAX;
    int8_t col[EAT_ARMV6M_COL_MAX] __attribute__((aligned(4)));
    eat_armv6m_rq_t *rq = (eat_armv6m_rq_t *)scratch;
    int32_t *init = (int32_t *)(rq + oc_n);
    int32_t *acc = init + oc_n;
    int32_t b, oy, ox, oc, j, i;
    if (scratch == NULL || p->filter_in_c != p->in_c || oc_n < 4 || (in_place && p->dilation_w != 1)) {
        eat_conv2d_s8(p, w, bias, input, output, NULL);   /* grouped, tiny or unusual: reference */
        return;
    }
    for (j = 0; j < oc_n; ++j) {
        /* init = bias + input_offset * sum(w): the whole window counts (padding is gathered as the
         * input zero point, whose (x + input_offset) is 0); rows read in place skip the padding
         * instead and add input_offset in the loop. Unsigned: wraps like TFLM's int32 sums. */
        const int8_t *row = w->data + j * k;
        uint32_t sum = 0;
        eat_armv6m_rq_prepare(&rq[j], p->multiplier[j], p->shift[j], p->output_offset);
        if (!in_place) {
            for (i = 0; i < k; ++i) {
                sum += (uint32_t)(int32_t)row[i];
            }
        }
        init[j] = (int32_t)((bias != NULL ? (uint32_t)bias[j] : 0u) + sum * (uint32_t)p->input_offset);
    }
    /* Pixel by pixel, all channels of a pixel before the next: the order the planner's in-place
     * overlap of output and input (planner.window_delta) assumes. */
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->in_h * p->in_w * p->in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix0 = ox * p->stride_w - p->pad_w;
                int8_t *out = output + ((b * p->out_h + oy) * p->out_w + ox) * oc_n;
                const int8_t *win = col;
                if (in_place) {
                    for (oc = 0; oc < oc_n; oc += 4) {
                        if (oc > oc_n - 4) {
                            oc = oc_n - 4;   /* the last block overlaps the previous one */
                        }
                        for (j = 0; j < 4; ++j) {
                            acc[oc + j] = init[oc + j];
                        }
                        rows4(p, in_b, iy0, ix0, w->data + oc * k, k, &acc[oc]);
                    }
                } else {
                    if (pointwise && iy0 >= 0 && iy0 < p->in_h && ix0 >= 0 && ix0 < p->in_w) {
                        win = in_b + (iy0 * p->in_w + ix0) * p->in_c;
                    } else {
                        eat_armv6m_gather(p, in_b, iy0, ix0, col);
                    }
                    eat_armv6m_gemv4_s8(win, w->data, k, oc_n >> 2, init, acc);
                    if (oc_n & 3) {   /* the last block overlaps the previous one */
                        eat_armv6m_gemv4_s8(win, w->data + (oc_n - 4) * k, k, 1, &init[oc_n - 4], &acc[oc_n - 4]);
                    }
                }
                for (j = 0; j < oc_n; ++j) {
                    out[j] = (int8_t)eat_clamp_i32(eat_armv6m_rq_apply(&rq[j], acc[j]), act_min, act_max);
                }
            }
        }
    }
}

#endif /* __ARM_ARCH_6M__ */
