/* plan_file.h: a structured-pruning plan as a JSON file (plan.json; the
 * explorer's w / o, `reconvene prune --plan`, bundles).
 *
 * Format (docs/pruning.md): {"model": NAME, "method": ..., "sparsity": ...,
 * "seed": ..., "tau": ..., "k": ..., "groups": {GROUP: KEEP, ...},
 * "kept": {GROUP: [CHANNEL, ...], ...}} with every prunable group's keep
 * count and, for each reduced group whose channels the plan has resolved
 * (bundles: plan_resolve ran), the original indices of the channels it
 * keeps, increasing.  Reading, a "kept" list must have exactly the count
 * of "groups" and then fixes the channels (plan_set_indices); without it
 * the channels are chosen by importance (plan_group_kept).
 *
 * Owns: nothing past a call; plan_file_read fills a caller's plan (the
 * caller plan_done's it).  Thread rules: plain functions.
 *
 *   struct plan_file_info info = { .model = "resnet20" };
 *   if (plan_file_write("p.json", &gs, &plan, &info, &err)) ...;
 *   if (plan_file_read("p.json", net, &gs, 1, &plan2, NULL, &err)) ...;
 */
#ifndef RECONVENE_PLAN_FILE_H
#define RECONVENE_PLAN_FILE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/status.h"
#include "nn/net.h"
#include "prune/groups.h"
#include "prune/plan.h"
#include "prune/reconvene.h"
#include "score/score.h"

/* What a plan file records besides the counts. */
struct plan_file_info {
	char model[NET_NAME_MAX];
	bool has_method, has_sparsity, has_seed, has_tau, has_k;
	enum score_method method;
	double sparsity;
	uint64_t seed;
	double tau;
	int k;
};

/* Write every prunable group's keep count (atomically). */
enum eng_status plan_file_write(const char *path,
				     const struct group_set *gs,
				     const struct prune_plan *plan,
				     const struct plan_file_info *info,
				     struct eng_err *err);
/* Read a plan for net (groups gs, collapse guard min_keep): *plan is
 * plan_init'ed and filled (the caller plan_done's it, also on error).
 * Each problem gives EINVAL and one line starting with the path: not JSON
 * (with line and column), not an object, a missing or wrongly typed key,
 * an unknown key, "model" not net->name, an unknown group, a keep that is
 * not an integer, < 1 (or < min_keep), > the group's channels, or that
 * changes a group which cannot be pruned.  Unreadable file: EIO/ENOENT.
 * info may be NULL. */
enum eng_status plan_file_read(const char *path, const struct net *net,
				    const struct group_set *gs, int min_keep,
				    struct prune_plan *plan,
				    struct plan_file_info *info,
				    struct eng_err *err);

/* What a plan made with options o records (every field present): the one
 * mapping bundles and the explorer's save use. */
void plan_file_info_from_options(const struct reconvene_options *o,
				 const char *model, struct plan_file_info *info);

#endif
