// The processor's fp32 FMA peak, measured rather than looked up: a loop of independent fused
// multiply-adds on registers only (no memory traffic), as wide as the vector units allow.
// Twelve independent accumulators cover the FMA latency (4 cycles) times the two FMA pipes of
// current x86 cores, so the loop runs at the issue rate of the FMA units.

#include "ckernels.h"

#include <immintrin.h>
#include <time.h>

enum { CHAINS = 12, ROUNDS = 1 << 14 };

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

// Inline assembly, so that the loop is the same at every optimisation level (debug builds
// compile C without optimisation): each round issues CHAINS independent FMAs on registers
// 0-11, with the multiplier and addend in registers 12 and 13.
#define FMA_ROUNDS(REG, INSTR)                                                                   \
    __asm__ volatile(ZERO(REG, 0) ZERO(REG, 1) ZERO(REG, 2) ZERO(REG, 3) ZERO(REG, 4) ZERO(REG, 5)  \
                     ZERO(REG, 6) ZERO(REG, 7) ZERO(REG, 8) ZERO(REG, 9) ZERO(REG, 10) ZERO(REG, 11) \
                     ZERO(REG, 12) ZERO(REG, 13)                                                  \
                     "1:\n\t"                                                                     \
                     INSTR(0) INSTR(1) INSTR(2) INSTR(3) INSTR(4) INSTR(5)                         \
                     INSTR(6) INSTR(7) INSTR(8) INSTR(9) INSTR(10) INSTR(11)                       \
                     "dec %0\n\t"                                                                  \
                     "jnz 1b\n\t"                                                                  \
                     : "+r"(rounds)                                                               \
                     :                                                                            \
                     : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", \
                       "xmm9", "xmm10", "xmm11", "xmm12", "xmm13")
// Zeros in every register: the FMAs then compute 0 * 0 + 0, never a denormal or NaN.
#define ZERO(REG, n) "vxorps %%" REG #n ", %%" REG #n ", %%" REG #n "\n\t"
#define FMA_YMM(n) "vfmadd231ps %%ymm12, %%ymm13, %%ymm" #n "\n\t"
#define FMA_ZMM(n) "vfmadd231ps %%zmm12, %%zmm13, %%zmm" #n "\n\t"

__attribute__((target("avx512f")))
static void rounds_avx512(long rounds) { FMA_ROUNDS("zmm", FMA_ZMM); }

__attribute__((target("avx2,fma")))
static void rounds_avx2(long rounds) { FMA_ROUNDS("ymm", FMA_YMM); }

int ck_fma_vector_width(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return 16;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 8;
    return 0;
}

double ck_fma_peak_gflops(double seconds) {
    int width = ck_fma_vector_width();
    if (width == 0) return 0;
    // The best of five slices: on a shared machine a neighbour's burst can take part of any one
    // slice, and the peak is what the core does when it is not taken away.
    double best = 0;
    for (int slice = 0; slice < 5; slice++) {
        long rounds = 0;
        double start = now_seconds(), elapsed = 0;
        // Whole batches until the slice is spent; the first batch also wakes the vector units.
        do {
            if (width == 16) rounds_avx512(ROUNDS); else rounds_avx2(ROUNDS);
            rounds += ROUNDS;
            elapsed = now_seconds() - start;
        } while (elapsed < seconds / 5);
        double rate = (double)rounds * CHAINS * width * 2 / elapsed / 1e9;
        if (rate > best) best = rate;
    }
    return best;
}
