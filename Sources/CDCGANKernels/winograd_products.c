// The 36 matrix products of a block of Winograd tiles (winograd.c): for each point p,
// m[p] (rows x out_padded) = v[p] (rows x in_padded) * u[p] (in_padded x out_padded).
//
// A register-blocked kernel of our own rather than a library call: the products are small and
// many (36 per block of a few dozen tiles, so that the block stays in the core's L2 cache), and
// a library would copy ("pack") both operands on every call. Here the transformed weight is
// packed once per layer call (ck_winograd_weights writes it in 16-column panels) and the
// transformed input is read where it lies.

#include "ckernels.h"

#include <immintrin.h>

bool ck_has_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

// One 6 x 16 tile of c = a (6 rows from a0, row stride lda) * panel (depth x 16): the tile stays
// in twelve registers for the whole depth, with the panel's two vectors loaded once per step and
// each row's value broadcast.
__attribute__((target("avx2,fma"), always_inline))
static inline void tile_avx2(int depth, const float *a0, long lda, const float *panel, float *out, long ldc) {
    const float *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda, *a4 = a3 + lda, *a5 = a4 + lda;
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (int p = 0; p < depth; p++) {
        const __m256 b0 = _mm256_loadu_ps(panel + p * 16), b1 = _mm256_loadu_ps(panel + p * 16 + 8);
        __m256 x = _mm256_broadcast_ss(a0 + p);
        c00 = _mm256_fmadd_ps(x, b0, c00);
        c01 = _mm256_fmadd_ps(x, b1, c01);
        x = _mm256_broadcast_ss(a1 + p);
        c10 = _mm256_fmadd_ps(x, b0, c10);
        c11 = _mm256_fmadd_ps(x, b1, c11);
        x = _mm256_broadcast_ss(a2 + p);
        c20 = _mm256_fmadd_ps(x, b0, c20);
        c21 = _mm256_fmadd_ps(x, b1, c21);
        x = _mm256_broadcast_ss(a3 + p);
        c30 = _mm256_fmadd_ps(x, b0, c30);
        c31 = _mm256_fmadd_ps(x, b1, c31);
        x = _mm256_broadcast_ss(a4 + p);
        c40 = _mm256_fmadd_ps(x, b0, c40);
        c41 = _mm256_fmadd_ps(x, b1, c41);
        x = _mm256_broadcast_ss(a5 + p);
        c50 = _mm256_fmadd_ps(x, b0, c50);
        c51 = _mm256_fmadd_ps(x, b1, c51);
    }
    const __m256 tile[6][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    for (int r = 0; r < 6; r++) {
        _mm256_storeu_ps(out + r * ldc, tile[r][0]);
        _mm256_storeu_ps(out + r * ldc + 8, tile[r][1]);
    }
}

// c (rows x 16 * panels) = a (rows x depth, row stride lda) * b (panels of depth x 16), rows a
// multiple of 6. Rows go in groups of 48, each group meeting every panel before the next group
// starts (measured on Zen 3, one core: 67-78 GFLOP/s for 128-192 rows, 56 without the groups).
__attribute__((target("avx2,fma")))
static void multiply_avx2(int rows, int panels, int depth, const float *a, long lda, const float *b, float *c, long ldc) {
    for (int group = 0; group < rows; group += 48) {
        const int group_end = group + 48 < rows ? group + 48 : rows;
        for (int j = 0; j < panels; j++) {
            for (int i = group; i < group_end; i += 6) {
                tile_avx2(depth, a + (long)i * lda, lda, b + (long)j * depth * 16, c + (long)i * ldc + j * 16, ldc);
            }
        }
    }
}

// The same product in plain C, the reference for the kernel above and the path of processors
// without AVX2 and FMA.
static void multiply_plain(int rows, int panels, int depth, const float *a, long lda, const float *b, float *c, long ldc) {
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < panels; j++) {
            float sum[16] = {0};
            for (int p = 0; p < depth; p++) {
                const float x = a[(long)i * lda + p];
                for (int l = 0; l < 16; l++) sum[l] += x * b[((long)j * depth + p) * 16 + l];
            }
            for (int l = 0; l < 16; l++) c[(long)i * ldc + j * 16 + l] = sum[l];
        }
    }
}

void ck_winograd_multiply(const ck_winograd_shape *g, int rows, const float *v, long v_plane, const float *u,
                          float *m, long m_plane, bool vector) {
    const int panels = g->out_padded / 16;
    const long u_plane = ck_winograd_weight_plane(g);
    for (int p = 0; p < 36; p++) {
        const float *a = v + p * v_plane, *b = u + p * u_plane;
        float *c = m + p * m_plane;
        if (vector) {
            multiply_avx2(rows, panels, g->in_padded, a, g->in_padded, b, c, g->out_padded);
        } else {
            multiply_plain(rows, panels, g->in_padded, a, g->in_padded, b, c, g->out_padded);
        }
    }
}
