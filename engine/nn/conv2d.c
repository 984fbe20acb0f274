/* conv2d.c: 2-D convolution (groups, stride, zero padding, optional bias).
 *
 * Dense and grouped convolutions lower to im2col + sgemm.  The column
 * matrix of one group covers a whole chunk of samples at once,
 *
 *   col[(c*k + kh)*k + kw][n*HW + oh*OW + ow]     (K rows, N = chunk*HW)
 *
 * so each GEMM is [Og x K] * [K x N] with N in the thousands even for the
 * 2x2 and 4x4 maps at the end of VGG; one GEMM per sample would leave
 * OpenBLAS with N = 4 there.  The GEMM result is laid out [O][n][hw] and is
 * scattered into NCHW afterwards.  A chunk of one sample needs no scatter:
 * the GEMM writes straight into the output (and, in backward, reads dout
 * in place).  A 1x1 stride-1 unpadded conv with a one-sample chunk needs
 * no im2col either: the input sample already is the column matrix.
 *
 * im2col and col2im copy whole rows (memcpy) for maps at least 16 wide
 * and use precomputed gather tables for narrower ones, where per-row
 * overhead would dominate.  Both walk channels outermost and samples
 * innermost so that each row of col is written front to back.
 *
 * Convolutions with one input channel per group (depthwise, possibly with a
 * channel multiplier) use direct loops instead: as a GEMM they have M = 1
 * and spend all their time in im2col.  Their 3x3 stride-1 and -2 forwards
 * run conv_dw3.h's kernels (with AVX-512, straight from the plane by
 * rows or lane masks; else a flat stencil per plane, or 16 channels in
 * vector lanes on small maps).
 *
 * The data gradient of a stride-1 conv is itself a conv: dout convolved
 * with the flipped, transposed weights, padded by k - 1 - pad
 * (conv2d_dgrad_geom).  Where few output channels meet a large map
 * (ResNet-20's first two stages) it runs as that conv, one sample at a
 * time: im2col of dout, then one GEMM with K = O*k*k that adds straight
 * into din.  The general path (dcol = W^T dout, then col2im) has K = O,
 * 16 in ResNet-20's first stage, and writes, zeroes and re-reads a K x N
 * column gradient: the data gradient alone was 1.9x faster the conv way
 * at 16 channels on 32x32 (docs/performance.md).
 *
 * 3x3 stride-1 convs of at most 64 channels on maps of at least 16x16
 * (ResNet-20's first two stages, VGG's first block) skip im2col and
 * OpenBLAS altogether on CPUs with AVX2: conv3x3.c convolves a zero-padded
 * copy of each sample directly, forward, weight gradient and data
 * gradient, a team of threads over the samples (conv2d_runs_3x3 decides;
 * 1.1-6x the GEMM path on those shapes, docs/performance.md).
 *
 * A one-thread forward whose GEMM has at most 16 columns and a large weight
 * matrix (VGG's 4x4 and 2x2 maps at batch 1) runs it on gemm_thin.c, which
 * reads the weights once; OpenBLAS would pack them first (conv2d_thin).
 * A fused net's such convs run on their weights packed once into panels
 * (conv_panels.h, gemm_panels.h), the faster kernel of the two.
 * Its backward, with a data gradient, runs gemm_thin_backward (AVX-512):
 * both products in one pass over the weights.
 *
 * 3x3 stride-1 convs run Winograd where it measured faster (AVX-512): a
 * fused net's batch 1 on filters transformed when it was fused
 * (conv_packing.h: F(4x4, 3x3) on 16x16 and 32x32 maps, F(2x2, 3x3) on
 * the other 8x8 to 32x32 ones), and batches of two or more F(4x4, 3x3)
 * on sides that are multiples of 4 from 4 to 16, else F(2x2, 3x3) on
 * 8x8 to 16x16 (conv2d_wino_path, forward and backward alike).
 *
 * Threads.  With more than one thread available (the smaller of OpenMP's
 * and OpenBLAS's counts) and enough work, a GEMM conv runs on an OpenMP
 * team with OpenBLAS set to one thread for the duration: each thread takes
 * the same slots of every chunk and does im2col, its own one-thread GEMMs,
 * the scatter/gather and col2im for those samples, so nothing waits at a
 * barrier until the end of the call.  (Letting OpenBLAS thread the GEMMs and
 * OpenMP the copies between them was slower: two thread pools spinning
 * against each other on the same cores, and libgomp's barriers spin for
 * milliseconds on a loaded machine.)  In backward every thread but the first
 * accumulates dW into its own copy, added in thread order at the end, so
 * results depend on the thread count but not on timing.  A 1x1 conv in
 * place (conv2d_pointwise_in_place) splits its samples over such a team
 * too.  Small calls, single-sample chunks and builds without OpenMP run
 * serially with OpenBLAS threading the GEMMs, except where the caller
 * grants a team (layer_io's threads: SynFlow, which keeps OpenBLAS
 * serial): then a single sample's thin GEMMs split by rows or along k and
 * its direct 3x3 kernels by channels, every element computed as on one
 * thread.  Depthwise loops and the bias gradient are split by channel.  Setting OpenBLAS's thread count is process-wide: two
 * nets on two threads still compute correctly, but may briefly
 * oversubscribe the cores.
 *
 * Scratch (floats): K*N for the column matrix, reused for the column
 * gradient in backward once dW has been accumulated, plus O*N for the GEMM
 * output or the gathered dout.  Either is dropped when not needed.  When
 * chunks hold two samples or more, (T - 1) copies of the weights follow for
 * the dW of a team of up to T threads (T: processors, at most
 * CONV2D_TEAM_MAX).  Maps of at most 16 positions add the thin kernels'
 * copies of the columns (T * 16*K for the forward's padded ones, one per
 * thread of a granted team; 2 * 16*K rounded up for the backward's
 * transposed ones, whichever is larger); a backward with the conv-form data gradient
 * instead adds the flipped weights (the layer's weight count) and, per
 * thread of T, one sample's columns of dout (O*k*k*H*W), whichever of the
 * two is larger.  The 3x3 path needs instead both packed weight sets, per
 * thread a padded copy and a staged result for the conv and for its data
 * gradient, and the team's private dW copies (conv2d_3x3_floats).  No
 * cache: backward rebuilds the columns from io->in.
 */
#include "config.h"

#include <cblas.h>
#include <math.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "base/target_clones.h"
#include "base/threads.h"
#include "nn/conv2d_geom.h"
#include "nn/conv3x3.h"
#include "nn/conv_dw3.h"
#include "nn/conv_panels.h"
#include "nn/conv_wino.h"
#include "nn/conv_wino4.h"
#include "nn/layer.h"
#include "nn/layer_init.h"
#include "nn/gemm_panels.h"
#include "nn/gemm_thin.h"

#ifdef _OPENMP
#include <omp.h>
#define CONV2D_OMP(directive) _Pragma(directive)
#else
#define CONV2D_OMP(directive)
#endif

/* Column-buffer budget per chunk, in floats (2 Mi floats = 8 MiB), and the
 * spatial size from which a 1x1 stride-1 conv runs sample by sample on its
 * input in place (the GEMM is then wide enough on its own). */
#define CONV2D_CHUNK_FLOATS ((size_t)2 << 20)
#define CONV2D_POINTWISE_DIRECT_HW 1024
/* Limits of the table-driven im2col for narrow maps (see conv2d_small). */
#define CONV2D_SMALL_MAX_OW 16
#define CONV2D_SMALL_TAB 4096
#define CONV2D_SMALL_PLANE 1024
/* Floats a non-GEMM loop must touch before it is split over threads: below
 * this (~100 us on one core) waking the team costs more than it saves. */
#define CONV2D_PAR_MIN_FLOATS ((size_t)1 << 16)
/* Most threads in a conv team; each beyond the first costs one copy of the
 * weights in scratch for its dW. */
#define CONV2D_TEAM_MAX 8
/* Where the data gradient runs as a conv (conv2d_dgrad_as_conv), from
 * whole-backward timings on an EPYC (Zen 3), both paths alternating in one
 * process (docs/performance.md): input maps of at least 16x16 (at 8x8 the
 * per-sample GEMMs are too narrow: no gain); at most 64 output channels
 * (the general path's K; at 128 the two paths were even); at least 16
 * input channels (the conv form's GEMM rows: with ResNet's and VGG's
 * 3-channel stem it ran at half speed). */
#define CONV2D_DGRAD_MIN_HW 256
#define CONV2D_DGRAD_MAX_O 64
#define CONV2D_DGRAD_MIN_C 16
/* Where the direct 3x3 kernels run (conv2d_runs_3x3), from the layer's
 * forward and backward timed both ways alternating in one process, batch
 * 64 and 1, one and two threads, on an EPYC (Zen 3; docs/performance.md):
 * maps of at least 16x16 and at most 64 channels in and out.  There they
 * were 1.1-6x faster; on 8x8 maps the weight gradient's short sums lose
 * (0.5-0.9x), and so does 128 channels at 16x16 (0.84-1.05x). */
#define CONV2D_3X3_MIN_HW 256
#define CONV2D_3X3_MAX_CHANNELS 64


/* Threads for a non-GEMM loop over `work` floats: as many as OpenBLAS runs
 * its GEMMs on (the user's one knob for how many cores the engine may take),
 * or one when the loop is too small to repay a parallel region. */
static int conv2d_threads(size_t work)
{
	return threads_for_work(work, CONV2D_PAR_MIN_FLOATS);
}

/* Most threads a team may ever have: the processor count (at most
 * CONV2D_TEAM_MAX), read once per process, because scratch_len sizes the
 * per-thread dW copies by it and a later call must not want more even if
 * the thread counts or the affinity changed in between. */
static int conv2d_team_cap(void)
{
#ifdef _OPENMP
	static atomic_int cap;
	int c = atomic_load(&cap);
	if (c == 0) {
		int want = omp_get_num_procs();
		want = want < 1 ? 1 : want > CONV2D_TEAM_MAX ? CONV2D_TEAM_MAX : want;
		int expected = 0;
		if (!atomic_compare_exchange_strong(&cap, &expected, want))
			want = expected;
		c = want;
	}
	return c;
#else
	return 1;
#endif
}

/* A 1x1 stride-1 unpadded conv on a map of at least
 * CONV2D_POINTWISE_DIRECT_HW positions: it runs a sample at a time on its
 * input in place (the GEMM is wide enough on its own), on a team split by
 * samples when there are threads (conv2d_pointwise_team_threads). */
static bool conv2d_pointwise_in_place(const struct conv2d_geom *g)
{
	return g->pointwise && g->hw >= CONV2D_POINTWISE_DIRECT_HW;
}

/* Most samples one chunk may hold (for scratch sizing): all of them if the
 * column and GEMM buffers stay within the budget. */
static int conv2d_chunk_max(const struct conv2d_geom *g, int batch)
{
	if (g->direct || batch <= 1)
		return 1;
	if (conv2d_pointwise_in_place(g))
		return 1;
	size_t per_sample = (g->kdim + (size_t)g->o) * g->hw;
	size_t nc = CONV2D_CHUNK_FLOATS / (per_sample ? per_sample : 1);
	if (nc < 1)
		nc = 1;
	if (nc > (size_t)batch)
		nc = (size_t)batch;
	return (int)nc;
}

/* Samples per chunk for a call: the fewest chunks that fit, evened out
 * (64 = 32 + 32 rather than 46 + 18), never above conv2d_chunk_max, so the
 * scratch sized for the largest batch serves every smaller one. */
static int conv2d_chunk(const struct conv2d_geom *g, int batch)
{
	int nc = conv2d_chunk_max(g, batch);
	if (batch <= nc)
		return nc;
	int chunks = (batch + nc - 1) / nc;
	return (batch + chunks - 1) / chunks;
}

/* Whether a forward GEMM of ncol columns runs on the thin kernel
 * (gemm_thin.h: VGG's 4x4 and 2x2 maps at batch 1), which reads the
 * weights once where OpenBLAS packs them first. */
static bool conv2d_thin(const struct conv2d_geom *g, size_t ncol)
{
	return ncol <= GEMM_THIN_MAX_N && gemm_thin_pays(g->og, (int)ncol, (int)g->kdim);
}

/* Floats of one thread's padded columns for a thin forward, on either
 * kernel (gemm_thin or a fused net's gemm_panels). */
static size_t conv2d_thin_pad_floats(const struct conv2d_geom *g)
{
	const size_t thin = gemm_thin_scratch((int)g->kdim);
	const size_t panels = gemm_panels_scratch((int)g->kdim);
	return thin > panels ? thin : panels;
}

/* Whether din comes from the conv form (see the top): stride 1, one group,
 * a real kernel (1x1 unpadded convs already read dout in place), padding
 * at most k - 1 on every side, and the sizes where it was measured faster
 * (CONV2D_DGRAD_*). */
static bool conv2d_dgrad_as_conv(const struct conv2d_geom *g)
{
	const int m = g->k - 1;
	return g->s == 1 && g->groups == 1 && !g->pointwise && !g->direct &&
	       g->pt <= m && g->pl <= m && g->pb <= m && g->pr <= m &&
	       g->in_hw >= CONV2D_DGRAD_MIN_HW && g->o <= CONV2D_DGRAD_MAX_O &&
	       g->c >= CONV2D_DGRAD_MIN_C;
}

/* Whether the conv runs on conv3x3.c's direct kernels, forward and
 * backward: 3x3, stride 1 or (with AVX-512) 2, one group of several
 * input channels, padding at most 2 on each side (the data gradient's
 * conv pads by 2 - p), the sizes where they were measured faster
 * (CONV2D_3X3_*: output maps of 16x16 and more, so ResNet-20's first
 * downsampling conv, 16 -> 32 channels from 32x32, and not its second,
 * onto 8x8), and a CPU with AVX2 and FMA.  Every caller (forward,
 * backward, scratch_len) asks this function. */
static bool conv2d_runs_3x3(const struct conv2d_geom *g)
{
	return g->k == 3 && (g->s == 1 || g->s == 2) && g->groups == 1 && !g->direct &&
	       g->pt <= 2 && g->pl <= 2 && g->pb <= 2 && g->pr <= 2 &&
	       g->hw >= CONV2D_3X3_MIN_HW && g->c <= CONV2D_3X3_MAX_CHANNELS &&
	       g->o <= CONV2D_3X3_MAX_CHANNELS && conv3x3_stride_available(g->s);
}

/* The kernels' geometry of the conv (d) and of its data gradient (t). */
static void conv2d_3x3_geoms(const struct conv2d_geom *g, struct conv3x3 *d, struct conv3x3 *t)
{
	conv3x3_init_stride(d, g->c, g->h, g->w, g->o, g->s, g->pt, g->pl, g->pb, g->pr);
	conv3x3_dgrad_init(t, d);
}

/* One thread's buffers: the padded input and staged output of d, then
 * the same of t. */
static size_t conv2d_3x3_thread_floats(const struct conv3x3 *d, const struct conv3x3 *t)
{
	return conv3x3_padded_floats(d) + conv3x3_staged_floats(d) + conv3x3_padded_floats(t) +
	       conv3x3_staged_floats(t);
}

/* The scratch of the 3x3 path for calls of up to `batch` samples: both
 * packed weights, then for a team of n threads (the most the 3x3 calls'
 * conv2d_team_threads(g, batch, batch) gives: the team cap, at most one
 * per sample) n threads' buffers and n - 1 private dW copies.  A call
 * lays them out for its own team, which is never larger, so a smaller
 * batch fits too. */
static size_t conv2d_3x3_floats(const struct conv2d_geom *g, size_t w_len, int batch)
{
	struct conv3x3 d, t;
	conv2d_3x3_geoms(g, &d, &t);
	const int cap = conv2d_team_cap();
	const size_t n = (size_t)(batch < cap ? (batch < 1 ? 1 : batch) : cap);
	return conv3x3_packed_floats(&d) + conv3x3_packed_floats(&t) +
	       n * conv2d_3x3_thread_floats(&d, &t) + (n - 1) * w_len;
}

/* The conv whose forward is g's data gradient: input dout (O channels,
 * OH x OW), output din (C channels, H x W), the same kernel side, stride 1,
 * each padding p becoming k - 1 - p (so that the output is H x W again). */
static void conv2d_dgrad_geom(const struct conv2d_geom *g, struct conv2d_geom *t)
{
	*t = *g;
	t->c = g->o;
	t->h = g->oh;
	t->w = g->ow;
	t->o = g->c;
	t->oh = g->h;
	t->ow = g->w;
	t->pt = g->k - 1 - g->pt;
	t->pl = g->k - 1 - g->pl;
	t->pb = g->k - 1 - g->pb;
	t->pr = g->k - 1 - g->pr;
	t->cg = t->c;
	t->og = t->o;
	t->hw = g->in_hw;
	t->in_hw = g->hw;
	t->kdim = (size_t)t->c * (size_t)t->k * (size_t)t->k;
	t->pointwise = false;
	t->direct = false;
}

/* Scratch floats of the conv-form data gradient: the flipped weights and
 * one sample's dout columns (t.kdim x t.hw) per thread of a team of up to
 * `threads`. */
static size_t conv2d_dgrad_floats(const struct conv2d_geom *g, int threads)
{
	struct conv2d_geom t;
	conv2d_dgrad_geom(g, &t);
	return (size_t)g->o * g->kdim + (size_t)threads * t.kdim * t.hw;
}

/* wt[c][o][kh][kw] = w[o][c][k-1-kh][k-1-kw]: the weights of the conv
 * that conv2d_dgrad_geom describes. */
static void conv2d_dgrad_weights(const struct conv2d_geom *g, const float *w, float *wt)
{
	const int kk = g->k * g->k;
	for (int o = 0; o < g->o; o++)
		for (int c = 0; c < g->c; c++) {
			const float *src = w + ((size_t)o * g->c + c) * kk;
			float *dst = wt + ((size_t)c * g->o + o) * kk;
			for (int r = 0; r < kk; r++)
				dst[r] = src[kk - 1 - r];
		}
}

/* Scratch floats for chunks of nc samples: the column matrix unless a
 * one-sample 1x1 conv reads its input in place, and the [O x N] matrix
 * unless a one-sample chunk works on the output directly. */
static size_t conv2d_scratch_floats(const struct conv2d_geom *g, int nc)
{
	if (g->direct)
		return 0;
	size_t n = (size_t)nc * g->hw;
	size_t len = 0;
	if (!(g->pointwise && nc == 1))
		len += g->kdim * n;
	if (nc > 1)
		len += (size_t)g->o * n;
	return len;
}

/* Where the tail of the scratch starts for chunks of nc samples: after
 * the chunk's buffers and, for a team (nc > 1, or a 1x1 conv in place),
 * its threads' private dW copies.  The tail holds the thin kernels'
 * copies of the columns (gemm_thin forward, gemm_thin_backward) or the
 * conv-form data gradient's buffers (backward); conv2d_scratch_len sizes
 * it, every user finds it here. */
static size_t conv2d_scratch_tail(const struct conv2d_geom *g, int nc, size_t w_len)
{
	size_t off = conv2d_scratch_floats(g, nc);
	if (nc > 1 || conv2d_pointwise_in_place(g))
		off += (size_t)(conv2d_team_cap() - 1) * w_len;
	return off;
}

static int conv2d_ceil_div(int a, int b)
{
	return (a + b - 1) / b;
}

/* Output columns [lo, hi) whose input column ow*s - pl + kw is inside the
 * image (0 <= iw < w). */
static void conv2d_col_range(const struct conv2d_geom *g, int kw, int *lo, int *hi)
{
	int a = g->pl - kw;        /* need ow*s >= a */
	int b = g->w + g->pl - kw; /* need ow*s < b */
	int l0 = a > 0 ? conv2d_ceil_div(a, g->s) : 0;
	int h0 = b > 0 ? conv2d_ceil_div(b, g->s) : 0;
	if (h0 > g->ow)
		h0 = g->ow;
	if (l0 > h0)
		l0 = h0;
	*lo = l0;
	*hi = h0;
}

/* dst[i] += src[i], unrolled by 8 so that GCC's -O2 vectoriser (the
 * "very cheap" model, which will not add an epilogue) still emits SIMD adds:
 * this is the inner loop of col2im. */
static void conv2d_row_add(float *restrict dst, const float *restrict src, int n)
{
	int i = 0;
	for (; i + 8 <= n; i += 8) {
		dst[i] += src[i];
		dst[i + 1] += src[i + 1];
		dst[i + 2] += src[i + 2];
		dst[i + 3] += src[i + 3];
		dst[i + 4] += src[i + 4];
		dst[i + 5] += src[i + 5];
		dst[i + 6] += src[i + 6];
		dst[i + 7] += src[i + 7];
	}
	for (; i < n; i++)
		dst[i] += src[i];
}

/* Narrow maps (VGG's 8x8, 4x4, 2x2) make the row-by-row im2col spend its
 * time in loop and memcpy overhead for rows of 2-8 floats.  They go through
 * a zero-padded copy of one input plane and a table, built once per call,
 * that maps each column entry of one (c, kh, kw) row to its place in the
 * padded plane: one branch-free gather per entry. */
struct conv2d_small {
	int pw, pplane;                  /* padded width, padded plane floats */
	int32_t tab[CONV2D_SMALL_TAB];   /* [kh][kw][oh][ow] -> padded offset */
	float pad[CONV2D_SMALL_PLANE];   /* one padded input plane */
};

static bool conv2d_small_fits(const struct conv2d_geom *g)
{
	size_t kk = (size_t)g->k * (size_t)g->k;
	size_t pplane = (size_t)(g->h + g->pt + g->pb) * (size_t)(g->w + g->pl + g->pr);
	return g->ow < CONV2D_SMALL_MAX_OW && !g->pointwise &&
	       kk * g->hw <= CONV2D_SMALL_TAB && kk * g->in_hw <= CONV2D_SMALL_TAB &&
	       pplane <= CONV2D_SMALL_PLANE && g->in_hw <= CONV2D_SMALL_PLANE;
}

static void conv2d_small_init(struct conv2d_small *sm, const struct conv2d_geom *g)
{
	sm->pw = g->w + g->pl + g->pr;
	sm->pplane = (g->h + g->pt + g->pb) * sm->pw;
	memset(sm->pad, 0, (size_t)sm->pplane * sizeof(float));
	int32_t *t = sm->tab;
	for (int kh = 0; kh < g->k; kh++)
		for (int kw = 0; kw < g->k; kw++)
			for (int oh = 0; oh < g->oh; oh++)
				for (int ow = 0; ow < g->ow; ow++)
					*t++ = (oh * g->s + kh) * sm->pw + ow * g->s + kw;
}

/* Copy one input plane into the interior of sm->pad (the border stays 0). */
static void conv2d_small_load(struct conv2d_small *sm, const struct conv2d_geom *g,
			      const float *plane)
{
	for (int ih = 0; ih < g->h; ih++) {
		float *dst = sm->pad + (ih + g->pt) * sm->pw + g->pl;
		const float *src = plane + (size_t)ih * (size_t)g->w;
		for (int iw = 0; iw < g->w; iw++)
			dst[iw] = src[iw];
	}
}

/* dst[i] = src[idx[i]]: one row of the table-driven im2col, compiled for
 * AVX-512 and AVX2 too, whose gathers load 16 or 8 table entries at once. */
ENG_TARGET_CLONES static void conv2d_gather_row(float *restrict dst,
						const float *restrict src,
						const int32_t *restrict idx, int n)
{
	for (int i = 0; i < n; i++)
		dst[i] = src[idx[i]];
}

/* Stride 1: the column row of tap (kh, kw) is the padded plane's window
 * at (kh, kw), oh runs of ow floats, so im2col copies runs and col2im
 * adds them (the tables cost a load per float, and a gather is slower
 * than a copy).  rows runs of w floats from src (stride pw) to dst
 * (stride w), and back added.  The 8-wide case (VGG's 8x8 maps) is
 * spelt out so that each run is one vector. */
/* Whether the narrow-map im2col and col2im go by runs: stride 1 and runs
 * of at least 8 floats.  On VGG-16's 4x4 and 2x2 maps the runs are too
 * short and the tables were faster (bench_conv, one thread: conv5_x
 * forward at 71-75 % of sgemm by runs against 75-83 % by table). */
static bool conv2d_small_by_runs(const struct conv2d_geom *g)
{
	return g->s == 1 && g->ow >= 8;
}

ENG_TARGET_CLONES static void conv2d_window_copy(float *restrict dst, const float *restrict src,
						 int rows, int w, int pw)
{
	if (w == 8) {
		for (int r = 0; r < rows; r++, dst += 8, src += pw)
			for (int i = 0; i < 8; i++)
				dst[i] = src[i];
		return;
	}
	for (int r = 0; r < rows; r++, dst += w, src += pw)
		for (int i = 0; i < w; i++)
			dst[i] = src[i];
}

ENG_TARGET_CLONES static void conv2d_window_add(float *restrict dst, const float *restrict src,
						int rows, int w, int pw)
{
	if (w == 8) {
		for (int r = 0; r < rows; r++, dst += pw, src += 8)
			for (int i = 0; i < 8; i++)
				dst[i] += src[i];
		return;
	}
	for (int r = 0; r < rows; r++, dst += pw, src += w)
		for (int i = 0; i < w; i++)
			dst[i] += src[i];
}

static void conv2d_im2col_small(const struct conv2d_geom *g, const float *in, int nc,
				int c0, float *col, size_t ldc)
{
	struct conv2d_small sm;
	conv2d_small_init(&sm, g);
	const size_t in_sample = (size_t)g->c * g->in_hw;
	const int kk = g->k * g->k, hw = (int)g->hw;
	/* Samples innermost: the k*k rows of a channel fill sequentially. */
	for (int c = 0; c < g->cg; c++) {
		for (int n = 0; n < nc; n++) {
			conv2d_small_load(&sm, g, in + (size_t)n * in_sample +
						  (size_t)(c0 + c) * g->in_hw);
			float *dst = col + (size_t)c * (size_t)kk * ldc + (size_t)n * g->hw;
			for (int r = 0; r < kk; r++, dst += ldc) {
				if (conv2d_small_by_runs(g))
					conv2d_window_copy(dst, sm.pad + (r / g->k) * sm.pw + r % g->k,
							   g->oh, g->ow, sm.pw);
				else
					conv2d_gather_row(dst, sm.pad, sm.tab + r * hw, hw);
			}
		}
	}
}

/* One plane of conv2d_col2im_small by runs (conv2d_small_by_runs): each
 * tap's row of src added into the zeroed padded plane acc
 * (conv2d_window_add), taps in order, then the interior added to plane.
 * Every pixel sums the same entries in the same order as the table's
 * gather, so the result is the same to the bit. */
static void conv2d_col2im_plane_runs(const struct conv2d_geom *g, const float *src,
				     size_t ldc, float *acc, float *plane)
{
	const int pw = g->w + g->pl + g->pr;
	memset(acc, 0, (size_t)(g->h + g->pt + g->pb) * (size_t)pw * sizeof(float));
	for (int r = 0; r < g->k * g->k; r++, src += ldc)
		conv2d_window_add(acc + (r / g->k) * pw + r % g->k, src, g->oh, g->ow, pw);
	for (int ih = 0; ih < g->h; ih++) {
		const float *a = acc + (size_t)(ih + g->pt) * (size_t)pw + g->pl;
		float *d = plane + (size_t)ih * (size_t)g->w;
		for (int iw = 0; iw < g->w; iw++)
			d[iw] += a[iw];
	}
}

/* col2im for narrow maps, as a gather: each input pixel sums its (at most
 * k*k) column entries, listed per pixel in a table built for this ldc, so
 * there are no read-modify-write chains and no per-row call overhead;
 * by runs instead where conv2d_small_by_runs says so. */
static void conv2d_col2im_small(const struct conv2d_geom *g, const float *col,
				size_t ldc, int nc, int c0, float *din)
{
	const bool runs = conv2d_small_by_runs(g);
	int32_t off[CONV2D_SMALL_TAB];          /* column offsets, by pixel */
	int32_t start[CONV2D_SMALL_PLANE + 1];  /* pixel i: off[start[i]..start[i+1]) */
	float acc_plane[CONV2D_SMALL_PLANE];    /* by runs: the padded plane */
	ENG_ASSERT((size_t)g->k * (size_t)g->k * ldc <= INT32_MAX);
	int m = 0;
	for (int ih = 0; ih < g->h && !runs; ih++) {
		for (int iw = 0; iw < g->w; iw++) {
			start[ih * g->w + iw] = m;
			for (int kh = 0; kh < g->k; kh++) {
				for (int kw = 0; kw < g->k; kw++) {
					int y = ih + g->pt - kh, x = iw + g->pl - kw;
					if (y < 0 || x < 0 || y % g->s || x % g->s ||
					    y / g->s >= g->oh || x / g->s >= g->ow)
						continue;
					off[m++] = (int32_t)((size_t)(kh * g->k + kw) * ldc +
							     (size_t)(y / g->s * g->ow + x / g->s));
				}
			}
		}
	}
	const int in_hw = (int)g->in_hw;
	start[in_hw] = m;
	const size_t kk = (size_t)g->k * (size_t)g->k;
	const size_t in_sample = (size_t)g->c * g->in_hw;
	for (int c = 0; c < g->cg; c++) {
		for (int n = 0; n < nc; n++) {
			const float *src = col + (size_t)c * kk * ldc + (size_t)n * g->hw;
			float *plane = din + (size_t)n * in_sample + (size_t)(c0 + c) * g->in_hw;
			if (runs) {
				conv2d_col2im_plane_runs(g, src, ldc, acc_plane, plane);
				continue;
			}
			for (int i = 0; i < in_hw; i++) {
				float acc = 0.0f;
				for (int j = start[i]; j < start[i + 1]; j++)
					acc += src[off[j]];
				plane[i] += acc;
			}
		}
	}
}

/* Build the columns of channels [c0, c0 + cg) for samples in[0..nc) (in
 * points at the first sample, col at its first column) into col, K x ldc.
 * Serial: a team's threads call it on disjoint samples. */
static void conv2d_im2col(const struct conv2d_geom *g, const float *in, int nc,
			  int c0, float *col, size_t ldc)
{
	if (conv2d_small_fits(g)) {
		conv2d_im2col_small(g, in, nc, c0, col, ldc);
		return;
	}
	const size_t in_sample = (size_t)g->c * g->in_hw;
	const int kk = g->k * g->k;
	/* Samples innermost, so that each row of col is written front to back
	 * while the chunk's planes of channel c stay in cache. */
	for (int row = 0; row < (int)g->kdim; row++) {
		const int c = row / kk, kh = row % kk / g->k, kw = row % g->k;
		const float *plane_c = in + (size_t)(c0 + c) * g->in_hw;
		float *dst = col + (size_t)row * ldc;
		if (g->pointwise) {
			for (int n = 0; n < nc; n++)
				memcpy(dst + (size_t)n * g->hw, plane_c + (size_t)n * in_sample,
				       g->hw * sizeof(float));
			continue;
		}
		int lo, hi;
		conv2d_col_range(g, kw, &lo, &hi);
		for (int n = 0; n < nc; n++) {
			const float *plane = plane_c + (size_t)n * in_sample;
			for (int oh = 0; oh < g->oh; oh++, dst += g->ow) {
				int ih = oh * g->s - g->pt + kh;
				if (ih < 0 || ih >= g->h) {
					memset(dst, 0, (size_t)g->ow * sizeof(float));
					continue;
				}
				ptrdiff_t base = (ptrdiff_t)ih * g->w - g->pl + kw;
				for (int ow = 0; ow < lo; ow++)
					dst[ow] = 0.0f;
				if (g->s == 1) {
					if (hi > lo)
						memcpy(dst + lo, plane + base + lo,
						       (size_t)(hi - lo) * sizeof(float));
				} else {
					for (int ow = lo; ow < hi; ow++)
						dst[ow] = plane[base + (ptrdiff_t)ow * g->s];
				}
				for (int ow = hi; ow < g->ow; ow++)
					dst[ow] = 0.0f;
			}
		}
	}
}

/* The adjoint of conv2d_im2col: din += the column gradient. */
static void conv2d_col2im(const struct conv2d_geom *g, const float *col,
			  size_t ldc, int nc, int c0, float *din)
{
	if (conv2d_small_fits(g)) {
		conv2d_col2im_small(g, col, ldc, nc, c0, din);
		return;
	}
	const size_t in_sample = (size_t)g->c * g->in_hw;
	const size_t kk = (size_t)g->k * (size_t)g->k;
	/* Channel outermost, as in im2col; one din plane takes all k*k rows. */
	for (int c = 0; c < g->cg; c++) {
		for (int n = 0; n < nc; n++) {
			float *plane = din + (size_t)n * in_sample + (size_t)(c0 + c) * g->in_hw;
			const float *src_n = col + (size_t)c * kk * ldc + (size_t)n * g->hw;
			size_t row = 0;
			for (int kh = 0; kh < g->k; kh++) {
				for (int kw = 0; kw < g->k; kw++, row++) {
					const float *src = src_n + row * ldc;
					int lo, hi;
					conv2d_col_range(g, kw, &lo, &hi);
					for (int oh = 0; oh < g->oh; oh++, src += g->ow) {
						int ih = oh * g->s - g->pt + kh;
						if (ih < 0 || ih >= g->h)
							continue;
						float *dst = plane + (ptrdiff_t)ih * g->w;
						ptrdiff_t off = kw - g->pl;
						if (g->s == 1) {
							conv2d_row_add(dst + off + lo, src + lo, hi - lo);
						} else {
							for (int ow = lo; ow < hi; ow++)
								dst[off + (ptrdiff_t)ow * g->s] += src[ow];
						}
					}
				}
			}
		}
	}
}

/* din of samples [n0, n1) += their data gradient, as the conv t over dout
 * (t = conv2d_dgrad_geom(g), wt = conv2d_dgrad_weights), one sample at a
 * time through tcol (t.kdim x t.hw floats).  Serial: a team's threads call
 * it on disjoint samples with their own tcol. */
static void conv2d_dgrad_samples(const struct conv2d_geom *g, const struct conv2d_geom *t,
				 const float *wt, const float *dout, float *din, int n0,
				 int n1, float *tcol)
{
	const size_t out_sample = (size_t)g->o * g->hw;
	const size_t in_sample = (size_t)g->c * g->in_hw;
	for (int n = n0; n < n1; n++) {
		conv2d_im2col(t, dout + (size_t)n * out_sample, 1, 0, tcol, t->hw);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
			    t->o, (int)t->hw, (int)t->kdim, 1.0f,
			    wt, (int)t->kdim, tcol, (int)t->hw,
			    1.0f, din + (size_t)n * in_sample, (int)t->hw);
	}
}

/* Row kernels of the depthwise loops and the epilogue, compiled for AVX2
 * and AVX-512 too (target_clones.h): at -O2 gcc leaves them scalar, and
 * they were most of MobileNetV2's batch-1 time.  `omp simd` lets the
 * reductions run in vector lanes (a fixed order, so still the same result
 * every run) and asserts what the compiler cannot see: no element depends
 * on another (in the epilogue dst may be src, element for element). */

/* dst[i] += a * src[i * s], i < n. */
ENG_TARGET_CLONES static void conv2d_row_axpy(float *restrict dst, const float *restrict src,
					      float a, int n, int s)
{
	if (s == 1) {
		CONV2D_OMP("omp simd")
		for (int i = 0; i < n; i++)
			dst[i] += a * src[i];
		return;
	}
	for (int i = 0; i < n; i++)
		dst[i] += a * src[(ptrdiff_t)i * s];
}

/* dst[i * s] += a * src[i], i < n. */
ENG_TARGET_CLONES static void conv2d_row_axpy_scatter(float *restrict dst,
						      const float *restrict src, float a,
						      int n, int s)
{
	if (s == 1) {
		conv2d_row_axpy(dst, src, a, n, 1);
		return;
	}
	for (int i = 0; i < n; i++)
		dst[(ptrdiff_t)i * s] += a * src[i];
}

/* The sum of x[i] * y[i * s], i < n. */
ENG_TARGET_CLONES static float conv2d_row_dot(const float *restrict x, const float *restrict y,
					      int n, int s)
{
	float acc = 0.0f;
	if (s == 1) {
		CONV2D_OMP("omp simd reduction(+:acc)")
		for (int i = 0; i < n; i++)
			acc += x[i] * y[i];
		return acc;
	}
	for (int i = 0; i < n; i++)
		acc += x[i] * y[(ptrdiff_t)i * s];
	return acc;
}

/* The output epilogue: dst = src + bias, then the fused activation of a
 * fused eval net (layer.h post_relu), in one pass.  dst may be src. */
ENG_TARGET_CLONES static void conv2d_epilogue(float *dst, const float *src, size_t n,
					      float bias, const struct layer_conf *cf)
{
	if (!cf->post_relu) {
		CONV2D_OMP("omp simd")
		for (size_t i = 0; i < n; i++)
			dst[i] = src[i] + bias;
		return;
	}
	const float hi = layer_post_hi(cf);
	CONV2D_OMP("omp simd")
	for (size_t i = 0; i < n; i++)
		dst[i] = layer_post_act(src[i] + bias, hi);
}

/* Direct forward for cg == 1 (depthwise with multiplier og): 3x3 stride-1
 * and -2 convs by conv_dw3.h's kernels, the rest by row axpys. */
static void conv2d_direct_forward(const struct conv2d_geom *g, const float *w,
				  const float *b, const float *in, float *out,
				  int batch, const struct layer_conf *cf, int granted)
{
	const size_t kk = (size_t)g->k * (size_t)g->k;
	const size_t work = (size_t)batch * (size_t)g->o * g->hw * kk;
	int nt = conv2d_threads(work);
	/* A granted team (batch 1, OpenBLAS kept serial by the caller, so
	 * conv2d_threads says 1) splits it as OpenBLAS's threads would. */
	if (granted > nt && work >= CONV2D_PAR_MIN_FLOATS)
		nt = granted;
	struct conv_dw3 dw3;
	conv_dw3_plan(&dw3, g);
	(void)nt; /* only in OpenMP clauses */
	if (dw3.path == CONV_DW3_BY_LANES || dw3.path == CONV_DW3_BY_ROWS) {
		const int blocks = (g->o + CONV_DW3_LANES - 1) / CONV_DW3_LANES;
		/* Every (sample, block) pair writes its own output planes: the
		 * lane path's 16 channels, the row path's channels of one call. */
		CONV2D_OMP("omp parallel for collapse(2) schedule(static) num_threads(nt) if(nt > 1)")
		for (int n = 0; n < batch; n++)
			for (int k = 0; k < blocks; k++) {
				const int o0 = k * CONV_DW3_LANES;
				const int o1 = o0 + CONV_DW3_LANES < g->o ? o0 + CONV_DW3_LANES : g->o;
				const float *x = in + (size_t)n * g->c * g->in_hw;
				float *y = out + (size_t)n * g->o * g->hw;
				if (dw3.path == CONV_DW3_BY_ROWS)
					conv_dw3_rows_block(&dw3, g, x, w, b, o0, o1, cf, y);
				else
					conv_dw3_lanes(&dw3, g, x, w, b, o0, o1, cf, y);
			}
		return;
	}
	/* Every (sample, filter) pair writes its own output plane. */
	CONV2D_OMP("omp parallel for collapse(2) schedule(static) num_threads(nt) if(nt > 1)")
	for (int n = 0; n < batch; n++) {
		for (int o = 0; o < g->o; o++) {
			const float *plane = in + ((size_t)n * g->c + (size_t)(o / g->og)) * g->in_hw;
			float *dst = out + ((size_t)n * g->o + (size_t)o) * g->hw;
			float bias = b ? b[o] : 0.0f;
			if (dw3.path == CONV_DW3_BY_PLANES) {
				conv_dw3_plane(&dw3, g, plane, w + (size_t)o * kk, bias, cf, dst);
				continue;
			}
			if (dw3.path == CONV_DW3_BY_MASKS) {
				conv_dw3_masked(&dw3, g, plane, w + (size_t)o * kk, bias, cf, dst);
				continue;
			}
			for (size_t i = 0; i < g->hw; i++)
				dst[i] = bias;
			for (int kh = 0; kh < g->k; kh++) {
				for (int kw = 0; kw < g->k; kw++) {
					float wv = w[(size_t)o * kk + (size_t)kh * (size_t)g->k + (size_t)kw];
					int lo, hi;
					conv2d_col_range(g, kw, &lo, &hi);
					for (int oh = 0; oh < g->oh; oh++) {
						int ih = oh * g->s - g->pt + kh;
						if (ih < 0 || ih >= g->h)
							continue;
						const float *src = plane + (ptrdiff_t)ih * g->w;
						ptrdiff_t off = kw - g->pl;
						float *drow = dst + (size_t)oh * (size_t)g->ow;
						if (hi > lo)
							conv2d_row_axpy(drow + lo,
									src + off + (ptrdiff_t)lo * g->s,
									wv, hi - lo, g->s);
					}
				}
			}
			if (cf->post_relu)
				conv2d_epilogue(dst, dst, g->hw, 0.0f, cf);
		}
	}
}

/* Direct backward for cg == 1: dw (and din when not NULL; din_assign:
 * its contents are undefined, write rather than add).  conv_dw3.h's
 * kernels where they run, else row loops. */
static void conv2d_direct_backward(const struct conv2d_geom *g, const float *w,
				   float *dw, const float *in, const float *dout,
				   float *din, bool din_assign, int batch)
{
	const size_t kk = (size_t)g->k * (size_t)g->k;
	const int nt = conv2d_threads((size_t)batch * (size_t)g->o * g->hw * kk);
	(void)nt; /* only in OpenMP clauses */
	struct conv_dw3_backward dwb;
	if (conv_dw3_backward_plan(&dwb, g)) {
		/* By input channel, as below; its first filter assigns din. */
		CONV2D_OMP("omp parallel for schedule(static) num_threads(nt) if(nt > 1)")
		for (int c = 0; c < g->c; c++)
			for (int o = c * g->og; o < (c + 1) * g->og; o++)
				conv_dw3_backward(&dwb, g, in, dout, batch, o, w + (size_t)o * kk,
						  dw + (size_t)o * kk, din,
						  !din_assign || o > c * g->og);
		return;
	}
	if (din && din_assign)
		memset(din, 0, (size_t)batch * (size_t)g->c * g->in_hw * sizeof *din);
	/* Split by input channel: channel c alone owns the dw rows of its og
	 * filters and the din planes of c, and each sum still runs over
	 * samples, then filters, in the serial order. */
	CONV2D_OMP("omp parallel for schedule(static) num_threads(nt) if(nt > 1)")
	for (int c = 0; c < g->c; c++) {
		for (int n = 0; n < batch; n++) {
			size_t ci = (size_t)n * g->c + (size_t)c;
			const float *plane = in + ci * g->in_hw;
			float *dplane = din ? din + ci * g->in_hw : NULL;
			for (int o = c * g->og; o < (c + 1) * g->og; o++) {
				const float *dy = dout + ((size_t)n * g->o + (size_t)o) * g->hw;
				for (int kh = 0; kh < g->k; kh++) {
					for (int kw = 0; kw < g->k; kw++) {
						size_t wi = (size_t)o * kk + (size_t)kh * (size_t)g->k +
							    (size_t)kw;
						float wv = w[wi];
						float acc = 0.0f;
						int lo, hi;
						conv2d_col_range(g, kw, &lo, &hi);
						for (int oh = 0; oh < g->oh; oh++) {
							int ih = oh * g->s - g->pt + kh;
							if (ih < 0 || ih >= g->h)
								continue;
							ptrdiff_t off = (ptrdiff_t)ih * g->w - g->pl + kw +
									(ptrdiff_t)lo * g->s;
							const float *dyrow = dy + (size_t)oh * (size_t)g->ow + lo;
							if (hi <= lo)
								continue;
							acc += conv2d_row_dot(dyrow, plane + off, hi - lo, g->s);
							if (dplane)
								conv2d_row_axpy_scatter(dplane + off, dyrow, wv,
											hi - lo, g->s);
						}
						dw[wi] += acc;
					}
				}
			}
		}
	}
}

static enum eng_status conv2d_infer(struct layer *l, const struct shape *in,
				    int n_in, struct eng_err *err)
{
	const struct layer_conf *cf = &l->conf;
	if (n_in != 1)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: conv takes exactly one input, got %d", l->name, n_in);
	if (in[0].c < 1 || in[0].h < 1 || in[0].w < 1)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: empty input %dx%dx%d",
				   l->name, in[0].c, in[0].h, in[0].w);
	if (cf->out < 1)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: out must be positive, got %d", l->name, cf->out);
	if (cf->size < 1)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: size must be positive, got %d", l->name, cf->size);
	if (cf->stride < 1)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: stride must be positive, got %d", l->name, cf->stride);
	if (cf->pad.top < 0 || cf->pad.left < 0 || cf->pad.bottom < 0 || cf->pad.right < 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: pad must not be negative, got %d %d %d %d", l->name,
				   cf->pad.top, cf->pad.left, cf->pad.bottom, cf->pad.right);
	if (cf->groups < 1)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: groups must be positive, got %d", l->name, cf->groups);
	if (cf->bias != 0 && cf->bias != 1)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: bias must be 0 or 1, got %d", l->name, cf->bias);
	if (in[0].c % cf->groups != 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: %d input channels not divisible by groups %d",
				   l->name, in[0].c, cf->groups);
	if (cf->out % cf->groups != 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: %d filters not divisible by groups %d",
				   l->name, cf->out, cf->groups);
	/* 64-bit so that absurd pads from a cfg cannot overflow int. */
	long long ph = (long long)in[0].h + cf->pad.top + cf->pad.bottom;
	long long pw = (long long)in[0].w + cf->pad.left + cf->pad.right;
	if (ph < cf->size || pw < cf->size)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: %dx%d kernel larger than padded %lldx%lld input",
				   l->name, cf->size, cf->size, ph, pw);
	if (ph > (1LL << 20) || pw > (1LL << 20))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: padded input %lldx%lld too large", l->name, ph, pw);
	l->in = in[0];
	l->out.c = cf->out;
	l->out.h = (int)((ph - cf->size) / cf->stride + 1);
	l->out.w = (int)((pw - cf->size) / cf->stride + 1);
	l->w_len = (size_t)cf->out * (size_t)(in[0].c / cf->groups) *
		   (size_t)cf->size * (size_t)cf->size;
	l->b_len = cf->bias ? (size_t)cf->out : 0;
	l->state_len = 0;
	return ENG_STATUS_OK;
}

static uint64_t conv2d_macs(const struct layer *l)
{
	return (uint64_t)l->out.h * (uint64_t)l->out.w * (uint64_t)l->out.c *
	       (uint64_t)(l->in.c / l->conf.groups) *
	       (uint64_t)l->conf.size * (uint64_t)l->conf.size;
}

static void conv2d_init(struct layer *l, struct rng *r)
{
	size_t fan_in = (size_t)(l->in.c / l->conf.groups) *
			(size_t)l->conf.size * (size_t)l->conf.size;
	layer_init_kaiming(l->w, l->w_len, fan_in, r);
	if (l->b_len)
		memset(l->b, 0, l->b_len * sizeof(float));
}

static size_t conv2d_scratch_len_unfused(const struct layer *l, int batch)
{
	struct conv2d_geom g;
	conv2d_geom_init(&g, l);
	if (conv2d_runs_3x3(&g))
		return conv2d_3x3_floats(&g, l->w_len, batch);
	const int nc = conv2d_chunk_max(&g, batch);
	size_t len = conv2d_scratch_tail(&g, nc, l->w_len);
	/* The tail: the thin kernels' copies of the columns (conv2d_thin
	 * forward, one per thread of a granted team; gemm_thin_backward), or
	 * the conv-form data gradient's buffers: never both at once. */
	size_t tail = 0;
	if (!g.direct && g.hw <= GEMM_THIN_MAX_N) {
		/* One padded copy per thread of a batch-1 team (io->threads). */
		const size_t fwd = (size_t)conv2d_team_cap() * conv2d_thin_pad_floats(&g);
		const size_t bwd = gemm_thin_backward_scratch((int)g.kdim);
		tail = fwd > bwd ? fwd : bwd;
	}
	if (conv2d_dgrad_as_conv(&g)) {
		size_t dg = conv2d_dgrad_floats(&g, conv2d_team_cap());
		tail = dg > tail ? dg : tail;
	}
	return len + tail;
}

static size_t conv2d_scratch_len(const struct layer *l, int batch)
{
	size_t len = conv2d_scratch_len_unfused(l, batch);
	/* The Winograd forwards: a fused net's batch 1 (conv_packing.h:
	 * F(4x4, 3x3) or F(2x2, 3x3)), the batched paths (their scratch
	 * grows with the batch, so a smaller one fits). */
	if (conv_wino4_fused_eligible(l)) {
		const size_t f4 = conv_wino4_fused_scratch(l);
		len = f4 > len ? f4 : len;
	}
	if (conv_wino_eligible(l)) {
		const size_t wino = conv_wino_scratch_len(l, conv2d_team_cap());
		len = wino > len ? wino : len;
	}
	const size_t wino = conv_wino_batch_scratch_len(l, batch, conv2d_team_cap());
	len = wino > len ? wino : len;
	const size_t wino4 = conv_wino4_scratch_len(l, batch);
	return wino4 > len ? wino4 : len;
}

/* Threads for a batch-1 call's team (thin GEMMs, the 3x3 kernels): what
 * the caller grants (layer_io's threads), at most the team cap. */
static int conv2d_granted_threads(const struct layer_io *io)
{
	const int cap = conv2d_team_cap();
	return io->threads <= 1 ? 1 : io->threads < cap ? io->threads : cap;
}

/* Where thread th of nth starts its part of `rows` rows (th == nth: the
 * end), cut at multiples of step.  A thin forward cuts at 24, which both
 * of gemm_thin's row blocks (8 and 6) divide, so that every row goes
 * through the same code, and sums, on any number of threads; a batch-1
 * GEMM on a granted team (a one-thread OpenBLAS) at 16, OpenBLAS's row
 * block on AVX-512. */
#define CONV2D_THIN_ROW_STEP 24
#define CONV2D_GEMM_ROW_STEP 16
static int conv2d_part_row(int rows, int th, int nth, int step)
{
	return th == nth ? rows : (int)((long)rows * th / nth / step * step);
}

/* Threads for the whole-call team of a GEMM conv on chunks of nc samples
 * (1: serial chunks, OpenBLAS threads inside each GEMM). */
static int conv2d_team_threads(const struct conv2d_geom *g, int batch, int nc)
{
	if (nc < 2)
		return 1;
	int nt = conv2d_threads(g->kdim * (size_t)batch * g->hw);
	int cap = conv2d_team_cap();
	nt = nt < cap ? nt : cap;
	return nt < nc ? nt : nc;
}

/* The bias and fused activation of output channels [o0, o1) of one
 * sample's output planes (NCHW, in place; o1 may pass the channel count);
 * nothing to do without either. */
static void conv2d_epilogue_channels(const struct layer *l, const struct conv2d_geom *g,
				     float *out, int o0, int o1)
{
	if (!l->b && !l->conf.post_relu)
		return;
	o1 = o1 < g->o ? o1 : g->o;
	for (int o = o0; o < o1; o++) {
		float *dst = out + (size_t)o * g->hw;
		conv2d_epilogue(dst, dst, g->hw, l->b ? l->b[o] : 0.0f, &l->conf);
	}
}

/* The same for every channel. */
static void conv2d_epilogue_sample(const struct layer *l, const struct conv2d_geom *g,
				   float *out)
{
	conv2d_epilogue_channels(l, g, out, 0, g->o);
}

/* Forward, one thread: chunk by chunk, OpenBLAS threads inside the GEMMs. */
static void conv2d_forward_serial(struct layer *l, const struct conv2d_geom *g,
				  const struct layer_io *io, int nc)
{
	const float *in = io->in[0];
	const int batch = io->batch;
	const size_t in_sample = (size_t)g->c * g->in_hw;
	const size_t out_sample = (size_t)g->o * g->hw;
	const size_t wg = (size_t)g->og * g->kdim; /* weights per group */
	float *col = io->scratch;
	float *omat = io->scratch + (g->pointwise && nc == 1 ? 0 : g->kdim * (size_t)nc * g->hw);
	float *bpad = io->scratch + conv2d_scratch_tail(g, nc, l->w_len);
	for (int n0 = 0; n0 < batch; n0 += nc) {
		const int cn = batch - n0 < nc ? batch - n0 : nc;
		const size_t ncol = (size_t)cn * g->hw;
		const float *in_c = in + (size_t)n0 * in_sample;
		/* One sample: the [O x HW] result is that sample's output. */
		float *res = cn == 1 ? io->out + (size_t)n0 * out_sample : omat;
		const bool thin = conv2d_thin(g, ncol);
		for (int gi = 0; gi < g->groups; gi++) {
			const float *b_mat;
			if (g->pointwise && cn == 1) {
				b_mat = in_c + (size_t)gi * (size_t)g->cg * g->in_hw;
			} else {
				conv2d_im2col(g, in_c, cn, gi * g->cg, col, ncol);
				b_mat = col;
			}
			if (thin) {
				/* A fused net's packed panels (one group), else the
				 * row-major weights; rows cut where the kernel's
				 * blocks allow. */
				const bool panels = conv_panels_runs(l, ncol);
				const int step = panels ? conv_panels_rows(l) : CONV2D_THIN_ROW_STEP;
				const int tt = conv2d_granted_threads(io);
				(void)tt; /* only in OpenMP clauses */
				CONV2D_OMP("omp parallel num_threads(tt) if(tt > 1)")
				{
					const int th = threads_team_index(), nth = threads_team_size();
					const int r0 = conv2d_part_row(g->og, th, nth, step);
					const int r1 = conv2d_part_row(g->og, th + 1, nth, step);
					float *own = bpad + (size_t)th * conv2d_thin_pad_floats(g);
					float *res_g = res + (size_t)gi * (size_t)g->og * ncol;
					if (panels)
						gemm_panels(step, g->og, r0, r1, (int)ncol, (int)g->kdim,
							    l->w_packed, b_mat, ncol, res_g, ncol, own);
					else
						gemm_thin(r0, r1, (int)ncol, (int)g->kdim,
							  l->w + (size_t)gi * wg, g->kdim, b_mat, ncol,
							  res_g, ncol, own);
				}
			} else {
				const int tt = cn == 1 && io->threads_split_gemm
						       ? conv2d_granted_threads(io) : 1;
				(void)tt; /* only in OpenMP clauses */
				CONV2D_OMP("omp parallel num_threads(tt) if(tt > 1)")
				{
					const int th = threads_team_index(), nth = threads_team_size();
					const int r0 = conv2d_part_row(g->og, th, nth, CONV2D_GEMM_ROW_STEP);
					const int r1 = conv2d_part_row(g->og, th + 1, nth, CONV2D_GEMM_ROW_STEP);
					if (r1 > r0)
						cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
							    r1 - r0, (int)ncol, (int)g->kdim, 1.0f,
							    l->w + (size_t)gi * wg + (size_t)r0 * g->kdim,
							    (int)g->kdim, b_mat, (int)ncol, 0.0f,
							    res + ((size_t)gi * (size_t)g->og + (size_t)r0) * ncol,
							    (int)ncol);
				}
			}
		}
		if (cn == 1) {
			conv2d_epilogue_sample(l, g, res);
			continue;
		}
		/* Scatter [O][n][hw] into NCHW, adding the bias on the way. */
		for (int n = 0; n < cn; n++) {
			float *dst_n = io->out + (size_t)(n0 + n) * out_sample;
			for (int o = 0; o < g->o; o++) {
				const float *src = omat + (size_t)o * ncol + (size_t)n * g->hw;
				float *dst = dst_n + (size_t)o * g->hw;
				if (l->b || l->conf.post_relu)
					conv2d_epilogue(dst, src, g->hw, l->b ? l->b[o] : 0.0f, &l->conf);
				else
					memcpy(dst, src, g->hw * sizeof(float));
			}
		}
	}
}

/* Forward on a team of nt threads.  Thread t owns the same slots
 * [nc*t/nt, nc*(t+1)/nt) of every chunk and runs the whole pipeline on
 * its samples alone: im2col, a one-thread GEMM on its columns, scatter.
 * The buffers keep the row stride of a full chunk even for a shorter last
 * one, so the slots never move and the threads never wait for each other. */
static void conv2d_forward_team(struct layer *l, const struct conv2d_geom *g,
				const struct layer_io *io, int nc, int nt)
{
	(void)nt; /* only in OpenMP clauses */
	const float *in = io->in[0];
	const int batch = io->batch;
	const size_t in_sample = (size_t)g->c * g->in_hw;
	const size_t out_sample = (size_t)g->o * g->hw;
	const size_t wg = (size_t)g->og * g->kdim;
	const size_t ld = (size_t)nc * g->hw;
	float *col = io->scratch;
	float *omat = io->scratch + g->kdim * ld;
	const int nb = threads_blas_serial_begin();
	CONV2D_OMP("omp parallel num_threads(nt)")
	{
		const int t = threads_team_index(), nth = threads_team_size();
		const int s0 = nc * t / nth, s1 = nc * (t + 1) / nth;
		for (int n0 = 0; n0 < batch; n0 += nc) {
			const int cn = batch - n0 < nc ? batch - n0 : nc;
			const int a = s0 < cn ? s0 : cn, b = s1 < cn ? s1 : cn;
			if (a >= b)
				continue;
			const int m = (int)((size_t)(b - a) * g->hw);
			const float *in_a = in + (size_t)(n0 + a) * in_sample;
			float *col_a = col + (size_t)a * g->hw;
			float *res_a = omat + (size_t)a * g->hw;
			for (int gi = 0; gi < g->groups; gi++) {
				conv2d_im2col(g, in_a, b - a, gi * g->cg, col_a, ld);
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
					    g->og, m, (int)g->kdim, 1.0f,
					    l->w + (size_t)gi * wg, (int)g->kdim, col_a, (int)ld,
					    0.0f, res_a + (size_t)gi * (size_t)g->og * ld, (int)ld);
			}
			for (int n = a; n < b; n++) {
				float *dst_n = io->out + (size_t)(n0 + n) * out_sample;
				for (int o = 0; o < g->o; o++) {
					const float *src = omat + (size_t)o * ld + (size_t)n * g->hw;
					float *dst = dst_n + (size_t)o * g->hw;
					if (l->b || l->conf.post_relu)
						conv2d_epilogue(dst, src, g->hw, l->b ? l->b[o] : 0.0f, &l->conf);
					else
						memcpy(dst, src, g->hw * sizeof(float));
				}
			}
		}
	}
	threads_blas_serial_end(nb);
}

/* Forward on the direct 3x3 kernels (conv3x3.h): thread t of the team
 * pads, convolves and unstages a contiguous run of samples alone, in its
 * own buffers; at most one thread per sample (conv2d_team_threads with
 * one sample per slot).  A single sample runs on the calling thread
 * unless the caller grants a team (layer_io's threads), which then splits
 * its output channels: ungranted, splitting measured slower in SynFlow's
 * batch-1 passes (2.2-2.9 s against 1.3-1.4 s on resnet20), where
 * OpenBLAS's threads, woken by the other layers' GEMMs, spun against the
 * team (docs/performance.md); SynFlow now keeps OpenBLAS serial and
 * grants it.  Each output element is the same sum in the same order
 * whatever the thread count. */
static void conv2d_forward_3x3(struct layer *l, const struct conv2d_geom *g,
			       const struct layer_io *io)
{
	struct conv3x3 d, t;
	conv2d_3x3_geoms(g, &d, &t);
	float *packed = io->scratch;
	float *bufs = packed + conv3x3_packed_floats(&d) + conv3x3_packed_floats(&t);
	const size_t per = conv2d_3x3_thread_floats(&d, &t);
	const size_t in_sample = (size_t)g->c * g->in_hw, out_sample = (size_t)g->o * g->hw;
	const int batch = io->batch;
	const int nt = conv2d_team_threads(g, batch, batch);
	(void)nt; /* only in OpenMP clauses */
	conv3x3_pack(&d, l->w, packed);
	const int tt = batch == 1 ? conv2d_granted_threads(io) : 1;
	if (tt > 1) {
		/* One sample on a granted team: split by output channels. */
		float *pad = bufs, *st = pad + conv3x3_padded_floats(&d);
		conv3x3_pad(&d, io->in[0], pad);
		CONV2D_OMP("omp parallel num_threads(tt)")
		{
			const int th = threads_team_index(), nth = threads_team_size();
			const int o0 = conv3x3_part_bound(&d, th, nth);
			const int o1 = conv3x3_part_bound(&d, th + 1, nth);
			conv3x3_forward_part(&d, packed, pad, st, o0, o1);
			conv3x3_unstage_part(&d, st, io->out, false, o0, o1);
			conv2d_epilogue_channels(l, g, io->out, o0, o1);
		}
		return;
	}
	CONV2D_OMP("omp parallel num_threads(nt) if(nt > 1)")
	{
		const int th = threads_team_index(), nth = threads_team_size();
		float *pad = bufs + (size_t)th * per;
		float *st = pad + conv3x3_padded_floats(&d);
		for (int n = batch * th / nth; n < batch * (th + 1) / nth; n++) {
			float *out = io->out + (size_t)n * out_sample;
			conv3x3_pad(&d, io->in[0] + (size_t)n * in_sample, pad);
			conv3x3_forward(&d, packed, pad, st);
			conv3x3_unstage(&d, st, out, false);
			conv2d_epilogue_sample(l, g, out);
		}
	}
}

/* Threads for a 1x1 conv in place (conv2d_pointwise_in_place): a team over
 * the samples, or 1 (one sample, small calls: OpenBLAS threads the
 * GEMMs).  MobileNetV2's 32x32 expansions and projections have 16-144
 * channels, GEMMs too small for OpenBLAS's two threads to split well, and
 * its pool then spun against the other layers' OpenMP teams. */
static int conv2d_pointwise_team_threads(const struct conv2d_geom *g, int batch)
{
	return conv2d_pointwise_in_place(g) ? conv2d_team_threads(g, batch, batch) : 1;
}

/* Forward of a 1x1 conv in place on a team: thread t runs a contiguous
 * run of samples, one one-thread GEMM per sample and group, straight from
 * the input to the output.  Every output is the same sum whatever the
 * split. */
static void conv2d_forward_pointwise_team(struct layer *l, const struct conv2d_geom *g,
					  const struct layer_io *io, int nt)
{
	(void)nt; /* only in OpenMP clauses */
	const int batch = io->batch;
	const size_t in_sample = (size_t)g->c * g->in_hw;
	const size_t out_sample = (size_t)g->o * g->hw;
	const size_t wg = (size_t)g->og * g->kdim;
	const int nb = threads_blas_serial_begin();
	CONV2D_OMP("omp parallel num_threads(nt)")
	{
		const int t = threads_team_index(), nth = threads_team_size();
		for (int n = batch * t / nth; n < batch * (t + 1) / nth; n++) {
			const float *in_n = io->in[0] + (size_t)n * in_sample;
			float *out_n = io->out + (size_t)n * out_sample;
			for (int gi = 0; gi < g->groups; gi++)
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
					    g->og, (int)g->hw, (int)g->kdim, 1.0f,
					    l->w + (size_t)gi * wg, (int)g->kdim,
					    in_n + (size_t)gi * (size_t)g->cg * g->in_hw,
					    (int)g->hw, 0.0f,
					    out_n + (size_t)gi * (size_t)g->og * g->hw, (int)g->hw);
			conv2d_epilogue_sample(l, g, out_n);
		}
	}
	threads_blas_serial_end(nb);
}

/* The team of a batched Winograd call (conv_wino.h). */
static int conv2d_wino_threads(const struct conv2d_geom *g, int batch)
{
	const int nt = conv2d_threads(g->kdim * (size_t)batch * g->hw);
	return nt < conv2d_team_cap() ? nt : conv2d_team_cap();
}

/* Which batched Winograd path a call of `batch` samples of l takes:
 * F(4x4, 3x3) where it may (conv_wino4.h), else F(2x2, 3x3)'s batched
 * path where that may, else none.  The one decision the forward and the
 * backward both ask, so that a layer's gradients come from the path its
 * output came from. */
enum conv2d_wino { CONV2D_WINO_NONE, CONV2D_WINO_F2, CONV2D_WINO_F4 };

static enum conv2d_wino conv2d_wino_path(const struct layer *l, int batch)
{
	if (conv_wino4_runs(l, batch))
		return CONV2D_WINO_F4;
	if (conv_wino_batch_runs(l, batch))
		return CONV2D_WINO_F2;
	return CONV2D_WINO_NONE;
}

static void conv2d_forward(struct layer *l, const struct layer_io *io)
{
	if (conv_wino4_fused_runs(l, io->batch)) {
		conv_wino4_fused_forward(l, l->w_packed, io->in[0], io->out, io->scratch,
					 conv2d_granted_threads(io));
		return;
	}
	if (conv_wino_runs(l, io->batch)) {
		conv_wino_forward(l, l->w_packed, io->in[0], io->out, io->scratch,
				  conv2d_granted_threads(io));
		return;
	}
	struct conv2d_geom g;
	conv2d_geom_init(&g, l);
	switch (conv2d_wino_path(l, io->batch)) {
	case CONV2D_WINO_F4:
		conv_wino4_forward(l, io->in[0], io->out, io->batch, io->scratch,
				   conv2d_wino_threads(&g, io->batch));
		return;
	case CONV2D_WINO_F2:
		conv_wino_forward_batch(l, io->in[0], io->out, io->batch, io->scratch,
					conv2d_wino_threads(&g, io->batch));
		return;
	case CONV2D_WINO_NONE:
		break;
	}
	if (g.direct) {
		conv2d_direct_forward(&g, l->w, l->b, io->in[0], io->out, io->batch, &l->conf,
				      io->batch == 1 ? conv2d_granted_threads(io) : 1);
		return;
	}
	if (conv2d_runs_3x3(&g)) {
		conv2d_forward_3x3(l, &g, io);
		return;
	}
	const int pt = conv2d_pointwise_team_threads(&g, io->batch);
	if (pt > 1) {
		conv2d_forward_pointwise_team(l, &g, io, pt);
		return;
	}
	const int nc = conv2d_chunk(&g, io->batch);
	const int nt = conv2d_team_threads(&g, io->batch, nc);
	if (nt > 1)
		conv2d_forward_team(l, &g, io, nc, nt);
	else
		conv2d_forward_serial(l, &g, io, nc);
}

/* The conv-form data gradient of one backward call (conv2d_dgrad_as_conv):
 * its geometry, the flipped weights and the per-thread dout columns. */
struct conv2d_dgrad {
	struct conv2d_geom t;
	const float *wt;
	float *tcol;          /* thread i: tcol + i * t.kdim * t.hw */
};

/* Backward of the GEMM convs, one thread: chunk by chunk, OpenBLAS threads
 * inside the GEMMs.  dg: NULL, or din the conv way. */
static void conv2d_backward_serial(struct layer *l, const struct conv2d_geom *g,
				   const struct layer_io *io, int nc,
				   const struct conv2d_dgrad *dg)
{
	const float *in = io->in[0];
	const float *dout = io->dout;
	float *din = io->din[0];
	const int batch = io->batch;
	const size_t in_sample = (size_t)g->c * g->in_hw;
	const size_t out_sample = (size_t)g->o * g->hw;
	const size_t wg = (size_t)g->og * g->kdim;
	float *col = io->scratch;
	float *dmat_buf = io->scratch + (g->pointwise && nc == 1 ? 0 : g->kdim * (size_t)nc * g->hw);
	float *thin_scratch = io->scratch + conv2d_scratch_tail(g, nc, l->w_len);
	for (int n0 = 0; n0 < batch; n0 += nc) {
		const int cn = batch - n0 < nc ? batch - n0 : nc;
		const size_t ncol = (size_t)cn * g->hw;
		const float *in_c = in + (size_t)n0 * in_sample;
		float *din_c = din ? din + (size_t)n0 * in_sample : NULL;
		/* The first chunk writes dW when the call assigns
		 * (layer_io's dw_assign); the rest add to it. */
		const bool assign_dw = io->dw_assign && n0 == 0;
		const float *dmat;
		if (cn == 1) {
			dmat = dout + (size_t)n0 * out_sample;
		} else {
			/* Gather NCHW dout into [O][n][hw]. */
			for (int n = 0; n < cn; n++) {
				const float *src_n = dout + (size_t)(n0 + n) * out_sample;
				for (int o = 0; o < g->o; o++)
					memcpy(dmat_buf + (size_t)o * ncol + (size_t)n * g->hw,
					       src_n + (size_t)o * g->hw, g->hw * sizeof(float));
			}
			dmat = dmat_buf;
		}
		for (int gi = 0; gi < g->groups; gi++) {
			const float *dm = dmat + (size_t)gi * (size_t)g->og * ncol;
			const float *wgp = l->w + (size_t)gi * wg;
			const bool in_place = g->pointwise && cn == 1;
			const float *b_mat;
			if (in_place) {
				b_mat = in_c + (size_t)gi * (size_t)g->cg * g->in_hw;
			} else {
				conv2d_im2col(g, in_c, cn, gi * g->cg, col, ncol);
				b_mat = col;
			}
			if (din_c && !dg && !in_place &&
			    gemm_thin_backward_pays(g->og, (int)ncol, (int)g->kdim)) {
				/* Both products in one pass over the weights;
				 * dcol over the columns. */
				const int tt = conv2d_granted_threads(io);
				(void)tt; /* only in OpenMP clauses */
				CONV2D_OMP("omp parallel num_threads(tt) if(tt > 1)")
				{
					/* Split along k, in whole vectors. */
					const int th = threads_team_index(), nth = threads_team_size();
					const int vecs = ((int)g->kdim + 15) / 16;
					gemm_thin_backward_part(g->og, (int)ncol, (int)g->kdim,
								vecs * th / nth * 16,
								vecs * (th + 1) / nth * 16, wgp,
								l->dw + (size_t)gi * wg, g->kdim, dm,
								ncol, col, col, ncol, assign_dw,
								thin_scratch);
				}
				conv2d_col2im(g, col, ncol, cn, gi * g->cg, din_c);
				continue;
			}
			/* dW_g += dout_g * col^T (=, the first chunk of an
			 * assigning call) */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
				    g->og, (int)g->kdim, (int)ncol, 1.0f,
				    dm, (int)ncol, b_mat, (int)ncol,
				    assign_dw ? 0.0f : 1.0f, l->dw + (size_t)gi * wg, (int)g->kdim);
			if (!din_c)
				continue;
			if (dg) { /* one group: all of din */
				conv2d_dgrad_samples(g, &dg->t, dg->wt, dout, din, n0, n0 + cn,
						     dg->tcol);
				continue;
			}
			if (in_place) {
				/* The column gradient is this sample's din. */
				cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
					    (int)g->kdim, (int)ncol, g->og, 1.0f,
					    wgp, (int)g->kdim, dm, (int)ncol,
					    1.0f, din_c + (size_t)gi * (size_t)g->cg * g->in_hw,
					    (int)ncol);
				continue;
			}
			/* dcol = W_g^T * dout_g, over the columns dW no longer needs. */
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
				    (int)g->kdim, (int)ncol, g->og, 1.0f,
				    wgp, (int)g->kdim, dm, (int)ncol,
				    0.0f, col, (int)ncol);
			conv2d_col2im(g, col, ncol, cn, gi * g->cg, din_c);
		}
	}
}

/* dw += the private dW copies of threads 1 .. team - 1 (parts, w_len
 * floats each), in thread order, so the sum depends on the team's size
 * but not on timing. */
static void conv2d_dw_parts_add(float *dw, const float *parts, size_t w_len, int team)
{
	if (team < 2)
		return;
	const int nr = conv2d_threads(w_len * (size_t)(team - 1));
	(void)nr; /* only in OpenMP clauses */
	CONV2D_OMP("omp parallel for schedule(static) num_threads(nr) if(nr > 1)")
	for (size_t i = 0; i < w_len; i++) {
		float acc = dw[i];
		for (int t = 1; t < team; t++)
			acc += parts[(size_t)(t - 1) * w_len + i];
		dw[i] = acc;
	}
}

/* The dW that thread t of a backward team accumulates into: the layer's
 * own for thread 0, else the thread's copy in parts (w_len floats each,
 * from thread 1), zeroed here; conv2d_dw_parts_add sums them at the end. */
static float *conv2d_thread_dw(const struct layer *l, float *parts, int t)
{
	if (t == 0)
		return l->dw;
	float *dw = parts + (size_t)(t - 1) * l->w_len;
	memset(dw, 0, l->w_len * sizeof(float));
	return dw;
}

/* Backward on a team of nt threads, split by sample like the forward:
 * thread t gathers, im2cols, runs both GEMMs on and col2ims its own slots
 * of every chunk, so no thread waits for another until the end.  Thread 0
 * accumulates dW in place, thread t > 0 into its own zeroed copy after the
 * chunk buffers; the copies are added in thread order at the end, so the
 * result depends on nt but not on timing. */
static void conv2d_backward_team(struct layer *l, const struct conv2d_geom *g,
				 const struct layer_io *io, int nc, int nt,
				 const struct conv2d_dgrad *dg)
{
	(void)nt; /* only in OpenMP clauses */
	const float *in = io->in[0];
	const float *dout = io->dout;
	float *din = io->din[0];
	const int batch = io->batch;
	const size_t in_sample = (size_t)g->c * g->in_hw;
	const size_t out_sample = (size_t)g->o * g->hw;
	const size_t wg = (size_t)g->og * g->kdim;
	const size_t w_len = l->w_len;
	const size_t ld = (size_t)nc * g->hw;
	float *col = io->scratch;
	float *dmat = col + g->kdim * ld;
	float *parts = dmat + (size_t)g->o * ld;  /* (nt - 1) x w_len */
	int team = 1;
	const int nb = threads_blas_serial_begin();
	CONV2D_OMP("omp parallel num_threads(nt)")
	{
		const int t = threads_team_index(), nth = threads_team_size();
		const int s0 = nc * t / nth, s1 = nc * (t + 1) / nth;
		float *dw = conv2d_thread_dw(l, parts, t);
		if (t == 0)
			team = nth;
		for (int n0 = 0; n0 < batch; n0 += nc) {
			const int cn = batch - n0 < nc ? batch - n0 : nc;
			const int a = s0 < cn ? s0 : cn, b = s1 < cn ? s1 : cn;
			if (a >= b)
				continue;
			const int m = (int)((size_t)(b - a) * g->hw);
			const float *in_a = in + (size_t)(n0 + a) * in_sample;
			float *din_a = din ? din + (size_t)(n0 + a) * in_sample : NULL;
			float *col_a = col + (size_t)a * g->hw;
			float *dm_a = dmat + (size_t)a * g->hw;
			for (int n = a; n < b; n++)
				for (int o = 0; o < g->o; o++)
					memcpy(dmat + (size_t)o * ld + (size_t)n * g->hw,
					       dout + (size_t)(n0 + n) * out_sample + (size_t)o * g->hw,
					       g->hw * sizeof(float));
			for (int gi = 0; gi < g->groups; gi++) {
				const float *dm = dm_a + (size_t)gi * (size_t)g->og * ld;
				const float *wgp = l->w + (size_t)gi * wg;
				conv2d_im2col(g, in_a, b - a, gi * g->cg, col_a, ld);
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
					    g->og, (int)g->kdim, m, 1.0f,
					    dm, (int)ld, col_a, (int)ld,
					    1.0f, dw + (size_t)gi * wg, (int)g->kdim);
				if (!din_a)
					continue;
				if (dg) { /* one group: all of din */
					conv2d_dgrad_samples(g, &dg->t, dg->wt, dout, din, n0 + a,
							     n0 + b, dg->tcol + (size_t)t *
							     dg->t.kdim * dg->t.hw);
					continue;
				}
				cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
					    (int)g->kdim, m, g->og, 1.0f,
					    wgp, (int)g->kdim, dm, (int)ld,
					    0.0f, col_a, (int)ld);
				conv2d_col2im(g, col_a, ld, b - a, gi * g->cg, din_a);
			}
		}
	}
	threads_blas_serial_end(nb);
	conv2d_dw_parts_add(l->dw, parts, w_len, team);
}

/* Backward of a 1x1 conv in place on a team, split by samples like its
 * forward: per sample and group dW_g += dout_g in_g^T and din_g += W_g^T
 * dout_g, one-thread GEMMs on the tensors in place.  Thread 0 accumulates
 * dW in place and thread t > 0 into its own zeroed copy at the start of
 * the scratch, added in thread order at the end (as conv2d_backward_team):
 * the result depends on the thread count, not on timing. */
static void conv2d_backward_pointwise_team(struct layer *l, const struct conv2d_geom *g,
					   const struct layer_io *io, int nt)
{
	(void)nt; /* only in OpenMP clauses */
	const int batch = io->batch;
	const size_t in_sample = (size_t)g->c * g->in_hw;
	const size_t out_sample = (size_t)g->o * g->hw;
	const size_t wg = (size_t)g->og * g->kdim;
	const size_t w_len = l->w_len;
	float *din = io->din[0];
	float *parts = io->scratch + conv2d_scratch_floats(g, 1); /* (nt - 1) x w_len */
	int team = 1;
	const int nb = threads_blas_serial_begin();
	CONV2D_OMP("omp parallel num_threads(nt)")
	{
		const int t = threads_team_index(), nth = threads_team_size();
		float *dw = conv2d_thread_dw(l, parts, t);
		if (t == 0)
			team = nth;
		for (int n = batch * t / nth; n < batch * (t + 1) / nth; n++) {
			const float *in_n = io->in[0] + (size_t)n * in_sample;
			const float *dy_n = io->dout + (size_t)n * out_sample;
			for (int gi = 0; gi < g->groups; gi++) {
				const float *dm = dy_n + (size_t)gi * (size_t)g->og * g->hw;
				const size_t coff = (size_t)gi * (size_t)g->cg * g->in_hw;
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
					    g->og, (int)g->kdim, (int)g->hw, 1.0f,
					    dm, (int)g->hw, in_n + coff, (int)g->hw,
					    1.0f, dw + (size_t)gi * wg, (int)g->kdim);
				if (din)
					cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
						    (int)g->kdim, (int)g->hw, g->og, 1.0f,
						    l->w + (size_t)gi * wg, (int)g->kdim, dm,
						    (int)g->hw, 1.0f,
						    din + (size_t)n * in_sample + coff, (int)g->hw);
			}
		}
	}
	threads_blas_serial_end(nb);
	conv2d_dw_parts_add(l->dw, parts, w_len, team);
}

/* Backward on the direct 3x3 kernels, split over samples like
 * conv2d_forward_3x3.  Thread 0 accumulates dW in place and thread t > 0
 * into its own zeroed copy, added in thread order at the end (as
 * conv2d_backward_team): the result depends on the thread count, not on
 * timing.  din planes belong to their sample's thread.  A single sample
 * with a granted team splits dW by output channels and din by input
 * channels instead, straight into l->dw and din: the same on any thread
 * count. */
static void conv2d_backward_3x3(struct layer *l, const struct conv2d_geom *g,
				const struct layer_io *io)
{
	struct conv3x3 d, t;
	conv2d_3x3_geoms(g, &d, &t);
	float *packed_t = io->scratch + conv3x3_packed_floats(&d);
	float *bufs = packed_t + conv3x3_packed_floats(&t);
	const size_t per = conv2d_3x3_thread_floats(&d, &t);
	const size_t in_sample = (size_t)g->c * g->in_hw, out_sample = (size_t)g->o * g->hw;
	const size_t w_len = l->w_len;
	const float *dout = io->dout;
	float *din = io->din[0];
	const int batch = io->batch;
	const int nt = conv2d_team_threads(g, batch, batch);
	float *parts = bufs + (size_t)nt * per; /* nt - 1 dW copies (conv2d_3x3_floats) */
	if (din)
		conv3x3_pack_dgrad(&t, l->w, packed_t);
	const int tt = batch == 1 ? conv2d_granted_threads(io) : 1;
	if (tt > 1) {
		/* One sample on a granted team: dW split by output channels,
		 * din by input channels (its conv's outputs), into l->dw
		 * itself (the rows are disjoint). */
		float *pad = bufs, *st = pad + conv3x3_padded_floats(&d);
		float *padt = st + conv3x3_staged_floats(&d), *stt = padt + conv3x3_padded_floats(&t);
		conv3x3_pad(&d, io->in[0], pad);
		conv3x3_stage(&d, dout, st);
		if (din)
			conv3x3_pad(&t, dout, padt);
		CONV2D_OMP("omp parallel num_threads(tt)")
		{
			const int th = threads_team_index(), nth = threads_team_size();
			conv3x3_wgrad_part(&d, pad, st, l->dw, conv3x3_part_bound(&d, th, nth),
					   conv3x3_part_bound(&d, th + 1, nth));
			if (din) {
				const int c0 = conv3x3_part_bound(&t, th, nth);
				const int c1 = conv3x3_part_bound(&t, th + 1, nth);
				conv3x3_forward_part(&t, packed_t, padt, stt, c0, c1);
				conv3x3_unstage_part(&t, stt, din, !io->din_assign[0], c0, c1);
			}
		}
		return;
	}
	int team = 1;
	CONV2D_OMP("omp parallel num_threads(nt) if(nt > 1)")
	{
		const int th = threads_team_index(), nth = threads_team_size();
		float *pad = bufs + (size_t)th * per;
		float *st = pad + conv3x3_padded_floats(&d);
		float *padt = st + conv3x3_staged_floats(&d);
		float *stt = padt + conv3x3_padded_floats(&t);
		float *dw = conv2d_thread_dw(l, parts, th);
		if (th == 0)
			team = nth;
		for (int n = batch * th / nth; n < batch * (th + 1) / nth; n++) {
			const float *dy = dout + (size_t)n * out_sample;
			conv3x3_pad(&d, io->in[0] + (size_t)n * in_sample, pad);
			conv3x3_stage(&d, dy, st);
			conv3x3_wgrad(&d, pad, st, dw);
			if (din) {
				conv3x3_pad(&t, dy, padt);
				conv3x3_forward(&t, packed_t, padt, stt);
				conv3x3_unstage(&t, stt, din + (size_t)n * in_sample,
						!io->din_assign[0]);
			}
		}
	}
	conv2d_dw_parts_add(l->dw, parts, w_len, team);
}

/* The bias gradient (db += or, dw_assign, = the sum of dout over samples
 * and positions): by filter, each summing its samples in order as one
 * thread would. */
static void conv2d_bias_grad(struct layer *l, const struct conv2d_geom *g,
			     const struct layer_io *io)
{
	if (!l->db)
		return;
	if (io->dw_assign)
		memset(l->db, 0, l->b_len * sizeof *l->db);
	const size_t out_sample = (size_t)g->o * g->hw;
	const int bt = conv2d_threads(out_sample * (size_t)io->batch);
	(void)bt; /* only in OpenMP clauses */
	CONV2D_OMP("omp parallel for schedule(static) num_threads(bt) if(bt > 1)")
	for (int o = 0; o < g->o; o++) {
		for (int n = 0; n < io->batch; n++) {
			const float *dy = io->dout + (size_t)n * out_sample + (size_t)o * g->hw;
			float acc = 0.0f;
			for (size_t i = 0; i < g->hw; i++)
				acc += dy[i];
			l->db[o] += acc;
		}
	}
}

static void conv2d_backward(struct layer *l, const struct layer_io *io)
{
	ENG_ASSERT(!l->conf.post_relu);	/* fused eval nets never train */
	struct conv2d_geom g;
	conv2d_geom_init(&g, l);
	const enum conv2d_wino wino = conv2d_wino_path(l, io->batch);
	if (wino != CONV2D_WINO_NONE) {
		const int nt = conv2d_wino_threads(&g, io->batch);
		conv2d_bias_grad(l, &g, io);
		float *din = io->din[0];
		if (wino == CONV2D_WINO_F4) {
			conv_wino4_wgrad(l, io->in[0], io->dout, l->dw, io->dw_assign, io->batch,
					 io->scratch, nt);
			if (din)
				conv_wino4_dgrad(l, io->dout, din, io->din_assign[0], io->batch,
						 io->scratch, nt);
		} else {
			conv_wino_wgrad_batch(l, io->in[0], io->dout, l->dw, io->dw_assign,
					      io->batch, io->scratch, nt);
			if (din)
				conv_wino_dgrad_batch(l, io->dout, din, io->din_assign[0],
						      io->batch, io->scratch, nt);
		}
		return;
	}
	const float *dout = io->dout;
	const int batch = io->batch;
	const bool on_3x3 = conv2d_runs_3x3(&g);
	const int pt = conv2d_pointwise_team_threads(&g, batch);
	const int nc = conv2d_chunk(&g, batch);
	const int nt = conv2d_team_threads(&g, batch, nc);
	/* dw_assign: the serial GEMM path writes dW in its first chunk; every
	 * other path, and the bias gradient, add, so they start from zeros. */
	if (io->dw_assign && (on_3x3 || g.direct || pt > 1 || nt > 1))
		memset(l->dw, 0, l->w_len * sizeof *l->dw);
	conv2d_bias_grad(l, &g, io);
	if (on_3x3) {
		/* Its data gradient writes every element of din: it assigns. */
		conv2d_backward_3x3(l, &g, io);
		return;
	}
	if (g.direct) {
		conv2d_direct_backward(&g, l->w, l->dw, io->in[0], dout, io->din[0],
				       io->din_assign[0], batch);
		return;
	}
	layer_din_zero_if_assign(io, 0, (size_t)batch * (size_t)g.c * g.in_hw);
	if (pt > 1) {
		conv2d_backward_pointwise_team(l, &g, io, pt);
		return;
	}
	struct conv2d_dgrad dgrad, *dg = NULL;
	if (io->din[0] && conv2d_dgrad_as_conv(&g)) {
		float *tail = io->scratch + conv2d_scratch_tail(&g, nc, l->w_len);
		conv2d_dgrad_geom(&g, &dgrad.t);
		conv2d_dgrad_weights(&g, l->w, tail);
		dgrad.wt = tail;
		dgrad.tcol = tail + l->w_len;
		dg = &dgrad;
	}
	if (nt > 1)
		conv2d_backward_team(l, &g, io, nc, nt, dg);
	else
		conv2d_backward_serial(l, &g, io, nc, dg);
}

const struct layer_ops conv2d_ops = {
	.name = "conv",
	.infer = conv2d_infer,
	.macs = conv2d_macs,
	.init = conv2d_init,
	.scratch_len = conv2d_scratch_len,
	.cache_len = NULL,
	.forward = conv2d_forward,
	.backward = conv2d_backward,
};
