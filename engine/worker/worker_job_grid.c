/* worker_job_grid.c: the GRID job: the sensitivity chart, the density of
 * every layer at each sparsity of score/sensitivity.h's ladder
 * (score_sensitivity_grid), cached as n_layers x WORKER_GRID_N doubles
 * (-1: a layer without prunable weights).  Worker thread only.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prune/reconvene.h"
#include "score/score.h"
#include "score/sensitivity.h"
#include "worker/worker.h"
#include "worker/worker_state.h"

const double *const worker_grid_sparsity = score_sens_sparsity;

static void worker_grid_progress(int done, int total, void *user)
{
	worker_progress(user, "sensitivity grid", done, total);
}

static bool worker_grid_valid(const double *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(d[i] == -1.0 || (d[i] >= 0.0 && d[i] <= 1.0)))
			return false;
	return true;
}

enum eng_status worker_job_grid(struct worker *w, struct eng_err *err)
{
	char key[WORKER_KEY_MAX];
	worker_grid_key(w, key, sizeof key);
	if (w->grid && strcmp(key, w->grid_key) == 0)
		return ENG_STATUS_OK;
	const struct worker_model *m = w->model;
	size_t nl = (size_t)m->net->n_layers;
	size_t cells = (nl ? nl : 1) * WORKER_GRID_N;
	double *grid = malloc(cells * sizeof *grid);
	if (!grid)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	if (worker_figures_get(w, key, grid, cells, worker_grid_valid,
			       "sensitivity grid", "recomputing")) {
		free(w->grid);
		w->grid = grid;
		w->grid_cached = true;
		snprintf(w->grid_key, sizeof w->grid_key, "%s", key);
		return ENG_STATUS_OK;
	}
	enum eng_status st = ENG_STATUS_OK;
	if (score_method_needs_data(w->set.method) && !w->data)
		st = eng_err_set(err, ENG_STATUS_EINVAL, "%s scores need a dataset",
				 score_method_name(w->set.method));
	if (!st)
		st = worker_net_ready(w, err);
	if (st) {
		free(grid);
		return st;
	}
	struct reconvene_options o;
	worker_settings_to_reconvene(&w->set, &o);
	o.abort = &w->abort[WORKER_JOB_GRID];
	struct score_options so;
	reconvene_score_options(&o, &so);
	st = score_sensitivity_grid(w->net, w->data, &so, worker_grid_progress, w, grid, err);
	if (st) {
		free(grid);
		return st;
	}
	worker_figures_put(w, key, grid, cells);
	free(w->grid);
	w->grid = grid;
	w->grid_cached = false;
	snprintf(w->grid_key, sizeof w->grid_key, "%s", key);
	return ENG_STATUS_OK;
}
