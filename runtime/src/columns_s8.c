/* FULLY_CONNECTED and CONV_2D over their kept input columns (eat/columns.h): a few rows' kept inputs gathered
 * into scratch, then the core's dense kernel over them (a FC of depth K', or a 1x1 conv of K' channels over a
 * row of pixels). Portable C; the dense kernel it calls is the core's own (the compiler's registry). */
#include "eat/columns.h"

static size_t gathered_bytes(const eat_columns_gather_t *g)
{
    return ((size_t)g->per_pass * (size_t)g->kept + 3u) & ~(size_t)3u;
}

size_t eat_fully_connected_s8_columns_scratch_bytes(const eat_fully_connected_s8_columns_params_t *p)
{
    return gathered_bytes(&p->g) + p->dense_scratch;
}

size_t eat_conv2d_s8_columns_scratch_bytes(const eat_conv2d_s8_columns_params_t *p)
{
    return gathered_bytes(&p->g) + p->dense_scratch;
}

/* dst[j] = src[cols[j]] for j < n */
static void gather(const int8_t *src, const uint16_t *cols, int32_t n, int8_t *dst)
{
    int32_t j = 0;
    for (; j + 3 < n; j += 4) {
        const int8_t a = src[cols[j]], b = src[cols[j + 1]], c = src[cols[j + 2]], d = src[cols[j + 3]];
        dst[j] = a;
        dst[j + 1] = b;
        dst[j + 2] = c;
        dst[j + 3] = d;
    }
    for (; j < n; ++j) {
        dst[j] = src[cols[j]];
    }
}

void eat_columns_gather_fc(const eat_columns_gather_t *g, const int8_t *input, int32_t row, int8_t *dst)
{
    gather(input + row * g->row_depth, g->cols, g->kept, dst);
}

void eat_columns_gather_conv(const eat_columns_gather_t *g, const int8_t *input, int32_t row, int8_t *dst)
{
    const int32_t per_image = g->out_h * g->out_w;
    const int32_t r = row % per_image;
    const int32_t y0 = (r / g->out_w) * g->stride_h - g->pad_h;
    const int32_t x0 = (r % g->out_w) * g->stride_w - g->pad_w;
    const int8_t *img = input + (row / per_image) * g->in_h * g->in_w * g->in_c;
    const int32_t kh = (g->k_h - 1) * g->dilation_h + 1, kw = (g->k_w - 1) * g->dilation_w + 1;
    const int32_t n = g->kept, base = (y0 * g->in_w + x0) * g->in_c;
    int32_t j;
    if (y0 >= 0 && x0 >= 0 && y0 + kh <= g->in_h && x0 + kw <= g->in_w) {
        gather(img + base, g->cols, n, dst);
        return;
    }
    for (j = 0; j < n; ++j) {   /* a border pixel: each tap tested */
        const int32_t iy = y0 + (g->taps[j] >> 4) * g->dilation_h, ix = x0 + (g->taps[j] & 15) * g->dilation_w;
        dst[j] = (iy >= 0 && iy < g->in_h && ix >= 0 && ix < g->in_w) ? img[base + g->cols[j]] : (int8_t)g->zero_point;
    }
}

typedef void (*eat_columns_row_fn)(const eat_columns_gather_t *g, const int8_t *input, int32_t row, int8_t *dst);

/* Rows r0.. of a pass (at most per_pass) gathered into rows, K' bytes each; returns how many. */
static int32_t gather_pass(const eat_columns_gather_t *g, const int8_t *input, int32_t r0, int8_t *rows,
                           eat_columns_row_fn fill)
{
    const int32_t n = g->rows - r0 < g->per_pass ? g->rows - r0 : g->per_pass;
    int32_t i;
    for (i = 0; i < n; ++i) {
        fill(g, input, r0 + i, rows + i * g->kept);
    }
    return n;
}

void eat_fully_connected_s8_columns(const eat_fully_connected_s8_columns_params_t *p, const eat_weights_s8_t *w,
                                    const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    int8_t *rows = (int8_t *)scratch;
    eat_fully_connected_s8_params_t fc = p->fc;
    int32_t r0;
    for (r0 = 0; r0 < p->g.rows; r0 += p->g.per_pass) {
        fc.batches = gather_pass(&p->g, input, r0, rows, eat_columns_gather_fc);
        p->dense(&fc, w, bias, rows, output + r0 * fc.out_depth, rows + gathered_bytes(&p->g));
    }
}

void eat_conv2d_s8_columns(const eat_conv2d_s8_columns_params_t *p, const eat_weights_s8_t *w,
                           const int32_t *bias, const int8_t *input, int8_t *output, void *scratch)
{
    int8_t *rows = (int8_t *)scratch;
    eat_conv2d_s8_params_t conv = p->conv;   /* a row of in_w = out_w pixels */
    int32_t r0;
    for (r0 = 0; r0 < p->g.rows; r0 += p->g.per_pass) {
        conv.in_w = conv.out_w = gather_pass(&p->g, input, r0, rows, eat_columns_gather_conv);
        p->dense(&conv, w, bias, rows, output + r0 * conv.out_c, rows + gathered_bytes(&p->g));
    }
}
