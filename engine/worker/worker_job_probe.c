/* worker_job_probe.c: the PROBE job: for every eligible group and each
 * ratio of group_probe_ratio, the quick-eval accuracy of the group probe
 * model (prune/group_probe.h) at the current settings.  Each cell is
 * cached under the probe key plus the group's name and the ratio (the
 * quick-eval figures: accuracy, ci_lo, ci_hi, loss, steps, seconds,
 * test_n), so a cancelled, yielded or repeated probe only trains the
 * cells it has not seen.  w->probe keeps the cells of the key it was
 * started for: -1 for a group that is not probed, NaN for a cell not
 * measured yet.  Worker thread only.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prune/group_probe.h"
#include "prune/reconvene.h"
#include "train/quickeval.h"
#include "worker/worker.h"
#include "worker/worker_state.h"

#define WORKER_PROBE_FIGURES 7

static bool worker_probe_cell_valid(const double *d, size_t n)
{
	(void)n;
	return d[0] >= 0 && d[0] <= 1 && d[1] <= d[0] && d[0] <= d[2];
}

/* Fresh cells for key: -1 for groups that are not probed, NaN for the
 * rest.  Keeps w->probe when it is already for this key. */
static enum eng_status worker_probe_reset(struct worker *w, const char *key,
					  struct eng_err *err)
{
	if (w->probe && strcmp(key, w->probe_key) == 0)
		return ENG_STATUS_OK;
	const struct group_set *gs = &w->model->groups;
	size_t cells = (size_t)(gs->n_groups ? gs->n_groups : 1) * GROUP_PROBE_N;
	double *p = malloc(cells * sizeof *p);
	if (!p)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	for (int g = 0; g < gs->n_groups; g++)
		for (int k = 0; k < GROUP_PROBE_N; k++)
			p[(size_t)g * GROUP_PROBE_N + (size_t)k] =
				group_probe_eligible(gs, g) ? NAN : -1.0;
	free(w->probe);
	w->probe = p;
	snprintf(w->probe_key, sizeof w->probe_key, "%s", key);
	return ENG_STATUS_OK;
}

static void worker_probe_cell_key(const char *key, const struct group *gr, double ratio,
				  char *buf, size_t n)
{
	snprintf(buf, n, "%s g=%s r=%.17g", key, gr->name, ratio);
}

/* Train one cell (the scores and the working net are ready). */
static enum eng_status worker_probe_cell(struct worker *w, int g, int k,
					 const char *cell_key, struct eng_err *err)
{
	const struct worker_model *m = w->model;
	struct reconvene_options o;
	worker_settings_to_reconvene(&w->set, &o);
	struct quickeval_options qo;
	worker_quickeval_options(w, &qo);
	qo.curve_every = (int)(qo.steps > 0 ? qo.steps : 1);
	qo.abort = &w->abort[WORKER_JOB_PROBE];
	struct quickeval_result r;
	enum eng_status st = group_probe_eval(w->net, &m->spec, &m->groups, g,
					      group_probe_ratio[k], &o,
					      (const float *const *)w->pse->imp, w->pse->mask,
					      w->data, &qo, &r, err);
	if (st != ENG_STATUS_OK) {
		quickeval_result_done(&r);
		return st;
	}
	w->probe[(size_t)g * GROUP_PROBE_N + (size_t)k] = r.accuracy;
	double fig[WORKER_PROBE_FIGURES] = { r.accuracy, r.ci_lo, r.ci_hi, r.loss,
					      (double)r.steps, r.seconds, (double)r.test_n };
	worker_figures_put(w, cell_key, fig, WORKER_PROBE_FIGURES);
	quickeval_result_done(&r);
	return ENG_STATUS_OK;
}

enum eng_status worker_job_probe(struct worker *w, struct eng_err *err)
{
	char key[WORKER_KEY_MAX];
	worker_probe_key(w, key, sizeof key);
	enum eng_status st = worker_probe_reset(w, key, err);
	if (st != ENG_STATUS_OK)
		return st;
	const struct group_set *gs = &w->model->groups;
	long total = 0, done = 0;
	for (size_t i = 0; i < (size_t)gs->n_groups * GROUP_PROBE_N; i++) {
		total += w->probe[i] != -1.0;
		done += w->probe[i] != -1.0 && !isnan(w->probe[i]);
	}
	if (done == total)
		return ENG_STATUS_OK;
	if (!w->data)
		return eng_err_set(err, ENG_STATUS_EINVAL, "the group probe needs a dataset");
	bool ready = false, trained = false;
	for (int g = 0; g < gs->n_groups; g++) {
		for (int k = 0; k < GROUP_PROBE_N; k++) {
			double *cell = &w->probe[(size_t)g * GROUP_PROBE_N + (size_t)k];
			if (!isnan(*cell))
				continue;
			if (worker_aborted(w, WORKER_JOB_PROBE))
				return eng_err_set(err, ENG_STATUS_ABORTED, "cancelled");
			/* Only after real work, so a stream of edits cannot
			 * starve it. */
			if (trained && worker_yield_point(w, WORKER_JOB_PROBE))
				return eng_err_set(err, ENG_STATUS_ABORTED, "yielded");
			char ck[WORKER_KEY_MAX + 128];
			worker_probe_cell_key(key, &gs->groups[g], group_probe_ratio[k], ck,
					      sizeof ck);
			char phase[WORKER_PHASE_MAX];
			snprintf(phase, sizeof phase, "probe %.20s -%d%%", gs->groups[g].name,
				 (int)lround(group_probe_ratio[k] * 100));
			worker_progress(w, phase, done, total);
			double d[WORKER_PROBE_FIGURES];
			if (worker_figures_get(w, ck, d, WORKER_PROBE_FIGURES,
					       worker_probe_cell_valid, "probe",
					       "evaluating again")) {
				*cell = d[0];
			} else {
				if (!ready) {
					st = worker_pse_ensure(w, err);
					if (!st)
						st = worker_net_ready(w, err);
					if (st)
						return st;
					ready = true;
				}
				/* the phase names the cell that trains now
				 * (scoring above may have put its own) */
				worker_progress(w, phase, done, total);
				worker_publish(w);
				st = worker_probe_cell(w, g, k, ck, err);
				if (st)
					return st;
				trained = true;
			}
			done++;
			worker_progress(w, phase, done, total);
		}
	}
	return ENG_STATUS_OK;
}
