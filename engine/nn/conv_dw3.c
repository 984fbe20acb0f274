/* conv_dw3.c: see conv_dw3.h. */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "base/status.h"
#include "base/target_clones.h"
#include "nn/conv_dw3.h"

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

void conv_dw3_plan(struct conv_dw3 *d, const struct conv2d_geom *g)
{
	memset(d, 0, sizeof *d);
	if (!dw3_bands(g, d))
		d->path = CONV_DW3_NONE;
	else if (g->hw <= CONV_DW3_LANES_OUT &&
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
