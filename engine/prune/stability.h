/* stability.h: how much a Reconvene plan depends on chance.
 *
 * Two questions, N runs each, at the caller's method, sparsity, tau / k:
 *   - over N initialisations (seeds seed, seed+1, ...; net_init): each
 *     layer's PaI density and whether Reconvene's rule calls it resilient.
 *     A layer resilient in some runs and not in others FLIPS: its
 *     selection is a coin toss at this tau.
 *   - with the net's own weights fixed, over N scorings (the random
 *     method's seed seed+i, SNIP's and GraSP's i-th data batch,
 *     score_batch_select_at): how often each channel is kept by the
 *     automatic plan (plan_group_kept with the run's group importance; a
 *     group the run leaves whole keeps every channel).  Magnitude and
 *     SynFlow score fixed weights the same way every time (no data, no
 *     seed): one scoring stands for all N, and `deterministic` says so.
 *
 * Owns: every array of struct stability (stability_done).  The net's
 * params and state are restored before returning; grads and workspace are
 * clobbered.  Thread rules: one call per net at a time.
 */
#ifndef RECONVENE_STABILITY_H
#define RECONVENE_STABILITY_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"
#include "data/data.h"
#include "nn/net.h"
#include "prune/groups.h"
#include "prune/reconvene.h"

struct stability {
	int n_runs, n_layers, n_groups;
	bool init_runs;         /* the first question was asked */
	bool deterministic;     /* the second: one scoring stands for all */
	double *density;        /* [run * n_layers + layer], -1: not prunable
				 * (init_runs only, else NULL) */
	bool *resilient;        /* [run * n_layers + layer] (init_runs) */
	int *kept_runs;         /* runs keeping each channel: group g's channels
				 * from kept_runs + kept_off[g] */
	size_t *kept_off;       /* n_groups */
	int *rectified_runs;    /* n_groups: runs whose plan shrinks the group */
};

/* n runs (1..1000) of each question; vary_init false skips the first
 * (the net's weights are not fresh: a user's).  data: for SNIP and GraSP.
 * o: method, sparsity, seed, tau / k, residual, min_keep, align (not
 * auto), iterations, samples; its progress gets (done, total) over all
 * the scorings.  EINVAL, ENOMEM, ABORTED; on error *out is zeroed. */
enum eng_status stability_run(struct net *net, const struct data_split *data,
			      const struct group_set *gs, const struct reconvene_options *o,
			      int n, bool vary_init, struct stability *out,
			      struct eng_err *err);
void stability_done(struct stability *s);

/* Layer i's runs in which it is resilient (0..n_runs), or -1 without the
 * first question; flips when strictly between. */
int stability_resilient_runs(const struct stability *s, int layer);
/* Group g's channels kept in every run / in some / in none. */
void stability_channel_counts(const struct stability *s, const struct group_set *gs, int g,
			      int *always, int *sometimes, int *never);

#endif
