/* blas_info.h: which BLAS library and which of its kernels this process
 * runs, as the library reports it.
 *
 * The kernel matters to every measured figure (a latency taken with
 * OpenBLAS's SSE3 kernels is 2-5x one taken with its AVX-512 kernels on
 * the same CPU), so latency cache keys and benchmark output name it.
 * Which kernel is chosen is decided in the front end (tui/host/
 * blas_kernel.c); this module only reads the library's state.
 *
 * Owns nothing: the strings are the library's or static; never free
 * them.  Any thread, but the answer changes only while the front end
 * switches kernels at start-up, before any thread is started.
 *
 *   printf("%s kernels\n", blas_core_name());   // "Haswell kernels"
 */
#ifndef RECONVENE_BLAS_INFO_H
#define RECONVENE_BLAS_INFO_H

/* OpenBLAS's name for the kernels in use ("SkylakeX", "Haswell",
 * "Prescott", ...), or "unknown" when the BLAS is not OpenBLAS. */
const char *blas_core_name(void);

/* The library's build description ("OpenBLAS 0.3.21 DYNAMIC_ARCH
 * NO_AFFINITY Zen MAX_THREADS=64"), or "unknown BLAS". */
const char *blas_library(void);

#endif
