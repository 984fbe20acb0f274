/* bench_kernels.h: what every bench does first: pick the BLAS kernels as
 * reconvene does (OPENBLAS_CORETYPE and the test hooks, blas_kernel.h),
 * which also applies RECONVENE_CONV3X3_ISA's cap, and print the two
 * header lines that name the kernels the figures below were taken with.
 *
 * Owns nothing.  Thread rules: the bench's main thread, before any net
 * runs.
 */
#ifndef RECONVENE_BENCH_KERNELS_H
#define RECONVENE_BENCH_KERNELS_H

/* Select the kernels and print "blas: ..." and "conv 3x3: ..." on stdout. */
void bench_kernels_select(void);

#endif
