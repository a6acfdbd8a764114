// Conv2d of stride 1 to a few output channels (an RGB or gray output layer with a wide kernel,
// such as the Keras CIFAR-10 generator's 256 -> 3 channels 7x7), with no column matrix.
//
// The column lowering would unfold in_channels x kernel^2 rows per output position (12,544 for
// that layer: 51 MB per 32x32 sample) for a product only a few rows tall, which runs far below
// the processor's speed. Here each input channel is copied once into a zero-padded plane that
// stays in the L1 cache, and every tap adds a shifted row of it, times the tap's weight, into
// each output plane (also in L1): the same multiply-adds as the direct sum, as rows the
// compiler vectorises. The input gradient is the adjoint (shifted rows of the output gradient
// added into a padded plane), the weight gradient one dot product per tap.

#include "ckernels.h"
#include "clones.h"

typedef float lanes __attribute__((vector_size(32), aligned(4)));

// Sample n's input channel c, zero-padded by `padding` on every side, into `plane`.
static void pad_plane(const ck_narrow_shape *s, const float *x, float *plane) {
    const int ph = s->height + 2 * s->padding, pw = s->width + 2 * s->padding;
    for (long e = 0; e < (long)ph * pw; e++) plane[e] = 0;
    for (int y = 0; y < s->height; y++) {
        float *row = plane + (long)(y + s->padding) * pw + s->padding;
        for (int x0 = 0; x0 < s->width; x0++) row[x0] = x[(long)y * s->width + x0];
    }
}

// Weight (o, c, kh, kw) of the [out, in, k, k] weight.
static inline float tap(const ck_narrow_shape *s, const float *w, int o, int c, int kh, int kw) {
    return w[(((long)o * s->channels + c) * s->kernel + kh) * s->kernel + kw];
}

CLONES
void ck_narrow_conv_forward(const ck_narrow_shape *s, const float *x, const float *w, const float *bias, float *y,
                            float *plane, long sample_begin, long sample_end) {
    const int pw = s->width + 2 * s->padding, ow = s->out_width;
    const long image = (long)s->height * s->width, positions = (long)s->out_height * ow;
    for (long n = sample_begin; n < sample_end; n++) {
        float *out = y + n * s->outs * positions;
        for (int o = 0; o < s->outs; o++) {
            for (long e = 0; e < positions; e++) out[o * positions + e] = bias ? bias[o] : 0;
        }
        for (int c = 0; c < s->channels; c++) {
            pad_plane(s, x + (n * s->channels + c) * image, plane);
            for (int o = 0; o < s->outs; o++) {
                for (int kh = 0; kh < s->kernel; kh++) {
                    for (int kw = 0; kw < s->kernel; kw++) {
                        const float weight = tap(s, w, o, c, kh, kw);
                        for (int oy = 0; oy < s->out_height; oy++) {
                            const float *restrict source = plane + (long)(oy + kh) * pw + kw;
                            float *restrict target = out + o * positions + (long)oy * ow;
                            for (int ox = 0; ox < ow; ox++) target[ox] += weight * source[ox];
                        }
                    }
                }
            }
        }
    }
}

CLONES
void ck_narrow_conv_input_gradient(const ck_narrow_shape *s, const float *dy, const float *w, float *dx, float *plane,
                                   long sample_begin, long sample_end) {
    const int ph = s->height + 2 * s->padding, pw = s->width + 2 * s->padding, ow = s->out_width;
    const long image = (long)s->height * s->width, positions = (long)s->out_height * ow;
    for (long n = sample_begin; n < sample_end; n++) {
        for (int c = 0; c < s->channels; c++) {
            for (long e = 0; e < (long)ph * pw; e++) plane[e] = 0;
            for (int o = 0; o < s->outs; o++) {
                const float *gradient = dy + (n * s->outs + o) * positions;
                for (int kh = 0; kh < s->kernel; kh++) {
                    for (int kw = 0; kw < s->kernel; kw++) {
                        const float weight = tap(s, w, o, c, kh, kw);
                        for (int oy = 0; oy < s->out_height; oy++) {
                            float *restrict target = plane + (long)(oy + kh) * pw + kw;
                            const float *restrict source = gradient + (long)oy * ow;
                            for (int ox = 0; ox < ow; ox++) target[ox] += weight * source[ox];
                        }
                    }
                }
            }
            // The padding's share falls outside the input and is dropped.
            float *out = dx + (n * s->channels + c) * image;
            for (int yy = 0; yy < s->height; yy++) {
                const float *row = plane + (long)(yy + s->padding) * pw + s->padding;
                for (int xx = 0; xx < s->width; xx++) out[(long)yy * s->width + xx] = row[xx];
            }
        }
    }
}

CLONES
void ck_narrow_conv_weight_gradient(const ck_narrow_shape *s, long samples, const float *x, const float *dy, float *dw,
                                    float *plane, int channel_begin, int channel_end) {
    const int pw = s->width + 2 * s->padding, ow = s->out_width;
    const long image = (long)s->height * s->width, positions = (long)s->out_height * ow;
    for (int c = channel_begin; c < channel_end; c++) {
        for (long n = 0; n < samples; n++) {
            pad_plane(s, x + (n * s->channels + c) * image, plane);
            for (int o = 0; o < s->outs; o++) {
                const float *gradient = dy + (n * s->outs + o) * positions;
                for (int kh = 0; kh < s->kernel; kh++) {
                    for (int kw = 0; kw < s->kernel; kw++) {
                        // Eight partial sums side by side, then the rows' remainders.
                        lanes sums = {0};
                        float rest = 0;
                        for (int oy = 0; oy < s->out_height; oy++) {
                            const float *source = plane + (long)(oy + kh) * pw + kw, *g = gradient + (long)oy * ow;
                            int ox = 0;
                            for (; ox + 8 <= ow; ox += 8) sums += *(const lanes *)(g + ox) * *(const lanes *)(source + ox);
                            for (; ox < ow; ox++) rest += g[ox] * source[ox];
                        }
                        float total = rest;
                        for (int l = 0; l < 8; l++) total += sums[l];
                        dw[(((long)o * s->channels + c) * s->kernel + kh) * s->kernel + kw] += total;
                    }
                }
            }
        }
    }
}
