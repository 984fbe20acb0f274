/* synflow_sparse.c: SynFlow's batch-1 conv passes over the listed weights
 * alone (synflow_sparse.h).
 *
 * Why.  SynFlow runs 100 forward and backward passes at batch 1.  There a
 * conv of a late VGG stage is a GEMM with N = 16 or 4 output positions and
 * a weight matrix of 9 MB: it is bound by memory, not arithmetic, and
 * OpenBLAS reads every weight, packs it, and writes a weight gradient of
 * the same size three times a pass, although SynFlow has already zeroed
 * most of them (on average over the schedule ~70 % of all weights, and
 * more of the late layers').  Walking only the listed weights (SynFlow's
 * alive list: param indices in order, which for w[out][in][k][k] is
 * row-major [o][k]) makes each pass cost what is left.
 *
 * What changes.  The sums run over the same terms (a zeroed weight adds
 * exactly 0) in another order than OpenBLAS's blocking, so results move by
 * float rounding: scores are not bit-identical to the dense path, which is
 * why a layer takes this path only where it pays (score_sparse_pays) and
 * the choice depends on the layer and the step, never on timing.  The
 * PyTorch reference tests hold both paths to the same tolerance.
 *
 * One thread: synflow.c keeps OpenBLAS on the calling thread for the
 * whole run (an OpenMP team here, next to OpenBLAS's spinning threads,
 * once took SynFlow-100 on resnet20 from 0.66 to 1.1 s), and this path
 * takes the cheap layers.  So which layers take it depends on the list
 * alone, never on the thread count.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "base/target_clones.h"
#include "nn/conv2d_geom.h"
#include "score/score.h"
#include "score/synflow_collect.h"
#include "score/synflow_sparse.h"

/* OpenMP only for its simd directive (vector loops, no threads). */
#ifdef _OPENMP
#define SPARSE_OMP(directive) _Pragma(directive)
#else
#define SPARSE_OMP(directive)
#endif
/* Output positions up to which a layer may take this path: beyond, the
 * dense GEMM is bound by arithmetic, where OpenBLAS's kernels win. */
#define SPARSE_MAX_N 256

bool score_sparse_eligible(const struct layer *l)
{
	return l->kind == LAYER_KIND_CONV && l->w_len > 0 && l->conf.groups == 1 &&
	       !l->conf.post_relu && (size_t)l->out.h * (size_t)l->out.w <= SPARSE_MAX_N;
}

bool score_sparse_pays(const struct layer *l, size_t entries)
{
	if (!score_sparse_eligible(l))
		return false;
	/* The listed fraction below which this path beat the dense one (the
	 * conv layer's forward and backward on OpenBLAS, its Zen kernels),
	 * fwd + bwd on one thread, VGG-16's shapes (c = o = 128 at 16x16 to
	 * 512 at 2x2), random masks: break-even at 0.12 (n = 256), 0.13
	 * (64), 0.17 (16) and 0.5 (4); taken with a margin.  The dense
	 * GEMM runs near the machine's peak where n is large, and is
	 * bound by streaming and packing the weights where n is small. */
	size_t n = (size_t)l->out.h * (size_t)l->out.w;
	double most = n <= 4 ? 0.4 : n <= 16 ? 0.15 : n <= 64 ? 0.11 : 0.1;
	return (double)entries < most * (double)l->w_len;
}

size_t score_sparse_scratch(const struct layer *l)
{
	size_t kn = (size_t)l->in.c * (size_t)l->conf.size * (size_t)l->conf.size *
		    (size_t)l->out.h * (size_t)l->out.w;
	return kn * 2;
}

void score_sparse_rows(struct score_rows *r, int rows, size_t row_len)
{
	/* Each row's first entry by bisection (idx ascending): a walk over
	 * the list read it all again every pass the layer took this path. */
	size_t lo = 0;
	for (int o = 0; o < rows; o++) {
		const size_t first = r->off + (size_t)o * row_len;
		size_t hi = r->n;
		while (lo < hi) {
			const size_t mid = lo + (hi - lo) / 2;
			if (r->idx[mid] < first)
				lo = mid + 1;
			else
				hi = mid;
		}
		r->start[o] = lo;
	}
	r->start[rows] = r->n;
}

/* col[kk][p] = the input under tap kk of output position p (0 in the
 * padding), kk = (c k + kh) k + kw. */
static void sparse_im2col(const struct conv2d_geom *g, const float *in, float *col)
{
	for (int c = 0; c < g->c; c++)
		for (int kh = 0; kh < g->k; kh++)
			for (int kw = 0; kw < g->k; kw++) {
				float *row = col + (((size_t)c * g->k + kh) * g->k + kw) * g->hw;
				const float *plane = in + (size_t)c * g->h * g->w;
				for (int oh = 0; oh < g->oh; oh++) {
					int ih = oh * g->s - g->pt + kh;
					float *dst = row + (size_t)oh * g->ow;
					if (ih < 0 || ih >= g->h) {
						memset(dst, 0, (size_t)g->ow * sizeof *dst);
						continue;
					}
					const float *src = plane + (size_t)ih * g->w;
					for (int ow = 0; ow < g->ow; ow++) {
						int iw = ow * g->s - g->pl + kw;
						dst[ow] = iw >= 0 && iw < g->w ? src[iw] : 0.0f;
					}
				}
			}
}

/* din += the adjoint of sparse_im2col applied to dcol. */
static void sparse_col2im(const struct conv2d_geom *g, const float *dcol, float *din)
{
	for (int c = 0; c < g->c; c++)
		for (int kh = 0; kh < g->k; kh++)
			for (int kw = 0; kw < g->k; kw++) {
				const float *row = dcol + (((size_t)c * g->k + kh) * g->k + kw) * g->hw;
				float *plane = din + (size_t)c * g->h * g->w;
				for (int oh = 0; oh < g->oh; oh++) {
					int ih = oh * g->s - g->pt + kh;
					if (ih < 0 || ih >= g->h)
						continue;
					const float *src = row + (size_t)oh * g->ow;
					float *dst = plane + (size_t)ih * g->w;
					for (int ow = 0; ow < g->ow; ow++) {
						int iw = ow * g->s - g->pl + kw;
						if (iw >= 0 && iw < g->w)
							dst[iw] += src[ow];
					}
				}
			}
}

/* Output positions of a row kept in registers at once (four AVX2
 * registers). */
#define SPARSE_TILE 32

/* acc = the dot product of dy and src over n: one code for the gradient
 * written out and the gradient scored at once, so that both round alike. */
#define SPARSE_DOT(acc, dy, src, n)                                  \
	float acc = 0.0f;                                            \
	SPARSE_OMP("omp simd reduction(+:acc)")                      \
	for (size_t p_ = 0; p_ < (n); p_++)                          \
		acc += (dy)[p_] * (src)[p_]

/* The row loops, compiled once per common map size so that the loops over
 * the n output positions are fixed-length vector code (a 2x2 map is one
 * SSE operation per weight; a generic n would run its remainder scalar),
 * and once for any n.  Every row of the layer, o < rows. */
#define SPARSE_ROW_KERNELS(SUFFIX, N_EXPR)                                          \
	ENG_TARGET_CLONES static void sparse_fwd_##SUFFIX(const struct score_rows *r, size_t kd,     \
					size_t n_arg, const float *col,             \
					float *out, int rows)                       \
	{                                                                           \
		const size_t n = N_EXPR;                                            \
		(void)n_arg;                                                        \
		for (int o = 0; o < rows; o++) {                                       \
			float *restrict dst = out + (size_t)o * n;                  \
			const float *base = col - (r->off + (size_t)o * kd) * n;    \
			for (size_t p0 = 0; p0 < n; p0 += SPARSE_TILE) {            \
				/* A tile of the row in registers across the    \
				 * row's weights. */                            \
				const size_t t = n - p0 < SPARSE_TILE ? n - p0 : SPARSE_TILE; \
				float acc[SPARSE_TILE];                             \
				for (size_t p = 0; p < t; p++)                      \
					acc[p] = dst[p0 + p];                       \
				for (size_t j = r->start[o]; j < r->start[o + 1]; j++) { \
					const float w = r->w[j];                    \
					const float *restrict src =                 \
						base + (size_t)r->idx[j] * n + p0;  \
					SPARSE_OMP("omp simd")                      \
					for (size_t p = 0; p < t; p++)              \
						acc[p] += w * src[p];               \
				}                                                   \
				for (size_t p = 0; p < t; p++)                      \
					dst[p0 + p] = acc[p];                       \
			}                                                           \
		}                                                                   \
	}                                                                           \
	ENG_TARGET_CLONES static void sparse_grad_##SUFFIX(const struct score_rows *r, size_t kd,    \
					 size_t n_arg, const float *col,            \
					 const float *dout, float *g, int rows)     \
	{                                                                           \
		const size_t n = N_EXPR;                                            \
		(void)n_arg;                                                        \
		for (int o = 0; o < rows; o++) {                                       \
			const float *dy = dout + (size_t)o * n;                     \
			const float *base = col - (r->off + (size_t)o * kd) * n;    \
			for (size_t j = r->start[o]; j < r->start[o + 1]; j++) {    \
				const float *src = base + (size_t)r->idx[j] * n;    \
				SPARSE_DOT(acc, dy, src, n);                        \
				g[r->idx[j] - r->off] = acc;                        \
			}                                                           \
		}                                                                   \
	}                                                                           \
	ENG_TARGET_CLONES static void sparse_below_##SUFFIX(const struct score_rows *r, size_t kd,   \
					  size_t n_arg, const float *col,           \
					  const float *dout, uint32_t limit,        \
					  size_t pos0, struct score_below *out,     \
					  int rows)                                 \
	{                                                                           \
		const size_t n = N_EXPR;                                            \
		(void)n_arg;                                                        \
		size_t m = out->n;                                                  \
		for (int o = 0; o < rows; o++) {                                       \
			const size_t a = r->start[o], e = r->start[o + 1];         \
			if (m + (e - a) > out->cap) {                               \
				out->full = true;                                   \
				break;                                              \
			}                                                           \
			const float *dy = dout + (size_t)o * n;                     \
			const float *base = col - (r->off + (size_t)o * kd) * n;    \
			for (size_t j = a; j < e; j++) {                            \
				const float *src = base + (size_t)r->idx[j] * n;    \
				SPARSE_DOT(acc, dy, src, n);                        \
				const float v = r->w[j] * fabsf(acc);               \
				out->pos[m] = (uint32_t)(pos0 + j);                 \
				out->s[m] = v;                                      \
				m += score_below_bound(v, limit);                   \
			}                                                           \
		}                                                                   \
		out->n = m;                                                         \
	}                                                                           \
	ENG_TARGET_CLONES static void sparse_dcol_##SUFFIX(const struct score_rows *r, size_t kd,    \
					 size_t n_arg, const float *dout,           \
					 float *dcol, int rows)                     \
	{                                                                           \
		const size_t n = N_EXPR;                                            \
		(void)n_arg;                                                        \
		for (int o = 0; o < rows; o++) {                                       \
			const float *dy = dout + (size_t)o * n;                     \
			float *base = dcol - (r->off + (size_t)o * kd) * n;         \
			for (size_t j = r->start[o]; j < r->start[o + 1]; j++) {    \
				const float w = r->w[j];                            \
				float *dst = base + (size_t)r->idx[j] * n;          \
				SPARSE_OMP("omp simd")                              \
				for (size_t p = 0; p < n; p++)                      \
					dst[p] += w * dy[p];                        \
			}                                                           \
		}                                                                   \
	}

SPARSE_ROW_KERNELS(n4, 4)
SPARSE_ROW_KERNELS(n16, 16)
SPARSE_ROW_KERNELS(n64, 64)
SPARSE_ROW_KERNELS(any, n_arg)

struct sparse_kernels {
	void (*fwd)(const struct score_rows *, size_t, size_t, const float *, float *, int);
	void (*grad)(const struct score_rows *, size_t, size_t, const float *, const float *,
		     float *, int);
	void (*dcol)(const struct score_rows *, size_t, size_t, const float *, float *, int);
	void (*below)(const struct score_rows *, size_t, size_t, const float *, const float *,
		      uint32_t, size_t, struct score_below *, int);
};

static struct sparse_kernels sparse_kernels_for(size_t n)
{
	switch (n) {
	case 4:
		return (struct sparse_kernels){ sparse_fwd_n4, sparse_grad_n4, sparse_dcol_n4,
					       sparse_below_n4 };
	case 16:
		return (struct sparse_kernels){ sparse_fwd_n16, sparse_grad_n16, sparse_dcol_n16,
					       sparse_below_n16 };
	case 64:
		return (struct sparse_kernels){ sparse_fwd_n64, sparse_grad_n64, sparse_dcol_n64,
					       sparse_below_n64 };
	default:
		return (struct sparse_kernels){ sparse_fwd_any, sparse_grad_any, sparse_dcol_any,
					       sparse_below_any };
	}
}

void score_sparse_forward(const struct layer *l, const struct score_rows *r,
			  const float *in, const float *bias, float *out, float *scratch)
{
	struct conv2d_geom g;
	conv2d_geom_init(&g, l);
	float *col = scratch;
	sparse_im2col(&g, in, col);
	const size_t n = g.hw;
	for (int o = 0; o < g.o; o++)
		for (size_t p = 0; p < n; p++)
			out[(size_t)o * n + p] = bias ? bias[o] : 0.0f;
	sparse_kernels_for(n).fwd(r, g.kdim, n, col, out, g.o);
}

/* score_sparse_backward with g_out, or else its entries below bound. */
static void sparse_backward(const struct layer *l, const struct score_rows *r, const float *in,
			    const float *dout, float *din, float *g_out, float bound,
			    size_t pos0, struct score_below *below, float *scratch)
{
	struct conv2d_geom g;
	conv2d_geom_init(&g, l);
	const size_t n = g.hw, kn = g.kdim * n;
	float *col = scratch, *dcol = scratch + kn;
	sparse_im2col(&g, in, col);
	const struct sparse_kernels k = sparse_kernels_for(n);
	/* Weight gradients of the listed entries (g = dout[o] . col[kk]) and,
	 * with din, the column gradient dcol[kk] += w dout[o]. */
	if (below)
		k.below(r, g.kdim, n, col, dout, score_below_limit(bound), pos0, below, g.o);
	else
		k.grad(r, g.kdim, n, col, dout, g_out, g.o);
	if (!din)
		return;
	memset(dcol, 0, kn * sizeof *dcol);
	k.dcol(r, g.kdim, n, dout, dcol, g.o);
	sparse_col2im(&g, dcol, din);
}

void score_sparse_backward(const struct layer *l, const struct score_rows *r,
			   const float *in, const float *dout, float *din, float *g_out,
			   float *scratch)
{
	sparse_backward(l, r, in, dout, din, g_out, 0.0f, 0, NULL, scratch);
}

void score_sparse_backward_below(const struct layer *l, const struct score_rows *r,
				 const float *in, const float *dout, float *din, float bound,
				 size_t pos0, struct score_below *out, float *scratch)
{
	sparse_backward(l, r, in, dout, din, NULL, bound, pos0, out, scratch);
}
