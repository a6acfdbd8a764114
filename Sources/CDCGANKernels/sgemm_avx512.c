// A packed, cache-blocked SGEMM for AVX-512 (the Goto/BLIS structure): blocks of A and B are
// copied into contiguous panels, and a 12 x 32 register-blocked micro-kernel multiplies a
// 12-row panel of A by a 32-column panel of B, keeping the 12 x 32 tile of C in 24 vector
// registers for the whole depth of the block.
//
// Why our own: the environment this project is built in pins OpenBLAS to its AVX2 kernels,
// which run at half the speed of the processor's AVX-512 units; this kernel uses them always.

#include "ckernels.h"

#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

// KC x NR floats of B (32 KiB) stay in the 48 KiB L1 while the A panels stream from L2.
enum { MR = 12, NR = 32, KC = 256, MC = 192, NC = 3072 };

bool ck_has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

// Packs rows [i0, i0+rows) x depth [p0, p0+depth) of op(A) into MR-row panels:
// panel r holds, for each p, the MR values of rows r*MR ... r*MR+MR-1 (zeros past the edge).
// Each loop nest reads along the source's contiguous dimension.
static void pack_a(const float *a, int lda, bool trans, int i0, int rows, int p0, int depth, float *out) {
    for (int r = 0; r < rows; r += MR) {
        int height = rows - r < MR ? rows - r : MR;
        if (trans) {
            for (int p = 0; p < depth; p++) {
                const float *source = a + (long)(p0 + p) * lda + i0 + r;
                for (int i = 0; i < height; i++) out[p * MR + i] = source[i];
                for (int i = height; i < MR; i++) out[p * MR + i] = 0;
            }
        } else {
            for (int i = 0; i < height; i++) {
                const float *source = a + (long)(i0 + r + i) * lda + p0;
                for (int p = 0; p < depth; p++) out[p * MR + i] = source[p];
            }
            for (int i = height; i < MR; i++)
                for (int p = 0; p < depth; p++) out[p * MR + i] = 0;
        }
        out += MR * depth;
    }
}

// Packs depth [p0, p0+depth) x columns [j0, j0+cols) of op(B) into NR-column panels.
static void pack_b(const float *b, int ldb, bool trans, int p0, int depth, int j0, int cols, float *out) {
    for (int c = 0; c < cols; c += NR) {
        int width = cols - c < NR ? cols - c : NR;
        if (trans) {
            for (int j = 0; j < width; j++) {
                const float *source = b + (long)(j0 + c + j) * ldb + p0;
                for (int p = 0; p < depth; p++) out[p * NR + j] = source[p];
            }
            for (int j = width; j < NR; j++)
                for (int p = 0; p < depth; p++) out[p * NR + j] = 0;
        } else {
            for (int p = 0; p < depth; p++) {
                const float *source = b + (long)(p0 + p) * ldb + j0 + c;
                if (width == NR) {
                    memcpy(out + p * NR, source, NR * sizeof(float));
                } else {
                    for (int j = 0; j < width; j++) out[p * NR + j] = source[j];
                    for (int j = width; j < NR; j++) out[p * NR + j] = 0;
                }
            }
        }
        out += NR * depth;
    }
}

// C[0..rows, 0..cols] = alpha * (Apanel * Bpanel) + beta * C, for a tile of at most MR x NR.
__attribute__((target("avx512f,fma")))
static void micro_kernel(int depth, const float *ap, const float *bp, float *c, int ldc, int rows, int cols,
                         float alpha, float beta) {
    __m512 acc[MR][2];
    for (int i = 0; i < MR; i++) { acc[i][0] = _mm512_setzero_ps(); acc[i][1] = _mm512_setzero_ps(); }
    for (int p = 0; p < depth; p++) {
        __m512 b0 = _mm512_loadu_ps(bp), b1 = _mm512_loadu_ps(bp + 16);
        for (int i = 0; i < MR; i++) {
            __m512 ai = _mm512_set1_ps(ap[i]);
            acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
        }
        ap += MR;
        bp += NR;
    }
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    __mmask16 m0 = cols >= 16 ? 0xFFFF : (__mmask16)((1u << cols) - 1);
    __mmask16 m1 = cols >= 32 ? 0xFFFF : cols <= 16 ? 0 : (__mmask16)((1u << (cols - 16)) - 1);
    for (int i = 0; i < rows; i++) {
        float *row = c + (long)i * ldc;
        __m512 r0 = _mm512_mul_ps(va, acc[i][0]), r1 = _mm512_mul_ps(va, acc[i][1]);
        if (beta != 0) {
            r0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m0, row), r0);
            r1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m1, row + 16), r1);
        }
        _mm512_mask_storeu_ps(row, m0, r0);
        _mm512_mask_storeu_ps(row + 16, m1, r1);
    }
}

void ck_sgemm_avx512(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
                     const float *a, int lda, const float *b, int ldb,
                     float beta, float *c, int ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) c[(long)i * ldc + j] = beta == 0 ? 0 : beta * c[(long)i * ldc + j];
        return;
    }
    // Per-thread panels, kept between calls: a product must not allocate in the training loop.
    static _Thread_local float *packed_a, *packed_b;
    if (!packed_a) {
        packed_a = aligned_alloc(64, sizeof(float) * MC * KC);
        packed_b = aligned_alloc(64, sizeof(float) * KC * (NC + NR));
    }
    for (int jc = 0; jc < n; jc += NC) {
        int cols = n - jc < NC ? n - jc : NC;
        for (int pc = 0; pc < k; pc += KC) {
            int depth = k - pc < KC ? k - pc : KC;
            // The first block of depth applies beta; the later ones add to it.
            float block_beta = pc == 0 ? beta : 1;
            pack_b(b, ldb, trans_b, pc, depth, jc, cols, packed_b);
            for (int ic = 0; ic < m; ic += MC) {
                int rows = m - ic < MC ? m - ic : MC;
                pack_a(a, lda, trans_a, ic, rows, pc, depth, packed_a);
                for (int jr = 0; jr < cols; jr += NR) {
                    int tile_cols = cols - jr < NR ? cols - jr : NR;
                    for (int ir = 0; ir < rows; ir += MR) {
                        int tile_rows = rows - ir < MR ? rows - ir : MR;
                        micro_kernel(depth, packed_a + (long)ir * depth, packed_b + (long)jr * depth,
                                     c + (long)(ic + ir) * ldc + jc + jr, ldc, tile_rows, tile_cols, alpha, block_beta);
                    }
                }
            }
        }
    }
}
