/* plan.c: pruning plans, channel selection and the compacted net.
 *
 * Every parameter (and BN state value) of the compacted net comes from
 * exactly one of the source net: plan_apply first builds that index map
 * (param_src) from the resolved plan, then KEEP is a gather through it,
 * masks and scores use the same gather, and REINIT overwrites the touched
 * layers afterwards.  A channel of group g in a space with factor f is the
 * features [c*f, (c+1)*f) of that space; the new feature j maps to old
 * feature kept[j / f] * f + j % f.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/topk.h"
#include "prune/plan.h"

void plan_done(struct prune_plan *plan)
{
	if (!plan)
		return;
	if (plan->kept_idx) {
		for (int g = 0; g < plan->n_groups; g++)
			free(plan->kept_idx[g]);
	}
	free(plan->kept_idx);
	free(plan->keep);
	memset(plan, 0, sizeof *plan);
}

static enum eng_status plan_alloc(struct prune_plan *plan, int n_groups)
{
	memset(plan, 0, sizeof *plan);
	size_t n = n_groups > 0 ? (size_t)n_groups : 1;
	plan->keep = calloc(n, sizeof *plan->keep);
	plan->kept_idx = calloc(n, sizeof *plan->kept_idx);
	if (!plan->keep || !plan->kept_idx) {
		free(plan->keep);
		free(plan->kept_idx);
		memset(plan, 0, sizeof *plan);
		return ENG_STATUS_ENOMEM;
	}
	plan->n_groups = n_groups;
	return ENG_STATUS_OK;
}

enum eng_status plan_init(struct prune_plan *plan, const struct group_set *gs)
{
	enum eng_status st = plan_alloc(plan, gs->n_groups);
	if (st != ENG_STATUS_OK)
		return st;
	for (int g = 0; g < gs->n_groups; g++)
		plan->keep[g] = gs->groups[g].channels;
	return ENG_STATUS_OK;
}

enum eng_status plan_copy(struct prune_plan *dst, const struct prune_plan *src)
{
	enum eng_status st = plan_alloc(dst, src->n_groups);
	if (st != ENG_STATUS_OK)
		return st;
	for (int g = 0; g < src->n_groups; g++) {
		dst->keep[g] = src->keep[g];
		if (!src->kept_idx[g] || src->keep[g] <= 0)
			continue;
		size_t bytes = (size_t)src->keep[g] * sizeof(int);
		dst->kept_idx[g] = malloc(bytes);
		if (!dst->kept_idx[g]) {
			plan_done(dst);
			return ENG_STATUS_ENOMEM;
		}
		memcpy(dst->kept_idx[g], src->kept_idx[g], bytes);
	}
	return ENG_STATUS_OK;
}

void plan_set_keep(struct prune_plan *plan, int group, int keep)
{
	ENG_ASSERT(group >= 0 && group < plan->n_groups);
	free(plan->kept_idx[group]);
	plan->kept_idx[group] = NULL;
	plan->keep[group] = keep;
}

enum eng_status plan_set_keep_by_name(struct prune_plan *plan,
				      const struct group_set *gs,
				      const char *name, int keep,
				      struct eng_err *err)
{
	int g = groups_find(gs, name);
	if (g < 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "plan: unknown group '%s'", name);
	plan_set_keep(plan, g, keep);
	return ENG_STATUS_OK;
}

static int plan_int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

enum eng_status plan_set_indices(struct prune_plan *plan, int group,
				 const int *idx, int n, struct eng_err *err)
{
	ENG_ASSERT(group >= 0 && group < plan->n_groups);
	if (n <= 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "plan: an index list must keep at least one channel");
	int *copy = malloc((size_t)n * sizeof *copy);
	if (!copy)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	memcpy(copy, idx, (size_t)n * sizeof *copy);
	qsort(copy, (size_t)n, sizeof *copy, plan_int_cmp);
	free(plan->kept_idx[group]);
	plan->kept_idx[group] = copy;
	plan->keep[group] = n;
	return ENG_STATUS_OK;
}

bool plan_group_changed(const struct group_set *gs,
			const struct prune_plan *plan, int g)
{
	return plan->keep[g] != gs->groups[g].channels;
}

bool plan_keep_allowed(const struct group *gr, int keep, int min_keep)
{
	if (min_keep <= 0)
		min_keep = PLAN_MIN_KEEP_DEFAULT;
	return keep == gr->channels ||
	       (gr->prunable && keep >= min_keep && keep < gr->channels);
}

enum eng_status plan_validate(const struct group_set *gs,
			      const struct prune_plan *plan, int min_keep,
			      struct eng_err *err)
{
	if (min_keep <= 0)
		min_keep = PLAN_MIN_KEEP_DEFAULT;
	if (plan->n_groups != gs->n_groups)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "plan: has %d groups, the model has %d",
				   plan->n_groups, gs->n_groups);
	for (int g = 0; g < gs->n_groups; g++) {
		const struct group *gr = &gs->groups[g];
		int keep = plan->keep[g], c = gr->channels;
		if (!plan_keep_allowed(gr, keep, min_keep)) {
			if (keep > c)
				return eng_err_set(err, ENG_STATUS_EINVAL,
						   "plan: group '%s' keeps %d channels but has only %d",
						   gr->name, keep, c);
			if (!gr->prunable)
				return eng_err_set(err, ENG_STATUS_EINVAL,
						   "plan: group '%s' cannot be pruned (%s)",
						   gr->name, groups_fixed_name(gr->fixed));
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "plan: group '%s' keeps %d of %d channels; at least %d must stay (collapse guard)",
					   gr->name, keep, c, min_keep);
		}
		const int *idx = plan->kept_idx[g];
		if (!idx)
			continue;
		for (int j = 0; j < keep; j++) {
			if (idx[j] < 0 || idx[j] >= c)
				return eng_err_set(err, ENG_STATUS_EINVAL,
						   "plan: group '%s': channel index %d is out of range (0..%d)",
						   gr->name, idx[j], c - 1);
			if (j > 0 && idx[j] == idx[j - 1])
				return eng_err_set(err, ENG_STATUS_EINVAL,
						   "plan: group '%s': channel index %d is repeated",
						   gr->name, idx[j]);
			if (j > 0 && idx[j] < idx[j - 1])
				return eng_err_set(err, ENG_STATUS_EINVAL,
						   "plan: group '%s': channel indices are unsorted at %d",
						   gr->name, idx[j]);
		}
	}
	return ENG_STATUS_OK;
}

uint64_t plan_hash(const struct prune_plan *plan)
{
	uint64_t h = hash_fnv1a_init();
	h = hash_fnv1a_u32(h, (uint32_t)plan->n_groups);
	for (int g = 0; g < plan->n_groups; g++) {
		h = hash_fnv1a_u32(h, (uint32_t)plan->keep[g]);
		const int *idx = plan->kept_idx[g];
		h = hash_fnv1a_u32(h, idx ? 1u : 0u);
		for (int j = 0; idx && j < plan->keep[g]; j++)
			h = hash_fnv1a_u32(h, (uint32_t)idx[j]);
	}
	return h;
}

/* ---- channel selection -------------------------------------------------- */

/* L1 norm per channel over every producer's filter row and bias. */
static void plan_l1_importance(const struct net *net, const struct group *gr,
			       double *imp)
{
	for (int c = 0; c < gr->channels; c++)
		imp[c] = 0.0;
	for (int m = 0; m < gr->n_members; m++) {
		if (gr->members[m].role != GROUP_ROLE_PRODUCER)
			continue;
		const struct layer *l = &net->layers[gr->members[m].layer];
		ENG_ASSERT(l->out.c == gr->channels);
		size_t row = l->w_len / (size_t)l->out.c;
		for (int c = 0; c < gr->channels; c++) {
			double s = 0.0;
			for (size_t t = 0; t < row; t++)
				s += fabs((double)l->w[(size_t)c * row + t]);
			if (l->b)
				s += fabs((double)l->b[c]);
			imp[c] += s;
		}
	}
}

/* The answer for a group whose plan has no explicit indices: kept[c] = 1
 * or 0 from explicit indices or "unchanged", else -1 (rank by importance).
 * The one place that says which groups need a ranking at all. */
static int plan_group_kept_fixed(const struct group_set *gs,
				 const struct prune_plan *plan, int g,
				 unsigned char *kept)
{
	int n = gs->groups[g].channels;
	if (!plan_group_changed(gs, plan, g)) {
		memset(kept, 1, (size_t)n);
		return 0;
	}
	if (plan->kept_idx[g]) {
		memset(kept, 0, (size_t)n);
		for (int j = 0; j < plan->keep[g]; j++)
			kept[plan->kept_idx[g][j]] = 1;
		return 0;
	}
	return -1;
}

enum eng_status plan_group_kept(const struct group_set *gs,
				const struct prune_plan *plan, int g,
				const float *importance, unsigned char *kept)
{
	ENG_ASSERT(g >= 0 && g < gs->n_groups && plan->n_groups == gs->n_groups);
	if (plan_group_kept_fixed(gs, plan, g, kept) == 0)
		return ENG_STATUS_OK;
	if (!importance)
		return ENG_STATUS_EINVAL;
	/* the rule of base/topk.h: the keep highest, NaN lowest, ties to the
	 * lower index */
	topk_mark_f32(importance, (size_t)gs->groups[g].channels,
		      (size_t)plan->keep[g], kept);
	return ENG_STATUS_OK;
}

enum eng_status plan_resolve(const struct net *net, const struct group_set *gs,
			     struct prune_plan *plan, int min_keep,
			     const float *const *importance,
			     struct eng_err *err)
{
	enum eng_status st = plan_validate(gs, plan, min_keep, err);
	if (st != ENG_STATUS_OK)
		return st;
	ENG_ASSERT(gs->n_layers == net->n_layers);
	for (int g = 0; g < gs->n_groups; g++) {
		const struct group *gr = &gs->groups[g];
		if (plan->kept_idx[g] || !plan_group_changed(gs, plan, g))
			continue;
		int n = gr->channels;
		unsigned char *kept = malloc((size_t)n);
		int *idx = malloc((size_t)plan->keep[g] * sizeof *idx);
		double *l1 = NULL;
		if (kept && idx && !(importance && importance[g])) {
			l1 = malloc((size_t)n * sizeof *l1);
			if (l1) {
				/* no importance given: the producers' L1 norms */
				plan_l1_importance(net, gr, l1);
				topk_mark_f64(l1, (size_t)n, (size_t)plan->keep[g], kept);
			}
		}
		if (!kept || !idx || (!l1 && !(importance && importance[g]))) {
			free(kept);
			free(idx);
			free(l1);
			return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
		}
		if (!l1)
			plan_group_kept(gs, plan, g, importance[g], kept);
		int j = 0;
		for (int c = 0; c < n; c++)
			if (kept[c])
				idx[j++] = c;
		ENG_ASSERT(j == plan->keep[g]);
		plan->kept_idx[g] = idx;
		free(kept);
		free(l1);
	}
	return ENG_STATUS_OK;
}

/* ---- masking in the original net ---------------------------------------- */

/* Zero features [c*f, (c+1)*f) of layer l's output: weight rows and bias. */
static void plan_zero_rows(const struct net *net, const struct layer *l,
			   int c, int f, float *params)
{
	size_t row = l->w_len / (size_t)l->out.c;
	size_t wo = l->w ? (size_t)(l->w - net->params) : 0;
	size_t bo = l->b ? (size_t)(l->b - net->params) : 0;
	for (int k = c * f; k < (c + 1) * f; k++) {
		if (l->w)
			memset(params + wo + (size_t)k * row, 0, row * sizeof(float));
		if (l->b)
			params[bo + (size_t)k] = 0.0f;
	}
}

void plan_mask_channels(const struct net *net, const struct group_set *gs,
			const struct prune_plan *plan, float *params)
{
	ENG_ASSERT(gs->n_layers == net->n_layers && plan->n_groups == gs->n_groups);
	for (int g = 0; g < gs->n_groups; g++) {
		if (!plan_group_changed(gs, plan, g))
			continue;
		const struct group *gr = &gs->groups[g];
		const int *kept = plan->kept_idx[g];
		ENG_ASSERT(kept != NULL); /* resolve first */
		int j = 0;
		for (int c = 0; c < gr->channels; c++) {
			if (j < plan->keep[g] && kept[j] == c) {
				j++;
				continue;
			}
			for (int m = 0; m < gr->n_members; m++) {
				const struct group_member *mb = &gr->members[m];
				const struct layer *l = &net->layers[mb->layer];
				if (mb->role == GROUP_ROLE_PRODUCER ||
				    mb->role == GROUP_ROLE_DEPTHWISE ||
				    mb->role == GROUP_ROLE_BN)
					plan_zero_rows(net, l, c,
						       gs->layer_out_factor[mb->layer],
						       params);
			}
		}
	}
}

/* ---- the compacted net -------------------------------------------------- */

/* Old feature index of new feature j in a space of group g, factor f. */
static size_t plan_src_feature(const struct prune_plan *plan, int g, int f, int j)
{
	const int *kept = plan->kept_idx[g];
	int c = j / f, r = j % f;
	return (size_t)(kept ? kept[c] : c) * (size_t)f + (size_t)r;
}

static size_t plan_offset(const float *p, const float *base)
{
	return (size_t)(p - base);
}

/* Fill param_src (and state_src) for layer i. */
static void plan_map_layer(const struct net *src, const struct net *dst,
			   const struct group_set *gs,
			   const struct prune_plan *plan, int i,
			   size_t *param_src, size_t *state_src)
{
	const struct layer *ls = &src->layers[i], *ld = &dst->layers[i];
	int gout = gs->layer_out[i], fout = gs->layer_out_factor[i];
	int gin = gs->layer_in[i], fin = gs->layer_in_factor[i];
	size_t dw = ld->w ? plan_offset(ld->w, dst->params) : 0;
	size_t sw = ls->w ? plan_offset(ls->w, src->params) : 0;
	size_t db = ld->b ? plan_offset(ld->b, dst->params) : 0;
	size_t sb = ls->b ? plan_offset(ls->b, src->params) : 0;
	switch (ld->kind) {
	case LAYER_KIND_CONV:
	case LAYER_KIND_LINEAR: {
		bool conv = ld->kind == LAYER_KIND_CONV;
		int kk = conv ? ld->conf.size * ld->conf.size : 1;
		int groups = conv ? ld->conf.groups : 1;
		int rows_d = ld->out.c;
		size_t cols_d = ld->w_len / (size_t)rows_d / (size_t)kk;
		size_t cols_s = ls->w_len / (size_t)ls->out.c / (size_t)kk;
		for (int o = 0; o < rows_d; o++) {
			size_t so = plan_src_feature(plan, gout, fout, o);
			for (size_t j = 0; j < cols_d; j++) {
				/* grouped convs only see unchanged groups and a
				 * depthwise filter has one input column */
				size_t sj = groups == 1 ?
					plan_src_feature(plan, gin, fin, (int)j) : j;
				for (int t = 0; t < kk; t++)
					param_src[dw + ((size_t)o * cols_d + j) * (size_t)kk + (size_t)t] =
						sw + (so * cols_s + sj) * (size_t)kk + (size_t)t;
			}
			if (ld->b)
				param_src[db + (size_t)o] = sb + so;
		}
		break;
	}
	case LAYER_KIND_BN: {
		int cd = ld->out.c, cs = ls->out.c;
		size_t sd = plan_offset(ld->state, dst->state);
		size_t ss = plan_offset(ls->state, src->state);
		for (int c = 0; c < cd; c++) {
			size_t sc = plan_src_feature(plan, gout, fout, c);
			param_src[dw + (size_t)c] = sw + sc;
			param_src[db + (size_t)c] = sb + sc;
			state_src[sd + (size_t)c] = ss + sc;
			state_src[sd + (size_t)cd + (size_t)c] = ss + (size_t)cs + sc;
		}
		break;
	}
	default:
		ENG_ASSERT(layer_param_count(ld) == 0 && ld->state_len == 0);
		break;
	}
}

void plan_result_done(struct plan_result *r)
{
	if (!r)
		return;
	net_spec_done(&r->spec);
	net_free(r->net);
	plan_done(&r->plan);
	free(r->param_src);
	free(r->mask);
	free(r->layer_reinit);
	free(r->layer_dense);
	memset(r, 0, sizeof *r);
}

void plan_map_f32(const struct plan_result *r, const float *src, float *dst)
{
	for (size_t j = 0; j < r->net->n_params; j++)
		dst[j] = src[r->param_src[j]];
}

void plan_map_u8(const struct plan_result *r, const uint8_t *src, uint8_t *dst)
{
	for (size_t j = 0; j < r->net->n_params; j++)
		dst[j] = src[r->param_src[j]];
}

static enum eng_status plan_check_match(const struct net *src,
					const struct net_spec *spec,
					const struct group_set *gs,
					struct eng_err *err)
{
	if (gs->n_layers != src->n_layers || spec->n_layers != src->n_layers)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "plan: the net, its spec and its groups disagree on the layer count (%d, %d, %d)",
				   src->n_layers, spec->n_layers, gs->n_layers);
	for (int i = 0; i < src->n_layers; i++) {
		if (strcmp(spec->layers[i].name, src->layers[i].name) != 0 ||
		    spec->layers[i].kind != src->layers[i].kind)
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "plan: layer %d is '%s' in the spec but '%s' in the net",
					   i, spec->layers[i].name, src->layers[i].name);
	}
	return ENG_STATUS_OK;
}

/* Reduce conv/linear `out` (and a depthwise conv's groups) in the spec. */
static void plan_spec_shrink(const struct net *src, const struct group_set *gs,
			     const struct prune_plan *plan, struct net_spec *spec)
{
	for (int g = 0; g < gs->n_groups; g++) {
		if (!plan_group_changed(gs, plan, g))
			continue;
		const struct group *gr = &gs->groups[g];
		for (int m = 0; m < gr->n_members; m++) {
			const struct group_member *mb = &gr->members[m];
			struct layer_conf *conf = &spec->layers[mb->layer].conf;
			if (mb->role == GROUP_ROLE_PRODUCER) {
				conf->out = plan->keep[g];
			} else if (mb->role == GROUP_ROLE_DEPTHWISE) {
				ENG_ASSERT(src->layers[mb->layer].conf.groups ==
					   src->layers[mb->layer].out.c);
				conf->out = plan->keep[g];
				conf->groups = plan->keep[g];
			}
		}
	}
}

void plan_layers_touched(const struct group_set *gs,
			 const struct prune_plan *plan, int n_layers,
			 bool *touched)
{
	memset(touched, 0, (size_t)n_layers * sizeof *touched);
	for (int g = 0; g < gs->n_groups; g++) {
		if (!plan_group_changed(gs, plan, g))
			continue;
		const struct group *gr = &gs->groups[g];
		for (int m = 0; m < gr->n_members; m++) {
			int layer = gr->members[m].layer;
			if (gr->members[m].role != GROUP_ROLE_PASSTHROUGH &&
			    layer >= 0 && layer < n_layers)
				touched[layer] = true;
		}
	}
}

static void plan_reinit(const struct group_set *gs, const struct prune_plan *plan,
			uint64_t seed, struct plan_result *r)
{
	plan_layers_touched(gs, plan, r->net->n_layers, r->layer_reinit);
	for (int i = 0; i < r->net->n_layers; i++) {
		struct layer *l = &r->net->layers[i];
		if (!r->layer_reinit[i] || !l->ops->init)
			continue;
		struct rng rng;
		rng_seed(&rng, rng_derive_seed(seed, l->name));
		l->ops->init(l, &rng);
	}
}

enum eng_status plan_apply(const struct net *src,
			   const struct net_spec *src_spec,
			   const struct group_set *gs,
			   const struct prune_plan *plan,
			   const struct plan_apply_options *opts,
			   struct plan_result *out, struct eng_err *err)
{
	struct plan_result r;
	memset(&r, 0, sizeof r);
	memset(out, 0, sizeof *out);
	size_t *state_src = NULL;
	enum eng_status st = plan_check_match(src, src_spec, gs, err);
	if (st != ENG_STATUS_OK)
		return st;
	if (plan_copy(&r.plan, plan) != ENG_STATUS_OK) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
		goto fail;
	}
	st = plan_resolve(src, gs, &r.plan, opts->min_keep, opts->importance, err);
	if (st != ENG_STATUS_OK)
		goto fail;
	for (int g = 0; g < gs->n_groups; g++)
		r.n_changed += plan_group_changed(gs, &r.plan, g);
	if (net_spec_copy(&r.spec, src_spec) != ENG_STATUS_OK) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
		goto fail;
	}
	plan_spec_shrink(src, gs, &r.plan, &r.spec);
	st = net_build(&r.spec, &r.net, err);
	if (st != ENG_STATUS_OK)
		goto fail;

	size_t np = r.net->n_params, ns = r.net->n_state;
	r.param_src = malloc((np ? np : 1) * sizeof *r.param_src);
	state_src = malloc((ns ? ns : 1) * sizeof *state_src);
	r.layer_reinit = calloc((size_t)r.net->n_layers, sizeof *r.layer_reinit);
	if (opts->mask)
		r.mask = malloc(np ? np : 1);
	if (!r.param_src || !state_src || !r.layer_reinit ||
	    (opts->mask && !r.mask)) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
		goto fail;
	}
	for (int i = 0; i < r.net->n_layers; i++)
		plan_map_layer(src, r.net, gs, &r.plan, i, r.param_src, state_src);
	plan_map_f32(&r, src->params, r.net->params);
	for (size_t j = 0; j < ns; j++)
		r.net->state[j] = src->state[state_src[j]];
	if (opts->mask)
		plan_map_u8(&r, opts->mask, r.mask);
	if (opts->mode == PLAN_MODE_REINIT)
		plan_reinit(gs, &r.plan, opts->seed, &r);
	free(state_src);
	*out = r;
	return ENG_STATUS_OK;
fail:
	free(state_src);
	plan_result_done(&r);
	return st;
}
