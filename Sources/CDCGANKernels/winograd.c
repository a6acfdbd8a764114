// Winograd transforms for the DCGAN geometry (kernel 4, stride 2, padding 1), both ways.
//
// Along one axis, both Conv2d's and ConvTranspose2d's outputs split into two phases, and each
// phase is a stride-1 correlation with two of the kernel's four taps. Winograd's F(T,2)
// computes T outputs of a two-tap correlation from T + 1 inputs with T + 1 products instead of
// 2T: the inputs go through B^T, the two taps through G, the products through A^T (the 1-D
// transforms below, for T = 2 and T = 4). On a 2-D tile of T x T positions of the small side the
// two phases per axis make (2T + 2)^2 transformed points, and every point is one matrix product
// over channels (out x in times in x tiles): 36 products where the direct convolution makes 64
// for T = 2 (1.78 times fewer multiplications), 100 where it makes 256 for T = 4 (2.56 times).
// T = 2 only adds and subtracts; T = 4 evaluates at 0, 1, -1, 2 and infinity, whose factors
// (2, 4, 8 and 1/2, 1/6) cost some precision, within the tests' tolerance against the Double reference.
//
// A tile is T by T of the small side's positions: ConvTranspose2d's input (it writes the 2T x 2T
// output block above them) or Conv2d's output (it reads the (2T + 2)^2 input block under them).
// The transforms work on eight channels at once (one AVX2 vector): the input is first copied
// into blocks of eight channels with a zero border, and the transformed input and products keep
// the channels innermost ([point][tile][channel]), so every load and store is a whole vector.
// Where the products' side meets the NCHW tensors (the outputs, their gradients) and in the
// weight transform, eight channels at eight positions go through registers as one 8 x 8
// transpose.

#include "ckernels.h"
#include "clones.h"

// The kernel taps of each phase's two-tap filter, the first applying to the earlier input.
// ConvTranspose2d: y[2i] = x[i-1] w3 + x[i] w1 (even outputs), y[2i+1] = x[i] w2 + x[i+1] w0 (odd).
static const int up_taps[2][2] = {{3, 1}, {2, 0}};
// Conv2d: y[o] = x[2o-1] w0 + x[2o+1] w2 (odd inputs) + x[2o] w1 + x[2o+2] w3 (even inputs).
static const int down_taps[2][2] = {{0, 2}, {1, 3}};

// The loops below are written once and inlined into each direction and tile size with its
// constants (the stride between tiles, the patch side, the phase rows), so that the index
// arithmetic folds.
#define INLINE static inline __attribute__((always_inline))

// Runs CALL(tile, transposed, merged) with the shape's tile size, direction and merging as
// constants, so that each combination is its own copy of the inlined loops.
#define WITH_DIRECTION(g, CALL, tile) \
    do {                              \
        if ((g)->transposed) {        \
            CALL(tile, 1, 0);         \
        } else if ((g)->merged) {     \
            CALL(tile, 0, 1);         \
        } else {                      \
            CALL(tile, 0, 0);         \
        }                             \
    } while (0)
#define WITH_CONSTANTS(g, CALL)            \
    do {                                   \
        if ((g)->tile == 4) {              \
            WITH_DIRECTION(g, CALL, 4);    \
        } else {                           \
            WITH_DIRECTION(g, CALL, 2);    \
        }                                  \
    } while (0)

// The patch position of phase `phase`'s input j (of T + 1) for a tile, relative to the patch
// origin (the tile's first input row or column minus one).
INLINE int patch_row(const int transposed, int phase, int j) {
    return transposed ? phase + j : 2 * j + phase;
}

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

// Eight channels on a 32-byte boundary, for the stores past the caches (they need it).
typedef float lanes32 __attribute__((vector_size(32), aligned(32)));

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

// The 1-D transforms of F(T,2) on eight channels, T = 2 or 4 (a constant at every call).
// Inputs: v = B^T d, T + 1 values from T + 1 inputs.
INLINE void input_1d(const int tile, const lanes d[5], lanes v[5]) {
    if (tile == 2) {
        v[0] = d[0] - d[1];
        v[1] = d[1];
        v[2] = d[2] - d[1];
    } else {
        const lanes a = d[3] - d[1];
        v[0] = (d[0] - d[2]) * 2 + a;
        v[1] = d[1] + d[2] - a;
        v[2] = (d[2] - d[1]) * 2 + (d[2] - d[3]);
        v[3] = a;
        v[4] = (d[4] - d[2]) - a * 2;
    }
}

// Taps: u = G g, T + 1 values from the two taps.
INLINE void weight_1d(const int tile, const lanes g[2], lanes u[5]) {
    if (tile == 2) {
        u[0] = g[0];
        u[1] = g[0] + g[1];
        u[2] = g[1];
    } else {
        u[0] = g[0] * 0.5f;
        u[1] = (g[0] + g[1]) * 0.5f;
        u[2] = (g[0] - g[1]) * (1.0f / 6);
        u[3] = (g[0] + g[1] * 2) * (1.0f / 6);
        u[4] = g[1];
    }
}

// Outputs: y = A^T m, T values from T + 1 products.
INLINE void output_1d(const int tile, const lanes m[5], lanes y[4]) {
    if (tile == 2) {
        y[0] = m[0] + m[1];
        y[1] = m[1] + m[2];
    } else {
        const lanes sum = m[1] + m[2], difference = m[1] - m[2];
        y[0] = m[0] + sum + m[3];
        y[1] = difference + m[3] * 2;
        y[2] = sum + m[3] * 4;
        y[3] = difference + m[3] * 8 + m[4];
    }
}

// The adjoint of `output_1d`: dm = A dy.
INLINE void output_adjoint_1d(const int tile, const lanes dy[4], lanes dm[5]) {
    if (tile == 2) {
        dm[0] = dy[0];
        dm[1] = dy[0] + dy[1];
        dm[2] = dy[1];
    } else {
        const lanes even = dy[0] + dy[2], odd = dy[1] + dy[3];
        dm[0] = dy[0];
        dm[1] = even + odd;
        dm[2] = even - odd;
        dm[3] = dy[0] + dy[1] * 2 + dy[2] * 4 + dy[3] * 8;
        dm[4] = dy[3];
    }
}

// The adjoint of `weight_1d`: the two taps' share dg = G^T du.
INLINE void weight_adjoint_1d(const int tile, const lanes du[5], lanes *g0, lanes *g1) {
    if (tile == 2) {
        *g0 = du[0] + du[1];
        *g1 = du[1] + du[2];
    } else {
        *g0 = (du[0] + du[1]) * 0.5f + (du[2] + du[3]) * (1.0f / 6);
        *g1 = du[1] * 0.5f + (du[3] * 2 - du[2]) * (1.0f / 6) + du[4];
    }
}

// The transformed point of phase pair (py, px) at (r, c) of its (T + 1)^2, among 4 (T + 1)^2.
INLINE int point_index(const int tile, int py, int px, int r, int c) {
    return (py * (tile + 1) + r) * 2 * (tile + 1) + px * (tile + 1) + c;
}

// Walks the output in its own order (panel, input channel): the eight kernels of each half panel
// are loaded as rows and transposed, so that each tap is a vector over eight output channels,
// and each point's 16 floats of the panel (one cache line) are written at once, past the caches:
// the transformed weight is 2.25 or 6.25 times the weight's size and spread over 36 or 100
// planes; stores that first read each line in, and left it in the last-level cache over the
// other layers' data, took twice the share of the profile (docs/PERFORMANCE.md, Zen 3).
INLINE void transform_weights(const ck_winograd_shape *g, const float *weight, float *u, int panel_begin,
                              int panel_end, const int tile, const int merged) {
    const int (*taps)[2] = g->transposed ? up_taps : down_taps;
    const long plane = ck_winograd_weight_plane(g);
    // From one output channel's kernel to the next: [in, out, 4, 4] or [out, in, 4, 4].
    const long stride = g->transposed ? 16 : (long)g->in_channels * 16;
    for (int panel = panel_begin; panel < panel_end; panel++) {
        for (int i = 0; i < g->in_padded; i++) {
            // Both halves of the panel at once, so that each point's 16 floats (one cache line)
            // are written together.
            lanes k[2][16];
            for (int half = 0; half < 2; half++) {
                const int o = panel * 16 + half * 8;
                const int count = i < g->in_channels ? (g->out_channels - o < 8 ? g->out_channels - o : 8) : 0;
                const float *first = weight + (count > 0 ? kernel_offset(g, o, i) : 0);
                load_rows(k[half], first, stride, count, 8);
                load_rows(k[half] + 8, first + 8, stride, count, 8);
                transpose8(k[half]);
                transpose8(k[half] + 8);
            }
            const int depth = ck_winograd_depth(g);
            float *row = u + ((long)panel * depth + i) * 16;
            for (int py = 0; py < 2; py++) {
                for (int px = 0; px < 2; px++) {
                    // G k G^T: this phase pair's 2 x 2 taps to (T + 1)^2 points, columns first.
                    lanes columns[2][2][5], values[2][5];
                    for (int half = 0; half < 2; half++) {
                        for (int c = 0; c < 2; c++) {
                            const lanes pair[2] = {k[half][taps[py][0] * 4 + taps[px][c]], k[half][taps[py][1] * 4 + taps[px][c]]};
                            weight_1d(tile, pair, columns[half][c]);
                        }
                    }
                    for (int r = 0; r <= tile; r++) {
                        for (int half = 0; half < 2; half++) {
                            const lanes pair[2] = {columns[half][0][r], columns[half][1][r]};
                            weight_1d(tile, pair, values[half]);
                        }
                        for (int c = 0; c <= tile; c++) {
                            // Merged, the phase pair's place in the depth and the point's within the pair.
                            float *target = merged ? row + (py * 2 + px) * g->in_padded * 16 + (r * (tile + 1) + c) * plane
                                                   : row + point_index(tile, py, px, r, c) * plane;
                            __builtin_nontemporal_store(values[0][c], (lanes32 *)target);
                            __builtin_nontemporal_store(values[1][c], (lanes32 *)(target + 8));
                        }
                    }
                }
            }
        }
    }
#if defined(__x86_64__)
    // The stores past the caches are weakly ordered: other threads read the weight next.
    __builtin_ia32_sfence();
#endif
}

CLONES
void ck_winograd_weights(const ck_winograd_shape *g, const float *weight, float *u, int panel_begin, int panel_end) {
#define TRANSFORM(tile, transposed, merged) transform_weights(g, weight, u, panel_begin, panel_end, tile, merged)
    WITH_CONSTANTS(g, TRANSFORM);
#undef TRANSFORM
}

CLONES
void ck_winograd_block_input(const ck_winograd_shape *g, const float *input, float *blocked, long item_begin,
                             long item_end) {
    const int blocks = g->in_padded / 8, ph = g->patch_height, pw = g->patch_width;
    const long image = (long)g->height * g->width;
    // Image (y, x) sits at (y + 1, x + 1): a zero border of one above and to the left, and zeros
    // below and to the right wherever the patch outgrows the image.
    const int rows = g->height + 1 < ph ? g->height : ph - 1, width = g->width + 1 < pw ? g->width : pw - 1;
    for (long item = item_begin; item < item_end; item++) {
        const long n = item / blocks;
        const int block = (int)(item % blocks);
        const int count = g->in_channels - block * 8 < 8 ? g->in_channels - block * 8 : 8;
        float *target = blocked + item * ph * pw * 8;
        for (int y = 0; y < ph; y++) {
            lanes *line = (lanes *)(target + (long)y * pw * 8);
            if (y == 0 || y > rows) {
                for (int xx = 0; xx < pw; xx++) line[xx] = (lanes){0};
                continue;
            }
            line[0] = (lanes){0};
            for (int xx = width + 1; xx < pw; xx++) line[xx] = (lanes){0};
            // Eight positions of the block's channels at a time through the register transpose.
            const float *x = input + (n * g->in_channels + block * 8) * image + (long)(y - 1) * g->width;
            int xx = 0;
            for (; xx + 8 <= width; xx += 8) {
                lanes r[8];
                load_rows(r, x + xx, image, count, 8);
                transpose8(r);
                for (int k = 0; k < 8; k++) line[1 + xx + k] = r[k];
            }
            for (; xx < width; xx++) {
                float values[8] = {0};
                for (int l = 0; l < count; l++) values[l] = x[l * image + xx];
                line[1 + xx] = *(const lanes *)values;
            }
        }
    }
}

INLINE void transform_input(const ck_winograd_shape *g, const float *blocked, float *v, long tile_begin, long tile_end,
                            int block_begin, int block_end, const int tile, const int transposed, const int merged) {
    const int blocks = g->in_padded / 8, ph = g->patch_height, pw = g->patch_width;
    // Tiles start T (ConvTranspose2d) or 2T (Conv2d) inputs apart and read a patch two wider.
    const int step = transposed ? tile : 2 * tile, side = step + 2, points = tile + 1;
    const long per_sample = (long)g->tiles_y * g->tiles_x, plane = g->input_plane;
    for (long t = tile_begin; t < tile_end; t++) {
        const long n = t / per_sample;
        const int ty = (int)(t % per_sample) / g->tiles_x, tx = (int)(t % per_sample) % g->tiles_x;
        for (int block = block_begin; block < block_end; block++) {
            const float *patch = blocked + ((((n * blocks + block) * ph) + (long)ty * step) * pw + (long)tx * step) * 8;
            // B^T along the columns of each phase's rows, then along the rows.
            lanes mixed[10][10];
            for (int py = 0; py < 2; py++) {
                for (int b = 0; b < side; b++) {
                    lanes d[5], values[5];
                    for (int j = 0; j < points; j++) d[j] = *(const lanes *)(patch + ((long)patch_row(transposed, py, j) * pw + b) * 8);
                    input_1d(tile, d, values);
                    for (int r = 0; r < points; r++) mixed[py * points + r][b] = values[r];
                }
            }
            float *target = v + (t - tile_begin) * ck_winograd_depth(g) + block * 8;
            for (int r = 0; r < 2 * points; r++) {
                for (int px = 0; px < 2; px++) {
                    lanes d[5], values[5];
                    for (int j = 0; j < points; j++) d[j] = mixed[r][patch_row(transposed, px, j)];
                    input_1d(tile, d, values);
                    // Row r is row r % points of phase row r / points; merged, the phase pair's
                    // channels sit side by side in the depth.
                    float *point = merged ? target + (long)(r % points) * points * plane + ((r / points) * 2 + px) * g->in_padded
                                          : target + (long)(r * 2 * points + px * points) * plane;
                    for (int c = 0; c < points; c++) *(lanes *)(point + c * plane) = values[c];
                }
            }
        }
    }
}

CLONES
void ck_winograd_input(const ck_winograd_shape *g, const float *blocked, float *v, long tile_begin, long tile_end,
                       int block_begin, int block_end) {
#define TRANSFORM(tile, transposed, merged) \
    transform_input(g, blocked, v, tile_begin, tile_end, block_begin, block_end, tile, transposed, merged)
    WITH_CONSTANTS(g, TRANSFORM);
#undef TRANSFORM
}

// Rows of eight outputs for eight channels: out[a][x] is row a of a run of tiles side by side,
// column x (up to eight).
typedef lanes rows8[8][8];

// Adds the outputs of one tile for eight output channels, from its products (planes `plane`
// apart from `source`), into out at column `column`: 2T x 2T for ConvTranspose2d (phase
// (py, px) at (2a + py, 2e + px)), T x T for Conv2d (every phase pair adds into all of them).
INLINE void tile_outputs(const float *source, long plane, rows8 out, int column, const int tile, const int transposed,
                         const int merged) {
    // Merged products already hold the four phase pairs' sum.
    const int phases = merged ? 1 : 2;
    for (int py = 0; py < phases; py++) {
        for (int px = 0; px < phases; px++) {
            // A^T along the rows of each column of products, then along the columns.
            lanes partial[5][4];
            for (int j = 0; j <= tile; j++) {
                lanes m[5], y[4];
                for (int i = 0; i <= tile; i++) {
                    const int index = merged ? i * (tile + 1) + j : point_index(tile, py, px, i, j);
                    m[i] = *(const lanes *)(source + (long)index * plane);
                }
                output_1d(tile, m, y);
                for (int a = 0; a < tile; a++) partial[j][a] = y[a];
            }
            for (int a = 0; a < tile; a++) {
                lanes m[5], y[4];
                for (int j = 0; j <= tile; j++) m[j] = partial[j][a];
                output_1d(tile, m, y);
                for (int e = 0; e < tile; e++) {
                    if (transposed) {
                        out[2 * a + py][column + 2 * e + px] += y[e];
                    } else {
                        out[a][column + e] += y[e];
                    }
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
                             long tile_begin, long tile_end, const int tile, const int transposed, const int merged) {
    const int blocks = g->out_padded / 8, span = transposed ? 2 * tile : tile;
    const long per_sample = (long)g->tiles_y * g->tiles_x, plane = g->product_plane;
    const long image = (long)g->out_height * g->out_width;
    for (long t = tile_begin; t < tile_end;) {
        const long n = t / per_sample;
        const int ty = (int)(t % per_sample) / g->tiles_x, tx = (int)(t % per_sample) % g->tiles_x;
        const int width = run_width(g, t, tile_end, tx, span), tiles = width ? width / span : 1;
        for (int block = 0; block < blocks; block++) {
            const int count = g->out_channels - block * 8 < 8 ? g->out_channels - block * 8 : 8;
            float scale[8] = {0}, shift[8] = {0};
            for (int l = 0; l < count; l++) {
                scale[l] = epilogue->scale ? epilogue->scale[block * 8 + l] : 1;
                shift[l] = epilogue->shift ? epilogue->shift[block * 8 + l] : 0;
            }
            // ReLU is the leaky one with slope 0.
            const lanes slope = (lanes){0} + (epilogue->activation == CK_LEAKY_RELU ? epilogue->slope : 0);
            // A shift alone starts the sums (as a bias); with a scale it comes after.
            const lanes start = epilogue->scale ? (lanes){0} : *(const lanes *)shift;
            rows8 out;
            for (int a = 0; a < span; a++) {
                for (int x = 0; x < 8; x++) out[a][x] = start;
            }
            for (int k = 0; k < tiles; k++) {
                tile_outputs(m + (t + k - tile_begin) * g->out_padded + block * 8, plane, out, k * span, tile, transposed, merged);
            }
            for (int a = 0; a < span && (epilogue->scale || epilogue->activation >= 0); a++) {
                for (int x = 0; x < tiles * span; x++) {
                    lanes value = out[a][x];
                    if (epilogue->scale) value = value * *(const lanes *)scale + *(const lanes *)shift;
                    if (epilogue->activation >= 0) {
                        const mask positive = value > 0;
                        value = (lanes)(((mask)value & positive) | ((mask)(value * slope) & ~positive));
                    }
                    out[a][x] = value;
                }
            }
            float *y = output + (n * g->out_channels + block * 8) * image;
            for (int a = 0; a < span; a++) {
                const int yy = ty * span + a;
                if (yy >= g->out_height) break;
                float *line = y + (long)yy * g->out_width + tx * span;
                if (width) {
                    transpose8(out[a]);
                    store_rows(out[a], line, image, count, width);
                } else {
                    for (int e = 0; e < span && tx * span + e < g->out_width; e++) {
                        float values[8];
                        *(lanes *)values = out[a][e];
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
#define TRANSFORM(tile, transposed, merged) transform_output(g, m, epilogue, output, tile_begin, tile_end, tile, transposed, merged)
    WITH_CONSTANTS(g, TRANSFORM);
#undef TRANSFORM
}

// The adjoint of the output transform: the output gradient of each tile to the gradients of
// its products, eight channels at a time: dm = A dy along each axis of each phase pair. Tiles go
// in runs as in the output transform, the rows of eight read and transposed in registers.
INLINE void transform_output_gradient(const ck_winograd_shape *g, const float *dy, float *dm, long dm_plane,
                                      long tile_begin, long tile_end, int block_begin, int block_end,
                                      const int tile, const int transposed, const int merged) {
    const long per_sample = (long)g->tiles_y * g->tiles_x, image = (long)g->out_height * g->out_width;
    const long tiles_in_block = tile_end - tile_begin;
    const int span = transposed ? 2 * tile : tile;
    for (long t = tile_begin; t < tile_end;) {
        const long n = t / per_sample;
        const int ty = (int)(t % per_sample) / g->tiles_x, tx = (int)(t % per_sample) % g->tiles_x;
        const int width = run_width(g, t, tile_end, tx, span), tiles = width ? width / span : 1;
        for (int block = block_begin; block < block_end; block++) {
            const int count = g->out_channels - block * 8 < 8 ? g->out_channels - block * 8 : 8;
            rows8 d;
            const float *y = dy + (n * g->out_channels + block * 8) * image;
            for (int a = 0; a < span; a++) {
                const long yy = (long)ty * span + a;
                const float *line = y + yy * g->out_width + tx * span;
                if (yy >= g->out_height) {
                    for (int x = 0; x < 8; x++) d[a][x] = (lanes){0};
                } else if (width) {
                    load_rows(d[a], line, image, count, width);
                    transpose8(d[a]);
                } else {
                    for (int e = 0; e < span; e++) {
                        float values[8] = {0};
                        for (int l = 0; l < count && tx * span + e < g->out_width; l++) values[l] = line[l * image + e];
                        d[a][e] = *(const lanes *)values;
                    }
                }
            }
            for (int k = 0; k < tiles; k++) {
                // Panel block / 2, row t + k, lanes (block % 2) * 8 ...
                float *target = dm + ((long)(block / 2) * tiles_in_block + (t + k - tile_begin)) * 16 + (block % 2) * 8;
                const int column = k * span;
                // Conv2d's four phase pairs read the same output gradients: merged, once.
                const int phases = merged ? 1 : 2;
                for (int py = 0; py < phases; py++) {
                    for (int px = 0; px < phases; px++) {
                        // This phase pair's T x T output gradients, A along the rows, then the columns.
                        lanes partial[4][5];
                        for (int a = 0; a < tile; a++) {
                            lanes q[4];
                            for (int e = 0; e < tile; e++) q[e] = transposed ? d[2 * a + py][column + 2 * e + px] : d[a][column + e];
                            output_adjoint_1d(tile, q, partial[a]);
                        }
                        for (int j = 0; j <= tile; j++) {
                            lanes q[4], values[5];
                            for (int a = 0; a < tile; a++) q[a] = partial[a][j];
                            output_adjoint_1d(tile, q, values);
                            for (int i = 0; i <= tile; i++) {
                                const int index = merged ? i * (tile + 1) + j : point_index(tile, py, px, i, j);
                                *(lanes *)(target + index * dm_plane) = values[i];
                            }
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
#define TRANSFORM(tile, transposed, merged) \
    transform_output_gradient(g, dy, dm, dm_plane, tile_begin, tile_end, block_begin, block_end, tile, transposed, merged)
    WITH_CONSTANTS(g, TRANSFORM);
#undef TRANSFORM
}

// The adjoint of the weight transform: a phase pair's taps get G^T du G, for eight output
// channels at a time (du keeps them innermost); the taps are then added channel by channel.
INLINE void transform_weight_gradient(const ck_winograd_shape *g, const float *du, float *weight_gradient, int in_begin,
                                      int in_end, const int tile, const int merged) {
    const int (*taps)[2] = g->transposed ? up_taps : down_taps;
    const long plane = ck_winograd_weight_plane(g);
    for (int i = in_begin; i < in_end; i++) {
        for (int o = 0; o < g->out_channels; o += 8) {
            const float *source = du + (long)i * g->out_padded + o;
            lanes k[16];
            for (int py = 0; py < 2; py++) {
                for (int px = 0; px < 2; px++) {
                    lanes rows[2][5];
                    for (int r = 0; r <= tile; r++) {
                        lanes q[5];
                        for (int c = 0; c <= tile; c++) {
                            // Merged, the phase pair's rows of the depth, at the point's product.
                            const long at = merged ? (long)(py * 2 + px) * g->in_padded * g->out_padded + (r * (tile + 1) + c) * plane
                                                   : point_index(tile, py, px, r, c) * plane;
                            q[c] = *(const lanes *)(source + at);
                        }
                        weight_adjoint_1d(tile, q, &rows[0][r], &rows[1][r]);
                    }
                    for (int c = 0; c < 2; c++) {
                        weight_adjoint_1d(tile, rows[c], &k[taps[py][0] * 4 + taps[px][c]], &k[taps[py][1] * 4 + taps[px][c]]);
                    }
                }
            }
            const int count = g->out_channels - o < 8 ? g->out_channels - o : 8;
            for (int l = 0; l < count; l++) {
                float *target = weight_gradient + kernel_offset(g, o + l, i);
                for (int tap = 0; tap < 16; tap++) target[tap] += k[tap][l];
            }
        }
    }
}

CLONES
void ck_winograd_weight_gradient(const ck_winograd_shape *g, const float *du, float *weight_gradient, int in_begin,
                                 int in_end) {
#define TRANSFORM(tile, transposed, merged) transform_weight_gradient(g, du, weight_gradient, in_begin, in_end, tile, merged)
    WITH_CONSTANTS(g, TRANSFORM);
#undef TRANSFORM
}
