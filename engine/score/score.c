/* score.c: PaI scores (random, magnitude, SNIP, GraSP, SynFlow), the global
 * mask, densities and channel scores.  docs/scoring.md explains the maths.
 *
 * SNIP and GraSP use the ordinary net_forward/net_backward.  GraSP's
 * Hessian-vector product and SynFlow's overflow-free pass need more than the
 * DAG runner offers, so this file walks net->layers itself and calls the
 * layer ops on private copies of struct layer whose w/b/dw/db/state point at
 * other buffers (swapping in the tangent v, a scaled bias, a junk gradient
 * sink).  The ops only ever reach parameters through those pointers, which is
 * what makes the swap legal (layer.h's contracts).
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/loss.h"
#include "base/rng.h"
#include "base/topk.h"
#include "score/score.h"

static const char *const score_names[SCORE_METHOD_COUNT] = {
	[SCORE_METHOD_RANDOM] = "random",
	[SCORE_METHOD_MAGNITUDE] = "magnitude",
	[SCORE_METHOD_SNIP] = "snip",
	[SCORE_METHOD_GRASP] = "grasp",
	[SCORE_METHOD_SYNFLOW] = "synflow",
};

void score_options_init(struct score_options *opt)
{
	memset(opt, 0, sizeof *opt);
	opt->method = SCORE_METHOD_SNIP;
	opt->seed = 1;
	opt->samples_per_class = 10;
	opt->grasp_temperature = 200.0;
	opt->synflow_iterations = 100;
	opt->sparsity = 0.9;
}

const char *score_method_name(enum score_method m)
{
	if ((int)m < 0 || m >= SCORE_METHOD_COUNT)
		return NULL;
	return score_names[m];
}

bool score_method_from_name(const char *name, enum score_method *m)
{
	for (int i = 0; i < SCORE_METHOD_COUNT; i++) {
		if (strcmp(name, score_names[i]) == 0) {
			*m = (enum score_method)i;
			return true;
		}
	}
	return false;
}

bool score_method_needs_data(enum score_method m)
{
	return m == SCORE_METHOD_SNIP || m == SCORE_METHOD_GRASP;
}

bool score_layer_is_prunable(const struct layer *l)
{
	return (l->kind == LAYER_KIND_CONV || l->kind == LAYER_KIND_LINEAR) &&
	       l->w_len > 0;
}

static size_t score_param_offset(const struct net *net, const float *p)
{
	return (size_t)(p - net->params);
}

bool score_param_is_prunable(const struct net *net, size_t idx)
{
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		size_t off = score_param_offset(net, l->w);
		if (idx >= off && idx < off + l->w_len)
			return true;
	}
	return false;
}

size_t score_prunable_count(const struct net *net)
{
	size_t n = 0;
	for (int i = 0; i < net->n_layers; i++)
		if (score_layer_is_prunable(&net->layers[i]))
			n += net->layers[i].w_len;
	return n;
}

enum eng_status score_batch_select(const struct data_split *ds, int per_class,
				   int32_t *idx_out, int *n_out,
				   struct eng_err *err)
{
	const struct dataset *tr = &ds->train;
	*n_out = 0;
	if (per_class < 1)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "samples per class must be at least 1, got %d", per_class);
	if (tr->n <= 0 || tr->classes <= 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: the training split is empty", ds->name);
	int n = 0;
	for (int c = 0; c < tr->classes; c++) {
		int got = 0;
		for (int i = 0; i < tr->n && got < per_class; i++) {
			if (tr->labels[i] == c) {
				idx_out[n++] = i;
				got++;
			}
		}
	}
	*n_out = n;
	return ENG_STATUS_OK;
}

/* --- the global mask ---------------------------------------------------- */

/* SynFlow's selection key: topk.h's key for a score known to be >= 0 and
 * not NaN (|w g|), i.e. the float's bits with the sign bit set, without
 * the branches. */
static inline uint32_t score_key_pos(float s)
{
	uint32_t u;
	memcpy(&u, &s, sizeof u);
	return u | 0x80000000u;
}

/* How many of n weights a mask at this sparsity keeps. */
static size_t score_kept_count(size_t n, double sparsity)
{
	size_t keep = (size_t)llround((1.0 - sparsity) * (double)n);
	return keep > n ? n : keep;
}

enum eng_status score_mask_global(const struct net *net, const float *scores,
				  double sparsity, uint8_t *mask,
				  struct eng_err *err)
{
	if (!(sparsity >= 0.0 && sparsity <= 1.0))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "sparsity must be in [0, 1], got %g", sparsity);
	size_t keep = score_kept_count(score_prunable_count(net), sparsity);
	struct topk_span *spans = malloc((net->n_layers ? (size_t)net->n_layers : 1) *
					 sizeof *spans);
	if (!spans)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	memset(mask, 1, net->n_params);
	size_t n_spans = 0;
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		size_t off = score_param_offset(net, l->w);
		spans[n_spans++] = (struct topk_span){ .f32 = scores + off,
						       .n = l->w_len, .kept = mask + off };
	}
	topk_mark_spans(spans, n_spans, keep);
	free(spans);
	return ENG_STATUS_OK;
}

void score_layer_density(const struct net *net, const uint8_t *mask, double *density)
{
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l)) {
			density[i] = -1.0;
			continue;
		}
		const uint8_t *m = mask + score_param_offset(net, l->w);
		size_t kept = 0;
		for (size_t j = 0; j < l->w_len; j++)
			kept += m[j] != 0;
		density[i] = (double)kept / (double)l->w_len;
	}
}

int score_channel_scores(const struct net *net, const float *scores, int layer,
			 float *out)
{
	ENG_ASSERT(layer >= 0 && layer < net->n_layers);
	const struct layer *l = &net->layers[layer];
	if (!score_layer_is_prunable(l))
		return 0;
	int c = l->out.c;
	size_t per = l->w_len / (size_t)c;
	const float *s = scores + score_param_offset(net, l->w);
	double mx = 0.0;
	for (int o = 0; o < c; o++) {
		double sum = 0.0;
		for (size_t j = 0; j < per; j++)
			sum += s[(size_t)o * per + j];
		out[o] = (float)sum;
		if (fabs(sum) > mx)
			mx = fabs(sum);
	}
	for (int o = 0; o < c; o++)
		out[o] = mx > 0.0 ? (float)(out[o] / mx) : 0.0f;
	return c;
}

/* --- helpers shared by the methods ---------------------------------------- */

struct score_run {
	struct net *net;
	const struct score_options *opt;
	struct eng_err *err;
	int done, total;            /* progress */
};

static bool score_aborted(const struct score_run *run)
{
	return cancel_requested(run->opt->abort);
}

static void score_step(struct score_run *run)
{
	run->done++;
	if (run->opt->progress)
		run->opt->progress(run->done, run->total, run->opt->progress_user);
}

static enum eng_status score_abort_status(const struct score_run *run)
{
	return eng_err_set(run->err, ENG_STATUS_ABORTED, "scoring aborted");
}

static const float *score_src(const struct net *net, int src, const float *input)
{
	return src < 0 ? input : net->act[src];
}

static size_t score_act_len(const struct net *net, int i, int batch)
{
	return shape_size(net->layers[i].out) * (size_t)batch;
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

/* Make sure the workspace holds batch samples (never shrinks it). */
static enum eng_status score_prepare(struct net *net, int batch, struct eng_err *err)
{
	if (net->max_batch >= batch)
		return ENG_STATUS_OK;
	return net_prepare(net, batch, err);
}

static void score_random(struct net *net, uint64_t seed, float *scores)
{
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		struct rng r;
		rng_seed(&r, rng_derive_seed(seed, l->name));
		float *s = scores + score_param_offset(net, l->w);
		for (size_t j = 0; j < l->w_len; j++)
			s[j] = (float)rng_uniform(&r);
	}
}

/* --- SNIP and GraSP: the scoring batch ------------------------------------ */

struct score_batch {
	int n;
	float *x;          /* n x net->input */
	int32_t *labels;   /* n */
};

static void score_batch_done(struct score_batch *b)
{
	free(b->x);
	free(b->labels);
	memset(b, 0, sizeof *b);
}

static enum eng_status score_batch_make(struct score_run *run,
					const struct data_split *ds,
					struct score_batch *b)
{
	struct net *net = run->net;
	const char *mname = score_method_name(run->opt->method);
	memset(b, 0, sizeof *b);
	if (!ds)
		return eng_err_set(run->err, ENG_STATUS_EINVAL,
				   "%s needs a dataset for its scoring batch", mname);
	if (ds->train.classes != net->classes)
		return eng_err_set(run->err, ENG_STATUS_EINVAL,
				   "%s: the dataset has %d classes, the model %d",
				   ds->name, ds->train.classes, net->classes);
	enum eng_status st = data_adapt_check(&ds->train, net->input, run->err);
	if (st != ENG_STATUS_OK)
		return st;
	int per = run->opt->samples_per_class;
	if (per < 1 || per > 100000)
		return eng_err_set(run->err, ENG_STATUS_EINVAL,
				   "samples per class must be in 1..100000, got %d", per);
	size_t cap = (size_t)per * (size_t)net->classes;
	int32_t *idx = malloc(cap * sizeof *idx);
	if (!idx)
		return eng_err_set(run->err, ENG_STATUS_ENOMEM, "out of memory");
	st = score_batch_select(ds, per, idx, &b->n, run->err);
	if (st == ENG_STATUS_OK && b->n == 0)
		st = eng_err_set(run->err, ENG_STATUS_EINVAL,
				 "%s: no training samples to score with", ds->name);
	if (st == ENG_STATUS_OK) {
		b->x = malloc((size_t)b->n * shape_size(net->input) * sizeof(float));
		b->labels = malloc((size_t)b->n * sizeof *b->labels);
		if (!b->x || !b->labels)
			st = eng_err_set(run->err, ENG_STATUS_ENOMEM,
					 "out of memory for the scoring batch");
	}
	if (st == ENG_STATUS_OK) {
		data_batch_fill(ds, &ds->train, idx, b->n, net->input, NULL, NULL, b->x);
		for (int i = 0; i < b->n; i++)
			b->labels[i] = ds->train.labels[idx[i]];
		st = score_prepare(net, b->n, run->err);
	}
	free(idx);
	if (st != ENG_STATUS_OK)
		score_batch_done(b);
	return st;
}

/* Train-mode forward and backward of the mean cross-entropy of logits / T:
 * leaves net->act, net->cache, net->dact (d loss / d output of every layer)
 * and net->grads filled.  dz receives d loss / d logits. */
static void score_grad(struct net *net, const struct score_batch *b, double temp,
		       float *dz)
{
	int classes = net->classes;
	size_t nz = (size_t)b->n * (size_t)classes;
	const float *z = net_forward(net, b->x, b->n, true);
	for (size_t i = 0; i < nz; i++)
		dz[i] = (float)(z[i] / temp);
	/* The scaled logits go in dz and come back as d loss / d (z / T). */
	float *zs = dz + nz;
	memcpy(zs, dz, nz * sizeof *zs);
	loss_softmax_xent(zs, b->labels, b->n, classes, dz);
	for (size_t i = 0; i < nz; i++)
		dz[i] = (float)(dz[i] / temp);
	net_zero_grad(net);
	net_backward(net, b->x, dz, b->n);
}

static enum eng_status score_snip(struct score_run *run, const struct data_split *ds,
				  float *scores)
{
	struct net *net = run->net;
	struct score_batch b;
	enum eng_status st = score_batch_make(run, ds, &b);
	if (st != ENG_STATUS_OK)
		return st;
	float *dz = malloc(2 * (size_t)b.n * (size_t)net->classes * sizeof *dz);
	if (!dz) {
		score_batch_done(&b);
		return eng_err_set(run->err, ENG_STATUS_ENOMEM, "out of memory");
	}
	score_grad(net, &b, 1.0, dz);
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		size_t off = score_param_offset(net, l->w);
		for (size_t j = 0; j < l->w_len; j++)
			scores[off + j] = fabsf(net->params[off + j] * net->grads[off + j]);
	}
	score_step(run);
	free(dz);
	score_batch_done(&b);
	return ENG_STATUS_OK;
}

/* --- GraSP: exact Hessian-vector product ----------------------------------
 *
 * Pearlmutter's R-operator: with v the tangent in weight space, propagate
 * x' = d x / d eps along w + eps v through the forward pass, then the
 * derivative of every backward quantity (dy' for activations, Hv for the
 * weights).  Conv and linear are bilinear in (w, x), so their tangents are
 * two ordinary calls with swapped operands; ReLU, pooling, flatten and add
 * are (piecewise) linear, so their tangents reuse the ops with the mask of
 * the original input; batch norm is done here in double.  v is zero outside
 * the prunable weights, so biases and BN parameters have no tangent.
 */

struct score_tangent {
	float *block;       /* owned: everything below */
	float **tx;         /* per layer: output tangent x' */
	float **tdy;        /* per layer: backward tangent dy' */
	float *zero_in;     /* batch x input, zeros: the input's tangent */
	float *v;           /* n_params: tangent (g on prunable weights) */
	float *hv;          /* n_params: H v */
};

static void score_tangent_done(struct score_tangent *t)
{
	free(t->block);
	free(t->tx);
	free(t->tdy);
	memset(t, 0, sizeof *t);
}

static enum eng_status score_tangent_init(struct score_tangent *t,
					  const struct net *net, int batch,
					  struct eng_err *err)
{
	memset(t, 0, sizeof *t);
	size_t total = 0;
	for (int i = 0; i < net->n_layers; i++)
		total += 2 * score_act_len(net, i, batch);
	size_t nin = shape_size(net->input) * (size_t)batch;
	total += nin + 2 * net->n_params;
	t->block = calloc(total, sizeof(float));
	t->tx = calloc((size_t)net->n_layers, sizeof *t->tx);
	t->tdy = calloc((size_t)net->n_layers, sizeof *t->tdy);
	if (!t->block || !t->tx || !t->tdy) {
		score_tangent_done(t);
		return eng_err_set(err, ENG_STATUS_ENOMEM,
				   "%s: cannot allocate %zu MiB for GraSP", net->name,
				   total * sizeof(float) >> 20);
	}
	float *p = t->block;
	for (int i = 0; i < net->n_layers; i++) {
		size_t a = score_act_len(net, i, batch);
		t->tx[i] = p;
		p += a;
		t->tdy[i] = p;
		p += a;
	}
	t->zero_in = p;
	p += nin;
	t->v = p;
	p += net->n_params;
	t->hv = p;
	return ENG_STATUS_OK;
}

/* Per-channel statistics the BN forward used: batch mean and 1/sqrt(var +
 * eps) in double (batch mode), or the running ones (eval mode). */
static void score_bn_stats(const struct layer *l, const float *x, int batch,
			   bool batch_stats, int ch, double *mean, double *istd)
{
	int c = l->in.c;
	size_t hw = (size_t)l->in.h * (size_t)l->in.w;
	double m, var;
	if (batch_stats) {
		double n = (double)batch * (double)hw, sum = 0.0, ss = 0.0;
		for (int b = 0; b < batch; b++) {
			const float *p = x + ((size_t)b * c + ch) * hw;
			for (size_t i = 0; i < hw; i++)
				sum += p[i];
		}
		m = sum / n;
		for (int b = 0; b < batch; b++) {
			const float *p = x + ((size_t)b * c + ch) * hw;
			for (size_t i = 0; i < hw; i++)
				ss += (p[i] - m) * (p[i] - m);
		}
		var = ss / n;
	} else {
		m = l->state[ch];
		var = l->state[c + ch];
	}
	*mean = m;
	*istd = 1.0 / sqrt(var + (double)l->conf.eps);
}

/* x' -> y' of a BN layer (no tangent on gamma and beta). */
static void score_bn_tangent(const struct layer *l, const float *x, const float *tx,
			     float *ty, int batch, bool batch_stats)
{
	int c = l->in.c;
	size_t hw = (size_t)l->in.h * (size_t)l->in.w;
	double n = (double)batch * (double)hw;
	for (int ch = 0; ch < c; ch++) {
		double mean, istd;
		score_bn_stats(l, x, batch, batch_stats, ch, &mean, &istd);
		double g = (double)l->w[ch] * istd;
		double mt = 0.0, st = 0.0; /* mean(x'), mean(xhat x') */
		if (batch_stats) {
			for (int b = 0; b < batch; b++) {
				size_t off = ((size_t)b * c + ch) * hw;
				for (size_t i = 0; i < hw; i++) {
					mt += tx[off + i];
					st += (x[off + i] - mean) * istd * tx[off + i];
				}
			}
			mt /= n;
			st /= n;
		}
		for (int b = 0; b < batch; b++) {
			size_t off = ((size_t)b * c + ch) * hw;
			for (size_t i = 0; i < hw; i++) {
				double xh = (x[off + i] - mean) * istd;
				ty[off + i] = (float)(g * (tx[off + i] - mt - xh * st));
			}
		}
	}
}

/* The derivative of the BN input gradient dx = g istd (dy - a - xhat b):
 * adds (dx)' into tdx. */
static void score_bn_rback(const struct layer *l, const float *x, const float *tx,
			   const float *dy, const float *tdy, float *tdx, int batch,
			   bool batch_stats)
{
	int c = l->in.c;
	size_t hw = (size_t)l->in.h * (size_t)l->in.w;
	double n = (double)batch * (double)hw;
	for (int ch = 0; ch < c; ch++) {
		double mean, istd;
		score_bn_stats(l, x, batch, batch_stats, ch, &mean, &istd);
		double gam = l->w[ch];
		if (!batch_stats) {
			for (int b = 0; b < batch; b++) {
				size_t off = ((size_t)b * c + ch) * hw;
				for (size_t i = 0; i < hw; i++)
					tdx[off + i] += (float)(gam * istd * tdy[off + i]);
			}
			continue;
		}
		double s_tx = 0, s_xhtx = 0, s_dy = 0, s_dyxh = 0, s_tdy = 0,
		       s_tdyxh = 0, s_dytx = 0;
		for (int b = 0; b < batch; b++) {
			size_t off = ((size_t)b * c + ch) * hw;
			for (size_t i = 0; i < hw; i++) {
				double xh = (x[off + i] - mean) * istd;
				double t = tx[off + i], d = dy[off + i], td = tdy[off + i];
				s_tx += t;
				s_xhtx += xh * t;
				s_dy += d;
				s_dyxh += d * xh;
				s_tdy += td;
				s_tdyxh += td * xh;
				s_dytx += d * t;
			}
		}
		double mu_t = s_tx / n;        /* mean' */
		double sig_t = s_xhtx / n;     /* sigma' */
		double a = s_dy / n, bb = s_dyxh / n;
		double a_t = s_tdy / n;
		/* mean(dy xhat') with xhat' = istd (x' - mean' - xhat sigma') */
		double dy_xht = istd * (s_dytx / n - mu_t * a - sig_t * bb);
		double b_t = s_tdyxh / n + dy_xht;
		double istd_t = -istd * istd * sig_t;
		for (int b = 0; b < batch; b++) {
			size_t off = ((size_t)b * c + ch) * hw;
			for (size_t i = 0; i < hw; i++) {
				double xh = (x[off + i] - mean) * istd;
				double xh_t = istd * (tx[off + i] - mu_t - xh * sig_t);
				double d = dy[off + i];
				double r = istd_t * (d - a - xh * bb) +
					   istd * (tdy[off + i] - a_t - xh_t * bb - xh * b_t);
				tdx[off + i] += (float)(gam * r);
			}
		}
	}
}

/* The window rule of pool.c: PyTorch floor mode, first maximum wins. */
static void score_maxpool_tangent(const struct layer *l, const float *x,
				  const float *tx, float *ty, int batch)
{
	int s = l->conf.stride ? l->conf.stride : l->conf.size;
	size_t in_plane = (size_t)l->in.h * (size_t)l->in.w;
	size_t out_plane = (size_t)l->out.h * (size_t)l->out.w;
	size_t planes = (size_t)batch * (size_t)l->in.c;
	for (size_t p = 0; p < planes; p++) {
		const float *xp = x + p * in_plane, *tp = tx + p * in_plane;
		float *yp = ty + p * out_plane;
		for (int oy = 0; oy < l->out.h; oy++) {
			int y0 = oy * s - l->conf.pad, y1 = y0 + l->conf.size;
			y0 = y0 < 0 ? 0 : y0;
			y1 = y1 > l->in.h ? l->in.h : y1;
			for (int ox = 0; ox < l->out.w; ox++) {
				int x0 = ox * s - l->conf.pad, x1 = x0 + l->conf.size;
				x0 = x0 < 0 ? 0 : x0;
				x1 = x1 > l->in.w ? l->in.w : x1;
				size_t best = (size_t)y0 * (size_t)l->in.w + (size_t)x0;
				for (int yy = y0; yy < y1; yy++) {
					for (int xx = x0; xx < x1; xx++) {
						size_t i = (size_t)yy * (size_t)l->in.w + (size_t)xx;
						if (xp[i] > xp[best] ||
						    (xp[i] != xp[i] && xp[best] == xp[best]))
							best = i;
					}
				}
				yp[oy * l->out.w + ox] = tp[best];
			}
		}
	}
}

static void score_relu_tangent(const struct layer *l, const float *x,
			       const float *tx, float *ty, size_t n)
{
	float clip = l->conf.clip;
	for (size_t i = 0; i < n; i++) {
		bool on = x[i] > 0.0f && (clip <= 0.0f || x[i] < clip);
		ty[i] = on ? tx[i] : 0.0f;
	}
}

/* A copy of l with no bias and gradient sinks redirected, for the calls
 * that compute one term of a tangent. */
static struct layer score_layer_nobias(const struct layer *l)
{
	struct layer c = *l;
	c.b = NULL;
	c.db = NULL;
	c.b_len = 0;
	return c;
}

static void score_tangent_forward(struct net *net, struct score_tangent *t,
				  const float *input, int batch)
{
	for (int i = 0; i < net->n_layers; i++) {
		struct layer *l = &net->layers[i];
		const float *x[LAYER_MAX_INPUTS] = { NULL, NULL };
		const float *tx[LAYER_MAX_INPUTS] = { NULL, NULL };
		for (int k = 0; k < l->n_in; k++) {
			int src = l->in_idx[k];
			x[k] = score_src(net, src, input);
			tx[k] = src < 0 ? t->zero_in : t->tx[src];
		}
		size_t n = score_act_len(net, i, batch);
		struct layer_io io = { .batch = batch, .train = true,
				       .cache = net->cache[i], .scratch = net->scratch };
		switch (l->kind) {
		case LAYER_KIND_CONV:
		case LAYER_KIND_LINEAR: {
			struct layer c = score_layer_nobias(l);
			bool from_input = l->in_idx[0] < 0;
			if (!from_input) {
				io.in[0] = tx[0];
				io.out = t->tx[i];
				l->ops->forward(&c, &io);
			}
			c.w = t->v + score_param_offset(net, l->w);
			io.in[0] = x[0];
			io.out = from_input ? t->tx[i] : t->tdy[i];
			l->ops->forward(&c, &io);
			if (!from_input)
				for (size_t j = 0; j < n; j++)
					t->tx[i][j] += t->tdy[i][j];
			break;
		}
		case LAYER_KIND_BN:
			score_bn_tangent(l, x[0], tx[0], t->tx[i], batch,
					 net->cache[i][2 * l->in.c] != 0.0f);
			break;
		case LAYER_KIND_RELU:
			score_relu_tangent(l, x[0], tx[0], t->tx[i], n);
			break;
		case LAYER_KIND_MAXPOOL:
			score_maxpool_tangent(l, x[0], tx[0], t->tx[i], batch);
			break;
		case LAYER_KIND_AVGPOOL:
		case LAYER_KIND_GAP:
		case LAYER_KIND_FLATTEN:
		case LAYER_KIND_ADD:
		case LAYER_KIND_COUNT:
			/* Linear maps: the op itself applied to the tangents. */
			for (int k = 0; k < l->n_in; k++)
				io.in[k] = tx[k];
			io.out = t->tx[i];
			l->ops->forward(l, &io);
			break;
		}
	}
}

/* Clear dy' (used as a temporary by the tangent forward) and H v. */
static void score_tangent_zero(struct net *net, struct score_tangent *t, int batch)
{
	for (int i = 0; i < net->n_layers; i++)
		memset(t->tdy[i], 0, score_act_len(net, i, batch) * sizeof(float));
	memset(t->hv, 0, net->n_params * sizeof(float));
}

static void score_tangent_rback(struct net *net, struct score_tangent *t,
				const float *input, int batch)
{
	for (int i = net->n_layers - 1; i >= 0; i--) {
		struct layer *l = &net->layers[i];
		struct layer_io io = { .batch = batch, .train = true,
				       .out = net->act[i], .cache = net->cache[i],
				       .scratch = net->scratch };
		const float *x[LAYER_MAX_INPUTS] = { NULL, NULL };
		float *tdx[LAYER_MAX_INPUTS] = { NULL, NULL };
		for (int k = 0; k < l->n_in; k++) {
			int src = l->in_idx[k];
			x[k] = score_src(net, src, input);
			tdx[k] = src < 0 ? NULL : t->tdy[src];
		}
		switch (l->kind) {
		case LAYER_KIND_CONV:
		case LAYER_KIND_LINEAR: {
			/* (dW)' = dy' * x + dy * x',  (dx)' = W^T dy' + V^T dy */
			size_t off = score_param_offset(net, l->w);
			struct layer c = score_layer_nobias(l);
			c.dw = t->hv + off;
			io.in[0] = x[0];
			io.dout = t->tdy[i];
			io.din[0] = tdx[0];
			l->ops->backward(&c, &io);
			if (l->in_idx[0] >= 0) {
				c.w = t->v + off;
				io.in[0] = t->tx[l->in_idx[0]];
				io.dout = net->dact[i];
				l->ops->backward(&c, &io);
			}
			break;
		}
		case LAYER_KIND_BN: {
			if (!tdx[0])
				break;
			int src = l->in_idx[0];
			score_bn_rback(l, x[0], t->tx[src], net->dact[i], t->tdy[i],
				       tdx[0], batch, net->cache[i][2 * l->in.c] != 0.0f);
			break;
		}
		case LAYER_KIND_RELU:
		case LAYER_KIND_MAXPOOL:
		case LAYER_KIND_AVGPOOL:
		case LAYER_KIND_GAP:
		case LAYER_KIND_FLATTEN:
		case LAYER_KIND_ADD:
		case LAYER_KIND_COUNT:
			/* Linear in dy with the original input's mask. */
			for (int k = 0; k < l->n_in; k++) {
				io.in[k] = x[k];
				io.din[k] = tdx[k];
			}
			io.dout = t->tdy[i];
			l->ops->backward(l, &io);
			break;
		}
	}
}

/* H v of the mean cross-entropy of logits / T at the net's current
 * weights, for v = grads restricted to the prunable weights (GraSP's g),
 * after score_grad.  Exposed to the test through score_compute only. */
static enum eng_status score_grasp(struct score_run *run, const struct data_split *ds,
				   float *scores)
{
	struct net *net = run->net;
	double temp = run->opt->grasp_temperature;
	struct score_batch b;
	enum eng_status st = score_batch_make(run, ds, &b);
	if (st != ENG_STATUS_OK)
		return st;
	int classes = net->classes;
	size_t nz = (size_t)b.n * (size_t)classes;
	struct score_tangent t;
	float *dz = malloc(2 * nz * sizeof *dz);
	st = dz ? score_tangent_init(&t, net, b.n, run->err)
		: eng_err_set(run->err, ENG_STATUS_ENOMEM, "out of memory");
	if (st != ENG_STATUS_OK) {
		free(dz);
		score_batch_done(&b);
		return st;
	}
	score_grad(net, &b, temp, dz);
	score_step(run);
	if (score_aborted(run)) {
		st = score_abort_status(run);
		goto out;
	}
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		size_t off = score_param_offset(net, l->w);
		memcpy(t.v + off, net->grads + off, l->w_len * sizeof(float));
	}
	score_tangent_forward(net, &t, b.x, b.n);
	score_step(run);
	if (score_aborted(run)) {
		st = score_abort_status(run);
		goto out;
	}
	score_tangent_zero(net, &t, b.n);
	/* (dz)' for dz = (softmax(z/T) - onehot) / (T n): the softmax
	 * Jacobian applied to z'/T, over T n. */
	int last = net->n_layers - 1;
	const float *z = net->act[last];
	const float *zt = t.tx[last];
	float *rdz = t.tdy[last];
	for (int s = 0; s < b.n; s++) {
		const float *zs = z + (size_t)s * classes, *ts = zt + (size_t)s * classes;
		double mx = -INFINITY, sum = 0.0, pu = 0.0;
		for (int c = 0; c < classes; c++)
			mx = zs[c] / temp > mx ? zs[c] / temp : mx;
		for (int c = 0; c < classes; c++)
			sum += exp(zs[c] / temp - mx);
		for (int c = 0; c < classes; c++)
			pu += exp(zs[c] / temp - mx) / sum * (ts[c] / temp);
		for (int c = 0; c < classes; c++) {
			double p = exp(zs[c] / temp - mx) / sum;
			rdz[(size_t)s * classes + c] =
				(float)(p * (ts[c] / temp - pu) / (temp * b.n));
		}
	}
	score_tangent_rback(net, &t, b.x, b.n);
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		size_t off = score_param_offset(net, l->w);
		for (size_t j = 0; j < l->w_len; j++)
			scores[off + j] = net->params[off + j] * t.hv[off + j];
	}
	score_step(run);
out:
	score_tangent_done(&t);
	free(dz);
	score_batch_done(&b);
	return st;
}

/* --- SynFlow --------------------------------------------------------------
 *
 * Block floating point: every activation and every activation gradient is
 * stored as a float array times 2^e (e per tensor, kept in exp[] and dexp[]),
 * renormalised after each layer whose largest magnitude left [2^-32, 2^33).  The
 * layers are homogeneous in their input except for additive constants
 * (biases, BN's beta and running mean, ReLU6's clip), which are scaled by
 * 2^-e on the way in; an add aligns its two inputs to the larger exponent.
 * A weight's gradient then carries the exponent dexp[out] + exp[in].
 */

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
			c.conf.clip = scalbnf(l->conf.clip, -eo);
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
			c.conf.clip = scalbnf(l->conf.clip, -ein);
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

static enum eng_status score_synflow(struct score_run *run, float *scores)
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
		size_t keep = score_kept_count(n_prunable, 1.0 - density);
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

/* --- the entry point ------------------------------------------------------- */

static enum eng_status score_options_check(const struct score_options *opt,
					   struct eng_err *err)
{
	if ((int)opt->method < 0 || opt->method >= SCORE_METHOD_COUNT)
		return eng_err_set(err, ENG_STATUS_EINVAL, "unknown scoring method %d",
				   (int)opt->method);
	if (opt->method == SCORE_METHOD_GRASP &&
	    !(opt->grasp_temperature > 0.0 && isfinite(opt->grasp_temperature)))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "GraSP temperature must be positive, got %g",
				   opt->grasp_temperature);
	if (opt->method == SCORE_METHOD_SYNFLOW) {
		if (opt->synflow_iterations < 1 || opt->synflow_iterations > 100000)
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "SynFlow iterations must be in 1..100000, got %d",
					   opt->synflow_iterations);
		if (!(opt->sparsity >= 0.0 && opt->sparsity < 1.0))
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "sparsity must be in [0, 1), got %g", opt->sparsity);
	}
	return ENG_STATUS_OK;
}

bool score_uses_sparsity(const struct score_options *opt)
{
	return opt->method == SCORE_METHOD_SYNFLOW && opt->synflow_iterations > 1;
}

enum eng_status score_compute(struct net *net, const struct data_split *data,
			      const struct score_options *opt, float *scores,
			      struct eng_err *err)
{
	enum eng_status st = score_options_check(opt, err);
	if (st != ENG_STATUS_OK)
		return st;
	if (score_prunable_count(net) == 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s has no conv or linear weights to score", net->name);
	struct score_run run = { .net = net, .opt = opt, .err = err };
	memset(scores, 0, net->n_params * sizeof *scores);
	if (score_aborted(&run))
		return score_abort_status(&run);
	switch (opt->method) {
	case SCORE_METHOD_RANDOM:
		run.total = 1;
		score_random(net, opt->seed, scores);
		score_step(&run);
		return ENG_STATUS_OK;
	case SCORE_METHOD_MAGNITUDE:
		run.total = 1;
		for (int i = 0; i < net->n_layers; i++) {
			const struct layer *l = &net->layers[i];
			if (!score_layer_is_prunable(l))
				continue;
			size_t off = score_param_offset(net, l->w);
			for (size_t j = 0; j < l->w_len; j++)
				scores[off + j] = fabsf(l->w[j]);
		}
		score_step(&run);
		return ENG_STATUS_OK;
	default:
		break;
	}
	/* The rest change BN running statistics (train-mode forwards) or the
	 * params themselves (SynFlow): keep copies and put them back. */
	float *params = malloc(net->n_params * sizeof(float));
	float *state = malloc((net->n_state ? net->n_state : 1) * sizeof(float));
	if (!params || !state) {
		free(params);
		free(state);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	}
	memcpy(params, net->params, net->n_params * sizeof(float));
	memcpy(state, net->state, net->n_state * sizeof(float));
	switch (opt->method) {
	case SCORE_METHOD_SNIP:
		run.total = 1;
		st = score_snip(&run, data, scores);
		break;
	case SCORE_METHOD_GRASP:
		run.total = 3;
		st = score_grasp(&run, data, scores);
		break;
	default:
		run.total = opt->sparsity > 0.0 ? opt->synflow_iterations : 1;
		st = score_synflow(&run, scores);
		break;
	}
	memcpy(net->params, params, net->n_params * sizeof(float));
	memcpy(net->state, state, net->n_state * sizeof(float));
	free(params);
	free(state);
	return st;
}
