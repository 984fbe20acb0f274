/* plan_project.h: the analytic size and cost of a plan's compacted net,
 * without building it: shapes are re-inferred on a copy of the layer
 * table with the plan's channel counts, and measure/metrics.h counts
 * params, bytes and MACs.  Layers of a changed group (producers,
 * consumers, depthwise convs) are dense, as Reconvene's RLR makes them;
 * every other conv / linear layer keeps its kept count (kept[i], the
 * unstructured mask's nnz per layer of the ORIGINAL net, as
 * metrics_layer_nnz gives; NULL = dense).
 *
 * The one projection: the explorer's live numbers (worker_model_project)
 * and the uniform structured baseline's search (plan_uniform.h) ask it.
 * The net may be a shape-only copy (layers without parameter storage):
 * nothing but layer confs, shapes and links is read.
 *
 * Owns: nothing after return.  Thread rules: pure; any thread.
 *
 *   struct metrics m;
 *   if (plan_project(net, &gs, &plan, kept, &m) == ENG_STATUS_OK)
 *       ... m.params, m.nonzero, m.macs ...
 */
#ifndef RECONVENE_PLAN_PROJECT_H
#define RECONVENE_PLAN_PROJECT_H

#include <stddef.h>

#include "measure/metrics.h"
#include "nn/net.h"
#include "prune/groups.h"
#include "prune/plan.h"
#include "base/status.h"

/* EINVAL when the plan does not fit the group set (group count, a keep
 * outside 1..channels) or a shape cannot be inferred; ENOMEM. *out is
 * zeroed on error. */
enum eng_status plan_project(const struct net *net, const struct group_set *gs,
			     const struct prune_plan *plan, const size_t *kept,
			     struct metrics *out);

#endif
