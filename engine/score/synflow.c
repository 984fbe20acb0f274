/* synflow.c: SynFlow scores |w * dR/dw| on |params| with an all-ones
 * input, iterated towards opt->sparsity (docs/scoring.md has the maths).
 *
 * Block floating point: every activation and every activation gradient is
 * stored as a float array times 2^e (e per tensor, kept in exp[] and dexp[]),
 * renormalised after each layer whose largest magnitude left [2^-32, 2^33).  The
 * layers are homogeneous in their input except for additive constants
 * (biases, BN's beta and running mean), which are scaled by 2^-e on the way
 * in; an add aligns its two inputs to the larger exponent.  A weight's
 * gradient then carries the exponent dexp[out] + exp[in].
 *
 * ReLU6 scores as a plain ReLU.  SynFlow scores the linearised network
 * (|params|, all-ones input: every ReLU passes everything), and with the
 * clip kept every unit of |W| 1 past the first few layers sits above 6,
 * where the clip's gradient is 0: the scores of every layer before the
 * last clip would be 0 and a global mask would remove those layers
 * entirely (torchvision's mobilenet_v2 lost every conv at s = 0.9).
 *
 * The DAG runner (net_forward/net_backward) keeps no exponents, so this
 * file walks net->layers itself and calls the layer ops on private copies
 * of struct layer whose b/dw/db/state point at other buffers (a scaled
 * bias, scaled BN statistics, a junk gradient sink).  The ops only ever
 * reach parameters through those pointers, which is what makes the swap
 * legal (layer.h's contracts).
 *
 * Each step's mask is selected in place over the weights still alive
 * (struct score_alive), with score_mask_global's rule and kept count.
 *
 * Predicted bounds.  A step prunes the ~2 % of the list that score lowest,
 * and the threshold moves smoothly from step to step (on VGG-16 it falls
 * by 5-9 % a step, the factor changing by under 1 %).  So after the first
 * steps a pass does not store every score and then walk them all again
 * to find the few below the threshold: it keeps only the entries below a
 * bound, the last threshold moved by the last step's factor and a margin
 * (score_predict_next), found as each layer's gradient comes
 * (score_scan_below), 4-9 % of the list.  When that bound lies above the
 * step's boundary bin, they hold every entry the step prunes and every
 * candidate of the bin, in order, and the step selects exactly what the
 * full pass would (score_synflow_select_below).  When it does not, the
 * same pass's backward runs again over the full list: on VGG-16 one step
 * of 100 (the threshold doubles the step after the zeros are gone).
 *
 * Once the list is thin, a late conv (few output positions, most weights
 * pruned) runs its pass on the listed weights alone (synflow_sparse.c,
 * chosen per layer before each pass by score_sparse_pays): its sums then
 * round differently from the GEMM's, so scores move by float rounding,
 * as they do between two BLAS kernel sets.
 *
 * What a pass costs besides the GEMMs is memory traffic, so the weight
 * gradients never reach net->grads: every prunable layer's goes to one
 * buffer (sf->gbuf, small enough to stay in cache), is scored and
 * histogrammed as soon as its backward returns, and is overwritten by the
 * next layer's.  The scores stay in the layer's own exponent until the
 * pass's common one is known (struct score_alive says how that is exact).
 *
 * Threads.  Every GEMM of a batch-1 pass is small, and OpenBLAS's second
 * thread did none of their work (perf: its worker only spun in
 * sched_yield) while it took the core from anything else: an OpenMP team
 * next to it made VGG-16's SynFlow-100 three times slower.  So the whole
 * run keeps OpenBLAS on the calling thread (threads_blas_serial_begin),
 * and the other threads go to the engine's own loops: scoring a long layer
 * and the selection's scan (a third of a step) are split over a team in
 * contiguous parts, joined in order, and the late convs' thin GEMMs split
 * theirs by rows or columns (layer_io's threads).  Every sum is then
 * computed by the same code in the same order whatever the thread count,
 * so the scores are the same to the bit on any number of threads.
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/target_clones.h"
#include "base/threads.h"
#include "score/score.h"
#include "score/synflow.h"
#include "score/mask.h"
#include "score/synflow_collect.h"
#include "score/synflow_sparse.h"

#ifdef _OPENMP
#define SCORE_OMP(directive) _Pragma(directive)
#else
#define SCORE_OMP(directive)
#endif

/* x *= 2^e, exactly (up to subnormal results). */
static void score_scale(float *x, size_t n, int e)
{
	if (e == 0)
		return;
	if (e >= FLT_MIN_EXP - 1 && e <= FLT_MAX_EXP - 1) {
		/* A power of two that is itself a normal float: one multiply. */
		const float f = ldexpf(1.0f, e);
		for (size_t i = 0; i < n; i++)
			x[i] *= f;
		return;
	}
	for (size_t i = 0; i < n; i++)
		x[i] = scalbnf(x[i], e);
}

struct score_synflow {
	int *exp, *dexp;        /* per layer */
	bool *dset;             /* dexp[i] holds a value (a consumer wrote) */
	int *wexp;              /* per layer: exponent of its weight gradient */
	float *ones;            /* the all-ones input */
	float *tmp;             /* max activation (batch 1) */
	float *pbuf;            /* max(b_len, 2 * state) */
	float *junk;            /* max(w_len, b_len) of non-prunable layers */
	float *gbuf;            /* max w_len of prunable layers: their dw */
	/* Layers that run this pass on their listed weights alone
	 * (synflow_sparse.c), decided before each pass from the list. */
	bool *sparse;           /* per layer */
	struct score_rows *rows; /* per layer; start set for eligible ones */
	size_t *starts;         /* storage of every eligible layer's start */
	float *sp_scratch;      /* max score_sparse_scratch */
	int threads;            /* the team the layers may use (layer_io) */
	struct synflow_counts *counts; /* the run's (score_synflow_tuned) */
};

/* The largest |x[i]|, 0 for n = 0.  A vector reduction for the CPU's
 * widest vectors: the scalar loop (-O2 left it so) waited on each max in
 * turn, 3 % of a SynFlow run on VGG-16.  A maximum is the same in any
 * order; the tensors hold no NaN (block floating point keeps them
 * finite). */
ENG_TARGET_CLONES static float score_max_abs(const float *x, size_t n)
{
	float mx = 0.0f;
	SCORE_OMP("omp simd reduction(max:mx)")
	for (size_t i = 0; i < n; i++) {
		float a = fabsf(x[i]);
		mx = a > mx ? a : mx;
	}
	return mx;
}

static int score_normalise(float *x, size_t n)
{
	float mx = score_max_abs(x, n);
	if (!(mx > 0.0f) || !isfinite(mx))
		return 0;
	int e = ilogbf(mx);
	/* Renormalising is only about range: leave tensors within 2^+-32 of
	 * 1 alone (one layer grows a value by far less than 2^90). */
	if (e >= -32 && e <= 32)
		return 0;
	score_scale(x, n, -e);
	return e;
}

static void score_synflow_forward(struct net *net, struct score_synflow *sf)
{
	for (int i = 0; i < net->n_layers; i++) {
		struct layer *l = &net->layers[i];
		struct layer c = *l;
		struct layer_io io = { .batch = 1, .train = false, .out = net->act[i],
				       .cache = net->cache[i], .scratch = net->scratch,
				       .threads = sf->threads };
		int e[LAYER_MAX_INPUTS] = { 0, 0 };
		for (int k = 0; k < l->n_in; k++) {
			int src = l->in_idx[k];
			io.in[k] = score_src(net, src, sf->ones);
			e[k] = src < 0 ? 0 : sf->exp[src];
		}
		int eo = e[0];
		switch (l->kind) {
		case LAYER_KIND_CONV:
		case LAYER_KIND_LINEAR:
			if (l->b_len) {
				for (size_t j = 0; j < l->b_len; j++)
					sf->pbuf[j] = scalbnf(l->b[j], -eo);
				c.b = sf->pbuf;
			}
			break;
		case LAYER_KIND_BN: {
			int ch = l->in.c;
			for (int j = 0; j < ch; j++) {
				sf->pbuf[j] = scalbnf(l->b[j], -eo);
				sf->pbuf[ch + j] = scalbnf(l->state[j], -eo);
				sf->pbuf[2 * ch + j] = l->state[ch + j];
			}
			c.b = sf->pbuf;
			c.state = sf->pbuf + ch;
			break;
		}
		case LAYER_KIND_RELU:
			/* Linearised: ReLU6 scores as ReLU (file comment). */
			c.conf.clip = 0.0f;
			break;
		case LAYER_KIND_ADD: {
			eo = e[0] > e[1] ? e[0] : e[1];
			int k = e[0] < e[1] ? 0 : 1;
			if (e[k] != eo) {
				size_t n = score_act_len(net, i, 1);
				memcpy(sf->tmp, io.in[k], n * sizeof(float));
				score_scale(sf->tmp, n, e[k] - eo);
				io.in[k] = sf->tmp;
			}
			break;
		}
		case LAYER_KIND_MAXPOOL:
		case LAYER_KIND_AVGPOOL:
		case LAYER_KIND_GAP:
		case LAYER_KIND_FLATTEN:
		case LAYER_KIND_COUNT:
			break;
		}
		if (sf->sparse[i])
			score_sparse_forward(l, &sf->rows[i], io.in[0], l->b_len ? c.b : NULL,
					     io.out, sf->sp_scratch);
		else
			l->ops->forward(&c, &io);
		sf->exp[i] = eo + score_normalise(net->act[i], score_act_len(net, i, 1));
	}
}

/* The selection's lower radix digits (synflow_collect.h has the top one):
 * two digits of SCORE_LOW_DIGIT bits over the boundary bin's entries. */
#define SCORE_LOW_DIGIT (SCORE_LOW_BITS / 2)
#define SCORE_LOW_BINS (1u << SCORE_LOW_DIGIT)
#define SCORE_EXP_BINS (1 << (SCORE_TOP_BITS - 9)) /* top digits per exponent */
#define SCORE_HIST_WAYS 4           /* interleaved copies of a layer's histogram */
#define SCORE_WAYS_MIN 4096         /* entries from which a layer uses them all */
#define SCORE_BLOCK 64              /* entries scored at once */

/* Entries from which a loop over the list is split over a team: below,
 * waking the team costs more than the loop. */
#define SCORE_PAR_MIN ((size_t)1 << 18)

/* Entries ahead that the pruning step's scattered stores are prefetched. */
#define SCORE_PRUNE_AHEAD 32

/* The weights SynFlow still keeps, in param order: their indices, |w| and
 * scores.  Every other prunable weight is 0 in net->params and so scores
 * exactly 0, which is all the per-step passes need to know about it: they
 * walk this list only, and the list shrinks with the density (to 10 % at
 * s = 0.9; 39 % on average over the schedule).
 *
 * A step prunes ~2 % of the list (100 steps to s = 0.9), so pruned entries
 * are not removed at once: their w becomes -0 ("dead": a listed weight
 * never has w = 0 otherwise) and so their s -0, and the list is compacted
 * only once a quarter of it is dead.  A dead entry counts as unlisted: it
 * scores 0 and is in no histogram.
 *
 * s holds each pass's scores before the common exponent (|w g| as the
 * layer's gradient came); score f[i] * s[j] is the pass's score of an
 * entry of layer i, exactly: f[i] is a power of two that takes no listed
 * score of the layer out of the normal range (else the layer's s is scaled
 * in place and f[i] = 1). */
struct score_alive {
	uint32_t *idx;
	float *w;
	float *s;
	float *f;               /* per layer */
	size_t n;               /* entries */
	size_t live;            /* entries not dead */
	size_t *seg;            /* per layer: its first entry; n_layers + 1 */
	uint32_t *pruned;       /* scratch: the entries a step prunes */
	uint32_t *hist;         /* SCORE_TOP_BINS + SCORE_LOW_BINS: a pass's top digits,
				 * then a lower digit of the candidates */
	uint32_t *ways;         /* teams * SCORE_HIST_WAYS * SCORE_TOP_BINS scratch,
				 * all 0 between layers */
	uint32_t *lhist;        /* per layer: SCORE_HALF_BINS, the top digits of
				 * its s (before f) */
	size_t *zeros;          /* per layer: its s that are exactly 0 */
	struct score_cand *cand;
	size_t cand_cap;
	int teams;              /* most threads of a team: ways holds that many
				 * threads' histograms */
	size_t *parts;          /* 2 * teams: each thread's pruned and candidates */
	/* A pass that scans below bounds (SCORE_PASS_BELOW): */
	struct score_below *below; /* per thread of a team: the entries it found
				 * below their layer's bound, in s's storage */
	struct score_below_part *below_part; /* n_layers * teams: where each
				 * thread's entries of each layer are (the
				 * backward finds them layer by layer from the
				 * last) */
	float *bound;           /* per layer: its bound, in its own exponent */
	bool vector;            /* score_collect_vector_available() */
	int ew;                 /* the pass's common exponent */
	/* The last step's threshold, pred * 2^pred_e in the exponent of the
	 * layers' gradients (0: none, the next pass scans the full list),
	 * and the margin the next bound puts above it. */
	float pred;
	int pred_e;
	double margin;
};

/* One thread's entries below the bound of one layer: below[t].pos + at
 * and below[t].s + at, n of them. */
struct score_below_part {
	size_t at, n;
};

/* What a pass computes besides its scores (score_synflow_pass). */
enum score_pass_kind {
	SCORE_PASS_LAST,        /* the scores alone, in al->s */
	SCORE_PASS_FULL,        /* the scores and their histogram */
	SCORE_PASS_BELOW,       /* only the entries below each layer's bound,
				 * into al->below (al->s is not written) */
};

/* Threads for a loop over n entries of the list. */
static int score_team(const struct score_alive *al, size_t n)
{
	return n >= SCORE_PAR_MIN ? al->teams : 1;
}

/* Rebuild the alive list from the params: every prunable nonzero weight. */
static void score_alive_build(const struct net *net, struct score_alive *al)
{
	size_t n = 0;
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		al->seg[i] = n;
		if (!score_layer_is_prunable(l))
			continue;
		size_t off = score_param_offset(net, l->w);
		for (size_t j = 0; j < l->w_len; j++) {
			al->idx[n] = (uint32_t)(off + j);
			al->w[n] = l->w[j];
			n += l->w[j] != 0.0f;
		}
	}
	al->seg[net->n_layers] = n;
	al->n = n;
	al->live = n;
}

/* Drop the dead entries (s is not kept: the next pass rewrites it). */
static void score_alive_compact(const struct net *net, struct score_alive *al)
{
	size_t n = 0;
	uint32_t *idx = al->idx;
	float *w = al->w;
	for (int i = 0; i < net->n_layers; i++) {
		size_t a = al->seg[i], e = al->seg[i + 1];
		al->seg[i] = n;
		for (size_t j = a; j < e; j++) {
			idx[n] = idx[j];
			w[n] = w[j];
			n += w[j] != 0.0f;
		}
	}
	al->seg[net->n_layers] = n;
	al->n = n;
	al->live = n;
}

/* Entries [j, e) of layer i (g its weight gradient from param off): their
 * scores |w g| into al->s, the top digits of those into h (ways
 * interleaved histograms of SCORE_TOP_BINS, 1 or SCORE_HIST_WAYS, j a
 * multiple of SCORE_BLOCK past the layer's first entry unless ways is 1);
 * returns how many of them are exactly 0. */
static size_t score_alive_hist_range(struct score_alive *al, size_t j, size_t e,
				     const float *g, size_t off, uint32_t *h, size_t ways)
{
	const uint32_t key0 = score_key(0.0f);
	const uint32_t *idx = al->idx;
	const float *w = al->w;
	float *s = al->s;
	size_t z = 0;
	if (ways == SCORE_HIST_WAYS) {
		/* Four histograms, so that runs of equal bins do not
		 * serialise on one counter. */
		uint32_t *h1 = h + SCORE_TOP_BINS, *h2 = h1 + SCORE_TOP_BINS,
			 *h3 = h2 + SCORE_TOP_BINS;
		/* Scores and top digits of a block in SIMD (but the loads
		 * of g), then its histogram counts one by one. */
		uint32_t t[SCORE_BLOCK];
		for (; j + SCORE_BLOCK <= e; j += SCORE_BLOCK) {
			uint32_t zb = 0;
			SCORE_OMP("omp simd reduction(+:zb)")
			for (size_t u = 0; u < SCORE_BLOCK; u++) {
				float v = w[j + u] * fabsf(g[idx[j + u] - off]);
				s[j + u] = v;
				uint32_t k = score_key(v);
				t[u] = k >> SCORE_LOW_BITS;
				zb += k == key0;
			}
			z += zb;
			for (size_t u = 0; u < SCORE_BLOCK; u += 4) {
				h[t[u]]++;
				h1[t[u + 1]]++;
				h2[t[u + 2]]++;
				h3[t[u + 3]]++;
			}
		}
	}
	for (; j < e; j++) {
		float v = w[j] * fabsf(g[idx[j] - off]);
		s[j] = v;
		uint32_t k = score_key(v);
		h[k >> SCORE_LOW_BITS]++;
		z += k == key0;
	}
	return z;
}

/* Layer i's scores |w g| into al->s (-0 for dead entries) while its
 * weight gradient g (the layer's own w_len floats; param off is its
 * first) is still in cache; with hist, the top digits of those s into
 * al->lhist and their zeros into al->zeros.  w >= 0, so w |g| is |w g|
 * to the bit, and a dead entry's w = -0 gives -0 without a branch (g is
 * finite: block floating point).
 *
 * A long layer is split over a team (score_team): each thread scores a
 * contiguous part into its own histograms, which are then summed bin by
 * bin.  Counts are integers and every score is its own product, so the
 * result is the same on any number of threads. */
static void score_alive_layer(struct score_alive *al, int i, const float *g,
			      size_t off, enum score_pass_kind kind)
{
	const size_t a = al->seg[i], e = al->seg[i + 1];
	const int nt = score_team(al, e - a);
	(void)nt; /* only in OpenMP clauses */
	if (kind == SCORE_PASS_BELOW) {
		/* Zeroed for the pass (score_synflow_backward): a team
		 * smaller than al->teams leaves the rest at 0. */
		struct score_below_part *got = al->below_part + (size_t)i * (size_t)al->teams;
		SCORE_OMP("omp parallel num_threads(nt) if(nt > 1)")
		{
			const size_t th = (size_t)threads_team_index();
			const size_t nth = (size_t)threads_team_size();
			struct score_below *o = &al->below[th];
			const size_t n0 = o->n;
			score_scan_below(al->idx, al->w, g, off, a + (e - a) * th / nth,
					 a + (e - a) * (th + 1) / nth, al->bound[i], o, al->vector);
			got[th] = (struct score_below_part){ .at = n0, .n = o->n - n0 };
		}
		return;
	}
	if (kind == SCORE_PASS_LAST) {
		const uint32_t *idx = al->idx;
		const float *w = al->w;
		float *s = al->s;
		SCORE_OMP("omp parallel for num_threads(nt) if(nt > 1) schedule(static)")
		for (size_t j = a; j < e; j++)
			s[j] = w[j] * fabsf(g[idx[j] - off]);
		return;
	}
	const size_t ways = e - a >= SCORE_WAYS_MIN ? SCORE_HIST_WAYS : 1;
	const size_t per = SCORE_HIST_WAYS * SCORE_TOP_BINS; /* a thread's histograms */
	uint32_t *lh = al->lhist + (size_t)i * SCORE_HALF_BINS;
	size_t z = 0;
	SCORE_OMP("omp parallel num_threads(nt) if(nt > 1) reduction(+:z)")
	{
		const size_t th = (size_t)threads_team_index(), nth = (size_t)threads_team_size();
		/* Parts start on a block of the layer's entries. */
		size_t j0 = a + (e - a) * th / nth / SCORE_BLOCK * SCORE_BLOCK;
		size_t j1 = th + 1 == nth ? e : a + (e - a) * (th + 1) / nth / SCORE_BLOCK * SCORE_BLOCK;
		z += score_alive_hist_range(al, j0, j1, g, off, al->ways + th * per, ways);
		SCORE_OMP("omp barrier")
		/* Sum every thread's ways into lhist and leave them 0 for the
		 * next layer.  Dead entries (s = -0) all went to bin 0: left
		 * out. */
		SCORE_OMP("omp for schedule(static)")
		for (uint32_t b = 0; b < SCORE_HALF_BINS; b++) {
			uint32_t c = 0;
			for (size_t t = 0; t < nth; t++) {
				for (size_t u = 0; u < ways; u++) {
					uint32_t *hu = al->ways + t * per + u * SCORE_TOP_BINS +
						       SCORE_HALF_BINS + b;
					c += *hu;
					*hu = 0;
				}
			}
			lh[b] = c;
		}
		for (size_t u = 0; u < ways; u++)
			al->ways[th * per + u * SCORE_TOP_BINS] = 0;
	}
	al->zeros[i] = z;
}

/* A layer's bound in its own exponent e: al->pred * al->margin * 2^(pred_e
 * - e), +inf where that overflows a float, 0 where it underflows. */
static float score_layer_bound(const struct score_alive *al, int e)
{
	const double b = ldexp((double)al->pred * al->margin, al->pred_e - e);
	return b > (double)FLT_MAX ? INFINITY : (float)b;
}

static void score_synflow_backward(struct net *net, struct score_synflow *sf,
				   struct score_alive *al, enum score_pass_kind kind)
{
	if (kind == SCORE_PASS_BELOW) {
		for (int t = 0; t < al->teams; t++) {
			al->below[t].n = 0;
			al->below[t].full = false;
		}
		memset(al->below_part, 0,
		       (size_t)net->n_layers * (size_t)al->teams * sizeof *al->below_part);
	}
	int last = net->n_layers - 1;
	for (int i = 0; i < net->n_layers; i++) {
		memset(net->dact[i], 0, score_act_len(net, i, 1) * sizeof(float));
		sf->dset[i] = false;
		sf->wexp[i] = 0;
	}
	for (size_t j = 0; j < score_act_len(net, last, 1); j++)
		net->dact[last][j] = 1.0f;
	sf->dexp[last] = 0;
	sf->dset[last] = true;
	for (int i = last; i >= 0; i--) {
		if (!sf->dset[i])
			continue; /* nothing downstream reads this output */
		struct layer *l = &net->layers[i];
		size_t n = score_act_len(net, i, 1);
		int ed = sf->dexp[i] + score_normalise(net->dact[i], n);
		/* One exponent for dout and every din it is added into. */
		int big = ed;
		for (int k = 0; k < l->n_in; k++) {
			int src = l->in_idx[k];
			if (src >= 0 && sf->dset[src] && sf->dexp[src] > big)
				big = sf->dexp[src];
		}
		score_scale(net->dact[i], n, ed - big);
		sf->dexp[i] = big;
		struct layer c = *l;
		struct layer_io io = { .batch = 1, .train = true, .out = net->act[i],
				       .dout = net->dact[i], .cache = net->cache[i],
				       .scratch = net->scratch, .threads = sf->threads };
		int ein = 0;
		for (int k = 0; k < l->n_in; k++) {
			int src = l->in_idx[k];
			io.in[k] = score_src(net, src, sf->ones);
			if (src < 0)
				continue;
			if (sf->dset[src])
				score_scale(net->dact[src], score_act_len(net, src, 1),
					    sf->dexp[src] - big);
			sf->dexp[src] = big;
			sf->dset[src] = true;
			io.din[k] = net->dact[src];
			if (k == 0)
				ein = sf->exp[src];
		}
		const bool prunable = score_layer_is_prunable(l);
		if (prunable) {
			/* The weight gradient goes to one buffer that every
			 * layer reuses, scored at once while it is in cache;
			 * the layer writes it (dw_assign) rather than adding
			 * into the last layer's. */
			c.dw = sf->gbuf;
			io.dw_assign = true;
			c.b = NULL;
			c.db = NULL;
			c.b_len = 0;
			sf->wexp[i] = big + ein;
			if (kind == SCORE_PASS_BELOW)
				al->bound[i] = score_layer_bound(al, sf->wexp[i]);
		} else {
			c.dw = c.w_len ? sf->junk : NULL;
			c.db = c.b_len ? sf->junk : NULL;
		}
		if (l->kind == LAYER_KIND_RELU)
			c.conf.clip = 0.0f;
		if (sf->sparse[i] && kind == SCORE_PASS_BELOW) {
			/* Each entry scored as its gradient comes, on the
			 * calling thread (the path is serial): the layer's
			 * entries are all thread 0's. */
			struct score_below *o = &al->below[0];
			const size_t at = o->n;
			score_sparse_backward_below(l, &sf->rows[i], io.in[0], io.dout, io.din[0],
						    al->bound[i], al->seg[i], o, sf->sp_scratch);
			al->below_part[(size_t)i * (size_t)al->teams] =
				(struct score_below_part){ .at = at, .n = o->n - at };
			sf->counts->sparse_below++;
			continue;
		}
		if (sf->sparse[i])
			/* Writes every listed entry's gradient: no zeroing. */
			score_sparse_backward(l, &sf->rows[i], io.in[0], io.dout, io.din[0],
					      sf->gbuf, sf->sp_scratch);
		else
			l->ops->backward(&c, &io);
		if (prunable)
			score_alive_layer(al, i, sf->gbuf, score_param_offset(net, l->w), kind);
	}
}

/* Whether the scores s of a layer (top digits lh, z of them 0) keep their
 * exact value and their top digit moves by SCORE_EXP_BINS * sh when scaled
 * by f = 2^sh (sh < 0): f is normal, every nonzero s is normal and stays
 * so, and none is infinite or NaN. */
static bool score_shift_exact(const uint32_t *lh, size_t z, int sh)
{
	if (sh < FLT_MIN_EXP - 1 || lh[0] != z)
		return false;
	uint32_t lo = SCORE_HALF_BINS, hi = 0;
	for (uint32_t b = 1; b < SCORE_HALF_BINS; b++) {
		if (lh[b]) {
			lo = b < lo ? b : lo;
			hi = b;
		}
	}
	if (lo == SCORE_HALF_BINS)
		return true; /* all zero */
	return lo >= SCORE_EXP_BINS &&
	       (int)lo + SCORE_EXP_BINS * sh >= SCORE_EXP_BINS &&
	       hi < SCORE_HALF_BINS - SCORE_EXP_BINS;
}

/* After the backward: bring every layer's scores to the pass's common
 * exponent (the largest weight-gradient exponent), through al->f where
 * that is exact and in place otherwise, and (hist wanted) sum the top
 * digits of all listed scores into al->hist.  Raw products stay below 2^90
 * (normalised tensors), so the shift to the common exponent only ever
 * goes down. */
static void score_synflow_scale(struct net *net, const struct score_synflow *sf,
				struct score_alive *al, bool hist)
{
	const int ew = al->ew;
	uint32_t *h = al->hist;
	if (hist)
		memset(h, 0, SCORE_TOP_BINS * sizeof *h);
	const uint32_t zb = score_key(0.0f) >> SCORE_LOW_BITS;
	float *s = al->s;
	const float *w = al->w;
	for (int i = 0; i < net->n_layers; i++) {
		al->f[i] = 1.0f;
		if (!score_layer_is_prunable(&net->layers[i]))
			continue;
		const size_t a = al->seg[i], e = al->seg[i + 1];
		const int sh = sf->dset[i] ? sf->wexp[i] - ew : -1000;
		if (sh < -300) {
			/* Far below the rest (or no gradient at all): 0. */
			size_t z = 0;
			for (size_t j = a; j < e; j++) {
				s[j] = w[j] * 0.0f; /* -0 if dead */
				z += w[j] > 0.0f;
			}
			if (hist)
				h[zb] += (uint32_t)z;
			continue;
		}
		const uint32_t *lh = al->lhist + (size_t)i * SCORE_HALF_BINS;
		if (sh == 0) {
			if (hist)
				for (uint32_t b = 0; b < SCORE_HALF_BINS; b++)
					h[SCORE_HALF_BINS + b] += lh[b];
			continue;
		}
		if (hist && score_shift_exact(lh, al->zeros[i], sh)) {
			al->f[i] = ldexpf(1.0f, sh);
			h[zb] += (uint32_t)al->zeros[i];
			for (uint32_t b = SCORE_EXP_BINS; b < SCORE_HALF_BINS; b++)
				if (lh[b])
					h[(int)(SCORE_HALF_BINS + b) + SCORE_EXP_BINS * sh] += lh[b];
			continue;
		}
		if (sh >= FLT_MIN_EXP - 1) {
			const float f = ldexpf(1.0f, sh);
			for (size_t j = a; j < e; j++)
				s[j] *= f;
		} else {
			for (size_t j = a; j < e; j++)
				s[j] = scalbnf(s[j], sh);
		}
		if (hist)
			for (size_t j = a; j < e; j++)
				if (!signbit(s[j]))
					h[score_key(s[j]) >> SCORE_LOW_BITS]++;
	}
}

/* Which layers run this pass on their listed weights (score_sparse_pays
 * on the list as it stands), with their rows. */
static void score_synflow_sparse_plan(const struct net *net, struct score_synflow *sf,
				      const struct score_alive *al)
{
	size_t *start = sf->starts;
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		sf->sparse[i] = false;
		if (!score_sparse_eligible(l))
			continue;
		size_t a = al->seg[i], e = al->seg[i + 1];
		struct score_rows *r = &sf->rows[i];
		r->idx = al->idx + a;
		r->w = al->w + a;
		r->n = e - a;
		r->off = score_param_offset(net, l->w);
		r->start = start;
		start += (size_t)l->out.c + 1;
		if (!score_sparse_pays(l, r->n))
			continue;
		score_sparse_rows(r, l->out.c, l->w_len / (size_t)l->out.c);
		sf->sparse[i] = true;
	}
}

/* The pass's common exponent: the largest weight-gradient exponent of a
 * prunable layer that has a gradient. */
static int score_pass_exponent(const struct net *net, const struct score_synflow *sf)
{
	int ew = INT32_MIN;
	for (int i = 0; i < net->n_layers; i++)
		if (score_layer_is_prunable(&net->layers[i]) && sf->dset[i] &&
		    sf->wexp[i] > ew)
			ew = sf->wexp[i];
	return ew;
}

/* The backward half of score_synflow_pass (the forward's activations in
 * place): also the full pass that follows a missed SCORE_PASS_BELOW. */
static void score_synflow_pass_backward(struct net *net, struct score_synflow *sf,
					struct score_alive *al, enum score_pass_kind kind)
{
	score_synflow_backward(net, sf, al, kind);
	al->ew = score_pass_exponent(net, sf);
	if (kind != SCORE_PASS_BELOW)
		score_synflow_scale(net, sf, al, kind == SCORE_PASS_FULL);
}

/* One SynFlow pass on the current (|w|, masked) params.  SCORE_PASS_LAST
 * and _FULL: the scores of the listed weights (al->f times al->s), all
 * scaled by one power of two, and (_FULL) the histogram of their keys' top
 * SCORE_TOP_BITS bits in al->hist.  SCORE_PASS_BELOW: the entries below
 * their layer's bound, unscaled, in al->below (score_synflow_select_below
 * scales them). */
static void score_synflow_pass(struct net *net, struct score_synflow *sf,
			       struct score_alive *al, enum score_pass_kind kind)
{
	score_synflow_sparse_plan(net, sf, al);
	score_synflow_forward(net, sf);
	score_synflow_pass_backward(net, sf, al, kind);
}

/* Write the listed scores into the full scores array (zero elsewhere) and
 * scale them so the largest is in [1, 2). */
static void score_synflow_finish(struct net *net, const struct score_alive *al,
				 float *scores)
{
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (score_layer_is_prunable(l))
			memset(scores + score_param_offset(net, l->w), 0,
			       l->w_len * sizeof *scores);
	}
	float mx = 0.0f;
	for (int i = 0; i < net->n_layers; i++) {
		const float f = al->f[i];
		for (size_t j = al->seg[i]; j < al->seg[i + 1]; j++) {
			float v = al->s[j] * f;
			v = v > 0.0f ? v : 0.0f; /* dead: -0 */
			scores[al->idx[j]] = v;
			mx = v > mx ? v : mx;
		}
	}
	if (!(mx > 0.0f))
		return;
	int e = ilogbf(mx);
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (score_layer_is_prunable(l))
			score_scale(scores + score_param_offset(net, l->w), l->w_len, -e);
	}
}

/* The rare step whose threshold is a score of 0: then some weights scoring
 * 0 are kept, the lowest indices first, and those may be weights pruned
 * earlier.  Walk every prunable weight in index order (unlisted and dead
 * ones score 0), set the params, and rebuild the list. */
static void score_synflow_select_zero(struct net *net, struct score_alive *al,
				      uint32_t thr, size_t ties, const float *wabs)
{
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		size_t off = score_param_offset(net, l->w);
		size_t pos = al->seg[i], end = al->seg[i + 1];
		for (size_t j = 0; j < l->w_len; j++) {
			float sc = 0.0f;
			if (pos < end && al->idx[pos] == off + j) {
				sc = al->s[pos++] * al->f[i];
				sc = sc > 0.0f ? sc : 0.0f;
			}
			uint32_t k = score_key(sc);
			bool kept = k > thr;
			if (!kept && k == thr && ties > 0) {
				kept = true;
				ties--;
			}
			l->w[j] = kept ? wabs[off + j] : 0.0f;
		}
	}
	score_alive_build(net, al);
}

/* The step's pruned entries (live, top digit below b) into al->pruned and
 * its candidates (top digit b) into al->cand, each in index order; *m and
 * *nc their counts.  On a team of nt threads, thread t scans the t-th
 * part of the list into its own part of al->pruned (it never appends
 * more than it scans) and into al->cand + t * per, and the parts are
 * then joined in order: the same result on any number of threads. */
static void score_alive_collect(const struct net *net, struct score_alive *al, uint32_t b,
				int nt, size_t per, size_t *m, size_t *nc)
{
	(void)nt; /* only in OpenMP clauses */
	const size_t n = al->n;
	const bool vector = al->vector;
	size_t *part_m = al->parts, *part_c = al->parts + al->teams;
	size_t parts = 1;
	SCORE_OMP("omp parallel num_threads(nt) if(nt > 1)")
	{
		const size_t th = (size_t)threads_team_index(), nth = (size_t)threads_team_size();
		const size_t j0 = n * th / nth, j1 = n * (th + 1) / nth;
		struct score_collected got = { .pruned = al->pruned + j0,
					       .cand = al->cand + th * per };
		for (int i = 0; i < net->n_layers; i++) {
			const size_t a = al->seg[i] > j0 ? al->seg[i] : j0;
			const size_t e = al->seg[i + 1] < j1 ? al->seg[i + 1] : j1;
			if (a < e)
				score_collect(al->s, a, e, al->f[i], b, &got, vector);
		}
		part_m[th] = got.m;
		part_c[th] = got.nc;
		if (th == 0)
			parts = nth;
	}
	size_t mm = part_m[0], cc = part_c[0];
	for (size_t t = 1; t < parts; t++) {
		memmove(al->pruned + mm, al->pruned + n * t / parts, part_m[t] * sizeof *al->pruned);
		memmove(al->cand + cc, al->cand + t * per, part_c[t] * sizeof *al->cand);
		mm += part_m[t];
		cc += part_c[t];
	}
	*m = mm;
	*nc = cc;
}

/* The top digit of the boundary bin: the bin of hist that holds the
 * keep-th highest key, counting *above keys known to lie above every bin
 * first.  *above becomes the count of keys above the bin.  keep = 0:
 * SCORE_TOP_BINS (nothing is kept, nothing is a candidate). */
static uint32_t score_boundary_bin(const uint32_t *hist, size_t keep, size_t *above)
{
	if (keep == 0)
		return SCORE_TOP_BINS;
	uint32_t b = SCORE_TOP_BINS - 1;
	for (; b > 0; b--) {
		if (*above + hist[b] >= keep)
			break;
		*above += hist[b];
	}
	return b;
}

/* Room in al->cand for need candidates. */
static enum eng_status score_cand_reserve(struct score_alive *al, size_t need,
					  struct eng_err *err)
{
	if (need <= al->cand_cap)
		return ENG_STATUS_OK;
	struct score_cand *c = realloc(al->cand, need * sizeof *c);
	if (!c)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory for SynFlow");
	al->cand = c;
	al->cand_cap = need;
	return ENG_STATUS_OK;
}

/* The threshold key of the boundary bin b, from the rest of the key in two
 * digits over its nc candidates (in index order) and over the `zeros`
 * unlisted weights of score 0 if they share the bin; `above` keys lie
 * above the bin.  *ties: how many keys equal to the threshold are kept
 * (the lowest indices first, score_mask_global's rule). */
static uint32_t score_threshold(const struct score_cand *cand, size_t nc, uint32_t b,
				size_t above, size_t keep, size_t zeros, uint32_t *hist2,
				size_t *ties)
{
	const uint32_t key0 = score_key(0.0f);
	uint32_t thr = b << SCORE_LOW_BITS;
	for (int d = 1; d >= 0; d--) {
		int shift = SCORE_LOW_DIGIT * d;
		memset(hist2, 0, SCORE_LOW_BINS * sizeof *hist2);
		uint32_t hi_mask = ~0u << (shift + SCORE_LOW_DIGIT);
		for (size_t c = 0; c < nc; c++)
			if ((cand[c].key & hi_mask) == (thr & hi_mask))
				hist2[(cand[c].key >> shift) & (SCORE_LOW_BINS - 1)]++;
		if ((key0 & hi_mask) == (thr & hi_mask))
			hist2[(key0 >> shift) & (SCORE_LOW_BINS - 1)] += (uint32_t)zeros;
		uint32_t v = SCORE_LOW_BINS - 1;
		for (; v > 0; v--) {
			if (above + hist2[v] >= keep)
				break;
			above += hist2[v];
		}
		thr |= v << shift;
	}
	*ties = keep - above;
	return thr;
}

/* Append the candidates that threshold thr (with ties kept) does not
 * keep to pr[*m...]. */
static void score_cand_pruned(const struct score_cand *cand, size_t nc, uint32_t thr,
			      size_t ties, uint32_t *pr, size_t *m)
{
	for (size_t c = 0; c < nc; c++) {
		bool kept = cand[c].key > thr;
		if (!kept && cand[c].key == thr && ties > 0) {
			kept = true;
			ties--;
		}
		if (!kept)
			pr[(*m)++] = cand[c].pos;
	}
}

/* Prune the m entries al->pruned names (param and w set to 0; the list is
 * compacted once a quarter of it is dead). */
static void score_alive_prune(struct net *net, struct score_alive *al, size_t m)
{
	const uint32_t *pr = al->pruned;
	/* ~2 % of the list, each in a cache line of its own in params and
	 * in w: prefetched (for writing) far enough ahead that the misses
	 * overlap, the index two steps ahead of the param it names. */
	for (size_t j = 0; j < m; j++) {
		if (j + 2 * SCORE_PRUNE_AHEAD < m)
			__builtin_prefetch(&al->idx[pr[j + 2 * SCORE_PRUNE_AHEAD]], 0, 0);
		if (j + SCORE_PRUNE_AHEAD < m) {
			__builtin_prefetch(&net->params[al->idx[pr[j + SCORE_PRUNE_AHEAD]]], 1, 0);
			__builtin_prefetch(&al->w[pr[j + SCORE_PRUNE_AHEAD]], 1, 0);
		}
		net->params[al->idx[pr[j]]] = 0.0f;
		al->w[pr[j]] = -0.0f;
	}
	al->live -= m;
	if (al->n - al->live > al->n / 4)
		score_alive_compact(net, al);
}

/* The next pass's bound from this step's threshold key thr (at exponent
 * al->ew; none when the threshold is 0 or unknown): the threshold moved
 * as it moved in this step, times margin.  On VGG-16 it moves smoothly:
 * up by 2x, 1.5x, 1.3x... in the steps after the zeros are gone, then
 * down by 5-9 % a step, the factor changing by under 1 % from one step
 * to the next. */
static void score_predict_next(struct score_alive *al, bool known, uint32_t thr,
			       double margin)
{
	const float t = score_key_value(thr);
	if (!known || !(t > 0.0f)) {
		al->pred = 0.0f;
		return;
	}
	double trend = 1.0;
	if (al->pred > 0.0f) {
		trend = ldexp((double)t, al->ew - al->pred_e) / (double)al->pred;
		trend = trend < 1.0 / 16 ? 1.0 / 16 : trend > 16.0 ? 16.0 : trend;
	}
	al->margin = margin * trend;
	al->pred = t;
	al->pred_e = al->ew;
}

/* The SynFlow step's mask, applied straight to the params: keep the `keep`
 * highest scores among the n_prunable weights (ties to the lower index,
 * exactly score_mask_global's rule), i.e. params = kept ? |w| : 0.  The
 * top-digit histogram comes from a full pass over the listed weights;
 * the unlisted and dead ones score 0.  One pass over the list collects
 * the live entries below the boundary bin (pruned) and those in it
 * (candidates, in index order), which two more radix digits over the
 * candidates alone resolve; the pruned then die (param and w set to 0). */
static enum eng_status score_synflow_select(struct net *net, struct score_alive *al,
					    size_t keep, size_t n_prunable,
					    const float *wabs, double margin,
					    struct eng_err *err)
{
	const uint32_t key0 = score_key(0.0f);
	const size_t zeros = n_prunable - al->live; /* unlisted or dead: score 0 */
	uint32_t *hist = al->hist;
	hist[key0 >> SCORE_LOW_BITS] += (uint32_t)zeros;
	size_t above = 0;
	const uint32_t b = score_boundary_bin(hist, keep, &above);
	/* Room for each thread's candidates and the slots written past them. */
	const int nt = score_team(al, al->n);
	const size_t per = (keep == 0 ? 0 : hist[b]) + SCORE_COLLECT_SLACK;
	enum eng_status st = score_cand_reserve(al, per * (size_t)nt, err);
	if (st != ENG_STATUS_OK)
		return st;
	size_t nc = 0, m = 0;
	score_alive_collect(net, al, b, nt, per, &m, &nc);
	bool known = false;
	uint32_t thr = 0;
	if (keep > 0 && nc + (b == (key0 >> SCORE_LOW_BITS) ? zeros : 0) > 0) {
		size_t ties;
		thr = score_threshold(al->cand, nc, b, above, keep, zeros,
				      al->hist + SCORE_TOP_BINS, &ties);
		known = true;
		if (thr == key0) {
			score_synflow_select_zero(net, al, thr, ties, wabs);
			score_predict_next(al, false, thr, margin);
			return ENG_STATUS_OK;
		}
		score_cand_pruned(al->cand, nc, thr, ties, al->pruned, &m);
	}
	score_alive_prune(net, al, m);
	score_predict_next(al, known, thr, margin);
	return ENG_STATUS_OK;
}

/* x * 2^sh to the bit as score_synflow_scale computes it (sh <= 0; f is
 * 2^sh where that is a normal float). */
static float score_shifted(float x, int sh, float f)
{
	return sh >= FLT_MIN_EXP - 1 ? x * f : scalbnf(x, sh);
}

/* A SCORE_PASS_BELOW pass's selection: score_synflow_select's, from the
 * entries below their layers' bounds alone.  Every other listed entry
 * scores at least its layer's bound, so when all bounds lie above the
 * boundary bin (and the threshold is not 0), the entries below them hold
 * every pruned entry and every candidate, in the same order, and the step
 * prunes exactly what score_synflow_select would.  *done false: they do
 * not (params and list untouched; the caller runs a full pass).  Both
 * selections end with score_predict_next(margin). */
static enum eng_status score_synflow_select_below(struct net *net,
						  const struct score_synflow *sf,
						  struct score_alive *al, size_t keep,
						  size_t n_prunable, double margin,
						  bool *done, struct eng_err *err)
{
	*done = false;
	const uint32_t key0 = score_key(0.0f), zb = key0 >> SCORE_LOW_BITS;
	const size_t teams = (size_t)al->teams;
	if (keep == 0)
		return ENG_STATUS_OK;
	for (size_t t = 0; t < teams; t++)
		if (al->below[t].full)
			return ENG_STATUS_OK;
	/* Every listed layer's scale to the common exponent, and the lowest
	 * top digit of any bound. */
	uint32_t lowest = SCORE_TOP_BINS;
	for (int i = 0; i < net->n_layers; i++) {
		if (!score_layer_is_prunable(&net->layers[i]) || al->seg[i] == al->seg[i + 1])
			continue;
		const int sh = sf->wexp[i] - al->ew;
		if (!sf->dset[i] || sh < -300)
			return ENG_STATUS_OK; /* scored 0 by score_synflow_scale */
		/* al->f: score_shifted's factor (this pass kept no s). */
		al->f[i] = sh >= FLT_MIN_EXP - 1 ? ldexpf(1.0f, sh) : 0.0f;
		const uint32_t tb = score_key(score_shifted(al->bound[i], sh, al->f[i])) >>
				    SCORE_LOW_BITS;
		lowest = tb < lowest ? tb : lowest;
	}
	/* Keys of every entry found (in place of its score) and their top
	 * digits.  The entries crowd into the few bins just above the last
	 * threshold: SCORE_HIST_WAYS histograms (al->ways, all 0 here), so
	 * that runs of one bin do not serialise on one counter. */
	uint32_t *hist = al->hist, *ways = al->ways;
	memset(hist, 0, SCORE_TOP_BINS * sizeof *hist);
	size_t found = 0;
	for (int i = 0; i < net->n_layers; i++) {
		if (!score_layer_is_prunable(&net->layers[i]) || al->seg[i] == al->seg[i + 1])
			continue;
		const int sh = sf->wexp[i] - al->ew;
		const float f = al->f[i];
		for (size_t t = 0; t < teams; t++) {
			struct score_below *o = &al->below[t];
			const struct score_below_part p = al->below_part[(size_t)i * teams + t];
			for (size_t k = p.at; k < p.at + p.n; k++) {
				const uint32_t key = score_key(score_shifted(o->s[k], sh, f));
				memcpy(&o->s[k], &key, sizeof key);
				ways[(k % SCORE_HIST_WAYS) * SCORE_TOP_BINS + (key >> SCORE_LOW_BITS)]++;
			}
			found += p.n;
		}
	}
	for (size_t u = 0; u < SCORE_HIST_WAYS; u++) {
		uint32_t *hu = ways + u * SCORE_TOP_BINS;
		for (uint32_t b = SCORE_HALF_BINS; b < SCORE_TOP_BINS; b++) {
			hist[b] += hu[b];
			hu[b] = 0;
		}
	}
	const size_t zeros = n_prunable - al->live;
	hist[zb] += (uint32_t)zeros;
	size_t above = al->live - found; /* at or above their bounds */
	if (above >= keep)
		return ENG_STATUS_OK;
	/* When the bounds lie at or below the threshold, the entries at or
	 * above them number keep or more: caught above.  The top-digit test
	 * also covers ties that the shift to the common exponent could make
	 * (subnormal scores) between an entry below its bound and one at or
	 * above another's. */
	const uint32_t b = score_boundary_bin(hist, keep, &above);
	if (b >= lowest || b == zb)
		return ENG_STATUS_OK;
	enum eng_status st = score_cand_reserve(al, hist[b] + 1, err);
	if (st != ENG_STATUS_OK)
		return st;
	/* The pruned and the candidates, in list order: layer by layer, each
	 * layer's threads in order.  Appended without branches (which goes
	 * where is unpredictable), so each array has a slot past its last. */
	size_t m = 0, nc = 0;
	for (int i = 0; i < net->n_layers; i++) {
		for (size_t t = 0; t < teams; t++) {
			const struct score_below *o = &al->below[t];
			const struct score_below_part p = al->below_part[(size_t)i * teams + t];
			for (size_t k = p.at; k < p.at + p.n; k++) {
				uint32_t key;
				memcpy(&key, &o->s[k], sizeof key);
				const uint32_t top = key >> SCORE_LOW_BITS;
				al->pruned[m] = o->pos[k];
				m += top < b;
				al->cand[nc] = (struct score_cand){ .key = key, .pos = o->pos[k] };
				nc += top == b;
			}
		}
	}
	size_t ties;
	const uint32_t thr = score_threshold(al->cand, nc, b, above, keep, zeros,
					     al->hist + SCORE_TOP_BINS, &ties);
	score_cand_pruned(al->cand, nc, thr, ties, al->pruned, &m);
	score_alive_prune(net, al, m);
	score_predict_next(al, true, thr, margin);
	*done = true;
	return ENG_STATUS_OK;
}

void synflow_tuning_default(struct synflow_tuning *t)
{
	*t = (struct synflow_tuning){ .predict = true, .margin = 1.06 };
}

enum eng_status score_synflow(struct score_run *run, float *scores)
{
	struct synflow_tuning t;
	synflow_tuning_default(&t);
	return score_synflow_tuned(run, scores, &t, NULL);
}

enum eng_status score_synflow_tuned(struct score_run *run, float *scores,
				    const struct synflow_tuning *tuning,
				    struct synflow_counts *counts)
{
	struct synflow_counts no_counts;
	counts = counts ? counts : &no_counts;
	*counts = (struct synflow_counts){ 0 };
	struct net *net = run->net;
	const struct score_options *opt = run->opt;
	enum eng_status st = score_prepare(net, 1, run->err);
	if (st != ENG_STATUS_OK)
		return st;
	size_t nl = (size_t)net->n_layers, amax = 0, pmax = 1, jmax = 1, gmax = 1;
	size_t n_starts = 1, spmax = 1;
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		size_t a = score_act_len(net, i, 1);
		amax = a > amax ? a : amax;
		size_t p = l->b_len > l->state_len ? l->b_len : l->state_len;
		p += l->state_len;
		pmax = p > pmax ? p : pmax;
		if (!score_layer_is_prunable(l)) {
			size_t jn = l->w_len > l->b_len ? l->w_len : l->b_len;
			jmax = jn > jmax ? jn : jmax;
		} else {
			gmax = l->w_len > gmax ? l->w_len : gmax;
		}
		if (score_sparse_eligible(l)) {
			n_starts += (size_t)l->out.c + 1;
			size_t sp = score_sparse_scratch(l);
			spmax = sp > spmax ? sp : spmax;
		}
	}
	struct score_synflow sf = { .counts = counts };
	size_t nin = shape_size(net->input);
	sf.exp = calloc(nl, sizeof *sf.exp);
	sf.dexp = calloc(nl, sizeof *sf.dexp);
	sf.wexp = calloc(nl, sizeof *sf.wexp);
	sf.dset = calloc(nl, sizeof *sf.dset);
	sf.ones = malloc((nin + amax + pmax + jmax + gmax + SCORE_SCAN_SLACK) * sizeof(float));
	sf.sparse = calloc(nl, sizeof *sf.sparse);
	sf.rows = calloc(nl, sizeof *sf.rows);
	sf.starts = malloc(n_starts * sizeof *sf.starts);
	sf.sp_scratch = malloc(spmax * sizeof *sf.sp_scratch);
	size_t n_prunable = score_prunable_count(net);
	/* The arrays as long as the params (300 MB of fresh pages on vgg16
	 * otherwise) are one block that the net keeps between calls: the
	 * explorer scores again after every m/s/r, and GraSP's block is
	 * larger still, so after GraSP this costs nothing more. */
	size_t n_block = net->n_params + 3 * n_prunable +
			 (n_prunable + SCORE_COLLECT_SLACK);
	float *block = net->n_params < UINT32_MAX ? net_workspace(net, n_block) : NULL;
	float *wabs = block;
	struct score_alive al = { 0 };
	if (block) {
		al.idx = (uint32_t *)(block + net->n_params);
		al.w = block + net->n_params + n_prunable;
		al.s = block + net->n_params + 2 * n_prunable;
		al.pruned = (uint32_t *)(block + net->n_params + 3 * n_prunable);
	}
	al.seg = malloc((nl + 1) * sizeof *al.seg);
	al.f = malloc(nl * sizeof *al.f);
	al.hist = malloc((SCORE_TOP_BINS + SCORE_LOW_BINS) * sizeof *al.hist);
	al.teams = threads_for_work(1, 0);
	sf.threads = al.teams;
	const int blas_saved = threads_blas_serial_begin();
	al.parts = malloc(2 * (size_t)al.teams * sizeof *al.parts);
	al.ways = calloc((size_t)al.teams * SCORE_HIST_WAYS * SCORE_TOP_BINS, sizeof *al.ways);
	al.lhist = malloc(nl * SCORE_HALF_BINS * sizeof *al.lhist);
	al.zeros = malloc(nl * sizeof *al.zeros);
	al.below = calloc((size_t)al.teams, sizeof *al.below);
	al.below_part = calloc(nl * (size_t)al.teams, sizeof *al.below_part);
	al.bound = calloc(nl, sizeof *al.bound);
	al.vector = score_collect_vector_available();
	if (net->n_params >= UINT32_MAX) {
		st = eng_err_set(run->err, ENG_STATUS_EINVAL,
				 "%s: too many parameters for SynFlow", net->name);
		goto out;
	}
	if (!sf.exp || !sf.dexp || !sf.wexp || !sf.dset || !sf.ones || !wabs ||
	    !sf.sparse || !sf.rows || !sf.starts || !sf.sp_scratch ||
	    !al.idx || !al.w || !al.s || !al.pruned || !al.seg || !al.f || !al.hist ||
	    !al.parts || !al.ways || !al.lhist || !al.zeros || !al.below || !al.below_part ||
	    !al.bound) {
		st = eng_err_set(run->err, ENG_STATUS_ENOMEM, "out of memory for SynFlow");
		goto out;
	}
	/* A pass below bounds writes no scores: its entries go to s's
	 * storage, half scores and half positions, a part for each thread. */
	const size_t below_cap = n_prunable / 2 / (size_t)al.teams;
	for (int t = 0; t < al.teams; t++) {
		al.below[t].s = al.s + (size_t)t * below_cap;
		al.below[t].pos = (uint32_t *)(al.s + n_prunable / 2) + (size_t)t * below_cap;
		al.below[t].cap = below_cap;
	}
	sf.tmp = sf.ones + nin;
	sf.pbuf = sf.tmp + amax;
	sf.junk = sf.pbuf + pmax;
	sf.gbuf = sf.junk + jmax;
	for (size_t j = 0; j < nin; j++)
		sf.ones[j] = 1.0f;
	for (size_t j = 0; j < net->n_params; j++)
		wabs[j] = fabsf(net->params[j]);
	/* Running means too, as Tanaka et al.'s linearize() takes |x| of the
	 * whole state dict (variances are already positive). */
	for (size_t j = 0; j < net->n_state; j++)
		net->state[j] = fabsf(net->state[j]);
	memcpy(net->params, wabs, net->n_params * sizeof(float));
	score_alive_build(net, &al);
	int iters = opt->sparsity > 0.0 ? opt->synflow_iterations : 1;
	for (int k = 1; k <= iters; k++) {
		if (score_aborted(run)) {
			st = score_abort_status(run);
			goto out;
		}
		/* As score_mask_global(1 - density) would keep. */
		const double density = pow(1.0 - opt->sparsity, (double)k / iters);
		const size_t keep = score_mask_kept_count(n_prunable, 1.0 - density);
		const bool last = k == iters;
		const bool below = !last && tuning->predict && al.pred > 0.0f;
		score_synflow_pass(net, &sf, &al, last ? SCORE_PASS_LAST :
					    below ? SCORE_PASS_BELOW : SCORE_PASS_FULL);
		bool done = last; /* the last pass selects nothing */
		if (below) {
			st = score_synflow_select_below(net, &sf, &al, keep, n_prunable,
							tuning->margin, &done, run->err);
			if (st != ENG_STATUS_OK)
				goto out;
			counts->below += done;
			counts->missed += !done;
			if (!done) /* the same pass's backward again, scoring all */
				score_synflow_pass_backward(net, &sf, &al, SCORE_PASS_FULL);
		}
		if (!done) {
			counts->full++;
			st = score_synflow_select(net, &al, keep, n_prunable, wabs, tuning->margin,
						  run->err);
			if (st != ENG_STATUS_OK)
				goto out;
		}
		score_step(run);
	}
	score_synflow_finish(net, &al, scores);
out:
	free(sf.exp);
	free(sf.dexp);
	free(sf.wexp);
	free(sf.dset);
	free(sf.ones);
	free(sf.sparse);
	free(sf.rows);
	free(sf.starts);
	free(sf.sp_scratch);
	free(al.seg);
	free(al.f);
	free(al.hist);
	free(al.parts);
	free(al.ways);
	free(al.lhist);
	free(al.zeros);
	free(al.cand);
	free(al.below);
	free(al.below_part);
	free(al.bound);
	threads_blas_serial_end(blas_saved);
	return st;
}
