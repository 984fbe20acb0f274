/* conv_wino.c: Winograd F(2x2, 3x3) convs (conv_wino.h): a fused net's
 * batch-1 forward, the batched forward, data and weight gradients.
 *
 * The matrices (Lavin and Gray 2016, F(2x2, 3x3)):
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
 *   G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
 *   A^T = [1 1 1 0; 0 1 -1 -1]
 * Tile (th, tw) covers outputs rows 2th, 2th + 1 and columns 2tw,
 * 2tw + 1, and reads the input patch whose top left is (2th - 1, 2tw - 1)
 * (padding 1: zeros outside the map; a map of odd side has a last tile
 * half outside, whose outside outputs are dropped).
 */
#include "config.h"

#include <cblas.h>
#include <stdint.h>
#include <string.h>

#include "base/status.h"
#include "base/target_clones.h"
#include "base/threads.h"
#include "nn/conv3x3.h"
#include "nn/conv_wino.h"
#include "nn/gemm_panels.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CONV_WINO_X86 1
#endif

#ifdef _OPENMP
#define CONV_WINO_OMP(directive) _Pragma(directive)
#else
#define CONV_WINO_OMP(directive)
#endif

/* Output maps this path takes (conv_wino.h says why). */
#define CONV_WINO_MIN_SIDE 8
#define CONV_WINO_MAX_SIDE 32
/* Input channels from which it pays: the 16 products have them as their
 * inner size, and ResNet-20's 32-channel 16x16 convs went 0.025 ->
 * 0.032 ms (its 64-channel 8x8 ones 0.028 -> 0.022). */
#define CONV_WINO_MIN_IN 64
/* The batched path (training, scoring, larger inference batches): from
 * two samples, on 8x8 to 16x16 outputs.  4x4 maps (VGG-16's conv4, four
 * tiles a sample) lost: a training step at batch 64 and one thread took
 * 653-699 ms with them alone on it, against 655 without; they take
 * F(4x4, 3x3) instead, one tile a sample (conv_wino4.h). */
#define CONV_WINO_MIN_BATCH 2
#define CONV_WINO_BATCH_MIN_SIDE 8
#define CONV_WINO_BATCH_MAX_SIDE 16
/* Outputs from which the batched path pays (the data gradient's inner
 * size): VGG-16's 128- and 256-output convs at batch 64, one thread, went
 * 31.3 -> 19.5 and 24.7 -> 17.8 ms a forward, 59.8 -> 50.0 and 48.9 ->
 * 42.7 ms a backward; ResNet-20's 64 -> 64 at 8x8 gained nothing at two
 * threads (forward 2.12 -> 2.19 ms at batch 100, data gradient 2.16 ->
 * 2.41 ms at 64) and SNIP on it went 0.108-0.113 -> 0.122-0.127 s. */
#define CONV_WINO_BATCH_MIN_OUT 128
/* Tiles of the thin products (the packed kernel): 8x8 maps, the
 * smallest this path takes, so that every row of a transformed plane is
 * whole, 16 tiles, and no column of one is padding. */
#define CONV_WINO_THIN_TILES 16
/* Their panels (gemm_panels.h): 16 output channels, for 16 columns. */
#define CONV_WINO_PANEL_ROWS 16
/* Padded row length of the largest map (2 * 8 tiles + 2). */
#define CONV_WINO_MAX_PW (CONV_WINO_MAX_SIDE + 2)
/* Floats between two of the 16 transformed planes beyond their length:
 * planes a multiple of 4 KiB apart would put the 16 values of a tile,
 * written or read together, in one set of the L1 cache. */
#define CONV_WINO_PLANE_GAP 16

struct conv_wino_geom {
	int c, o, h, w;
	int th, tw, tiles;      /* tile rows, columns, and their product */
	bool thin;              /* the fused 8x8 layout: packed filters */
	int ld;                 /* columns of a transformed plane: the tiles
				 * of `samples` samples side by side */
	int opad;               /* output channels of a product (16s when thin) */
	size_t vstride, mstride; /* floats from one xi's plane to the next */
	size_t pad_plane;       /* floats of one padded input plane */
};

/* c inputs, o outputs, h x w maps, `samples` to a plane; thin: the fused
 * layout where it applies (one sample of 16 tiles). */
static void conv_wino_geom_set(struct conv_wino_geom *g, int c, int o, int h, int w,
			       int samples, bool thin)
{
	g->c = c;
	g->o = o;
	g->h = h;
	g->w = w;
	g->th = (h + 1) / 2;
	g->tw = (w + 1) / 2;
	g->tiles = g->th * g->tw;
	g->thin = thin && samples == 1 && g->tiles == CONV_WINO_THIN_TILES;
	g->ld = g->tiles * samples;
	g->opad = g->thin ? (o + CONV_WINO_PANEL_ROWS - 1) / CONV_WINO_PANEL_ROWS *
				    CONV_WINO_PANEL_ROWS : o;
	g->vstride = (size_t)c * (size_t)g->ld + CONV_WINO_PLANE_GAP;
	g->mstride = (size_t)g->opad * (size_t)g->ld + CONV_WINO_PLANE_GAP;
	g->pad_plane = (size_t)(2 * g->th + 2) * (size_t)(2 * g->tw + 2);
}

/* The fused batch-1 geometry of layer l. */
static void conv_wino_geom_init(struct conv_wino_geom *g, const struct layer *l)
{
	conv_wino_geom_set(g, l->in.c, l->out.c, l->out.h, l->out.w, 1, true);
}

bool conv_wino_applies(const struct layer *l)
{
	const struct layer_conf *c = &l->conf;
	if (l->kind != LAYER_KIND_CONV || c->size != 3 || c->stride != 1 || c->groups != 1 ||
	    c->pad.top != 1 || c->pad.left != 1 || c->pad.bottom != 1 || c->pad.right != 1)
		return false;
#ifdef CONV_WINO_X86
	return conv3x3_best_isa() == CONV3X3_ISA_AVX512;
#else
	return false;
#endif
}

/* Whether l is a conv this file computes, its output sides within
 * [lo, hi]. */
static bool conv_wino_shape(const struct layer *l, int lo, int hi)
{
	return l->in.c >= CONV_WINO_MIN_IN && l->out.h >= lo && l->out.h <= hi &&
	       l->out.w >= lo && l->out.w <= hi && conv_wino_applies(l);
}

bool conv_wino_batch_eligible(const struct layer *l)
{
	return l->out.c >= CONV_WINO_BATCH_MIN_OUT &&
	       conv_wino_shape(l, CONV_WINO_BATCH_MIN_SIDE, CONV_WINO_BATCH_MAX_SIDE);
}

bool conv_wino_eligible(const struct layer *l)
{
	return conv_wino_shape(l, CONV_WINO_MIN_SIDE, CONV_WINO_MAX_SIDE);
}

size_t conv_wino_weights_len(const struct layer *l)
{
	struct conv_wino_geom g;
	conv_wino_geom_init(&g, l);
	return (size_t)16 * (size_t)g.opad * (size_t)g.c;
}

/* Where u[xi][o][c] stands: in panels of 16 output channels, k-major
 * (gemm_panels_pack's layout), when the products are thin; else
 * row-major (o, c). */
static size_t conv_wino_u_at(const struct conv_wino_geom *g, int xi, int o, int c)
{
	const size_t plane = (size_t)g->opad * (size_t)g->c;
	const size_t rows = CONV_WINO_PANEL_ROWS;
	if (g->thin)
		return (size_t)xi * plane + (size_t)o / rows * (size_t)g->c * rows +
		       (size_t)c * rows + (size_t)o % rows;
	return (size_t)xi * plane + (size_t)o * (size_t)g->c + (size_t)c;
}

/* One 3x3 filter f transformed: r[4 i + j] = (G f G^T)[i][j]. */
static void conv_wino_filter(const float *f, float *r)
{
	float t[4][3]; /* G f */
	for (int j = 0; j < 3; j++) {
		t[0][j] = f[j];
		t[1][j] = 0.5f * (f[j] + f[3 + j] + f[6 + j]);
		t[2][j] = 0.5f * (f[j] - f[3 + j] + f[6 + j]);
		t[3][j] = f[6 + j];
	}
	for (int i = 0; i < 4; i++) { /* (G f) G^T */
		r[4 * i] = t[i][0];
		r[4 * i + 1] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
		r[4 * i + 2] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
		r[4 * i + 3] = t[i][2];
	}
}

/* The filters of g's outputs [o0, o1) transformed into u.  w is the
 * layer's (its o x c x 3 x 3).  dgrad: g is the data gradient's conv,
 * from the layer's outputs back to its inputs (g's c is the layer's o,
 * g's o the layer's c), whose filter from o to c is the layer's from c to
 * o turned by 180 degrees. */
static void conv_wino_filters(const struct conv_wino_geom *g, const float *w, bool dgrad,
			      int o0, int o1, float *u)
{
	for (int o = o0; o < o1; o++) {
		for (int c = 0; c < g->c; c++) {
			float f[9], r[16];
			if (dgrad) {
				const float *f0 = w + ((size_t)c * (size_t)g->o + (size_t)o) * 9;
				for (int k = 0; k < 9; k++)
					f[k] = f0[8 - k];
			} else {
				memcpy(f, w + ((size_t)o * (size_t)g->c + (size_t)c) * 9, sizeof f);
			}
			conv_wino_filter(f, r);
			for (int xi = 0; xi < 16; xi++)
				u[conv_wino_u_at(g, xi, o, c)] = r[xi];
		}
	}
}

void conv_wino_transform_weights(const struct layer *l, float *u)
{
	struct conv_wino_geom g;
	conv_wino_geom_init(&g, l);
	memset(u, 0, conv_wino_weights_len(l) * sizeof *u);
	conv_wino_filters(&g, l->w, false, 0, g.o, u);
}

size_t conv_wino_scratch_len(const struct layer *l, int threads)
{
	struct conv_wino_geom g;
	conv_wino_geom_init(&g, l);
	const size_t nt = (size_t)(threads < 1 ? 1 : threads);
	return 16 * g.vstride + 16 * g.mstride + nt * g.pad_plane;
}

/* Channels [c0, c1) of one sample x into the 16 planes v at columns
 * col0 + tile (B^T d B of every tile: v[xi * vstride + c * ld + col0 +
 * tile]); pad is pad_plane floats of this thread's. */
ENG_TARGET_CLONES static void conv_wino_input(const struct conv_wino_geom *g, const float *x,
					      int col0, int c0, int c1, float *v, float *pad)
{
	const int pw = 2 * g->tw + 2, ph = 2 * g->th + 2;
	const size_t s = g->vstride;
	ENG_ASSERT(pw <= CONV_WINO_MAX_PW);
	for (int c = c0; c < c1; c++) {
		memset(pad, 0, (size_t)ph * (size_t)pw * sizeof *pad);
		for (int h = 0; h < g->h; h++)
			memcpy(pad + (size_t)(h + 1) * (size_t)pw + 1,
			       x + ((size_t)c * (size_t)g->h + (size_t)h) * (size_t)g->w,
			       (size_t)g->w * sizeof *pad);
		float *vc = v + (size_t)c * (size_t)g->ld + (size_t)col0;
		for (int th = 0; th < g->th; th++) {
			const float *r0 = pad + (size_t)(2 * th) * (size_t)pw, *r1 = r0 + pw,
				    *r2 = r1 + pw, *r3 = r2 + pw;
			/* B^T d over the band's whole padded rows, then d B
			 * tile by tile: the same sums as per tile, in loops
			 * the compiler vectorises. */
			float d[4][CONV_WINO_MAX_PW];
			CONV_WINO_OMP("omp simd")
			for (int q = 0; q < pw; q++) {
				d[0][q] = r0[q] - r2[q];
				d[1][q] = r1[q] + r2[q];
				d[2][q] = r2[q] - r1[q];
				d[3][q] = r1[q] - r3[q];
			}
			float *vt = vc + (size_t)th * (size_t)g->tw;
			for (int i = 0; i < 4; i++) {
				const float *di = d[i];
				float *v0 = vt + (size_t)(4 * i) * s, *v1 = v0 + s, *v2 = v1 + s,
				      *v3 = v2 + s;
				CONV_WINO_OMP("omp simd")
				for (int tw = 0; tw < g->tw; tw++) {
					const float e0 = di[2 * tw], e1 = di[2 * tw + 1],
						    e2 = di[2 * tw + 2], e3 = di[2 * tw + 3];
					v0[tw] = e0 - e2;
					v1[tw] = e1 + e2;
					v2[tw] = e2 - e1;
					v3[tw] = e1 - e3;
				}
			}
		}
	}
}

/* Output channels [o0, o1) of one sample, columns col0 + tile of the 16
 * product planes m (A^T m A per tile), plus bias (NULL: none), then the
 * fused activation when act (layer.h post_relu, bound hi), into y (add:
 * added to what y holds). */
ENG_TARGET_CLONES static void conv_wino_output(const struct conv_wino_geom *g, const float *m,
					       int col0, int o0, int o1, const float *bias_of,
					       bool act, float hi, bool add, float *y)
{
	const size_t s = g->mstride;
	ENG_ASSERT(2 * g->tw <= CONV_WINO_MAX_PW);
	for (int o = o0; o < o1; o++) {
		const float bias = bias_of ? bias_of[o] : 0.0f;
		float *yo = y + (size_t)o * (size_t)g->h * (size_t)g->w;
		for (int th = 0; th < g->th; th++) {
			const float *mt = m + (size_t)o * (size_t)g->ld + (size_t)col0 +
					  (size_t)th * (size_t)g->tw;
			/* m A for every tile of the row, then A^T (m A) into two
			 * output rows of 2 * tw columns (the same sums as tile
			 * by tile, in loops the compiler vectorises), then the
			 * map's w of them out. */
			float a[4][2][CONV_WINO_MAX_PW / 2];
			for (int i = 0; i < 4; i++) {
				const float *m0 = mt + (size_t)(4 * i) * s, *m1 = m0 + s, *m2 = m1 + s,
					    *m3 = m2 + s;
				CONV_WINO_OMP("omp simd")
				for (int tw = 0; tw < g->tw; tw++) {
					a[i][0][tw] = m0[tw] + m1[tw] + m2[tw];
					a[i][1][tw] = m1[tw] - m2[tw] - m3[tw];
				}
			}
			float rows[2][CONV_WINO_MAX_PW];
			for (int j = 0; j < 2; j++) {
				CONV_WINO_OMP("omp simd")
				for (int tw = 0; tw < g->tw; tw++) {
					float y0 = a[0][j][tw] + a[1][j][tw] + a[2][j][tw] + bias;
					float y1 = a[1][j][tw] - a[2][j][tw] - a[3][j][tw] + bias;
					if (act) {
						y0 = layer_post_act(y0, hi);
						y1 = layer_post_act(y1, hi);
					}
					rows[0][2 * tw + j] = y0;
					rows[1][2 * tw + j] = y1;
				}
			}
			const int h = 2 * th;
			for (int r = 0; r < 2 && h + r < g->h; r++) {
				float *yr = yo + (size_t)(h + r) * (size_t)g->w;
				const float *src = rows[r];
				if (add) {
					CONV_WINO_OMP("omp simd")
					for (int w = 0; w < g->w; w++)
						yr[w] += src[w];
				} else {
					memcpy(yr, src, (size_t)g->w * sizeof *yr);
				}
			}
		}
	}
}

/* Products [x0, x1) of the 16, over the first n columns of the planes. */
static void conv_wino_products(const struct conv_wino_geom *g, const float *u, const float *v,
			       float *m, int n, int x0, int x1)
{
	const size_t plane = (size_t)g->opad * (size_t)g->c;
	for (int xi = x0; xi < x1; xi++) {
		const float *ux = u + (size_t)xi * plane;
		const float *vx = v + (size_t)xi * g->vstride;
		float *mx = m + (size_t)xi * g->mstride;
		if (g->thin)
			gemm_panels(CONV_WINO_PANEL_ROWS, g->o, 0, g->o, CONV_WINO_THIN_TILES, g->c,
				    ux, vx, CONV_WINO_THIN_TILES, mx, CONV_WINO_THIN_TILES, NULL);
		else
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g->o, n, g->c, 1.0f,
				    ux, g->c, vx, g->ld, 0.0f, mx, g->ld);
	}
}

bool conv_wino_runs(const struct layer *l, int batch)
{
	/* Eligible still: conv2d sizes the scratch by eligibility, and the
	 * kernel cap could have dropped since the net was fused. */
	return l->packing == LAYER_PACKED_WINO2 && l->w_packed && batch == 1 &&
	       conv_wino_eligible(l);
}

void conv_wino_forward(const struct layer *l, const float *u, const float *in, float *out,
		       float *scratch, int threads)
{
	struct conv_wino_geom g;
	conv_wino_geom_init(&g, l);
	float *v = scratch, *m = v + 16 * g.vstride, *pads = m + 16 * g.mstride;
	const bool act = l->conf.post_relu;
	const float hi = layer_post_hi(&l->conf);
	const int nt = threads < 1 ? 1 : threads;
	(void)nt; /* only in OpenMP clauses */
	CONV_WINO_OMP("omp parallel num_threads(nt) if(nt > 1)")
	{
		const int th = threads_team_index(), nth = threads_team_size();
		conv_wino_input(&g, in, 0, g.c * th / nth, g.c * (th + 1) / nth, v,
				pads + (size_t)th * g.pad_plane);
		CONV_WINO_OMP("omp barrier")
		conv_wino_products(&g, u, v, m, g.ld, 16 * th / nth, 16 * (th + 1) / nth);
		CONV_WINO_OMP("omp barrier")
		conv_wino_output(&g, m, 0, g.o * th / nth, g.o * (th + 1) / nth, l->b, act, hi,
				 false, out);
	}
}

/* The batched path: the samples a thread takes at once, so that its two
 * plane sets (inputs and products) stay within CONV_WINO_CHUNK_FLOATS. */
#define CONV_WINO_CHUNK_FLOATS ((size_t)1 << 20)

static int conv_wino_chunk(const struct layer *l, int batch)
{
	struct conv_wino_geom g;
	conv_wino_geom_set(&g, l->in.c, l->out.c, l->out.h, l->out.w, 1, false);
	const size_t per = 16 * ((size_t)g.c + (size_t)g.o) * (size_t)g.tiles;
	size_t n = CONV_WINO_CHUNK_FLOATS / per;
	n = n < 1 ? 1 : n;
	return (int)(n < (size_t)batch ? n : (size_t)batch);
}

bool conv_wino_batch_runs(const struct layer *l, int batch)
{
	return batch >= CONV_WINO_MIN_BATCH && conv_wino_batch_eligible(l);
}

/* The team a batched call of `batch` samples runs on, granted `threads`:
 * a thread per run of samples, so at most one per sample; a batch smaller
 * than the team runs on the calling thread, OpenBLAS's threads inside its
 * products. */
static int conv_wino_batch_team(int batch, int threads)
{
	return threads <= 1 || batch < threads ? 1 : threads;
}

size_t conv_wino_batch_scratch_len(const struct layer *l, int batch, int threads)
{
	if (!conv_wino_batch_runs(l, batch))
		return 0;
	struct conv_wino_geom g;
	conv_wino_geom_set(&g, l->in.c, l->out.c, l->out.h, l->out.w, conv_wino_chunk(l, batch),
			   false);
	/* Room for the largest team any call granted at most `threads` runs
	 * (conv_wino_batch_team of a smaller grant can be larger than of
	 * this one: a batch of 5 runs on 4 threads of 4, on one of 8). */
	const int most = threads < batch ? threads : batch;
	const size_t nt = (size_t)(most < 1 ? 1 : most);
	/* The forward and data gradient: the filters once, a thread's
	 * planes each; the weight gradient: a thread's filter sums too. */
	return 16 * (size_t)g.o * (size_t)g.c * nt +
	       nt * (16 * g.vstride + 16 * g.mstride + g.pad_plane);
}

/* The batched pipeline: `batch` samples of in (g.c x h x w each) into
 * out (g.o x h x w each), runs of nb to a product (g's samples), filters
 * from the layer's w (dgrad: the data gradient's, conv_wino_filters),
 * plus bias, the activation, added to out when add. */
static void conv_wino_batch(const struct conv_wino_geom *g, int nb, const float *w, bool dgrad,
			    const float *in, float *out, int batch, const float *bias, bool act,
			    float hi, bool add, float *scratch, int threads)
{
	float *u = scratch, *bufs = u + 16 * (size_t)g->o * (size_t)g->c;
	const size_t per_thread = 16 * g->vstride + 16 * g->mstride + g->pad_plane;
	const size_t in_sample = (size_t)g->c * (size_t)g->h * (size_t)g->w;
	const size_t out_sample = (size_t)g->o * (size_t)g->h * (size_t)g->w;
	const int nt = conv_wino_batch_team(batch, threads);
	/* A team's threads each run their products on a one-thread OpenBLAS;
	 * alone, the calling thread lets OpenBLAS use its own. */
	const int blas_saved = nt > 1 ? threads_blas_serial_begin() : 0;
	CONV_WINO_OMP("omp parallel num_threads(nt) if(nt > 1)")
	{
		const int th = threads_team_index(), nth = threads_team_size();
		conv_wino_filters(g, w, dgrad, g->o * th / nth, g->o * (th + 1) / nth, u);
		CONV_WINO_OMP("omp barrier")
		float *v = bufs + (size_t)th * per_thread, *m = v + 16 * g->vstride,
		      *pad = m + 16 * g->mstride;
		const int s0 = batch * th / nth, s1 = batch * (th + 1) / nth;
		for (int n0 = s0; n0 < s1; n0 += nb) {
			const int cn = s1 - n0 < nb ? s1 - n0 : nb;
			for (int n = 0; n < cn; n++)
				conv_wino_input(g, in + (size_t)(n0 + n) * in_sample, n * g->tiles, 0,
						g->c, v, pad);
			conv_wino_products(g, u, v, m, cn * g->tiles, 0, 16);
			for (int n = 0; n < cn; n++)
				conv_wino_output(g, m, n * g->tiles, 0, g->o, bias, act, hi, add,
						 out + (size_t)(n0 + n) * out_sample);
		}
	}
	if (nt > 1)
		threads_blas_serial_end(blas_saved);
}

void conv_wino_forward_batch(const struct layer *l, const float *in, float *out, int batch,
			     float *scratch, int threads)
{
	const int nb = conv_wino_chunk(l, batch);
	struct conv_wino_geom g;
	conv_wino_geom_set(&g, l->in.c, l->out.c, l->out.h, l->out.w, nb, false);
	conv_wino_batch(&g, nb, l->w, false, in, out, batch, l->b, l->conf.post_relu,
			layer_post_hi(&l->conf), false, scratch, threads);
}

void conv_wino_dgrad_batch(const struct layer *l, const float *dout, float *din, bool assign,
			   int batch, float *scratch, int threads)
{
	const int nb = conv_wino_chunk(l, batch);
	struct conv_wino_geom g;
	conv_wino_geom_set(&g, l->out.c, l->in.c, l->out.h, l->out.w, nb, false);
	conv_wino_batch(&g, nb, l->w, true, dout, din, batch, NULL, false, 0.0f, !assign, scratch,
			threads);
}

/* The output gradient of one sample into the 16 planes z at columns
 * col0 + tile, for outputs [o0, o1): A dY A^T of each 2x2 tile of dy
 * (zeros past an odd side), A = [1 0; 1 1; 1 -1; 0 -1]: the gradient
 * with respect to the tile's 16 products, A^T m A being its output. */
ENG_TARGET_CLONES static void conv_wino_dout(const struct conv_wino_geom *g, const float *dy,
					     int col0, int o0, int o1, float *z)
{
	const size_t s = g->mstride;
	for (int o = o0; o < o1; o++) {
		const float *dyo = dy + (size_t)o * (size_t)g->h * (size_t)g->w;
		float *zo = z + (size_t)o * (size_t)g->ld + (size_t)col0;
		for (int th = 0; th < g->th; th++) {
			const int h = 2 * th;
			const float *r0 = dyo + (size_t)h * (size_t)g->w;
			const float *r1 = h + 1 < g->h ? r0 + g->w : NULL;
			for (int tw = 0; tw < g->tw; tw++) {
				const int w = 2 * tw;
				const bool w1 = w + 1 < g->w;
				const float y[2][2] = {
					{ r0[w], w1 ? r0[w + 1] : 0.0f },
					{ r1 ? r1[w] : 0.0f, r1 && w1 ? r1[w + 1] : 0.0f },
				};
				float a[4][2]; /* A dY */
				for (int j = 0; j < 2; j++) {
					a[0][j] = y[0][j];
					a[1][j] = y[0][j] + y[1][j];
					a[2][j] = y[0][j] - y[1][j];
					a[3][j] = -y[1][j];
				}
				float *zt = zo + (size_t)th * (size_t)g->tw + (size_t)tw;
				for (int i = 0; i < 4; i++) { /* (A dY) A^T */
					zt[(size_t)(4 * i) * s] = a[i][0];
					zt[(size_t)(4 * i + 1) * s] = a[i][0] + a[i][1];
					zt[(size_t)(4 * i + 2) * s] = a[i][0] - a[i][1];
					zt[(size_t)(4 * i + 3) * s] = -a[i][1];
				}
			}
		}
	}
}

/* A filter's gradient from its 16 transformed ones: G^T du G (du 4x4,
 * the gradient with respect to G f G^T), into f (3x3) added or assigned. */
static void conv_wino_filter_grad(const float *du, float *f, bool assign)
{
	float t[4][3]; /* du G */
	for (int a = 0; a < 4; a++) {
		const float *r = du + 4 * a;
		t[a][0] = r[0] + 0.5f * (r[1] + r[2]);
		t[a][1] = 0.5f * (r[1] - r[2]);
		t[a][2] = 0.5f * (r[1] + r[2]) + r[3];
	}
	for (int j = 0; j < 3; j++) { /* G^T (du G) */
		const float g0 = t[0][j] + 0.5f * (t[1][j] + t[2][j]);
		const float g1 = 0.5f * (t[1][j] - t[2][j]);
		const float g2 = 0.5f * (t[1][j] + t[2][j]) + t[3][j];
		f[j] = assign ? g0 : f[j] + g0;
		f[3 + j] = assign ? g1 : f[3 + j] + g1;
		f[6 + j] = assign ? g2 : f[6 + j] + g2;
	}
}

void conv_wino_wgrad_batch(const struct layer *l, const float *in, const float *dout, float *dw,
			   bool assign, int batch, float *scratch, int threads)
{
	const int nb = conv_wino_chunk(l, batch);
	struct conv_wino_geom g;
	conv_wino_geom_set(&g, l->in.c, l->out.c, l->out.h, l->out.w, nb, false);
	const size_t plane = (size_t)g.o * (size_t)g.c;
	const size_t per_thread = 16 * plane + 16 * g.vstride + 16 * g.mstride + g.pad_plane;
	const size_t in_sample = (size_t)g.c * (size_t)g.h * (size_t)g.w;
	const size_t out_sample = (size_t)g.o * (size_t)g.h * (size_t)g.w;
	const int nt = conv_wino_batch_team(batch, threads);
	const int blas_saved = nt > 1 ? threads_blas_serial_begin() : 0;
	CONV_WINO_OMP("omp parallel num_threads(nt) if(nt > 1)")
	{
		const int th = threads_team_index(), nth = threads_team_size();
		float *du = scratch + (size_t)th * per_thread, *v = du + 16 * plane,
		      *z = v + 16 * g.vstride, *pad = z + 16 * g.mstride;
		/* This thread's samples, summed into its du in runs of nb. */
		const int s0 = batch * th / nth, s1 = batch * (th + 1) / nth;
		if (s0 == s1)
			memset(du, 0, 16 * plane * sizeof *du);
		for (int n0 = s0; n0 < s1; n0 += nb) {
			const int cn = s1 - n0 < nb ? s1 - n0 : nb;
			for (int n = 0; n < cn; n++) {
				conv_wino_input(&g, in + (size_t)(n0 + n) * in_sample, n * g.tiles, 0,
						g.c, v, pad);
				conv_wino_dout(&g, dout + (size_t)(n0 + n) * out_sample, n * g.tiles, 0,
					       g.o, z);
			}
			for (int xi = 0; xi < 16; xi++)
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, g.o, g.c,
					    cn * g.tiles, 1.0f, z + (size_t)xi * g.mstride, g.ld,
					    v + (size_t)xi * g.vstride, g.ld, n0 == s0 ? 0.0f : 1.0f,
					    du + (size_t)xi * plane, g.c);
		}
		CONV_WINO_OMP("omp barrier")
		/* Filters split over the team: the threads' sums added in
		 * thread order, then transformed back. */
		const size_t f0 = plane * (size_t)th / (size_t)nth;
		const size_t f1 = plane * (size_t)(th + 1) / (size_t)nth;
		for (size_t f = f0; f < f1; f++) {
			float d[16];
			for (int xi = 0; xi < 16; xi++) {
				float acc = scratch[(size_t)xi * plane + f];
				for (int t = 1; t < nth; t++)
					acc += scratch[(size_t)t * per_thread + (size_t)xi * plane + f];
				d[xi] = acc;
			}
			conv_wino_filter_grad(d, dw + f * 9, assign);
		}
	}
	if (nt > 1)
		threads_blas_serial_end(blas_saved);
}
