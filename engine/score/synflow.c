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
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "score/score.h"
#include "score/score_internal.h"

/* SynFlow's selection key: topk.h's key for a score known to be >= 0 and
 * not NaN (|w g|), i.e. the float's bits with the sign bit set, without
 * the branches. */
static inline uint32_t score_key_pos(float s)
{
	uint32_t u;
	memcpy(&u, &s, sizeof u);
	return u | 0x80000000u;
}

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
};

static int score_normalise(float *x, size_t n)
{
	float mx = 0.0f;
	for (size_t i = 0; i < n; i++) {
		float a = fabsf(x[i]);
		if (a > mx)
			mx = a;
	}
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
				       .cache = net->cache[i], .scratch = net->scratch };
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
		l->ops->forward(&c, &io);
		sf->exp[i] = eo + score_normalise(net->act[i], score_act_len(net, i, 1));
	}
}

static void score_synflow_backward(struct net *net, struct score_synflow *sf)
{
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
	net_zero_grad(net);
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
				       .scratch = net->scratch };
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
		if (score_layer_is_prunable(l)) {
			c.b = NULL;
			c.db = NULL;
			c.b_len = 0;
			sf->wexp[i] = big + ein;
		} else {
			c.dw = c.w_len ? sf->junk : NULL;
			c.db = c.b_len ? sf->junk : NULL;
		}
		if (l->kind == LAYER_KIND_RELU)
			c.conf.clip = 0.0f;
		l->ops->backward(&c, &io);
	}
}

#define SCORE_TOP_BITS 12           /* first radix digit of the selection */
#define SCORE_TOP_BINS (1u << SCORE_TOP_BITS)
#define SCORE_LOW_BITS (32 - SCORE_TOP_BITS)
#define SCORE_HIST_WAYS 4           /* interleaved copies of the top histogram */

struct score_cand {
	uint32_t key;
	uint32_t pos;   /* entry of the alive list */
};

/* The weights SynFlow still keeps, in param order: their indices, |w| and
 * scores.  Every other prunable weight is 0 in net->params and so scores
 * exactly 0, which is all the per-step passes need to know about it: they
 * walk this list only, and the list shrinks with the density (to 10 % at
 * s = 0.9; 39 % on average over the schedule).  A weight with w = 0 is
 * never listed (it scores 0 whether kept or not). */
struct score_alive {
	uint32_t *idx;
	float *w;
	float *s;
	size_t n;
	size_t *seg;            /* per layer: its first entry; n_layers + 1 */
	uint32_t *pruned;       /* scratch: the indices a step prunes */
	uint32_t *hist;         /* SCORE_HIST_WAYS * SCORE_TOP_BINS + 1024 */
	struct score_cand *cand;
	size_t cand_cap;
};

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
}

/* One SynFlow pass on the current (|w|, masked) params: the scores of the
 * listed weights into al->s, all scaled by one power of two, and (hist
 * wanted) the histogram of their keys' top SCORE_TOP_BITS bits in al->hist. */
static void score_synflow_pass(struct net *net, struct score_synflow *sf,
			       struct score_alive *al, bool hist_wanted)
{
	score_synflow_forward(net, sf);
	score_synflow_backward(net, sf);
	int ew = INT32_MIN;
	for (int i = 0; i < net->n_layers; i++)
		if (score_layer_is_prunable(&net->layers[i]) && sf->dset[i] &&
		    sf->wexp[i] > ew)
			ew = sf->wexp[i];
	uint32_t *h = al->hist;
	if (hist_wanted)
		memset(h, 0, SCORE_HIST_WAYS * SCORE_TOP_BINS * sizeof *h);
	const float *g = net->grads;
	for (int i = 0; i < net->n_layers; i++) {
		if (!score_layer_is_prunable(&net->layers[i]))
			continue;
		size_t a = al->seg[i], e = al->seg[i + 1];
		const uint32_t *idx = al->idx;
		const float *w = al->w;
		float *s = al->s;
		/* Raw products stay below 2^90 (normalised tensors), so the
		 * shift to the common exponent only ever goes down. */
		int sh = sf->dset[i] ? sf->wexp[i] - ew : -1000;
		if (sh < -300) {
			memset(s + a, 0, (e - a) * sizeof *s);
			if (hist_wanted)
				h[score_key_pos(0.0f) >> SCORE_LOW_BITS] += (uint32_t)(e - a);
		} else if (sh >= FLT_MIN_EXP - 1) {
			const float f = ldexpf(1.0f, sh);
			size_t j = a;
			if (hist_wanted) {
				/* Four histograms, so that runs of equal bins
				 * do not serialise on one counter. */
				for (; j + 4 <= e; j += 4) {
					for (size_t u = 0; u < 4; u++)
						s[j + u] = fabsf(w[j + u] * g[idx[j + u]]) * f;
					for (size_t u = 0; u < 4; u++)
						h[u * SCORE_TOP_BINS +
						  (score_key_pos(s[j + u]) >> SCORE_LOW_BITS)]++;
				}
				for (; j < e; j++) {
					s[j] = fabsf(w[j] * g[idx[j]]) * f;
					h[score_key_pos(s[j]) >> SCORE_LOW_BITS]++;
				}
			} else {
				for (; j < e; j++)
					s[j] = fabsf(w[j] * g[idx[j]]) * f;
			}
		} else {
			for (size_t j = a; j < e; j++) {
				s[j] = scalbnf(fabsf(w[j] * g[idx[j]]), sh);
				if (hist_wanted)
					h[score_key_pos(s[j]) >> SCORE_LOW_BITS]++;
			}
		}
	}
	if (hist_wanted)
		for (uint32_t b = 0; b < SCORE_TOP_BINS; b++)
			for (int u = 1; u < SCORE_HIST_WAYS; u++)
				h[b] += h[(size_t)u * SCORE_TOP_BINS + b];
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
	for (size_t j = 0; j < al->n; j++) {
		scores[al->idx[j]] = al->s[j];
		mx = al->s[j] > mx ? al->s[j] : mx;
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
 * earlier.  Walk every prunable weight in index order (unlisted ones score
 * 0), set the params, and rebuild the list. */
static void score_synflow_select_zero(struct net *net, struct score_alive *al,
				      uint32_t thr, size_t ties, const float *wabs)
{
	size_t pos = 0;
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		size_t off = score_param_offset(net, l->w);
		for (size_t j = 0; j < l->w_len; j++) {
			float sc = 0.0f;
			if (pos < al->n && al->idx[pos] == off + j)
				sc = al->s[pos++];
			uint32_t k = score_key_pos(sc);
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

/* The SynFlow step's mask, applied straight to the params: keep the `keep`
 * highest scores among the n_prunable weights (ties to the lower index,
 * exactly score_mask_global's rule), i.e. params = kept ? |w| : 0.  The
 * top-digit histogram comes from score_synflow_pass over the listed
 * weights; the unlisted ones score 0.  Listed weights in the boundary bin
 * are collected (in index order) and resolved with two more radix digits
 * over them alone; the pruned ones are then zeroed in the params and
 * dropped from the list in one compaction pass. */
static enum eng_status score_synflow_select(struct net *net, struct score_alive *al,
					    size_t keep, size_t n_prunable,
					    const float *wabs, struct eng_err *err)
{
	const uint32_t key0 = score_key_pos(0.0f);
	const size_t zeros = n_prunable - al->n; /* unlisted: score 0 */
	uint32_t *hist = al->hist, *hist2 = al->hist + SCORE_HIST_WAYS * SCORE_TOP_BINS;
	hist[key0 >> SCORE_LOW_BITS] += (uint32_t)zeros;
	size_t above = 0;
	uint32_t b = SCORE_TOP_BINS - 1;
	for (; b > 0; b--) {
		if (above + hist[b] >= keep)
			break;
		above += hist[b];
	}
	if (keep == 0)
		b = SCORE_TOP_BINS; /* nothing is kept, nothing is a candidate */
	else if (hist[b] > al->cand_cap) {
		struct score_cand *c = realloc(al->cand, hist[b] * sizeof *c);
		if (!c)
			return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory for SynFlow");
		al->cand = c;
		al->cand_cap = hist[b];
	}
	/* Mark the pruned with a negative score; collect the candidates. */
	struct score_cand *cand = al->cand;
	float *s = al->s;
	size_t nc = 0;
	for (size_t j = 0; j < al->n; j++) {
		uint32_t k = score_key_pos(s[j]);
		uint32_t t = k >> SCORE_LOW_BITS;
		if (t < b)
			s[j] = -1.0f;
		if (t == b) {
			cand[nc].key = k;
			cand[nc].pos = (uint32_t)j;
			nc++;
		}
	}
	if (keep > 0 && nc + (b == (key0 >> SCORE_LOW_BITS) ? zeros : 0) > 0) {
		/* The rest of the key in two digits of 10 bits over the
		 * candidates (and the unlisted zeros if they share the bin). */
		uint32_t thr = b << SCORE_LOW_BITS;
		for (int d = 1; d >= 0; d--) {
			int shift = 10 * d;
			memset(hist2, 0, 1024 * sizeof *hist2);
			uint32_t hi_mask = d == 1 ? 0xfff00000u : 0xfffffc00u;
			for (size_t c = 0; c < nc; c++)
				if ((cand[c].key & hi_mask) == (thr & hi_mask))
					hist2[(cand[c].key >> shift) & 1023u]++;
			if ((key0 & hi_mask) == (thr & hi_mask))
				hist2[(key0 >> shift) & 1023u] += (uint32_t)zeros;
			uint32_t v = 1023;
			for (; v > 0; v--) {
				if (above + hist2[v] >= keep)
					break;
				above += hist2[v];
			}
			thr |= v << shift;
		}
		size_t ties = keep - above;
		if (thr == key0) {
			score_synflow_select_zero(net, al, thr, ties, wabs);
			return ENG_STATUS_OK;
		}
		for (size_t c = 0; c < nc; c++) {
			bool kept = cand[c].key > thr;
			if (!kept && cand[c].key == thr && ties > 0) {
				kept = true;
				ties--;
			}
			if (!kept)
				s[cand[c].pos] = -1.0f;
		}
	}
	/* Compact the list and collect the pruned ones, without branches
	 * (which of ~a million entries goes is unpredictable), then zero the
	 * pruned params: a few percent of the list per step. */
	size_t n = 0, m = 0;
	uint32_t *idx = al->idx, *pr = al->pruned;
	float *w = al->w;
	for (int i = 0; i < net->n_layers; i++) {
		size_t a = al->seg[i], e = al->seg[i + 1];
		al->seg[i] = n;
		for (size_t j = a; j < e; j++) {
			uint32_t ix = idx[j];
			size_t kept = s[j] >= 0.0f;
			idx[n] = ix;
			w[n] = w[j];
			pr[m] = ix;
			n += kept;
			m += 1 - kept;
		}
	}
	al->seg[net->n_layers] = n;
	al->n = n;
	for (size_t j = 0; j < m; j++)
		net->params[pr[j]] = 0.0f;
	return ENG_STATUS_OK;
}

enum eng_status score_synflow(struct score_run *run, float *scores)
{
	struct net *net = run->net;
	const struct score_options *opt = run->opt;
	enum eng_status st = score_prepare(net, 1, run->err);
	if (st != ENG_STATUS_OK)
		return st;
	size_t nl = (size_t)net->n_layers, amax = 0, pmax = 1, jmax = 1;
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
		}
	}
	struct score_synflow sf = { 0 };
	size_t nin = shape_size(net->input);
	sf.exp = calloc(nl, sizeof *sf.exp);
	sf.dexp = calloc(nl, sizeof *sf.dexp);
	sf.wexp = calloc(nl, sizeof *sf.wexp);
	sf.dset = calloc(nl, sizeof *sf.dset);
	sf.ones = malloc((nin + amax + pmax + jmax) * sizeof(float));
	size_t n_prunable = score_prunable_count(net);
	float *wabs = malloc(net->n_params * sizeof *wabs);
	struct score_alive al = { 0 };
	al.idx = malloc(n_prunable * sizeof *al.idx);
	al.w = malloc(n_prunable * sizeof *al.w);
	al.s = malloc(n_prunable * sizeof *al.s);
	al.pruned = malloc(n_prunable * sizeof *al.pruned);
	al.seg = malloc((nl + 1) * sizeof *al.seg);
	al.hist = malloc((SCORE_HIST_WAYS * SCORE_TOP_BINS + 1024) * sizeof *al.hist);
	if (net->n_params >= UINT32_MAX) {
		st = eng_err_set(run->err, ENG_STATUS_EINVAL,
				 "%s: too many parameters for SynFlow", net->name);
		goto out;
	}
	if (!sf.exp || !sf.dexp || !sf.wexp || !sf.dset || !sf.ones || !wabs ||
	    !al.idx || !al.w || !al.s || !al.pruned || !al.seg || !al.hist) {
		st = eng_err_set(run->err, ENG_STATUS_ENOMEM, "out of memory for SynFlow");
		goto out;
	}
	sf.tmp = sf.ones + nin;
	sf.pbuf = sf.tmp + amax;
	sf.junk = sf.pbuf + pmax;
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
		score_synflow_pass(net, &sf, &al, k < iters);
		score_step(run);
		if (k == iters)
			break;
		/* As score_mask_global(1 - density) would keep. */
		double density = pow(1.0 - opt->sparsity, (double)k / iters);
		size_t keep = score_mask_kept_count(n_prunable, 1.0 - density);
		st = score_synflow_select(net, &al, keep, n_prunable, wabs, run->err);
		if (st != ENG_STATUS_OK)
			goto out;
	}
	score_synflow_finish(net, &al, scores);
out:
	free(sf.exp);
	free(sf.dexp);
	free(sf.wexp);
	free(sf.dset);
	free(sf.ones);
	free(wabs);
	free(al.idx);
	free(al.w);
	free(al.s);
	free(al.pruned);
	free(al.seg);
	free(al.hist);
	free(al.cand);
	return st;
}
