/* grasp.h: GraSP (grasp.c), for the dispatcher score.c.
 *
 * Owns: nothing.
 */
#ifndef RECONVENE_SCORE_GRASP_H
#define RECONVENE_SCORE_GRASP_H

#include "data/data.h"
#include "score/score_run.h"

/* GraSP's scores w * (H g) (grasp.c); run->total = 3 passes. */
enum eng_status score_grasp(struct score_run *run, const struct data_split *ds,
			    float *scores);

#endif
