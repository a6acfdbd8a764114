#ifndef CDCGANKERNELS_CLONES_H
#define CDCGANKERNELS_CLONES_H

// Compiles a function for AVX2 and for the x86-64 baseline and lets the loader pick one
// (function multi-versioning): the package's Swift code builds for the baseline, and the
// memory-bound loops in C would otherwise stay at SSE2 too. Multi-versioning needs the ELF
// loader's indirect functions, so elsewhere the function is compiled once.
#if defined(__x86_64__) && defined(__ELF__)
#define CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CLONES
#endif

#endif
