/* FULLY_CONNECTED and CONV_2D whose weights are zero in whole input columns (`--prune 2:4xall` leaves half of
 * them so): the kept columns of a few rows gathered into scratch, then the core's dense kernel over them, the
 * layer half as deep.
 *
 * A column is one input of a FC row, or one tap (fy, fx, ic) of a conv's receptive field. Where every output
 * channel's weight is zero the product is zero for any input, so the layer equals a dense layer over the kept
 * columns: a FC of depth K' (the FC form), or a 1x1 conv of K' input channels over a row of gathered pixels (the
 * conv form). Its weights are the kept columns' (weights.data, in the dense kernel's own layout), its bias that
 * kernel's folded bias, and a padded tap gathers the input zero point (x + input_offset = 0, as TFLM skips it).
 * Bit-exact whenever the dense kernel is. The compiler (pipeline/compiler/columns.py) finds the columns, picks
 * the dense kernel from the core's registry and writes the tables. */
#ifndef EAT_COLUMNS_H
#define EAT_COLUMNS_H

#include "eat/common.h"
#include "eat/conv.h"
#include "eat/fully_connected.h"

/* Which inputs a row gathers. */
typedef struct {
    int32_t rows;            /* rows in all: FC batches; conv batches * out_h * out_w output pixels */
    int32_t kept;            /* K': kept columns per row */
    int32_t per_pass;        /* rows gathered per call of the dense kernel (the last pass may take fewer) */
    const uint16_t *cols;    /* per kept column its offset in the input: FC in the row; conv from the window
                                origin, (fy * dilation_h * in_w + fx * dilation_w) * in_c + ic */
    const uint8_t *taps;     /* conv: per kept column fy << 4 | fx (the border pixels' test); FC: NULL */
    int32_t row_depth;       /* FC: the input row's length */
    /* CONV_2D: the layer's own geometry and the input zero point (a padded tap's value) */
    int32_t in_h, in_w, in_c, out_h, out_w, k_h, k_w;
    int32_t stride_h, stride_w, dilation_h, dilation_w, pad_h, pad_w;
    int32_t zero_point;
} eat_columns_gather_t;

typedef void (*eat_fully_connected_s8_fn)(const eat_fully_connected_s8_params_t *p, const eat_weights_s8_t *w,
                                          const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);
typedef void (*eat_conv2d_s8_fn)(const eat_conv2d_s8_params_t *p, const eat_weights_s8_t *w,
                                 const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* FC form: fc is the dense FC over the kept columns (in_depth K', batches per_pass). */
typedef struct {
    eat_columns_gather_t g;
    eat_fully_connected_s8_params_t fc;
    eat_fully_connected_s8_fn dense;   /* the core's dense FULLY_CONNECTED kernel (the compiler's registry) */
    uint32_t dense_scratch;            /* its scratch bytes, after the gathered rows */
} eat_fully_connected_s8_columns_params_t;

/* Conv form: conv is the dense 1x1 conv over a row of per_pass gathered pixels of K' channels. */
typedef struct {
    eat_columns_gather_t g;
    eat_conv2d_s8_params_t conv;
    eat_conv2d_s8_fn dense;            /* the core's dense CONV_2D kernel for that 1x1 conv */
    uint32_t dense_scratch;
} eat_conv2d_s8_columns_params_t;

/* Scratch: round_up(per_pass * K', 4) + dense_scratch. */
size_t eat_fully_connected_s8_columns_scratch_bytes(const eat_fully_connected_s8_columns_params_t *p);
void eat_fully_connected_s8_columns(const eat_fully_connected_s8_columns_params_t *p, const eat_weights_s8_t *w,
                                    const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);
size_t eat_conv2d_s8_columns_scratch_bytes(const eat_conv2d_s8_columns_params_t *p);
void eat_conv2d_s8_columns(const eat_conv2d_s8_columns_params_t *p, const eat_weights_s8_t *w,
                           const int32_t *bias, const int8_t *input, int8_t *output, void *scratch);

/* Row `row`'s kept inputs into dst (K' bytes): FC form and conv form (padding: the zero point). */
void eat_columns_gather_fc(const eat_columns_gather_t *g, const int8_t *input, int32_t row, int8_t *dst);
void eat_columns_gather_conv(const eat_columns_gather_t *g, const int8_t *input, int32_t row, int8_t *dst);

#endif
