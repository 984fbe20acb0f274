/* check_train: the training loop, schedules, shuffling, evaluation and
 * quick-eval (determinism, masks, abort), plus LeNet-5 on the real
 * Fashion-MNIST when it is installed. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cancel.h"
#include "io/cfg.h"
#include "data/data.h"
#include "nn/net.h"
#include "train/quickeval.h"
#include "train/train.h"

static struct net *net_from_cfg(const char *text)
{
	struct net_spec spec;
	struct eng_err err;
	struct net *net = NULL;
	ck_assert_msg(cfg_parse_string(text, strlen(text), "test.cfg", &spec, &err) ==
		      ENG_STATUS_OK, "%s", err.msg);
	ck_assert_msg(net_build(&spec, &net, &err) == ENG_STATUS_OK, "%s", err.msg);
	net_spec_done(&spec);
	return net;
}

/* --- schedules ------------------------------------------------------------ */

START_TEST(test_schedule_step)
{
	struct train_lr s = { TRAIN_SCHEDULE_STEP, 1.0f, 0, 100 };
	const long steps[] = { 0, 49, 50, 74, 75, 99 };
	const float want[] = { 1.0f, 1.0f, 0.1f, 0.1f, 0.01f, 0.01f };
	for (int i = 0; i < 6; i++)
		ck_assert_float_eq_tol(train_lr_at(&s, steps[i]), want[i], 1e-7);
	/* Warm-up ramps linearly to the base over 10 steps; the milestones
	 * stay at 50 % / 75 % of all steps. */
	struct train_lr w = { TRAIN_SCHEDULE_STEP, 0.4f, 10, 100 };
	ck_assert_float_eq_tol(train_lr_at(&w, 0), 0.04f, 1e-7);
	ck_assert_float_eq_tol(train_lr_at(&w, 4), 0.2f, 1e-7);
	ck_assert_float_eq_tol(train_lr_at(&w, 9), 0.4f, 1e-7);
	ck_assert_float_eq_tol(train_lr_at(&w, 10), 0.4f, 1e-7);
	ck_assert_float_eq_tol(train_lr_at(&w, 50), 0.04f, 1e-7);
	ck_assert_float_eq_tol(train_lr_at(&w, 80), 0.004f, 1e-8);
	/* Odd totals: 4*step >= 3T and 2*step >= T, no rounding surprises. */
	struct train_lr o = { TRAIN_SCHEDULE_STEP, 1.0f, 0, 7 };
	ck_assert_float_eq(train_lr_at(&o, 3), 1.0f);
	ck_assert_float_eq(train_lr_at(&o, 4), 0.1f);
	ck_assert_float_eq(train_lr_at(&o, 5), 0.1f);
	ck_assert_float_eq(train_lr_at(&o, 6), 0.01f);
}
END_TEST

START_TEST(test_schedule_cosine)
{
	struct train_lr s = { TRAIN_SCHEDULE_COSINE, 1.0f, 0, 100 };
	ck_assert_float_eq_tol(train_lr_at(&s, 0), 1.0f, 1e-7);
	ck_assert_float_eq_tol(train_lr_at(&s, 50), 0.5f, 1e-6);
	ck_assert_float_eq_tol(train_lr_at(&s, 25), 0.8535534f, 1e-6); /* (1+cos(pi/4))/2 */
	ck_assert_float_eq_tol(train_lr_at(&s, 100), 0.0f, 1e-7);
	/* Warm-up 10 steps, then cosine over the remaining 100. */
	struct train_lr w = { TRAIN_SCHEDULE_COSINE, 0.2f, 10, 110 };
	ck_assert_float_eq_tol(train_lr_at(&w, 0), 0.02f, 1e-8);
	ck_assert_float_eq_tol(train_lr_at(&w, 9), 0.2f, 1e-7);
	ck_assert_float_eq_tol(train_lr_at(&w, 10), 0.2f, 1e-7);
	ck_assert_float_eq_tol(train_lr_at(&w, 35), 0.2f * 0.8535534f, 1e-6);
	ck_assert_float_eq_tol(train_lr_at(&w, 60), 0.1f, 1e-6);
	ck_assert_float_eq_tol(train_lr_at(&w, 109), 0.2f * 0.5f * (1.0f + cosf((float)M_PI * 0.99f)), 1e-6);
	/* Monotone non-increasing after the warm-up. */
	for (long k = 11; k < 110; k++)
		ck_assert(train_lr_at(&w, k) <= train_lr_at(&w, k - 1));
	struct train_lr c = { TRAIN_SCHEDULE_CONSTANT, 0.3f, 0, 10 };
	ck_assert_float_eq(train_lr_at(&c, 9), 0.3f);
}
END_TEST

START_TEST(test_steps_per_epoch)
{
	ck_assert_int_eq(train_steps_per_epoch(60000, 64), 937);  /* tail dropped */
	ck_assert_int_eq(train_steps_per_epoch(128, 64), 2);
	ck_assert_int_eq(train_steps_per_epoch(10, 64), 1);       /* one short batch */
	ck_assert_int_eq(train_steps_per_epoch(0, 64), 0);
}
END_TEST

/* --- shuffling ------------------------------------------------------------ */

START_TEST(test_shuffle_permutation)
{
	enum { N = 1000 };
	int32_t a[N], b[N], c[N];
	for (int i = 0; i < N; i++)
		a[i] = b[i] = c[i] = i;
	struct rng r1, r2, r3;
	rng_seed(&r1, 42);
	rng_seed(&r2, 42);
	rng_seed(&r3, 43);
	train_shuffle(a, N, &r1);
	train_shuffle(b, N, &r2);
	train_shuffle(c, N, &r3);
	int seen[N] = { 0 }, fixed = 0;
	for (int i = 0; i < N; i++) {
		ck_assert(a[i] >= 0 && a[i] < N);
		seen[a[i]]++;
		fixed += a[i] == i;
	}
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(seen[i], 1);
	ck_assert(memcmp(a, b, sizeof a) == 0);   /* same seed, same order */
	ck_assert(memcmp(a, c, sizeof a) != 0);   /* another seed, another */
	ck_assert_int_lt(fixed, 10);              /* expected ~1 fixed point */
}
END_TEST

START_TEST(test_shuffle_uniform)
{
	/* Every value lands in every slot equally often: 5 x 5 counts over
	 * 50,000 shuffles, each expected 10,000 (sd ~89); a biased shuffle
	 * (e.g. swapping with any index) is off by hundreds. */
	enum { N = 5, TRIALS = 50000 };
	int count[N][N] = { { 0 } };
	struct rng r;
	rng_seed(&r, 7);
	for (int t = 0; t < TRIALS; t++) {
		int32_t v[N] = { 0, 1, 2, 3, 4 };
		train_shuffle(v, N, &r);
		for (int i = 0; i < N; i++)
			count[i][v[i]]++;
	}
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			ck_assert_msg(abs(count[i][j] - TRIALS / N) < 450,
				      "slot %d value %d: %d", i, j, count[i][j]);
}
END_TEST

/* --- Wilson interval ------------------------------------------------------ */

START_TEST(test_wilson)
{
	/* Computed separately (Python, the textbook formula) with z = 1.96; the
	 * textbook example 8/10 gives [0.490, 0.943]. */
	double lo, hi;
	quickeval_wilson(8, 10, 1.96, &lo, &hi);
	ck_assert_double_eq_tol(lo, 0.4901568, 1e-6);
	ck_assert_double_eq_tol(hi, 0.9433191, 1e-6);
	quickeval_wilson(0, 10, 1.96, &lo, &hi);
	ck_assert_double_eq_tol(lo, 0.0, 1e-12);
	ck_assert_double_eq_tol(hi, 0.2775402, 1e-6);
	quickeval_wilson(10, 10, 1.96, &lo, &hi);
	ck_assert_double_eq_tol(lo, 0.7224598, 1e-6);
	ck_assert_double_eq_tol(hi, 1.0, 1e-12);
	quickeval_wilson(50, 100, 1.96, &lo, &hi);
	ck_assert_double_eq_tol(lo, 0.4038298, 1e-6);
	ck_assert_double_eq_tol(hi, 0.5961702, 1e-6);
	quickeval_wilson(0, 0, 1.96, &lo, &hi);
	ck_assert(lo == 0.0 && hi == 0.0);
}
END_TEST

/* --- a hand-made split: 2x2 images of 0/255 pixels, 3 classes ------------ */

enum { HM_N = 7, HM_PIX = 4, HM_CLASSES = 3 };

static const uint8_t hm_pixels[HM_N][HM_PIX] = {
	{ 255, 0, 0, 0 }, { 0, 255, 0, 0 }, { 0, 0, 255, 0 }, { 0, 0, 0, 255 },
	{ 255, 255, 0, 0 }, { 0, 255, 255, 255 }, { 255, 0, 255, 0 },
};
static const int32_t hm_labels[HM_N] = { 0, 1, 2, 2, 1, 0, 2 };
/* Linear 4 -> 3: W[k][j], b[k] */
static const float hm_w[HM_CLASSES][HM_PIX] = {
	{ 2.0f, -1.0f, 0.5f, 0.0f },
	{ -1.0f, 1.5f, 0.0f, 0.5f },
	{ 0.0f, 0.0f, 1.0f, 1.0f },
};
static const float hm_b[HM_CLASSES] = { 0.1f, -0.2f, 0.3f };

static const char hm_cfg[] =
	"[net]\nname = hm\ninput = 1x2x2\nclasses = 3\n"
	"[flatten]\nname = flat\n"
	"[linear]\nname = fc\nout = classes\nbias = 1\n";

static uint8_t hm_store[HM_N * HM_PIX];
static int32_t hm_store_labels[HM_N];

static void hm_split(struct data_split *ds)
{
	memset(ds, 0, sizeof *ds);
	memcpy(hm_store, hm_pixels, sizeof hm_store);
	memcpy(hm_store_labels, hm_labels, sizeof hm_store_labels);
	struct dataset d = { HM_N, { 1, 2, 2 }, HM_CLASSES, hm_store, hm_store_labels,
			     NULL };
	ds->train = d;
	ds->test = d;
	/* mean 0, std 1: a pixel becomes v / 255, i.e. exactly 0 or 1. */
	for (int c = 0; c < DATA_MAX_CHANNELS; c++) {
		ds->mean[c] = 0.0f;
		ds->std[c] = 1.0f;
	}
	snprintf(ds->name, sizeof ds->name, "handmade");
}

static struct net *hm_net(void)
{
	struct net *net = net_from_cfg(hm_cfg);
	int fc = net_find(net, "fc");
	ck_assert_int_ge(fc, 0);
	memcpy(net->layers[fc].w, hm_w, sizeof hm_w);
	memcpy(net->layers[fc].b, hm_b, sizeof hm_b);
	return net;
}

/* Reference logits of sample i under weights w, b, in double. */
static void hm_logits(int i, const float w[HM_CLASSES][HM_PIX],
		      const float *b, double *z)
{
	for (int k = 0; k < HM_CLASSES; k++) {
		z[k] = b[k];
		for (int j = 0; j < HM_PIX; j++)
			z[k] += w[k][j] * (hm_pixels[i][j] / 255.0);
	}
}

START_TEST(test_evaluate_handmade)
{
	struct data_split ds;
	hm_split(&ds);
	struct net *net = hm_net();
	/* Reference: arg-max and log-sum-exp by hand. */
	int want_correct = 0;
	double want_loss = 0.0;
	for (int i = 0; i < HM_N; i++) {
		double z[HM_CLASSES], m = -1e30, s = 0.0;
		int best = 0;
		hm_logits(i, hm_w, hm_b, z);
		for (int k = 0; k < HM_CLASSES; k++) {
			if (z[k] > z[best])
				best = k;
			m = fmax(m, z[k]);
		}
		for (int k = 0; k < HM_CLASSES; k++)
			s += exp(z[k] - m);
		want_loss += m + log(s) - z[hm_labels[i]];
		want_correct += best == hm_labels[i];
	}
	want_loss /= HM_N;
	ck_assert_int_eq(want_correct, 4); /* samples 0, 1, 2, 3 right; 4, 5, 6 wrong */

	struct train_eval ev;
	struct eng_err err;
	/* Batch 3 over 7 samples: two full batches and a short one. */
	ck_assert_msg(train_evaluate(net, &ds, &ds.test, NULL, 0, 3, NULL, NULL, NULL,
				     &ev, &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_int_eq(ev.n, HM_N);
	ck_assert_int_eq(ev.correct, want_correct);
	ck_assert_float_eq_tol(ev.accuracy, (float)want_correct / HM_N, 1e-7);
	ck_assert_double_eq_tol(ev.loss, want_loss, 1e-5);

	/* An index list: samples 4, 5, 6 are all misclassified. */
	const int32_t idx[3] = { 4, 5, 6 };
	ck_assert(train_evaluate(net, &ds, &ds.test, idx, 3, 64, NULL, NULL, NULL,
				 &ev, &err) == ENG_STATUS_OK);
	ck_assert_int_eq(ev.n, 3);
	ck_assert_int_eq(ev.correct, 0);
	/* A bad index is an error, not a crash. */
	const int32_t bad[1] = { 7 };
	ck_assert(train_evaluate(net, &ds, &ds.test, bad, 1, 4, NULL, NULL, NULL,
				 &ev, &err) == ENG_STATUS_EINVAL);
	ck_assert(strstr(err.msg, "outside") != NULL);
	net_free(net);
}
END_TEST

START_TEST(test_train_one_step_reference)
{
	/* One full-batch step, no momentum or decay: W -= lr * mean (p - y) x^T,
	 * b -= lr * mean (p - y), computed here by hand. */
	struct data_split ds;
	hm_split(&ds);
	struct net *net = hm_net();
	double gw[HM_CLASSES][HM_PIX] = { { 0 } }, gb[HM_CLASSES] = { 0 };
	for (int i = 0; i < HM_N; i++) {
		double z[HM_CLASSES], m = -1e30, s = 0.0;
		hm_logits(i, hm_w, hm_b, z);
		for (int k = 0; k < HM_CLASSES; k++)
			m = fmax(m, z[k]);
		for (int k = 0; k < HM_CLASSES; k++)
			s += exp(z[k] - m);
		for (int k = 0; k < HM_CLASSES; k++) {
			double d = (exp(z[k] - m) / s - (k == hm_labels[i])) / HM_N;
			gb[k] += d;
			for (int j = 0; j < HM_PIX; j++)
				gw[k][j] += d * (hm_pixels[i][j] / 255.0);
		}
	}
	struct train_config tc;
	train_config_default(&tc);
	tc.steps = 1;
	tc.batch = HM_N;
	tc.lr = 0.5f;
	tc.momentum = 0.0f;
	tc.weight_decay = 0.0f;
	tc.schedule = TRAIN_SCHEDULE_CONSTANT;
	struct train_result tr;
	struct eng_err err;
	ck_assert_msg(train_run(net, &ds, &tc, &tr, &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_int_eq(tr.steps, 1);
	ck_assert_int_eq(tr.epochs, 1);
	const struct layer *fc = &net->layers[net_find(net, "fc")];
	for (int k = 0; k < HM_CLASSES; k++) {
		ck_assert_double_eq_tol(fc->b[k], hm_b[k] - 0.5 * gb[k], 1e-6);
		for (int j = 0; j < HM_PIX; j++)
			ck_assert_double_eq_tol(fc->w[k * HM_PIX + j],
						hm_w[k][j] - 0.5 * gw[k][j], 1e-6);
	}
	/* Training on: the loss falls and all 7 are learnt (they are
	 * linearly separable). */
	tc.steps = 300;
	tc.momentum = 0.9f;
	ck_assert(train_run(net, &ds, &tc, &tr, &err) == ENG_STATUS_OK);
	struct train_eval ev;
	ck_assert(train_evaluate(net, &ds, &ds.train, NULL, 0, 8, NULL, NULL, NULL,
				 &ev, &err) == ENG_STATUS_OK);
	ck_assert_int_eq(ev.correct, HM_N);
	ck_assert(ev.loss < 0.1f);
	net_free(net);
}
END_TEST

START_TEST(test_train_rejects)
{
	struct data_split ds;
	hm_split(&ds);
	struct net *net = hm_net();
	struct train_config tc;
	struct train_result tr;
	struct eng_err err;
	train_config_default(&tc);
	tc.batch = 0;
	ck_assert(train_run(net, &ds, &tc, &tr, &err) == ENG_STATUS_EINVAL);
	train_config_default(&tc);
	tc.epochs = 0;
	ck_assert(train_run(net, &ds, &tc, &tr, &err) == ENG_STATUS_EINVAL);
	/* More classes in the data than the net has outputs. */
	ds.train.classes = 5;
	train_config_default(&tc);
	ck_assert(train_run(net, &ds, &tc, &tr, &err) == ENG_STATUS_EINVAL);
	ck_assert(strstr(err.msg, "classes") != NULL);
	/* Divergence is reported, not carried on with. */
	ds.train.classes = HM_CLASSES;
	tc.lr = 1e30f;
	tc.steps = 20;
	ck_assert(train_run(net, &ds, &tc, &tr, &err) == ENG_STATUS_EINVAL);
	ck_assert_msg(strstr(err.msg, "diverged") != NULL, "%s", err.msg);
	net_free(net);
}
END_TEST

/* --- quick-eval on the synthetic set with a small conv net ---------------- */

static const char small_cfg[] =
	"[net]\nname = small\ninput = 1x28x28\nclasses = 10\n"
	"[conv]\nname = conv1\nout = 6\nsize = 3\npad = 1\nbias = 0\n"
	"[bn]\nname = bn1\n"
	"[relu]\nname = relu1\n"
	"[maxpool]\nname = pool1\nsize = 4\n"
	"[flatten]\nname = flat\n"
	"[linear]\nname = fc\nout = classes\nbias = 1\n";

static struct data_split synth;

static void synth_setup(void)
{
	struct data_options o = { .dir = NULL, .format = DATA_FORMAT_SYNTHETIC,
				  .synthetic_seed = 3, .synthetic_train = 600,
				  .synthetic_test = 200 };
	struct eng_err err;
	ck_assert_msg(data_load(&o, &synth, &err) == ENG_STATUS_OK, "%s", err.msg);
}

static void synth_teardown(void)
{
	data_split_done(&synth);
}

static void small_options(struct quickeval_options *o, uint64_t seed)
{
	quickeval_options_default(o);
	o->steps = 40;
	o->batch = 16;
	o->train_n = 400;
	o->test_n = 200;
	o->lr = 0.02f; /* the synthetic set's blobs want a gentler step */
	o->seed = seed;
}

START_TEST(test_quickeval_deterministic)
{
	struct net *net = net_from_cfg(small_cfg);
	struct quickeval_options o;
	struct quickeval_result a, b, c;
	struct eng_err err;
	small_options(&o, 5);
	ck_assert_msg(quickeval_run(net, &synth, &o, &a, &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_msg(quickeval_run(net, &synth, &o, &b, &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_int_eq(a.steps, 40);
	ck_assert_int_eq(a.test_n, 200);
	ck_assert_int_eq(a.curve_len, 40);
	ck_assert(a.accuracy == b.accuracy);
	ck_assert(memcmp(&a.loss, &b.loss, sizeof a.loss) == 0);
	ck_assert_int_eq(a.curve_len, b.curve_len);
	ck_assert(memcmp(a.curve, b.curve, (size_t)a.curve_len * sizeof *a.curve) == 0);
	/* The interval brackets the accuracy; seconds are measured. */
	ck_assert(a.ci_lo <= a.accuracy && a.accuracy <= a.ci_hi);
	ck_assert(a.seconds > 0.0);
	/* It learns: well above chance (10 %), and the loss falls. */
	ck_assert_msg(a.accuracy > 0.4f, "accuracy %g", (double)a.accuracy);
	double head = 0, tail = 0;
	for (int i = 0; i < 5; i++) {
		head += a.curve[i];
		tail += a.curve[a.curve_len - 1 - i];
	}
	ck_assert_msg(tail < head, "loss %g -> %g", head / 5, tail / 5);

	small_options(&o, 6);
	ck_assert(quickeval_run(net, &synth, &o, &c, &err) == ENG_STATUS_OK);
	ck_assert(memcmp(a.curve, c.curve, (size_t)a.curve_len * sizeof *a.curve) != 0);

	/* curve_every 8: 5 points, each the mean of 8 per-step losses. */
	struct quickeval_result d;
	small_options(&o, 5);
	o.curve_every = 8;
	ck_assert(quickeval_run(net, &synth, &o, &d, &err) == ENG_STATUS_OK);
	ck_assert_int_eq(d.curve_len, 5);
	double m = 0;
	for (int i = 8; i < 16; i++)
		m += a.curve[i];
	ck_assert_double_eq_tol(d.curve[1], m / 8, 1e-5);
	ck_assert(d.accuracy == a.accuracy);
	quickeval_result_done(&a);
	quickeval_result_done(&b);
	quickeval_result_done(&c);
	quickeval_result_done(&d);
	ck_assert(a.curve == NULL);
	net_free(net);
}
END_TEST

struct mask_watch {
	const struct net *net;
	const uint8_t *mask;
	long checks, bad, steps;
};

static void mask_on_progress(const struct train_progress *p, void *user)
{
	struct mask_watch *w = user;
	if (p->phase != TRAIN_PHASE_TRAIN)
		return;
	w->steps++;
	for (size_t i = 0; i < w->net->n_params; i++) {
		if (!w->mask[i]) {
			w->checks++;
			w->bad += w->net->params[i] != 0.0f;
		}
	}
}

START_TEST(test_quickeval_mask)
{
	struct net *net = net_from_cfg(small_cfg);
	net_init(net, 9);
	size_t n = net->n_params;
	uint8_t *mask = malloc(n);
	float *before = malloc(n * sizeof *before);
	ck_assert(mask && before);
	struct rng r;
	rng_seed(&r, 11);
	size_t kept = 0;
	for (size_t i = 0; i < n; i++)
		kept += mask[i] = rng_uniform(&r) < 0.5;
	ck_assert(kept > n / 4 && kept < 3 * n / 4);
	memcpy(before, net->params, n * sizeof *before);

	struct quickeval_options o;
	struct quickeval_result res;
	struct eng_err err;
	struct mask_watch w = { net, mask, 0, 0, 0 };
	small_options(&o, 2);
	o.mask = mask;
	o.progress = mask_on_progress;
	o.user = &w;
	ck_assert_msg(quickeval_run(net, &synth, &o, &res, &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_int_eq(w.steps, 40);
	ck_assert_int_eq(w.checks, 40 * (long)(n - kept));
	ck_assert_int_eq(w.bad, 0);
	ck_assert(res.accuracy > 0.2f);
	/* The caller's net comes back exactly as it was. */
	ck_assert(memcmp(before, net->params, n * sizeof *before) == 0);
	quickeval_result_done(&res);

	/* The same mask through train_run directly: masked weights end at
	 * exactly 0, kept ones moved. */
	struct train_config tc;
	struct train_result tr;
	train_config_default(&tc);
	tc.steps = 20;
	tc.batch = 16;
	tc.lr = 0.05f;
	tc.mask = mask;
	ck_assert(train_run(net, &synth, &tc, &tr, &err) == ENG_STATUS_OK);
	size_t moved = 0;
	for (size_t i = 0; i < n; i++) {
		if (!mask[i])
			ck_assert(net->params[i] == 0.0f);
		else
			moved += net->params[i] != before[i];
	}
	ck_assert(moved > kept * 9 / 10);
	free(mask);
	free(before);
	net_free(net);
}
END_TEST

struct abort_watch {
	struct cancel flag;
	long after, seen, evals;
};

static void abort_on_progress(const struct train_progress *p, void *user)
{
	struct abort_watch *w = user;
	if (p->phase == TRAIN_PHASE_EVAL)
		w->evals++;
	if (p->phase == TRAIN_PHASE_TRAIN && ++w->seen == w->after)
		cancel_request(&w->flag);
}

START_TEST(test_quickeval_abort)
{
	struct net *net = net_from_cfg(small_cfg);
	net_init(net, 4);
	float *before = malloc(net->n_params * sizeof *before);
	memcpy(before, net->params, net->n_params * sizeof *before);
	struct abort_watch w = { .after = 3 };
	cancel_init(&w.flag);
	struct quickeval_options o;
	struct quickeval_result res;
	struct eng_err err;
	small_options(&o, 1);
	o.progress = abort_on_progress;
	o.user = &w;
	o.abort = &w.flag;
	ck_assert(quickeval_run(net, &synth, &o, &res, &err) == ENG_STATUS_ABORTED);
	ck_assert_int_eq(res.steps, 3);   /* stopped before the 4th batch */
	ck_assert_int_eq(w.seen, 3);
	ck_assert_int_eq(w.evals, 0);
	ck_assert(res.curve == NULL);
	ck_assert(strstr(err.msg, "stopped") != NULL);
	ck_assert(memcmp(before, net->params, net->n_params * sizeof *before) == 0);
	quickeval_result_done(&res);

	/* Evaluation stops too, and a flag already set stops at once. */
	struct train_eval ev;
	ck_assert(train_evaluate(net, &synth, &synth.test, NULL, 0, 16, NULL, NULL,
				 &w.flag, &ev, &err) == ENG_STATUS_ABORTED);
	ck_assert_int_eq(ev.n, 0);
	struct train_config tc;
	struct train_result tr;
	train_config_default(&tc);
	tc.abort = &w.flag;
	ck_assert(train_run(net, &synth, &tc, &tr, &err) == ENG_STATUS_ABORTED);
	ck_assert_int_eq(tr.steps, 0);
	free(before);
	net_free(net);
}
END_TEST

START_TEST(test_quickeval_rejects)
{
	struct net *net = net_from_cfg(small_cfg);
	struct quickeval_options o;
	struct quickeval_result res;
	struct eng_err err;
	small_options(&o, 1);
	o.steps = 0;
	ck_assert(quickeval_run(net, &synth, &o, &res, &err) == ENG_STATUS_EINVAL);
	small_options(&o, 1);
	o.test_n = 0;
	ck_assert(quickeval_run(net, &synth, &o, &res, &err) == ENG_STATUS_EINVAL);
	ck_assert(res.curve == NULL);
	net_free(net);
}
END_TEST

/* --- LeNet-5 on the real Fashion-MNIST ------------------------------------ */

/* The whole epoch (937 steps of 64) in every build: it took ~15 s here in
 * the normal build and ~50 s under ASan+UBSan on a shared 2-core machine,
 * well inside the CI budget, so the sanitizer build needs no subset. */

START_TEST(test_lenet5_fashion_mnist)
{
	struct data_split ds;
	struct data_options o = { .dir = DATA_DEFAULT_DIR, .format = DATA_FORMAT_IDX };
	struct eng_err err;
	enum eng_status st = data_load(&o, &ds, &err);
	if (st == ENG_STATUS_ENOENT) {
		fprintf(stderr, "check_train: SKIP LeNet-5 on Fashion-MNIST: %s "
			"(install dataset-fashion-mnist)\n", err.msg);
		return;
	}
	ck_assert_msg(st == ENG_STATUS_OK, "%s", err.msg);
	const char *top = getenv("top_srcdir");
	char path[4096];
	snprintf(path, sizeof path, "%s/models/lenet5.cfg", top && *top ? top : ".");
	struct net_spec spec;
	struct net *net;
	ck_assert_msg(cfg_parse_file(path, &spec, &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_msg(net_build(&spec, &net, &err) == ENG_STATUS_OK, "%s", err.msg);
	net_spec_done(&spec);
	net_init(net, 1);

	struct train_config tc;
	train_config_default(&tc);
	tc.epochs = 1;
	tc.batch = 64;
	tc.lr = 0.05f;
	tc.seed = 1;
	struct train_result tr;
	ck_assert_msg(train_run(net, &ds, &tc, &tr, &err) == ENG_STATUS_OK, "%s", err.msg);
	struct train_eval ev;
	ck_assert(train_evaluate(net, &ds, &ds.test, NULL, 0, 500, NULL, NULL, NULL,
				 &ev, &err) == ENG_STATUS_OK);
	fprintf(stderr, "check_train: LeNet-5, %ld steps: test accuracy %.2f%%, loss %.4f\n",
		tr.steps, 100.0 * ev.accuracy, (double)ev.loss);
	ck_assert_int_eq(ev.n, 10000);
	ck_assert_msg(ev.accuracy >= 0.80f, "accuracy %.4f", (double)ev.accuracy);
	net_free(net);
	data_split_done(&ds);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("train");
	TCase *tc = tcase_create("schedule");
	tcase_add_test(tc, test_schedule_step);
	tcase_add_test(tc, test_schedule_cosine);
	tcase_add_test(tc, test_steps_per_epoch);
	tcase_add_test(tc, test_shuffle_permutation);
	tcase_add_test(tc, test_shuffle_uniform);
	tcase_add_test(tc, test_wilson);
	suite_add_tcase(s, tc);

	tc = tcase_create("loop");
	tcase_add_test(tc, test_evaluate_handmade);
	tcase_add_test(tc, test_train_one_step_reference);
	tcase_add_test(tc, test_train_rejects);
	suite_add_tcase(s, tc);

	tc = tcase_create("quickeval");
	tcase_set_timeout(tc, 120); /* ~1 s each, but the machine may be busy */
	tcase_add_checked_fixture(tc, synth_setup, synth_teardown);
	tcase_add_test(tc, test_quickeval_deterministic);
	tcase_add_test(tc, test_quickeval_mask);
	tcase_add_test(tc, test_quickeval_abort);
	tcase_add_test(tc, test_quickeval_rejects);
	suite_add_tcase(s, tc);

	tc = tcase_create("fashion_mnist");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_lenet5_fashion_mnist);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
