/* The receptive window the sparse CONV_2D / DEPTHWISE_CONV_2D kernels read at the input's border. */
#include "eat/sparse.h"

void eat_sparse_window_fill(int8_t *win, int32_t win_w, const int8_t *input, int32_t in_h, int32_t in_w, int32_t in_c,
                            int32_t b, int32_t iy0, int32_t ix0, int32_t kh_eff, int32_t kw_eff, int8_t pad)
{
    const int32_t row = win_w * in_c;
    int32_t r, c, k;
    for (r = 0; r < kh_eff; ++r) {
        const int32_t iy = iy0 + r;
        int8_t *dst = win + r * row;
        for (c = 0; c < kw_eff; ++c) {
            const int32_t ix = ix0 + c;
            int8_t *d = dst + c * in_c;
            if (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w) {
                for (k = 0; k < in_c; ++k) {
                    d[k] = pad;
                }
            } else {
                const int8_t *s = input + ((b * in_h + iy) * in_w + ix) * in_c;
                for (k = 0; k < in_c; ++k) {
                    d[k] = s[k];
                }
            }
        }
    }
}
