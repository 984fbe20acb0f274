#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"

/* A standalone layer with its own buffers. */
struct harness {
	struct layer l;
	int batch;
	bool train;
	float *params, *grads, *state, *state_saved;
	float *in[LAYER_MAX_INPUTS];
	float *din[LAYER_MAX_INPUTS];
	float *out, *dout, *cache, *scratch;
	size_t in_len[LAYER_MAX_INPUTS], out_len, np;
};

static void harness_free(struct harness *h)
{
	free(h->params); free(h->grads); free(h->state); free(h->state_saved);
	for (int k = 0; k < LAYER_MAX_INPUTS; k++) { free(h->in[k]); free(h->din[k]); }
	free(h->out); free(h->dout); free(h->cache); free(h->scratch);
	memset(h, 0, sizeof *h);
}

static bool harness_init(struct harness *h, enum layer_kind kind,
			 const struct layer_conf *conf, const struct shape *in,
			 int n_in, int batch, bool train, uint64_t seed,
			 const float *const *inputs, char *why, size_t why_len)
{
	memset(h, 0, sizeof *h);
	struct layer *l = &h->l;
	l->kind = kind;
	l->ops = layer_kind_ops(kind);
	snprintf(l->name, sizeof l->name, "test_%s", l->ops->name);
	l->n_in = n_in;
	for (int k = 0; k < n_in; k++)
		l->in_idx[k] = -1;
	l->conf = *conf;
	struct eng_err err;
	if (l->ops->infer(l, in, n_in, &err) != ENG_STATUS_OK) {
		snprintf(why, why_len, "infer: %.200s", err.msg);
		return false;
	}
	h->batch = batch;
	h->train = train;
	h->np = l->w_len + l->b_len;
	h->params = calloc(h->np + 1, sizeof(float));
	h->grads = calloc(h->np + 1, sizeof(float));
	h->state = calloc(l->state_len + 1, sizeof(float));
	h->state_saved = calloc(l->state_len + 1, sizeof(float));
	l->w = l->w_len ? h->params : NULL;
	l->dw = l->w_len ? h->grads : NULL;
	l->b = l->b_len ? h->params + l->w_len : NULL;
	l->db = l->b_len ? h->grads + l->w_len : NULL;
	l->state = l->state_len ? h->state : NULL;
	struct rng r;
	rng_seed(&r, seed);
	if (l->ops->init)
		l->ops->init(l, &r);
	/* Non-trivial biases, gammas and betas so their gradients matter. */
	for (size_t i = 0; i < h->np; i++)
		h->params[i] += 0.1f * (float)(rng_uniform(&r) - 0.5);
	memcpy(h->state_saved, h->state, l->state_len * sizeof(float));
	for (int k = 0; k < n_in; k++) {
		h->in_len[k] = shape_size(in[k]) * (size_t)batch;
		h->in[k] = malloc(h->in_len[k] * sizeof(float));
		h->din[k] = calloc(h->in_len[k], sizeof(float));
		for (size_t i = 0; i < h->in_len[k]; i++)
			h->in[k][i] = inputs ? inputs[k][i]
					     : (float)(2.0 * rng_uniform(&r) - 1.0);
	}
	h->out_len = shape_size(l->out) * (size_t)batch;
	h->out = calloc(h->out_len + 1, sizeof(float));
	h->dout = calloc(h->out_len + 1, sizeof(float));
	for (size_t i = 0; i < h->out_len; i++)
		h->dout[i] = (float)(2.0 * rng_uniform(&r) - 1.0);
	size_t c = l->ops->cache_len ? l->ops->cache_len(l, batch) : 0;
	size_t s = l->ops->scratch_len ? l->ops->scratch_len(l, batch) : 0;
	h->cache = calloc(c + 1, sizeof(float));
	h->scratch = calloc(s + 1, sizeof(float));
	return true;
}

static void harness_forward(struct harness *h)
{
	struct layer_io io = { .batch = h->batch, .train = h->train };
	for (int k = 0; k < h->l.n_in; k++)
		io.in[k] = h->in[k];
	io.out = h->out;
	io.cache = h->cache;
	io.scratch = h->scratch;
	/* Train-mode BN updates running stats; keep every forward identical. */
	memcpy(h->state, h->state_saved, h->l.state_len * sizeof(float));
	h->l.ops->forward(&h->l, &io);
}

static double harness_loss(struct harness *h)
{
	harness_forward(h);
	double loss = 0.0;
	for (size_t i = 0; i < h->out_len; i++)
		loss += (double)h->out[i] * (double)h->dout[i];
	return loss;
}

static void harness_backward(struct harness *h)
{
	harness_forward(h);
	struct layer_io io = { .batch = h->batch, .train = h->train };
	for (int k = 0; k < h->l.n_in; k++) {
		io.in[k] = h->in[k];
		io.din[k] = h->din[k];
	}
	io.out = h->out;
	io.dout = h->dout;
	io.cache = h->cache;
	io.scratch = h->scratch;
	h->l.ops->backward(&h->l, &io);
}

/* Normalised error between analytic grad ana[] and finite differences of
 * the loss with respect to x[]. */
static double check_tensor(struct harness *h, float *x, const float *ana,
			   size_t n, double eps)
{
	double diff2 = 0.0, num2 = 0.0, ana2 = 0.0;
	for (size_t i = 0; i < n; i++) {
		float saved = x[i];
		x[i] = (float)(saved + eps);
		double lp = harness_loss(h);
		x[i] = (float)(saved - eps);
		double lm = harness_loss(h);
		x[i] = saved;
		/* The float step actually taken, not eps itself. */
		double step = (double)(float)(saved + eps) - (double)(float)(saved - eps);
		double num = (lp - lm) / step;
		diff2 += (num - ana[i]) * (num - ana[i]);
		num2 += num * num;
		ana2 += (double)ana[i] * ana[i];
	}
	double denom = sqrt(num2) + sqrt(ana2);
	return denom < 1e-12 ? 0.0 : sqrt(diff2) / denom;
}

bool gradcheck_layer(enum layer_kind kind, const struct layer_conf *conf,
		     const struct shape *in, int n_in, int batch, bool train,
		     uint64_t seed, double eps, const float *const *input_values,
		     struct gradcheck_result *res)
{
	memset(res, 0, sizeof *res);
	struct harness h;
	if (!harness_init(&h, kind, conf, in, n_in, batch, train, seed,
			  input_values, res->report, sizeof res->report)) {
		harness_free(&h);
		return false;
	}
	harness_backward(&h);
	const char *worst = "none";
	for (int k = 0; k < n_in; k++) {
		res->err_in[k] = check_tensor(&h, h.in[k], h.din[k], h.in_len[k], eps);
		if (res->err_in[k] > res->worst) {
			res->worst = res->err_in[k];
			worst = k ? "input 1" : "input 0";
		}
	}
	if (h.l.w_len) {
		res->err_w = check_tensor(&h, h.l.w, h.l.dw, h.l.w_len, eps);
		if (res->err_w > res->worst) { res->worst = res->err_w; worst = "weight"; }
	}
	if (h.l.b_len) {
		res->err_b = check_tensor(&h, h.l.b, h.l.db, h.l.b_len, eps);
		if (res->err_b > res->worst) { res->worst = res->err_b; worst = "bias"; }
	}
	snprintf(res->report, sizeof res->report,
		 "%s: worst normalised error %.3g in %s (batch %d, in %dx%dx%d, out %dx%dx%d)",
		 h.l.ops->name, res->worst, worst, batch, in[0].c, in[0].h, in[0].w,
		 h.l.out.c, h.l.out.h, h.l.out.w);
	harness_free(&h);
	return true;
}

bool layer_run_forward(struct layer *l, enum layer_kind kind,
		       const struct layer_conf *conf, const struct shape *in,
		       int n_in, int batch, bool train, uint64_t seed,
		       const float *const *inputs, float **out, float **params_out)
{
	struct harness h;
	char why[256];
	if (!harness_init(&h, kind, conf, in, n_in, batch, train, seed, inputs,
			  why, sizeof why)) {
		harness_free(&h);
		return false;
	}
	harness_forward(&h);
	*out = h.out;
	*params_out = h.params;
	*l = h.l;
	h.out = NULL;
	h.params = NULL;
	l->dw = l->db = NULL;
	l->state = NULL;
	harness_free(&h);
	return true;
}
