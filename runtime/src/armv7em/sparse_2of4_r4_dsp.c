/* Cortex-M4/M7 FULLY_CONNECTED and CONV_2D over EAT_WEIGHTS_SPARSE_2OF4_R4P (eat/sparse_2of4.h): 2:4 whose
 * positions blocks of 4 channels share. Per output pixel (FC: batch) and block one walk of the position bytes:
 * per group the two inputs at its positions as int16 lanes (LDRSB, LDRSB, PKHBT), the block's two weight words
 * split by SXTB16 / SXTB16 ROR 8 into each channel's pair of weights, one SMLAD per channel: 8 products in
 * ~15 instructions. The requantisation is eat/requant_pc.h's, prepared once per call. Built only where
 * EAT_ARMV7EM_DSP holds; the registry (pipeline/compiler/kernels_2of4.py) picks it for cores "cortex-m4" and
 * "cortex-m7". */
#include "eat/armv7em.h"
#include "eat/requant_pc.h"
#include "eat/sparse_2of4.h"

#if EAT_ARMV7EM_DSP
#pragma GCC optimize("O3")

/* One group: inputs x[a], x[b] (a, b its two positions) against its two words at v. */
#define EAT_R4P_GROUP(A, B, V0, V1)                                                  \
    do {                                                                             \
        const int32_t xp = eat_pkhbt(x[A], x[B]);                                    \
        const int32_t w0 = (V0), w1 = (V1);                                          \
        s0 = __smlad(xp, __sxtb16(w0), s0);                                          \
        s1 = __smlad(xp, eat_sxtb16_ror8(w0), s1);                                   \
        s2 = __smlad(xp, __sxtb16(w1), s2);                                          \
        s3 = __smlad(xp, eat_sxtb16_ror8(w1), s3);                                   \
    } while (0)

/* sums[4 b + j] = bias[4 b + j] + sum over block b's slots of x[position] * w[j], for n blocks from blk on
 * (bias: n * 4 readable words; x: K8 readable bytes). */
static void r4p_sums(const int8_t *x0, const int8_t *blk, int32_t k8, int32_t n, const int32_t *bias, int32_t *sums)
{
    const int32_t pairs = k8 >> 3, pos_bytes = eat_2of4_r4_pos_bytes(k8);
    int32_t b, i;
    for (b = 0; b < n; ++b) {
        const uint8_t *pos = (const uint8_t *)blk;
        const int32_t *v = (const int32_t *)(const void *)(blk + pos_bytes);
        const int8_t *x = x0;
        int32_t s0 = bias[4 * b], s1 = bias[4 * b + 1], s2 = bias[4 * b + 2], s3 = bias[4 * b + 3];
        for (i = 0; i < pairs; ++i, x += 8, v += 4) {
            const uint32_t p = pos[i];
            EAT_R4P_GROUP(p & 3u, (p >> 2) & 3u, v[0], v[1]);
            EAT_R4P_GROUP(4u + ((p >> 4) & 3u), 4u + (p >> 6), v[2], v[3]);
        }
        sums[4 * b] = s0;
        sums[4 * b + 1] = s1;
        sums[4 * b + 2] = s2;
        sums[4 * b + 3] = s3;
        blk = (const int8_t *)(const void *)v;
    }
}

/* n outputs from their accumulators: requantised (rq[0..n), or rq[0] for every one when `step` is 0), clamped. */
static void r4p_out(const int32_t *acc, const eat_rq_t *rq, int32_t step, int32_t n, int32_t out_offset,
                    int32_t act_min, int32_t act_max, int8_t *out)
{
    int32_t o;
    for (o = 0; o < n; ++o, rq += step) {
        out[o] = (int8_t)eat_clamp_i32(eat_rq(acc[o], rq) + out_offset, act_min, act_max);
    }
}

/* Scratch: the requantisation (EAT_RQ_BYTES per channel; per-tensor: one), the padded bias and the sums (16 B per
 * block of 4 channels each), then K8 bytes. */
static size_t r4p_scratch(int32_t channels, int32_t records, int32_t k)
{
    return EAT_RQ_BYTES(records) + 32u * (size_t)((channels + 3) >> 2) + (size_t)eat_2of4_k8(k);
}

size_t eat_fully_connected_s8_sparse_2of4_r4_dsp_scratch_bytes(const eat_fully_connected_s8_params_t *p)
{
    return r4p_scratch(p->out_depth, p->per_channel_multiplier != NULL ? p->out_depth : 1, p->in_depth);
}

void eat_fully_connected_s8_sparse_2of4_r4_dsp(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                               const int32_t *bias, const int8_t *input, int8_t *output,
                                               void *scratch)
{
    const int32_t k = p->in_depth, k8 = eat_2of4_k8(k), n_out = p->out_depth, nb = (n_out + 3) >> 2;
    const int32_t per_channel = p->per_channel_multiplier != NULL;
    eat_rq_t *rq = (eat_rq_t *)scratch;
    int32_t *b4 = (int32_t *)(void *)(rq + (per_channel ? n_out : 1));
    int32_t *sums = b4 + 4 * nb;
    int8_t *row = (int8_t *)(sums + 4 * nb);
    int32_t b, o;
    if (per_channel) {
        eat_rq_prepare(rq, p->per_channel_multiplier, p->per_channel_shift, n_out);
    } else {
        eat_rq_prepare(rq, &p->output_multiplier, &p->output_shift, 1);
    }
    for (o = 0; o < 4 * nb; ++o) {
        b4[o] = o < n_out ? bias[o] : 0;
    }
    for (b = 0; b < p->batches; ++b) {
        const int8_t *x = input + b * k;
        if (k != k8) {   /* the zero tail: the padded groups read inside the row */
            memcpy(row, x, (size_t)k);
            memset(row + k, 0, (size_t)(k8 - k));
            x = row;
        }
        r4p_sums(x, w->data, k8, nb, b4, sums);   /* before any output: `output` may overlap `input` */
        r4p_out(sums, rq, per_channel, n_out, p->output_offset, p->act_min, p->act_max, output + b * n_out);
    }
}

size_t eat_conv2d_s8_sparse_2of4_r4_dsp_scratch_bytes(const eat_conv2d_s8_params_t *p)
{
    return r4p_scratch(p->out_c, p->out_c, p->k_h * p->k_w * p->in_c);
}

/* Each pixel's receptive field is read in place when it is contiguous and K % 8 == 0 (1x1, no padding), else
 * gathered (padding taps: the input zero point; the tail up to K8: zeros) before any output of the pixel. A walk
 * of two pixels sharing each group's weight lanes was measured slower (the example's 3x3 conv, 4 pixels: 31,434
 * against 28,012 instructions: gcc spills its 8 sums), so one pixel per walk. */
void eat_conv2d_s8_sparse_2of4_r4_dsp(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                      const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    const int32_t c = p->in_c, k = p->k_h * p->k_w * c, k8 = eat_2of4_k8(k), oc_n = p->out_c, nb = (oc_n + 3) >> 2;
    const int in_place = p->k_h == 1 && p->k_w == 1 && p->pad_h == 0 && p->pad_w == 0 && k == k8;
    eat_rq_t *rq = (eat_rq_t *)scratch;
    int32_t *b4 = (int32_t *)(void *)(rq + oc_n);
    int32_t *sums = b4 + 4 * nb;
    int8_t *field = (int8_t *)(sums + 4 * nb);
    int8_t *out = output;
    int32_t b, oy, ox, o;
    eat_rq_prepare(rq, p->multiplier, p->shift, oc_n);
    for (o = 0; o < 4 * nb; ++o) {
        b4[o] = o < oc_n ? bias[o] : 0;
    }
    memset(field + k, 0, (size_t)(k8 - k));
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ++ox, out += oc_n) {
                const int32_t ix0 = ox * p->stride_w - p->pad_w;
                const int8_t *x = field;
                if (in_place) {
                    x = input + ((b * p->in_h + iy0) * p->in_w + ix0) * c;
                } else {
                    eat_2of4_field(p, input, b, iy0, ix0, field, 0u);
                }
                r4p_sums(x, w->data, k8, nb, b4, sums);
                r4p_out(sums, rq, 1, oc_n, p->output_offset, p->act_min, p->act_max, out);
            }
        }
    }
}

#elif defined(__ARM_ARCH_7EM__)
#error "ARMv7E-M build without the DSP extension flags: build with -mcpu=cortex-m4 or cortex-m7"
#else
typedef int eat_sparse_2of4_r4_dsp_unused_t;   /* not ARMv7E-M: nothing to compile */
#endif
