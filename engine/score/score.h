/* score.h: pruning-at-initialization (PaI) scores and the global
 * unstructured mask (docs/scoring.md has the maths and the references).
 *
 * Prunable parameters are the WEIGHTS of conv and linear layers (every conv,
 * depthwise included); biases and batch-norm parameters are never pruned.
 * Scores are one float per entry of net->params (so they line up with the
 * params, the masks of weights.h and safetensors files); entries that are
 * not prunable are set to 0 and ignored by every function below.
 *
 * Convention, for EVERY method: higher score = more important = kept.
 *   random     U(0,1) from opt->seed (rng.h, one stream per layer name)
 *   magnitude  |w|
 *   snip       |w * dL/dw|, L = mean cross-entropy on the scoring batch
 *   grasp      w * (H g), i.e. -S of Wang et al. (they remove the LARGEST
 *              S = -w * Hg, so -S is "higher = keep"); signed
 *   synflow    |w * dR/dw| on |params|, all-ones input, iterated
 *              opt->synflow_iterations times towards opt->sparsity; defined
 *              up to one positive factor per call (see below)
 * SNIP and GraSP run the net with batch-norm in TRAIN mode (batch
 * statistics of the scoring batch, as a freshly built PyTorch module does);
 * SynFlow runs it in EVAL mode (running statistics), batch 1.
 * GraSP's Hessian-vector product is exact (forward-over-reverse, Pearlmutter's
 * R-operator), not a finite difference.
 * SynFlow products overflow float in deep nets (resnet56: ~1e69), so its
 * forward and backward keep one power-of-two exponent per activation
 * (block floating point); the returned scores are the true scores times
 * 2^-E, one E for the whole net, chosen so the largest score is in [1, 2).
 *
 * Owns: nothing after return.  score_compute allocates its temporaries
 * and frees them; it uses (and may resize with net_prepare) the net's
 * workspace, so layer outputs of earlier forwards are gone afterwards.
 * The net's params and BN running statistics are unchanged on return (also
 * on error or abort); net->grads are clobbered.
 *
 * Thread rules: one call per net at a time.  opt->abort (base/cancel.h)
 * may be requested from another thread; it is polled between passes and
 * SynFlow iterations.
 *
 *   struct score_options opt;
 *   score_options_init(&opt);
 *   opt.method = SCORE_METHOD_SNIP;
 *   float *s = malloc(net->n_params * sizeof *s);
 *   uint8_t *m = malloc(net->n_params);
 *   if (score_compute(net, &ds, &opt, s, &err)) ...;
 *   if (score_mask_global(net, s, 0.9, m, &err)) ...;
 *   double *d = malloc(net->n_layers * sizeof *d);
 *   score_layer_density(net, m, d);        // d[i] = kept / weights, or -1
 */
#ifndef RECONVENE_SCORE_H
#define RECONVENE_SCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/data.h"
#include "nn/net.h"
#include "base/cancel.h"
#include "base/status.h"

enum score_method {
	SCORE_METHOD_RANDOM,
	SCORE_METHOD_MAGNITUDE,
	SCORE_METHOD_SNIP,
	SCORE_METHOD_GRASP,
	SCORE_METHOD_SYNFLOW,
	SCORE_METHOD_COUNT
};

/* Called after each unit of work (a SynFlow iteration, a pass); done <=
 * total.  From the calling thread. */
typedef void (*score_progress_fn)(int done, int total, void *user);

struct score_options {
	enum score_method method;
	uint64_t seed;              /* random scores (default 1) */
	int samples_per_class;      /* SNIP/GraSP scoring batch (default 10) */
	int batch_index;            /* which batch: score_batch_select_at
				     * (default 0, the first samples) */
	double grasp_temperature;   /* GraSP logits / T (default 200) */
	int synflow_iterations;     /* default 100; 1 = single shot */
	double sparsity;            /* SynFlow's schedule target, in [0, 1) */
	score_progress_fn progress; /* may be NULL */
	void *progress_user;
	const struct cancel *abort; /* may be NULL; requested = stop, return
				     * ENG_STATUS_ABORTED */
};

/* Defaults: SCORE_METHOD_SNIP, seed 1, 10 per class, T = 200, 100
 * iterations, sparsity 0.9, no progress, no abort flag. */
void score_options_init(struct score_options *opt);

/* "random", "magnitude", "snip", "grasp", "synflow"; NULL if out of range. */
const char *score_method_name(enum score_method m);
/* Inverse of score_method_name (case-sensitive); false if unknown. */
bool score_method_from_name(const char *name, enum score_method *m);
/* true for SNIP and GraSP (they need a dataset). */
bool score_method_needs_data(enum score_method m);

/* true for a conv or linear layer with weights. */
bool score_layer_is_prunable(const struct layer *l);
/* true if params[idx] is the weight of a prunable layer.  O(layers). */
bool score_param_is_prunable(const struct net *net, size_t idx);
/* Number of prunable weights in the net. */
size_t score_prunable_count(const struct net *net);

/* The fixed scoring batch: for each class c = 0, 1, ..., classes-1 in turn,
 * the indices of the first per_class samples of ds->train with label c, in
 * file order; idx_out needs per_class * classes entries.  *n_out is the
 * count written (a class with fewer samples contributes all it has).
 * EINVAL when per_class < 1 or the training split is empty. */
enum eng_status score_batch_select(const struct data_split *ds, int per_class,
				   int32_t *idx_out, int *n_out,
				   struct eng_err *err);

/* Batch `index` of that size: each class's samples from index * per_class
 * on (wrapping round to its first samples when the class runs out);
 * index 0 is score_batch_select's batch.  EINVAL also for index < 0. */
enum eng_status score_batch_select_at(const struct data_split *ds, int per_class, int index,
				      int32_t *idx_out, int *n_out, struct eng_err *err);

/* Scores for every parameter (see the top of this file).  data may be NULL
 * for random, magnitude and synflow; SNIP and GraSP need it, with
 * ds->train.classes == net->classes and an input adaptable to net->input
 * (no augmentation).  Returns EINVAL (bad options, missing or mismatched
 * data), ENOMEM, or ENG_STATUS_ABORTED.  scores may be partially written
 * on error. */
enum eng_status score_compute(struct net *net, const struct data_split *data,
			      const struct score_options *opt, float *scores,
			      struct eng_err *err);
/* Whether score_compute's scores depend on opt->sparsity: only SynFlow's
 * with more than one iteration (its schedule aims at the target); the
 * other methods and single-shot SynFlow score alike at every sparsity. */
bool score_uses_sparsity(const struct score_options *opt);

/* Global unstructured mask: keep the K = round((1 - sparsity) * N) prunable
 * weights with the highest scores, N = score_prunable_count(net); ties are
 * broken by parameter index, the LOWER index wins (is kept).  Non-prunable
 * entries get 1.  NaN scores rank below everything.  EINVAL unless
 * 0 <= sparsity <= 1.  O(N) time (radix selection), no sort. */
enum eng_status score_mask_global(const struct net *net, const float *scores,
				  double sparsity, uint8_t *mask,
				  struct eng_err *err);

/* Per layer, the kept fraction of its prunable weights under mask
 * (n_params bytes, 1 = kept); -1 for layers without prunable weights.
 * density has net->n_layers entries. */
void score_layer_density(const struct net *net, const uint8_t *mask, double *density);

/* Per-output-channel scores of layer `layer` (a conv's filters, a linear's
 * output rows): the sum of the channel's weight scores, divided by the
 * largest |sum| in the layer, so values are in [0, 1] for non-negative
 * methods and in [-1, 1] for GraSP (the sign kept); all 0 if every sum is
 * 0.  out needs l->out.c entries; returns the count written, or 0 (nothing
 * written) if the layer has no prunable weights. */
int score_channel_scores(const struct net *net, const float *scores, int layer,
			 float *out);

#endif
