/* sensitivity.h: the sensitivity chart's numbers: the density each layer
 * keeps under the global mask (score_mask_global) at every sparsity of one
 * fixed ladder, s = 1 - 2^-j, j = 1 .. 8 (0.5, 0.75, ..., 0.99609375).
 * The explorer's GRID job (worker.h) and `reconvene heatmap --view
 * sparsity` both draw these.
 *
 * Scores are computed once, or once per column when they depend on the
 * target sparsity (score_uses_sparsity: SynFlow with more than one
 * iteration aims its schedule at it).
 *
 * Owns nothing after return (temporaries are freed); the net's params and
 * BN statistics are unchanged, its grads and workspace clobbered, as
 * score_compute.  Thread rules: as score.h (one call per net at a time;
 * opt->abort may be set from another thread, polled between columns and
 * inside scoring).
 *
 *   double *d = malloc(net->n_layers * SCORE_SENS_N * sizeof *d);
 *   if (score_sensitivity_grid(net, data, &opt, NULL, NULL, d, &err)) ...;
 *   d[i * SCORE_SENS_N + j]: layer i's density at score_sens_sparsity[j]
 */
#ifndef RECONVENE_SENSITIVITY_H
#define RECONVENE_SENSITIVITY_H

#include "data/data.h"
#include "nn/net.h"
#include "score/score.h"
#include "base/status.h"

#define SCORE_SENS_N 8
/* The ladder, lowest sparsity first: 1 - 2^-(j + 1) for column j. */
extern const double score_sens_sparsity[SCORE_SENS_N];

/* density: n_layers x SCORE_SENS_N, row-major (row = layer, as
 * score_layer_density: -1 for a layer without prunable weights).  opt is
 * the scoring (method, seed, samples, iterations, abort); its sparsity is
 * replaced by each column's and its progress is not called: progress
 * (may be NULL) gets (column, SCORE_SENS_N, user) before each column and
 * (SCORE_SENS_N, SCORE_SENS_N, user) at the end.  Errors as score_compute
 * (EINVAL, ENOMEM, ABORTED); density may then be partly written. */
enum eng_status score_sensitivity_grid(struct net *net, const struct data_split *data,
				       const struct score_options *opt,
				       score_progress_fn progress, void *user,
				       double *density, struct eng_err *err);

#endif
