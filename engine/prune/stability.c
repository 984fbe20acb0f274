/* stability.c: a plan's dependence on chance (stability.h). */
#include "config.h"

#include "prune/stability.h"

#include <stdlib.h>
#include <string.h>

#include "prune/plan.h"

void stability_done(struct stability *s)
{
	free(s->density);
	free(s->resilient);
	free(s->kept_runs);
	free(s->kept_off);
	free(s->rectified_runs);
	memset(s, 0, sizeof *s);
}

/* Progress over all scorings: each scoring's own (done, total) scaled into
 * its slot. */
struct stab_progress {
	const struct reconvene_options *o;
	int slot, slots;
};

static void stab_on_progress(int done, int total, void *user)
{
	struct stab_progress *p = user;
	if (!p->o->progress || total <= 0)
		return;
	p->o->progress(p->slot * 1000 + done * 1000 / total, p->slots * 1000,
		       p->o->progress_user);
}

/* One scoring of the net's current weights: density, resilient flags and,
 * when kept is given, the channels the automatic plan keeps added in. */
static enum eng_status stab_one(struct net *net, const struct data_split *data,
				const struct group_set *gs, struct reconvene_options *ro,
				double *density, bool *resilient, struct stability *s,
				int weight, struct eng_err *err)
{
	struct reconvene_pse pse;
	enum eng_status st = reconvene_pse_run(net, data, ro, &pse, err);
	if (st)
		return st;
	bool *res = resilient ? resilient : calloc((size_t)net->n_layers, sizeof *res);
	if (!res) {
		reconvene_pse_done(&pse);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	}
	reconvene_select(net, gs, pse.density, ro, res);
	if (density)
		memcpy(density, pse.density, (size_t)net->n_layers * sizeof *density);
	if (weight > 0) {
		struct prune_plan plan = { 0 };
		float **imp = NULL;
		unsigned char *kept = NULL;
		st = reconvene_plan_auto(net, gs, pse.kept, res, ro, &plan, err);
		if (!st)
			st = reconvene_importance(net, gs, pse.scores, ro, &imp, err);
		for (int g = 0; !st && g < gs->n_groups; g++) {
			if (!imp[g])
				continue;
			int c = gs->groups[g].channels;
			kept = realloc(kept, (size_t)c);
			if (!kept) {
				st = eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
				break;
			}
			if ((st = plan_group_kept(gs, &plan, g, imp[g], kept)))
				break;
			if (plan.keep[g] < c)
				s->rectified_runs[g] += weight;
			for (int k = 0; k < c; k++)
				s->kept_runs[s->kept_off[g] + (size_t)k] += kept[k] ? weight : 0;
		}
		free(kept);
		reconvene_importance_free(imp, gs->n_groups);
		plan_done(&plan);
	}
	if (!resilient)
		free(res);
	reconvene_pse_done(&pse);
	return st;
}

enum eng_status stability_run(struct net *net, const struct data_split *data,
			      const struct group_set *gs, const struct reconvene_options *o,
			      int n, bool vary_init, struct stability *out,
			      struct eng_err *err)
{
	memset(out, 0, sizeof *out);
	if (n < 1 || n > 1000)
		return eng_err_set(err, ENG_STATUS_EINVAL, "stability: %d runs is not in 1..1000", n);
	enum eng_status st = reconvene_options_check(o, err);
	if (st)
		return st;
	if (o->align == RECONVENE_ALIGN_AUTO)
		return eng_err_set(err, ENG_STATUS_EINVAL, "stability: align auto is not supported");
	struct stability s = { .n_runs = n, .n_layers = net->n_layers, .n_groups = gs->n_groups,
			       .init_runs = vary_init };
	s.deterministic = o->method == SCORE_METHOD_MAGNITUDE ||
			  o->method == SCORE_METHOD_SYNFLOW;
	size_t L = (size_t)net->n_layers, total = 0;
	s.kept_off = calloc(gs->n_groups ? (size_t)gs->n_groups : 1, sizeof *s.kept_off);
	s.rectified_runs = calloc(gs->n_groups ? (size_t)gs->n_groups : 1,
				  sizeof *s.rectified_runs);
	for (int g = 0; g < gs->n_groups; g++) {
		s.kept_off[g] = total;
		total += (size_t)gs->groups[g].channels;
	}
	s.kept_runs = calloc(total ? total : 1, sizeof *s.kept_runs);
	if (vary_init) {
		s.density = malloc((size_t)n * L * sizeof *s.density);
		s.resilient = calloc((size_t)n * L, sizeof *s.resilient);
	}
	float *keep_params = malloc(net->n_params * sizeof *keep_params);
	float *keep_state = malloc((net->n_state ? net->n_state : 1) * sizeof *keep_state);
	if (!s.kept_off || !s.rectified_runs || !s.kept_runs || !keep_params || !keep_state ||
	    (vary_init && (!s.density || !s.resilient))) {
		free(keep_params);
		free(keep_state);
		stability_done(&s);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	}
	memcpy(keep_params, net->params, net->n_params * sizeof *keep_params);
	if (net->n_state)
		memcpy(keep_state, net->state, net->n_state * sizeof *keep_state);
	int second = s.deterministic ? 1 : n;
	struct stab_progress pr = { .o = o, .slots = (vary_init ? n : 0) + second };
	struct reconvene_options ro = *o;
	ro.progress = o->progress ? stab_on_progress : NULL;
	ro.progress_user = &pr;
	for (int i = 0; vary_init && !st && i < n; i++, pr.slot++) {
		ro.seed = o->seed + (uint64_t)i;
		ro.batch_index = 0;
		net_init(net, ro.seed);
		st = stab_one(net, data, gs, &ro, s.density + (size_t)i * L,
			      s.resilient + (size_t)i * L, &s, 0, err);
	}
	memcpy(net->params, keep_params, net->n_params * sizeof *keep_params);
	if (net->n_state)
		memcpy(net->state, keep_state, net->n_state * sizeof *keep_state);
	for (int i = 0; !st && i < second; i++, pr.slot++) {
		ro.seed = o->seed + (uint64_t)i;
		ro.batch_index = i;
		st = stab_one(net, data, gs, &ro, NULL, NULL, &s, s.deterministic ? n : 1, err);
	}
	memcpy(net->params, keep_params, net->n_params * sizeof *keep_params);
	if (net->n_state)
		memcpy(net->state, keep_state, net->n_state * sizeof *keep_state);
	free(keep_params);
	free(keep_state);
	if (st) {
		stability_done(&s);
		return st;
	}
	*out = s;
	return ENG_STATUS_OK;
}

int stability_resilient_runs(const struct stability *s, int layer)
{
	if (!s->init_runs || layer < 0 || layer >= s->n_layers)
		return -1;
	int k = 0;
	for (int r = 0; r < s->n_runs; r++)
		k += s->resilient[(size_t)r * (size_t)s->n_layers + (size_t)layer];
	return k;
}

void stability_channel_counts(const struct stability *s, const struct group_set *gs, int g,
			      int *always, int *sometimes, int *never)
{
	*always = *sometimes = *never = 0;
	if (g < 0 || g >= s->n_groups)
		return;
	for (int k = 0; k < gs->groups[g].channels; k++) {
		int c = s->kept_runs[s->kept_off[g] + (size_t)k];
		if (c >= s->n_runs)
			(*always)++;
		else if (c > 0)
			(*sometimes)++;
		else
			(*never)++;
	}
}
