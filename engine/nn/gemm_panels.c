/* gemm_panels.c: thin products on packed panels of A (gemm_panels.h).
 *
 * Per step kk a kernel loads the panel's rows / 16 vectors of A (one
 * cache line each) and broadcasts B[kk][j] for its 16 * 16 / rows
 * columns: 16 FMAs, one per accumulator, lane r of accumulator (v, j)
 * summing A[16 v + r][kk] B[kk][j].  The accumulators are named, not an
 * array (gcc -O2 keeps an array of vectors on the stack).
 *
 * Why output rows in lanes: with the same FMAs, gemm_thin's layout (a
 * broadcast of A per FMA, columns in lanes) ran at two thirds of this
 * core's FMA rate even with A in cache, and packing its eight rows
 * k-major made it slower still (1.1 ms at 512 x 4608 x 16); loading
 * vectors of A and broadcasting B reached the FMA rate (0.33 ms in cache
 * and out).  A panel is one stream, prefetched GEMM_PANELS_AHEAD steps
 * ahead: at 2 KiB ahead the 4-column kernel, which reads four lines a
 * step, waited on memory (0.27-0.30 against 0.14-0.21 ms at 16-32 KiB).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "base/status.h"
#include "nn/conv3x3.h"
#include "nn/gemm_panels.h"
#include "nn/gemm_thin.h"
#include "nn/lane_mask.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define GEMM_PANELS_X86 1
#endif

/* Steps of kk ahead that a kernel prefetches its panel (8 KiB at 16
 * rows, 32 KiB at 64).  Measured at 16 rows: 8 and 16 KiB ahead alike
 * (0.33-0.34 ms at 512 x 4608), 4 KiB 0.41 ms, 1 KiB 0.61; at 64 rows
 * 16-32 KiB best (0.14-0.21 ms), 2 KiB 0.27-0.30. */
#define GEMM_PANELS_AHEAD 128

int gemm_panels_rows(int n)
{
	return n <= 4 ? 64 : n <= 8 ? 32 : 16;
}

int gemm_panels_max_n(int rows)
{
	return 256 / rows;
}

bool gemm_panels_pays(int m, int n, int k)
{
	return n <= GEMM_PANELS_MAX_N && gemm_thin_pays(m, n, k) &&
	       conv3x3_best_isa() == CONV3X3_ISA_AVX512;
}

size_t gemm_panels_len(int rows, int m, int k)
{
	return (size_t)((m + rows - 1) / rows) * (size_t)rows * (size_t)k;
}

void gemm_panels_pack(int rows, int m, int k, const float *a, size_t lda, float *panels)
{
	const int np = (m + rows - 1) / rows;
	for (int p = 0; p < np; p++) {
		float *dst = panels + (size_t)p * (size_t)rows * (size_t)k;
		for (int r = 0; r < rows; r++) {
			const int row = p * rows + r;
			for (int kk = 0; kk < k; kk++)
				dst[(size_t)kk * (size_t)rows + (size_t)r] =
					row < m ? a[(size_t)row * lda + (size_t)kk] : 0.0f;
		}
	}
}

size_t gemm_panels_scratch(int k)
{
	return (size_t)k * GEMM_PANELS_MAX_N;
}

/* acc holds 16 vectors: (v, j) at acc[v * np + j], lane r of it C's row
 * base + 16 v + r, column j.  Rows at or past m are padding. */
static void gemm_panels_store(const float *acc, int rows, int np, int n, int base, int m,
			      float *c, size_t ldc)
{
	for (int v = 0; v < rows / 16; v++)
		for (int r = 0; r < 16; r++) {
			const int row = base + 16 * v + r;
			if (row >= m)
				return;
			for (int j = 0; j < n; j++)
				c[(size_t)row * ldc + (size_t)j] = acc[((size_t)v * np + j) * 16 + r];
		}
}

/* One panel without the kernels: the same sums, in the same order. */
static void gemm_panels_plain(int rows, int np, int k, const float *panel, const float *bpad,
			      float *acc)
{
	memset(acc, 0, 256 * sizeof *acc);
	for (int kk = 0; kk < k; kk++) {
		const float *a = panel + (size_t)kk * (size_t)rows;
		const float *b = bpad + (size_t)kk * (size_t)np;
		for (int v = 0; v < rows / 16; v++)
			for (int j = 0; j < np; j++)
				for (int r = 0; r < 16; r++) {
					float *s = &acc[((size_t)v * np + j) * 16 + r];
					*s = fmaf(a[16 * v + r], b[j], *s);
				}
	}
}

#ifdef GEMM_PANELS_X86
#define GEMM_PANELS_EACH16(X) \
	X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)
#define GEMM_PANELS_ZERO(i) __m512 z##i = _mm512_setzero_ps();
#define GEMM_PANELS_SAVE(i) _mm512_storeu_ps(acc + 16 * (i), z##i);
#define GEMM_PANELS_PREFETCH(v) \
	_mm_prefetch((const char *)(a + GEMM_PANELS_AHEAD * rows + 16 * (v)), _MM_HINT_T0)
/* Accumulator i = v * np + j += A vector v times B[kk][j]. */
#define GEMM_PANELS_FMA(i, v, j) z##i = _mm512_fmadd_ps(a##v, _mm512_set1_ps(b[j]), z##i)

/* 16 rows by 16 columns. */
__attribute__((target("avx512f"))) static void gemm_panels_k16(int k, const float *panel,
							       const float *bpad, float *acc)
{
	const int rows = 16;
	GEMM_PANELS_EACH16(GEMM_PANELS_ZERO)
	for (int kk = 0; kk < k; kk++) {
		const float *a = panel + (size_t)kk * 16, *b = bpad + (size_t)kk * 16;
		GEMM_PANELS_PREFETCH(0);
		const __m512 a0 = _mm512_loadu_ps(a);
#define GEMM_PANELS_F16(i) GEMM_PANELS_FMA(i, 0, i);
		GEMM_PANELS_EACH16(GEMM_PANELS_F16)
#undef GEMM_PANELS_F16
	}
	GEMM_PANELS_EACH16(GEMM_PANELS_SAVE)
}

/* 32 rows by 8 columns. */
__attribute__((target("avx512f"))) static void gemm_panels_k8(int k, const float *panel,
							      const float *bpad, float *acc)
{
	const int rows = 32;
	GEMM_PANELS_EACH16(GEMM_PANELS_ZERO)
	for (int kk = 0; kk < k; kk++) {
		const float *a = panel + (size_t)kk * 32, *b = bpad + (size_t)kk * 8;
		GEMM_PANELS_PREFETCH(0);
		GEMM_PANELS_PREFETCH(1);
		const __m512 a0 = _mm512_loadu_ps(a), a1 = _mm512_loadu_ps(a + 16);
		GEMM_PANELS_FMA(0, 0, 0);
		GEMM_PANELS_FMA(1, 0, 1);
		GEMM_PANELS_FMA(2, 0, 2);
		GEMM_PANELS_FMA(3, 0, 3);
		GEMM_PANELS_FMA(4, 0, 4);
		GEMM_PANELS_FMA(5, 0, 5);
		GEMM_PANELS_FMA(6, 0, 6);
		GEMM_PANELS_FMA(7, 0, 7);
		GEMM_PANELS_FMA(8, 1, 0);
		GEMM_PANELS_FMA(9, 1, 1);
		GEMM_PANELS_FMA(10, 1, 2);
		GEMM_PANELS_FMA(11, 1, 3);
		GEMM_PANELS_FMA(12, 1, 4);
		GEMM_PANELS_FMA(13, 1, 5);
		GEMM_PANELS_FMA(14, 1, 6);
		GEMM_PANELS_FMA(15, 1, 7);
	}
	GEMM_PANELS_EACH16(GEMM_PANELS_SAVE)
}

/* 64 rows by 4 columns. */
__attribute__((target("avx512f"))) static void gemm_panels_k4(int k, const float *panel,
							      const float *bpad, float *acc)
{
	const int rows = 64;
	GEMM_PANELS_EACH16(GEMM_PANELS_ZERO)
	for (int kk = 0; kk < k; kk++) {
		const float *a = panel + (size_t)kk * 64, *b = bpad + (size_t)kk * 4;
		GEMM_PANELS_PREFETCH(0);
		GEMM_PANELS_PREFETCH(1);
		GEMM_PANELS_PREFETCH(2);
		GEMM_PANELS_PREFETCH(3);
		const __m512 a0 = _mm512_loadu_ps(a), a1 = _mm512_loadu_ps(a + 16),
			     a2 = _mm512_loadu_ps(a + 32), a3 = _mm512_loadu_ps(a + 48);
		GEMM_PANELS_FMA(0, 0, 0);
		GEMM_PANELS_FMA(1, 0, 1);
		GEMM_PANELS_FMA(2, 0, 2);
		GEMM_PANELS_FMA(3, 0, 3);
		GEMM_PANELS_FMA(4, 1, 0);
		GEMM_PANELS_FMA(5, 1, 1);
		GEMM_PANELS_FMA(6, 1, 2);
		GEMM_PANELS_FMA(7, 1, 3);
		GEMM_PANELS_FMA(8, 2, 0);
		GEMM_PANELS_FMA(9, 2, 1);
		GEMM_PANELS_FMA(10, 2, 2);
		GEMM_PANELS_FMA(11, 2, 3);
		GEMM_PANELS_FMA(12, 3, 0);
		GEMM_PANELS_FMA(13, 3, 1);
		GEMM_PANELS_FMA(14, 3, 2);
		GEMM_PANELS_FMA(15, 3, 3);
	}
	GEMM_PANELS_EACH16(GEMM_PANELS_SAVE)
}
#endif

void gemm_panels(int rows, int m, int m0, int m1, int n, int k, const float *panels,
		 const float *b, size_t ldb, float *c, size_t ldc, float *bpad)
{
	const int np = gemm_panels_max_n(rows);
	/* B already is k rows of np floats at 16 or 4 positions a map. */
	const float *bp = b;
	if (n != np || ldb != (size_t)np) {
		gemm_thin_pad(n, np, k, b, ldb, bpad);
		bp = bpad;
	}
#ifdef GEMM_PANELS_X86
	/* The kernel cap too, so that tests can run the plain loop here. */
	const bool wide = conv3x3_best_isa() == CONV3X3_ISA_AVX512;
#endif
	for (int base = m0; base < m1; base += rows) {
		const float *panel = panels + (size_t)base * (size_t)k;
		float acc[256];
#ifdef GEMM_PANELS_X86
		if (wide && rows == 16)
			gemm_panels_k16(k, panel, bp, acc);
		else if (wide && rows == 32)
			gemm_panels_k8(k, panel, bp, acc);
		else if (wide && rows == 64)
			gemm_panels_k4(k, panel, bp, acc);
		else
#endif
			gemm_panels_plain(rows, np, k, panel, bp, acc);
		gemm_panels_store(acc, rows, np, n, base, m1 < m ? m1 : m, c, ldc);
	}
}

/* ---- transposed: Ct = (A B)^T from Bt ---------------------------------- */

/* The same 16-row panels against 16 rows of Bt at a time (the columns
 * of B): accumulator j is row j of Ct, lanes its 16 elements from the
 * panel's rows, so the result leaves as vector stores (masked for a
 * last, partial panel).  F(4x4, 3x3)'s fused products take this form:
 * their tiles are rows of Bt and their results rows of Ct. */
#ifdef GEMM_PANELS_X86
#define GEMM_PANELS_TFMA(j) \
	z##j = _mm512_fmadd_ps(a0, _mm512_set1_ps(bt[(size_t)(j) * ldbt + kk]), z##j);
#define GEMM_PANELS_TSTORE(j) _mm512_mask_storeu_ps(ct + (size_t)(j) * ldct, mask, z##j);

__attribute__((target("avx512f"))) static void gemm_panels_t16(int k, const float *panel,
							       const float *bt, size_t ldbt,
							       float *ct, size_t ldct, int live)
{
	GEMM_PANELS_EACH16(GEMM_PANELS_ZERO)
	for (int kk = 0; kk < k; kk++) {
		const __m512 a0 = _mm512_loadu_ps(panel + (size_t)kk * 16);
		GEMM_PANELS_EACH16(GEMM_PANELS_TFMA)
	}
	const __mmask16 mask = lane_mask16(live);
	GEMM_PANELS_EACH16(GEMM_PANELS_TSTORE)
}
#endif

void gemm_panels_t(int m, int n, int k, const float *panels, const float *bt, size_t ldbt,
		   float *ct, size_t ldct)
{
	ENG_ASSERT(n % 16 == 0);
#ifdef GEMM_PANELS_X86
	const bool wide = conv3x3_best_isa() == CONV3X3_ISA_AVX512;
#endif
	for (int base = 0; base < m; base += 16) {
		const float *panel = panels + (size_t)base * (size_t)k;
		const int live = m - base < 16 ? m - base : 16;
		for (int j0 = 0; j0 < n; j0 += 16) {
#ifdef GEMM_PANELS_X86
			if (wide) {
				gemm_panels_t16(k, panel, bt + (size_t)j0 * ldbt, ldbt,
						ct + (size_t)j0 * ldct + (size_t)base, ldct, live);
				continue;
			}
#endif
			for (int j = j0; j < j0 + 16; j++)
				for (int r = 0; r < live; r++) {
					float s = 0.0f;
					for (int kk = 0; kk < k; kk++)
						s = fmaf(panel[(size_t)kk * 16 + (size_t)r],
							 bt[(size_t)j * ldbt + (size_t)kk], s);
					ct[(size_t)j * ldct + (size_t)(base + r)] = s;
				}
		}
	}
}
