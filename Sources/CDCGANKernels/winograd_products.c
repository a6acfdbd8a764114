// The matrix products of a block of Winograd tiles (winograd.c): for each product p,
// m[p] (rows x out_padded) = v[p] (rows x depth) * u[p] (depth x out_padded).
//
// A register-blocked kernel of our own rather than a library call: the products are small and
// many (36 or 100 per block of a few dozen tiles, so that the block stays in the core's L2 cache), and
// a library would copy ("pack") both operands on every call. Here the transformed weight is
// packed once per layer call (ck_winograd_weights writes it in 16-column panels) and the
// transformed input is read where it lies.

#include "ckernels.h"

#include <immintrin.h>

bool ck_has_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

// The operand a of a product: element (row i, depth p) at a[i * row_stride + p * depth_stride].
// The forward products read the transformed input by rows (depth along the channels); the
// weight gradient reads it transposed (rows are channels, depth runs over the tiles).
typedef struct {
    const float *a;
    long row_stride, depth_stride;
} operand;

// One ROWS x 16 tile of c (+)= a (ROWS rows from row i) * panel (depth x 16): the tile stays in
// registers for the whole depth, with the panel's two vectors loaded once per step and each
// row's value broadcast. ROWS is a constant at every call, so the loops over it unroll.
__attribute__((target("avx2,fma"), always_inline))
static inline void tile_avx2(const int rows, int depth, operand a, long i, const float *panel, float *out, long ldc,
                             bool accumulate) {
    __m256 c[6][2];
    for (int r = 0; r < rows; r++) c[r][0] = c[r][1] = _mm256_setzero_ps();
    // A tile that adds to c (the weight gradient's, after its first block) asks for c's lines
    // now: they come from the last-level cache (the gradient of the transformed weight is 3-19
    // MiB) and would otherwise stall the stores after the last step. Measured on Zen 3 with the
    // weight gradient's shapes: 1.05-1.6 times as fast.
    if (accumulate) {
        for (int r = 0; r < rows; r++) _mm_prefetch((const char *)(out + r * ldc), _MM_HINT_T0);
    }
    const float *row = a.a + i * a.row_stride;
    for (int p = 0; p < depth; p++, row += a.depth_stride) {
        const __m256 b0 = _mm256_loadu_ps(panel + p * 16), b1 = _mm256_loadu_ps(panel + p * 16 + 8);
        for (int r = 0; r < rows; r++) {
            const __m256 x = _mm256_broadcast_ss(row + r * a.row_stride);
            c[r][0] = _mm256_fmadd_ps(x, b0, c[r][0]);
            c[r][1] = _mm256_fmadd_ps(x, b1, c[r][1]);
        }
    }
    for (int r = 0; r < rows; r++) {
        float *target = out + r * ldc;
        if (accumulate) {
            c[r][0] = _mm256_add_ps(c[r][0], _mm256_loadu_ps(target));
            c[r][1] = _mm256_add_ps(c[r][1], _mm256_loadu_ps(target + 8));
        }
        _mm256_storeu_ps(target, c[r][0]);
        _mm256_storeu_ps(target + 8, c[r][1]);
    }
}

// c (rows x 16 * panels) (+)= a * b (panels of depth x 16). Rows go in groups of 48, each group
// meeting every panel before the next group starts (measured on Zen 3, one core: 67-78 GFLOP/s
// for 128-192 rows, 56 without the groups); the last rows of a count not divisible by 6 take a
// narrower tile.
__attribute__((target("avx2,fma")))
static void multiply_avx2(int rows, int panels, int depth, operand a, const float *b, float *c, long ldc,
                          bool accumulate) {
    for (int group = 0; group < rows; group += 48) {
        const int group_end = group + 48 < rows ? group + 48 : rows;
        for (int j = 0; j < panels; j++) {
            const float *panel = b + (long)j * depth * 16;
            int i = group;
            for (; i + 6 <= group_end; i += 6) tile_avx2(6, depth, a, i, panel, c + (long)i * ldc + j * 16, ldc, accumulate);
            float *out = c + (long)i * ldc + j * 16;
            switch (group_end - i) {
            case 5: tile_avx2(5, depth, a, i, panel, out, ldc, accumulate); break;
            case 4: tile_avx2(4, depth, a, i, panel, out, ldc, accumulate); break;
            case 3: tile_avx2(3, depth, a, i, panel, out, ldc, accumulate); break;
            case 2: tile_avx2(2, depth, a, i, panel, out, ldc, accumulate); break;
            case 1: tile_avx2(1, depth, a, i, panel, out, ldc, accumulate); break;
            default: break;
            }
        }
    }
}

// The same product in plain C, the reference for the kernel above and the path of processors
// without AVX2 and FMA.
static void multiply_plain(int rows, int panels, int depth, operand a, const float *b, float *c, long ldc,
                           bool accumulate) {
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < panels; j++) {
            float sum[16] = {0};
            for (int p = 0; p < depth; p++) {
                const float x = a.a[i * a.row_stride + p * a.depth_stride];
                for (int l = 0; l < 16; l++) sum[l] += x * b[((long)j * depth + p) * 16 + l];
            }
            float *target = c + (long)i * ldc + j * 16;
            for (int l = 0; l < 16; l++) target[l] = accumulate ? target[l] + sum[l] : sum[l];
        }
    }
}

static void multiply(int rows, int panels, int depth, operand a, const float *b, float *c, long ldc, bool accumulate,
                     bool vector) {
    if (vector) {
        multiply_avx2(rows, panels, depth, a, b, c, ldc, accumulate);
    } else {
        multiply_plain(rows, panels, depth, a, b, c, ldc, accumulate);
    }
}

void ck_winograd_multiply(const ck_winograd_shape *g, int rows, const float *v, long v_plane, const float *u,
                          float *m, long m_plane, bool vector) {
    const long u_plane = ck_winograd_weight_plane(g);
    const int products = ck_winograd_products(g), depth = ck_winograd_depth(g);
    for (int p = 0; p < products; p++) {
        const operand a = {v + p * v_plane, depth, 1};
        multiply(rows, g->out_padded / 16, depth, a, u + p * u_plane, m + p * m_plane, g->out_padded, false, vector);
    }
}

void ck_winograd_multiply_gradient(const ck_winograd_shape *g, int tiles, const float *v, long v_plane,
                                   const float *dm, long dm_plane, float *du, int row_begin, int row_end,
                                   int panel_begin, int panel_end, bool accumulate, bool vector) {
    const long du_plane = ck_winograd_weight_plane(g);
    const int products = ck_winograd_products(g), depth = ck_winograd_depth(g);
    for (int p = 0; p < products; p++) {
        // Merged, the four phase pairs' rows of the depth share the point's dm.
        for (int phase = 0; phase < depth / g->in_padded; phase++) {
            const int row = phase * g->in_padded + row_begin;
            const operand a = {v + p * v_plane + row, 1, depth};
            multiply(row_end - row_begin, panel_end - panel_begin, tiles, a, dm + p * dm_plane + (long)panel_begin * tiles * 16,
                     du + p * du_plane + (long)row * g->out_padded + panel_begin * 16, g->out_padded, accumulate, vector);
        }
    }
}
