/* Edge-AI-Tiny runtime: shared types and integer fixed-point helpers.
 *
 * The rounding helpers reproduce TFLM's reference arithmetic bit for bit:
 * MultiplyByQuantizedMultiplier is the "double rounding" form (a saturating rounding doubling
 * high multiply, then a rounding divide by a power of two), which is what the tflite-micro
 * reference kernels use unless TFLITE_SINGLE_ROUNDING is defined. Define EAT_SINGLE_ROUNDING to
 * get the single-rounding form instead.  No floating point anywhere: Cortex-M0+ has no FPU. */
#ifndef EAT_COMMON_H
#define EAT_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    EAT_WEIGHTS_DENSE = 0,      /* dense values in the op's natural layout; index == NULL */
    EAT_WEIGHTS_SPARSE_D4 = 1,  /* non-zeros per output channel + 4-bit offset deltas: eat/sparse.h */
    EAT_WEIGHTS_SPARSE_2OF4 = 2, /* at most 2 non-zeros per group of 4: 2 values + 2-bit positions: eat/sparse_2of4.h */
    EAT_WEIGHTS_SPARSE_2OF4_DW = 3, /* depthwise, 2 of every 4 taps: per-channel records: eat/sparse_2of4.h */
    EAT_WEIGHTS_SPARSE_P8 = 4,  /* FULLY_CONNECTED, in_depth <= 256: per row a count, (weight, position) byte pairs: eat/sparse_p8.h */
    EAT_WEIGHTS_SPARSE_2OF4_R4 = 5, /* 2:4 whose positions blocks of 4 channels share: 4 weights per slot: eat/sparse_2of4.h */
    EAT_WEIGHTS_SPARSE_2OF4_R4P = 6 /* the same, each group's weights in channel pairs (the M4/M7 kernels): eat/sparse_2of4.h */
} eat_weight_format_t;

/* Weights are described apart from geometry so that other encodings slot in later. */
typedef struct {
    eat_weight_format_t format;
    const int8_t *data;
    const void *index;
    uint32_t data_bytes, index_bytes;
} eat_weights_s8_t;

static inline int32_t eat_min_i32(int32_t a, int32_t b) { return a < b ? a : b; }
static inline int32_t eat_max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
static inline int32_t eat_clamp_i32(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/* x * 2^shift with wrap-around (no undefined behaviour on overflow). */
static inline int32_t eat_shl_wrap(int32_t x, int shift)
{
    return (int32_t)((uint32_t)x << shift);
}

/* gemmlowp SaturatingRoundingDoublingHighMul. */
static inline int32_t eat_srdhm(int32_t a, int32_t b)
{
    int64_t ab;
    int64_t nudge;
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    ab = (int64_t)a * (int64_t)b;
    nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));   /* C division truncates toward 0 */
}

/* gemmlowp RoundingDivideByPOT: round half away from zero. exponent in [0, 31]. */
static inline int32_t eat_rdbpot(int32_t x, int exponent)
{
    const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* TFLM MultiplyByQuantizedMultiplier(x, multiplier, shift); shift > 0 is a left shift. */
static inline int32_t eat_mbqm(int32_t x, int32_t multiplier, int32_t shift)
{
#ifdef EAT_SINGLE_ROUNDING
    const int64_t total_shift = 31 - shift;
    const int64_t round = (int64_t)1 << (total_shift - 1);
    const int64_t result = ((int64_t)x * (int64_t)multiplier + round) >> total_shift;
    return (int32_t)result;
#else
    const int left = shift > 0 ? shift : 0;
    const int right = shift > 0 ? 0 : -shift;
    return eat_rdbpot(eat_srdhm(eat_shl_wrap(x, left), multiplier), right);
#endif
}

/* TFLM MultiplyByQuantizedMultiplierSmallerThanOneExp (shift <= 0). */
static inline int32_t eat_mbqm_smaller_than_one(int32_t x, int32_t multiplier, int32_t shift)
{
#ifdef EAT_SINGLE_ROUNDING
    return eat_mbqm(x, multiplier, shift);
#else
    return eat_rdbpot(eat_srdhm(x, multiplier), -shift);
#endif
}

/* TFLM MultiplyByQuantizedMultiplierGreaterThanOne (left_shift >= 0). */
static inline int32_t eat_mbqm_greater_than_one(int32_t x, int32_t multiplier, int32_t left_shift)
{
#ifdef EAT_SINGLE_ROUNDING
    return eat_mbqm(x, multiplier, left_shift);
#else
    return eat_srdhm(eat_shl_wrap(x, left_shift), multiplier);
#endif
}

/* Most dimensions a broadcast operand may have (TFLM's broadcast kernels go to 6). */
#define EAT_MAX_DIMS 6

/* Walking two broadcast operands in output order (ADD, MUL): the cursor holds the output's
 * multi-index and each operand's element offset; a broadcast dimension has stride 0. */
typedef struct {
    int32_t idx[EAT_MAX_DIMS];
    int32_t off1, off2;
} eat_bcast_cursor_t;

/* Moves to the next output element, innermost dimension fastest. */
static inline void eat_bcast_next(eat_bcast_cursor_t *c, int32_t ndims, const int32_t *dims,
                                  const int32_t *stride1, const int32_t *stride2)
{
    for (int32_t d = ndims - 1; d >= 0; --d) {
        ++c->idx[d];
        c->off1 += stride1[d];
        c->off2 += stride2[d];
        if (c->idx[d] < dims[d]) {
            return;
        }
        c->off1 -= stride1[d] * c->idx[d];
        c->off2 -= stride2[d] * c->idx[d];
        c->idx[d] = 0;
    }
}

#ifdef __cplusplus
}
#endif

#endif /* EAT_COMMON_H */
