/* reconvene.h: the Reconvene algorithm (structured pruning at
 * initialization, ../shared/paper.md) and its plan files.
 *
 * Steps (docs/reconvene.md has the details and the reasons):
 *  1. PSE, reconvene_pse_run: PaI scores (score.h) for every weight, the
 *     global unstructured mask at sparsity s, the density of each layer.
 *  2. Selection, reconvene_select: a conv layer is RESILIENT when it is
 *     eligible and its density is <= tau (or, with k > 0, it is one of the
 *     k sparsest eligible layers; ties to the earlier layer).  Eligible:
 *     a conv (not depthwise) that PRODUCES a prunable group, is not the
 *     first conv in net order, and whose group is not residual unless
 *     include_residual is set.  A group is rectified when every producer
 *     of it is resilient.
 *  3. RLR, reconvene_plan_auto + reconvene_apply: a rectified group keeps
 *     max(min_keep, ceil(sqrt(d) x channels)) channels when its producer's
 *     input group is cut too, else max(min_keep, ceil(d x channels)), d
 *     the producer's density (the largest over the producers of a residual
 *     group; o->width, RECONVENE_WIDTH_SQRT, has the other rules), rounded up to a
 *     multiple of `align` when it is above 1 (kernels run whole SIMD
 *     widths: bench --widths shows that a multiple of 4 is as fast as the
 *     counts just below it), never more than it has.  Which channels: the highest per-channel scores
 *     (score_channel_scores, summed over the group's producers), handed to
 *     plan_apply as importance.  plan_apply runs in REINIT mode: every
 *     producer, consumer and depthwise conv of a changed group is
 *     re-initialised (Kaiming at the new fan-in, seeded as net_init(seed)
 *     would) and its BNs reset.  Those layers become DENSE (mask cleared).
 *  4. Composite: every other conv / linear layer keeps its unstructured
 *     mask, mapped exactly through the plan's parameter map (default), or
 *     becomes dense (sensitive_dense).  Masked weights are zeroed in the
 *     result net's params, so a forward of result.net IS the pruned model.
 *
 * Plan files (JSON, plan_file_write / plan_file_read):
 *   {"model": "vgg16", "method": "synflow", "sparsity": 0.9, "seed": 1,
 *    "tau": 0.2, "k": 0, "groups": {"conv2_1": 13, "conv3_1": 26, ...}}
 * "groups" gives kept counts by group name (reconvene groups MODEL lists
 * them); a prunable group not listed keeps every channel.  "model" and
 * "groups" are required; method, sparsity, seed, tau and k are optional
 * (they record how the plan was made, and the CLI uses them as defaults).
 *
 * Owns: struct reconvene_pse and struct reconvene_result own every pointer
 * in them (free with reconvene_pse_done / reconvene_result_done; a zeroed
 * struct is safe to free).  Nothing borrows the source net after a call.
 *
 * Thread rules: one call per net at a time; opts->abort (base/cancel.h)
 * may be requested from another thread (polled during scoring).  The
 * engine never prints.
 *
 *   struct reconvene_options o;
 *   reconvene_options_init(&o);
 *   o.method = SCORE_METHOD_SYNFLOW; o.sparsity = 0.9;
 *   net_init(net, o.seed);
 *   struct reconvene_result r;
 *   if (reconvene_run(net, &spec, NULL, &o, NULL, &r, &err)) ...;
 *   ... r.net, r.mask, r.rows, r.plan ...
 *   if (bundle_save(&r, &o, "out", &err)) ...;
 *   reconvene_result_done(&r);
 */
#ifndef RECONVENE_RECONVENE_H
#define RECONVENE_RECONVENE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/data.h"
#include "prune/groups.h"
#include "nn/net.h"
#include "nn/net_spec.h"
#include "prune/plan.h"
#include "score/score.h"
#include "base/cancel.h"
#include "base/status.h"

#define RECONVENE_TAU_DEFAULT 0.2
#define RECONVENE_ALIGN_MAX 4096
/* align = RECONVENE_ALIGN_AUTO: each rectified group keeps the width
 * o->align_width gives for its count (`--align auto`: the widest width of
 * the group's measured staircase as fast as the count, width_free). */
#define RECONVENE_ALIGN_AUTO (-1)

struct net;
struct group_set;
/* A width for group g that keeps `keep` channels (in keep..channels), or
 * a negative number with err set.  Called once per rectified group. */
typedef int (*reconvene_width_fn)(void *user, const struct net *net,
				  const struct group_set *gs, int g, int keep,
				  struct eng_err *err);
#define RECONVENE_SPARSITY_DEFAULT 0.9
#define RECONVENE_METHOD_DEFAULT SCORE_METHOD_SYNFLOW

/* How many channels a rectified group keeps (issue 18's free choices). */
enum reconvene_width {
	RECONVENE_WIDTH_DENSITY, /* ceil(d x channels), our first reading of the
				  * paper (the default until issue 18's sweeps:
				  * docs/reconvene.md, "Why these defaults") */
	RECONVENE_WIDTH_NNZ,     /* as many as hold the producer's PaI non-zero
				  * count densely at its input width after the
				  * plan: ceil(kept / (in' / groups x kh x kw)),
				  * in' the kept channels of its input group
				  * (in a chain of rectified layers the counts
				  * alternate wide and narrow) */
	RECONVENE_WIDTH_SQRT,    /* the default: ceil(sqrt(d) x channels) when
				  * the producer's input group is shrunk too
				  * (both sides cut by sqrt(d): about the PaI
				  * count, evenly), else ceil(d x channels) */
	RECONVENE_WIDTH_BUDGET,  /* the density counts raised to a common
				  * floor ceil(f x channels) (at most all but
				  * one), f the largest (bisection) whose
				  * composite model stores no more bytes than
				  * the UPaI model; reconvene_run only (it
				  * builds the model to measure it; the
				  * explorer refuses it) */
};

/* "density", "nnz", "sqrt", "budget"; NULL out of range.  _from_name: -1 if none. */
const char *reconvene_width_name(int width);
int reconvene_width_from_name(const char *name);

/* "score", "random"; NULL out of range.  _from_name: -1 if none. */
const char *reconvene_channels_name(int channels);
int reconvene_channels_from_name(const char *name);

/* Which channels a rectified group keeps. */
enum reconvene_channels {
	RECONVENE_CHANNELS_SCORE,  /* highest summed PaI score (default) */
	RECONVENE_CHANNELS_RANDOM, /* uniformly random, seeded by seed and the
				    * group's name (a control: with re-init
				    * the choice cannot matter) */
};

struct reconvene_options {
	enum score_method method;   /* default synflow (data-free) */
	double sparsity;            /* PaI target s in [0, 1), default 0.9 */
	uint64_t seed;              /* random scores and RLR re-init, default 1 */
	double tau;                 /* density threshold in [0, 1], default 0.2 */
	int k;                      /* > 0: the k sparsest eligible layers
				     * instead of tau; default 0 */
	int min_keep;               /* collapse guard, default 1 */
	int align;                  /* > 1: rectified groups keep a multiple of
				     * align channels (rounded up); default 0
				     * (off); RECONVENE_ALIGN_AUTO: what
				     * align_width says */
	reconvene_width_fn align_width; /* needed by RECONVENE_ALIGN_AUTO; the
				     * front end measures (NULL: auto is
				     * refused) */
	void *align_user;
	bool include_residual;      /* also prune residual groups (default no) */
	bool sensitive_dense;       /* sensitive layers dense (default: masked) */
	bool keep_init;             /* rectified groups' layers keep their
				     * initial weights on the kept channels
				     * (plan_apply KEEP) instead of being
				     * re-initialised; still dense */
	enum reconvene_width width;       /* default RECONVENE_WIDTH_SQRT */
	enum reconvene_channels channels; /* default RECONVENE_CHANNELS_SCORE */
	int synflow_iterations;     /* default 100 */
	int samples_per_class;      /* SNIP/GraSP batch, default 10 */
	int batch_index;            /* which SNIP/GraSP batch (score.h's
				     * batch_index), default 0 */
	score_progress_fn progress; /* may be NULL */
	void *progress_user;
	const struct cancel *abort; /* may be NULL; passed to score.h */
};

void reconvene_options_init(struct reconvene_options *o);
/* The scoring part of o (method, seed, samples, iterations, sparsity,
 * progress, abort) as score_compute's options. */
void reconvene_score_options(const struct reconvene_options *o,
			     struct score_options *so);
/* Set one option from text, by its command-line name without the dashes:
 * method, sparsity, seed, tau, k, iterations, min-channels, align, width
 * (density, nnz, sqrt or budget), channels (score or random) (values as the CLI takes
 * them) and residual, dense-sensitive, keep-init (yes/no, numparse_bool).
 * The one parser behind the command line's option group and sweep grids.
 * EINVAL with one line, e.g. "seed: a whole number >= 0, not 'x'" or
 * "unknown Reconvene option 'x' (expected ...)"; o is unchanged then. */
enum eng_status reconvene_option_set(struct reconvene_options *o, const char *name,
				     const char *value, struct eng_err *err);
/* EINVAL with one line when an option is out of range. */
enum eng_status reconvene_options_check(const struct reconvene_options *o,
					struct eng_err *err);

/* Step 1 (PSE) output, for the net it was run on. */
struct reconvene_pse {
	size_t n_params;
	int n_layers;
	float *scores;      /* owned, n_params (score.h convention) */
	uint8_t *mask;      /* owned, n_params: the unstructured PaI mask */
	double *density;    /* owned, n_layers: kept fraction, -1 if none */
	size_t *kept;       /* owned, n_layers: kept weights (0 if none) */
	double seconds;     /* scoring + masking */
};

/* Score net's current weights (normally net_init(net, o->seed)), mask at
 * o->sparsity, densities.  data is needed for SNIP and GraSP only.  The
 * net's params are unchanged; its grads and workspace are clobbered.  On
 * error *out is zeroed. */
enum eng_status reconvene_pse_run(struct net *net, const struct data_split *data,
				  const struct reconvene_options *o,
				  struct reconvene_pse *out, struct eng_err *err);
void reconvene_pse_done(struct reconvene_pse *p);

/* Whether layer i may be selected (see step 2). */
bool reconvene_layer_eligible(const struct net *net, const struct group_set *gs,
			      int layer, bool include_residual);
/* Step 2: resilient[i] for every layer (false for non-eligible ones). */
void reconvene_select(const struct net *net, const struct group_set *gs,
		      const double *density, const struct reconvene_options *o,
		      bool *resilient);
/* keep rounded up to a multiple of align (align <= 1: keep), at most
 * channels. */
int reconvene_align_keep(int keep, int channels, int align);
/* Kept channels for a rectified group: max(min_keep, ceil(kept * c /
 * weights)) capped at c, computed in integers (no rounding error); with
 * sqrt, max(min_keep, ceil(sqrt(kept / weights) * c)), likewise exact.  With
 * width nnz, weights is the layer's weights per output channel times c at
 * its reduced input width, so the same formula gives ceil(kept / per-channel
 * weights). */
int reconvene_keep_count(size_t kept, size_t weights, int channels, int min_keep);
int reconvene_keep_count_sqrt(size_t kept, size_t weights, int channels, int min_keep);
/* Step 3: a plan (initialised here; plan_done it) with the keep counts of
 * every rectified group, others unchanged.  kept = pse->kept.  Width nnz
 * decides groups in the order of their first producer, so a producer's
 * input group is decided before it. */
enum eng_status reconvene_plan_auto(const struct net *net,
				    const struct group_set *gs,
				    const size_t *kept, const bool *resilient,
				    const struct reconvene_options *o,
				    struct prune_plan *plan, struct eng_err *err);

/* Channel importance per group: for each prunable group the sum over its
 * producers of score_channel_scores of the weight scores, or, when o says
 * channels random, uniform random numbers seeded by o->seed and the
 * group's name; NULL for other groups.  o NULL = scores.  The one place
 * that decides which channels a Reconvene plan keeps (with
 * plan_group_kept).  *out is an n_groups array of malloc'd arrays; free
 * with reconvene_importance_free. */
enum eng_status reconvene_importance(const struct net *net,
				     const struct group_set *gs,
				     const float *scores,
				     const struct reconvene_options *o,
				     float ***out, struct eng_err *err);
void reconvene_importance_free(float **imp, int n_groups);

/* Steps 3 and 4 for a chosen plan: plan_apply in REINIT mode, or KEEP
 * with o->keep_init (o->seed, o->min_keep; importance as
 * reconvene_importance gives it, NULL = L1 norms; mask = the PaI mask of
 * net, n_params bytes), then the composite: every member of a changed
 * group (plan_layers_touched) becomes dense (every conv and linear when
 * o->sensitive_dense), the rest keep their mapped mask, and
 * masked weights are zero in out->net's params, so a forward of out->net
 * IS the pruned model.  *out as plan_apply (plan_result_done it). */
enum eng_status reconvene_apply(const struct net *net, const struct net_spec *spec,
				const struct group_set *gs, const struct prune_plan *plan,
				const struct reconvene_options *o,
				const float *const *importance, const uint8_t *mask,
				struct plan_result *out, struct eng_err *err);

/* One row per conv or linear layer of the ORIGINAL net. */
struct reconvene_row {
	int layer;                 /* index in the original (and new) net */
	char name[LAYER_NAME_MAX];
	size_t weights;            /* prunable weights before */
	size_t kept;               /* kept by the unstructured mask */
	double density;            /* kept / weights */
	bool resilient;            /* selected at tau / k (step 2) */
	bool rectified;            /* output channels reduced (a producer of a
				    * changed group) */
	bool reinit;               /* re-initialised and dense (RLR) */
	bool dense;                /* dense in the composite (layer_dense): a
				    * member of a changed group, or any layer
				    * under sensitive_dense; initial weights
				    * when not reinit */
	int channels_before;       /* output channels */
	int channels_after;
};

struct reconvene_result {
	struct reconvene_pse pse;  /* owned: on the original net */
	struct group_set groups;   /* owned: of the original net */
	bool *resilient;           /* owned, original n_layers */
	struct net_spec spec;      /* owned: the pruned description */
	struct net *net;           /* owned: pruned net, masked weights zero */
	uint8_t *mask;             /* owned, net->n_params, 1 = kept */
	size_t *param_src;         /* owned: new param j came from param_src[j] */
	bool *layer_reinit;        /* owned, net->n_layers */
	bool *layer_dense;         /* owned, net->n_layers: kept dense by the
				    * composite (reconvene_apply decides) */
	struct prune_plan plan;    /* owned: resolved (changed groups indexed) */
	int n_changed;             /* groups that lost channels */
	int n_rows;
	struct reconvene_row *rows;/* owned */
	double seconds_score;      /* PSE */
	double seconds_plan;       /* selection + plan */
	double seconds_apply;      /* build the pruned net */
	double seconds_total;
};

/* The whole algorithm on net (built from spec, weights to score already in
 * it).  plan NULL = automatic selection (steps 2-3); otherwise that plan's
 * keep counts (explicit indices in it are honoured) replace the selection,
 * and `resilient` in the rows still reports step 2.  On error *out is
 * zeroed. */
enum eng_status reconvene_run(struct net *net, const struct net_spec *spec,
			      const struct data_split *data,
			      const struct reconvene_options *o,
			      const struct prune_plan *plan,
			      struct reconvene_result *out, struct eng_err *err);
void reconvene_result_done(struct reconvene_result *r);

#endif
