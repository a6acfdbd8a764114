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

// Walks the output in its own order (panel, input channel, lane), so that each of the 36
// points' planes is written 16 floats at a time, and a transposed weight is read along its rows.
CLONES
void ck_winograd_weights(const ck_winograd_shape *g, const float *weight, float *u, int panel_begin, int panel_end) {
    const int (*taps)[2] = g->transposed ? up_taps : down_taps;
    const long plane = ck_winograd_weight_plane(g);
    for (int panel = panel_begin; panel < panel_end; panel++) {
        for (int i = 0; i < g->in_padded; i++) {
            float *row = u + ((long)panel * g->in_padded + i) * 16;
            for (int lane = 0; lane < 16; lane++) {
                const int o = panel * 16 + lane;
                const int real = i < g->in_channels && o < g->out_channels;
                const float *k = weight + (real ? kernel_offset(g, o, i) : 0);
                for (int py = 0; py < 2; py++) {
                    for (int px = 0; px < 2; px++) {
                        // G k G^T with G = [1 0; 1 1; 0 1]: this phase pair's 2 x 2 taps to 3 x 3 points.
                        const float a0 = real ? k[taps[py][0] * 4 + taps[px][0]] : 0;
                        const float a1 = real ? k[taps[py][0] * 4 + taps[px][1]] : 0;
                        const float c0 = real ? k[taps[py][1] * 4 + taps[px][0]] : 0;
                        const float c1 = real ? k[taps[py][1] * 4 + taps[px][1]] : 0;
                        const float b0 = a0 + c0, b1 = a1 + c1;
                        const float values[3][3] = {{a0, a0 + a1, a1}, {b0, b0 + b1, b1}, {c0, c0 + c1, c1}};
                        for (int r = 0; r < 3; r++) {
                            for (int c = 0; c < 3; c++) row[((py * 3 + r) * 6 + px * 3 + c) * plane + lane] = values[r][c];
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
                            const int step, const int side, const int rows[2][3]) {
    const int blocks = g->in_padded / 8, ph = g->patch_height, pw = g->patch_width;
    const long per_sample = (long)g->tiles_y * g->tiles_x, plane = g->input_plane;
    for (long t = tile_begin; t < tile_end; t++) {
        const long n = t / per_sample;
        const int ty = (int)(t % per_sample) / g->tiles_x, tx = (int)(t % per_sample) % g->tiles_x;
        for (int block = 0; block < blocks; block++) {
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
void ck_winograd_input(const ck_winograd_shape *g, const float *blocked, float *v, long tile_begin, long tile_end) {
    if (g->transposed) {
        transform_input(g, blocked, v, tile_begin, tile_end, 2, 4, up_rows);
    } else {
        transform_input(g, blocked, v, tile_begin, tile_end, 4, 6, down_rows);
    }
}

INLINE void transform_output(const ck_winograd_shape *g, const float *m, const float *bias, float *output,
                             long tile_begin, long tile_end, const int transposed) {
    const int blocks = g->out_padded / 8;
    const long per_sample = (long)g->tiles_y * g->tiles_x, plane = g->product_plane;
    const long image = (long)g->out_height * g->out_width;
    for (long t = tile_begin; t < tile_end; t++) {
        const long n = t / per_sample;
        const int ty = (int)(t % per_sample) / g->tiles_x, tx = (int)(t % per_sample) % g->tiles_x;
        for (int block = 0; block < blocks; block++) {
            const float *source = m + (t - tile_begin) * g->out_padded + block * 8;
            lanes b = {0};
            const int count = g->out_channels - block * 8 < 8 ? g->out_channels - block * 8 : 8;
            for (int l = 0; l < count; l++) b[l] = bias ? bias[block * 8 + l] : 0;
            // Outputs of the tile: 4 x 4 for ConvTranspose2d (phase (py, px) at (2a + py, 2e + px)), 2 x 2 for Conv2d.
            lanes out[4][4];
            for (int a = 0; a < 4; a++) {
                for (int e = 0; e < 4; e++) out[a][e] = b;
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
            const int span = transposed ? 4 : 2;
            float *y = output + (n * g->out_channels + block * 8) * image;
            for (int a = 0; a < span; a++) {
                const int yy = ty * span + a;
                if (yy >= g->out_height) break;
                for (int e = 0; e < span; e++) {
                    const int xx = tx * span + e;
                    if (xx >= g->out_width) break;
                    float *pixel = y + (long)yy * g->out_width + xx;
                    for (int l = 0; l < count; l++) pixel[l * image] = out[a][e][l];
                }
            }
        }
    }
}

CLONES
void ck_winograd_output(const ck_winograd_shape *g, const float *m, const float *bias, float *output, long tile_begin,
                        long tile_end) {
    if (g->transposed) {
        transform_output(g, m, bias, output, tile_begin, tile_end, 1);
    } else {
        transform_output(g, m, bias, output, tile_begin, tile_end, 0);
    }
}

// The adjoint of the output transform: the output gradient of each tile to the gradients of
// its 36 products, eight channels at a time. Each phase pair's 2 x 2 outputs came from its 3 x 3
// products by y = (m0 + m1, m1 + m2) along each axis, so dm = (dy0, dy0 + dy1, dy1).
CLONES
void ck_winograd_output_gradient(const ck_winograd_shape *g, const float *dy, float *dm, long dm_plane,
                                 long tile_begin, long tile_end) {
    const long per_sample = (long)g->tiles_y * g->tiles_x, image = (long)g->out_height * g->out_width;
    const long tiles = tile_end - tile_begin;
    const int span = g->transposed ? 4 : 2, blocks = g->out_padded / 8;
    for (long t = tile_begin; t < tile_end; t++) {
        const long n = t / per_sample;
        const int ty = (int)(t % per_sample) / g->tiles_x, tx = (int)(t % per_sample) % g->tiles_x;
        for (int block = 0; block < blocks; block++) {
            const int count = g->out_channels - block * 8 < 8 ? g->out_channels - block * 8 : 8;
            lanes d[4][4];
            for (int a = 0; a < 4; a++) {
                for (int e = 0; e < 4; e++) d[a][e] = (lanes){0};
            }
            const float *plane = dy + (n * g->out_channels + block * 8) * image;
            for (int a = 0; a < span; a++) {
                const long yy = (long)ty * span + a;
                if (yy >= g->out_height) break;
                for (int e = 0; e < span; e++) {
                    const long xx = (long)tx * span + e;
                    if (xx >= g->out_width) break;
                    for (int l = 0; l < count; l++) d[a][e][l] = plane[l * image + yy * g->out_width + xx];
                }
            }
            // Panel block / 2, row t, lanes (block % 2) * 8 ...
            float *target = dm + ((long)(block / 2) * tiles + (t - tile_begin)) * 16 + (block % 2) * 8;
            for (int py = 0; py < 2; py++) {
                for (int px = 0; px < 2; px++) {
                    // ConvTranspose2d: phase (py, px) made outputs (2a + py, 2e + px); Conv2d: every
                    // phase pair added into all four.
                    const int transposed = g->transposed;
                    const lanes q00 = transposed ? d[py][px] : d[0][0], q01 = transposed ? d[py][2 + px] : d[0][1];
                    const lanes q10 = transposed ? d[2 + py][px] : d[1][0], q11 = transposed ? d[2 + py][2 + px] : d[1][1];
                    const lanes r[3][2] = {{q00, q01}, {q00 + q10, q01 + q11}, {q10, q11}};
                    for (int i = 0; i < 3; i++) {
                        const lanes c[3] = {r[i][0], r[i][0] + r[i][1], r[i][1]};
                        for (int j = 0; j < 3; j++) *(lanes *)(target + ((py * 3 + i) * 6 + px * 3 + j) * dm_plane) = c[j];
                    }
                }
            }
        }
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
