/* plan_uniform.h: the uniform structured baseline: a plan that removes
 * channels uniformly across layers, every selected group keeping the same
 * fraction f of its channels, with f chosen so that the compacted (dense)
 * net's parameter count is as close as possible to a target; the sweep's
 * "uniform" variant matches the Reconvene model's size this way (the
 * SPaI-style baseline the paper compares against).
 *
 * Selected groups: every prunable group (groups.h), except residual ones
 * unless include_residual, the same rule Reconvene's selection follows for
 * residual groups.  A group with c channels keeps
 *     keep(f) = min(c, max(min_keep, round(f * c)))     (half away from 0)
 * channels; every other group keeps all.  Parameters (plan_project, the
 * compacted net dense) grow with f, so f is found by bisection on [0, 1]:
 * the last f whose plan has at most target parameters and the first f
 * above it are compared, and the plan nearer the target wins (a tie goes to
 * the smaller plan).  A target at or below the smallest plan gives keep =
 * min_keep everywhere; at or above the dense count, the plan keeps all.
 *
 * Channels themselves are chosen later, by whoever applies the plan
 * (plan_apply: L1 norm, or the importance it is given).
 *
 * Owns: the plan (plan_init'd here; plan_done it).  Thread rules: pure;
 * reads only the net's shapes.
 *
 *   struct prune_plan plan;
 *   struct plan_uniform_info info;
 *   if (plan_uniform(net, &gs, target, false, 1, &plan, &info, &err)) ...;
 *   ... info.fraction, info.params ...
 *   plan_done(&plan);
 */
#ifndef RECONVENE_PLAN_UNIFORM_H
#define RECONVENE_PLAN_UNIFORM_H

#include <stdbool.h>
#include <stddef.h>

#include "nn/net.h"
#include "prune/groups.h"
#include "prune/plan.h"
#include "base/status.h"

struct plan_uniform_info {
	double fraction;      /* f of the chosen plan (keep = round(f c)) */
	double kept_fraction; /* kept / all channels of the selected groups */
	size_t params;        /* the compacted net's parameters */
	size_t target;        /* as asked */
	int groups;           /* selected groups */
};

/* keep(f) for a group of c channels (see the top of this file). */
int plan_uniform_keep(double f, int channels, int min_keep);

/* The plan (see the top).  EINVAL when no group can be selected or the
 * projection fails; ENOMEM.  On error the plan holds nothing. */
enum eng_status plan_uniform(const struct net *net, const struct group_set *gs,
			     size_t target, bool include_residual, int min_keep,
			     struct prune_plan *plan, struct plan_uniform_info *info,
			     struct eng_err *err);

#endif
