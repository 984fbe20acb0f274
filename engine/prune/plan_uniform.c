/* plan_uniform.c: the uniform structured baseline's plan (see
 * plan_uniform.h). */
#include "config.h"

#include <math.h>
#include <string.h>

#include "measure/metrics.h"
#include "prune/plan_project.h"
#include "prune/plan_uniform.h"

int plan_uniform_keep(double f, int channels, int min_keep)
{
	long k = lround(f * channels);
	if (k < min_keep)
		k = min_keep;
	if (k < 1)
		k = 1;
	return k > channels ? channels : (int)k;
}

static bool plan_uniform_selected(const struct group *g, bool include_residual)
{
	return g->prunable && (include_residual || !g->residual);
}

/* The plan at f and its parameter count. */
static enum eng_status plan_uniform_at(const struct net *net,
				       const struct group_set *gs, double f,
				       bool include_residual, int min_keep,
				       struct prune_plan *plan, size_t *params)
{
	for (int g = 0; g < gs->n_groups; g++) {
		int c = gs->groups[g].channels;
		plan_set_keep(plan, g, plan_uniform_selected(&gs->groups[g], include_residual)
				       ? plan_uniform_keep(f, c, min_keep) : c);
	}
	struct metrics m;
	enum eng_status st = plan_project(net, gs, plan, NULL, &m);
	*params = m.params;
	return st;
}

enum eng_status plan_uniform(const struct net *net, const struct group_set *gs,
			     size_t target, bool include_residual, int min_keep,
			     struct prune_plan *plan, struct plan_uniform_info *info,
			     struct eng_err *err)
{
	memset(info, 0, sizeof *info);
	info->target = target;
	for (int g = 0; g < gs->n_groups; g++)
		info->groups += plan_uniform_selected(&gs->groups[g], include_residual);
	if (info->groups == 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: no channel group can be pruned uniformly%s",
				   net->name, include_residual ? "" :
				   " (residual groups are excluded)");
	enum eng_status st = plan_init(plan, gs);
	if (st != ENG_STATUS_OK)
		return eng_err_set(err, st, "out of memory for a plan");
	/* Bisection: params(lo) <= target < params(hi) once both ends are
	 * known to straddle it. */
	double lo = 0.0, hi = 1.0, f;
	size_t p_lo, p_hi;
	if ((st = plan_uniform_at(net, gs, lo, include_residual, min_keep, plan, &p_lo)) ||
	    (st = plan_uniform_at(net, gs, hi, include_residual, min_keep, plan, &p_hi)))
		goto fail;
	if (target <= p_lo) {
		f = lo;
	} else if (target >= p_hi) {
		f = hi;
	} else {
		for (int it = 0; it < 64 && hi - lo > 1e-12; it++) {
			double mid = 0.5 * (lo + hi);
			size_t p;
			if ((st = plan_uniform_at(net, gs, mid, include_residual, min_keep,
						  plan, &p)))
				goto fail;
			if (p <= target) {
				lo = mid;
				p_lo = p;
			} else {
				hi = mid;
				p_hi = p;
			}
		}
		f = target - p_lo <= p_hi - target ? lo : hi;
	}
	size_t params;
	if ((st = plan_uniform_at(net, gs, f, include_residual, min_keep, plan, &params)))
		goto fail;
	long kept = 0, all = 0;
	for (int g = 0; g < gs->n_groups; g++)
		if (plan_uniform_selected(&gs->groups[g], include_residual)) {
			kept += plan->keep[g];
			all += gs->groups[g].channels;
		}
	info->fraction = f;
	info->kept_fraction = all ? (double)kept / (double)all : 1.0;
	info->params = params;
	return ENG_STATUS_OK;
fail:
	plan_done(plan);
	return eng_err_set(err, st, "%s: cannot project a uniform plan", net->name);
}
