// Unfolding image patches into a column matrix and folding columns back into an image
// (im2col and its adjoint col2im): the memory-bound passes around the convolutions' matrix
// products. They are in C so that each loop is also compiled for AVX2 and picked at load time
// (`target_clones`): the package's Swift code builds for the x86-64 baseline, SSE2, and the
// strided gathers and scatters of stride-2 convolutions stay scalar there.

#include "ckernels.h"
#include "clones.h"

// The output columns ow whose input column ow*s - p + kj lies inside 0..<width: [*low, *high).
static inline void valid_columns(const ck_patch_shape *g, int kj, int *low, int *high) {
    int s = g->stride, p = g->padding;
    int lo = (p - kj + s - 1) / s;
    if (lo < 0) lo = 0;
    int last = g->width - 1 + p - kj;
    int hi = last < 0 ? 0 : last / s + 1;
    if (hi > g->out_width) hi = g->out_width;
    *low = lo;
    *high = hi < lo ? lo : hi;
}

CLONES
void ck_unfold(const float *image, const ck_patch_shape *g, float *columns, long row_begin, long row_end) {
    const int k = g->kernel, s = g->stride, p = g->padding, ow_count = g->out_width;
    const long positions = (long)g->out_height * ow_count, row_length = g->samples * positions;
    const long image_size = (long)g->height * g->width;
    for (long row = row_begin; row < row_end; row++) {
        const int c = (int)(row / (k * k)), ki = (int)(row % (k * k)) / k, kj = (int)(row % k);
        int lo, hi;
        valid_columns(g, kj, &lo, &hi);
        const int shift = kj - p;
        for (int n = 0; n < g->samples; n++) {
            const float *source = image + ((long)n * g->channels + c) * image_size;
            float *target = columns + row * row_length + n * positions;
            for (int oh = 0; oh < g->out_height; oh++, target += ow_count) {
                const int ih = oh * s - p + ki;
                // Plain loops rather than memset and memcpy: rows are often 4 to 16 floats long,
                // where a library call costs more than the copy.
                if (ih < 0 || ih >= g->height || lo >= hi) {
                    for (int o = 0; o < ow_count; o++) target[o] = 0;
                    continue;
                }
                const float *line = source + (long)ih * g->width;
                for (int o = 0; o < lo; o++) target[o] = 0;
                if (s == 1) {
                    for (int o = lo; o < hi; o++) target[o] = line[o + shift];
                } else if (s == 2) {
                    // A constant stride lets the vectoriser load pairs and keep the even lanes.
                    for (int o = lo; o < hi; o++) target[o] = line[2 * o + shift];
                } else {
                    for (int o = lo; o < hi; o++) target[o] = line[o * s + shift];
                }
                for (int o = hi; o < ow_count; o++) target[o] = 0;
            }
        }
    }
}

// Image row ih of one plane, for the DCGAN geometry (kernel 4, stride 2, padding 1, width =
// 2 * out_width), from kernel row ki at output row oh: the four kernel columns write interleaved
// even (kj 1 and 3) and odd (kj 0 and 2) image columns, so one pass writes the whole row.
static inline void fold_row_k4s2p1(const float *c0, const float *c1, const float *c2, const float *c3,
                                   int ow_count, float *line) {
    // Even column 2j: kj=1 at ow=j and kj=3 at ow=j-1; odd column 2j+1: kj=2 at ow=j and kj=0 at ow=j+1.
    line[0] += c1[0];
    if (ow_count == 1) {
        line[1] += c2[0];
        return;
    }
    line[1] += c2[0] + c0[1];
    for (int j = 1; j < ow_count - 1; j++) {
        line[2 * j] += c1[j] + c3[j - 1];
        line[2 * j + 1] += c2[j] + c0[j + 1];
    }
    const int j = ow_count - 1;
    line[2 * j] += c1[j] + c3[j - 1];
    line[2 * j + 1] += c2[j];
}

CLONES
void ck_fold(const float *columns, const ck_patch_shape *g, float *image, int channel_begin, int channel_end) {
    const int k = g->kernel, s = g->stride, p = g->padding, ow_count = g->out_width;
    const long positions = (long)g->out_height * ow_count, row_length = g->samples * positions;
    const long image_size = (long)g->height * g->width;
    const int dcgan = k == 4 && s == 2 && p == 1 && g->width == 2 * ow_count;
    for (int c = channel_begin; c < channel_end; c++) {
        for (int n = 0; n < g->samples; n++) {
            float *target = image + ((long)n * g->channels + c) * image_size;
            const float *taps = columns + (long)c * k * k * row_length + n * positions;
            if (dcgan) {
                for (int ki = 0; ki < 4; ki++) {
                    const float *row0 = taps + (long)(ki * 4) * row_length;
                    for (int oh = 0; oh < g->out_height; oh++) {
                        const int ih = 2 * oh - 1 + ki;
                        if (ih < 0 || ih >= g->height) continue;
                        const float *c0 = row0 + (long)oh * ow_count;
                        fold_row_k4s2p1(c0, c0 + row_length, c0 + 2 * row_length, c0 + 3 * row_length, ow_count,
                                        target + (long)ih * g->width);
                    }
                }
                continue;
            }
            for (int ki = 0; ki < k; ki++) {
                for (int kj = 0; kj < k; kj++) {
                    int lo, hi;
                    valid_columns(g, kj, &lo, &hi);
                    if (lo >= hi) continue;
                    const float *source = taps + (long)(ki * k + kj) * row_length;
                    for (int oh = 0; oh < g->out_height; oh++, source += ow_count) {
                        const int ih = oh * s - p + ki;
                        if (ih < 0 || ih >= g->height) continue;
                        float *line = target + (long)ih * g->width + kj - p;
                        for (int o = lo; o < hi; o++) line[o * s] += source[o];
                    }
                }
            }
        }
    }
}
