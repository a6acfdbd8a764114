// Winograd transforms for the DCGAN geometry (kernel 4, stride 2, padding 1), both ways.
//
// Along one axis, both Conv2d's and ConvTranspose2d's outputs split into two phases, and each
// phase is a stride-1 correlation with two of the kernel's four taps. Winograd's F(2,2) computes
// two outputs of a two-tap correlation from three inputs with three products instead of four:
//   d' = (d0 - d1, d1, d2 - d1),  g' = (g0, g0 + g1, g1),  y = (m0 + m1, m1 + m2) with m = d' g'.
// On a 2-D tile the two phases per axis make 6 x 6 = 36 transformed points, and every point is
// one matrix product over channels (out x in times in x tiles): 36 products where the direct
// convolution makes 64 per tile, 1.78 times fewer multiplications. The transforms only add and
// subtract, so they lose no more precision than the direct sums.
//
// A tile is two by two of the small side's positions: ConvTranspose2d's input (it writes the
// 4 x 4 output block above them) or Conv2d's output (it reads the 6 x 6 input block under them).
// The transforms work on eight channels at once (one AVX2 vector): the input is first copied
// into blocks of eight channels with a zero border, and the transformed input and products keep
// the channels innermost ([point][tile][channel]), so every load and store is a whole vector.
// Where the products' side meets the NCHW tensors (the outputs, their gradients) and in the
// weight transform, eight channels at eight positions go through registers as one 8 x 8
// transpose.

#include "ckernels.h"
#include "clones.h"

// Per phase, the input positions of the three transformed values relative to the patch origin
// (the tile's first input row or column minus one), and the kernel taps of the two-tap filter.
// ConvTranspose2d: y[2i] = x[i-1] w3 + x[i] w1 (even outputs), y[2i+1] = x[i] w2 + x[i+1] w0 (odd).
static const int up_rows[2][3] = {{0, 1, 2}, {1, 2, 3}};
static const int up_taps[2][2] = {{3, 1}, {2, 0}};
// Conv2d: y[o] = x[2o] w1 + x[2o+2] w3 (even inputs) + x[2o-1] w0 + x[2o+1] w2 (odd inputs).
static const int down_rows[2][3] = {{1, 3, 5}, {0, 2, 4}};
static const int down_taps[2][2] = {{1, 3}, {0, 2}};

// The loops below are written once and inlined into each direction with its constants (the
// stride between tiles, the patch side, the phase rows), so that the index arithmetic folds.
#define INLINE static inline __attribute__((always_inline))

// Where the 4 x 4 kernel from input channel i to output channel o starts in the weight:
// ConvTranspose2d's weight is [in, out, 4, 4], Conv2d's [out, in, 4, 4].
static inline long kernel_offset(const ck_winograd_shape *g, int o, int i) {
    return g->transposed ? ((long)i * g->out_channels + o) * 16 : ((long)o * g->in_channels + i) * 16;
}

// Eight channels; aligned(4) lets a vector be loaded from any float.
typedef float lanes __attribute__((vector_size(32), aligned(4)));

// r[i][j] -> r[j][i] for the 8 x 8 floats of eight vectors: pairs, then quads, then halves
// trade places (AVX2 does it in 24 shuffles).
INLINE void transpose8(lanes r[8]) {
    lanes pairs[8], quads[8];
    for (int i = 0; i < 8; i += 2) {
        pairs[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
        pairs[i + 1] = __builtin_shufflevector(r[i], r[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
    }
    for (int i = 0; i < 8; i += 4) {
        quads[i] = __builtin_shufflevector(pairs[i], pairs[i + 2], 0, 1, 8, 9, 4, 5, 12, 13);
        quads[i + 1] = __builtin_shufflevector(pairs[i], pairs[i + 2], 2, 3, 10, 11, 6, 7, 14, 15);
        quads[i + 2] = __builtin_shufflevector(pairs[i + 1], pairs[i + 3], 0, 1, 8, 9, 4, 5, 12, 13);
        quads[i + 3] = __builtin_shufflevector(pairs[i + 1], pairs[i + 3], 2, 3, 10, 11, 6, 7, 14, 15);
    }
    for (int j = 0; j < 4; j++) {
        r[j] = __builtin_shufflevector(quads[j], quads[j + 4], 0, 1, 2, 3, 8, 9, 10, 11);
        r[j + 4] = __builtin_shufflevector(quads[j], quads[j + 4], 4, 5, 6, 7, 12, 13, 14, 15);
    }
}

// Four floats, for rows of four outputs.
typedef float quad __attribute__((vector_size(16), aligned(4)));

// Eight rows of `stride` floats from `source` as vectors, those from `count` on zero; with
// `width` 4 only each row's first four floats (the rest zero).
INLINE void load_rows(lanes r[8], const float *source, long stride, int count, int width) {
    for (int l = 0; l < 8; l++) {
        if (l >= count) {
            r[l] = (lanes){0};
        } else if (width == 8) {
            r[l] = *(const lanes *)(source + l * stride);
        } else {
            r[l] = __builtin_shufflevector(*(const quad *)(source + l * stride), (quad){0}, 0, 1, 2, 3, 4, 5, 6, 7);
        }
    }
}

// The first `width` (8 or 4) floats of rows [0, count) to `count` rows `stride` floats apart.
INLINE void store_rows(const lanes r[8], float *target, long stride, int count, int width) {
    for (int l = 0; l < count; l++) {
        if (width == 8) {
            *(lanes *)(target + l * stride) = r[l];
        } else {
            *(quad *)(target + l * stride) = __builtin_shufflevector(r[l], r[l], 0, 1, 2, 3);
        }
    }
}

// How many outputs of a row tile `tx` starts a run of, given `span` outputs per tile: 8 when
// the tiles from it make a whole row of eight within the image and the block, else 4 for a row
// of four, else 0 (the tile goes alone, float by float).
INLINE int run_width(const ck_winograd_shape *g, long t, long tile_end, int tx, int span) {
    for (int width = 8; width >= 4; width /= 2) {
        const int tiles = width / span;
        if (tiles >= 1 && t + tiles <= tile_end && tx + tiles <= g->tiles_x && tx * span + width <= g->out_width) return width;
    }
    return 0;
}

// Walks the output in its own order (panel, input channel, half panel): the eight kernels of a
// half panel are loaded as rows and transposed, so that each tap is a vector over eight output
// channels and each of the 36 points' planes is written eight floats at a time.
CLONES
void ck_winograd_weights(const ck_winograd_shape *g, const float *weight, float *u, int panel_begin, int panel_end) {
    const int (*taps)[2] = g->transposed ? up_taps : down_taps;
    const long plane = ck_winograd_weight_plane(g);
    // From one output channel's kernel to the next: [in, out, 4, 4] or [out, in, 4, 4].
    const long stride = g->transposed ? 16 : (long)g->in_channels * 16;
    for (int panel = panel_begin; panel < panel_end; panel++) {
        for (int i = 0; i < g->in_padded; i++) {
            for (int half = 0; half < 2; half++) {
                const int o = panel * 16 + half * 8;
                const int count = i < g->in_channels ? (g->out_channels - o < 8 ? g->out_channels - o : 8) : 0;
                lanes k[16];
                const float *first = weight + (count > 0 ? kernel_offset(g, o, i) : 0);
                load_rows(k, first, stride, count, 8);
                load_rows(k + 8, first + 8, stride, count, 8);
                transpose8(k);
                transpose8(k + 8);
                float *row = u + ((long)panel * g->in_padded + i) * 16 + half * 8;
                for (int py = 0; py < 2; py++) {
                    for (int px = 0; px < 2; px++) {
                        // G k G^T with G = [1 0; 1 1; 0 1]: this phase pair's 2 x 2 taps to 3 x 3 points.
                        const lanes a0 = k[taps[py][0] * 4 + taps[px][0]], a1 = k[taps[py][0] * 4 + taps[px][1]];
                        const lanes c0 = k[taps[py][1] * 4 + taps[px][0]], c1 = k[taps[py][1] * 4 + taps[px][1]];
                        const lanes b0 = a0 + c0, b1 = a1 + c1;
                        const lanes values[3][3] = {{a0, a0 + a1, a1}, {b0, b0 + b1, b1}, {c0, c0 + c1, c1}};
                        for (int r = 0; r < 3; r++) {
                            for (int c = 0; c < 3; c++) *(lanes *)(row + ((py * 3 + r) * 6 + px * 3 + c) * plane) = values[r][c];
                        }
                    }
                }
            }
        }
    }
}

CLONES
void ck_winograd_block_input(const ck_winograd_shape *g, const float *input, float *blocked, long item_begin,
                             long item_end) {
    const int blocks = g->in_padded / 8, ph = g->patch_height, pw = g->patch_width;
    const long image = (long)g->height * g->width;
    for (long item = item_begin; item < item_end; item++) {
        const long n = item / blocks;
        const int block = (int)(item % blocks);
        float *target = blocked + item * ph * pw * 8;
        for (long e = 0; e < (long)ph * pw * 8; e++) target[e] = 0;
        for (int l = 0; l < 8; l++) {
            const int c = block * 8 + l;
            if (c >= g->in_channels) break;
            const float *x = input + (n * g->in_channels + c) * image;
            // Image (y, x) sits at (y + 1, x + 1): a zero border of one above and to the left.
            for (int y = 0; y < g->height && y + 1 < ph; y++) {
                float *line = target + ((long)(y + 1) * pw + 1) * 8 + l;
                const int width = g->width + 1 < pw ? g->width : pw - 1;
                for (int xx = 0; xx < width; xx++) line[xx * 8] = x[(long)y * g->width + xx];
            }
        }
    }
}

INLINE void transform_input(const ck_winograd_shape *g, const float *blocked, float *v, long tile_begin, long tile_end,
                            int block_begin, int block_end, const int step, const int side, const int rows[2][3]) {
    const int blocks = g->in_padded / 8, ph = g->patch_height, pw = g->patch_width;
    const long per_sample = (long)g->tiles_y * g->tiles_x, plane = g->input_plane;
    for (long t = tile_begin; t < tile_end; t++) {
        const long n = t / per_sample;
        const int ty = (int)(t % per_sample) / g->tiles_x, tx = (int)(t % per_sample) % g->tiles_x;
        for (int block = block_begin; block < block_end; block++) {
            const float *patch = blocked + ((((n * blocks + block) * ph) + (long)ty * step) * pw + (long)tx * step) * 8;
            lanes mixed[6][6];
            for (int py = 0; py < 2; py++) {
                const float *d0 = patch + (long)rows[py][0] * pw * 8, *d1 = patch + (long)rows[py][1] * pw * 8;
                const float *d2 = patch + (long)rows[py][2] * pw * 8;
                for (int b = 0; b < side; b++) {
                    const lanes a0 = *(const lanes *)(d0 + b * 8), a1 = *(const lanes *)(d1 + b * 8);
                    const lanes a2 = *(const lanes *)(d2 + b * 8);
                    mixed[py * 3][b] = a0 - a1;
                    mixed[py * 3 + 1][b] = a1;
                    mixed[py * 3 + 2][b] = a2 - a1;
                }
            }
            float *target = v + (t - tile_begin) * g->in_padded + block * 8;
            for (int r = 0; r < 6; r++) {
                for (int px = 0; px < 2; px++) {
                    const lanes a0 = mixed[r][rows[px][0]], a1 = mixed[r][rows[px][1]], a2 = mixed[r][rows[px][2]];
                    float *point = target + (long)(r * 6 + px * 3) * plane;
                    *(lanes *)point = a0 - a1;
                    *(lanes *)(point + plane) = a1;
                    *(lanes *)(point + 2 * plane) = a2 - a1;
                }
            }
        }
    }
}

CLONES
void ck_winograd_input(const ck_winograd_shape *g, const float *blocked, float *v, long tile_begin, long tile_end,
                       int block_begin, int block_end) {
    if (g->transposed) {
        transform_input(g, blocked, v, tile_begin, tile_end, block_begin, block_end, 2, 4, up_rows);
    } else {
        transform_input(g, blocked, v, tile_begin, tile_end, block_begin, block_end, 4, 6, down_rows);
    }
}

// The outputs of one tile for eight output channels from its 36 products (planes `plane` apart
// from `source`) plus the eight channels' `bias`: 4 x 4 for ConvTranspose2d (phase (py, px) at (2a + py, 2e + px)),
// 2 x 2 for Conv2d (every phase pair adds into all four).
INLINE void tile_outputs(const float *source, long plane, const float bias[8], lanes out[4][4], const int transposed) {
    for (int a = 0; a < 4; a++) {
        for (int e = 0; e < 4; e++) out[a][e] = *(const lanes *)bias;
    }
    for (int py = 0; py < 2; py++) {
        for (int px = 0; px < 2; px++) {
            lanes q[3][3];
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) q[i][j] = *(const lanes *)(source + (long)((py * 3 + i) * 6 + px * 3 + j) * plane);
            }
            for (int a = 0; a < 2; a++) {
                const lanes r0 = q[a][0] + q[a + 1][0], r1 = q[a][1] + q[a + 1][1], r2 = q[a][2] + q[a + 1][2];
                if (transposed) {
                    out[2 * a + py][px] += r0 + r1;
                    out[2 * a + py][2 + px] += r1 + r2;
                } else {
                    out[a][0] += r0 + r1;
                    out[a][1] += r1 + r2;
                }
            }
        }
    }
}

// Tiles go in runs side by side where they make whole rows of eight (or four) outputs: each
// such row of eight channels is transposed in registers and stored a channel's eight (four)
// floats at a time. The other tiles store float by float.
// A lane mask: all ones where a comparison holds.
typedef int mask __attribute__((vector_size(32), aligned(4)));

INLINE void transform_output(const ck_winograd_shape *g, const float *m, const ck_epilogue *epilogue, float *output,
                             long tile_begin, long tile_end, const int transposed) {
    const int blocks = g->out_padded / 8, span = transposed ? 4 : 2;
    const long per_sample = (long)g->tiles_y * g->tiles_x, plane = g->product_plane;
    const long image = (long)g->out_height * g->out_width;
    for (long t = tile_begin; t < tile_end;) {
        const long n = t / per_sample;
        const int ty = (int)(t % per_sample) / g->tiles_x, tx = (int)(t % per_sample) % g->tiles_x;
        const int width = run_width(g, t, tile_end, tx, span), tiles = width ? width / span : 1;
        for (int block = 0; block < blocks; block++) {
            const int count = g->out_channels - block * 8 < 8 ? g->out_channels - block * 8 : 8;
            float scale[8] = {0}, shift[8] = {0}, none[8] = {0};
            for (int l = 0; l < count; l++) {
                scale[l] = epilogue->scale ? epilogue->scale[block * 8 + l] : 1;
                shift[l] = epilogue->shift ? epilogue->shift[block * 8 + l] : 0;
            }
            // ReLU is the leaky one with slope 0.
            const lanes slope = (lanes){0} + (epilogue->activation == CK_LEAKY_RELU ? epilogue->slope : 0);
            lanes out[4][4][4];
            for (int k = 0; k < tiles; k++) {
                // A shift alone starts the sums (as a bias); with a scale it comes after.
                tile_outputs(m + (t + k - tile_begin) * g->out_padded + block * 8, plane, epilogue->scale ? none : shift,
                             out[k], transposed);
                for (int a = 0; a < span && (epilogue->scale || epilogue->activation >= 0); a++) {
                    for (int e = 0; e < span; e++) {
                        lanes x = out[k][a][e];
                        if (epilogue->scale) x = x * *(const lanes *)scale + *(const lanes *)shift;
                        if (epilogue->activation >= 0) {
                            const mask positive = x > 0;
                            x = (lanes)(((mask)x & positive) | ((mask)(x * slope) & ~positive));
                        }
                        out[k][a][e] = x;
                    }
                }
            }
            float *y = output + (n * g->out_channels + block * 8) * image;
            for (int a = 0; a < span; a++) {
                const int yy = ty * span + a;
                if (yy >= g->out_height) break;
                float *line = y + (long)yy * g->out_width + tx * span;
                if (width) {
                    lanes r[8] = {0};
                    for (int k = 0; k < tiles; k++) {
                        for (int e = 0; e < span; e++) r[k * span + e] = out[k][a][e];
                    }
                    transpose8(r);
                    store_rows(r, line, image, count, width);
                } else {
                    for (int e = 0; e < span && tx * span + e < g->out_width; e++) {
                        float values[8];
                        *(lanes *)values = out[0][a][e];
                        for (int l = 0; l < count; l++) line[l * image + e] = values[l];
                    }
                }
            }
        }
        t += tiles;
    }
}

CLONES
void ck_winograd_output(const ck_winograd_shape *g, const float *m, const ck_epilogue *epilogue, float *output,
                        long tile_begin, long tile_end) {
    if (g->transposed) {
        transform_output(g, m, epilogue, output, tile_begin, tile_end, 1);
    } else {
        transform_output(g, m, epilogue, output, tile_begin, tile_end, 0);
    }
}

// The adjoint of the output transform: the output gradient of each tile to the gradients of
// its 36 products, eight channels at a time. Each phase pair's 2 x 2 outputs came from its 3 x 3
// products by y = (m0 + m1, m1 + m2) along each axis, so dm = (dy0, dy0 + dy1, dy1). Tiles go in
// runs as in the output transform, the rows of eight read and transposed in registers.
INLINE void transform_output_gradient(const ck_winograd_shape *g, const float *dy, float *dm, long dm_plane,
                                      long tile_begin, long tile_end, int block_begin, int block_end,
                                      const int transposed) {
    const long per_sample = (long)g->tiles_y * g->tiles_x, image = (long)g->out_height * g->out_width;
    const long tiles_in_block = tile_end - tile_begin;
    const int span = transposed ? 4 : 2;
    for (long t = tile_begin; t < tile_end;) {
        const long n = t / per_sample;
        const int ty = (int)(t % per_sample) / g->tiles_x, tx = (int)(t % per_sample) % g->tiles_x;
        const int width = run_width(g, t, tile_end, tx, span), tiles = width ? width / span : 1;
        for (int block = block_begin; block < block_end; block++) {
            const int count = g->out_channels - block * 8 < 8 ? g->out_channels - block * 8 : 8;
            lanes d[4][4][4];
            for (int k = 0; k < 4; k++) {
                for (int a = 0; a < 4; a++) {
                    for (int e = 0; e < 4; e++) d[k][a][e] = (lanes){0};
                }
            }
            const float *y = dy + (n * g->out_channels + block * 8) * image;
            for (int a = 0; a < span; a++) {
                const long yy = (long)ty * span + a;
                if (yy >= g->out_height) break;
                const float *line = y + yy * g->out_width + tx * span;
                if (width) {
                    lanes r[8];
                    load_rows(r, line, image, count, width);
                    transpose8(r);
                    for (int k = 0; k < tiles; k++) {
                        for (int e = 0; e < span; e++) d[k][a][e] = r[k * span + e];
                    }
                } else {
                    for (int e = 0; e < span && tx * span + e < g->out_width; e++) {
                        float values[8] = {0};
                        for (int l = 0; l < count; l++) values[l] = line[l * image + e];
                        d[0][a][e] = *(const lanes *)values;
                    }
                }
            }
            for (int k = 0; k < tiles; k++) {
                // Panel block / 2, row t + k, lanes (block % 2) * 8 ...
                float *target = dm + ((long)(block / 2) * tiles_in_block + (t + k - tile_begin)) * 16 + (block % 2) * 8;
                for (int py = 0; py < 2; py++) {
                    for (int px = 0; px < 2; px++) {
                        const lanes q00 = transposed ? d[k][py][px] : d[k][0][0];
                        const lanes q01 = transposed ? d[k][py][2 + px] : d[k][0][1];
                        const lanes q10 = transposed ? d[k][2 + py][px] : d[k][1][0];
                        const lanes q11 = transposed ? d[k][2 + py][2 + px] : d[k][1][1];
                        const lanes r[3][2] = {{q00, q01}, {q00 + q10, q01 + q11}, {q10, q11}};
                        for (int i = 0; i < 3; i++) {
                            const lanes c[3] = {r[i][0], r[i][0] + r[i][1], r[i][1]};
                            for (int j = 0; j < 3; j++) *(lanes *)(target + ((py * 3 + i) * 6 + px * 3 + j) * dm_plane) = c[j];
                        }
                    }
                }
            }
        }
        t += tiles;
    }
}

CLONES
void ck_winograd_output_gradient(const ck_winograd_shape *g, const float *dy, float *dm, long dm_plane,
                                 long tile_begin, long tile_end, int block_begin, int block_end) {
    if (g->transposed) {
        transform_output_gradient(g, dy, dm, dm_plane, tile_begin, tile_end, block_begin, block_end, 1);
    } else {
        transform_output_gradient(g, dy, dm, dm_plane, tile_begin, tile_end, block_begin, block_end, 0);
    }
}

// The adjoint of the weight transform: u = G k G^T per phase pair with G = [1 0; 1 1; 0 1], so a
// tap's gradient is dk = G^T du G: (du0 + du1, du1 + du2) along each axis.
CLONES
void ck_winograd_weight_gradient(const ck_winograd_shape *g, const float *du, float *weight_gradient, int in_begin,
                                 int in_end) {
    const int (*taps)[2] = g->transposed ? up_taps : down_taps;
    const long plane = ck_winograd_weight_plane(g);
    for (int i = in_begin; i < in_end; i++) {
        for (int o = 0; o < g->out_channels; o++) {
            float *k = weight_gradient + kernel_offset(g, o, i);
            const float *source = du + (long)i * g->out_padded + o;
            for (int py = 0; py < 2; py++) {
                for (int px = 0; px < 2; px++) {
                    float q[3][3];
                    for (int r = 0; r < 3; r++) {
                        for (int c = 0; c < 3; c++) q[r][c] = source[((py * 3 + r) * 6 + px * 3 + c) * plane];
                    }
                    for (int a = 0; a < 2; a++) {
                        const float row[3] = {q[a][0] + q[a + 1][0], q[a][1] + q[a + 1][1], q[a][2] + q[a + 1][2]};
                        k[taps[py][a] * 4 + taps[px][0]] += row[0] + row[1];
                        k[taps[py][a] * 4 + taps[px][1]] += row[1] + row[2];
                    }
                }
            }
        }
    }
}
