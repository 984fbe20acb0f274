/* train.h: the training loop, learning-rate schedules and evaluation.
 *
 * One optimiser step: gather a batch of shuffled sample indices, adapt the
 * images to the net's input (data_batch_fill, with optional crop/flip),
 * forward in train mode (BN batch statistics), softmax cross-entropy,
 * backward, optional gradient mask, SGD (momentum, weight decay, Nesterov)
 * at the scheduled learning rate.  Evaluation runs forward in eval mode
 * (BN running statistics) and returns top-1 accuracy and mean loss.
 *
 * Shuffling: a fresh Fisher-Yates permutation of the training indices per
 * pass, drawn from rng_derive_seed(seed, "shuffle"); augmentation draws
 * from rng_derive_seed(seed, "augment").  A pass covers floor(n / batch)
 * full batches (the tail is dropped, as drop_last=True does, so BN never
 * sees a batch of one); if n < batch, a pass is one batch of n.
 *
 * Schedules (per optimiser step; step counts from 0, total steps T, warm-up
 * W steps):
 *   warm-up (step < W):  lr = base * (step + 1) / W
 *   constant:            lr = base
 *   step:                lr = base, x0.1 from step >= T/2, x0.01 from 3T/4
 *                        (milestones at 50 % and 75 % of all steps)
 *   cosine:              lr = base * (1 + cos(pi * (step - W) / (T - W))) / 2
 *
 * Owns: nothing beyond a call; train_run and train_evaluate allocate their
 * batch buffers and free them before returning.  They borrow the net (whose
 * params, grads, state and workspace they change; the workspace is grown
 * with net_prepare when the batch needs it) and the dataset (read only).
 * Never prints; progress goes through a callback, cancellation through an
 * abort flag (base/cancel.h) checked between batches (ENG_STATUS_ABORTED).
 *
 * Thread rules: one net per thread.  The abort flag may be requested from
 * another thread or a signal handler (cancel.h).
 *
 *   struct train_config tc;
 *   train_config_default(&tc);
 *   tc.epochs = 10; tc.lr = 0.1f; tc.schedule = TRAIN_SCHEDULE_COSINE;
 *   tc.augment = train_augment_default(&ds);
 *   struct train_result tr;
 *   if (train_run(net, &ds, &tc, &tr, &err)) ...;
 *   struct train_eval ev;
 *   train_evaluate(net, &ds, &ds.test, NULL, 0, 256, NULL, NULL, NULL, &ev, &err);
 */
#ifndef RECONVENE_TRAIN_H
#define RECONVENE_TRAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "data/data.h"
#include "nn/net.h"
#include "base/cancel.h"
#include "base/rng.h"
#include "base/status.h"

enum train_schedule {
	TRAIN_SCHEDULE_CONSTANT,
	TRAIN_SCHEDULE_STEP,     /* x0.1 at 50 % and 75 % of the steps */
	TRAIN_SCHEDULE_COSINE,   /* cosine annealing to 0 */
};

/* A learning-rate schedule over a known number of steps. */
struct train_lr {
	enum train_schedule kind;
	float base;              /* peak learning rate */
	long warmup;             /* linear warm-up steps (0 = none) */
	long total;              /* all steps of the run, > 0 */
};

enum train_phase {
	TRAIN_PHASE_TRAIN,       /* after an optimiser step */
	TRAIN_PHASE_EPOCH,       /* after the last step of a pass */
	TRAIN_PHASE_EVAL,        /* after an evaluation batch */
};

struct train_progress {
	enum train_phase phase;
	long done, total;        /* steps (train/epoch) or samples (eval) */
	int epoch;               /* TRAIN/EPOCH: pass number, from 1 */
	float loss;              /* TRAIN: this batch's loss; EPOCH: pass mean;
				  * EVAL: running mean so far */
	float lr;                /* TRAIN/EPOCH: learning rate of the step */
	int batch;               /* samples per step (for rates) */
};

/* Called on the calling thread; must not free the net or the dataset.  It
 * may run train_evaluate on the same net at TRAIN_PHASE_EPOCH. */
typedef void (*train_progress_fn)(const struct train_progress *p, void *user);

struct train_config {
	int epochs;              /* passes over the training set (steps == 0) */
	long steps;              /* > 0: this many steps instead of epochs */
	int batch;               /* samples per step */
	float lr;                /* base learning rate */
	float momentum;
	float weight_decay;
	bool nesterov;
	enum train_schedule schedule;
	long warmup_steps;       /* linear warm-up length in steps */
	uint64_t seed;           /* shuffling and augmentation */
	struct data_augment augment;
	const int32_t *subset;   /* train only on these indices of ds->train */
	int subset_n;            /* (NULL / 0 = all of ds->train) */
	const uint8_t *mask;     /* NULL, or net->n_params flags, 1 = keep:
				  * masked params are zeroed at start and their
				  * gradients every step, so they stay 0 */
	float *curve;            /* NULL, or room for curve_cap mean losses, */
	long curve_cap;          /* one per curve_every steps */
	int curve_every;         /* >= 1 */
	train_progress_fn progress;
	void *user;
	const struct cancel *abort; /* NULL, or requested = stop between
				     * batches */
};

struct train_result {
	long steps;              /* optimiser steps done */
	int epochs;              /* passes completed */
	float last_loss;         /* loss of the last batch */
	float epoch_loss;        /* mean loss of the last completed pass */
	long curve_len;          /* entries written to config.curve */
};

struct train_eval {
	int n;                   /* samples evaluated */
	int correct;             /* top-1 hits */
	float accuracy;          /* correct / n */
	float loss;              /* mean cross-entropy */
};

/* Defaults: 1 epoch, batch 64, lr 0.1, momentum 0.9, wd 5e-4, no Nesterov,
 * cosine, no warm-up, seed 1, no augmentation, curve_every 1. */
void train_config_default(struct train_config *c);
/* Crop + flip for CIFAR-10 (ds->name "cifar10"), none otherwise. */
struct data_augment train_augment_default(const struct data_split *ds);

/* "constant", "step", "cosine"; NULL out of range. */
const char *train_schedule_name(enum train_schedule s);
/* The schedule with that name: true, or false for an unknown name. */
bool train_schedule_from_name(const char *name, enum train_schedule *s);

/* Learning rate of step (0-based) under s. */
float train_lr_at(const struct train_lr *s, long step);
/* Optimiser steps one pass over n samples takes at this batch. */
long train_steps_per_epoch(int n, int batch);
/* Fisher-Yates: a uniformly random permutation of idx[0..n) in place. */
void train_shuffle(int32_t *idx, int n, struct rng *r);

/* Train the net in place.  *res is filled also on ENG_STATUS_ABORTED (what
 * was done before the stop).  EINVAL for an impossible config (batch < 1,
 * no samples, a dataset with more classes than the net, a bad subset
 * index), ENOMEM when buffers do not fit. */
enum eng_status train_run(struct net *net, const struct data_split *ds,
			  const struct train_config *cfg,
			  struct train_result *res, struct eng_err *err);

/* Top-1 accuracy and mean loss of the net (eval mode) on samples idx[0..n)
 * of set (idx NULL: the first n; n <= 0: all of set), batch samples at a
 * time.  set is one of ds's datasets (normalised with ds's statistics).
 * progress and abort may be NULL. */
enum eng_status train_evaluate(struct net *net, const struct data_split *ds,
			       const struct dataset *set, const int32_t *idx,
			       int n, int batch, train_progress_fn progress,
			       void *user, const struct cancel *abort,
			       struct train_eval *out, struct eng_err *err);

#endif
