/* criteria_compare.h: the five PaI criteria side by side on one model.
 *
 * For the same initial weights, sparsity and seed, every method (random,
 * magnitude, SNIP, GraSP, SynFlow) scores the net and masks it globally
 * (reconvene_pse_run, so each column is exactly what `reconvene score
 * --method M` gives).  Per prunable layer this keeps:
 *   - each method's density and whether Reconvene's rule would call the
 *     layer resilient (reconvene_select with the caller's tau / k);
 *   - for each pair of methods, the Kendall tau-b (base/rank_corr.h) of the
 *     layer's channel scores (score_channel_scores: a filter's summed
 *     weight scores): +1 when both methods order the layer's channels
 *     alike, about 0 when unrelated (random against anything), NaN for a
 *     layer with fewer than two channels or constant scores.
 * and per pair the mean tau over the layers where it is defined.
 *
 * Pairs are numbered in the order (0,1), (0,2), ..., (0,4), (1,2), ...,
 * (3,4) of enum score_method: criteria_pair_index / criteria_pair_methods.
 *
 * Owns: every array in struct criteria_compare (criteria_compare_done
 * frees them; a zeroed struct is valid to free).  The net's params are
 * unchanged; its grads and workspace are clobbered (as reconvene_pse_run).
 * Thread rules: one call per net at a time.
 */
#ifndef RECONVENE_CRITERIA_COMPARE_H
#define RECONVENE_CRITERIA_COMPARE_H

#include <stdbool.h>

#include "base/status.h"
#include "data/data.h"
#include "nn/net.h"
#include "prune/groups.h"
#include "prune/reconvene.h"
#include "score/score.h"

#define CRITERIA_METHODS SCORE_METHOD_COUNT
#define CRITERIA_PAIRS (CRITERIA_METHODS * (CRITERIA_METHODS - 1) / 2)

struct criteria_compare {
	int n_layers;
	double seconds[CRITERIA_METHODS];    /* scoring + masking per method */
	double *density;                     /* [method * n_layers + layer], -1:
					      * not prunable */
	bool *resilient;                     /* [method * n_layers + layer] */
	double *tau;                         /* [pair * n_layers + layer], NaN:
					      * undefined or not prunable */
	double tau_mean[CRITERIA_PAIRS];     /* NaN when no layer defines it */
	int tau_layers[CRITERIA_PAIRS];      /* layers in each mean */
};

/* Score with every method.  data is needed for SNIP and GraSP (NULL:
 * EINVAL naming them); o gives sparsity, seed, SynFlow iterations,
 * samples, tau / k and residual; its method is ignored and its progress
 * callback gets (done, total) over all five methods.  gs: the net's
 * groups (for the resilient flags). */
enum eng_status criteria_compare_run(struct net *net, const struct data_split *data,
				     const struct group_set *gs,
				     const struct reconvene_options *o,
				     struct criteria_compare *out, struct eng_err *err);
void criteria_compare_done(struct criteria_compare *c);

/* The pair index of methods a < b, and the methods of pair p. */
int criteria_pair_index(enum score_method a, enum score_method b);
void criteria_pair_methods(int pair, enum score_method *a, enum score_method *b);

#endif
