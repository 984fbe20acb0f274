/* worker_job.c: what the jobs share: the working net they score, measure
 * and train (built from the model's spec on first use, initialised with
 * the settings' seed), the cached figures (latency, quick-eval, grid and
 * probe results as arrays of doubles), the score progress hook, the
 * quick-eval budget and the yield point of long jobs.  Worker
 * thread only.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "nn/net.h"
#include "worker/cache.h"
#include "worker/worker.h"
#include "worker/worker_state.h"

enum eng_status worker_net_ready(struct worker *w, struct eng_err *err)
{
	if (!w->net) {
		enum eng_status st = net_build(&w->model->spec, &w->net, err);
		if (st != ENG_STATUS_OK)
			return st;
		w->net_ready = false;
	}
	if (!w->net_ready || w->net_seed != w->set.seed) {
		worker_model_init_net(w->model, w->net, w->set.seed);
		w->net_ready = true;
		w->net_seed = w->set.seed;
	}
	return ENG_STATUS_OK;
}

/* Latency, quick-eval and grid results are cached as arrays of doubles in
 * native byte order; the key says which:
 *   latency     median, p10, p90, runs                       (4)
 *   quick-eval  accuracy, ci_lo, ci_hi, loss, steps, seconds,
 *               test_n                                       (7)
 *   grid        n_layers x WORKER_GRID_N densities, -1 = none
 *   probe cell  accuracy, ci_lo, ci_hi, loss, steps, seconds, test_n
 *               (one entry per group and ratio) */

/* Hit: exactly n doubles that valid accepts, in out.  Another length or a
 * rejected value is a miss with one warning ("cache: <what> entry is
 * malformed; <then>"). */
bool worker_figures_get(struct worker *w, const char *key, double *out,
			size_t n, bool (*valid)(const double *d, size_t n),
			const char *what, const char *then)
{
	void *buf;
	size_t len;
	if (!cache_get(w->cache, key, &buf, &len))
		return false;
	bool ok = len == n * sizeof *out;
	if (ok)
		memcpy(out, buf, len);
	free(buf);
	if (ok && valid(out, n))
		return true;
	worker_warn(w, "cache: %s entry is malformed; %s", what, then);
	return false;
}

void worker_figures_put(struct worker *w, const char *key, const double *d,
			size_t n)
{
	cache_put(w->cache, key, d, n * sizeof *d);
}

void worker_score_progress(int done, int total, void *user)
{
	worker_progress(user, NULL, done, total);
}

/* The job runs again afterwards (as a request, or as an auto job) and
 * skips what it finished. */
bool worker_yield_point(struct worker *w, int j)
{
	pthread_mutex_lock(&w->mu);
	bool yield = w->model_dirty || w->settings_dirty || w->plan_dirty;
	for (int k = 0; k < j && !yield; k++)
		yield = worker_job_due_locked(w, k);
	/* The probe runs after everything else (worker_scheduler.c's pick): it gives
	 * way to any request and to an auto job that has work to do. */
	for (int k = j + 1; k < WORKER_JOB_COUNT && !yield && j == WORKER_JOB_PROBE; k++)
		yield = worker_job_due_locked(w, k);
	for (int k = 0; k < WORKER_JOB_COUNT && !yield && j == WORKER_JOB_PROBE; k++) {
		if (!(w->cfg.auto_jobs & WORKER_JOB_BIT(k)) || k == j)
			continue;
		char key[WORKER_KEY_MAX * 2];
		worker_state_key(w, (enum worker_job)k, key, sizeof key);
		yield = strcmp(key, w->state_key[k]) != 0;
	}
	if (yield) {
		w->ctl[j].requeue = true;
		w->ctl[j].preempted = true;
	}
	pthread_mutex_unlock(&w->mu);
	return yield;
}

void worker_quickeval_options(const struct worker *w, struct quickeval_options *o)
{
	quickeval_options_default(o);
	o->steps = w->set.budget.steps;
	o->batch = w->set.budget.batch;
	o->train_n = w->set.budget.train_n;
	o->test_n = w->set.budget.test_n;
	o->lr = w->set.budget.lr;
	o->seed = w->set.seed;
}
