/* FULLY_CONNECTED, int8 activations, int8 weights [out_depth][in_depth], int32 bias. */
#ifndef EAT_FULLY_CONNECTED_H
#define EAT_FULLY_CONNECTED_H

#include "eat/common.h"
#include "eat/requant.h"

typedef struct {
    int32_t batches, in_depth, out_depth;
    int32_t input_offset;    /* -input zero point */
    int32_t filter_offset;   /* -weights zero point (0 for symmetric int8) */
    int32_t output_offset;   /* output zero point */
    int32_t output_multiplier, output_shift;     /* per-tensor requantization */
    const int32_t *per_channel_multiplier;       /* per-channel: [out_depth], else NULL */
    const int32_t *per_channel_shift;
    int32_t act_min, act_max;
} eat_fully_connected_s8_params_t;

/* Output o of an accumulator: row o's multiplier and shift when per-channel, else the tensor's (the
 * folded, dsp, dsp4 and rv32 kernels). */
static inline int8_t eat_fully_connected_s8_out(const eat_fully_connected_s8_params_t *p, int32_t acc, int32_t o)
{
    const int32_t mult = p->per_channel_multiplier != NULL ? p->per_channel_multiplier[o] : p->output_multiplier;
    const int32_t shift = p->per_channel_shift != NULL ? p->per_channel_shift[o] : p->output_shift;
    return eat_requant_s8(acc, mult, shift, p->output_offset, p->act_min, p->act_max);
}

size_t eat_fully_connected_s8_scratch_bytes(const eat_fully_connected_s8_params_t *p);
void eat_fully_connected_s8(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                            const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* Variants chosen by the compiler's registry: bias with input_offset * sum(row) folded in,
 * filter_offset 0 (symmetric weights). */
size_t eat_fully_connected_s8_folded_scratch_bytes(const eat_fully_connected_s8_params_t *p);   /* 0 */
void eat_fully_connected_s8_folded(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                   const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);
/* ARMv7E-M DSP (runtime/src/armv7em/). dsp4: in_depth % 4 == 0, weights in layout rows4_k4_interleaved;
 * dsp16: int16 weights in layout oc4_k2_w16. Scratch: the input expanded to 2 bytes per value. */
size_t eat_fully_connected_s8_dsp16_scratch_bytes(const eat_fully_connected_s8_params_t *p);
void eat_fully_connected_s8_dsp16(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                  const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);
size_t eat_fully_connected_s8_dsp4_scratch_bytes(const eat_fully_connected_s8_params_t *p);
void eat_fully_connected_s8_dsp4(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                 const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);
size_t eat_fully_connected_s8_dsp_scratch_bytes(const eat_fully_connected_s8_params_t *p);      /* 0 */
void eat_fully_connected_s8_dsp(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

#endif
