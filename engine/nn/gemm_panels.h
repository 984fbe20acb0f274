/* gemm_panels.h: C = A B for a thin B (at most 16 columns) where A is
 * fixed and packed once into panels: a fused net's batch-1 convs on
 * VGG's 4x4 and 2x2 maps, and the products of its batch-1 Winograd
 * convs (conv_wino.h, conv_wino4.h).
 *
 * gemm_thin.h streams a row-major A, eight rows at a time, broadcasting
 * one element of A per FMA.  Here output rows sit in vector lanes
 * instead: a panel is `rows` rows of A stored k-major (panel[kk][r] =
 * A[p * rows + r][kk], zero past m), so each step loads whole vectors
 * of A from one sequential stream and broadcasts elements of B, which
 * is small and in cache.  The accumulators are 16 registers: 16 rows by
 * 16 columns (panels of 16 rows, for 9-16 columns), 32 by 8 or 64 by 4.
 * On this Zen 5, for VGG's 512 x 4608 weights streamed from memory, a
 * product took 0.35 ms at 16 columns where gemm_thin took 0.43-0.44,
 * and 0.20-0.21 ms at 4 columns against 0.32 (docs/performance.md).
 *
 * Each element of C is one sum over k in order, with fused multiply-adds,
 * whichever rows a thread takes.  AVX-512 only: gemm_panels_pays says no
 * elsewhere, and a plain loop (the same sums) stands in for the kernels.
 *
 * Owns: nothing; the caller owns the panels and the padding buffer.
 */
#ifndef RECONVENE_GEMM_PANELS_H
#define RECONVENE_GEMM_PANELS_H

#include <stdbool.h>
#include <stddef.h>

#define GEMM_PANELS_MAX_N 16

/* Rows of a panel for products of n columns (1 <= n <= 16): 64 up to 4
 * columns, 32 up to 8, 16 up to 16. */
int gemm_panels_rows(int n);

/* The most columns panels of `rows` rows take: 4, 8 or 16. */
int gemm_panels_max_n(int rows);

/* Whether an m x k by k x n product runs on panels on this CPU: the
 * shapes gemm_thin takes (gemm_thin_pays) and AVX-512 allowed by the
 * kernel cap (conv3x3_best_isa). */
bool gemm_panels_pays(int m, int n, int k);

/* Floats of A's panels: m rounded up to rows, times k. */
size_t gemm_panels_len(int rows, int m, int k);

/* Pack A (m x k, row-major, lda) into panels of `rows` rows. */
void gemm_panels_pack(int rows, int m, int k, const float *a, size_t lda, float *panels);

/* Floats of the padding buffer for inner size k. */
size_t gemm_panels_scratch(int k);

/* Rows [m0, m1) of C (row-major, ldc) = A x B (k x n, row-major, ldb),
 * A packed in panels of `rows` rows for m rows (gemm_panels_pack), n at
 * most gemm_panels_max_n(rows); beta 0.  m0 is a multiple of rows, m1
 * one too or m.  bpad holds gemm_panels_scratch(k) floats, filled from B
 * here: threads splitting the rows each pass their own.  B as it is
 * needs no copy (bpad may be NULL) when n is gemm_panels_max_n(rows)
 * and ldb n. */
void gemm_panels(int rows, int m, int m0, int m1, int n, int k, const float *panels,
		 const float *b, size_t ldb, float *c, size_t ldc, float *bpad);

/* Ct (n x m, row-major, ldct) = (A B)^T for B given transposed, Bt
 * (n x k, row-major, ldbt), and A in panels of 16 rows: lanes hold rows
 * of A, so each result row is vector stores.  n a multiple of 16
 * (asserted): the kernel takes 16 rows of Bt at a time. */
void gemm_panels_t(int m, int n, int k, const float *panels, const float *bt, size_t ldbt,
		   float *ct, size_t ldct);

#endif
