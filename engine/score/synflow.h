/* synflow.h: SynFlow (synflow.c), for the dispatcher score.c.
 *
 * Owns: nothing.
 */
#ifndef RECONVENE_SCORE_SYNFLOW_H
#define RECONVENE_SCORE_SYNFLOW_H

#include "score/score_run.h"

/* SynFlow's scores (synflow.c); one step per iteration.  Changes net->params
 * and net->state: the caller restores them. */
enum eng_status score_synflow(struct score_run *run, float *scores);

#endif
