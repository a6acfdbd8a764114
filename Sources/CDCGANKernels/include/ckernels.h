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

/// One Winograd pass of a kernel-4, stride-2, padding-1 convolution over `samples` images (see
/// winograd.c): the input is `in_channels` x `height` x `width`, the output `out_channels` x
/// `out_height` x `out_width`, in tiles of `tile` x `tile` positions (2 or 4) of the small side
/// (ConvTranspose2d's input, Conv2d's output), `tiles_y` x `tiles_x` per image, numbered (sample,
/// row, column). `transposed` is 1 for ConvTranspose2d (weight [in, out, 4, 4]), 0 for Conv2d
/// (weight [out, in, 4, 4]). Channels are padded to multiples of 8 (`in_padded`) and 16
/// (`out_padded`); the blocked input is [samples][in_padded / 8][patch_height][patch_width][8]
/// with the image at (1, 1); point p's plane of the transformed input starts at p * input_plane
/// and of the products at p * product_plane (a pad keeps the planes off the same cache sets).
///
/// `merged` (Conv2d's forward only, `transposed` 0): the four phase pairs of a Conv2d tile all
/// add into the same outputs through the same output transform, so their products are summed
/// as one: a product per point of a phase pair ((tile + 1)^2 of them) over four times the
/// channels, the phase pairs side by side in its depth (`ck_winograd_depth`).
typedef struct {
    int samples, in_channels, out_channels, height, width, out_height, out_width, tiles_y, tiles_x, transposed, tile;
    int merged;
    int in_padded, out_padded, patch_height, patch_width;
    long input_plane, product_plane;
} ck_winograd_shape;

/// Transformed points per tile: (2 tile + 2)^2, 36 or 100.
static inline int ck_winograd_points(const ck_winograd_shape *shape) {
    return 4 * (shape->tile + 1) * (shape->tile + 1);
}

/// Matrix products per tile, one per plane of the transformed input, weight and products: one
/// per point, or with `merged` one per point of a phase pair.
static inline int ck_winograd_products(const ck_winograd_shape *shape) {
    return shape->merged ? (shape->tile + 1) * (shape->tile + 1) : ck_winograd_points(shape);
}

/// The products' depth, the floats of a tile's row of the transformed input: the padded input
/// channels, times four with `merged`.
static inline int ck_winograd_depth(const ck_winograd_shape *shape) {
    return shape->merged ? 4 * shape->in_padded : shape->in_padded;
}

/// Floats from one product's transformed weight to the next: a cache line more than its panels
/// take, since planes a power of two apart would share the same cache sets.
static inline long ck_winograd_weight_plane(const ck_winograd_shape *shape) {
    return (long)ck_winograd_depth(shape) * shape->out_padded + 16;
}

/// Panels [panel_begin, panel_end) of the transformed weight, zero for padded channels: for each
/// of the products (`ck_winograd_weight_plane` apart), panels of 16 output channels,
/// [out_padded / 16][depth][16]; `u` on a 64-byte boundary (written with non-temporal stores).
void ck_winograd_weights(const ck_winograd_shape *shape, const float *weight, float *u, int panel_begin, int panel_end);

/// Items [item_begin, item_end) of the blocked input, an item being one sample's block of eight
/// channels; everything outside the image is 0.
void ck_winograd_block_input(const ck_winograd_shape *shape, const float *input, float *blocked, long item_begin,
                             long item_end);

/// Tiles [tile_begin, tile_end) of the transformed input v [products][tile - tile_begin][depth], its
/// blocks of eight channels [block_begin, block_end).
void ck_winograd_input(const ck_winograd_shape *shape, const float *blocked, float *v, long tile_begin, long tile_end,
                       int block_begin, int block_end);

/// What a convolution applies to each output channel c as it writes it: y = activation(scale[c]
/// * x + shift[c]), with `scale` NULL for 1 and `shift` NULL for 0 (a bias alone is a shift);
/// `activation` is CK_RELU, CK_LEAKY_RELU (slope `slope`) or -1 for none. An inference-mode
/// BatchNorm and the activation after it fold into one (`ConvEpilogue`).
typedef struct {
    const float *scale, *shift;
    int activation;
    float slope;
} ck_epilogue;

/// The output (NCHW, overwritten) of tiles [tile_begin, tile_end) from the products
/// m [products][tile - tile_begin][out_padded], through `epilogue`.
void ck_winograd_output(const ck_winograd_shape *shape, const float *m, const ck_epilogue *epilogue, float *output,
                        long tile_begin, long tile_end);

/// Applies `epilogue` in place to items [item_begin, item_end) of x, an item being one
/// channel's plane of `plane` floats, channels `channels` to a sample.
void ck_epilogue_apply(const ck_epilogue *epilogue, float *x, long channels, long plane, long item_begin,
                       long item_end);

/// A stride-1 Conv2d to a few output channels (narrow_conv.c): `channels` input planes of
/// `height` x `width`, `outs` output planes of `out_height` x `out_width`, a square kernel of side
/// `kernel`, zero padding `padding`; the weight is [outs, channels, kernel, kernel].
typedef struct {
    int channels, height, width, outs, kernel, padding, out_height, out_width;
} ck_narrow_shape;

/// Samples [sample_begin, sample_end) of the output y (NCHW, overwritten) from x, plus `bias`
/// (NULL for none); `plane` is scratch of (height + 2 padding) x (width + 2 padding) floats.
void ck_narrow_conv_forward(const ck_narrow_shape *shape, const float *x, const float *w, const float *bias, float *y,
                            float *plane, long sample_begin, long sample_end);

/// Samples [sample_begin, sample_end) of the input gradient dx (overwritten) from the output
/// gradient dy; `plane` as for the forward.
void ck_narrow_conv_input_gradient(const ck_narrow_shape *shape, const float *dy, const float *w, float *dx, float *plane,
                                   long sample_begin, long sample_end);

/// Adds to the weight gradient dw the share of input channels [channel_begin, channel_end),
/// over `samples` samples of x and dy; `plane` as for the forward.
void ck_narrow_conv_weight_gradient(const ck_narrow_shape *shape, long samples, const float *x, const float *dy, float *dw,
                                    float *plane, int channel_begin, int channel_end);

/// True when the processor has AVX2 and FMA (`ck_winograd_multiply`'s vector kernel).
bool ck_has_avx2_fma(void);

/// For each of the products p: m[p] (rows x out_padded) = v[p] (rows x depth) * u[p] (the
/// panels of `ck_winograd_weights`), planes v_plane and m_plane apart; `rows` a multiple of 6.
/// `vector` picks the AVX2 kernel (only where `ck_has_avx2_fma()`), else plain C.
void ck_winograd_multiply(const ck_winograd_shape *shape, int rows, const float *v, long v_plane, const float *u,
                          float *m, long m_plane, bool vector);

/// For each of the points p: du[p] (in_padded x out_padded, `ck_winograd_weight_plane` apart)
/// = v[p]^T * dm[p] (+= with `accumulate`) over `tiles` tiles, for the input channels (rows)
/// [row_begin, row_end) and the panels of 16 output channels [panel_begin, panel_end): v as
/// `ck_winograd_input` writes it (planes v_plane apart), dm in panels, [out_padded / 16][tiles][16]
/// (planes dm_plane apart). The weight gradient's shapes are never `merged`.
void ck_winograd_multiply_gradient(const ck_winograd_shape *shape, int tiles, const float *v, long v_plane,
                                   const float *dm, long dm_plane, float *du, int row_begin, int row_end,
                                   int panel_begin, int panel_end, bool accumulate, bool vector);

/// The gradients dm of the products of tiles [tile_begin, tile_end) from the output gradient
/// dy (NCHW), in the panels `ck_winograd_multiply_gradient` reads (planes dm_plane apart), for
/// the blocks of eight output channels [block_begin, block_end).
void ck_winograd_output_gradient(const ck_winograd_shape *shape, const float *dy, float *dm, long dm_plane,
                                 long tile_begin, long tile_end, int block_begin, int block_end);

/// Adds to the weight gradient (the direction's layout) of input channels [in_begin, in_end) the
/// taps' share of du, the gradient of the transformed weight.
void ck_winograd_weight_gradient(const ck_winograd_shape *shape, const float *du, float *weight_gradient, int in_begin,
                                 int in_end);

/// One channel's place in an NCHW tensor (batchnorm.c): `samples` rows of `plane` floats,
/// `channels * plane` floats apart.
typedef struct {
    long samples, channels, plane;
} ck_channel_layout;

/// Σ x over channel `channel`.
double ck_channel_sum(ck_channel_layout layout, const float *x, long channel);

/// Σ (x - mean)^2 over channel `channel`.
double ck_channel_squared_deviations(ck_channel_layout layout, const float *x, long channel, float mean);

/// Σ g and Σ g (x - mean) over channel `channel` of g and x.
void ck_channel_sum_and_moment(ck_channel_layout layout, const float *g, const float *x, long channel, float mean,
                               double *sum, double *moment);


/// One Adam update's constants (optimizers.c): the moments' decay rates, the L2 weight decay
/// added to the gradient, the step size over the first moment's bias correction, the square root
/// of the second moment's bias correction, and the denominator's epsilon.
typedef struct {
    float beta1, beta2, weight_decay, step_size, correction2, eps;
} ck_adam;

/// For i < count: g = gradient + weight_decay weight; first and second move towards g and g^2;
/// weight -= step_size first / (sqrt(second) / correction2 + eps).
void ck_adam_step(const ck_adam *adam, float *weight, const float *gradient, float *first, float *second, long count);

/// The activations `ck_activation_forward` and `ck_activation_backward` know.
typedef enum { CK_RELU, CK_LEAKY_RELU, CK_ELU, CK_TANH, CK_SIGMOID } ck_activation;

/// out = a u + b v + c over channel `channel`; with v NULL, out = activation(a u + c), where
/// `activation` is CK_RELU, CK_LEAKY_RELU (slope `slope`) or -1 for none. out may be u or v.
void ck_channel_linear(ck_channel_layout layout, const float *u, float a, const float *v, float b, float c,
                       int activation, float slope, float *out, long channel);

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
