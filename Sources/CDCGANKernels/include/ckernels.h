#ifndef CKERNELS_H
#define CKERNELS_H

#include <stdbool.h>

/// True when the processor has the AVX-512 instructions `ck_sgemm_avx512` needs.
bool ck_has_avx512(void);

/// Single-threaded row-major SGEMM: C = alpha * op(A) * op(B) + beta * C, where op(A) is
/// m x k and op(B) is k x n. Call only when `ck_has_avx512()` is true.
void ck_sgemm_avx512(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
                     const float *a, int lda, const float *b, int ldb,
                     float beta, float *c, int ldc);

/// Lanes of the widest fp32 FMA this processor has: 16 (AVX-512), 8 (AVX2 with FMA) or 0.
int ck_fma_vector_width(void);

/// The fp32 FMA rate of the calling thread's core in GFLOP/s (an FMA counts as two operations),
/// measured for about `seconds` with a register-only loop of independent FMAs; 0 without FMA.
double ck_fma_peak_gflops(double seconds);

/// y[i] = tanh(x[i]) for i < count, within 4 ulp (glibc's vector math library); y may be x.
void ck_tanh(const float *x, float *y, long count);

#endif
