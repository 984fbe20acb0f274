/* gemm_thin.h: C = A B for a thin B (at most GEMM_THIN_MAX_N columns),
 * streaming A once.
 *
 * At batch 1 the late convs of a VGG are such products: A is the weight
 * matrix (512 x 4608 floats, 9 MB), B the im2col matrix of a 4x4 or 2x2
 * map (16 or 4 columns).  OpenBLAS packs A into panels before its kernel
 * runs, so it reads A twice and writes it once, and its kernels are built
 * for wide B: on these shapes it reaches 5-9 GB/s of A (docs/performance.md).
 * This kernel keeps B, padded to 8 or 16 columns (on AVX-512, at 4 columns
 * or fewer, packed four k to a vector), in cache and runs over A once, a
 * block of rows at a time, with every row of the block's accumulators in
 * registers.  A fused net, whose weights never change, runs these
 * products on gemm_panels.h instead: the weights packed once, faster.
 *
 * The batch-1 backward of the same convs (SynFlow's passes) is the same
 * story twice over: OpenBLAS packs A transposed for the data gradient and
 * streams dA through a second product for the weight gradient.
 * gemm_thin_backward does both in one pass over A and dA.
 *
 * Owns: nothing; the caller passes the padding buffer and scratch.
 */
#ifndef RECONVENE_GEMM_THIN_H
#define RECONVENE_GEMM_THIN_H

#include <stdbool.h>
#include <stddef.h>

#define GEMM_THIN_MAX_N 16

/* Whether the thin kernel runs an m x k by k x n product on this CPU:
 * n <= GEMM_THIN_MAX_N, at least 64 Ki elements of A, and AVX2 and FMA.
 * Measured against sgemm at 16 columns (docs/performance.md): 1.5x from
 * 1 Mi elements of A; between 72 and 300 Ki 1.04-1.17x in one session
 * and 0.92x at 147 Ki in another (even, within noise); 0.61x at 36 Ki. */
bool gemm_thin_pays(int m, int n, int k);

/* Floats of the padding buffer for inner size k. */
size_t gemm_thin_scratch(int k);

/* B (k x n, row-major, ldb) into bpad as k rows of np >= n floats, zero
 * past n: the kernels' B, here and in gemm_panels.c. */
void gemm_thin_pad(int n, int np, int k, const float *b, size_t ldb, float *bpad);

/* Rows [m0, m1) of C (row-major, ldc) = A (row-major, lda) x B (k x n,
 * row-major, ldb); beta 0.  bpad holds gemm_thin_scratch(k) floats and is
 * filled from B here: callers splitting the rows over threads give each
 * thread its own, and cut at multiples of 24 (the kernels' blocks are 6 or
 * 8 rows), so that every row is computed the same on any thread count. */
void gemm_thin(int m0, int m1, int n, int k, const float *a, size_t lda, const float *b,
	       size_t ldb, float *c, size_t ldc, float *bpad);

/* The backward of C = A B for the same thin B, in one pass over A and dA:
 * dA += dC B^T (assign: dA = dC B^T, dA's contents never read) and
 * dB = A^T dC, where OpenBLAS would pack A (transposed) for dB and stream
 * dA through a second product.  A and dA are m x k (row-major, lda), dC
 * m x n (lddc), B and dB k x n (ldb); db may be b itself (B is copied
 * before dB is written).  Each dA element is one sum over the n columns
 * in order, each dB element one sum over the m rows in order.  scratch
 * holds gemm_thin_backward_scratch(k) floats.  Only where
 * gemm_thin_backward_pays: the kernel is AVX-512. */
bool gemm_thin_backward_pays(int m, int n, int k);
size_t gemm_thin_backward_scratch(int k);
void gemm_thin_backward(int m, int n, int k, const float *a, float *da, size_t lda,
			const float *dc, size_t lddc, const float *b, float *db, size_t ldb,
			bool assign, float *scratch);
/* The same for columns [k0, k1) of A, dA and rows of dB only (k0 a
 * multiple of 16, and k1 one too or at least k: the kernel works in whole
 * vectors of 16 columns): callers splitting k over threads pass each its part
 * and the same scratch (the parts touch disjoint floats of it); every
 * element comes out as gemm_thin_backward computes it. */
void gemm_thin_backward_part(int m, int n, int k, int k0, int k1, const float *a, float *da,
			     size_t lda, const float *dc, size_t lddc, const float *b, float *db,
			     size_t ldb, bool assign, float *scratch);

#endif
