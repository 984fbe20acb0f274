/* synflow_collect.c: the scan of SynFlow's selection step (synflow_collect.h
 * has the contract): which listed weights a step prunes, and which are
 * candidates of the boundary bin.
 *
 * Every step walks the whole list (39 % of the prunable weights on
 * average over the schedule) to find the ~2 % it prunes and the ~1 % in
 * the boundary bin; on VGG-16 that walk was 15 % of SynFlow-100 on one
 * thread.  Live entries have top digits >= SCORE_HALF_BINS and dead ones
 * (s = -0) below, so one unsigned compare tells "live and below b".
 *
 * Portable scan: blocks of SCORE_SCREEN entries are screened with SIMD
 * first, and a block that holds something is walked one entry at a time,
 * appending without branches (which entry goes is unpredictable).  About
 * one block in five holds something.
 *
 * AVX-512 scan: sixteen entries per step, the pruned ones compressed into
 * a register (vpcompressd to memory is microcoded and slow on AMD's Zen 4)
 * and stored whole, the candidates (rarer) appended one set bit at a
 * time.  Both append the same entries in the same order.
 */
#include "config.h"

#include <math.h>

#include "score/synflow_collect.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define COLLECT_X86 1
#endif

#ifdef _OPENMP
#define COLLECT_OMP(directive) _Pragma(directive)
#else
#define COLLECT_OMP(directive)
#endif

#define SCORE_SCREEN 8 /* entries screened at once by the portable scan */

static void score_collect_portable(const float *s, size_t a, size_t e, float f, uint32_t b,
				   struct score_collected *out)
{
	const uint32_t below = b - SCORE_HALF_BINS;
	uint32_t *pr = out->pruned;
	struct score_cand *cand = out->cand;
	size_t mm = out->m, cc = out->nc, j = a;
	for (;;) {
		size_t end = e;
		if (j + SCORE_SCREEN <= e) {
			uint32_t hit = 0;
			COLLECT_OMP("omp simd reduction(|:hit)")
			for (size_t u = 0; u < SCORE_SCREEN; u++) {
				uint32_t t = score_key(s[j + u] * f) >> SCORE_LOW_BITS;
				hit |= (uint32_t)(t - SCORE_HALF_BINS < below) | (t == b);
			}
			if (!hit) {
				j += SCORE_SCREEN;
				continue;
			}
			end = j + SCORE_SCREEN;
		}
		for (; j < end; j++) {
			uint32_t k = score_key(s[j] * f);
			uint32_t t = k >> SCORE_LOW_BITS;
			pr[mm] = (uint32_t)j;
			mm += t - SCORE_HALF_BINS < below;
			cand[cc].key = k;
			cand[cc].pos = (uint32_t)j;
			cc += t == b;
		}
		if (j >= e)
			break;
	}
	out->m = mm;
	out->nc = cc;
}

#ifdef COLLECT_X86
__attribute__((target("avx512f,popcnt,bmi")))
static void score_collect_avx512(const float *s, size_t a, size_t e, float f, uint32_t b,
				 struct score_collected *out)
{
	const uint32_t below = b - SCORE_HALF_BINS;
	uint32_t *pr = out->pruned;
	struct score_cand *cand = out->cand;
	size_t mm = out->m, cc = out->nc, j = a;
	const __m512 vf = _mm512_set1_ps(f);
	const __m512i sign = _mm512_set1_epi32((int)0x80000000u);
	const __m512i half = _mm512_set1_epi32((int)SCORE_HALF_BINS);
	const __m512i vbelow = _mm512_set1_epi32((int)below);
	const __m512i vb = _mm512_set1_epi32((int)b);
	const __m512i step = _mm512_set1_epi32(16);
	__m512i pos = _mm512_add_epi32(_mm512_set1_epi32((int)(uint32_t)a),
				       _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
							 11, 12, 13, 14, 15));
	for (; j + 16 <= e; j += 16, pos = _mm512_add_epi32(pos, step)) {
		const __m512 v = _mm512_mul_ps(_mm512_loadu_ps(s + j), vf);
		const __m512i k = _mm512_xor_si512(_mm512_castps_si512(v), sign);
		const __m512i t = _mm512_srli_epi32(k, SCORE_LOW_BITS);
		const __mmask16 mp =
			_mm512_cmplt_epu32_mask(_mm512_sub_epi32(t, half), vbelow);
		const __mmask16 mc = _mm512_cmpeq_epi32_mask(t, vb);
		if (!(mp | mc))
			continue;
		_mm512_storeu_si512((void *)(pr + mm), _mm512_maskz_compress_epi32(mp, pos));
		mm += (size_t)__builtin_popcount(mp);
		if (mc) {
			uint32_t keys[16];
			_mm512_storeu_si512((void *)keys, k);
			for (unsigned bits = mc; bits; bits &= bits - 1) {
				const unsigned u = (unsigned)__builtin_ctz(bits);
				cand[cc].key = keys[u];
				cand[cc].pos = (uint32_t)(j + u);
				cc++;
			}
		}
	}
	out->m = mm;
	out->nc = cc;
	/* The last few entries, the portable way. */
	if (j < e)
		score_collect_portable(s, j, e, f, b, out);
}
#endif

static void score_scan_below_portable(const uint32_t *idx, const float *w, const float *g,
				      size_t off, size_t a, size_t e, uint32_t limit,
				      struct score_below *out)
{
	size_t n = out->n;
	for (size_t j = a; j < e; j += SCORE_COLLECT_SLACK) {
		if (n + SCORE_COLLECT_SLACK > out->cap) {
			out->full = true;
			break;
		}
		const size_t end = j + SCORE_COLLECT_SLACK < e ? j + SCORE_COLLECT_SLACK : e;
		for (size_t u = j; u < end; u++) {
			const float v = w[u] * fabsf(g[idx[u] - off]);
			out->pos[n] = (uint32_t)u;
			out->s[n] = v;
			n += score_below_bound(v, limit);
		}
	}
	out->n = n;
}

#ifdef COLLECT_X86
__attribute__((target("avx512f,popcnt")))
static void score_scan_below_avx512(const uint32_t *idx, const float *w, const float *g,
				    size_t off, size_t a, size_t e, uint32_t limit,
				    struct score_below *out)
{
	_Static_assert(SCORE_COLLECT_SLACK == 16, "one vector a step");
	size_t n = out->n, j = a;
	const __m512i sign = _mm512_set1_epi32((int)0x80000000u);
	const __m512i key0 = _mm512_set1_epi32((int)score_key(0.0f));
	const __m512i vlimit = _mm512_set1_epi32((int)limit);
	const __m512i abs_mask = _mm512_set1_epi32(0x7fffffff);
	const __m512i bit5 = _mm512_set1_epi32(32);
	const __m512i step = _mm512_set1_epi32(16);
	__m512i pos = _mm512_add_epi32(_mm512_set1_epi32((int)(uint32_t)a),
				       _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
							 11, 12, 13, 14, 15));
	for (; j + 16 <= e; j += 16, pos = _mm512_add_epi32(pos, step)) {
		if (n + 16 > out->cap) {
			out->full = true;
			out->n = n;
			return;
		}
		/* The sixteen entries' gradients.  idx is increasing: where the
		 * entries span fewer than 64 indices (most of the list but its
		 * sparsest layers), g's next 32 or 64 floats permuted; else
		 * sixteen loads.  vgatherdps was slower still here (AMD Zen
		 * 5); the permutes took half as long as the loads. */
		const uint32_t first = idx[j], span = idx[j + 15] - first;
		const __m512i vi = _mm512_loadu_si512((const void *)(idx + j));
		const float *gb = g + (first - off);
		__m512 gv;
		if (span < 32) {
			const __m512i rel = _mm512_sub_epi32(vi, _mm512_set1_epi32((int)first));
			gv = _mm512_permutex2var_ps(_mm512_loadu_ps(gb), rel, _mm512_loadu_ps(gb + 16));
		} else if (span < 64) {
			const __m512i rel = _mm512_sub_epi32(vi, _mm512_set1_epi32((int)first));
			const __m512 lo = _mm512_permutex2var_ps(_mm512_loadu_ps(gb), rel,
								 _mm512_loadu_ps(gb + 16));
			const __m512 hi = _mm512_permutex2var_ps(_mm512_loadu_ps(gb + 32), rel,
								 _mm512_loadu_ps(gb + 48));
			gv = _mm512_mask_blend_ps(_mm512_test_epi32_mask(rel, bit5), lo, hi);
		} else {
			float gs[16];
			for (int u = 0; u < 16; u++)
				gs[u] = g[idx[j + (size_t)u] - off];
			gv = _mm512_loadu_ps(gs);
		}
		gv = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(gv), abs_mask));
		const __m512 v = _mm512_mul_ps(_mm512_loadu_ps(w + j), gv);
		const __m512i k = _mm512_xor_si512(_mm512_castps_si512(v), sign);
		const __mmask16 hit = _mm512_cmplt_epu32_mask(_mm512_sub_epi32(k, key0), vlimit);
		if (!hit)
			continue;
		_mm512_storeu_si512((void *)(out->pos + n), _mm512_maskz_compress_epi32(hit, pos));
		_mm512_storeu_ps(out->s + n, _mm512_maskz_compress_ps(hit, v));
		n += (size_t)__builtin_popcount(hit);
	}
	out->n = n;
	if (j < e)
		score_scan_below_portable(idx, w, g, off, j, e, limit, out);
}
#endif

void score_scan_below(const uint32_t *idx, const float *w, const float *g, size_t off,
		      size_t a, size_t e, float bound, struct score_below *out, bool vector)
{
	if (out->full)
		return; /* already incomplete */
	const uint32_t limit = score_below_limit(bound);
#ifdef COLLECT_X86
	if (vector) {
		score_scan_below_avx512(idx, w, g, off, a, e, limit, out);
		return;
	}
#else
	(void)vector;
#endif
	score_scan_below_portable(idx, w, g, off, a, e, limit, out);
}

bool score_collect_vector_available(void)
{
#ifdef COLLECT_X86
	return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("popcnt") &&
	       __builtin_cpu_supports("bmi");
#else
	return false;
#endif
}

void score_collect(const float *s, size_t a, size_t e, float f, uint32_t b,
		   struct score_collected *out, bool vector)
{
#ifdef COLLECT_X86
	if (vector) {
		score_collect_avx512(s, a, e, f, b, out);
		return;
	}
#else
	(void)vector;
#endif
	score_collect_portable(s, a, e, f, b, out);
}
