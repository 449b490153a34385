/* FULLY_CONNECTED float32 with pruned weights stored by rows: only the nonzero weights of each
 * output row, with their input indices (ascending). Same parameters as the dense kernel. */
#ifndef EAT_FULLY_CONNECTED_F32_SPARSE_H
#define EAT_FULLY_CONNECTED_F32_SPARSE_H

#include "eat/fully_connected_f32.h"

typedef struct {
    const int32_t *row_start;        /* [out_depth + 1]: row o's weights are [row_start[o], row_start[o+1]) */
    const uint16_t *cols;            /* input index of each stored weight, ascending within a row */
    const float *values;             /* the nonzero weights */
} eat_weights_f32_sparse_rows_t;

void eat_fully_connected_f32_sparse_rows(const eat_fully_connected_f32_params_t *p,
                                         const eat_weights_f32_sparse_rows_t *w, const float *bias,
                                         const float *input, float *output);

#endif
