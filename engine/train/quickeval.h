/* quickeval.h: a short, fixed training budget, then test accuracy: the
 * figure the explorer shows for a plan while the user works.
 *
 * quickeval_run trains the net for `steps` SGD steps of `batch` samples on
 * a fixed subset of the training set (train_n samples, the same ones for
 * every seed: a partial Fisher-Yates draw with a constant seed), then
 * evaluates on the first test_n test samples and returns the top-1
 * accuracy with its 95 % Wilson score interval, the mean test loss, the
 * training loss curve and the wall time.  The starting weights are either
 * fresh (init: net_init(seed)) or whatever the net holds.  An optional
 * unstructured keep-mask (one byte per net->params entry, 1 = keep) is
 * applied to the weights before training and to the gradients every step,
 * so masked weights stay exactly zero.
 *
 * Determinism: for a given net, dataset, options and seed the result is
 * bit-for-bit the same on the same machine (same OpenBLAS thread count);
 * the seed drives init, batch order and augmentation.
 *
 * Owns: quickeval_result.curve (free with quickeval_result_done).  The
 * net is borrowed and LEFT AS IT WAS: its params and state are saved before
 * training and restored afterwards (only its workspace may grow), so the
 * caller can quick-eval a net and keep working with it.
 *
 * Thread rules: as train.h (one net per thread; abort, a struct cancel,
 * may be requested from another thread or a signal handler; progress runs
 * on the calling thread, phases TRAIN_PHASE_TRAIN then TRAIN_PHASE_EVAL).
 *
 *   struct quickeval_options o;
 *   quickeval_options_default(&o);
 *   o.seed = 7;
 *   struct quickeval_result r;
 *   if (quickeval_run(net, &ds, &o, &r, &err) == ENG_STATUS_OK)
 *       printf("%.1f%% [%.1f, %.1f]\n", 100 * r.accuracy, ...);
 *   quickeval_result_done(&r);
 */
#ifndef RECONVENE_QUICKEVAL_H
#define RECONVENE_QUICKEVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "data/data.h"
#include "nn/net.h"
#include "base/cancel.h"
#include "base/status.h"
#include "train/train.h"

/* Defaults: of the recipes tried, the one whose ranking of 38 resnet20
 * variants agrees best with their ranking after two epochs (Spearman rho
 * 0.880 against 0.832 for 50 steps), within 20 s per variant on 2 cores
 * (docs/training.md has the measurements, docs/RESULTS.md the table). */
#define QUICKEVAL_DEFAULT_STEPS 100
#define QUICKEVAL_DEFAULT_BATCH 32
#define QUICKEVAL_DEFAULT_TRAIN_N 5000
#define QUICKEVAL_DEFAULT_TEST_N 1000

struct quickeval_options {
	long steps;              /* SGD steps */
	int batch;               /* samples per step */
	int train_n;             /* training subset size (clamped to the set) */
	int test_n;              /* first test_n test samples (clamped) */
	float lr;                /* base learning rate */
	float momentum;
	float weight_decay;
	enum train_schedule schedule;
	long warmup_steps;
	uint64_t seed;           /* init, order, augmentation */
	bool init;               /* true: fresh weights net_init(seed) */
	const uint8_t *mask;     /* NULL or net->n_params flags, 1 = keep */
	int curve_every;         /* one curve point per this many steps */
	train_progress_fn progress;
	void *user;
	const struct cancel *abort; /* NULL, or requested: stop between
				     * batches */
};

struct quickeval_result {
	float accuracy;          /* correct / test_n */
	float ci_lo, ci_hi;      /* 95 % Wilson score interval */
	float loss;              /* mean test cross-entropy */
	int correct, test_n;
	long steps;              /* steps done */
	float *curve;            /* owned: curve_len mean training losses */
	long curve_len;
	int curve_every;
	double seconds;          /* wall time of the whole call */
	double train_seconds;    /* of which training (init and steps) */
};

/* Defaults: QUICKEVAL_DEFAULT_*, lr 0.05, momentum 0.9, wd 5e-4, cosine,
 * no warm-up, seed 1, init true, no mask, a curve point every step. */
void quickeval_options_default(struct quickeval_options *o);

/* Run it.  On any status but OK, *res holds no buffer (curve NULL), except
 * that steps and seconds say how far it got.  EINVAL for a bad budget
 * (steps, batch or sizes < 1) or a dataset the net cannot take. */
enum eng_status quickeval_run(struct net *net, const struct data_split *ds,
			      const struct quickeval_options *o,
			      struct quickeval_result *res, struct eng_err *err);
void quickeval_result_done(struct quickeval_result *res);

/* Wilson score interval for correct successes out of n at normal quantile
 * z (1.959964 for 95 %); [0, 0] when n is 0. */
void quickeval_wilson(int correct, int n, double z, double *lo, double *hi);

#endif
