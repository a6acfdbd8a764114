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
/// measured for about `seconds` with a register-only loop of independent FMAs (the best of five
/// slices of that time); 0 without FMA.
double ck_fma_peak_gflops(double seconds);

/// y[i] = tanh(x[i]) for i < count, within 4 ulp (glibc's vector math library); y may be x.
void ck_tanh(const float *x, float *y, long count);

/// The sizes of an unfold or fold: `samples` images of `channels` x `height` x `width`, a square
/// kernel moved by `stride` over the image padded by `padding`, reaching `out_height` x
/// `out_width` positions.
typedef struct {
    int samples, channels, height, width, kernel, stride, padding, out_height, out_width;
} ck_patch_shape;

/// Rows [row_begin, row_end) of the column matrix of `image` (NCHW): row (c, ki, kj), column
/// n * positions + oh * out_width + ow holds image[n, c, oh*stride - padding + ki, ow*stride -
/// padding + kj], 0 outside the image.
void ck_unfold(const float *image, const ck_patch_shape *shape, float *columns, long row_begin, long row_end);

/// The adjoint of `ck_unfold` for channels [channel_begin, channel_end): adds every column entry
/// to the image element it came from (the image is not cleared first).
void ck_fold(const float *columns, const ck_patch_shape *shape, float *image, int channel_begin, int channel_end);

/// The activations `ck_activation_forward` and `ck_activation_backward` know.
typedef enum { CK_RELU, CK_LEAKY_RELU, CK_ELU, CK_TANH, CK_SIGMOID } ck_activation;

/// 1 / (1 + e^-x) without overflow for large |x|.
static inline float ck_stable_sigmoid(float x) {
    if (x >= 0) return 1 / (1 + __builtin_expf(-x));
    float e = __builtin_expf(x);
    return e / (1 + e);
}

/// y[i] = f(x[i]) for i < count; `parameter` is LeakyReLU's slope or ELU's alpha. y may be x.
void ck_activation_forward(ck_activation kind, float parameter, const float *x, float *y, long count);

/// dx[i] = dy[i] * f'(x[i]), written from the output y alone; dx may be dy.
void ck_activation_backward(ck_activation kind, float parameter, const float *y, const float *dy, float *dx,
                            long count);

#endif
