// Times oneDNN's own convolution primitives (Debian's libdnnl 2.6) on the layers of the 64x64
// DCGAN that take our Winograd path, at batch 64: G's transposed convolutions (oneDNN's
// deconvolution) and D's convolutions, forward in training mode. Each primitive is built with
// the layouts oneDNN prefers (format "any", so blocked ones) and only its execution is timed,
// the reorders from and to NCHW left out: the most favourable measure of oneDNN. Prints the
// best of `repeats` runs per layer in ms. Built and run by scripts/bench-onednn.
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CHECK(call)                                                                              \
    do {                                                                                         \
        dnnl_status_t status = (call);                                                           \
        if (status != dnnl_success) {                                                            \
            fprintf(stderr, "onednn_conv_bench: %s failed (%d)\n", #call, (int)status);          \
            exit(1);                                                                             \
        }                                                                                        \
    } while (0)

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static dnnl_memory_t allocate(const_dnnl_primitive_desc_t pd, dnnl_query_t what, dnnl_engine_t engine) {
    dnnl_memory_t memory;
    CHECK(dnnl_memory_create(&memory, dnnl_primitive_desc_query_md(pd, what, 0), engine, DNNL_MEMORY_ALLOCATE));
    float *data;
    CHECK(dnnl_memory_get_data_handle(memory, (void **)&data));
    size_t bytes = dnnl_memory_desc_get_size(dnnl_primitive_desc_query_md(pd, what, 0));
    for (size_t i = 0; i < bytes / sizeof(float); i++) data[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
    return memory;
}

// One layer: kernel 4, stride 2, padding 1, from `in` channels of side `side` to `out`.
static double time_layer(dnnl_engine_t engine, dnnl_stream_t stream, int transposed, int batch, int in, int out,
                         int side, int repeats) {
    const int out_side = transposed ? side * 2 : side / 2;
    dnnl_dims_t src_dims = {batch, in, side, side}, dst_dims = {batch, out, out_side, out_side};
    dnnl_dims_t weight_dims = {out, in, 4, 4}, strides = {2, 2}, padding = {1, 1};
    dnnl_memory_desc_t src, weights, dst;
    CHECK(dnnl_memory_desc_init_by_tag(&src, 4, src_dims, dnnl_f32, dnnl_format_tag_any));
    CHECK(dnnl_memory_desc_init_by_tag(&weights, 4, weight_dims, dnnl_f32, dnnl_format_tag_any));
    CHECK(dnnl_memory_desc_init_by_tag(&dst, 4, dst_dims, dnnl_f32, dnnl_format_tag_any));
    dnnl_primitive_desc_t pd;
    if (transposed) {
        dnnl_deconvolution_desc_t desc;
        CHECK(dnnl_deconvolution_forward_desc_init(&desc, dnnl_forward_training, dnnl_deconvolution_direct, &src, &weights,
                                                   NULL, &dst, strides, padding, padding));
        CHECK(dnnl_primitive_desc_create(&pd, &desc, NULL, engine, NULL));
    } else {
        dnnl_convolution_desc_t desc;
        CHECK(dnnl_convolution_forward_desc_init(&desc, dnnl_forward_training, dnnl_convolution_auto, &src, &weights, NULL,
                                                 &dst, strides, padding, padding));
        CHECK(dnnl_primitive_desc_create(&pd, &desc, NULL, engine, NULL));
    }
    dnnl_primitive_t primitive;
    CHECK(dnnl_primitive_create(&primitive, pd));
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, allocate(pd, dnnl_query_src_md, engine)},
                               {DNNL_ARG_WEIGHTS, allocate(pd, dnnl_query_weights_md, engine)},
                               {DNNL_ARG_DST, allocate(pd, dnnl_query_dst_md, engine)}};
    const char *implementation = "";
    CHECK(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &implementation));
    double best = 1e30;
    for (int r = 0; r < repeats + 1; r++) {
        const double start = now();
        CHECK(dnnl_primitive_execute(primitive, stream, 3, args));
        CHECK(dnnl_stream_wait(stream));
        if (r > 0 && now() - start < best) best = now() - start;  // the first run warms up
    }
    printf("%s %d->%d %dx%d -> %dx%d batch %d: %.2f ms (%s)\n", transposed ? "ConvTranspose2d" : "Conv2d", in, out, side,
           side, out_side, out_side, batch, best * 1e3, implementation);
    for (int a = 0; a < 3; a++) dnnl_memory_destroy(args[a].memory);
    dnnl_primitive_destroy(primitive);
    dnnl_primitive_desc_destroy(pd);
    return best;
}

int main(int argc, char **argv) {
    const int repeats = argc > 1 ? atoi(argv[1]) : 10;
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    CHECK(dnnl_engine_create(&engine, dnnl_cpu, 0));
    CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
    // G: 4x4 -> 8x8 (512 -> 256), 8 -> 16 (256 -> 128), 16 -> 32 (128 -> 64); D: 32 -> 16 (64 -> 128),
    // 16 -> 8 (128 -> 256), 8 -> 4 (256 -> 512).
    time_layer(engine, stream, 1, 64, 512, 256, 4, repeats);
    time_layer(engine, stream, 1, 64, 256, 128, 8, repeats);
    time_layer(engine, stream, 1, 64, 128, 64, 16, repeats);
    time_layer(engine, stream, 0, 64, 64, 128, 32, repeats);
    time_layer(engine, stream, 0, 64, 128, 256, 16, repeats);
    time_layer(engine, stream, 0, 64, 256, 512, 8, repeats);
    dnnl_stream_destroy(stream);
    dnnl_engine_destroy(engine);
    return 0;
}
