/* score_run.h: one score_compute call as its methods see it (score_run.c):
 * the net, the options, progress and abort, and the small helpers every
 * method uses.  Private to engine/score.  The files call downwards only:
 *   score.c    options, method names, the dispatcher score_compute, and the
 *              small methods (random, magnitude, SNIP)
 *   grasp.c    GraSP (exact Hessian-gradient product)
 *   synflow.c  SynFlow (block floating point passes, fused selection)
 *   synflow_sparse.c  its batch-1 conv passes over the listed weights
 *   synflow_collect.c  the scan of its selection
 *   batch.c    SNIP's and GraSP's scoring batch and its loss gradient
 *   mask.c     which weights are prunable, the global mask, densities,
 *              kept counts, channel scores
 *   score_run.c  this header's functions
 * The public interface is score/score.h.
 *
 * Owns: nothing.  struct score_run lives on the dispatcher's stack.
 * Thread rules: those of score.h (one call per net).
 */
#ifndef RECONVENE_SCORE_RUN_H
#define RECONVENE_SCORE_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "score/score.h"

/* One score_compute call: the net, its options and where progress goes. */
struct score_run {
	struct net *net;
	const struct score_options *opt;
	const char *method;         /* score_method_name(opt->method), for
				     * messages */
	struct eng_err *err;
	int done, total;            /* progress */
};

/* The index of a parameter pointer into net->params. */
static inline size_t score_param_offset(const struct net *net, const float *p)
{
	return (size_t)(p - net->params);
}

/* Layer input src: the net's input (src < 0) or layer src's output. */
static inline const float *score_src(const struct net *net, int src,
				     const float *input)
{
	return src < 0 ? input : net->act[src];
}

/* Floats in layer i's output for batch samples. */
static inline size_t score_act_len(const struct net *net, int i, int batch)
{
	return shape_size(net->layers[i].out) * (size_t)batch;
}

/* Whether the caller asked to stop (opt->abort). */
bool score_aborted(const struct score_run *run);
/* One unit of work done: report progress. */
void score_step(struct score_run *run);
/* ENG_STATUS_ABORTED with the message every method gives. */
enum eng_status score_abort_status(const struct score_run *run);
/* Make sure the workspace holds batch samples (never shrinks it). */
enum eng_status score_prepare(struct net *net, int batch, struct eng_err *err);

#endif
