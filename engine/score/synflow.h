/* synflow.h: SynFlow (synflow.c), for the dispatcher score.c.
 *
 * Owns: nothing.
 */
#ifndef RECONVENE_SCORE_SYNFLOW_H
#define RECONVENE_SCORE_SYNFLOW_H

#include <stdbool.h>

#include "score/score_run.h"

/* SynFlow's scores (synflow.c); one step per iteration.  Changes net->params
 * and net->state: the caller restores them. */
enum eng_status score_synflow(struct score_run *run, float *scores);

/* How score_synflow finds a step's pruned weights: by default from the
 * entries that score below a bound predicted from the last step's
 * threshold, and from a full pass where that misses (synflow.c's file
 * comment).  Either way the same weights: the tests compare the two. */
struct synflow_tuning {
	bool predict;           /* false: every step scores the full list */
	double margin;          /* the bound: the last threshold times at
				 * least this */
};
void synflow_tuning_default(struct synflow_tuning *t);

/* The steps of one run by how they selected. */
struct synflow_counts {
	int below;              /* from the entries below the bounds */
	int missed;             /* tried that, then ran the full pass */
	int full;               /* from a full pass (first steps, misses) */
	int sparse_below;       /* layer passes of synflow_sparse.c that
				 * scored their entries as they came */
};

/* score_synflow with tuning t; counts (may be NULL) gets the steps. */
enum eng_status score_synflow_tuned(struct score_run *run, float *scores,
				    const struct synflow_tuning *t,
				    struct synflow_counts *counts);

#endif
