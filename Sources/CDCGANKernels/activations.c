// The pointwise activations and their gradients, in C so that each loop is also compiled for
// AVX2 (`target_clones`): the package's Swift code builds for the x86-64 baseline and its
// versions of these loops stayed scalar (ReLU's backward on a 64x64 generator's last hidden
// layer took 6 times as long as its forward). The gradients are written from the output alone,
// so an activation can overwrite its input and the gradient the one it is given.

#include "ckernels.h"
#include "clones.h"

#include <math.h>

CLONES
void ck_epilogue_apply(const ck_epilogue *e, float *x, long channels, long plane, long item_begin, long item_end) {
    // ReLU is the leaky one with slope 0.
    const float slope = e->activation == CK_LEAKY_RELU ? e->slope : 0;
    for (long item = item_begin; item < item_end; item++) {
        const long c = item % channels;
        const float scale = e->scale ? e->scale[c] : 1, shift = e->shift ? e->shift[c] : 0;
        float *row = x + item * plane;
        if (e->activation < 0) {
            for (long i = 0; i < plane; i++) row[i] = scale * row[i] + shift;
        } else {
            for (long i = 0; i < plane; i++) {
                const float v = scale * row[i] + shift;
                row[i] = v > 0 ? v : slope * v;
            }
        }
    }
}

CLONES
void ck_activation_forward(ck_activation kind, float parameter, const float *x, float *y, long count) {
    switch (kind) {
    case CK_RELU:
        for (long i = 0; i < count; i++) y[i] = x[i] > 0 ? x[i] : 0;
        break;
    case CK_LEAKY_RELU:
        for (long i = 0; i < count; i++) y[i] = x[i] > 0 ? x[i] : parameter * x[i];
        break;
    case CK_ELU:
        for (long i = 0; i < count; i++) y[i] = x[i] > 0 ? x[i] : parameter * (expf(x[i]) - 1);
        break;
    case CK_TANH:
        ck_tanh(x, y, count);
        break;
    case CK_SIGMOID:
        for (long i = 0; i < count; i++) y[i] = ck_stable_sigmoid(x[i]);
        break;
    }
}

// dx[i] = GRADIENT, where GRADIENT reads the output y[i] and the incoming gradient g. `dy` and
// `dx` are the same array or disjoint ones; the in-place loop reads and writes one array, so
// the vectoriser needs no overlap check (which equal pointers would fail).
#define EACH_GRADIENT(GRADIENT)                                                    \
    do {                                                                           \
        if (dx == dy) {                                                            \
            for (long i = 0; i < count; i++) { float g = dx[i]; dx[i] = (GRADIENT); } \
        } else {                                                                   \
            for (long i = 0; i < count; i++) { float g = dy[i]; dx[i] = (GRADIENT); } \
        }                                                                          \
    } while (0)

CLONES
void ck_activation_backward(ck_activation kind, float parameter, const float *y, const float *dy, float *dx,
                            long count) {
    switch (kind) {
    case CK_RELU: EACH_GRADIENT(y[i] > 0 ? g : 0); break;
    case CK_LEAKY_RELU: EACH_GRADIENT(y[i] > 0 ? g : parameter * g); break;
    case CK_ELU: EACH_GRADIENT(y[i] > 0 ? g : g * (y[i] + parameter)); break;
    case CK_TANH: EACH_GRADIENT(g * (1 - y[i] * y[i])); break;
    case CK_SIGMOID: EACH_GRADIENT(g * y[i] * (1 - y[i])); break;
    }
}
