/* worker_job_criteria.c: the CRITERIA job: the five PaI criteria side by
 * side (criteria_compare_run, as `reconvene score --compare`) on the
 * working net at the settings' sparsity, seed, tau and k.  Cached as
 * doubles: every method's density (5 x layers), its resilient flags (0 or
 * 1), the pairs' Kendall tau per layer (10 x layers, NaN where undefined),
 * the pairs' means and layer counts and the methods' seconds.  Worker
 * thread only.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prune/criteria_compare.h"
#include "prune/reconvene.h"
#include "worker/worker.h"
#include "worker/worker_state.h"

#define CRIT_M CRITERIA_METHODS
#define CRIT_P CRITERIA_PAIRS

static size_t crit_cells(size_t L)
{
	return 2 * CRIT_M * L + CRIT_P * L + 2 * CRIT_P + CRIT_M;
}

/* Every figure in its range; the layer count follows from n. */
static bool crit_valid(const double *d, size_t n)
{
	size_t fixed = crit_cells(0), per = crit_cells(1) - fixed;
	if (n < fixed || (n - fixed) % per != 0)
		return false;
	size_t L = (n - fixed) / per;
	for (size_t i = 0; i < CRIT_M * L; i++)
		if (!(d[i] == -1.0 || (d[i] >= 0.0 && d[i] <= 1.0)))
			return false;
	const double *r = d + CRIT_M * L;
	for (size_t i = 0; i < CRIT_M * L; i++)
		if (r[i] != 0.0 && r[i] != 1.0)
			return false;
	const double *t = r + CRIT_M * L;
	for (size_t i = 0; i < CRIT_P * L + CRIT_P; i++)
		if (!isnan(t[i]) && !(t[i] >= -1.0 && t[i] <= 1.0))
			return false;
	const double *c = t + CRIT_P * L + CRIT_P;
	for (size_t i = 0; i < CRIT_P; i++)
		if (!(c[i] >= 0.0 && c[i] <= (double)L))
			return false;
	for (size_t i = 0; i < CRIT_M; i++)
		if (!(c[CRIT_P + i] >= 0.0))
			return false;
	return true;
}

static void crit_pack(const struct criteria_compare *c, double *d)
{
	size_t L = (size_t)c->n_layers;
	memcpy(d, c->density, CRIT_M * L * sizeof *d);
	for (size_t i = 0; i < CRIT_M * L; i++)
		d[CRIT_M * L + i] = c->resilient[i] ? 1.0 : 0.0;
	double *t = d + 2 * CRIT_M * L;
	memcpy(t, c->tau, CRIT_P * L * sizeof *t);
	memcpy(t + CRIT_P * L, c->tau_mean, CRIT_P * sizeof *t);
	double *k = t + CRIT_P * L + CRIT_P;
	for (int p = 0; p < CRIT_P; p++)
		k[p] = c->tau_layers[p];
	for (int m = 0; m < CRIT_M; m++)
		k[CRIT_P + m] = c->seconds[m];
}

static enum eng_status crit_unpack(const double *d, size_t L, struct criteria_compare *c)
{
	memset(c, 0, sizeof *c);
	c->density = malloc(CRIT_M * L * sizeof *c->density);
	c->resilient = malloc(CRIT_M * L * sizeof *c->resilient);
	c->tau = malloc(CRIT_P * L * sizeof *c->tau);
	if (!c->density || !c->resilient || !c->tau) {
		criteria_compare_done(c);
		return ENG_STATUS_ENOMEM;
	}
	c->n_layers = (int)L;
	memcpy(c->density, d, CRIT_M * L * sizeof *d);
	for (size_t i = 0; i < CRIT_M * L; i++)
		c->resilient[i] = d[CRIT_M * L + i] != 0.0;
	const double *t = d + 2 * CRIT_M * L;
	memcpy(c->tau, t, CRIT_P * L * sizeof *t);
	memcpy(c->tau_mean, t + CRIT_P * L, CRIT_P * sizeof *t);
	const double *k = t + CRIT_P * L + CRIT_P;
	for (int p = 0; p < CRIT_P; p++)
		c->tau_layers[p] = (int)k[p];
	for (int m = 0; m < CRIT_M; m++)
		c->seconds[m] = k[CRIT_P + m];
	return ENG_STATUS_OK;
}

static void crit_progress(int done, int total, void *user)
{
	worker_progress(user, "criteria", done, total);
}

enum eng_status worker_job_criteria(struct worker *w, struct eng_err *err)
{
	char key[WORKER_KEY_MAX];
	worker_criteria_key(w, key, sizeof key);
	if (w->crit.n_layers > 0 && strcmp(key, w->crit_key) == 0)
		return ENG_STATUS_OK;
	size_t L = (size_t)w->model->net->n_layers;
	size_t n = crit_cells(L);
	double *d = malloc(n * sizeof *d);
	if (!d)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	struct criteria_compare c;
	enum eng_status st;
	if (worker_figures_get(w, key, d, n, crit_valid, "criteria", "comparing again")) {
		st = crit_unpack(d, L, &c);
		free(d);
		if (st)
			return eng_err_set(err, st, "out of memory");
	} else {
		if ((st = worker_net_ready(w, err)) != ENG_STATUS_OK) {
			free(d);
			return st;
		}
		struct reconvene_options o;
		worker_settings_to_reconvene(&w->set, &o);
		o.abort = &w->abort[WORKER_JOB_CRITERIA];
		o.progress = crit_progress;
		o.progress_user = w;
		st = criteria_compare_run(w->net, w->data, &w->model->groups, &o, &c, err);
		if (st) {
			free(d);
			return st;
		}
		crit_pack(&c, d);
		worker_figures_put(w, key, d, n);
		free(d);
	}
	criteria_compare_done(&w->crit);
	w->crit = c;
	snprintf(w->crit_key, sizeof w->crit_key, "%s", key);
	return ENG_STATUS_OK;
}
