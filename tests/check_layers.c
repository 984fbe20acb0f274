/* check_layers.c: every layer kind except conv.
 *
 * Backward passes are checked against central differences (gradcheck.h);
 * forwards against hand-computed values or naive loops written here; BN's
 * running statistics against the PyTorch update rule computed in the test;
 * infer against the shapes and settings it must refuse.
 */
#include "config.h"

#include <cblas.h>
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "nn/layer.h"
#include "base/rng.h"

#define GRAD_TOL 1e-2

/* A standalone layer with its own buffers, for tests that need to set
 * parameters or state by hand or look at state after a forward. */
struct tl {
	struct layer l;
	float *params, *grads, *state, *cache, *scratch;
	int batch;
};

static enum eng_status tl_init(struct tl *t, enum layer_kind kind,
			       const struct layer_conf *conf,
			       const struct shape *in, int n_in, int batch,
			       struct eng_err *err)
{
	memset(t, 0, sizeof *t);
	struct layer *l = &t->l;
	l->kind = kind;
	l->ops = layer_kind_ops(kind);
	snprintf(l->name, sizeof l->name, "t_%s", l->ops->name);
	l->n_in = n_in;
	l->in_idx[0] = l->in_idx[1] = -1;
	l->conf = *conf;
	enum eng_status st = l->ops->infer(l, in, n_in, err);
	if (st != ENG_STATUS_OK)
		return st;
	t->batch = batch;
	size_t np = layer_param_count(l);
	t->params = calloc(np + 1, sizeof(float));
	t->grads = calloc(np + 1, sizeof(float));
	t->state = calloc(l->state_len + 1, sizeof(float));
	size_t c = l->ops->cache_len ? l->ops->cache_len(l, batch) : 0;
	size_t s = l->ops->scratch_len ? l->ops->scratch_len(l, batch) : 0;
	t->cache = calloc(c + 1, sizeof(float));
	t->scratch = calloc(s + 1, sizeof(float));
	ck_assert(t->params && t->grads && t->state && t->cache && t->scratch);
	l->w = l->w_len ? t->params : NULL;
	l->dw = l->w_len ? t->grads : NULL;
	l->b = l->b_len ? t->params + l->w_len : NULL;
	l->db = l->b_len ? t->grads + l->w_len : NULL;
	l->state = l->state_len ? t->state : NULL;
	if (l->ops->init) {
		struct rng r;
		rng_seed(&r, 1);
		l->ops->init(l, &r);
	}
	return ENG_STATUS_OK;
}

static void tl_done(struct tl *t)
{
	free(t->params); free(t->grads); free(t->state);
	free(t->cache); free(t->scratch);
}

static void tl_forward(struct tl *t, const float *in0, const float *in1,
		       float *out, bool train)
{
	struct layer_io io = { .batch = t->batch, .train = train,
			       .in = { in0, in1 }, .out = out,
			       .cache = t->cache, .scratch = t->scratch };
	t->l.ops->forward(&t->l, &io);
}

static void tl_backward(struct tl *t, const float *in0, const float *in1,
			const float *out, const float *dout, float *din0,
			float *din1)
{
	/* train is set as net_backward sets it, whatever the forward did. */
	struct layer_io io = { .batch = t->batch, .train = true,
			       .in = { in0, in1 }, .out = (float *)out,
			       .dout = dout, .din = { din0, din1 },
			       .cache = t->cache, .scratch = t->scratch };
	t->l.ops->backward(&t->l, &io);
}

/* tl_backward as the first writer of each gradient (layer_io.din_assign). */
static void tl_backward_assign(struct tl *t, const float *in0, const float *in1,
			       const float *out, const float *dout, float *din0,
			       float *din1, bool assign0, bool assign1)
{
	struct layer_io io = { .batch = t->batch, .train = true,
			       .in = { in0, in1 }, .out = (float *)out,
			       .dout = dout, .din = { din0, din1 },
			       .din_assign = { assign0, assign1 },
			       .cache = t->cache, .scratch = t->scratch };
	t->l.ops->backward(&t->l, &io);
}

static float *rand_floats(size_t n, uint64_t seed, double lo, double hi)
{
	float *x = malloc((n ? n : 1) * sizeof(float));
	ck_assert_ptr_nonnull(x);
	struct rng r;
	rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(lo + (hi - lo) * rng_uniform(&r));
	return x;
}

static struct layer_conf conf_of(enum layer_kind kind)
{
	struct layer_conf c;
	layer_conf_defaults(kind, &c);
	return c;
}

static void expect_grad(enum layer_kind kind, const struct layer_conf *conf,
			const struct shape *in, int n_in, int batch, bool train,
			double eps, const float *const *values)
{
	struct gradcheck_result res;
	bool ok = gradcheck_layer(kind, conf, in, n_in, batch, train, 7, eps,
				  values, &res);
	ck_assert_msg(ok, "%s", res.report);
	ck_assert_msg(res.worst < GRAD_TOL, "%s", res.report);
}

/* ---- batch norm ------------------------------------------------------- */

START_TEST(test_bn_grad_train)
{
	struct layer_conf c = conf_of(LAYER_KIND_BN);
	struct shape s = { 3, 3, 4 };
	expect_grad(LAYER_KIND_BN, &c, &s, 1, 3, true, 1e-2, NULL);
	struct shape s2 = { 4, 2, 2 };
	expect_grad(LAYER_KIND_BN, &c, &s2, 1, 2, true, 1e-2, NULL);
}
END_TEST

START_TEST(test_bn_grad_eval)
{
	struct layer_conf c = conf_of(LAYER_KIND_BN);
	struct shape s = { 3, 3, 4 };
	expect_grad(LAYER_KIND_BN, &c, &s, 1, 2, false, 1e-2, NULL);
}
END_TEST

START_TEST(test_bn_init)
{
	struct layer_conf c = conf_of(LAYER_KIND_BN);
	struct shape s = { 3, 2, 2 };
	struct tl t;
	struct eng_err err;
	ck_assert_int_eq(tl_init(&t, LAYER_KIND_BN, &c, &s, 1, 1, &err), ENG_STATUS_OK);
	ck_assert_uint_eq(t.l.w_len, 3);
	ck_assert_uint_eq(t.l.b_len, 3);
	ck_assert_uint_eq(t.l.state_len, 6);
	ck_assert(shape_equal(t.l.out, s));
	ck_assert_uint_eq(t.l.ops->macs(&t.l), 0);
	for (int i = 0; i < 3; i++) {
		ck_assert_float_eq(t.l.w[i], 1.0f);
		ck_assert_float_eq(t.l.b[i], 0.0f);
		ck_assert_float_eq(t.l.state[i], 0.0f);
		ck_assert_float_eq(t.l.state[3 + i], 1.0f);
	}
	tl_done(&t);
}
END_TEST

START_TEST(test_bn_eval_forward)
{
	struct layer_conf c = conf_of(LAYER_KIND_BN);
	c.eps = 1e-3f;
	struct shape s = { 3, 2, 3 };
	int batch = 2;
	struct tl t;
	struct eng_err err;
	ck_assert_int_eq(tl_init(&t, LAYER_KIND_BN, &c, &s, 1, batch, &err), ENG_STATUS_OK);
	const float gamma[3] = { 1.5f, -0.5f, 2.0f }, beta[3] = { 0.1f, 0.0f, -1.0f };
	const float rm[3] = { 0.2f, -1.0f, 3.0f }, rv[3] = { 0.5f, 2.0f, 0.01f };
	for (int i = 0; i < 3; i++) {
		t.l.w[i] = gamma[i];
		t.l.b[i] = beta[i];
		t.l.state[i] = rm[i];
		t.l.state[3 + i] = rv[i];
	}
	size_t n = shape_size(s) * (size_t)batch;
	float *x = rand_floats(n, 3, -2.0, 4.0);
	float *y = calloc(n, sizeof(float));
	tl_forward(&t, x, NULL, y, false);
	for (int b = 0; b < batch; b++)
		for (int ch = 0; ch < 3; ch++)
			for (int i = 0; i < 6; i++) {
				size_t k = ((size_t)b * 3 + (size_t)ch) * 6 + (size_t)i;
				double want = gamma[ch] * (x[k] - rm[ch]) /
					      sqrt((double)rv[ch] + 1e-3) + beta[ch];
				ck_assert_double_eq_tol(y[k], want, 1e-5 * (1.0 + fabs(want)));
			}
	/* Eval mode leaves the running statistics alone. */
	for (int i = 0; i < 3; i++) {
		ck_assert_float_eq(t.l.state[i], rm[i]);
		ck_assert_float_eq(t.l.state[3 + i], rv[i]);
	}
	/* The backward after an eval forward is the plain affine map, even
	 * though backward is called with train set (as net_backward does). */
	float *dy = rand_floats(n, 4, -1.0, 1.0);
	float *dx = calloc(n, sizeof(float));
	tl_backward(&t, x, NULL, y, dy, dx, NULL);
	for (int b = 0; b < batch; b++)
		for (int ch = 0; ch < 3; ch++)
			for (int i = 0; i < 6; i++) {
				size_t k = ((size_t)b * 3 + (size_t)ch) * 6 + (size_t)i;
				double want = gamma[ch] * dy[k] / sqrt((double)rv[ch] + 1e-3);
				ck_assert_double_eq_tol(dx[k], want, 1e-5 * (1.0 + fabs(want)));
			}
	free(x); free(y); free(dy); free(dx);
	tl_done(&t);
}
END_TEST

/* Channel ch's batch mean and sum of squared deviations over batch x
 * nch x hw floats, two-pass in double: the tests' reference. */
static void bn_ref_stats(const float *x, int batch, int nch, int hw, int ch,
			 double *mean, double *ss)
{
	double sum = 0.0, sq = 0.0;
	for (int b = 0; b < batch; b++)
		for (int i = 0; i < hw; i++)
			sum += x[(b * nch + ch) * hw + i];
	double m = sum / ((double)batch * hw);
	for (int b = 0; b < batch; b++)
		for (int i = 0; i < hw; i++) {
			double d = x[(b * nch + ch) * hw + i] - m;
			sq += d * d;
		}
	*mean = m;
	*ss = sq;
}

START_TEST(test_bn_train_running_stats)
{
	struct layer_conf c = conf_of(LAYER_KIND_BN);
	c.momentum = 0.3f;
	c.eps = 1e-5f;
	struct shape s = { 2, 3, 2 };
	int batch = 3, hw = 6, nper = batch * hw;
	struct tl t;
	struct eng_err err;
	ck_assert_int_eq(tl_init(&t, LAYER_KIND_BN, &c, &s, 1, batch, &err), ENG_STATUS_OK);
	const float rm0[2] = { 0.5f, -1.0f }, rv0[2] = { 2.0f, 0.25f };
	const float gamma[2] = { 0.7f, 1.3f }, beta[2] = { -0.2f, 0.4f };
	for (int i = 0; i < 2; i++) {
		t.l.state[i] = rm0[i];
		t.l.state[2 + i] = rv0[i];
		t.l.w[i] = gamma[i];
		t.l.b[i] = beta[i];
	}
	size_t n = shape_size(s) * (size_t)batch;
	float *x = rand_floats(n, 5, -1.0, 1.0);
	for (size_t k = 0; k < n; k++)  /* channel 1 gets a large mean */
		if ((k / (size_t)hw) % 2 == 1)
			x[k] = 10.0f + 3.0f * x[k];
	float *y = calloc(n, sizeof(float));
	tl_forward(&t, x, NULL, y, true);
	for (int ch = 0; ch < 2; ch++) {
		double mean, ss;
		bn_ref_stats(x, batch, 2, hw, ch, &mean, &ss);
		double var_b = ss / nper, var_u = ss / (nper - 1);
		/* torch: running = (1 - momentum) * running + momentum * stat */
		double want_m = 0.7 * rm0[ch] + 0.3 * mean;
		double want_v = 0.7 * rv0[ch] + 0.3 * var_u;
		ck_assert_double_eq_tol(t.l.state[ch], want_m, 1e-5 * (1.0 + fabs(want_m)));
		ck_assert_double_eq_tol(t.l.state[2 + ch], want_v, 1e-5 * (1.0 + fabs(want_v)));
		/* The output is normalised with the batch's own, biased stats. */
		for (int b = 0; b < batch; b++)
			for (int i = 0; i < hw; i++) {
				int k = (b * 2 + ch) * hw + i;
				double want = gamma[ch] * (x[k] - mean) / sqrt(var_b + 1e-5) + beta[ch];
				ck_assert_double_eq_tol(y[k], want, 1e-4);
			}
	}
	free(x); free(y);
	tl_done(&t);
}
END_TEST

/* Batch statistics of planes longer than one float run (batchnorm.c sums
 * runs of 1024 in float, the runs in double) with a mean 10^5 times the
 * spread: mean and variance against a two-pass double reference. */
START_TEST(test_bn_stats_precision)
{
	struct layer_conf c = conf_of(LAYER_KIND_BN);
	c.momentum = 1.0f;	/* running stats = this batch's */
	struct shape s = { 2, 48, 48 };
	int batch = 3, hw = 48 * 48, nper = batch * hw;
	struct tl t;
	struct eng_err err;
	ck_assert_int_eq(tl_init(&t, LAYER_KIND_BN, &c, &s, 1, batch, &err), ENG_STATUS_OK);
	size_t n = shape_size(s) * (size_t)batch;
	float *x = rand_floats(n, 9, -1.0, 1.0);
	for (size_t k = 0; k < n; k++)
		x[k] = (k / (size_t)hw) % 2 ? 1000.0f + 0.01f * x[k] : -3.0f + 2.0f * x[k];
	float *y = calloc(n, sizeof(float));
	tl_forward(&t, x, NULL, y, true);
	for (int ch = 0; ch < 2; ch++) {
		double mean, ss;
		bn_ref_stats(x, batch, 2, hw, ch, &mean, &ss);
		double var_u = ss / (nper - 1);
		/* The running mean is a float: to its rounding and a thousandth
		 * of the spread. */
		ck_assert_double_eq_tol(t.l.state[ch], mean,
					1e-7 * fabs(mean) + 1e-3 * sqrt(var_u));
		ck_assert_msg(fabs(t.l.state[2 + ch] - var_u) <= 1e-4 * var_u,
			      "channel %d: variance %.9g, want %.9g", ch,
			      (double)t.l.state[2 + ch], var_u);
	}
	free(x); free(y);
	tl_done(&t);
}
END_TEST

/* ---- relu ------------------------------------------------------------- */

/* Inputs in [lo, hi] kept at least 0.1 away from 0 and from clip. */
static float *relu_inputs(size_t n, double lo, double hi, float clip)
{
	float *x = rand_floats(n, 11, lo, hi);
	for (size_t i = 0; i < n; i++) {
		if (fabsf(x[i]) < 0.1f)
			x[i] += x[i] < 0.0f ? -0.2f : 0.2f;
		if (clip > 0.0f && fabsf(x[i] - clip) < 0.1f)
			x[i] += x[i] < clip ? -0.2f : 0.2f;
	}
	return x;
}

START_TEST(test_relu_grad)
{
	struct shape s = { 3, 4, 5 };
	int batch = 2;
	size_t n = shape_size(s) * (size_t)batch;
	struct layer_conf c = conf_of(LAYER_KIND_RELU);
	float *x = relu_inputs(n, -1.0, 1.0, 0.0f);
	const float *const v[1] = { x };
	expect_grad(LAYER_KIND_RELU, &c, &s, 1, batch, false, 1e-3, v);
	free(x);
	c.clip = 6.0f;
	x = relu_inputs(n, -3.0, 9.0, 6.0f);
	const float *const v6[1] = { x };
	expect_grad(LAYER_KIND_RELU, &c, &s, 1, batch, false, 1e-3, v6);
	free(x);
}
END_TEST

START_TEST(test_relu_forward)
{
	const float x[6] = { -1.0f, 0.0f, 0.5f, 5.9f, 6.0f, 7.5f };
	const float want_plain[6] = { 0.0f, 0.0f, 0.5f, 5.9f, 6.0f, 7.5f };
	const float want_six[6] = { 0.0f, 0.0f, 0.5f, 5.9f, 6.0f, 6.0f };
	const float dy[6] = { 1, 2, 3, 4, 5, 6 };
	/* Gradient only strictly inside the sloped part. */
	const float want_dplain[6] = { 0, 0, 3, 4, 5, 6 };
	const float want_dsix[6] = { 0, 0, 3, 4, 0, 0 };
	struct shape s = { 6, 1, 1 };
	for (int k = 0; k < 2; k++) {
		struct layer_conf c = conf_of(LAYER_KIND_RELU);
		c.clip = k ? 6.0f : 0.0f;
		struct tl t;
		struct eng_err err;
		ck_assert_int_eq(tl_init(&t, LAYER_KIND_RELU, &c, &s, 1, 1, &err), ENG_STATUS_OK);
		float y[6], dx[6] = { 0 };
		tl_forward(&t, x, NULL, y, true);
		tl_backward(&t, x, NULL, y, dy, dx, NULL);
		for (int i = 0; i < 6; i++) {
			ck_assert_float_eq(y[i], k ? want_six[i] : want_plain[i]);
			ck_assert_float_eq(dx[i], k ? want_dsix[i] : want_dplain[i]);
		}
		tl_done(&t);
	}
}
END_TEST

/* ---- pooling ---------------------------------------------------------- */

/* Distinct values 0.05 apart in random order: no two cells of a window are
 * within 2 eps of each other, so no finite difference flips an arg-max. */
static float *distinct_inputs(size_t n, uint64_t seed)
{
	float *x = malloc(n * sizeof(float));
	ck_assert_ptr_nonnull(x);
	for (size_t i = 0; i < n; i++)
		x[i] = 0.05f * ((float)i - (float)n / 2.0f);
	struct rng r;
	rng_seed(&r, seed);
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = rng_below(&r, (uint32_t)(i + 1));
		float tmp = x[i];
		x[i] = x[j];
		x[j] = tmp;
	}
	return x;
}

struct pool_case {
	struct shape in;
	int size, stride, pad, batch;
};

static const struct pool_case pool_cases[] = {
	{ { 2, 7, 7 }, 3, 2, 1, 2 },  /* overlap and padding */
	{ { 2, 4, 6 }, 2, 0, 0, 2 },  /* default stride = size */
	{ { 1, 5, 5 }, 3, 1, 1, 1 },  /* stride 1, heavy overlap */
	{ { 3, 5, 4 }, 2, 1, 1, 1 },  /* padding on a non-square input */
};

START_TEST(test_maxpool_grad)
{
	const struct pool_case *pc = &pool_cases[_i];
	struct layer_conf c = conf_of(LAYER_KIND_MAXPOOL);
	c.size = pc->size;
	c.stride = pc->stride;
	c.pad = layer_pad_all(pc->pad);
	float *x = distinct_inputs(shape_size(pc->in) * (size_t)pc->batch, 21 + (uint64_t)_i);
	const float *const v[1] = { x };
	expect_grad(LAYER_KIND_MAXPOOL, &c, &pc->in, 1, pc->batch, false, 1e-3, v);
	free(x);
}
END_TEST

START_TEST(test_avgpool_grad)
{
	const struct pool_case *pc = &pool_cases[_i];
	struct layer_conf c = conf_of(LAYER_KIND_AVGPOOL);
	c.size = pc->size;
	c.stride = pc->stride;
	c.pad = layer_pad_all(pc->pad);
	expect_grad(LAYER_KIND_AVGPOOL, &c, &pc->in, 1, pc->batch, false, 1e-2, NULL);
}
END_TEST

START_TEST(test_gap_grad)
{
	struct layer_conf c = conf_of(LAYER_KIND_GAP);
	struct shape s = { 3, 3, 5 };
	expect_grad(LAYER_KIND_GAP, &c, &s, 1, 2, false, 1e-2, NULL);
}
END_TEST

/* One 4x4 plane, run through a pooling layer with batch 1. */
static void pool_run(enum layer_kind kind, int size, int stride, int pad,
		     const float *x, float *y, int *oh, int *ow)
{
	struct layer_conf c = conf_of(kind);
	c.size = size;
	c.stride = stride;
	c.pad = layer_pad_all(pad);
	struct shape s = { 1, 4, 4 };
	struct tl t;
	struct eng_err err;
	ck_assert_int_eq(tl_init(&t, kind, &c, &s, 1, 1, &err), ENG_STATUS_OK);
	*oh = t.l.out.h;
	*ow = t.l.out.w;
	tl_forward(&t, x, NULL, y, false);
	tl_done(&t);
}

/* A max pool large enough to split its planes over two threads (VGG's
 * first pool at batch 4) against a naive window scan in the test, and its
 * backward with two threads equal to one thread's. */
START_TEST(test_maxpool_threads)
{
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
	const int saved = openblas_get_num_threads();
	struct layer_conf c = conf_of(LAYER_KIND_MAXPOOL);
	c.size = 2;
	c.stride = 2;
	struct shape s = { 64, 32, 32 };
	int batch = 4;
	struct tl t;
	struct eng_err err;
	ck_assert_int_eq(tl_init(&t, LAYER_KIND_MAXPOOL, &c, &s, 1, batch, &err), ENG_STATUS_OK);
	size_t nin = shape_size(s) * (size_t)batch, nout = shape_size(t.l.out) * (size_t)batch;
	float *x = rand_floats(nin, 21, -1.0, 1.0), *dy = rand_floats(nout, 22, -1.0, 1.0);
	float *y = calloc(nout, sizeof(float));
	float *dx1 = calloc(nin, sizeof(float)), *dx2 = calloc(nin, sizeof(float));
	openblas_set_num_threads(2);
	tl_forward(&t, x, NULL, y, true);
	for (size_t p = 0; p < (size_t)batch * 64; p++)
		for (int oy = 0; oy < 16; oy++)
			for (int ox = 0; ox < 16; ox++) {
				const float *w = x + p * 1024 + (size_t)(2 * oy) * 32 + (size_t)(2 * ox);
				float m = fmaxf(fmaxf(w[0], w[1]), fmaxf(w[32], w[33]));
				ck_assert_float_eq(y[p * 256 + (size_t)oy * 16 + (size_t)ox], m);
			}
	tl_backward(&t, x, NULL, y, dy, dx2, NULL);
	openblas_set_num_threads(1);
	tl_backward(&t, x, NULL, y, dy, dx1, NULL);
	ck_assert_int_eq(memcmp(dx1, dx2, nin * sizeof(float)), 0);
	openblas_set_num_threads(saved);
	free(x); free(dy); free(y); free(dx1); free(dx2);
	tl_done(&t);
#endif
}
END_TEST

/* 2x2 stride-2 pools (pool.c's vector rows) on odd maps (the last row and
 * column fall outside every window), with ties and NaNs, against a scan of
 * each window in the test by the documented rule (first maximum wins, NaN
 * over numbers); the backward adds dy to the winner only, onto a nonzero
 * dx, and leaves cells outside every window alone. */
START_TEST(test_maxpool_2x2_ties_nan)
{
	struct layer_conf c = conf_of(LAYER_KIND_MAXPOOL);
	c.size = 2;
	c.stride = 2;
	struct shape s = { 3, 7, 37 };
	const int batch = 2;
	struct tl t;
	struct eng_err err;
	ck_assert_int_eq(tl_init(&t, LAYER_KIND_MAXPOOL, &c, &s, 1, batch, &err), ENG_STATUS_OK);
	ck_assert_int_eq(t.l.out.h, 3);
	ck_assert_int_eq(t.l.out.w, 18);
	const size_t nin = shape_size(s) * (size_t)batch, nout = shape_size(t.l.out) * (size_t)batch;
	float *x = rand_floats(nin, 60, -1.0, 1.0), *dy = rand_floats(nout, 61, -1.0, 1.0);
	/* Few distinct values: many ties; a few NaNs. */
	for (size_t i = 0; i < nin; i++) {
		x[i] = (float)(int)(x[i] * 2.0f);
		if (i % 23 == 5)
			x[i] = NAN;
	}
	float *y = calloc(nout, sizeof(float)), *dx = malloc(nin * sizeof(float));
	float *want = malloc(nin * sizeof(float));
	for (size_t i = 0; i < nin; i++)
		dx[i] = want[i] = 0.5f;
	tl_forward(&t, x, NULL, y, true);
	tl_backward(&t, x, NULL, y, dy, dx, NULL);
	const size_t planes = (size_t)batch * 3, in_plane = 7 * 37, out_plane = 3 * 18;
	for (size_t p = 0; p < planes; p++)
		for (int oy = 0; oy < 3; oy++)
			for (int ox = 0; ox < 18; ox++) {
				const float *xp = x + p * in_plane;
				size_t best = (size_t)(2 * oy) * 37 + (size_t)(2 * ox);
				for (int yy = 2 * oy; yy < 2 * oy + 2; yy++)
					for (int xx = 2 * ox; xx < 2 * ox + 2; xx++) {
						size_t i = (size_t)yy * 37 + (size_t)xx;
						if (xp[i] > xp[best] || (isnan(xp[i]) && !isnan(xp[best])))
							best = i;
					}
				const float got = y[p * out_plane + (size_t)oy * 18 + (size_t)ox];
				ck_assert_msg(isnan(xp[best]) ? isnan(got) : got == xp[best],
					      "y[%zu][%d][%d] = %g, want %g", p, oy, ox, (double)got,
					      (double)xp[best]);
				want[p * in_plane + best] += dy[p * out_plane + (size_t)oy * 18 + (size_t)ox];
			}
	ck_assert_int_eq(memcmp(dx, want, nin * sizeof(float)), 0);
	free(x); free(dy); free(y); free(dx); free(want);
	tl_done(&t);
}
END_TEST

START_TEST(test_pool_forward_hand)
{
	float pos[16], neg[16], y[16];
	for (int i = 0; i < 16; i++) {
		pos[i] = (float)(i + 1);   /* 1..16, row-major */
		neg[i] = -(float)(i + 1);
	}
	int oh, ow;
	pool_run(LAYER_KIND_MAXPOOL, 2, 0, 0, pos, y, &oh, &ow);
	ck_assert_int_eq(oh, 2);
	ck_assert_int_eq(ow, 2);
	const float want_max2[4] = { 6, 8, 14, 16 };
	for (int i = 0; i < 4; i++)
		ck_assert_float_eq(y[i], want_max2[i]);

	pool_run(LAYER_KIND_AVGPOOL, 2, 0, 0, pos, y, &oh, &ow);
	const float want_avg2[4] = { 3.5f, 5.5f, 11.5f, 13.5f };
	for (int i = 0; i < 4; i++)
		ck_assert_float_eq_tol(y[i], want_avg2[i], 1e-6f);

	/* Padded cells never win a max, even against all-negative inputs. */
	pool_run(LAYER_KIND_MAXPOOL, 3, 2, 1, neg, y, &oh, &ow);
	ck_assert_int_eq(oh, 2);
	ck_assert_int_eq(ow, 2);
	const float want_maxp[4] = { -1, -2, -5, -6 };
	for (int i = 0; i < 4; i++)
		ck_assert_float_eq(y[i], want_maxp[i]);

	/* Padded cells count as zeros, the divisor is always 9. */
	pool_run(LAYER_KIND_AVGPOOL, 3, 2, 1, pos, y, &oh, &ow);
	const float want_avgp[4] = { 14.0f / 9, 30.0f / 9, 57.0f / 9, 99.0f / 9 };
	for (int i = 0; i < 4; i++)
		ck_assert_float_eq_tol(y[i], want_avgp[i], 1e-5f);

	/* Stride 1 with overlap, 3x3 out of 4x4. */
	pool_run(LAYER_KIND_MAXPOOL, 2, 1, 0, pos, y, &oh, &ow);
	ck_assert_int_eq(oh, 3);
	ck_assert_int_eq(ow, 3);
	const float want_max21[9] = { 6, 7, 8, 10, 11, 12, 14, 15, 16 };
	for (int i = 0; i < 9; i++)
		ck_assert_float_eq(y[i], want_max21[i]);

	pool_run(LAYER_KIND_GAP, 0, 0, 0, pos, y, &oh, &ow);
	ck_assert_int_eq(oh, 1);
	ck_assert_int_eq(ow, 1);
	ck_assert_float_eq_tol(y[0], 8.5f, 1e-6f);
}
END_TEST

START_TEST(test_maxpool_ties)
{
	/* All equal: the first cell of each window takes the whole gradient. */
	struct layer_conf c = conf_of(LAYER_KIND_MAXPOOL);
	struct shape s = { 1, 4, 4 };
	struct tl t;
	struct eng_err err;
	ck_assert_int_eq(tl_init(&t, LAYER_KIND_MAXPOOL, &c, &s, 1, 1, &err), ENG_STATUS_OK);
	float x[16], y[4], dx[16] = { 0 };
	const float dy[4] = { 1, 2, 3, 4 };
	for (int i = 0; i < 16; i++)
		x[i] = 1.0f;
	tl_forward(&t, x, NULL, y, false);
	tl_backward(&t, x, NULL, y, dy, dx, NULL);
	const float want[16] = { 1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0, 0 };
	for (int i = 0; i < 16; i++)
		ck_assert_float_eq(dx[i], want[i]);
	tl_done(&t);
}
END_TEST

START_TEST(test_pool_shapes)
{
	static const struct {
		struct shape in;
		int size, stride, pad, oh, ow;
	} cases[] = {
		{ { 3, 7, 7 }, 3, 2, 1, 4, 4 },
		{ { 3, 6, 6 }, 2, 0, 0, 3, 3 },
		{ { 3, 5, 5 }, 3, 2, 0, 2, 2 },
		{ { 3, 4, 5 }, 2, 1, 1, 5, 6 },
		{ { 3, 5, 5 }, 2, 0, 0, 2, 2 },  /* floor drops the last row */
		{ { 3, 1, 1 }, 3, 1, 1, 1, 1 },  /* the padded window just fits */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct layer_conf c = conf_of(LAYER_KIND_AVGPOOL);
		c.size = cases[i].size;
		c.stride = cases[i].stride;
		c.pad = layer_pad_all(cases[i].pad);
		struct tl t;
		struct eng_err err;
		ck_assert_int_eq(tl_init(&t, LAYER_KIND_AVGPOOL, &c, &cases[i].in, 1, 1, &err),
				 ENG_STATUS_OK);
		ck_assert_int_eq(t.l.out.c, 3);
		ck_assert_int_eq(t.l.out.h, cases[i].oh);
		ck_assert_int_eq(t.l.out.w, cases[i].ow);
		ck_assert_uint_eq(layer_param_count(&t.l), 0);
		tl_done(&t);
	}
}
END_TEST

/* ---- linear, add, flatten --------------------------------------------- */

START_TEST(test_linear_grad)
{
	struct layer_conf c = conf_of(LAYER_KIND_LINEAR);
	c.out = 5;
	struct shape s = { 2, 3, 3 };
	c.bias = 1;
	expect_grad(LAYER_KIND_LINEAR, &c, &s, 1, 3, false, 1e-2, NULL);
	c.bias = 0;
	expect_grad(LAYER_KIND_LINEAR, &c, &s, 1, 3, false, 1e-2, NULL);
}
END_TEST

START_TEST(test_linear_forward_naive)
{
	struct layer_conf c = conf_of(LAYER_KIND_LINEAR);
	c.out = 7;
	struct shape s = { 3, 2, 4 };
	int batch = 4, nin = 24;
	struct tl t;
	struct eng_err err;
	ck_assert_int_eq(tl_init(&t, LAYER_KIND_LINEAR, &c, &s, 1, batch, &err), ENG_STATUS_OK);
	for (int o = 0; o < 7; o++)
		t.l.b[o] = 0.1f * (float)(o - 3);
	float *x = rand_floats((size_t)batch * nin, 9, -1.0, 1.0);
	float y[4 * 7];
	tl_forward(&t, x, NULL, y, false);
	for (int b = 0; b < batch; b++)
		for (int o = 0; o < 7; o++) {
			double want = t.l.b[o];
			for (int i = 0; i < nin; i++)
				want += (double)x[b * nin + i] * t.l.w[o * nin + i];
			ck_assert_double_eq_tol(y[b * 7 + o], want, 1e-5);
		}
	/* Backward against naive loops too, accumulating on non-zero grads. */
	float *dy = rand_floats((size_t)batch * 7, 10, -1.0, 1.0);
	float *dx = calloc((size_t)batch * nin, sizeof(float));
	for (size_t i = 0; i < layer_param_count(&t.l); i++)
		t.grads[i] = 0.5f;
	for (int i = 0; i < batch * nin; i++)
		dx[i] = -1.0f;
	tl_backward(&t, x, NULL, y, dy, dx, NULL);
	for (int o = 0; o < 7; o++) {
		double db = 0.5;
		for (int b = 0; b < batch; b++)
			db += dy[b * 7 + o];
		ck_assert_double_eq_tol(t.l.db[o], db, 1e-5);
		for (int i = 0; i < nin; i++) {
			double dw = 0.5;
			for (int b = 0; b < batch; b++)
				dw += (double)dy[b * 7 + o] * x[b * nin + i];
			ck_assert_double_eq_tol(t.l.dw[o * nin + i], dw, 1e-5);
		}
	}
	for (int b = 0; b < batch; b++)
		for (int i = 0; i < nin; i++) {
			double want = -1.0;
			for (int o = 0; o < 7; o++)
				want += (double)dy[b * 7 + o] * t.l.w[o * nin + i];
			ck_assert_double_eq_tol(dx[b * nin + i], want, 1e-5);
		}
	free(x); free(dy); free(dx);
	tl_done(&t);
}
END_TEST

/* The linear layer runs products below 2^24 multiply-adds on the calling
 * thread (linear.c: OpenBLAS's pool would spin against the engine's team)
 * and larger ones on OpenBLAS's threads: either way it must leave
 * OpenBLAS's thread count as it found it, and compute the same product. */
START_TEST(test_linear_keeps_blas_threads)
{
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
	const int saved = openblas_get_num_threads();
	openblas_set_num_threads(2);
	static const int ins[] = { 24, 1024 }; /* 64 x in x 256: 393 Ki and 16 Mi MACs */
	for (int k = 0; k < 2; k++) {
		struct layer_conf c = conf_of(LAYER_KIND_LINEAR);
		c.out = 256;
		struct shape s = { ins[k], 1, 1 };
		int batch = 64, nin = ins[k];
		struct tl t;
		struct eng_err err;
		ck_assert_int_eq(tl_init(&t, LAYER_KIND_LINEAR, &c, &s, 1, batch, &err), ENG_STATUS_OK);
		float *x = rand_floats((size_t)batch * nin, 11, -1.0, 1.0);
		float *y = calloc((size_t)batch * 256, sizeof(float));
		float *dy = rand_floats((size_t)batch * 256, 12, -1.0, 1.0);
		float *dx = calloc((size_t)batch * nin, sizeof(float));
		tl_forward(&t, x, NULL, y, false);
		ck_assert_int_eq(openblas_get_num_threads(), 2);
		tl_backward(&t, x, NULL, y, dy, dx, NULL);
		ck_assert_int_eq(openblas_get_num_threads(), 2);
		for (int b = 0; b < batch; b += 13)
			for (int o = 0; o < 256; o += 17) {
				double want = t.l.b[o];
				for (int i = 0; i < nin; i++)
					want += (double)x[b * nin + i] * t.l.w[o * nin + i];
				ck_assert_double_eq_tol(y[b * 256 + o], want, 1e-4);
			}
		for (int b = 0; b < batch; b += 11)
			for (int i = 0; i < nin; i += 7) {
				double want = 0.0;
				for (int o = 0; o < 256; o++)
					want += (double)dy[b * 256 + o] * t.l.w[o * nin + i];
				ck_assert_double_eq_tol(dx[b * nin + i], want, 1e-4);
			}
		free(x); free(y); free(dy); free(dx);
		tl_done(&t);
	}
	openblas_set_num_threads(saved);
#endif
}
END_TEST

START_TEST(test_linear_counts_and_init)
{
	struct layer_conf c = conf_of(LAYER_KIND_LINEAR);
	c.out = 5;
	struct shape s = { 2, 3, 3 };
	struct tl t;
	struct eng_err err;
	ck_assert_int_eq(tl_init(&t, LAYER_KIND_LINEAR, &c, &s, 1, 1, &err), ENG_STATUS_OK);
	ck_assert_uint_eq(t.l.ops->macs(&t.l), 90);
	ck_assert_uint_eq(t.l.w_len, 90);
	ck_assert_uint_eq(t.l.b_len, 5);
	ck_assert_int_eq(t.l.out.c, 5);
	ck_assert_int_eq(t.l.out.h, 1);
	ck_assert_int_eq(t.l.out.w, 1);
	tl_done(&t);

	/* LeNet-5's F6: 120 -> 84, 10080 MACs, no bias. */
	c.out = 84;
	c.bias = 0;
	struct shape s2 = { 120, 1, 1 };
	ck_assert_int_eq(tl_init(&t, LAYER_KIND_LINEAR, &c, &s2, 1, 1, &err), ENG_STATUS_OK);
	ck_assert_uint_eq(t.l.ops->macs(&t.l), 10080);
	ck_assert_uint_eq(layer_param_count(&t.l), 10080);
	ck_assert_ptr_null(t.l.b);
	tl_done(&t);

	/* Kaiming fan-in: std sqrt(2 / 200) = 0.1 over 20000 weights. */
	c.out = 100;
	c.bias = 1;
	struct shape s3 = { 8, 5, 5 };
	ck_assert_int_eq(tl_init(&t, LAYER_KIND_LINEAR, &c, &s3, 1, 1, &err), ENG_STATUS_OK);
	double ss = 0.0, sum = 0.0;
	for (size_t i = 0; i < t.l.w_len; i++) {
		sum += t.l.w[i];
		ss += (double)t.l.w[i] * t.l.w[i];
	}
	double n = (double)t.l.w_len;
	ck_assert_double_lt(fabs(sum / n), 0.005);
	ck_assert_double_eq_tol(sqrt(ss / n), 0.1, 0.005);
	for (size_t i = 0; i < t.l.b_len; i++)
		ck_assert_float_eq(t.l.b[i], 0.0f);
	tl_done(&t);
}
END_TEST

START_TEST(test_add_grad)
{
	struct layer_conf c = conf_of(LAYER_KIND_ADD);
	struct shape s[2] = { { 3, 2, 3 }, { 3, 2, 3 } };
	expect_grad(LAYER_KIND_ADD, &c, s, 2, 2, false, 1e-2, NULL);
}
END_TEST

START_TEST(test_add_forward_backward)
{
	struct layer_conf c = conf_of(LAYER_KIND_ADD);
	struct shape s[2] = { { 2, 1, 2 }, { 2, 1, 2 } };
	struct tl t;
	struct eng_err err;
	ck_assert_int_eq(tl_init(&t, LAYER_KIND_ADD, &c, s, 2, 1, &err), ENG_STATUS_OK);
	const float a[4] = { 1, 2, 3, 4 }, b[4] = { 10, -20, 30, 0.5f };
	const float dy[4] = { 1, -1, 2, -2 };
	float y[4], da[4] = { 1, 1, 1, 1 }, db[4] = { 0 };
	tl_forward(&t, a, b, y, false);
	for (int i = 0; i < 4; i++)
		ck_assert_float_eq(y[i], a[i] + b[i]);
	tl_backward(&t, a, b, y, dy, da, db);
	for (int i = 0; i < 4; i++) {
		ck_assert_float_eq(da[i], 1.0f + dy[i]);
		ck_assert_float_eq(db[i], dy[i]);
	}
	/* A NULL din (the net's input) is skipped, the other still gets dout. */
	tl_backward(&t, a, b, y, dy, NULL, db);
	for (int i = 0; i < 4; i++)
		ck_assert_float_eq(db[i], 2.0f * dy[i]);
	tl_done(&t);
}
END_TEST

/* An add big enough to be split over the team (threads.h's parts, 3 x
 * 67 x 67 x 10 floats: not a multiple of 16), plain and with its ReLU
 * (forward_relu, backward_relu; clip 0 and 0.75), against loops over every
 * element: sums and masks are exact, so they must match to the bit; the
 * backward once assigning (onto NaN) and once adding. */
START_TEST(test_add_team_and_relu)
{
	struct layer_conf c = conf_of(LAYER_KIND_ADD);
	struct shape s[2] = { { 3, 67, 67 }, { 3, 67, 67 } };
	const int batch = 10;
	struct tl t;
	struct eng_err err;
	ck_assert_int_eq(tl_init(&t, LAYER_KIND_ADD, &c, s, 2, batch, &err), ENG_STATUS_OK);
	const size_t n = shape_size(s[0]) * (size_t)batch;
	float *a = rand_floats(n, 50, -1.0, 1.0), *b = rand_floats(n, 51, -1.0, 1.0);
	float *dy = rand_floats(n, 52, -1.0, 1.0), *y = malloc(n * sizeof(float));
	float *d0 = malloc(n * sizeof(float)), *d1 = malloc(n * sizeof(float));
	const float clips[] = { -1.0f, 0.0f, 0.75f }; /* -1: no ReLU */
	for (int ci = 0; ci < 3; ci++) {
		const float clip = clips[ci];
		struct layer_io io = { .batch = batch, .train = true, .in = { a, b }, .out = y,
				       .dout = dy, .din = { d0, d1 },
				       .din_assign = { true, false } };
		if (clip < 0.0f)
			t.l.ops->forward(&t.l, &io);
		else
			t.l.ops->forward_relu(&t.l, &io, clip);
		for (size_t i = 0; i < n; i++) {
			d0[i] = NAN;
			d1[i] = 0.5f;
		}
		if (clip < 0.0f)
			t.l.ops->backward(&t.l, &io);
		else
			t.l.ops->backward_relu(&t.l, &io, clip);
		size_t passed = 0;
		for (size_t i = 0; i < n; i++) {
			float v = a[i] + b[i];
			bool pass = clip < 0.0f || (v > 0.0f && (clip == 0.0f || v < clip));
			float want = clip < 0.0f ? v : (v > 0.0f ? (clip > 0.0f && v >= clip ? clip : v) : 0.0f);
			ck_assert_msg(y[i] == want, "clip %g: y[%zu] = %g, want %g", (double)clip, i,
				      (double)y[i], (double)want);
			float g = pass ? dy[i] : 0.0f;
			ck_assert_msg(d0[i] == g && d1[i] == 0.5f + g, "clip %g: din at %zu",
				      (double)clip, i);
			passed += pass;
		}
		ck_assert(passed > 0 && (clip < 0.0f || passed < n));
	}
	free(a); free(b); free(dy); free(y); free(d0); free(d1);
	tl_done(&t);
}
END_TEST

START_TEST(test_flatten)
{
	struct layer_conf c = conf_of(LAYER_KIND_FLATTEN);
	struct shape s = { 2, 3, 2 };
	expect_grad(LAYER_KIND_FLATTEN, &c, &s, 1, 2, false, 1e-2, NULL);
	struct tl t;
	struct eng_err err;
	ck_assert_int_eq(tl_init(&t, LAYER_KIND_FLATTEN, &c, &s, 1, 2, &err), ENG_STATUS_OK);
	ck_assert_int_eq(t.l.out.c, 12);
	ck_assert_int_eq(t.l.out.h, 1);
	ck_assert_int_eq(t.l.out.w, 1);
	float *x = rand_floats(24, 12, -1.0, 1.0);
	float y[24];
	tl_forward(&t, x, NULL, y, false);
	ck_assert_mem_eq(x, y, sizeof y);
	free(x);
	tl_done(&t);
}
END_TEST

/* ---- contract checks shared by all kinds ------------------------------ */

/* Backward ADDS: two backwards onto zeroed gradients give exactly twice one
 * backward (for linear via sgemm, to rounding). */
START_TEST(test_backward_accumulates)
{
	static const enum layer_kind kinds[] = {
		LAYER_KIND_BN, LAYER_KIND_RELU, LAYER_KIND_MAXPOOL,
		LAYER_KIND_AVGPOOL, LAYER_KIND_GAP, LAYER_KIND_FLATTEN,
		LAYER_KIND_LINEAR, LAYER_KIND_ADD,
	};
	enum layer_kind kind = kinds[_i];
	struct layer_conf c = conf_of(kind);
	c.out = 4;
	struct shape s[2] = { { 3, 4, 4 }, { 3, 4, 4 } };
	int n_in = kind == LAYER_KIND_ADD ? 2 : 1, batch = 2;
	struct tl t;
	struct eng_err err;
	ck_assert_int_eq(tl_init(&t, kind, &c, s, n_in, batch, &err), ENG_STATUS_OK);
	size_t nin = shape_size(s[0]) * (size_t)batch;
	size_t nout = shape_size(t.l.out) * (size_t)batch;
	size_t np = layer_param_count(&t.l);
	float *x0 = rand_floats(nin, 30, -1.0, 1.0), *x1 = rand_floats(nin, 31, -1.0, 1.0);
	float *dy = rand_floats(nout, 32, -1.0, 1.0);
	float *y = calloc(nout, sizeof(float));
	float *d0 = calloc(nin, sizeof(float)), *d1 = calloc(nin, sizeof(float));
	float *once0 = malloc(nin * sizeof(float)), *once1 = malloc(nin * sizeof(float));
	float *oncep = malloc((np + 1) * sizeof(float));
	tl_forward(&t, x0, x1, y, true);
	tl_backward(&t, x0, x1, y, dy, d0, n_in == 2 ? d1 : NULL);
	memcpy(once0, d0, nin * sizeof(float));
	memcpy(once1, d1, nin * sizeof(float));
	memcpy(oncep, t.grads, np * sizeof(float));
	double norm = 0.0;
	for (size_t i = 0; i < nin; i++)
		norm += fabs(once0[i]);
	ck_assert_msg(norm > 0.0, "%s: backward produced no gradient", t.l.ops->name);
	tl_backward(&t, x0, x1, y, dy, d0, n_in == 2 ? d1 : NULL);
	for (size_t i = 0; i < nin; i++) {
		ck_assert_float_eq_tol(d0[i], 2.0f * once0[i], 1e-6f);
		ck_assert_float_eq_tol(d1[i], 2.0f * once1[i], 1e-6f);
	}
	for (size_t i = 0; i < np; i++)
		ck_assert_float_eq_tol(t.grads[i], 2.0f * oncep[i], 1e-5f);
	free(x0); free(x1); free(dy); free(y); free(d0); free(d1);
	free(once0); free(once1); free(oncep);
	tl_done(&t);
}
END_TEST

/* The first writer ASSIGNS (layer_io.din_assign): onto gradients that
 * hold NaN, a backward asked to assign gives what adding onto zeros gives
 * (linear through sgemm's beta = 0, to rounding).  Loops 0-7 are the
 * kinds, 8 is ReLU6, 9 an add whose two inputs are one tensor (the net
 * assigns the first and adds the second: twice dout). */
START_TEST(test_backward_assigns)
{
	static const enum layer_kind kinds[] = {
		LAYER_KIND_BN, LAYER_KIND_RELU, LAYER_KIND_MAXPOOL,
		LAYER_KIND_AVGPOOL, LAYER_KIND_GAP, LAYER_KIND_FLATTEN,
		LAYER_KIND_LINEAR, LAYER_KIND_ADD, LAYER_KIND_RELU, LAYER_KIND_ADD,
	};
	enum layer_kind kind = kinds[_i];
	struct layer_conf c = conf_of(kind);
	c.out = 4;
	if (_i == 8)
		c.clip = 0.5f;
	struct shape s[2] = { { 3, 4, 4 }, { 3, 4, 4 } };
	int n_in = kind == LAYER_KIND_ADD ? 2 : 1, batch = 2;
	bool shared = _i == 9;
	struct tl t;
	struct eng_err err;
	ck_assert_int_eq(tl_init(&t, kind, &c, s, n_in, batch, &err), ENG_STATUS_OK);
	size_t nin = shape_size(s[0]) * (size_t)batch;
	size_t nout = shape_size(t.l.out) * (size_t)batch;
	float *x0 = rand_floats(nin, 40, -1.0, 1.0), *x1 = rand_floats(nin, 41, -1.0, 1.0);
	float *dy = rand_floats(nout, 42, -1.0, 1.0);
	float *y = calloc(nout, sizeof(float));
	float *want0 = calloc(nin, sizeof(float)), *want1 = calloc(nin, sizeof(float));
	float *d0 = malloc(nin * sizeof(float)), *d1 = malloc(nin * sizeof(float));
	tl_forward(&t, x0, shared ? x0 : x1, y, true);
	tl_backward(&t, x0, shared ? x0 : x1, y, dy, want0,
		    n_in == 2 ? (shared ? want0 : want1) : NULL);
	for (size_t i = 0; i < nin; i++)
		d0[i] = d1[i] = NAN;
	tl_backward_assign(&t, x0, shared ? x0 : x1, y, dy, d0,
			   n_in == 2 ? (shared ? d0 : d1) : NULL, true, n_in == 2 && !shared);
	double norm = 0.0;
	for (size_t i = 0; i < nin; i++) {
		norm += fabs(want0[i]);
		ck_assert_msg(fabsf(d0[i] - want0[i]) <= 1e-6f,
			      "%s: din[0][%zu] assigned %g, added %g", t.l.ops->name, i,
			      (double)d0[i], (double)want0[i]);
		if (n_in == 2 && !shared)
			ck_assert_msg(fabsf(d1[i] - want1[i]) <= 1e-6f,
				      "%s: din[1][%zu] assigned %g, added %g", t.l.ops->name,
				      i, (double)d1[i], (double)want1[i]);
	}
	ck_assert_msg(norm > 0.0, "%s: backward produced no gradient", t.l.ops->name);
	free(x0); free(x1); free(dy); free(y); free(want0); free(want1); free(d0); free(d1);
	tl_done(&t);
}
END_TEST

/* layer_io.dw_assign: onto parameter gradients that hold NaN, batch norm
 * and linear (with a bias) give what adding onto zeros gives. */
START_TEST(test_backward_assigns_dw)
{
	static const enum layer_kind kinds[] = { LAYER_KIND_BN, LAYER_KIND_LINEAR };
	enum layer_kind kind = kinds[_i];
	struct layer_conf c = conf_of(kind);
	c.out = 5;
	c.bias = true;
	struct shape s = { 3, 4, 4 };
	const int batch = 3;
	struct tl t;
	struct eng_err err;
	ck_assert_int_eq(tl_init(&t, kind, &c, &s, 1, batch, &err), ENG_STATUS_OK);
	const size_t nin = shape_size(s) * (size_t)batch, nout = shape_size(t.l.out) * (size_t)batch;
	const size_t ng = t.l.w_len + t.l.b_len;
	ck_assert(t.l.b_len > 0);
	float *x = rand_floats(nin, 50, -1.0, 1.0), *dy = rand_floats(nout, 51, -1.0, 1.0);
	float *y = calloc(nout, sizeof(float)), *want = malloc(ng * sizeof(float));
	tl_forward(&t, x, NULL, y, true);
	memset(t.grads, 0, ng * sizeof(float));
	tl_backward(&t, x, NULL, y, dy, NULL, NULL);
	memcpy(want, t.grads, ng * sizeof(float));
	for (size_t i = 0; i < ng; i++)
		t.grads[i] = NAN;
	struct layer_io io = { .batch = batch, .train = true, .in = { x }, .out = y, .dout = dy,
			       .dw_assign = true, .cache = t.cache, .scratch = t.scratch };
	t.l.ops->backward(&t.l, &io);
	double norm = 0.0;
	for (size_t i = 0; i < ng; i++) {
		norm += fabs(want[i]);
		ck_assert_msg(fabsf(t.grads[i] - want[i]) <= 1e-6f, "%s: grad %zu assigned %g, added %g",
			      t.l.ops->name, i, (double)t.grads[i], (double)want[i]);
	}
	ck_assert(norm > 0.0);
	free(x); free(dy); free(y); free(want);
	tl_done(&t);
}
END_TEST

static void expect_reject(enum layer_kind kind, const struct layer_conf *conf,
			  const struct shape *in, int n_in, const char *also)
{
	struct tl t;
	struct eng_err err = { { 0 } };
	enum eng_status st = tl_init(&t, kind, conf, in, n_in, 1, &err);
	ck_assert_int_eq(st, ENG_STATUS_EINVAL);
	ck_assert_msg(strstr(err.msg, t.l.name) != NULL, "message '%s' lacks '%s'",
		      err.msg, t.l.name);
	if (also)
		ck_assert_msg(strstr(err.msg, also) != NULL, "message '%s' lacks '%s'",
			      err.msg, also);
}

START_TEST(test_infer_rejects)
{
	struct shape s[2] = { { 2, 3, 3 }, { 2, 3, 4 } };
	struct shape sq[2] = { { 2, 3, 3 }, { 2, 3, 3 } };
	struct layer_conf c;

	c = conf_of(LAYER_KIND_ADD);
	expect_reject(LAYER_KIND_ADD, &c, s, 2, "2x3x3");
	expect_reject(LAYER_KIND_ADD, &c, s, 2, "2x3x4");
	expect_reject(LAYER_KIND_ADD, &c, sq, 1, NULL);

	c = conf_of(LAYER_KIND_MAXPOOL);
	c.size = 5;                      /* 5x5 window on a 3x3 input */
	expect_reject(LAYER_KIND_MAXPOOL, &c, sq, 1, NULL);
	c.size = 4;                      /* (3 + 0 - 4) / 1 would truncate to 0 */
	c.stride = 1;
	expect_reject(LAYER_KIND_MAXPOOL, &c, sq, 1, NULL);
	c = conf_of(LAYER_KIND_AVGPOOL);
	c.size = 3;
	c.pad = layer_pad_all(2);                       /* more than half the window */
	expect_reject(LAYER_KIND_AVGPOOL, &c, sq, 1, NULL);
	c.pad = layer_pad_all(0);
	c.size = 0;
	expect_reject(LAYER_KIND_AVGPOOL, &c, sq, 1, NULL);
	c.size = 2;
	c.stride = -1;
	expect_reject(LAYER_KIND_AVGPOOL, &c, sq, 1, NULL);
	c.stride = 0;
	c.pad = layer_pad_all(-1);
	expect_reject(LAYER_KIND_AVGPOOL, &c, sq, 1, NULL);
	c = conf_of(LAYER_KIND_MAXPOOL);
	expect_reject(LAYER_KIND_MAXPOOL, &c, sq, 2, NULL);
	c = conf_of(LAYER_KIND_GAP);
	expect_reject(LAYER_KIND_GAP, &c, sq, 2, NULL);

	c = conf_of(LAYER_KIND_LINEAR);
	c.out = 0;
	expect_reject(LAYER_KIND_LINEAR, &c, sq, 1, NULL);
	c.out = -3;
	expect_reject(LAYER_KIND_LINEAR, &c, sq, 1, NULL);
	c.out = 4;
	c.bias = 2;
	expect_reject(LAYER_KIND_LINEAR, &c, sq, 1, NULL);

	c = conf_of(LAYER_KIND_BN);
	expect_reject(LAYER_KIND_BN, &c, sq, 2, NULL);
	c.eps = 0.0f;
	expect_reject(LAYER_KIND_BN, &c, sq, 1, NULL);
	c.eps = 1e-5f;
	c.momentum = 1.5f;
	expect_reject(LAYER_KIND_BN, &c, sq, 1, NULL);

	c = conf_of(LAYER_KIND_RELU);
	c.clip = -1.0f;
	expect_reject(LAYER_KIND_RELU, &c, sq, 1, NULL);
	c.clip = 0.0f;
	expect_reject(LAYER_KIND_RELU, &c, sq, 2, NULL);

	c = conf_of(LAYER_KIND_FLATTEN);
	expect_reject(LAYER_KIND_FLATTEN, &c, sq, 2, NULL);
	struct shape empty = { 0, 3, 3 };
	expect_reject(LAYER_KIND_FLATTEN, &c, &empty, 1, NULL);
}
END_TEST

static Suite *layers_suite(void)
{
	Suite *s = suite_create("layers");
	TCase *tc = tcase_create("bn");
	tcase_add_test(tc, test_bn_grad_train);
	tcase_add_test(tc, test_bn_grad_eval);
	tcase_add_test(tc, test_bn_init);
	tcase_add_test(tc, test_bn_eval_forward);
	tcase_add_test(tc, test_bn_train_running_stats);
	tcase_add_test(tc, test_bn_stats_precision);
	suite_add_tcase(s, tc);

	tc = tcase_create("relu");
	tcase_add_test(tc, test_relu_grad);
	tcase_add_test(tc, test_relu_forward);
	suite_add_tcase(s, tc);

	int n_pool = (int)(sizeof pool_cases / sizeof pool_cases[0]);
	tc = tcase_create("pool");
	tcase_add_loop_test(tc, test_maxpool_grad, 0, n_pool);
	tcase_add_loop_test(tc, test_avgpool_grad, 0, n_pool);
	tcase_add_test(tc, test_gap_grad);
	tcase_add_test(tc, test_maxpool_threads);
	tcase_add_test(tc, test_pool_forward_hand);
	tcase_add_test(tc, test_maxpool_ties);
	tcase_add_test(tc, test_pool_shapes);
	suite_add_tcase(s, tc);

	tc = tcase_create("linear_add_flatten");
	tcase_add_test(tc, test_linear_grad);
	tcase_add_test(tc, test_linear_forward_naive);
	tcase_add_test(tc, test_linear_keeps_blas_threads);
	tcase_add_test(tc, test_linear_counts_and_init);
	tcase_add_test(tc, test_add_grad);
	tcase_add_test(tc, test_add_forward_backward);
	tcase_add_test(tc, test_add_team_and_relu);
	tcase_add_test(tc, test_flatten);
	tcase_add_test(tc, test_maxpool_2x2_ties_nan);
	suite_add_tcase(s, tc);

	tc = tcase_create("contract");
	tcase_add_loop_test(tc, test_backward_accumulates, 0, 8);
	tcase_add_loop_test(tc, test_backward_assigns, 0, 10);
	tcase_add_loop_test(tc, test_backward_assigns_dw, 0, 2);
	tcase_add_test(tc, test_infer_rejects);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(layers_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
