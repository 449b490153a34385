/* Cortex-M0+ DEPTHWISE_CONV_2D int8 (depth multiplier 1): 4 channels at a time, window clipped once per pixel. */
#include "eat/armv6m.h"

#if defined(__ARM_ARCH_6M__)

/* Per channel: the requantisation constants (36 bytes) and one pixel's sum (4). */
size_t eat_depthwise_conv2d_s8_armv6m_scratch_bytes(const eat_depthwise_conv2d_s8_params_t *p)
{
    return (size_t)p->out_c * (sizeof(eat_armv6m_rq_t) + sizeof(int32_t));
}

/* `bias` is int32[3][out_c]: the bias, then the accumulator bounds lo[oc] and hi[oc]. */
void eat_depthwise_conv2d_s8_armv6m(const eat_depthwise_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                    const int32_t *bias, const int8_t *input, int8_t *output,
                                    void *scratch)
{
    const int32_t c = p->in_c;
    const int32_t off = p->input_offset;
    const int32_t act_min = p->act_min, act_max = p->act_max;   /* locals: `out` may alias *p */
    eat_armv6m_rq_t *rq = (eat_armv6m_rq_t *)scratch;
    int32_t *sums = (int32_t *)(void *)(rq + c);
    int32_t b, oy, ox, ch, fy, fx, j;
    int words;
    const int32_t *lo = bias + c, *hi = bias + 2 * c;
    if (scratch == NULL || p->depth_multiplier != 1 || p->dilation_h != 1 || p->dilation_w != 1 || c < 4) {
        eat_depthwise_conv2d_s8(p, w, bias, input, output, NULL);   /* other shapes: reference */
        return;
    }
    for (j = 0; j < c; ++j) {
        eat_armv6m_rq_prepare(&rq[j], p->multiplier[j], p->shift[j], p->output_offset);
    }
    /* 4 channels per word load when every channel block starts on a word */
    words = ((uintptr_t)input | (uintptr_t)w->data | (uint32_t)c) % 4u == 0;
    /* Pixel by pixel, all channels of a pixel before the next (planner.window_delta's order). */
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = input + b * p->in_h * p->in_w * c;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_h;
            const int32_t fy0 = iy0 < 0 ? -iy0 : 0;
            const int32_t fy1 = eat_min_i32(p->k_h, p->in_h - iy0);
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix0 = ox * p->stride_w - p->pad_w;
                const int32_t fx0 = ix0 < 0 ? -ix0 : 0;
                const int32_t nfx = eat_min_i32(p->k_w, p->in_w - ix0) - fx0;
                const int32_t in_skip = (p->in_w - nfx) * c;   /* from the end of one window row to the next */
                const int32_t w_skip = (p->k_w - nfx) * c;
                const int8_t *in0 = in_b + ((iy0 + fy0) * p->in_w + ix0 + fx0) * c;
                const int8_t *w0 = w->data + (fy0 * p->k_w + fx0) * c;
                int8_t *out = output + ((b * p->out_h + oy) * p->out_w + ox) * c;
                if (words && nfx > 0 && fy1 > fy0) {   /* every channel's sum in one call, then requantised */
                    eat_armv6m_dw4_geo_t geo;
                    geo.c = c;
                    geo.x_skip = in_skip;
                    geo.w_skip = w_skip;
                    geo.x_off = off;
                    geo.blocks = c / 4;
                    geo.bias = bias;
                    if (off == 128) {   /* input zero point -128: x + 128 is the byte, top bit flipped */
                        eat_armv6m_dw4u_s8(in0, w0, fy1 - fy0, nfx, &geo, sums);
                    } else {
                        eat_armv6m_dw4_s8(in0, w0, fy1 - fy0, nfx, &geo, sums);
                    }
                    for (ch = 0; ch < c; ++ch) {
                        out[ch] = eat_armv6m_rq_bounded(&rq[ch], sums[ch], lo[ch], hi[ch], act_min, act_max);
                    }
                    continue;
                }
                for (ch = 0; ch < c; ch += 4) {
                    const int8_t *ip, *wp;
                    int32_t a0, a1, a2, a3;
                    if (ch > c - 4) {
                        ch = c - 4;   /* the last block overlaps the previous one */
                    }
                    ip = in0 + ch;
                    wp = w0 + ch;
                    a0 = bias[ch];
                    a1 = bias[ch + 1];
                    a2 = bias[ch + 2];
                    a3 = bias[ch + 3];
                    for (fy = fy0; fy < fy1; ++fy) {
                        for (fx = 0; fx < nfx; ++fx) {
                            a0 += (ip[0] + off) * wp[0];
                            a1 += (ip[1] + off) * wp[1];
                            a2 += (ip[2] + off) * wp[2];
                            a3 += (ip[3] + off) * wp[3];
                            ip += c;
                            wp += c;
                        }
                        ip += in_skip;
                        wp += w_skip;
                    }
                    out[ch] = eat_armv6m_rq_bounded(&rq[ch], a0, lo[ch], hi[ch], act_min, act_max);
                    out[ch + 1] = eat_armv6m_rq_bounded(&rq[ch + 1], a1, lo[ch + 1], hi[ch + 1], act_min, act_max);
                    out[ch + 2] = eat_armv6m_rq_bounded(&rq[ch + 2], a2, lo[ch + 2], hi[ch + 2], act_min, act_max);
                    out[ch + 3] = eat_armv6m_rq_bounded(&rq[ch + 3], a3, lo[ch + 3], hi[ch + 3], act_min, act_max);
                }
            }
        }
    }
}

#endif /* __ARM_ARCH_6M__ */
