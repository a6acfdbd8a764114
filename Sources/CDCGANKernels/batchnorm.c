// BatchNorm's passes over one channel of an NCHW tensor: its `samples` rows of `plane` floats,
// `channels * plane` floats apart. In C so that each loop is also compiled for AVX2
// (`target_clones`), and so that a row as short as a 4 x 4 map (D's last BatchNorm at 64 x 64)
// still goes through whole vectors: the Swift loops summed rows shorter than 32 one Double at a
// time, a chain of dependent additions (the 4 x 4 layer's forward took as long as one over a
// map four times as large, docs/PERFORMANCE.md).
//
// Each row is summed in eight Float lanes (a lane adds at most plane / 8 values), and the rows'
// sums are added in Double, so that the error does not grow with the batch.

#include "ckernels.h"
#include "clones.h"

typedef float lanes __attribute__((vector_size(32), aligned(4)));
typedef double wide __attribute__((vector_size(32), aligned(8)));
typedef float half_lanes __attribute__((vector_size(16), aligned(4)));

// Adds the eight lanes of `v` into four Double lanes.
// (Vectors go by pointer: passed by value they would change the baseline clone's ABI.)
static inline __attribute__((always_inline)) void widen_into(wide *total, const lanes *v) {
    const half_lanes low = __builtin_shufflevector(*v, *v, 0, 1, 2, 3), high = __builtin_shufflevector(*v, *v, 4, 5, 6, 7);
    *total += __builtin_convertvector(low, wide) + __builtin_convertvector(high, wide);
}

static inline __attribute__((always_inline)) double lanes_total(const wide *v) {
    return ((*v)[0] + (*v)[1]) + ((*v)[2] + (*v)[3]);
}

// Σ over the channel of (x - center) or, with `square`, of (x - center)^2; with `g`, of g and
// of g (x - center) (`second` gets the latter). A constant at every call, so each use is its
// own loop.
static inline __attribute__((always_inline)) void channel_sums(ck_channel_layout l, const float *g,
                                                               const float *x, long channel, float center,
                                                               const int square, double *first, double *second) {
    const lanes c = (lanes){0} + center;
    wide a = {0}, b = {0};
    double tail_a = 0, tail_b = 0;
    for (long n = 0; n < l.samples; n++) {
        const long row = (n * l.channels + channel) * l.plane;
        const float *xs = x + row, *gs = g ? g + row : 0;
        lanes sa = {0}, sb = {0};
        long i = 0;
        for (; i + 8 <= l.plane; i += 8) {
            const lanes d = *(const lanes *)(xs + i) - c;
            if (g) {
                const lanes gv = *(const lanes *)(gs + i);
                sa += gv;
                sb += gv * d;
            } else {
                sa += square ? d * d : d;
            }
        }
        widen_into(&a, &sa);
        if (g) widen_into(&b, &sb);
        for (; i < l.plane; i++) {
            const double d = (double)xs[i] - center;
            if (g) {
                tail_a += gs[i];
                tail_b += gs[i] * d;
            } else {
                tail_a += square ? d * d : d;
            }
        }
    }
    *first = lanes_total(&a) + tail_a;
    if (second) *second = lanes_total(&b) + tail_b;
}

CLONES
double ck_channel_sum(ck_channel_layout l, const float *x, long channel) {
    double sum;
    channel_sums(l, 0, x, channel, 0, 0, &sum, 0);
    return sum;
}

CLONES
double ck_channel_squared_deviations(ck_channel_layout l, const float *x, long channel, float mean) {
    double squares;
    channel_sums(l, 0, x, channel, mean, 1, &squares, 0);
    return squares;
}

CLONES
void ck_channel_sum_and_moment(ck_channel_layout l, const float *g, const float *x, long channel, float mean,
                               double *sum, double *moment) {
    channel_sums(l, g, x, channel, mean, 0, sum, moment);
}

CLONES
void ck_channel_linear(ck_channel_layout l, const float *u, float a, const float *v, float b, float c,
                       int activation, float slope, float *out, long channel) {
    // ReLU is the leaky one with slope 0.
    const float negative = activation == CK_LEAKY_RELU ? slope : 0;
    for (long n = 0; n < l.samples; n++) {
        const long row = (n * l.channels + channel) * l.plane;
        const float *us = u + row, *vs = v ? v + row : 0;
        float *target = out + row;
        if (v) {
            for (long i = 0; i < l.plane; i++) target[i] = a * us[i] + b * vs[i] + c;
        } else if (activation < 0) {
            for (long i = 0; i < l.plane; i++) target[i] = a * us[i] + c;
        } else {
            for (long i = 0; i < l.plane; i++) {
                const float value = a * us[i] + c;
                target[i] = value > 0 ? value : negative * value;
            }
        }
    }
}
