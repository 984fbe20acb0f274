/* conv_dw3.c: see conv_dw3.h. */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "base/status.h"
#include "base/target_clones.h"
#include "nn/conv3x3.h"
#include "nn/conv_dw3.h"
#include "nn/lane_mask.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define DW3_X86 1
#endif

#ifdef _OPENMP
#define DW3_OMP(directive) _Pragma(directive)
#else
#define DW3_OMP(directive)
#endif

/* The plane path's bands.  Output (oh, ow) reads padded rows s*oh + kh
 * and columns s*ow + kw, that is phase row oh + kh / s at column
 * ow + kw / s: OW + 2 / s <= width, so the nine reads of a band's outputs
 * stay in its rows + extra phase rows.  false when no band fits. */
static bool dw3_bands(const struct conv2d_geom *g, struct conv_dw3 *d)
{
	if (g->k != 3 || (g->s != 1 && g->s != 2) || g->pt < 0 || g->pt > 2 || g->pb < 0 ||
	    g->pb > 2 || g->pl < 0 || g->pl > 2 || g->pr < 0 || g->pr > 2 || g->oh < 1 ||
	    g->ow < 1)
		return false;
	d->s = g->s;
	d->width = (g->w + g->pl + g->pr + g->s - 1) / g->s;
	d->extra = 2 / g->s;
	/* phases * (rows + extra) * width for the input, rows * width staged */
	const long phases = (long)g->s * g->s;
	const long rows = ((long)CONV_DW3_BUFFER / d->width - phases * d->extra) / (phases + 1);
	if (rows < 1)
		return false;
	d->rows = rows < g->oh ? (int)rows : g->oh;
	return true;
}

/* Whether the row path applies (conv_dw3.h); for rows of 8 or 4, its
 * masks: vector v's G = 16 / w output rows read, for tap row kh, input
 * rows G v + kh - pt + [0, G), those inside the plane in mask[v][kh];
 * a column's left neighbour is in the row for the lanes of prev_mask,
 * its right one for those of next_mask. */
#ifdef DW3_X86
static bool dw3_rows(const struct conv2d_geom *g, struct conv_dw3 *d)
{
	if (g->pl != 1)
		return false;
	if (g->s == 2)
		return g->ow * 2 == g->w && (g->ow % 16 == 0 || g->ow == 8 || g->ow == 4);
	if (g->pr != 1 || (g->w % 16 != 0 && g->w != 8 && g->w != 4))
		return false;
	if (g->w < 16) {
		const int G = 16 / g->w;
		d->nvec = (g->oh + G - 1) / G;
		if (d->nvec > CONV_DW3_MASKED_VECS)
			return false;
		for (int v = 0; v < d->nvec; v++)
			for (int kh = 0; kh < 3; kh++) {
				unsigned m = 0;
				for (int k = 0; k < G; k++) {
					const int ih = v * G + kh - g->pt + k;
					if (ih >= 0 && ih < g->h)
						m |= ((1u << g->w) - 1u) << (k * g->w);
				}
				d->mask[v][kh] = (uint16_t)m;
			}
		for (int l = 0; l < 16; l++) {
			d->prev_mask |= (uint16_t)((l % g->w != 0 ? 1u : 0u) << l);
			d->next_mask |= (uint16_t)((l % g->w != g->w - 1 ? 1u : 0u) << l);
		}
	}
	return true;
}

/* The mask path's offsets and masks, or false where it does not apply
 * (conv_dw3.h). */
static bool dw3_masks(const struct conv2d_geom *g, struct conv_dw3 *d)
{
	if (g->s != 1 || g->ow != g->w || g->w >= 16 || g->hw > (size_t)CONV_DW3_MASKED_VECS * 16)
		return false;
	d->nvec = (int)((g->hw + 15) / 16);
	for (int t = 0; t < 9; t++)
		d->off[t] = (ptrdiff_t)(t / 3 - g->pt) * g->w + (t % 3 - g->pl);
	for (int v = 0; v < d->nvec; v++)
		for (int t = 0; t < 9; t++) {
			unsigned m = 0;
			for (int l = 0; l < 16; l++) {
				const size_t q = (size_t)v * 16 + (size_t)l;
				const int ih = (int)(q / (size_t)g->ow) + t / 3 - g->pt;
				const int iw = (int)(q % (size_t)g->ow) + t % 3 - g->pl;
				if (q < g->hw && ih >= 0 && ih < g->h && iw >= 0 && iw < g->w)
					m |= 1u << l;
			}
			d->mask[v][t] = (uint16_t)m;
		}
	return true;
}
#endif

bool conv_dw3_backward_plan(struct conv_dw3_backward *b, const struct conv2d_geom *g)
{
	memset(b, 0, sizeof *b);
	conv_dw3_plan(&b->fwd, g);
	if (b->fwd.path != CONV_DW3_BY_ROWS)
		return false;
	if (g->s == 2)
		return true; /* its own data gradient (dw3_dgrad_s2) */
	/* dout (oh x ow) to din (h x w): padding 2 - p on each side. */
	struct conv2d_geom *t = &b->dgrad;
	*t = *g;
	t->c = t->o = t->groups = t->cg = t->og = 1;
	t->h = g->oh;
	t->w = g->ow;
	t->oh = g->h;
	t->ow = g->w;
	t->pt = 2 - g->pt;
	t->pb = 2 - g->pb;
	t->hw = g->in_hw;
	t->in_hw = g->hw;
	conv_dw3_plan(&b->dplan, t);
	return b->dplan.path == CONV_DW3_BY_ROWS;
}

/* The AVX-512 paths where one applies (rows, then masks), else NONE. */
static enum conv_dw3_path dw3_avx512_path(const struct conv2d_geom *g, struct conv_dw3 *d)
{
#ifdef DW3_X86
	if (conv3x3_best_isa() != CONV3X3_ISA_AVX512)
		return CONV_DW3_NONE;
	if (dw3_rows(g, d))
		return CONV_DW3_BY_ROWS;
	if (dw3_masks(g, d))
		return CONV_DW3_BY_MASKS;
#else
	(void)g;
	(void)d;
#endif
	return CONV_DW3_NONE;
}

void conv_dw3_plan(struct conv_dw3 *d, const struct conv2d_geom *g)
{
	memset(d, 0, sizeof *d);
	if (!dw3_bands(g, d)) {
		d->path = CONV_DW3_NONE;
		return;
	}
	d->path = dw3_avx512_path(g, d);
	if (d->path != CONV_DW3_NONE)
		return;
	if (g->hw <= CONV_DW3_LANES_OUT &&
	    (g->h + g->pt + g->pb) * (g->w + g->pl + g->pr) <= CONV_DW3_LANES_PLANE)
		d->path = CONV_DW3_BY_LANES;
	else
		d->path = CONV_DW3_BY_PLANES;
}

/* dst[j] = src[j * s], j < n.  The helpers below are inlined into
 * conv_dw3_plane's clones, one call per plane: with 4x4 planes a call per
 * row cost more than the arithmetic. */
static inline void dw3_gather(float *restrict dst, const float *restrict src, int s, int n)
{
	if (s == 1) {
		DW3_OMP("omp simd")
		for (int j = 0; j < n; j++)
			dst[j] = src[j];
		return;
	}
	DW3_OMP("omp simd")
	for (int j = 0; j < n; j++)
		dst[j] = src[(ptrdiff_t)j * s];
}

/* Rows [i0, i0 + n) of phase (a, c) of the zero-padded plane into dst
 * (n x width, zeroed by the caller): phase row i, column j is padded row
 * s*i + a, column s*j + c, that is input row s*i + a - pt, column
 * s*j + c - pl, or zero. */
static inline void dw3_fill(const struct conv2d_geom *g, const struct conv_dw3 *b,
			    const float *plane, int a, int c, int i0, int n, float *dst)
{
	const int s = b->s, width = b->width;
	/* The columns that read the input: 0 <= s*j + c - pl < w. */
	int j0 = 0;
	while (s * j0 + c - g->pl < 0)
		j0++;
	int j1 = (g->w + g->pl - c + s - 1) / s;
	if (j1 > width)
		j1 = width;
	if (j0 >= j1)
		return;
	for (int r = 0; r < n; r++) {
		const int ih = s * (i0 + r) + a - g->pt;
		if (ih >= 0 && ih < g->h)
			dw3_gather(dst + (size_t)r * (size_t)width + j0,
				   plane + (size_t)ih * (size_t)g->w + (s * j0 + c - g->pl), s,
				   j1 - j0);
	}
}

/* out[q] = bias + w[0] x[0][q] + ... + w[8] x[8][q], q < n. */
static inline void dw3_taps(float *restrict out, const float *const *x,
				       const float *w, float bias, int n)
{
	const float *restrict x0 = x[0], *restrict x1 = x[1], *restrict x2 = x[2];
	const float *restrict x3 = x[3], *restrict x4 = x[4], *restrict x5 = x[5];
	const float *restrict x6 = x[6], *restrict x7 = x[7], *restrict x8 = x[8];
	const float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5],
		    w6 = w[6], w7 = w[7], w8 = w[8];
	DW3_OMP("omp simd")
	for (int q = 0; q < n; q++) {
		float acc = bias;
		acc += w0 * x0[q];
		acc += w1 * x1[q];
		acc += w2 * x2[q];
		acc += w3 * x3[q];
		acc += w4 * x4[q];
		acc += w5 * x5[q];
		acc += w6 * x6[q];
		acc += w7 * x7[q];
		acc += w8 * x8[q];
		out[q] = acc;
	}
}

/* One output row out of the staging rows, with the fused activation
 * (layer_post_act). */
static inline void dw3_store(float *restrict dst, const float *restrict src, int n,
			     bool relu, float hi)
{
	if (!relu) {
		DW3_OMP("omp simd")
		for (int i = 0; i < n; i++)
			dst[i] = src[i];
		return;
	}
	DW3_OMP("omp simd")
	for (int i = 0; i < n; i++)
		dst[i] = layer_post_act(src[i], hi);
}

ENG_TARGET_CLONES void conv_dw3_plane(const struct conv_dw3 *d, const struct conv2d_geom *g,
				      const float *plane, const float *w, float bias,
				      const struct layer_conf *cf, float *dst)
{
	ENG_ASSERT(d->path == CONV_DW3_BY_PLANES);
	float buf[CONV_DW3_BUFFER];
	const int s = d->s, width = d->width, prows = d->rows + d->extra;
	const size_t phase = (size_t)prows * (size_t)width;
	float *stage = buf + (size_t)(s * s) * phase;
	const float hi = layer_post_hi(cf);
	for (int r0 = 0; r0 < g->oh; r0 += d->rows) {
		const int rows = g->oh - r0 < d->rows ? g->oh - r0 : d->rows;
		memset(buf, 0, (size_t)(s * s) * phase * sizeof *buf);
		for (int a = 0; a < s; a++)
			for (int c = 0; c < s; c++)
				dw3_fill(g, d, plane, a, c, r0, rows + d->extra,
					 buf + (size_t)(a * s + c) * phase);
		const float *x[9];
		for (int kh = 0; kh < 3; kh++)
			for (int kw = 0; kw < 3; kw++)
				x[kh * 3 + kw] = buf + (size_t)((kh % s) * s + kw % s) * phase +
						 (size_t)(kh / s) * (size_t)width + (size_t)(kw / s);
		dw3_taps(stage, x, w, bias, (rows - 1) * width + g->ow);
		for (int r = 0; r < rows; r++)
			dw3_store(dst + (size_t)(r0 + r) * (size_t)g->ow,
				  stage + (size_t)r * (size_t)width, g->ow, cf->post_relu, hi);
	}
}

/* --- channels in lanes ----------------------------------------------------- */

ENG_TARGET_CLONES void conv_dw3_lanes(const struct conv_dw3 *d, const struct conv2d_geom *g,
				      const float *in, const float *w, const float *b, int o0,
				      int o1, const struct layer_conf *cf, float *out)
{
	enum { L = CONV_DW3_LANES };
	ENG_ASSERT(d->path == CONV_DW3_BY_LANES && o0 >= 0 && o0 < o1 && o1 - o0 <= L &&
		   o1 <= g->o);
	const int pw = g->w + g->pl + g->pr, ph = g->h + g->pt + g->pb, n = o1 - o0;
	float pad[CONV_DW3_LANES_PLANE * L];
	float wv[9][L], bias[L];
	size_t src[L], dst[L];
	/* Lanes past o1 read channel o0's plane (any finite-address data)
	 * with zero weights and are never stored. */
	for (int l = 0; l < L; l++) {
		const int o = l < n ? o0 + l : o0;
		src[l] = (size_t)(o / g->og) * g->in_hw;
		dst[l] = (size_t)o * g->hw;
		for (int t = 0; t < 9; t++)
			wv[t][l] = l < n ? w[(size_t)o * 9 + (size_t)t] : 0.0f;
		bias[l] = l < n && b ? b[o] : 0.0f;
	}
	/* The block's planes interleaved: a gather per position. */
	memset(pad, 0, (size_t)(ph * pw * L) * sizeof *pad);
	for (int ih = 0; ih < g->h; ih++)
		for (int iw = 0; iw < g->w; iw++) {
			float *restrict p = pad + ((size_t)(ih + g->pt) * (size_t)pw +
						   (size_t)(iw + g->pl)) * L;
			const float *restrict x = in + (size_t)ih * (size_t)g->w + (size_t)iw;
			DW3_OMP("omp simd")
			for (int l = 0; l < L; l++)
				p[l] = x[src[l]];
		}
	const float hi = layer_post_hi(cf);
	const size_t row = (size_t)pw * L;
	for (int oh = 0; oh < g->oh; oh++) {
		for (int ow = 0; ow < g->ow; ow++) {
			float acc[L];
			const float *restrict x0 = pad + (size_t)(oh * g->s) * row +
						   (size_t)(ow * g->s) * L;
			const float *restrict x1 = x0 + row, *restrict x2 = x0 + 2 * row;
			DW3_OMP("omp simd")
			for (int l = 0; l < L; l++) {
				float a = bias[l];
				a += wv[0][l] * x0[l];
				a += wv[1][l] * x0[l + L];
				a += wv[2][l] * x0[l + 2 * L];
				a += wv[3][l] * x1[l];
				a += wv[4][l] * x1[l + L];
				a += wv[5][l] * x1[l + 2 * L];
				a += wv[6][l] * x2[l];
				a += wv[7][l] * x2[l + L];
				a += wv[8][l] * x2[l + 2 * L];
				acc[l] = a;
			}
			if (cf->post_relu) {
				DW3_OMP("omp simd")
				for (int l = 0; l < L; l++)
					acc[l] = layer_post_act(acc[l], hi);
			}
			float *restrict y = out + (size_t)oh * (size_t)g->ow + (size_t)ow;
			DW3_OMP("omp simd")
			for (int l = 0; l < n; l++)
				y[dst[l]] = acc[l];
		}
	}
}

/* --- masked loads ---------------------------------------------------------- */

#ifdef DW3_X86
/* acc + w * (tap t's sixteen inputs, zero where masked off): the
 * product rounded, then the sum, as the other paths (no fused
 * multiply-add).  Masked-off lanes are not read, so the offsets may
 * point before the plane or past it. */
__attribute__((target("avx512f"), always_inline))
static inline __m512 dw3_tap(__m512 acc, __m512 w, const float *x, __mmask16 m)
{
	return _mm512_add_ps(acc, _mm512_mul_ps(w, _mm512_maskz_loadu_ps(m, x)));
}

/* The fused activation (layer_post_act) of sixteen sums, when relu:
 * max returns its second operand for a NaN (0), min its second when not
 * below (hi). */
__attribute__((target("avx512f"), always_inline))
static inline __m512 dw3_post(__m512 acc, bool relu, __m512 hi)
{
	return relu ? _mm512_min_ps(_mm512_max_ps(acc, _mm512_setzero_ps()), hi) : acc;
}

__attribute__((target("avx512f")))
void conv_dw3_masked(const struct conv_dw3 *d, const struct conv2d_geom *g,
		     const float *plane, const float *w, float bias,
		     const struct layer_conf *cf, float *dst)
{
	ENG_ASSERT(d->path == CONV_DW3_BY_MASKS);
	const __m512 w0 = _mm512_set1_ps(w[0]), w1 = _mm512_set1_ps(w[1]),
		     w2 = _mm512_set1_ps(w[2]), w3 = _mm512_set1_ps(w[3]),
		     w4 = _mm512_set1_ps(w[4]), w5 = _mm512_set1_ps(w[5]),
		     w6 = _mm512_set1_ps(w[6]), w7 = _mm512_set1_ps(w[7]),
		     w8 = _mm512_set1_ps(w[8]);
	const __m512 b = _mm512_set1_ps(bias), hi = _mm512_set1_ps(layer_post_hi(cf));
	const ptrdiff_t o0 = d->off[0], o1 = d->off[1], o2 = d->off[2], o3 = d->off[3],
			o4 = d->off[4], o5 = d->off[5], o6 = d->off[6], o7 = d->off[7],
			o8 = d->off[8];
	const bool relu = cf->post_relu;
	const int nvec = d->nvec;
	const size_t hw = g->hw;
	/* Four vectors at a time: four independent chains of nine sums. */
#define DW3_VEC(acc, v)                                                        \
	do {                                                                   \
		const float *x = plane + (ptrdiff_t)(v) * 16;                  \
		const uint16_t *m = d->mask[v];                                \
		acc = dw3_tap(b, w0, x + o0, m[0]);                            \
		acc = dw3_tap(acc, w1, x + o1, m[1]);                          \
		acc = dw3_tap(acc, w2, x + o2, m[2]);                          \
		acc = dw3_tap(acc, w3, x + o3, m[3]);                          \
		acc = dw3_tap(acc, w4, x + o4, m[4]);                          \
		acc = dw3_tap(acc, w5, x + o5, m[5]);                          \
		acc = dw3_tap(acc, w6, x + o6, m[6]);                          \
		acc = dw3_tap(acc, w7, x + o7, m[7]);                          \
		acc = dw3_post(dw3_tap(acc, w8, x + o8, m[8]), relu, hi);      \
	} while (0)
	int v = 0;
	for (; v + 4 <= nvec && (size_t)(v + 4) * 16 <= hw; v += 4) {
		__m512 a0, a1, a2, a3;
		DW3_VEC(a0, v);
		DW3_VEC(a1, v + 1);
		DW3_VEC(a2, v + 2);
		DW3_VEC(a3, v + 3);
		_mm512_storeu_ps(dst + (size_t)v * 16, a0);
		_mm512_storeu_ps(dst + (size_t)v * 16 + 16, a1);
		_mm512_storeu_ps(dst + (size_t)v * 16 + 32, a2);
		_mm512_storeu_ps(dst + (size_t)v * 16 + 48, a3);
	}
	for (; v < nvec; v++) {
		__m512 a0;
		DW3_VEC(a0, v);
		_mm512_mask_storeu_ps(dst + (size_t)v * 16, lane_mask16((int)(hw - (size_t)v * 16)),
				      a0);
	}
#undef DW3_VEC
}

/* Tap row kh's three vectors into acc with its weights w[0..3), in kw
 * order (the sums of dw3_tap).  The weights are broadcast where they are
 * used (an operand of the multiply), not kept in registers: with small
 * planes a kernel call's setup cost more than its arithmetic. */
__attribute__((target("avx512f"), always_inline))
static inline __m512 dw3_row3(__m512 acc, const float *w, __m512 xa, __m512 xb, __m512 xc)
{
	acc = _mm512_add_ps(acc, _mm512_mul_ps(_mm512_set1_ps(w[0]), xa));
	acc = _mm512_add_ps(acc, _mm512_mul_ps(_mm512_set1_ps(w[1]), xb));
	return _mm512_add_ps(acc, _mm512_mul_ps(_mm512_set1_ps(w[2]), xc));
}

/* lanes 1..16 of the 32 (lo, hi): a row shifted left by one column;
 * lanes 15..30: shifted right by one (lane 0 then lo's last). */
#define DW3_NEXT(hi, lo) \
	_mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(hi), _mm512_castps_si512(lo), 1))
#define DW3_PREV(hi, lo) \
	_mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(hi), _mm512_castps_si512(lo), 15))

/* Columns 16 j - 1, 16 j and 16 j + 1 of input row ih (of nv vectors),
 * sixteen each: zeros for a row outside the plane and for the columns
 * past its ends. */
__attribute__((target("avx512f"), always_inline))
static inline void dw3_row_in(const float *plane, const struct conv2d_geom *g, int ih, int j,
			      int nv, __m512 *prev, __m512 *cur, __m512 *next)
{
	const __m512 zero = _mm512_setzero_ps();
	__m512 c = zero, l = zero, r = zero;
	if (ih >= 0 && ih < g->h) {
		const float *x = plane + (size_t)ih * (size_t)g->w + (size_t)j * 16;
		c = _mm512_loadu_ps(x);
		if (j > 0)
			l = _mm512_loadu_ps(x - 16);
		if (j + 1 < nv)
			r = _mm512_loadu_ps(x + 16);
	}
	*prev = DW3_PREV(c, l);
	*cur = c;
	*next = DW3_NEXT(r, c);
}

/* Rows of 8 or 4 (G = 16 / w output rows a vector): tap row kh of
 * vector v, one masked load of its G input rows, and the columns either
 * side shifted in within each row (zero at the row's ends); and the
 * vector's lanes that are outputs. */
__attribute__((target("avx512f"), always_inline))
static inline void dw3_group_in(const struct conv_dw3 *d, const float *plane,
				const struct conv2d_geom *g, int v, int kh, __m512 *prev,
				__m512 *cur, __m512 *next)
{
	const int W = g->w, oh0 = v * (16 / W);
	const __m512i x = _mm512_castps_si512(
		_mm512_maskz_loadu_ps(d->mask[v][kh], plane + (ptrdiff_t)(oh0 + kh - g->pt) * W));
	*prev = _mm512_castsi512_ps(_mm512_maskz_alignr_epi32(d->prev_mask, x, x, 15));
	*cur = _mm512_castsi512_ps(x);
	*next = _mm512_castsi512_ps(_mm512_maskz_alignr_epi32(d->next_mask, x, x, 1));
}

static inline __mmask16 dw3_group_lanes(const struct conv2d_geom *g, int v)
{
	return lane_mask16((int)(g->hw - (size_t)v * 16));
}

/* The even and the odd lanes of the 32 (lo, hi). */
__attribute__((target("avx512f"), always_inline))
static inline void dw3_deinterleave(__m512 lo, __m512 hi, __m512 *even, __m512 *odd)
{
	const __m512i e = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28,
					    30);
	*even = _mm512_permutex2var_ps(lo, e, hi);
	*odd = _mm512_permutex2var_ps(lo, _mm512_add_epi32(e, _mm512_set1_epi32(1)), hi);
}

/* Stride 2: output column ow reads input columns 2 ow - 1, 2 ow and
 * 2 ow + 1: the even and the odd columns of 32 by two permutes of two
 * vectors, the odd ones shifted by one (with the vector before's last)
 * for 2 ow - 1.  Output columns 16 j .. 16 j + 15 from input row ih
 * (zeros for a row outside the plane). */
__attribute__((target("avx512f"), always_inline))
static inline void dw3_s2_in(const float *plane, const struct conv2d_geom *g, int ih, int j,
			     __m512 *xp, __m512 *xe, __m512 *xo)
{
	const __m512 zero = _mm512_setzero_ps();
	*xp = *xe = *xo = zero;
	if (ih < 0 || ih >= g->h)
		return;
	const float *x = plane + (size_t)ih * (size_t)g->w + (size_t)j * 32;
	const __m512 lo = _mm512_loadu_ps(x), hi = _mm512_loadu_ps(x + 16);
	const __m512 prev = j > 0 ? _mm512_loadu_ps(x - 16) : zero;
	dw3_deinterleave(lo, hi, xe, xo);
	*xp = DW3_PREV(*xo, prev);
}

/* Stride 2 onto rows of 8 (w = 16): a vector is two output rows, oh in
 * lanes 0..7 from input row ih0 = 2 oh + kh - pt, oh + 1 (when two) in
 * lanes 8..15 from the row two below; column -1 (lanes 0 and 8 of the
 * odd-shifted taps) is padding. */
__attribute__((target("avx512f"), always_inline))
static inline void dw3_s2_in8(const float *plane, const struct conv2d_geom *g, int ih0, bool two,
			      __m512 *xp, __m512 *xe, __m512 *xo)
{
	const __m512i prev_idx = _mm512_setr_epi32(0, 1, 3, 5, 7, 9, 11, 13, 0, 17, 19, 21, 23, 25,
						   27, 29);
	const __m512 zero = _mm512_setzero_ps();
	const int ih1 = ih0 + 2;
	const __m512 r0 = ih0 >= 0 && ih0 < g->h ? _mm512_loadu_ps(plane + (size_t)ih0 * 16) : zero;
	const __m512 r1 = two && ih1 >= 0 && ih1 < g->h ? _mm512_loadu_ps(plane + (size_t)ih1 * 16)
							 : zero;
	*xp = _mm512_maskz_permutex2var_ps(0xfefe, r0, prev_idx, r1);
	dw3_deinterleave(r0, r1, xe, xo);
}

/* Stride 2 onto rows of 4 (w = 8): a vector is four output rows, row
 * oh + k in lanes 4k..4k+3 from input row ih0 + 2k (the first `rows` of
 * them; zeros for the others and for rows outside the plane): the four
 * input rows side by side, then as dw3_s2_in8. */
__attribute__((target("avx512f"), always_inline))
static inline void dw3_s2_in4(const float *plane, const struct conv2d_geom *g, int ih0, int rows,
			      __m512 *xp, __m512 *xe, __m512 *xo)
{
	__m512 r[4];
	for (int k = 0; k < 4; k++) {
		const int ih = ih0 + 2 * k;
		r[k] = k < rows && ih >= 0 && ih < g->h
			       ? _mm512_maskz_loadu_ps(0x00ff, plane + (size_t)ih * 8)
			       : _mm512_setzero_ps();
	}
	const __m512 lo = _mm512_shuffle_f32x4(r[0], r[1], 0x44),
		     hi = _mm512_shuffle_f32x4(r[2], r[3], 0x44);
	dw3_deinterleave(lo, hi, xe, xo);
	*xp = _mm512_castsi512_ps(_mm512_maskz_alignr_epi32(0xeeee, _mm512_castps_si512(*xo),
							    _mm512_castps_si512(*xo), 15));
}

/* Stride 2 on the row path: vectors of sixteen outputs of a row (rows
 * of 16k), of two rows of 8 or of four rows of 4, vector (oh, j) at
 * output oh * ow + 16 j; how many output rows a vector steps, its taps
 * of tap row kh, and its lanes that are outputs. */
static inline int dw3_s2_step(const struct conv2d_geom *g)
{
	return g->ow < 16 ? 16 / g->ow : 1;
}

__attribute__((target("avx512f"), always_inline))
static inline void dw3_s2_taps(const float *plane, const struct conv2d_geom *g, int oh, int j,
			       int kh, __m512 *xp, __m512 *xe, __m512 *xo)
{
	if (g->ow == 4)
		dw3_s2_in4(plane, g, 2 * oh + kh - g->pt, g->oh - oh, xp, xe, xo);
	else if (g->ow == 8)
		dw3_s2_in8(plane, g, 2 * oh + kh - g->pt, oh + 1 < g->oh, xp, xe, xo);
	else
		dw3_s2_in(plane, g, 2 * oh + kh - g->pt, j, xp, xe, xo);
}

static inline __mmask16 dw3_s2_lanes(const struct conv2d_geom *g, int oh)
{
	return g->ow < 16 ? lane_mask16((g->oh - oh) * g->ow) : 0xffff;
}

/* Sixteen outputs (the lanes of m) into dst, or added onto it. */
__attribute__((target("avx512f"), always_inline))
static inline void dw3_put(float *dst, __m512 v, __mmask16 m, bool add)
{
	if (add)
		v = _mm512_add_ps(_mm512_maskz_loadu_ps(m, dst), v);
	if (m == 0xffff)
		_mm512_storeu_ps(dst, v);
	else
		_mm512_mask_storeu_ps(dst, m, v);
}

/* conv_dw3_rows, its outputs added onto dst when add (the data gradient
 * of conv_dw3_backward); inlined into the loops over planes that call
 * it. */
__attribute__((target("avx512f"), always_inline))
static inline void dw3_rows_run(const struct conv_dw3 *d, const struct conv2d_geom *g,
			 const float *plane, const float *w, float bias,
			 const struct layer_conf *cf, float *dst, bool add)
{
	ENG_ASSERT(d->path == CONV_DW3_BY_ROWS);
	const __m512 b = _mm512_set1_ps(bias), hi = _mm512_set1_ps(layer_post_hi(cf));
	const bool relu = cf->post_relu;
	const int W = g->w;
	if (g->s == 1 && W < 16) {
		/* w = 8 or 4: vectors of 16 / w output rows (dw3_group_in). */
		for (int v = 0; v < d->nvec; v++) {
			__m512 acc = b, p, c, n;
			for (int kh = 0; kh < 3; kh++) {
				dw3_group_in(d, plane, g, v, kh, &p, &c, &n);
				acc = dw3_row3(acc, w + kh * 3, p, c, n);
			}
			dw3_put(dst + (size_t)v * 16, dw3_post(acc, relu, hi), dw3_group_lanes(g, v),
				add);
		}
		return;
	}
	if (g->s == 1) {
		/* Sixteen outputs of a row read the same sixteen columns of
		 * three input rows, and one column either side (zero past
		 * the row's ends, as the padding).  Four output rows at a
		 * time: each of their six input rows is loaded and shifted
		 * once and serves up to three of them, in kh order for each. */
		const int nv = W / 16;
		for (int j = 0; j < nv; j++)
			for (int oh0 = 0; oh0 < g->oh; oh0 += 4) {
				__m512 a0 = b, a1 = b, a2 = b, a3 = b, p, c, n;
#define DW3_IN(r) dw3_row_in(plane, g, oh0 + (r) - g->pt, j, nv, &p, &c, &n)
#define DW3_KH(acc, kh) \
	acc = dw3_row3(acc, w + (kh) * 3, p, c, n)
				DW3_IN(0);
				DW3_KH(a0, 0);
				DW3_IN(1);
				DW3_KH(a0, 1);
				DW3_KH(a1, 0);
				DW3_IN(2);
				DW3_KH(a0, 2);
				DW3_KH(a1, 1);
				DW3_KH(a2, 0);
				DW3_IN(3);
				DW3_KH(a1, 2);
				DW3_KH(a2, 1);
				DW3_KH(a3, 0);
				DW3_IN(4);
				DW3_KH(a2, 2);
				DW3_KH(a3, 1);
				DW3_IN(5);
				DW3_KH(a3, 2);
#undef DW3_IN
#undef DW3_KH
				float *y = dst + (size_t)oh0 * (size_t)W + (size_t)j * 16;
				const int rows = g->oh - oh0;
				dw3_put(y, dw3_post(a0, relu, hi), 0xffff, add);
				if (rows > 1)
					dw3_put(y + W, dw3_post(a1, relu, hi), 0xffff, add);
				if (rows > 2)
					dw3_put(y + 2 * W, dw3_post(a2, relu, hi), 0xffff, add);
				if (rows > 3)
					dw3_put(y + 3 * W, dw3_post(a3, relu, hi), 0xffff, add);
			}
		return;
	}
	/* Stride 2 (dw3_s2_taps). */
	const int step = dw3_s2_step(g), nv = g->ow < 16 ? 1 : g->ow / 16;
	for (int oh = 0; oh < g->oh; oh += step)
		for (int j = 0; j < nv; j++) {
			__m512 acc = b, xp, xe, xo;
			for (int kh = 0; kh < 3; kh++) {
				dw3_s2_taps(plane, g, oh, j, kh, &xp, &xe, &xo);
				acc = dw3_row3(acc, w + kh * 3, xp, xe, xo);
			}
			dw3_put(dst + (size_t)oh * (size_t)g->ow + (size_t)j * 16,
				dw3_post(acc, relu, hi), dw3_s2_lanes(g, oh), add);
		}
}

__attribute__((target("avx512f")))
void conv_dw3_rows(const struct conv_dw3 *d, const struct conv2d_geom *g,
		   const float *plane, const float *w, float bias,
		   const struct layer_conf *cf, float *dst)
{
	dw3_rows_run(d, g, plane, w, bias, cf, dst, false);
}

__attribute__((target("avx512f")))
void conv_dw3_rows_block(const struct conv_dw3 *d, const struct conv2d_geom *g,
			 const float *in, const float *w, const float *b, int o0, int o1,
			 const struct layer_conf *cf, float *out)
{
	for (int o = o0; o < o1; o++)
		dw3_rows_run(d, g, in + (size_t)(o / g->og) * g->in_hw, w + (size_t)o * 9,
			     b ? b[o] : 0.0f, cf, out + (size_t)o * g->hw, false);
}

/* --- backward -------------------------------------------------------------- */

/* The nine weight gradients of one plane of a stride-1 conv on the row
 * path: sums[kh * 3 + kw] = sum over outputs q of dy[q] times tap
 * (kh, kw)'s input at q, in vector lanes, then across them. */
__attribute__((target("avx512f")))
static void dw3_wgrad_rows(const struct conv_dw3 *d, const struct conv2d_geom *g,
			   const float *in, const float *dout, int batch, int o, float sums[9])
{
	const int W = g->w;
	__m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0,
	       a7 = a0, a8 = a0;
#define DW3_ACC(x, y, z, dyv, p, c, n)          \
	do {                                     \
		x = _mm512_fmadd_ps(dyv, p, x);  \
		y = _mm512_fmadd_ps(dyv, c, y);  \
		z = _mm512_fmadd_ps(dyv, n, z);  \
	} while (0)
	for (int s = 0; s < batch; s++) {
		const float *plane = in + ((size_t)s * g->c + (size_t)(o / g->og)) * g->in_hw;
		const float *dy = dout + ((size_t)s * g->o + (size_t)o) * g->hw;
		if (g->s == 2) {
			const int step = dw3_s2_step(g), nv = g->ow < 16 ? 1 : g->ow / 16;
			for (int oh = 0; oh < g->oh; oh += step)
				for (int j = 0; j < nv; j++) {
					const __m512 dyv = _mm512_maskz_loadu_ps(
						dw3_s2_lanes(g, oh),
						dy + (size_t)oh * (size_t)g->ow + (size_t)j * 16);
					__m512 p, c, n;
					dw3_s2_taps(plane, g, oh, j, 0, &p, &c, &n);
					DW3_ACC(a0, a1, a2, dyv, p, c, n);
					dw3_s2_taps(plane, g, oh, j, 1, &p, &c, &n);
					DW3_ACC(a3, a4, a5, dyv, p, c, n);
					dw3_s2_taps(plane, g, oh, j, 2, &p, &c, &n);
					DW3_ACC(a6, a7, a8, dyv, p, c, n);
				}
		} else if (W < 16) {
			/* Vectors of 16 / w rows, as the forward. */
			for (int v = 0; v < d->nvec; v++) {
				const __m512 dyv = _mm512_maskz_loadu_ps(dw3_group_lanes(g, v),
									 dy + (size_t)v * 16);
				__m512 p, c, n;
				dw3_group_in(d, plane, g, v, 0, &p, &c, &n);
				DW3_ACC(a0, a1, a2, dyv, p, c, n);
				dw3_group_in(d, plane, g, v, 1, &p, &c, &n);
				DW3_ACC(a3, a4, a5, dyv, p, c, n);
				dw3_group_in(d, plane, g, v, 2, &p, &c, &n);
				DW3_ACC(a6, a7, a8, dyv, p, c, n);
			}
		} else {
			/* Input row by input row: each is loaded and shifted once and
			 * meets the dout rows oh = ih + pt - kh of its three taps. */
			const int nv = W / 16;
			for (int j = 0; j < nv; j++)
				for (int ih = 0; ih < g->h; ih++) {
					__m512 p, c, n;
					dw3_row_in(plane, g, ih, j, nv, &p, &c, &n);
					const float *dyj = dy + (size_t)j * 16;
					int oh = ih + g->pt;
					if (oh >= 0 && oh < g->oh)
						DW3_ACC(a0, a1, a2, _mm512_loadu_ps(dyj + (size_t)oh * W), p, c, n);
					oh--;
					if (oh >= 0 && oh < g->oh)
						DW3_ACC(a3, a4, a5, _mm512_loadu_ps(dyj + (size_t)oh * W), p, c, n);
					oh--;
					if (oh >= 0 && oh < g->oh)
						DW3_ACC(a6, a7, a8, _mm512_loadu_ps(dyj + (size_t)oh * W), p, c, n);
				}
		}
	}
#undef DW3_ACC
	sums[0] = _mm512_reduce_add_ps(a0);
	sums[1] = _mm512_reduce_add_ps(a1);
	sums[2] = _mm512_reduce_add_ps(a2);
	sums[3] = _mm512_reduce_add_ps(a3);
	sums[4] = _mm512_reduce_add_ps(a4);
	sums[5] = _mm512_reduce_add_ps(a5);
	sums[6] = _mm512_reduce_add_ps(a6);
	sums[7] = _mm512_reduce_add_ps(a7);
	sums[8] = _mm512_reduce_add_ps(a8);
}

/* The data gradient of a stride-2 conv on the row path, one plane: din
 * column 2 ow (even) takes tap kw = 1 of dout column ow, column 2 ow + 1
 * (odd) taps kw = 2 of ow and kw = 0 of ow + 1, from dout row
 * (ih + pt - kh) / 2 of each tap row kh of that parity; the two are
 * interleaved into din's row, every element written (or added onto). */
__attribute__((target("avx512f")))
static void dw3_dgrad_s2(const struct conv2d_geom *g, const float *dy, const float *w,
			 float *din, bool add)
{
	const __m512i ilo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7,
					      23);
	const __m512i ihi = _mm512_add_epi32(ilo, _mm512_set1_epi32(8));
	const __m512 zero = _mm512_setzero_ps();
	/* Rows of 8 or 4 outputs are the first lanes of one vector, their
	 * 16 or 8 din columns the first of the interleaved one. */
	const bool half = g->ow < 16;
	const int nv = half ? 1 : g->ow / 16;
	const __mmask16 dm = lane_mask16(g->ow), put = lane_mask16(2 * g->ow);
	for (int ih = 0; ih < g->h; ih++)
		for (int j = 0; j < nv; j++) {
			__m512 ev = zero, od = zero;
			for (int kh = 0; kh < 3; kh++) {
				const int twice = ih + g->pt - kh;
				if (twice < 0 || (twice & 1) || twice / 2 >= g->oh)
					continue;
				const float *row = dy + (size_t)(twice / 2) * (size_t)g->ow;
				const __m512 d = _mm512_maskz_loadu_ps(dm, row + (size_t)j * 16);
				const __m512 next = j + 1 < nv ? _mm512_loadu_ps(row + (size_t)j * 16 + 16)
							       : zero;
				ev = _mm512_fmadd_ps(_mm512_set1_ps(w[kh * 3 + 1]), d, ev);
				od = _mm512_fmadd_ps(_mm512_set1_ps(w[kh * 3 + 2]), d, od);
				od = _mm512_fmadd_ps(_mm512_set1_ps(w[kh * 3]), DW3_NEXT(next, d), od);
			}
			float *x = din + (size_t)ih * (size_t)g->w + (size_t)j * 32;
			dw3_put(x, _mm512_permutex2var_ps(ev, ilo, od), put, add);
			if (!half)
				dw3_put(x + 16, _mm512_permutex2var_ps(ev, ihi, od), 0xffff, add);
		}
}

__attribute__((target("avx512f")))
void conv_dw3_backward(const struct conv_dw3_backward *b, const struct conv2d_geom *g,
		       const float *in, const float *dout, int batch, int o, const float *w,
		       float *dw, float *din, bool din_add)
{
	float sums[9];
	dw3_wgrad_rows(&b->fwd, g, in, dout, batch, o, sums);
	for (int t = 0; t < 9; t++)
		dw[t] += sums[t];
	if (!din)
		return;
	if (g->s == 2) {
		for (int s = 0; s < batch; s++)
			dw3_dgrad_s2(g, dout + ((size_t)s * g->o + (size_t)o) * g->hw, w,
				     din + ((size_t)s * g->c + (size_t)(o / g->og)) * g->in_hw, din_add);
		return;
	}
	/* Stride 1: din is dy convolved with the kernel turned half a turn. */
	float flipped[9];
	for (int t = 0; t < 9; t++)
		flipped[t] = w[8 - t];
	const struct layer_conf none = { 0 };
	for (int s = 0; s < batch; s++)
		dw3_rows_run(&b->dplan, &b->dgrad, dout + ((size_t)s * g->o + (size_t)o) * g->hw,
			     flipped, 0.0f, &none,
			     din + ((size_t)s * g->c + (size_t)(o / g->og)) * g->in_hw, din_add);
}
#undef DW3_NEXT
#undef DW3_PREV
#else
/* Never planned off x86-64 (dw3_rows, dw3_masks): here for the link. */
void conv_dw3_rows(const struct conv_dw3 *d, const struct conv2d_geom *g,
		   const float *plane, const float *w, float bias,
		   const struct layer_conf *cf, float *dst)
{
	(void)d;
	(void)g;
	(void)plane;
	(void)w;
	(void)bias;
	(void)cf;
	(void)dst;
	ENG_ASSERT(!"conv_dw3_rows and conv_dw3_masked need x86-64");
}

void conv_dw3_masked(const struct conv_dw3 *d, const struct conv2d_geom *g,
		     const float *plane, const float *w, float bias,
		     const struct layer_conf *cf, float *dst)
{
	conv_dw3_rows(d, g, plane, w, bias, cf, dst);
}

void conv_dw3_rows_block(const struct conv_dw3 *d, const struct conv2d_geom *g,
			 const float *in, const float *w, const float *b, int o0, int o1,
			 const struct layer_conf *cf, float *out)
{
	(void)in;
	(void)b;
	(void)o0;
	(void)o1;
	(void)out;
	conv_dw3_rows(d, g, NULL, w, 0.0f, cf, NULL);
}

void conv_dw3_backward(const struct conv_dw3_backward *b, const struct conv2d_geom *g,
		       const float *in, const float *dout, int batch, int o, const float *w,
		       float *dw, float *din, bool din_add)
{
	(void)b;
	(void)in;
	(void)dout;
	(void)batch;
	(void)o;
	(void)w;
	(void)dw;
	(void)din;
	(void)din_add;
	conv_dw3_rows(NULL, g, NULL, NULL, 0.0f, NULL, NULL);
}
#endif
