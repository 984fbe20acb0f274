/* conv3x3.c: 3x3 stride-1 convolutions over a zero-padded plane
 * (conv3x3.h has the layout and the argument).
 *
 * The accumulators are named variables, not an array: gcc -O2 keeps an
 * array of __m256 on the stack (gemm_thin.c learnt the same).  The two
 * kernels use 12 accumulators and 4 working registers, the 16 of AVX2.
 */
#include "config.h"

#include <string.h>

#include "base/status.h"
#include "nn/conv3x3.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CONV3X3_X86 1
#endif

static size_t conv3x3_round(size_t n, size_t m)
{
	return (n + m - 1) / m * m;
}

bool conv3x3_available(void)
{
#ifdef CONV3X3_X86
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
	return false;
#endif
}

void conv3x3_init(struct conv3x3 *g, int c, int h, int w, int o, int pt, int pl, int pb,
		  int pr)
{
	g->c = c;
	g->h = h;
	g->w = w;
	g->o = o;
	g->pt = pt;
	g->pl = pl;
	g->pb = pb;
	g->pr = pr;
	g->wp = w + pl + pr;
	g->oh = h + pt + pb - 2;
	g->ow = g->wp - 2;
	g->op = (int)conv3x3_round((size_t)o, CONV3X3_OB);
	g->qn = conv3x3_round((size_t)g->oh * (size_t)g->wp, CONV3X3_QB);
	/* The last forward block reads up to qn - 24 + 2 * wp + 2 + 23 and the
	 * last weight-gradient vector up to qn - 8 + 2 * wp + 2 + 7, both
	 * qn + 2 * wp + 1: zeros, with room to spare. */
	g->plane = conv3x3_round(g->qn + 2 * (size_t)g->wp + 16, 8);
}

void conv3x3_dgrad_init(struct conv3x3 *t, const struct conv3x3 *g)
{
	conv3x3_init(t, g->o, g->oh, g->ow, g->c, 2 - g->pt, 2 - g->pl, 2 - g->pb, 2 - g->pr);
}

size_t conv3x3_padded_floats(const struct conv3x3 *g)
{
	return (size_t)g->c * g->plane;
}

size_t conv3x3_staged_floats(const struct conv3x3 *g)
{
	return (size_t)g->op * g->qn;
}

size_t conv3x3_packed_floats(const struct conv3x3 *g)
{
	return (size_t)g->c * 9 * (size_t)g->op;
}

/* packed[(ob / CONV3X3_OB) * c * 9 + ci * 9 + tap][o % CONV3X3_OB]: one
 * block's weights are one contiguous run that its kernel reads front to
 * back (a [c][9][op] layout put every broadcast on a new cache line). */
static size_t conv3x3_packed_at(const struct conv3x3 *g, int o, int ci, int tap)
{
	return (((size_t)(o / CONV3X3_OB) * (size_t)g->c + (size_t)ci) * 9 + (size_t)tap) *
		       CONV3X3_OB + (size_t)(o % CONV3X3_OB);
}

void conv3x3_pack(const struct conv3x3 *g, const float *w, float *packed)
{
	for (int o = 0; o < g->op; o++)
		for (int c = 0; c < g->c; c++)
			for (int t = 0; t < 9; t++)
				packed[conv3x3_packed_at(g, o, c, t)] =
					o < g->o ? w[((size_t)o * (size_t)g->c + (size_t)c) * 9 + (size_t)t]
						 : 0.0f;
}

void conv3x3_pack_dgrad(const struct conv3x3 *t, const float *w, float *packed)
{
	/* t's input channels are g's outputs (t->c = g->o) and its outputs
	 * g's inputs (t->o = g->c); w is g's [t->c][t->o][3][3]. */
	for (int ic = 0; ic < t->op; ic++)
		for (int oc = 0; oc < t->c; oc++)
			for (int tap = 0; tap < 9; tap++)
				packed[conv3x3_packed_at(t, ic, oc, tap)] =
					ic < t->o ? w[((size_t)oc * (size_t)t->o + (size_t)ic) * 9 +
						      (size_t)(8 - tap)]
						  : 0.0f;
}

void conv3x3_pad(const struct conv3x3 *g, const float *in, float *padded)
{
	const size_t wp = (size_t)g->wp;
	for (int c = 0; c < g->c; c++) {
		float *p = padded + (size_t)c * g->plane;
		const float *src = in + (size_t)c * (size_t)g->h * (size_t)g->w;
		memset(p, 0, (size_t)g->pt * wp * sizeof(float));
		float *row = p + (size_t)g->pt * wp;
		for (int ih = 0; ih < g->h; ih++, row += wp, src += g->w) {
			for (int i = 0; i < g->pl; i++)
				row[i] = 0.0f;
			memcpy(row + g->pl, src, (size_t)g->w * sizeof(float));
			for (int i = 0; i < g->pr; i++)
				row[g->pl + g->w + i] = 0.0f;
		}
		memset(row, 0, (size_t)(p + g->plane - row) * sizeof(float));
	}
}

void conv3x3_unstage(const struct conv3x3 *g, const float *staged, float *out, bool add)
{
	for (int o = 0; o < g->o; o++) {
		const float *src = staged + (size_t)o * g->qn;
		float *dst = out + (size_t)o * (size_t)g->oh * (size_t)g->ow;
		for (int oh = 0; oh < g->oh; oh++, src += g->wp, dst += g->ow) {
			if (add) {
				for (int i = 0; i < g->ow; i++)
					dst[i] += src[i];
			} else {
				memcpy(dst, src, (size_t)g->ow * sizeof(float));
			}
		}
	}
}

void conv3x3_stage(const struct conv3x3 *g, const float *dout, float *staged)
{
	memset(staged, 0, conv3x3_staged_floats(g) * sizeof(float));
	for (int o = 0; o < g->o; o++) {
		float *dst = staged + (size_t)o * g->qn;
		const float *src = dout + (size_t)o * (size_t)g->oh * (size_t)g->ow;
		for (int oh = 0; oh < g->oh; oh++, dst += g->wp, src += g->ow)
			memcpy(dst, src, (size_t)g->ow * sizeof(float));
	}
}

#ifdef CONV3X3_X86

#define CONV3X3_FMA4(x, w0, w1, w2, w3, a0, a1, a2, a3) \
	do {                                             \
		a0 = _mm256_fmadd_ps(w0, x, a0);         \
		a1 = _mm256_fmadd_ps(w1, x, a1);         \
		a2 = _mm256_fmadd_ps(w2, x, a2);         \
		a3 = _mm256_fmadd_ps(w3, x, a3);         \
	} while (0)

/* One output channel's three vectors: one broadcast in flight at a time,
 * so that 3 inputs, 1 weight and 12 accumulators fill the 16 registers
 * (four broadcasts up front made gcc spill an accumulator). */
#define CONV3X3_FMA3(wp_, x0, x1, x2, a0, a1, a2)                 \
	do {                                                      \
		const __m256 w_ = _mm256_broadcast_ss(wp_);       \
		a0 = _mm256_fmadd_ps(w_, x0, a0);                 \
		a1 = _mm256_fmadd_ps(w_, x1, a1);                 \
		a2 = _mm256_fmadd_ps(w_, x2, a2);                 \
	} while (0)

__attribute__((target("avx2,fma")))
static void conv3x3_forward_avx2(const struct conv3x3 *g, const float *packed,
				 const float *padded, float *staged)
{
	const ptrdiff_t wp = g->wp;
	const ptrdiff_t off[9] = { 0, 1, 2, wp, wp + 1, wp + 2, 2 * wp, 2 * wp + 1, 2 * wp + 2 };
	const size_t qn = g->qn;
	for (size_t ob = 0; ob < (size_t)g->op; ob += CONV3X3_OB) {
		float *s0 = staged + ob * qn, *s1 = s0 + qn, *s2 = s1 + qn, *s3 = s2 + qn;
		for (size_t q = 0; q < qn; q += CONV3X3_QB) {
			__m256 a00 = _mm256_setzero_ps(), a01 = a00, a02 = a00;
			__m256 a10 = a00, a11 = a00, a12 = a00;
			__m256 a20 = a00, a21 = a00, a22 = a00;
			__m256 a30 = a00, a31 = a00, a32 = a00;
			const float *pc = padded + q;
			const float *wt = packed + ob * (size_t)g->c * 9;
			for (int c = 0; c < g->c; c++, pc += g->plane) {
				for (int t = 0; t < 9; t++, wt += CONV3X3_OB) {
					const float *p = pc + off[t];
					const __m256 x0 = _mm256_loadu_ps(p);
					const __m256 x1 = _mm256_loadu_ps(p + 8);
					const __m256 x2 = _mm256_loadu_ps(p + 16);
					CONV3X3_FMA3(wt, x0, x1, x2, a00, a01, a02);
					CONV3X3_FMA3(wt + 1, x0, x1, x2, a10, a11, a12);
					CONV3X3_FMA3(wt + 2, x0, x1, x2, a20, a21, a22);
					CONV3X3_FMA3(wt + 3, x0, x1, x2, a30, a31, a32);
				}
			}
			_mm256_storeu_ps(s0 + q, a00);
			_mm256_storeu_ps(s0 + q + 8, a01);
			_mm256_storeu_ps(s0 + q + 16, a02);
			_mm256_storeu_ps(s1 + q, a10);
			_mm256_storeu_ps(s1 + q + 8, a11);
			_mm256_storeu_ps(s1 + q + 16, a12);
			_mm256_storeu_ps(s2 + q, a20);
			_mm256_storeu_ps(s2 + q + 8, a21);
			_mm256_storeu_ps(s2 + q + 16, a22);
			_mm256_storeu_ps(s3 + q, a30);
			_mm256_storeu_ps(s3 + q + 8, a31);
			_mm256_storeu_ps(s3 + q + 16, a32);
		}
	}
}

__attribute__((target("avx2,fma")))
static float conv3x3_hsum(__m256 v)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma")))
static void conv3x3_wgrad_avx2(const struct conv3x3 *g, const float *padded,
			       const float *staged, float *dw)
{
	const size_t qn = g->qn;
	for (int ob = 0; ob < g->op; ob += CONV3X3_OB) {
		const float *d0 = staged + (size_t)ob * qn, *d1 = d0 + qn, *d2 = d1 + qn,
			    *d3 = d2 + qn;
		for (int c = 0; c < g->c; c++) {
			for (int kh = 0; kh < 3; kh++) {
				const float *p = padded + (size_t)c * g->plane + (size_t)kh * (size_t)g->wp;
				__m256 a00 = _mm256_setzero_ps(), a01 = a00, a02 = a00;
				__m256 a10 = a00, a11 = a00, a12 = a00;
				__m256 a20 = a00, a21 = a00, a22 = a00;
				__m256 a30 = a00, a31 = a00, a32 = a00;
				for (size_t q = 0; q < qn; q += 8) {
					const __m256 y0 = _mm256_loadu_ps(d0 + q);
					const __m256 y1 = _mm256_loadu_ps(d1 + q);
					const __m256 y2 = _mm256_loadu_ps(d2 + q);
					const __m256 y3 = _mm256_loadu_ps(d3 + q);
					__m256 x = _mm256_loadu_ps(p + q);
					CONV3X3_FMA4(x, y0, y1, y2, y3, a00, a10, a20, a30);
					x = _mm256_loadu_ps(p + q + 1);
					CONV3X3_FMA4(x, y0, y1, y2, y3, a01, a11, a21, a31);
					x = _mm256_loadu_ps(p + q + 2);
					CONV3X3_FMA4(x, y0, y1, y2, y3, a02, a12, a22, a32);
				}
				const __m256 acc[CONV3X3_OB][3] = { { a00, a01, a02 }, { a10, a11, a12 },
								    { a20, a21, a22 }, { a30, a31, a32 } };
				for (int i = 0; i < CONV3X3_OB && ob + i < g->o; i++) {
					float *d = dw + ((size_t)(ob + i) * (size_t)g->c + (size_t)c) * 9 +
						   (size_t)kh * 3;
					for (int kw = 0; kw < 3; kw++)
						d[kw] += conv3x3_hsum(acc[i][kw]);
				}
			}
		}
	}
}

#endif

/* Callers take this path only where conv3x3_available() says so
 * (conv2d_runs_3x3); there is no plain fallback to keep untested. */
void conv3x3_forward(const struct conv3x3 *g, const float *packed, const float *padded,
		     float *staged)
{
	ENG_ASSERT(conv3x3_available());
#ifdef CONV3X3_X86
	conv3x3_forward_avx2(g, packed, padded, staged);
#else
	(void)g, (void)packed, (void)padded, (void)staged;
#endif
}

void conv3x3_wgrad(const struct conv3x3 *g, const float *padded, const float *staged,
		   float *dw)
{
	ENG_ASSERT(conv3x3_available());
#ifdef CONV3X3_X86
	conv3x3_wgrad_avx2(g, padded, staged, dw);
#else
	(void)g, (void)padded, (void)staged, (void)dw;
#endif
}
