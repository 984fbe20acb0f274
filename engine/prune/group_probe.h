/* group_probe.h: the measured sensitivity of whole channel groups (issue
 * 15): for each prunable group (groups.h), the quick-eval accuracy of the
 * model with that group alone pruned to GROUP_PROBE_N ratios and every
 * other layer dense.
 *
 * Why groups and not layers: a residual add ties the convs that feed it;
 * pruning one of them alone removes nothing (the add still needs every
 * channel), so a layer-at-a-time probe ranks those layers "most robust".
 * A group is what a real prune can actually shrink.
 *
 * The probe model of group g at ratio r is exactly what
 *   reconvene prune MODEL --plan P --dense-sensitive yes
 * builds for the plan P that keeps every group whole except g, which keeps
 *   group_probe_keep(c, r, min_keep) = min(c, max(min_keep, 1, ceil((1 - r) c)))
 * of its c channels (r is the fraction removed).  Which channels go is the
 * plan's own choice (plan_group_kept through plan_resolve: the lowest
 * group importance, the PaI channel scores summed over the group's
 * producers, as reconvene_importance gives them); the group's producers,
 * consumers and depthwise convs are re-initialised at their new fan-in
 * (RLR, PLAN_MODE_REINIT) and every layer is dense (no PaI mask), because
 * group_probe_build calls reconvene_apply with sensitive_dense set.  So the
 * probe depends on the PaI method, sparsity and seed only through the
 * channel choice.  A group for which keep = c (a tiny group at r = 0.25,
 * or min_keep >= c) is probed unchanged: its figure is the dense model's.
 *
 * Owns: plans and plan results are the caller's (plan_done,
 * plan_result_done; quickeval_result_done).  Thread rules: pure except
 * group_probe_eval, which trains a net it builds (one call per thread;
 * qo->abort may be requested from another thread).
 *
 *   for (int g = 0; g < gs.n_groups; g++) {
 *       if (!group_probe_eligible(&gs, g)) continue;
 *       for (int k = 0; k < GROUP_PROBE_N; k++) {
 *           struct quickeval_result r;
 *           if (group_probe_eval(net, &spec, &gs, g, group_probe_ratio[k], &o,
 *                                imp, pse.mask, &ds, &qo, &r, &err)) ...;
 *           ... r.accuracy ...
 *           quickeval_result_done(&r);
 *       }
 *   }
 */
#ifndef RECONVENE_GROUP_PROBE_H
#define RECONVENE_GROUP_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/status.h"
#include "data/data.h"
#include "nn/net.h"
#include "nn/net_spec.h"
#include "prune/groups.h"
#include "prune/plan.h"
#include "prune/reconvene.h"
#include "train/quickeval.h"

#define GROUP_PROBE_N 3
/* The fractions of a group's channels removed: 0.25, 0.5, 0.75. */
extern const double group_probe_ratio[GROUP_PROBE_N];

/* Whether group g is probed: prunable (not the network's input or
 * output, ...) and produced by a conv or linear layer. */
bool group_probe_eligible(const struct group_set *gs, int g);

/* Channels a group of `channels` keeps when it loses the fraction ratio
 * (see the top of this file). */
int group_probe_keep(int channels, double ratio, int min_keep);

/* The probe plan (plan_init'ed here; plan_done it): every group whole but
 * g, which keeps group_probe_keep(channels, ratio, min_keep).  EINVAL
 * (plan empty) when g is not eligible or ratio is not in (0, 1); ENOMEM. */
enum eng_status group_probe_plan(const struct group_set *gs, int g, double ratio,
				 int min_keep, struct prune_plan *plan,
				 struct eng_err *err);

/* The probe model: reconvene_apply(net, spec, gs, probe plan, o with
 * sensitive_dense set, importance, mask) (see the top).  net holds the
 * weights the prune starts from (net_init(o->seed) or the model's own);
 * importance and mask as reconvene_apply takes them (the PSE of net at
 * o's settings).  *out as plan_apply (plan_result_done it). */
enum eng_status group_probe_build(const struct net *net, const struct net_spec *spec,
				  const struct group_set *gs, int g, double ratio,
				  const struct reconvene_options *o,
				  const float *const *importance, const uint8_t *mask,
				  struct plan_result *out, struct eng_err *err);

/* group_probe_build, then quickeval_run on the probe model from its
 * weights (qo's budget, seed, progress and abort; init and mask are set
 * here: the built weights, the result's all-ones mask).  *res as
 * quickeval_run (quickeval_result_done it). */
enum eng_status group_probe_eval(const struct net *net, const struct net_spec *spec,
				 const struct group_set *gs, int g, double ratio,
				 const struct reconvene_options *o,
				 const float *const *importance, const uint8_t *mask,
				 const struct data_split *data,
				 const struct quickeval_options *qo,
				 struct quickeval_result *res, struct eng_err *err);

#endif
