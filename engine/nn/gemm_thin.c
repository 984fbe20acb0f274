/* gemm_thin.c: C = A B for a thin B, streaming A once (gemm_thin.h).
 *
 * B is copied into bpad as k rows of NP = 8 or 16 floats (zeros past n),
 * one or two AVX registers per row.  A block of R rows of A then runs
 * down k: per k, NP / 8 loads of bpad, R broadcasts of A[i][k] and
 * R * NP / 8 FMAs into R * NP / 8 accumulators (R = 8 for NP = 8, 6 for
 * NP = 16: 8 and 12 of the 16 AVX registers).  Each element of C is one
 * sum over k in order, in single precision, like a dot product.
 *
 * On AVX-512 two wider kernels replace these at 9-16 and 1-4 columns
 * (further down; 5-8 columns keep the 8-column kernel): 9-16 columns in
 * one 16-lane register per row, the same sums; 1-4 columns four k at a
 * time, each element four partial sums over the k of one residue mod 4,
 * added at the end.
 * With AVX2 and FMA on 9-16 columns they took the layer's weights at
 * 12-14 GB/s, a third of what one core streams here: the FMAs were the
 * limit, not memory (docs/performance.md).
 *
 * The kernels need AVX2 and FMA; elsewhere gemm_thin_pays says no and
 * gemm_thin runs a plain loop (the callers then use sgemm anyway).  The
 * backward (below) needs AVX-512 (gemm_thin_backward_pays).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "nn/conv3x3.h"
#include "nn/gemm_thin.h"
#include "nn/lane_mask.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define GEMM_THIN_X86 1
#endif

size_t gemm_thin_scratch(int k)
{
	return (size_t)k * GEMM_THIN_MAX_N;
}

static bool gemm_thin_cpu_ok(void)
{
#ifdef GEMM_THIN_X86
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
	return false;
#endif
}

/* The shapes both thin kernels take: at most GEMM_THIN_MAX_N columns, and
 * at least 64 Ki elements of A (below a few hundred kilobytes the packing
 * OpenBLAS does is in cache and costs little). */
static bool gemm_thin_shape(int m, int n, int k)
{
	return n >= 1 && n <= GEMM_THIN_MAX_N && (size_t)m * (size_t)k >= ((size_t)1 << 16);
}

bool gemm_thin_pays(int m, int n, int k)
{
	return gemm_thin_shape(m, n, k) && gemm_thin_cpu_ok();
}

void gemm_thin_pad(int n, int np, int k, const float *b, size_t ldb, float *bpad)
{
	for (int kk = 0; kk < k; kk++) {
		float *dst = bpad + (size_t)kk * (size_t)np;
		memcpy(dst, b + (size_t)kk * ldb, (size_t)n * sizeof(float));
		memset(dst + n, 0, (size_t)(np - n) * sizeof(float));
	}
}

/* One row at a time, any n: the plain loop (rows the blocks leave, and
 * CPUs without AVX2). */
static void gemm_thin_row(int n, int np, int k, const float *a, const float *bpad, float *c)
{
	float acc[GEMM_THIN_MAX_N] = { 0 };
	for (int kk = 0; kk < k; kk++) {
		const float av = a[kk];
		const float *br = bpad + (size_t)kk * (size_t)np;
		for (int j = 0; j < n; j++)
			acc[j] += av * br[j];
	}
	memcpy(c, acc, (size_t)n * sizeof(float));
}

#ifdef GEMM_THIN_X86
/* Whether the AVX-512 kernels run: the CPU has them and the process cap
 * on the engine's own kernels (conv3x3_cap_isa, RECONVENE_CONV3X3_ISA)
 * allows them, so that the AVX2 kernels can be timed and tested here.
 * The backward's kernel (gemm_thin_backward_pays) is AVX-512 only and
 * takes no cap. */
static bool gemm_thin_wide(void)
{
	return conv3x3_best_isa() == CONV3X3_ISA_AVX512;
}

/* A block's rows 256 floats ahead of kk, once per 16 k (a cache line):
 * a block reads as many streams as it has rows, more than the hardware
 * prefetcher follows. */
static inline void gemm_thin_prefetch(const float *a, size_t lda, int kk, int rows)
{
	for (int r = 0; r < rows; r++)
		_mm_prefetch((const char *)(a + (size_t)r * lda + kk + 256), _MM_HINT_T0);
}

/* ROW(0) .. ROW(7): the eight rows of a block. */
#define GEMM_THIN_EACH8(ROW) \
	do {                 \
		ROW(0);      \
		ROW(1);      \
		ROW(2);      \
		ROW(3);      \
		ROW(4);      \
		ROW(5);      \
		ROW(6);      \
		ROW(7);      \
	} while (0)

/* The accumulators are named, not an array: gcc -O2 keeps an array of
 * vectors on the stack, which costs a load and a store per FMA. */
#define GEMM_THIN_A(i) _mm256_broadcast_ss(a + (size_t)(i) * lda + (size_t)kk)
/* Row i of a block: its A element times the padded B row(s). */
#define GEMM_THIN_ROW8(i) c##i = _mm256_fmadd_ps(GEMM_THIN_A(i), bv, c##i)
#define GEMM_THIN_STORE8(i) gemm_thin_store(c + (size_t)(i) * ldc, &c##i, NULL, n)
#define GEMM_THIN_ROW16(i)                                \
	do {                                              \
		const __m256 av = GEMM_THIN_A(i);         \
		l##i = _mm256_fmadd_ps(av, b0, l##i);     \
		h##i = _mm256_fmadd_ps(av, b1, h##i);     \
	} while (0)

__attribute__((target("avx2,fma")))
static inline void gemm_thin_store(float *c, const __m256 *lo, const __m256 *hi, int n)
{
	float out[16];
	_mm256_storeu_ps(out, *lo);
	if (hi)
		_mm256_storeu_ps(out + 8, *hi);
	memcpy(c, out, (size_t)n * sizeof(float));
}

/* Rows [m0, m0 + 8) against 8 padded columns. */
__attribute__((target("avx2,fma")))
static void gemm_thin_block8(int n, int k, const float *a, size_t lda, const float *bpad,
			     float *c, size_t ldc)
{
	__m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0,
	       c6 = c0, c7 = c0;
	for (int kk = 0; kk < k; kk++) {
		if ((kk & 15) == 0)
			gemm_thin_prefetch(a, lda, kk, 8);
		const __m256 bv = _mm256_loadu_ps(bpad + (size_t)kk * 8);
		GEMM_THIN_EACH8(GEMM_THIN_ROW8);
	}
	GEMM_THIN_EACH8(GEMM_THIN_STORE8);
}

/* Rows [m0, m0 + 6) against 16 padded columns. */
__attribute__((target("avx2,fma")))
static void gemm_thin_block16(int n, int k, const float *a, size_t lda, const float *bpad,
			      float *c, size_t ldc)
{
	__m256 l0 = _mm256_setzero_ps(), l1 = l0, l2 = l0, l3 = l0, l4 = l0, l5 = l0;
	__m256 h0 = l0, h1 = l0, h2 = l0, h3 = l0, h4 = l0, h5 = l0;
	for (int kk = 0; kk < k; kk++) {
		if ((kk & 15) == 0)
			gemm_thin_prefetch(a, lda, kk, 6);
		const __m256 b0 = _mm256_loadu_ps(bpad + (size_t)kk * 16);
		const __m256 b1 = _mm256_loadu_ps(bpad + (size_t)kk * 16 + 8);
		GEMM_THIN_ROW16(0);
		GEMM_THIN_ROW16(1);
		GEMM_THIN_ROW16(2);
		GEMM_THIN_ROW16(3);
		GEMM_THIN_ROW16(4);
		GEMM_THIN_ROW16(5);
	}
	gemm_thin_store(c, &l0, &h0, n);
	gemm_thin_store(c + ldc, &l1, &h1, n);
	gemm_thin_store(c + 2 * ldc, &l2, &h2, n);
	gemm_thin_store(c + 3 * ldc, &l3, &h3, n);
	gemm_thin_store(c + 4 * ldc, &l4, &h4, n);
	gemm_thin_store(c + 5 * ldc, &l5, &h5, n);
}

/* The AVX-512 kernels.  At 9-16 columns each row's accumulator is one
 * 16-lane register: the same FMAs, lane for lane, as block16's two halves,
 * in half the instructions.  At 1-4 columns (VGG's 2x2 maps) a 16-lane
 * register would be three quarters padding, so the quad kernel takes four
 * k at once instead: A[r][k..k+3] broadcast to all four 128-bit lanes,
 * B packed so that lane 4q + i holds B[k + i][q]; lane 4q + i of a row's
 * accumulator sums its products over the k = i mod 4, and the four are
 * added at the end.  Both read each row of A once, in order. */
#define GEMM_THIN_Z(i) _mm512_set1_ps(a[(size_t)(i) * lda + (size_t)kk])
#define GEMM_THIN_ROWZ(i) z##i = _mm512_fmadd_ps(GEMM_THIN_Z(i), bz, z##i)
#define GEMM_THIN_STOREZ(i) gemm_thin_store16(c + (size_t)(i) * ldc, z##i, n)

__attribute__((target("avx512f")))
static inline void gemm_thin_store16(float *c, __m512 v, int n)
{
	_mm512_mask_storeu_ps(c, lane_mask16(n), v);
}

/* Rows [m0, m0 + 8) against 16 padded columns (the bpad of np 16). */
__attribute__((target("avx512f")))
static void gemm_thin_block16z(int n, int k, const float *a, size_t lda, const float *bpad,
			       float *c, size_t ldc)
{
	__m512 z0 = _mm512_setzero_ps(), z1 = z0, z2 = z0, z3 = z0, z4 = z0, z5 = z0,
	       z6 = z0, z7 = z0;
	for (int kk = 0; kk < k; kk++) {
		if ((kk & 15) == 0)
			gemm_thin_prefetch(a, lda, kk, 8);
		const __m512 bz = _mm512_loadu_ps(bpad + (size_t)kk * 16);
		GEMM_THIN_EACH8(GEMM_THIN_ROWZ);
	}
	GEMM_THIN_EACH8(GEMM_THIN_STOREZ);
}

/* Where B[kk][q] stands in the quad layout: lane 4q + kk mod 4 of vector
 * kk / 4. */
static inline size_t gemm_thin_quad_at(int kk, int q)
{
	return (size_t)(kk / 4) * 16 + (size_t)q * 4 + (size_t)(kk % 4);
}

/* B (k x n, n <= 4) in the quad layout, k rounded up to a multiple of 4
 * vectors' worth, zero past k and past n. */
static void gemm_thin_pad_quad(int n, int k, const float *b, size_t ldb, float *bq)
{
	memset(bq, 0, (size_t)(k + 3) / 4 * 16 * sizeof(float));
	for (int kk = 0; kk < k; kk++)
		for (int q = 0; q < n; q++)
			bq[gemm_thin_quad_at(kk, q)] = b[(size_t)kk * ldb + (size_t)q];
}

/* A[r][kk .. kk + 3] in each 128-bit lane; the tail step of a row whose
 * k is not a multiple of 4 copies the row's last floats, reading nothing
 * past it. */
#define GEMM_THIN_Q(i) _mm512_broadcast_f32x4(_mm_loadu_ps(a + (size_t)(i) * lda + kk))
#define GEMM_THIN_QT(i) _mm512_broadcast_f32x4(gemm_thin_tail4(a + (size_t)(i) * lda + kk, k - kk))
#define GEMM_THIN_ROWQ(i) q##i = _mm512_fmadd_ps(GEMM_THIN_Q(i), bq4, q##i)
#define GEMM_THIN_ROWQT(i) q##i = _mm512_fmadd_ps(GEMM_THIN_QT(i), bq4, q##i)
#define GEMM_THIN_STOREQ(i) gemm_thin_store_quad(c + (size_t)(i) * ldc, q##i, n)

__attribute__((target("avx512f")))
static inline __m128 gemm_thin_tail4(const float *a, int n)
{
	float t[4] = { 0 };
	memcpy(t, a, (size_t)n * sizeof(float));
	return _mm_loadu_ps(t);
}

/* Row sums of each 128-bit lane: lane q's four partial sums into C[q]. */
__attribute__((target("avx512f")))
static inline void gemm_thin_store_quad(float *c, __m512 v, int n)
{
	float t[16];
	_mm512_storeu_ps(t, v);
	for (int q = 0; q < n; q++)
		c[q] = (t[4 * q] + t[4 * q + 1]) + (t[4 * q + 2] + t[4 * q + 3]);
}

/* Rows [m0, m0 + 8) against at most 4 columns. */
__attribute__((target("avx512f")))
static void gemm_thin_block_quad(int n, int k, const float *a, size_t lda, const float *bq,
				 float *c, size_t ldc)
{
	__m512 q0 = _mm512_setzero_ps(), q1 = q0, q2 = q0, q3 = q0, q4 = q0, q5 = q0,
	       q6 = q0, q7 = q0;
	int kk = 0;
	for (; kk + 4 <= k; kk += 4) {
		if ((kk & 15) == 0)
			gemm_thin_prefetch(a, lda, kk, 8);
		const __m512 bq4 = _mm512_loadu_ps(bq + (size_t)kk * 4);
		GEMM_THIN_EACH8(GEMM_THIN_ROWQ);
	}
	if (kk < k) {
		const __m512 bq4 = _mm512_loadu_ps(bq + (size_t)kk * 4);
		GEMM_THIN_EACH8(GEMM_THIN_ROWQT);
	}
	GEMM_THIN_EACH8(GEMM_THIN_STOREQ);
}

/* One row of the quad layout (the rows a block of 8 leaves): the same
 * four partial sums, in the same order, as the block (fmaf is the
 * block's fused multiply-add, one instruction with this target). */
__attribute__((target("avx512f,fma")))
static void gemm_thin_row_quad(int n, int k, const float *a, const float *bq, float *c)
{
	float acc[16] = { 0 };
	for (int kk = 0; kk < k; kk++)
		for (int q = 0; q < n; q++)
			acc[4 * q + kk % 4] = fmaf(a[kk], bq[gemm_thin_quad_at(kk, q)],
						   acc[4 * q + kk % 4]);
	for (int q = 0; q < n; q++)
		c[q] = (acc[4 * q] + acc[4 * q + 1]) + (acc[4 * q + 2] + acc[4 * q + 3]);
}
#endif

void gemm_thin(int m0, int m1, int n, int k, const float *a, size_t lda, const float *b,
	       size_t ldb, float *c, size_t ldc, float *bpad)
{
	int m = m0;
#ifdef GEMM_THIN_X86
	if (gemm_thin_wide()) {
		if (n <= 4) {
			gemm_thin_pad_quad(n, k, b, ldb, bpad);
			for (; m + 8 <= m1; m += 8)
				gemm_thin_block_quad(n, k, a + (size_t)m * lda, lda, bpad,
						     c + (size_t)m * ldc, ldc);
			for (; m < m1; m++)
				gemm_thin_row_quad(n, k, a + (size_t)m * lda, bpad,
						   c + (size_t)m * ldc);
			return;
		}
		if (n > 8) {
			gemm_thin_pad(n, 16, k, b, ldb, bpad);
			for (; m + 8 <= m1; m += 8)
				gemm_thin_block16z(n, k, a + (size_t)m * lda, lda, bpad,
						   c + (size_t)m * ldc, ldc);
			for (; m < m1; m++)
				gemm_thin_row(n, 16, k, a + (size_t)m * lda, bpad,
					      c + (size_t)m * ldc);
			return;
		}
	}
#endif
	const int np = n <= 8 ? 8 : 16;
	gemm_thin_pad(n, np, k, b, ldb, bpad);
#ifdef GEMM_THIN_X86
	if (gemm_thin_cpu_ok()) {
		const int rows = np == 8 ? 8 : 6;
		for (; m + rows <= m1; m += rows) {
			const float *ar = a + (size_t)m * lda;
			float *cr = c + (size_t)m * ldc;
			if (np == 8)
				gemm_thin_block8(n, k, ar, lda, bpad, cr, ldc);
			else
				gemm_thin_block16(n, k, ar, lda, bpad, cr, ldc);
		}
	}
#endif
	for (; m < m1; m++)
		gemm_thin_row(n, np, k, a + (size_t)m * lda, bpad, c + (size_t)m * ldc);
}

/* The backward (gemm_thin.h).  B is transposed into bt (n rows of kp
 * floats, k rounded up to 16, zeros past k) and dB is gathered in dbt of
 * the same shape, both in cache (n * kp floats each: 295 KB at VGG's
 * 512 x 4608 and 16 columns).  A block of 8 rows of A then runs along k,
 * 16 floats at a time: its 8 vectors of A and of dA in registers, and per
 * column p, dA_r += dC[r][p] bt[p] and dbt[p] += sum_r A_r dC[r][p] (in
 * row order).  A and dA go through memory once. */
static int gemm_thin_kpad(int k)
{
	return (k + 15) / 16 * 16;
}

size_t gemm_thin_backward_scratch(int k)
{
	return 2 * (size_t)GEMM_THIN_MAX_N * (size_t)gemm_thin_kpad(k);
}

static bool gemm_thin_backward_cpu_ok(void)
{
#ifdef GEMM_THIN_X86
	return __builtin_cpu_supports("avx512f");
#else
	return false;
#endif
}

bool gemm_thin_backward_pays(int m, int n, int k)
{
	return gemm_thin_shape(m, n, k) && gemm_thin_backward_cpu_ok();
}

#ifdef GEMM_THIN_X86
/* Floats ahead of the chunk that each row's A and dA are prefetched: the
 * eight rows are sixteen streams, more than the hardware prefetcher
 * follows, and a chunk's work is too short to hide a miss. */
#define GEMM_THIN_PREFETCH 128
#define GEMM_THIN_BLOAD(r)                                                              \
	_mm_prefetch((const char *)(a + (size_t)(r) * lda + kk + GEMM_THIN_PREFETCH),     \
		     _MM_HINT_T0);                                                      \
	if (!assign)                                                                    \
		_mm_prefetch((const char *)(da + (size_t)(r) * lda + kk + GEMM_THIN_PREFETCH), \
			     _MM_HINT_T0);                                              \
	const __m512 w##r = _mm512_maskz_loadu_ps(km, a + (size_t)(r) * lda + kk);        \
	__m512 g##r = assign ? _mm512_setzero_ps()                                      \
			     : _mm512_maskz_loadu_ps(km, da + (size_t)(r) * lda + kk)
#define GEMM_THIN_BSTEP(r)                                                    \
	do {                                                                  \
		const __m512 s = _mm512_set1_ps(dc[(size_t)(r) * lddc + p]);  \
		g##r = _mm512_fmadd_ps(s, bv, g##r);                          \
		dv = _mm512_fmadd_ps(w##r, s, dv);                            \
	} while (0)
#define GEMM_THIN_BSTORE(r) _mm512_mask_storeu_ps(da + (size_t)(r) * lda + kk, km, g##r)

/* Rows [0, 8) of a (and da, dc), columns [k0, k1) of k. */
__attribute__((target("avx512f")))
static void gemm_thin_backward_block8(int n, int k, int k0, int k1, int kp, const float *a,
				      float *da, size_t lda, const float *dc, size_t lddc,
				      const float *bt, float *dbt, bool assign)
{
	for (int kk = k0; kk < k1; kk += 16) {
		const __mmask16 km = lane_mask16(k - kk);
		GEMM_THIN_BLOAD(0);
		GEMM_THIN_BLOAD(1);
		GEMM_THIN_BLOAD(2);
		GEMM_THIN_BLOAD(3);
		GEMM_THIN_BLOAD(4);
		GEMM_THIN_BLOAD(5);
		GEMM_THIN_BLOAD(6);
		GEMM_THIN_BLOAD(7);
		for (int p = 0; p < n; p++) {
			const __m512 bv = _mm512_loadu_ps(bt + (size_t)p * kp + kk);
			float *dp = dbt + (size_t)p * kp + kk;
			__m512 dv = _mm512_loadu_ps(dp);
			GEMM_THIN_BSTEP(0);
			GEMM_THIN_BSTEP(1);
			GEMM_THIN_BSTEP(2);
			GEMM_THIN_BSTEP(3);
			GEMM_THIN_BSTEP(4);
			GEMM_THIN_BSTEP(5);
			GEMM_THIN_BSTEP(6);
			GEMM_THIN_BSTEP(7);
			_mm512_storeu_ps(dp, dv);
		}
		GEMM_THIN_BSTORE(0);
		GEMM_THIN_BSTORE(1);
		GEMM_THIN_BSTORE(2);
		GEMM_THIN_BSTORE(3);
		GEMM_THIN_BSTORE(4);
		GEMM_THIN_BSTORE(5);
		GEMM_THIN_BSTORE(6);
		GEMM_THIN_BSTORE(7);
	}
}

/* One row (the rows the blocks of 8 leave). */
__attribute__((target("avx512f")))
static void gemm_thin_backward_row(int n, int k, int k0, int k1, int kp, const float *a,
				   float *da, size_t lda, const float *dc, size_t lddc,
				   const float *bt, float *dbt, bool assign)
{
	for (int kk = k0; kk < k1; kk += 16) {
		const __mmask16 km = lane_mask16(k - kk);
		GEMM_THIN_BLOAD(0);
		for (int p = 0; p < n; p++) {
			const __m512 bv = _mm512_loadu_ps(bt + (size_t)p * kp + kk);
			float *dp = dbt + (size_t)p * kp + kk;
			__m512 dv = _mm512_loadu_ps(dp);
			GEMM_THIN_BSTEP(0);
			_mm512_storeu_ps(dp, dv);
		}
		GEMM_THIN_BSTORE(0);
	}
}
#endif

void gemm_thin_backward_part(int m, int n, int k, int k0, int k1, const float *a, float *da,
			     size_t lda, const float *dc, size_t lddc, const float *b, float *db,
			     size_t ldb, bool assign, float *scratch)
{
	const int kp = gemm_thin_kpad(k);
	k1 = k1 < k ? k1 : k;
	float *bt = scratch, *dbt = scratch + (size_t)n * (size_t)kp;
	for (int p = 0; p < n; p++) {
		float *row = bt + (size_t)p * kp;
		for (int kk = k0; kk < k1; kk++)
			row[kk] = b[(size_t)kk * ldb + (size_t)p];
		const int pad_end = k1 == k ? kp : k1;
		for (int kk = k1; kk < pad_end; kk++)
			row[kk] = 0.0f;
		memset(dbt + (size_t)p * kp + k0, 0, (size_t)(pad_end - k0) * sizeof *dbt);
	}
	int r = 0;
#ifdef GEMM_THIN_X86
	if (gemm_thin_backward_cpu_ok()) {
		for (; r + 8 <= m; r += 8)
			gemm_thin_backward_block8(n, k, k0, k1, kp, a + (size_t)r * lda,
						  da + (size_t)r * lda, lda,
						  dc + (size_t)r * lddc, lddc, bt, dbt, assign);
		for (; r < m; r++)
			gemm_thin_backward_row(n, k, k0, k1, kp, a + (size_t)r * lda,
					       da + (size_t)r * lda, lda,
					       dc + (size_t)r * lddc, lddc, bt, dbt, assign);
	}
#endif
	/* Elsewhere (never chosen by gemm_thin_backward_pays): plain loops,
	 * the same sums in the same order, each product rounded before it
	 * is added (no FMA). */
	for (; r < m; r++) {
		const float *ar = a + (size_t)r * lda, *dr = dc + (size_t)r * lddc;
		float *gr = da + (size_t)r * lda;
		for (int kk = k0; kk < k1; kk++) {
			float g = assign ? 0.0f : gr[kk];
			for (int p = 0; p < n; p++) {
				g += dr[p] * bt[(size_t)p * kp + kk];
				dbt[(size_t)p * kp + kk] += ar[kk] * dr[p];
			}
			gr[kk] = g;
		}
	}
	for (int kk = k0; kk < k1; kk++)
		for (int p = 0; p < n; p++)
			db[(size_t)kk * ldb + (size_t)p] = dbt[(size_t)p * kp + kk];
}

void gemm_thin_backward(int m, int n, int k, const float *a, float *da, size_t lda,
			const float *dc, size_t lddc, const float *b, float *db, size_t ldb,
			bool assign, float *scratch)
{
	gemm_thin_backward_part(m, n, k, 0, k, a, da, lda, dc, lddc, b, db, ldb, assign, scratch);
}
