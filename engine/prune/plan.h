/* plan.h: structured-pruning plans and building the physically smaller net.
 *
 * A plan gives, for every group of a struct group_set (groups.h), how many
 * channels to keep and optionally which ones (sorted original indices).  A
 * group whose keep equals its channel count and that has no indices is
 * unchanged.  plan_apply builds a new spec (conv/linear `out` reduced, a
 * depthwise conv's `groups` too; every other key, the layer names and the
 * order unchanged) and a new dense net whose parameters are either the
 * surviving channels' weights (PLAN_MODE_KEEP: conv filters
 * [kept out][kept in][k][k], biases, BN gamma, beta, running mean and var,
 * linear columns) or, for the layers the plan touches, fresh ones
 * (PLAN_MODE_REINIT, Reconvene's RLR).
 *
 * Channel choice for a group without explicit indices: the `keep` channels
 * with the highest importance, where importance is opts->importance[g] if
 * given, else the L1 norm of the producers' filters for that channel (conv
 * filter / linear row, plus bias; summed over every producer of a residual
 * group).  Ties go to the lower index; kept channels stay in original
 * order.  plan_group_kept is the one place that decides this: plan_resolve
 * (and so plan_apply, the saved bundle) and the explorer's heatmap shading
 * both ask it, with the same group importance.
 *
 * REINIT: the affected layers are every PRODUCER, CONSUMER and DEPTHWISE
 * member of a changed group; each is re-initialised by its kind's init with
 * an RNG seeded from rng_derive_seed(opts->seed, layer name), i.e. exactly
 * what net_init(new net, seed) gives that layer (Kaiming normal at the new
 * fan-in, zero bias); BN members of a changed group are reset (gamma 1,
 * beta 0, mean 0, var 1).  Every other layer keeps its weights exactly.
 *
 * Param map: result->param_src[j] is the index in src->params that new
 * parameter j came from (always defined: the new net is a subset of the
 * old).  plan_map_f32/plan_map_u8 move any per-parameter array (scores, the
 * unstructured mask) through it; plan_apply does that for opts->mask.  In
 * REINIT mode the mapped mask still covers the re-initialised layers; the
 * caller decides (Reconvene makes them dense: see layer_reinit).
 *
 * Owns: struct prune_plan owns keep and each kept_idx[g] (plan_init /
 * plan_done).  struct plan_result owns its spec, net, resolved plan,
 * param_src, mask, layer_reinit and layer_dense (plan_result_done).  Nothing borrows the
 * source net after a call returns.
 *
 * Thread rules: plain data; one thread per plan.  plan_apply only reads src.
 *
 *   struct prune_plan plan;
 *   plan_init(&plan, &gs);                      // keep everything
 *   plan_set_keep_by_name(&plan, &gs, "layer1.0.conv1", 8, &err);
 *   struct plan_apply_options o = { .mode = PLAN_MODE_REINIT, .seed = 1 };
 *   struct plan_result r;
 *   if (plan_apply(net, &spec, &gs, &plan, &o, &r, &err)) ...;
 *   ... r.net, r.spec (cfg_write_file), r.mask ...
 *   plan_result_done(&r);
 *   plan_done(&plan);
 */
#ifndef RECONVENE_PLAN_H
#define RECONVENE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prune/groups.h"
#include "nn/net.h"
#include "nn/net_spec.h"
#include "base/status.h"

/* The collapse guard's default: no group may drop below this many. */
#define PLAN_MIN_KEEP_DEFAULT 1

struct prune_plan {
	int n_groups;    /* = the group set's n_groups */
	int *keep;       /* owned, n_groups: channels kept per group */
	int **kept_idx;  /* owned, n_groups: NULL, or keep[g] strictly
			  * increasing original channel indices */
};

enum plan_mode {
	PLAN_MODE_KEEP,   /* copy surviving weights and BN statistics */
	PLAN_MODE_REINIT, /* re-initialise the layers of changed groups (RLR) */
};

struct plan_apply_options {
	enum plan_mode mode;
	uint64_t seed;          /* REINIT: the net_init seed */
	int min_keep;           /* collapse guard; <= 0 means PLAN_MIN_KEEP_DEFAULT */
	const float *const *importance; /* NULL, or n_groups entries, each NULL
					 * or channels floats (higher = keep) */
	const uint8_t *mask;    /* NULL, or src->n_params bytes, 1 = keep */
};

struct plan_result {
	struct net_spec spec;    /* owned: the pruned description */
	struct net *net;         /* owned: built, weights filled */
	struct prune_plan plan;  /* owned: resolved, every changed group has
				  * kept_idx */
	size_t *param_src;       /* owned, net->n_params: index into src params */
	uint8_t *mask;           /* owned, net->n_params; NULL if opts->mask was */
	bool *layer_reinit;      /* owned, net->n_layers: re-initialised (REINIT) */
	bool *layer_dense;       /* owned, net->n_layers, or NULL: plan_apply
				  * leaves it NULL; reconvene_apply sets the
				  * layers its composite mask keeps dense */
	int n_changed;           /* groups that lost channels */
};

/* A plan keeping every channel of every group. */
enum eng_status plan_init(struct prune_plan *plan, const struct group_set *gs);
void plan_done(struct prune_plan *plan);
/* Deep copy (dst overwritten, not freed). */
enum eng_status plan_copy(struct prune_plan *dst, const struct prune_plan *src);

/* Set a group's kept count (drops any explicit indices).  Range checks are
 * left to plan_validate, so a plan read from a file reports every problem
 * in one place; only an unknown name fails here:
 * "plan: unknown group 'x'". */
void plan_set_keep(struct prune_plan *plan, int group, int keep);
enum eng_status plan_set_keep_by_name(struct prune_plan *plan,
				      const struct group_set *gs,
				      const char *name, int keep,
				      struct eng_err *err);
/* Keep exactly these channels (copied, sorted; keep = n). */
enum eng_status plan_set_indices(struct prune_plan *plan, int group,
				 const int *idx, int n, struct eng_err *err);

/* One clear error per problem, the first found in group order:
 *   "plan: has N groups, the model has M"
 *   "plan: group 'x' keeps K of C channels; at least G must stay (collapse guard)"
 *   "plan: group 'x' keeps K channels but has only C"
 *   "plan: group 'x' cannot be pruned (network input)"  (or output, ...)
 *   "plan: group 'x': channel index I is out of range / repeated / unsorted"
 * min_keep <= 0 means PLAN_MIN_KEEP_DEFAULT.  A group that keeps all its
 * channels is always valid, whatever min_keep says. */
enum eng_status plan_validate(const struct group_set *gs,
			      const struct prune_plan *plan, int min_keep,
			      struct eng_err *err);

/* Whether a group may keep `keep` channels, plan_validate's rule for one
 * count: all of them always; fewer only when the group can be pruned and
 * at least min_keep stay (<= 0: PLAN_MIN_KEEP_DEFAULT).  Readers of saved
 * counts (sessions, the explorer's plan history) ask it too. */
bool plan_keep_allowed(const struct group *gr, int keep, int min_keep);

/* True when group g loses channels. */
bool plan_group_changed(const struct group_set *gs,
			const struct prune_plan *plan, int g);

/* touched[i] (net->n_layers entries, i.e. gs's layers) = layer i is a
 * producer, consumer or depthwise member of a group the plan changes: the
 * layers REINIT re-initialises, and the ones whose weights are no longer
 * the original filters' shape.  The one place that decides it: plan_apply
 * (REINIT) and Reconvene's composite mask both ask. */
void plan_layers_touched(const struct group_set *gs,
			 const struct prune_plan *plan, int n_layers,
			 bool *touched);

/* Stable FNV-1a 64-bit hash over n_groups, every keep and every explicit
 * index list (group names are not included). */
uint64_t plan_hash(const struct prune_plan *plan);

/* Fill kept_idx for every changed group that has none, by importance
 * (NULL = L1 norm of the producers' weights in net), see above.  Validates
 * first. */
enum eng_status plan_resolve(const struct net *net, const struct group_set *gs,
			     struct prune_plan *plan, int min_keep,
			     const float *const *importance,
			     struct eng_err *err);

/* Which channels of group g the plan keeps: kept[c] = 1 or 0 for each of
 * the group's channels.  An unchanged group keeps all; explicit kept_idx
 * are used as given; otherwise the keep[g] channels of highest importance
 * (importance: the group's channels floats, e.g. reconvene_importance's
 * entry for g, which the worker publishes as scores.group_importance), ties
 * to the lower index, NaN last.  EINVAL when the answer needs importance
 * and it is NULL; ENOMEM. */
enum eng_status plan_group_kept(const struct group_set *gs,
				const struct prune_plan *plan, int g,
				const float *importance, unsigned char *kept);

/* Build the pruned spec and net (see the header comment).  src_spec is the
 * spec src was built from (its classes, input and keys are kept).  On error
 * *out is zeroed. */
enum eng_status plan_apply(const struct net *src,
			   const struct net_spec *src_spec,
			   const struct group_set *gs,
			   const struct prune_plan *plan,
			   const struct plan_apply_options *opts,
			   struct plan_result *out, struct eng_err *err);
void plan_result_done(struct plan_result *r);

/* dst[j] = src[param_src[j]] for j < r->net->n_params. */
void plan_map_f32(const struct plan_result *r, const float *src, float *dst);
void plan_map_u8(const struct plan_result *r, const uint8_t *src, uint8_t *dst);

/* In the ORIGINAL net's layout (params: net->n_params floats, e.g. a copy
 * of net->params or net->params itself), zero everything a removed channel
 * contributes: its producers' filters and biases, its depthwise filters and
 * biases, its BN gamma and beta.  In eval mode the masked net then computes
 * the same logits as the compacted net.  The plan must be resolved
 * (plan_resolve). */
void plan_mask_channels(const struct net *net, const struct group_set *gs,
			const struct prune_plan *plan, float *params);

#endif
