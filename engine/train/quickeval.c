#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "train/quickeval.h"

/* The training subset does not depend on the user's seed, so two seeds
 * differ only in init, order and augmentation, and a plan compared at
 * several seeds always sees the same samples. */
#define QUICKEVAL_SUBSET_SEED 0x5eedU

void quickeval_options_default(struct quickeval_options *o)
{
	memset(o, 0, sizeof *o);
	o->steps = QUICKEVAL_DEFAULT_STEPS;
	o->batch = QUICKEVAL_DEFAULT_BATCH;
	o->train_n = QUICKEVAL_DEFAULT_TRAIN_N;
	o->test_n = QUICKEVAL_DEFAULT_TEST_N;
	o->lr = 0.1f;
	o->warmup_steps = 5;
	o->momentum = 0.9f;
	o->weight_decay = 5e-4f;
	o->schedule = TRAIN_SCHEDULE_COSINE;
	o->seed = 1;
	o->init = true;
	o->curve_every = 1;
}

void quickeval_result_done(struct quickeval_result *res)
{
	free(res->curve);
	res->curve = NULL;
	res->curve_len = 0;
}

void quickeval_wilson(int correct, int n, double z, double *lo, double *hi)
{
	if (n <= 0) {
		*lo = *hi = 0.0;
		return;
	}
	double p = (double)correct / n, z2 = z * z;
	double denom = 1.0 + z2 / n;
	double centre = (p + z2 / (2.0 * n)) / denom;
	double half = z / denom * sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * (double)n));
	*lo = fmax(0.0, centre - half);
	*hi = fmin(1.0, centre + half);
}

static double quickeval_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The first k entries of a seeded partial Fisher-Yates over 0..n-1. */
static int32_t *quickeval_subset(int n, int k)
{
	int32_t *all = malloc((size_t)n * sizeof *all);
	if (!all)
		return NULL;
	for (int i = 0; i < n; i++)
		all[i] = i;
	struct rng r;
	rng_seed(&r, QUICKEVAL_SUBSET_SEED);
	for (int i = 0; i < k; i++) {
		int j = i + (int)rng_below(&r, (uint32_t)(n - i));
		int32_t t = all[i];
		all[i] = all[j];
		all[j] = t;
	}
	return all;
}

enum eng_status quickeval_run(struct net *net, const struct data_split *ds,
			      const struct quickeval_options *o,
			      struct quickeval_result *res, struct eng_err *err)
{
	double t0 = quickeval_now();
	memset(res, 0, sizeof *res);
	if (o->steps < 1 || o->batch < 1 || o->train_n < 1 || o->test_n < 1)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "quick-eval budget must be positive (steps %ld, batch %d, "
				   "train %d, test %d)", o->steps, o->batch, o->train_n,
				   o->test_n);
	if (ds->train.n < 1 || ds->test.n < 1)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: quick-eval needs training and test samples", ds->name);
	int train_n = o->train_n < ds->train.n ? o->train_n : ds->train.n;
	int test_n = o->test_n < ds->test.n ? o->test_n : ds->test.n;
	int every = o->curve_every > 0 ? o->curve_every : 1;
	long cap = (o->steps + every - 1) / every;

	size_t psize = net->n_params * sizeof(float);
	size_t ssize = net->n_state * sizeof(float);
	float *saved_p = malloc(psize ? psize : 1);
	float *saved_s = malloc(ssize ? ssize : 1);
	float *curve = malloc((size_t)cap * sizeof *curve);
	int32_t *subset = quickeval_subset(ds->train.n, train_n);
	if (!saved_p || !saved_s || !curve || !subset) {
		free(saved_p);
		free(saved_s);
		free(curve);
		free(subset);
		return eng_err_set(err, ENG_STATUS_ENOMEM,
				   "%s: no memory for quick-eval", net->name);
	}
	memcpy(saved_p, net->params, psize);
	memcpy(saved_s, net->state, ssize);
	if (o->init)
		net_init(net, o->seed);

	struct train_config tc;
	train_config_default(&tc);
	tc.steps = o->steps;
	tc.batch = o->batch;
	tc.lr = o->lr;
	tc.momentum = o->momentum;
	tc.weight_decay = o->weight_decay;
	tc.schedule = o->schedule;
	tc.warmup_steps = o->warmup_steps;
	tc.seed = o->seed;
	tc.augment = train_augment_default(ds);
	tc.subset = subset;
	tc.subset_n = train_n;
	tc.mask = o->mask;
	tc.curve = curve;
	tc.curve_cap = cap;
	tc.curve_every = every;
	tc.progress = o->progress;
	tc.user = o->user;
	tc.abort = o->abort;
	struct train_result tr;
	enum eng_status st = train_run(net, ds, &tc, &tr, err);
	res->steps = tr.steps;
	res->train_seconds = quickeval_now() - t0;
	if (st == ENG_STATUS_OK) {
		struct train_eval ev;
		/* The training batch: the workspace is already that size, and
		 * per-sample activation memory of a big net (VGG) is large. */
		st = train_evaluate(net, ds, &ds->test, NULL, test_n, o->batch,
				    o->progress, o->user, o->abort, &ev, err);
		if (st == ENG_STATUS_OK) {
			double lo, hi;
			quickeval_wilson(ev.correct, ev.n, 1.959964, &lo, &hi);
			res->accuracy = ev.accuracy;
			res->ci_lo = (float)lo;
			res->ci_hi = (float)hi;
			res->loss = ev.loss;
			res->correct = ev.correct;
			res->test_n = ev.n;
			res->curve = curve;
			res->curve_len = tr.curve_len;
			res->curve_every = every;
			curve = NULL;
		}
	}
	memcpy(net->params, saved_p, psize);
	memcpy(net->state, saved_s, ssize);
	free(saved_p);
	free(saved_s);
	free(curve);
	free(subset);
	res->seconds = quickeval_now() - t0;
	return st;
}
