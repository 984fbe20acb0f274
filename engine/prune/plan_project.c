/* plan_project.c: metrics of a plan's compacted net by shape inference
 * alone (see plan_project.h). */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "prune/plan_project.h"

enum eng_status plan_project(const struct net *net, const struct group_set *gs,
			     const struct prune_plan *plan, const size_t *kept,
			     struct metrics *out)
{
	memset(out, 0, sizeof *out);
	if (!plan || plan->n_groups != gs->n_groups)
		return ENG_STATUS_EINVAL;
	for (int g = 0; g < gs->n_groups; g++)
		if (plan->keep[g] < 1 || plan->keep[g] > gs->groups[g].channels)
			return ENG_STATUS_EINVAL;
	int nl = net->n_layers;
	size_t nlz = nl ? (size_t)nl : 1;
	struct layer *tmp = malloc(nlz * sizeof *tmp);
	size_t *nnz = malloc(nlz * sizeof *nnz);
	if (!tmp || !nnz) {
		free(tmp);
		free(nnz);
		return ENG_STATUS_ENOMEM;
	}
	enum eng_status st = ENG_STATUS_OK;
	for (int i = 0; i < nl && st == ENG_STATUS_OK; i++) {
		struct layer *l = &tmp[i];
		*l = net->layers[i];
		bool reinit = false;
		if (l->kind == LAYER_KIND_CONV || l->kind == LAYER_KIND_LINEAR) {
			int go = gs->layer_out[i], gi = gs->layer_in[i];
			bool out_changed = go >= 0 && plan_group_changed(gs, plan, go);
			bool in_changed = gi >= 0 && plan_group_changed(gs, plan, gi);
			bool depthwise = l->kind == LAYER_KIND_CONV && l->conf.groups > 1 &&
					 l->conf.groups == l->in.c && l->out.c == l->in.c;
			if (out_changed) {
				l->conf.out = plan->keep[go];
				if (depthwise)
					l->conf.groups = plan->keep[go];
			}
			reinit = out_changed || in_changed;
		}
		struct shape in[LAYER_MAX_INPUTS];
		for (int k = 0; k < l->n_in; k++)
			in[k] = l->in_idx[k] < 0 ? net->input : tmp[l->in_idx[k]].out;
		st = l->ops->infer(l, in, l->n_in, NULL);
		bool weights = (l->kind == LAYER_KIND_CONV || l->kind == LAYER_KIND_LINEAR) &&
			       l->w_len > 0;
		nnz[i] = !weights ? 0 : (reinit || !kept) ? l->w_len : kept[i];
	}
	if (st == ENG_STATUS_OK) {
		struct net shadow = *net;
		shadow.layers = tmp;
		metrics_from_nnz(&shadow, nnz, out, NULL);
	} else {
		st = ENG_STATUS_EINVAL;
	}
	free(tmp);
	free(nnz);
	return st;
}
