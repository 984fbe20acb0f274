/* conv_wino4.c: Winograd F(4x4, 3x3) on maps whose sides are multiples
 * of 4 (conv_wino4.h has the maths, the layouts and the thread rules).
 *
 * Every transform works on sixteen channels of one sample's tile at once,
 * one channel a lane: the tile's values of those channels are gathered
 * into a small transposed copy (the padding's zeros around the map
 * included), and the transformed values are 16 contiguous floats of each
 * xi's plane.  The loops over lanes are plain C that the target clones
 * vectorise.
 */
#include "config.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "base/target_clones.h"
#include "base/threads.h"
#include "nn/conv_wino.h"
#include "nn/conv_wino4.h"
#include "nn/gemm_panels.h"

#ifdef _OPENMP
#define W4_OMP(directive) _Pragma(directive)
#else
#define W4_OMP(directive)
#endif

#define W4_LANES 16   /* channels a transform takes at once */
#define W4_XI 36      /* elements of a transformed 6x6 tile */
#define W4_ROWS_MIN 128 /* tiles a run of products may always take (rows) */
#define W4_RUN_FLOATS ((size_t)1 << 21) /* a run's transformed tiles and products */
#define W4F_TILE_BLOCK 16 /* the fused forward's products take tiles 16 at a time */
#define W4F_PANEL_ROWS 16 /* its filters' panels (gemm_panels.h) */

/* Where a sample's tiles are: g->tiles of them, g->tw to a row, each
 * 4x4 outputs (the map's sides are multiples of 4). */
struct w4_geom {
	int h, w, tw, tiles;
};

static struct w4_geom w4_geom_of(int h, int w)
{
	struct w4_geom g = { h, w, w / 4, (h / 4) * (w / 4) };
	return g;
}

/* dst[0, kn) = src[0, kn), kn <= W4_LANES: one vector store when whole
 * (gcc made the loop of unknown length a `rep movsq`, half of the filter
 * transform's time). */
static inline void w4_put(float *dst, const float *src, int kn)
{
	if (kn == W4_LANES) {
		W4_OMP("omp simd")
		for (int k = 0; k < W4_LANES; k++)
			dst[k] = src[k];
	} else {
		for (int k = 0; k < kn; k++)
			dst[k] = src[k];
	}
}

/* dst[0, W4_LANES) = src[0, kn), then zeros. */
static inline void w4_get(float *dst, const float *src, int kn)
{
	if (kn == W4_LANES) {
		W4_OMP("omp simd")
		for (int k = 0; k < W4_LANES; k++)
			dst[k] = src[k];
	} else {
		for (int k = 0; k < W4_LANES; k++)
			dst[k] = k < kn ? src[k] : 0.0f;
	}
}

/* Whether l is a conv these transforms compute (conv_wino_applies) with
 * enough channels both ways, on output sides that are multiples of 4
 * from 4 to max_side: what the batched and the fused paths both ask. */
static bool w4_shape(const struct layer *l, int max_side)
{
	const int h = l->out.h, w = l->out.w;
	return h % 4 == 0 && w % 4 == 0 && h >= 4 && w >= 4 && h <= max_side && w <= max_side &&
	       l->in.c >= CONV_WINO4_MIN_IN && l->out.c >= CONV_WINO4_MIN_OUT &&
	       conv_wino_applies(l);
}

bool conv_wino4_eligible(const struct layer *l)
{
	return w4_shape(l, CONV_WINO4_MAX_SIDE);
}

bool conv_wino4_runs(const struct layer *l, int batch)
{
	return batch >= 2 && conv_wino4_eligible(l);
}

/* The most samples one run of a conv from c to o channels on maps of
 * `tiles` tiles takes: as many as W4_RUN_FLOATS of transformed inputs and
 * products hold, at least W4_ROWS_MIN tiles (the products' rows) and one
 * sample. */
static int wino4_most(int tiles, int c, int o)
{
	size_t rows = W4_RUN_FLOATS / ((size_t)W4_XI * (size_t)(c + o));
	rows = rows < W4_ROWS_MIN ? W4_ROWS_MIN : rows;
	const size_t most = rows / (size_t)tiles;
	return most < 1 ? 1 : (int)most;
}

/* Samples of each run of a `batch`-sample call: the batch in even runs
 * of at most `most`.  A smaller batch can take longer runs than a larger
 * one (9 at most 8: runs of 5; 8: one of 8), so the scratch is sized for
 * runs of min(batch, most). */
static int wino4_run(int batch, int most)
{
	const int runs = (batch + most - 1) / most;
	return (batch + runs - 1) / runs;
}

size_t conv_wino4_scratch_len(const struct layer *l, int batch)
{
	if (!conv_wino4_runs(l, batch))
		return 0;
	const struct w4_geom g = w4_geom_of(l->out.h, l->out.w);
	const size_t c = (size_t)l->in.c, o = (size_t)l->out.c;
	const int most = wino4_most(g.tiles, l->in.c, l->out.c);
	const size_t rows = (size_t)(batch < most ? batch : most) * (size_t)g.tiles;
	/* The filters' (or their gradients') 36 planes, the inputs' and the
	 * products' (or the output gradients'); the data gradient swaps c
	 * and o, which leaves the sum alike. */
	return W4_XI * (o * c + rows * (c + o));
}

/* The six values of B^T d along one line d0..d5 of a 6x6 input patch. */
#define W4_INPUT_LINE(d0, d1, d2, d3, d4, d5, r0, r1, r2, r3, r4, r5) \
	do {                                                           \
		(r0) = (d4) - 5.0f * (d2) + 4.0f * (d0);               \
		(r1) = (d3) + (d4) - 4.0f * ((d1) + (d2));             \
		(r2) = (d4) - (d3) + 4.0f * ((d1) - (d2));             \
		(r3) = (d4) - (d2) + 2.0f * ((d3) - (d1));             \
		(r4) = (d4) - (d2) + 2.0f * ((d1) - (d3));             \
		(r5) = (d5) + 4.0f * (d1) - 5.0f * (d3);               \
	} while (0)

/* B^T d B of one tile's 6x6 input patch d (sixteen channels a lane, kn of
 * them live) into the 36 planes at vs, `plane` floats apart.  Always
 * inlined, so that each target clone compiles it for its own level. */
__attribute__((always_inline)) static inline void w4_input_tile(float d[36][W4_LANES],
								 float *vs, size_t plane, int kn)
{
	float u[6][6][W4_LANES]; /* B^T d: down the columns */
	for (int j = 0; j < 6; j++) {
		W4_OMP("omp simd")
		for (int k = 0; k < W4_LANES; k++)
			W4_INPUT_LINE(d[j][k], d[6 + j][k], d[12 + j][k], d[18 + j][k], d[24 + j][k],
				      d[30 + j][k], u[0][j][k], u[1][j][k], u[2][j][k], u[3][j][k],
				      u[4][j][k], u[5][j][k]);
	}
	for (int i = 0; i < 6; i++) { /* (B^T d) B: along the rows */
		float r[6][W4_LANES];
		W4_OMP("omp simd")
		for (int k = 0; k < W4_LANES; k++)
			W4_INPUT_LINE(u[i][0][k], u[i][1][k], u[i][2][k], u[i][3][k], u[i][4][k],
				      u[i][5][k], r[0][k], r[1][k], r[2][k], r[3][k], r[4][k], r[5][k]);
		for (int e = 0; e < 6; e++)
			w4_put(vs + (size_t)(6 * i + e) * plane, r[e], kn);
	}
}

/* The six values of A dY along one line of a 4x4 output gradient. */
#define W4_DOUT_LINE(y0, y1, y2, y3, z0, z1, z2, z3, z4, z5) \
	do {                                                 \
		const float a02 = (y0) + (y2), a13 = (y1) + (y3); \
		(z0) = (y0);                                 \
		(z1) = a02 + a13;                            \
		(z2) = a02 - a13;                            \
		(z3) = (y0) + 4.0f * (y2) + 2.0f * ((y1) + 4.0f * (y3)); \
		(z4) = (y0) + 4.0f * (y2) - 2.0f * ((y1) + 4.0f * (y3)); \
		(z5) = (y3);                                 \
	} while (0)

/* Samples [n0, n1) of x (c channels of h x w maps each) into the 36
 * planes v, tile t of sample n at row (n - row0) * tiles + t
 * (v[xi][row][ch], planes of `rows` rows): B^T d B of each tile's 6x6
 * input patch d (the map's zero padding around it). */
ENG_TARGET_CLONES static void wino4_inputs(const struct w4_geom *g, int c, const float *x,
					   int n0, int n1, int row0, int rows, float *v)
{
	const size_t plane = (size_t)rows * (size_t)c, hw = (size_t)g->h * (size_t)g->w;
	for (int n = n0; n < n1; n++) {
		for (int c0 = 0; c0 < c; c0 += W4_LANES) {
			const int kn = c - c0 < W4_LANES ? c - c0 : W4_LANES;
			const float *xs = x + ((size_t)n * (size_t)c + (size_t)c0) * hw;
			for (int t = 0; t < g->tiles; t++) {
				const int r0 = 4 * (t / g->tw) - 1, q0 = 4 * (t % g->tw) - 1;
				float d[36][W4_LANES];
				memset(d, 0, sizeof d);
				for (int a = 0; a < 6; a++) {
					const int r = r0 + a;
					if (r < 0 || r >= g->h)
						continue;
					const int b0 = q0 < 0 ? 1 : 0;
					const int b1 = q0 + 6 > g->w ? g->w - q0 : 6;
					for (int k = 0; k < kn; k++) {
						const float *row = xs + (size_t)k * hw +
								   (size_t)r * (size_t)g->w + q0;
						for (int b = b0; b < b1; b++)
							d[6 * a + b][k] = row[b];
					}
				}
				w4_input_tile(d, v + ((size_t)(n - row0) * (size_t)g->tiles +
						      (size_t)t) * (size_t)c + (size_t)c0, plane, kn);
			}
		}
	}
}

/* Samples [n0, n1) of the output gradient dy (o channels of h x w) into
 * the 36 planes z, rows as wino4_inputs': A dY A^T of each 4x4 tile dY,
 * the gradient with respect to each of the tile's 36 products (A^T m A
 * being its output). */
ENG_TARGET_CLONES static void wino4_douts(const struct w4_geom *g, int o, const float *dy,
					  int n0, int n1, int row0, int rows, float *z)
{
	const size_t plane = (size_t)rows * (size_t)o, hw = (size_t)g->h * (size_t)g->w;
	for (int n = n0; n < n1; n++) {
		for (int o0 = 0; o0 < o; o0 += W4_LANES) {
			const int kn = o - o0 < W4_LANES ? o - o0 : W4_LANES;
			const float *ys = dy + ((size_t)n * (size_t)o + (size_t)o0) * hw;
			for (int t = 0; t < g->tiles; t++) {
				const size_t at = (size_t)(4 * (t / g->tw)) * (size_t)g->w +
						  (size_t)(4 * (t % g->tw));
				float d[16][W4_LANES];
				if (kn < W4_LANES)
					memset(d, 0, sizeof d);
				for (int k = 0; k < kn; k++)
					for (int a = 0; a < 4; a++)
						for (int b = 0; b < 4; b++)
							d[4 * a + b][k] =
								ys[(size_t)k * hw + at +
								   (size_t)a * (size_t)g->w + (size_t)b];
				float u[6][4][W4_LANES]; /* A dY: down the columns */
				for (int j = 0; j < 4; j++) {
					W4_OMP("omp simd")
					for (int k = 0; k < W4_LANES; k++)
						W4_DOUT_LINE(d[j][k], d[4 + j][k], d[8 + j][k],
							     d[12 + j][k], u[0][j][k], u[1][j][k],
							     u[2][j][k], u[3][j][k], u[4][j][k],
							     u[5][j][k]);
				}
				float *zs = z + ((size_t)(n - row0) * (size_t)g->tiles + (size_t)t) *
							(size_t)o + (size_t)o0;
				for (int i = 0; i < 6; i++) { /* (A dY) A^T: along the rows */
					float r[6][W4_LANES];
					W4_OMP("omp simd")
					for (int k = 0; k < W4_LANES; k++)
						W4_DOUT_LINE(u[i][0][k], u[i][1][k], u[i][2][k],
							     u[i][3][k], r[0][k], r[1][k], r[2][k],
							     r[3][k], r[4][k], r[5][k]);
					for (int s = 0; s < 6; s++)
						w4_put(zs + (size_t)(6 * i + s) * plane, r[s], kn);
				}
			}
		}
	}
}

/* The four values of A^T m along one line of a 6x6 product tile. */
#define W4_OUTPUT_LINE(m0, m1, m2, m3, m4, m5, y0, y1, y2, y3)    \
	do {                                                      \
		const float a12 = (m1) + (m2), s12 = (m1) - (m2); \
		const float a34 = (m3) + (m4), s34 = (m3) - (m4); \
		(y0) = (m0) + a12 + a34;                          \
		(y1) = s12 + 2.0f * s34;                          \
		(y2) = a12 + 4.0f * a34;                          \
		(y3) = s12 + 8.0f * s34 + (m5);                   \
	} while (0)

/* The bias of lanes [0, kn) from channel o0 on (zeros past kn, and
 * everywhere without a bias). */
__attribute__((always_inline)) static inline void w4_bias_lanes(const float *bias, int o0,
								 int kn, float *bv)
{
	for (int k = 0; k < W4_LANES; k++)
		bv[k] = bias && k < kn ? bias[o0 + k] : 0.0f;
}

/* A^T m A of one tile's 36 products (sixteen channels a lane, kn live,
 * at ms in planes `plane` floats apart), plus the bias bv, then the fused
 * activation when act: the tile's 16 outputs r[4 i + j].  The activation
 * is a pass of its own: inside the transform's loop its branch kept gcc
 * from vectorising the loop at all.  Always inlined, so that each target
 * clone of its callers compiles it for its own level. */
__attribute__((always_inline)) static inline void w4_output_tile(const float *ms, size_t plane,
								  int kn, const float *bv, bool act,
								  float hi, float r[16][W4_LANES])
{
	float t[W4_XI][W4_LANES];
	for (int xi = 0; xi < W4_XI; xi++)
		w4_get(t[xi], ms + (size_t)xi * plane, kn);
	float a[4][6][W4_LANES]; /* A^T m: down the columns */
	for (int e = 0; e < 6; e++) {
		W4_OMP("omp simd")
		for (int k = 0; k < W4_LANES; k++)
			W4_OUTPUT_LINE(t[e][k], t[6 + e][k], t[12 + e][k], t[18 + e][k], t[24 + e][k],
				       t[30 + e][k], a[0][e][k], a[1][e][k], a[2][e][k], a[3][e][k]);
	}
	for (int i = 0; i < 4; i++) { /* (A^T m) A: along the rows */
		W4_OMP("omp simd")
		for (int k = 0; k < W4_LANES; k++) {
			float y0, y1, y2, y3;
			W4_OUTPUT_LINE(a[i][0][k], a[i][1][k], a[i][2][k], a[i][3][k], a[i][4][k],
				       a[i][5][k], y0, y1, y2, y3);
			r[4 * i][k] = y0 + bv[k];
			r[4 * i + 1][k] = y1 + bv[k];
			r[4 * i + 2][k] = y2 + bv[k];
			r[4 * i + 3][k] = y3 + bv[k];
		}
	}
	if (!act)
		return;
	for (int p = 0; p < 16; p++) {
		W4_OMP("omp simd")
		for (int k = 0; k < W4_LANES; k++)
			r[p][k] = layer_post_act(r[p][k], hi);
	}
}

/* Samples [n0, n1) of y (o channels of 4x4 each) from the 36 product
 * planes m (m[xi][n - row0][ch], planes of `rows` rows): A^T m A, plus
 * bias (NULL: none), then the fused activation when act (bound hi),
 * added to what y holds when add. */
ENG_TARGET_CLONES static void wino4_outputs(const struct w4_geom *g, int o, const float *m,
					    int n0, int n1, int row0, int rows, const float *bias,
					    bool act, float hi, bool add, float *y)
{
	const size_t plane = (size_t)rows * (size_t)o, hw = (size_t)g->h * (size_t)g->w;
	for (int n = n0; n < n1; n++) {
		for (int o0 = 0; o0 < o; o0 += W4_LANES) {
			const int kn = o - o0 < W4_LANES ? o - o0 : W4_LANES;
			float bv[W4_LANES];
			w4_bias_lanes(bias, o0, kn, bv);
			for (int tile = 0; tile < g->tiles; tile++) {
				const float *ms = m + ((size_t)(n - row0) * (size_t)g->tiles + (size_t)tile) *
							      (size_t)o + (size_t)o0;
				float r[16][W4_LANES];
				w4_output_tile(ms, plane, kn, bv, act, hi, r);
				float *ys = y + ((size_t)n * (size_t)o + (size_t)o0) * hw +
					    (size_t)(4 * (tile / g->tw)) * (size_t)g->w +
					    (size_t)(4 * (tile % g->tw));
				for (int k = 0; k < kn; k++) {
					for (int i = 0; i < 4; i++) {
						float *yk = ys + (size_t)k * hw + (size_t)i * (size_t)g->w;
						if (add)
							for (int j = 0; j < 4; j++)
								yk[j] += r[4 * i + j][k];
						else
							for (int j = 0; j < 4; j++)
								yk[j] = r[4 * i + j][k];
					}
				}
			}
		}
	}
}

/* The six values of G g along one line of a 3x3 filter. */
#define W4_FILTER_LINE(g0, g1, g2, r0, r1, r2, r3, r4, r5)                    \
	do {                                                                   \
		const float e = (g0) + (g2);                                   \
		(r0) = 0.25f * (g0);                                           \
		(r1) = -(1.0f / 6.0f) * (e + (g1));                            \
		(r2) = -(1.0f / 6.0f) * (e - (g1));                            \
		(r3) = (1.0f / 24.0f) * (g0) + (1.0f / 12.0f) * (g1) +          \
		       (1.0f / 6.0f) * (g2);                                   \
		(r4) = (1.0f / 24.0f) * (g0) - (1.0f / 12.0f) * (g1) +          \
		       (1.0f / 6.0f) * (g2);                                   \
		(r5) = (g2);                                                   \
	} while (0)

/* The filters of outputs [o0, o1) of a conv from c to o channels into the
 * 36 planes u (u[xi][out][in]): G g G^T.  w is the layer's; dgrad: the
 * conv is the layer's data gradient (its c the layer's outputs, its o the
 * layer's inputs), whose filter from c to o is the layer's from o to c
 * turned by 180 degrees. */
ENG_TARGET_CLONES static void wino4_filters(int c, int o, const float *w, bool dgrad, int o0,
					    int o1, float *u)
{
	const size_t plane = (size_t)o * (size_t)c;
	const int nco = o1 - o0, ncb = (c + W4_LANES - 1) / W4_LANES;
	/* Sixteen filters at a time, in the order that reads w in runs: the
	 * forward's are 144 contiguous floats, the data gradient's sixteen
	 * strided runs of nine that the next output continues. */
	for (int b = 0; b < nco * ncb; b++) {
		const int oo = dgrad ? o0 + b % nco : o0 + b / ncb;
		const int c0 = (dgrad ? b / nco : b % ncb) * W4_LANES;
		const int kn = c - c0 < W4_LANES ? c - c0 : W4_LANES;
		float g[9][W4_LANES];
		if (kn < W4_LANES)
			memset(g, 0, sizeof g);
		for (int k = 0; k < kn; k++) {
			const size_t in = (size_t)(c0 + k);
			if (dgrad) {
				const float *f = w + (in * (size_t)o + (size_t)oo) * 9;
				for (int j = 0; j < 9; j++)
					g[j][k] = f[8 - j];
			} else {
				const float *f = w + ((size_t)oo * (size_t)c + in) * 9;
				for (int j = 0; j < 9; j++)
					g[j][k] = f[j];
			}
		}
		float t[6][3][W4_LANES]; /* G g: down the columns */
		for (int j = 0; j < 3; j++) {
			W4_OMP("omp simd")
			for (int k = 0; k < W4_LANES; k++)
				W4_FILTER_LINE(g[j][k], g[3 + j][k], g[6 + j][k], t[0][j][k],
					       t[1][j][k], t[2][j][k], t[3][j][k], t[4][j][k],
					       t[5][j][k]);
		}
		float *us = u + (size_t)oo * (size_t)c + (size_t)c0;
		for (int i = 0; i < 6; i++) { /* (G g) G^T: along the rows */
			float r[6][W4_LANES];
			W4_OMP("omp simd")
			for (int k = 0; k < W4_LANES; k++)
				W4_FILTER_LINE(t[i][0][k], t[i][1][k], t[i][2][k], r[0][k],
					       r[1][k], r[2][k], r[3][k], r[4][k], r[5][k]);
			for (int s = 0; s < 6; s++)
				w4_put(us + (size_t)(6 * i + s) * plane, r[s], kn);
		}
	}
}

/* The conv from c to o channels of `batch` samples of in into out:
 * filters from the layer's w (dgrad: wino4_filters), plus bias, the
 * activation, added to out when add; on a team of `threads`. */
static void wino4_conv(const struct w4_geom *g, int c, int o, const float *w, bool dgrad,
		       const float *in, float *out, int batch, const float *bias, bool act,
		       float hi, bool add, float *scratch, int threads)
{
	const int nb = wino4_run(batch, wino4_most(g->tiles, c, o)), rows = nb * g->tiles;
	const size_t uplane = (size_t)o * (size_t)c;
	const size_t vplane = (size_t)rows * (size_t)c, mplane = (size_t)rows * (size_t)o;
	float *u = scratch, *v = u + W4_XI * uplane, *m = v + W4_XI * vplane;
	const int nt = threads < 1 ? 1 : threads;
	/* A team's threads each run their products on a one-thread OpenBLAS;
	 * alone, the calling thread lets OpenBLAS use its own. */
	const int blas_saved = nt > 1 ? threads_blas_serial_begin() : 0;
	W4_OMP("omp parallel num_threads(nt) if(nt > 1)")
	{
		const int th = threads_team_index(), nth = threads_team_size();
		wino4_filters(c, o, w, dgrad, o * th / nth, o * (th + 1) / nth, u);
		for (int n0 = 0; n0 < batch; n0 += nb) {
			const int cn = batch - n0 < nb ? batch - n0 : nb;
			const int s0 = n0 + cn * th / nth, s1 = n0 + cn * (th + 1) / nth;
			wino4_inputs(g, c, in, s0, s1, n0, rows, v);
			/* Also the filters' (first run) and the last run's
			 * outputs, read from m, before its products overwrite it. */
			W4_OMP("omp barrier")
			for (int xi = W4_XI * th / nth; xi < W4_XI * (th + 1) / nth; xi++)
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cn * g->tiles, o,
					    c, 1.0f, v + (size_t)xi * vplane, c,
					    u + (size_t)xi * uplane, c, 0.0f, m + (size_t)xi * mplane,
					    o);
			W4_OMP("omp barrier")
			wino4_outputs(g, o, m, s0, s1, n0, rows, bias, act, hi, add, out);
		}
	}
	if (nt > 1)
		threads_blas_serial_end(blas_saved);
}

void conv_wino4_forward(const struct layer *l, const float *in, float *out, int batch,
			float *scratch, int threads)
{
	const struct w4_geom g = w4_geom_of(l->out.h, l->out.w);
	wino4_conv(&g, l->in.c, l->out.c, l->w, false, in, out, batch, l->b, l->conf.post_relu,
		   layer_post_hi(&l->conf), false, scratch, threads);
}

void conv_wino4_dgrad(const struct layer *l, const float *dout, float *din, bool assign,
		      int batch, float *scratch, int threads)
{
	const struct w4_geom g = w4_geom_of(l->out.h, l->out.w);
	wino4_conv(&g, l->out.c, l->in.c, l->w, true, dout, din, batch, NULL, false, 0.0f,
		   !assign, scratch, threads);
}

/* The three values of G^T u along one line of a 6x6 filter gradient. */
#define W4_FGRAD_LINE(u0, u1, u2, u3, u4, u5, g0, g1, g2)                          \
	do {                                                                        \
		const float a12 = (u1) + (u2), s12 = (u2) - (u1);                   \
		const float a34 = (u3) + (u4), s34 = (u3) - (u4);                   \
		(g0) = 0.25f * (u0) - (1.0f / 6.0f) * a12 + (1.0f / 24.0f) * a34;   \
		(g1) = (1.0f / 6.0f) * s12 + (1.0f / 12.0f) * s34;                  \
		(g2) = (1.0f / 6.0f) * (a34 - a12) + (u5);                          \
	} while (0)

/* Filters of outputs [o0, o1) of the weight gradient dw (o x c x 3 x 3)
 * from the 36 planes du (du[xi][out][in]): G^T du G, added or assigned. */
ENG_TARGET_CLONES static void wino4_filter_grads(int c, int o, const float *du, int o0,
						 int o1, bool assign, float *dw)
{
	const size_t plane = (size_t)o * (size_t)c;
	for (int oo = o0; oo < o1; oo++) {
		for (int c0 = 0; c0 < c; c0 += W4_LANES) {
			const int kn = c - c0 < W4_LANES ? c - c0 : W4_LANES;
			const float *ds = du + (size_t)oo * (size_t)c + (size_t)c0;
			float d[W4_XI][W4_LANES];
			for (int xi = 0; xi < W4_XI; xi++)
				w4_get(d[xi], ds + (size_t)xi * plane, kn);
			float t[3][6][W4_LANES]; /* G^T du: down the columns */
			for (int s = 0; s < 6; s++) {
				W4_OMP("omp simd")
				for (int k = 0; k < W4_LANES; k++)
					W4_FGRAD_LINE(d[s][k], d[6 + s][k], d[12 + s][k], d[18 + s][k],
						      d[24 + s][k], d[30 + s][k], t[0][s][k],
						      t[1][s][k], t[2][s][k]);
			}
			float g[9][W4_LANES]; /* (G^T du) G: along the rows */
			for (int j = 0; j < 3; j++) {
				W4_OMP("omp simd")
				for (int k = 0; k < W4_LANES; k++)
					W4_FGRAD_LINE(t[j][0][k], t[j][1][k], t[j][2][k], t[j][3][k],
						      t[j][4][k], t[j][5][k], g[3 * j][k],
						      g[3 * j + 1][k], g[3 * j + 2][k]);
			}
			float *fs = dw + ((size_t)oo * (size_t)c + (size_t)c0) * 9;
			for (int k = 0; k < kn; k++) {
				float *f = fs + (size_t)k * 9;
				if (assign)
					for (int j = 0; j < 9; j++)
						f[j] = g[j][k];
				else
					for (int j = 0; j < 9; j++)
						f[j] += g[j][k];
			}
		}
	}
}

void conv_wino4_wgrad(const struct layer *l, const float *in, const float *dout, float *dw,
		      bool assign, int batch, float *scratch, int threads)
{
	const int c = l->in.c, o = l->out.c;
	const struct w4_geom g = w4_geom_of(l->out.h, l->out.w);
	const int nb = wino4_run(batch, wino4_most(g.tiles, c, o)), rows = nb * g.tiles;
	const size_t uplane = (size_t)o * (size_t)c;
	const size_t vplane = (size_t)rows * (size_t)c, zplane = (size_t)rows * (size_t)o;
	float *du = scratch, *v = du + W4_XI * uplane, *z = v + W4_XI * vplane;
	const int nt = threads < 1 ? 1 : threads;
	const int blas_saved = nt > 1 ? threads_blas_serial_begin() : 0;
	W4_OMP("omp parallel num_threads(nt) if(nt > 1)")
	{
		const int th = threads_team_index(), nth = threads_team_size();
		for (int n0 = 0; n0 < batch; n0 += nb) {
			const int cn = batch - n0 < nb ? batch - n0 : nb;
			const int s0 = n0 + cn * th / nth, s1 = n0 + cn * (th + 1) / nth;
			wino4_inputs(&g, c, in, s0, s1, n0, rows, v);
			wino4_douts(&g, o, dout, s0, s1, n0, rows, z);
			W4_OMP("omp barrier")
			/* Each xi's sum over every sample on one thread, run
			 * after run: the same order on any team. */
			for (int xi = W4_XI * th / nth; xi < W4_XI * (th + 1) / nth; xi++)
				cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, o, c,
					    cn * g.tiles, 1.0f,
					    z + (size_t)xi * zplane, o, v + (size_t)xi * vplane, c,
					    n0 == 0 ? 0.0f : 1.0f, du + (size_t)xi * uplane, c);
			W4_OMP("omp barrier")
		}
		wino4_filter_grads(c, o, du, o * th / nth, o * (th + 1) / nth, assign, dw);
	}
	if (nt > 1)
		threads_blas_serial_end(blas_saved);
}

/* ---- a fused net's batch-1 forward ------------------------------------ */

bool conv_wino4_fused_eligible(const struct layer *l)
{
	return w4_shape(l, CONV_WINO4_FUSED_MAX_SIDE) &&
	       (l->out.h / 4) * (l->out.w / 4) % W4F_TILE_BLOCK == 0;
}

bool conv_wino4_fused_runs(const struct layer *l, int batch)
{
	return l->packing == LAYER_PACKED_WINO4 && l->w_packed && batch == 1 &&
	       conv_wino4_fused_eligible(l);
}

/* Floats from one of the 36 planes to the next: a gap after each (as in
 * conv_wino.c), else at 64 channels and 64 tiles the planes are 16 KiB
 * apart and a tile's 36 values all fall in one set of the L1 cache
 * (conv1_2 took 0.27 ms with the planes back to back, 0.24 without). */
static size_t w4f_plane(int tiles, int c)
{
	return (size_t)tiles * (size_t)c + W4_LANES;
}

/* Floats of one xi's packed filters: output channels in panels of 16. */
static size_t w4f_filter_plane(int c, int o)
{
	return gemm_panels_len(W4F_PANEL_ROWS, o, c);
}

size_t conv_wino4_fused_len(const struct layer *l)
{
	return W4_XI * w4f_filter_plane(l->in.c, l->out.c);
}

bool conv_wino4_fused_weights(const struct layer *l, float *packed)
{
	const int c = l->in.c, o = l->out.c;
	const size_t plane = (size_t)o * (size_t)c;
	float *u = malloc(W4_XI * plane * sizeof *u);
	if (!u)
		return false;
	wino4_filters(c, o, l->w, false, 0, o, u);
	for (int xi = 0; xi < W4_XI; xi++)
		gemm_panels_pack(W4F_PANEL_ROWS, o, c, u + (size_t)xi * plane, (size_t)c,
				 packed + (size_t)xi * w4f_filter_plane(c, o));
	free(u);
	return true;
}

size_t conv_wino4_fused_scratch(const struct layer *l)
{
	const int tiles = (l->out.h / 4) * (l->out.w / 4);
	const size_t hw = (size_t)l->out.h * (size_t)l->out.w;
	return W4_XI * (w4f_plane(tiles, l->in.c) + w4f_plane(tiles, l->out.c)) +
	       hw * ((size_t)l->in.c + (size_t)l->out.c);
}

/* Positions [p0, p1) of one sample's map x (c channels of hw, NCHW) into
 * xt[pos][ch] (NHWC): the transforms then read sixteen channels of a
 * position as one vector. */
ENG_TARGET_CLONES static void w4f_to_nhwc(int c, size_t hw, const float *x, size_t p0,
					  size_t p1, float *xt)
{
	for (size_t q0 = p0; q0 < p1; q0 += W4_LANES) {
		const size_t pn = p1 - q0 < W4_LANES ? p1 - q0 : W4_LANES;
		for (int ch = 0; ch < c; ch++)
			for (size_t p = 0; p < pn; p++)
				xt[(q0 + p) * (size_t)c + (size_t)ch] = x[(size_t)ch * hw + q0 + p];
	}
}

/* Channels [c0, c1) of yt[pos][ch] back into y (NCHW). */
ENG_TARGET_CLONES static void w4f_from_nhwc(int c, size_t hw, const float *yt, int c0,
					    int c1, float *y)
{
	for (size_t q0 = 0; q0 < hw; q0 += W4_LANES) {
		const size_t pn = hw - q0 < W4_LANES ? hw - q0 : W4_LANES;
		for (int ch = c0; ch < c1; ch++)
			for (size_t p = 0; p < pn; p++)
				y[(size_t)ch * hw + q0 + p] = yt[(q0 + p) * (size_t)c + (size_t)ch];
	}
}

/* Tiles [t0, t1) of one sample given as NHWC (xt) into the 36 planes v
 * (v[xi][tile][ch]): wino4_inputs' B^T d B, each 6x6 patch of sixteen
 * channels read as 36 vectors. */
ENG_TARGET_CLONES static void w4f_inputs(const struct w4_geom *g, int c, const float *xt,
					 int t0, int t1, float *v)
{
	const size_t plane = w4f_plane(g->tiles, c);
	for (int t = t0; t < t1; t++) {
		const int r0 = 4 * (t / g->tw) - 1, q0 = 4 * (t % g->tw) - 1;
		for (int c0 = 0; c0 < c; c0 += W4_LANES) {
			const int kn = c - c0 < W4_LANES ? c - c0 : W4_LANES;
			float d[36][W4_LANES];
			for (int a = 0; a < 6; a++) {
				const int r = r0 + a;
				for (int b = 0; b < 6; b++) {
					const int q = q0 + b;
					if (r < 0 || r >= g->h || q < 0 || q >= g->w)
						memset(d[6 * a + b], 0, sizeof d[0]);
					else
						w4_get(d[6 * a + b],
						       xt + ((size_t)r * (size_t)g->w + (size_t)q) *
								    (size_t)c + (size_t)c0, kn);
				}
			}
			w4_input_tile(d, v + (size_t)t * (size_t)c + (size_t)c0, plane, kn);
		}
	}
}

/* Tiles [t0, t1) of the output from the 36 product planes m
 * (m[xi][tile][ch]) into yt (NHWC): wino4_outputs' A^T m A, bias and
 * activation, each output position's sixteen channels one vector. */
ENG_TARGET_CLONES static void w4f_outputs(const struct w4_geom *g, int o, const float *m,
					  int t0, int t1, const float *bias, bool act, float hi,
					  float *yt)
{
	const size_t plane = w4f_plane(g->tiles, o);
	for (int tile = t0; tile < t1; tile++) {
		const size_t at = (size_t)(4 * (tile / g->tw)) * (size_t)g->w +
				  (size_t)(4 * (tile % g->tw));
		for (int o0 = 0; o0 < o; o0 += W4_LANES) {
			const int kn = o - o0 < W4_LANES ? o - o0 : W4_LANES;
			const float *ms = m + (size_t)tile * (size_t)o + (size_t)o0;
			float bv[W4_LANES], r[16][W4_LANES];
			w4_bias_lanes(bias, o0, kn, bv);
			w4_output_tile(ms, plane, kn, bv, act, hi, r);
			for (int i = 0; i < 4; i++)
				for (int j = 0; j < 4; j++)
					w4_put(yt + (at + (size_t)i * (size_t)g->w + (size_t)j) * (size_t)o +
						       (size_t)o0, r[4 * i + j], kn);
		}
	}
}

void conv_wino4_fused_forward(const struct layer *l, const float *packed, const float *in,
			      float *out, float *scratch, int threads)
{
	const struct w4_geom g = w4_geom_of(l->out.h, l->out.w);
	const int c = l->in.c, o = l->out.c;
	const size_t hw = (size_t)g.h * (size_t)g.w;
	float *v = scratch, *m = v + W4_XI * w4f_plane(g.tiles, c);
	float *xt = m + W4_XI * w4f_plane(g.tiles, o), *yt = xt + hw * (size_t)c;
	const bool act = l->conf.post_relu;
	const float hi = layer_post_hi(&l->conf);
	const int nt = threads < 1 ? 1 : threads;
	(void)nt; /* only in OpenMP clauses */
	W4_OMP("omp parallel num_threads(nt) if(nt > 1)")
	{
		const int th = threads_team_index(), nth = threads_team_size();
		/* Positions and channels in whole vectors, tiles and products
		 * as they fall: each element is computed the same on any team. */
		const size_t blocks = (hw + W4_LANES - 1) / W4_LANES;
		const size_t p0 = blocks * (size_t)th / (size_t)nth * W4_LANES;
		const size_t p1 = th + 1 == nth ? hw
					       : blocks * (size_t)(th + 1) / (size_t)nth * W4_LANES;
		w4f_to_nhwc(c, hw, in, p0, p1, xt);
		W4_OMP("omp barrier")
		w4f_inputs(&g, c, xt, g.tiles * th / nth, g.tiles * (th + 1) / nth, v);
		W4_OMP("omp barrier")
		for (int xi = W4_XI * th / nth; xi < W4_XI * (th + 1) / nth; xi++)
			gemm_panels_t(o, g.tiles, c, packed + (size_t)xi * w4f_filter_plane(c, o),
				      v + (size_t)xi * w4f_plane(g.tiles, c), (size_t)c,
				      m + (size_t)xi * w4f_plane(g.tiles, o), (size_t)o);
		W4_OMP("omp barrier")
		w4f_outputs(&g, o, m, g.tiles * th / nth, g.tiles * (th + 1) / nth, l->b, act, hi,
			    yt);
		W4_OMP("omp barrier")
		w4f_from_nhwc(o, hw, yt, o * th / nth, o * (th + 1) / nth, out);
	}
}
