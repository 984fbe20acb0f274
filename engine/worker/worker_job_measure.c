/* worker_job_measure.c: the LATENCY and QUICKEVAL jobs: one figure per
 * variant (DENSE, PAI, PAI_CSR for latency, PLAN), each cached under its
 * own key, so a plan edit re-measures only PLAN.  The PLAN variant runs
 * the plan's compacted Reconvene net.  A quick-eval gives way between two
 * variants when the mailbox has news (worker_yield_point).  Worker thread
 * only.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "measure/latency.h"
#include "prune/plan.h"
#include "prune/reconvene.h"
#include "train/quickeval.h"
#include "train/train.h"
#include "worker/worker.h"
#include "worker/worker_state.h"

#define WORKER_LAT_MIN_MS 40.0
#define WORKER_LAT_MAX_MS 250.0

/* Cached figures (worker_figures_get), in this order:
 *   latency     median, p10, p90, runs
 *   quick-eval  accuracy, ci_lo, ci_hi, loss, steps, seconds, test_n */
#define WORKER_LAT_FIGURES 4
#define WORKER_EVAL_FIGURES 7

static void worker_latency_progress(int done, int total, void *user)
{
	worker_progress(user, NULL, done, total);
}

static void worker_train_progress(const struct train_progress *p, void *user)
{
	struct worker *w = user;
	const char *ph = p->phase == TRAIN_PHASE_EVAL ? "evaluating" : "training";
	char buf[WORKER_PHASE_MAX];
	const char *cur = w->cur_job >= 0 ? w->st[w->cur_job].phase : "";
	const char *colon = strchr(cur, ':');
	/* keep the variant prefix ("quickeval plan: training") */
	if (colon)
		snprintf(buf, sizeof buf, "%.*s: %s", (int)(colon - cur), cur, ph);
	else
		snprintf(buf, sizeof buf, "%s", ph);
	worker_progress(w, buf, p->done, p->total);
}

/* Which variant runs (under mu): a plan edit cancels only a PLAN run. */
static void worker_set_running_variant(struct worker *w, int v)
{
	pthread_mutex_lock(&w->mu);
	w->running_variant = v;
	pthread_mutex_unlock(&w->mu);
}

static bool worker_latency_valid(const double *d, size_t n)
{
	(void)n;
	return d[0] >= 0 && d[1] <= d[0] && d[0] <= d[2] && d[3] >= 1;
}

static bool worker_eval_valid(const double *d, size_t n)
{
	(void)n;
	return d[0] >= 0 && d[0] <= 1 && d[1] <= d[0] && d[0] <= d[2];
}

/* The plan's Reconvene net: changed groups compacted, the rest masked. */
static enum eng_status worker_plan_net(struct worker *w, struct plan_result *r,
				       struct eng_err *err)
{
	const struct worker_model *m = w->model;
	struct reconvene_options o;
	worker_settings_to_reconvene(&w->set, &o);
	return reconvene_apply(w->net, &m->spec, &m->groups, &w->plan, &o,
			       (const float *const *)w->pse->imp, w->pse->mask, r, err);
}

static enum eng_status worker_latency_one(struct worker *w, enum worker_variant v,
					  struct eng_err *err)
{
	char key[WORKER_KEY_MAX];
	worker_variant_key(w, WORKER_JOB_LATENCY, v, key, sizeof key);
	if (w->lat[v].valid && strcmp(key, w->lat_key[v]) == 0)
		return ENG_STATUS_OK;
	double d[WORKER_LAT_FIGURES];
	if (worker_figures_get(w, key, d, WORKER_LAT_FIGURES, worker_latency_valid,
			       "latency", "measuring again")) {
		w->lat[v] = (struct worker_latency){ .valid = true, .cached = true,
			.median_ms = d[0], .p10_ms = d[1], .p90_ms = d[2],
			.runs = (int)d[3] };
		snprintf(w->lat_key[v], WORKER_KEY_MAX, "%s", key);
		return ENG_STATUS_OK;
	}
	enum eng_status st = ENG_STATUS_OK;
	if (v != WORKER_VARIANT_DENSE)
		st = worker_pse_ensure(w, err);
	if (!st)
		st = worker_net_ready(w, err);
	if (st)
		return st;
	char phase[WORKER_PHASE_MAX];
	snprintf(phase, sizeof phase, "latency %s", worker_variant_name(v));
	worker_set_running_variant(w, v);
	worker_progress(w, phase, 0, w->set.latency_runs);
	struct latency_options o;
	latency_options_init(&o);
	o.warmup = 2;
	o.min_runs = w->set.latency_runs > 0 ? w->set.latency_runs : 10;
	if (o.max_runs < o.min_runs)
		o.max_runs = o.min_runs;
	o.min_ms = WORKER_LAT_MIN_MS;
	o.max_ms = WORKER_LAT_MAX_MS;
	o.progress = worker_latency_progress;
	o.progress_user = w;
	o.abort = &w->abort[WORKER_JOB_LATENCY];
	struct latency_result r;
	if (v == WORKER_VARIANT_PLAN) {
		struct plan_result pr;
		st = worker_plan_net(w, &pr, err);
		if (st)
			return st;
		if (worker_aborted(w, WORKER_JOB_LATENCY))
			st = ENG_STATUS_ABORTED;
		else
			st = latency_measure(pr.net, NULL, LATENCY_VARIANT_STRUCTURED, &o,
					     &r, err);
		plan_result_done(&pr);
	} else {
		enum latency_variant lv = v == WORKER_VARIANT_DENSE ? LATENCY_VARIANT_DENSE :
			v == WORKER_VARIANT_PAI ? LATENCY_VARIANT_MASKED : LATENCY_VARIANT_SPARSE;
		st = latency_measure(w->net, v == WORKER_VARIANT_DENSE ? NULL : w->pse->mask,
				     lv, &o, &r, err);
	}
	if (st)
		return st;
	w->lat[v] = (struct worker_latency){ .valid = true, .median_ms = r.median_ms,
		.p10_ms = r.p10_ms, .p90_ms = r.p90_ms, .runs = r.runs };
	snprintf(w->lat_key[v], WORKER_KEY_MAX, "%s", key);
	double fig[WORKER_LAT_FIGURES] = { r.median_ms, r.p10_ms, r.p90_ms, r.runs };
	worker_figures_put(w, key, fig, WORKER_LAT_FIGURES);
	return ENG_STATUS_OK;
}

enum eng_status worker_job_latency(struct worker *w, struct eng_err *err)
{
	for (int v = 0; v < WORKER_VARIANT_COUNT; v++) {
		if (worker_aborted(w, WORKER_JOB_LATENCY))
			return eng_err_set(err, ENG_STATUS_ABORTED, "cancelled");
		enum eng_status st = worker_latency_one(w, (enum worker_variant)v, err);
		if (st)
			return st;
		worker_publish(w);
	}
	return ENG_STATUS_OK;
}

/* *trained: whether it trained (false: the figure was already there). */
static enum eng_status worker_eval_one(struct worker *w, enum worker_variant v,
				       bool *trained, struct eng_err *err)
{
	*trained = false;
	char key[WORKER_KEY_MAX];
	worker_variant_key(w, WORKER_JOB_QUICKEVAL, v, key, sizeof key);
	if (w->ev[v].valid && strcmp(key, w->ev_key[v]) == 0)
		return ENG_STATUS_OK;
	double d[WORKER_EVAL_FIGURES];
	if (worker_figures_get(w, key, d, WORKER_EVAL_FIGURES, worker_eval_valid,
			       "quick-eval", "evaluating again")) {
		w->ev[v] = (struct worker_eval){ .valid = true, .cached = true,
			.accuracy = (float)d[0], .ci_lo = (float)d[1],
			.ci_hi = (float)d[2], .loss = (float)d[3],
			.steps = (long)d[4], .seconds = d[5] };
		snprintf(w->ev_key[v], WORKER_KEY_MAX, "%s", key);
		return ENG_STATUS_OK;
	}
	if (!w->data)
		return eng_err_set(err, ENG_STATUS_EINVAL, "quick-eval needs a dataset");
	enum eng_status st = ENG_STATUS_OK;
	if (v != WORKER_VARIANT_DENSE)
		st = worker_pse_ensure(w, err);
	if (!st)
		st = worker_net_ready(w, err);
	if (st)
		return st;
	char phase[WORKER_PHASE_MAX];
	snprintf(phase, sizeof phase, "quickeval %s: training", worker_variant_name(v));
	worker_set_running_variant(w, v);
	worker_progress(w, phase, 0, w->set.budget.steps);
	struct quickeval_options o;
	worker_quickeval_options(w, &o);
	o.curve_every = (int)(o.steps > 0 ? o.steps : 1);
	o.progress = worker_train_progress;
	o.user = w;
	o.abort = &w->abort[WORKER_JOB_QUICKEVAL];
	struct quickeval_result r;
	memset(&r, 0, sizeof r);
	if (v == WORKER_VARIANT_PLAN) {
		struct plan_result pr;
		st = worker_plan_net(w, &pr, err);
		if (st)
			return st;
		o.init = false; /* the Reconvene weights: kept init + RLR */
		o.mask = pr.mask;
		st = quickeval_run(pr.net, w->data, &o, &r, err);
		plan_result_done(&pr);
	} else {
		/* w->net holds the model's initial weights (worker_net_ready);
		 * only a model without its own needs quickeval's net_init. */
		o.init = !w->model->init_params;
		o.mask = v == WORKER_VARIANT_DENSE ? NULL : w->pse->mask;
		st = quickeval_run(w->net, w->data, &o, &r, err);
	}
	if (st) {
		quickeval_result_done(&r);
		return st;
	}
	w->ev[v] = (struct worker_eval){ .valid = true, .accuracy = r.accuracy,
		.ci_lo = r.ci_lo, .ci_hi = r.ci_hi, .loss = r.loss, .steps = r.steps,
		.seconds = r.seconds };
	snprintf(w->ev_key[v], WORKER_KEY_MAX, "%s", key);
	double fig[WORKER_EVAL_FIGURES] = { r.accuracy, r.ci_lo, r.ci_hi, r.loss,
					     (double)r.steps, r.seconds, (double)r.test_n };
	worker_figures_put(w, key, fig, WORKER_EVAL_FIGURES);
	quickeval_result_done(&r);
	*trained = true;
	return ENG_STATUS_OK;
}

enum eng_status worker_job_quickeval(struct worker *w, struct eng_err *err)
{
	bool progressed = false; /* trained a variant in this run */
	for (int v = 0; v < WORKER_VARIANT_COUNT; v++) {
		if (!worker_variant_used(WORKER_JOB_QUICKEVAL, (enum worker_variant)v))
			continue;
		if (worker_aborted(w, WORKER_JOB_QUICKEVAL))
			return eng_err_set(err, ENG_STATUS_ABORTED, "cancelled");
		/* Only after real work, so a stream of edits cannot starve it.
		 * Giving way here lets the next variant train on the newest
		 * plan and a fresh latency skip the remaining variants. */
		if (progressed && worker_yield_point(w, WORKER_JOB_QUICKEVAL))
			return eng_err_set(err, ENG_STATUS_ABORTED, "yielded");
		bool trained;
		enum eng_status st = worker_eval_one(w, (enum worker_variant)v, &trained, err);
		progressed |= trained;
		if (st)
			return st;
		worker_publish(w);
	}
	return ENG_STATUS_OK;
}
