/* group_probe.c: probe plans and models for one group at a time (see
 * group_probe.h).  Nothing here chooses channels or builds nets itself:
 * the plan goes through reconvene_apply, the builder `reconvene prune`
 * uses, with every layer dense.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "prune/group_probe.h"

const double group_probe_ratio[GROUP_PROBE_N] = { 0.25, 0.5, 0.75 };

bool group_probe_eligible(const struct group_set *gs, int g)
{
	if (g < 0 || g >= gs->n_groups)
		return false;
	const struct group *gr = &gs->groups[g];
	return gr->prunable && gr->n_producers > 0 && gr->channels > 0;
}

int group_probe_keep(int channels, double ratio, int min_keep)
{
	double want = ceil((1.0 - ratio) * (double)channels);
	int keep = want < 1.0 ? 1 : want > (double)channels ? channels : (int)want;
	if (keep < min_keep)
		keep = min_keep;
	return keep > channels ? channels : keep;
}

enum eng_status group_probe_plan(const struct group_set *gs, int g, double ratio,
				 int min_keep, struct prune_plan *plan,
				 struct eng_err *err)
{
	memset(plan, 0, sizeof *plan);
	if (!group_probe_eligible(gs, g))
		return eng_err_set(err, ENG_STATUS_EINVAL, "probe: group %d cannot be pruned", g);
	if (!(ratio > 0.0 && ratio < 1.0))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "probe: ratio %g is not in (0, 1)", ratio);
	if (plan_init(plan, gs) != ENG_STATUS_OK)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	plan_set_keep(plan, g, group_probe_keep(gs->groups[g].channels, ratio, min_keep));
	return ENG_STATUS_OK;
}

enum eng_status group_probe_build(const struct net *net, const struct net_spec *spec,
				  const struct group_set *gs, int g, double ratio,
				  const struct reconvene_options *o,
				  const float *const *importance, const uint8_t *mask,
				  struct plan_result *out, struct eng_err *err)
{
	memset(out, 0, sizeof *out);
	struct prune_plan plan;
	enum eng_status st = group_probe_plan(gs, g, ratio, o->min_keep, &plan, err);
	if (st != ENG_STATUS_OK)
		return st;
	struct reconvene_options dense = *o;
	dense.sensitive_dense = true;
	st = reconvene_apply(net, spec, gs, &plan, &dense, importance, mask, out, err);
	plan_done(&plan);
	return st;
}

enum eng_status group_probe_eval(const struct net *net, const struct net_spec *spec,
				 const struct group_set *gs, int g, double ratio,
				 const struct reconvene_options *o,
				 const float *const *importance, const uint8_t *mask,
				 const struct data_split *data,
				 const struct quickeval_options *qo,
				 struct quickeval_result *res, struct eng_err *err)
{
	memset(res, 0, sizeof *res);
	struct plan_result pr;
	enum eng_status st = group_probe_build(net, spec, gs, g, ratio, o, importance, mask,
					       &pr, err);
	if (st != ENG_STATUS_OK)
		return st;
	struct quickeval_options q = *qo;
	q.init = false; /* the probe model's weights: kept init + RLR */
	q.mask = pr.mask;
	st = quickeval_run(pr.net, data, &q, res, err);
	plan_result_done(&pr);
	return st;
}
