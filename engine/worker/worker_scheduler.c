/* worker_scheduler.c: the background engine thread (see worker.h): the
 * public API
 * the UI thread calls, the mailbox it writes under the lock, and the
 * scheduler loop that takes the mailbox's latest values, picks the next
 * job and runs it through the job table.  What a job computes lives in
 * worker_job_*.c, how results reach the UI in worker_snapshot.c; the
 * layout of struct worker and who may call what are in worker_state.h.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "base/cancel.h"
#include "base/threads.h"
#include "nn/net.h"
#include "output/render.h"
#include "prune/plan.h"
#include "worker/cache.h"
#include "worker/worker.h"
#include "worker/worker_state.h"

/* What runs job j (SCORES and AUTO are the same job). */
static enum eng_status (*const worker_jobs[WORKER_JOB_COUNT])(struct worker *w,
							       struct eng_err *err) = {
	[WORKER_JOB_SCORES] = worker_job_scores,
	[WORKER_JOB_AUTO] = worker_job_scores,
	[WORKER_JOB_LATENCY] = worker_job_latency,
	[WORKER_JOB_QUICKEVAL] = worker_job_quickeval,
	[WORKER_JOB_GRID] = worker_job_grid,
	[WORKER_JOB_WIDTHS] = worker_job_widths,
	[WORKER_JOB_CRITERIA] = worker_job_criteria,
	[WORKER_JOB_STABILITY] = worker_job_stability,
	[WORKER_JOB_PROBE] = worker_job_probe,
	[WORKER_JOB_EXPORT] = worker_job_export,
};

void worker_config_default(struct worker_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->disk_cache = true;
	cfg->settle_ms = 150;
}

/* Forget everything computed for the previous model. */
static void worker_results_reset(struct worker *w)
{
	worker_pse_free(w->pse);
	w->pse = NULL;
	memset(w->lat, 0, sizeof w->lat);
	memset(w->ev, 0, sizeof w->ev);
	free(w->grid);
	w->grid = NULL;
	width_staircase_done(&w->widths);
	criteria_compare_done(&w->crit);
	w->crit_key[0] = '\0';
	stability_done(&w->stab);
	w->stab_key[0] = '\0';
	free(w->probe);
	w->probe = NULL;
	w->probe_key[0] = '\0';
	for (int j = 0; j < WORKER_JOB_COUNT; j++) {
		memset(&w->st[j], 0, sizeof w->st[j]);
		w->state_key[j][0] = '\0';
	}
	net_free(w->net);
	w->net = NULL;
	w->net_ready = false;
}

/* Take the mailbox's latest values (under mu).  Returns true if any. */
static bool worker_take_locked(struct worker *w, const struct worker_model **model,
			       bool *have_settings, bool *have_plan,
			       struct prune_plan *plan, uint64_t *plan_seq)
{
	bool any = false;
	*model = NULL;
	*have_settings = *have_plan = false;
	if (w->model_dirty) {
		*plan_seq = w->pend_model_plan_seq;
		*model = w->pend_model;
		w->pend_model = NULL;
		w->model_dirty = false;
		any = true;
	}
	if (w->settings_dirty) {
		w->set = w->pend_settings;
		w->settings_dirty = false;
		*have_settings = true;
		any = true;
	}
	if (w->plan_dirty) {
		/* swap: the worker gets the plan, the mailbox keeps the old
		 * storage for the next edit */
		*plan = w->pend_plan;
		memset(&w->pend_plan, 0, sizeof w->pend_plan);
		*plan_seq = w->pend_plan_seq;
		w->plan_dirty = false;
		*have_plan = true;
		any = true;
	}
	return any;
}

static void worker_apply_taken(struct worker *w, const struct worker_model *m,
			       bool have_plan, struct prune_plan *plan, uint64_t plan_seq)
{
	if (m) {
		worker_model_release(w->model);
		w->model = m; /* the mailbox's reference moves here */
		worker_results_reset(w);
		plan_done(&w->plan);
		if (plan_init(&w->plan, &w->model->groups) != ENG_STATUS_OK)
			worker_warn(w, "out of memory");
		w->plan_seq = plan_seq;
	}
	if (have_plan) {
		if (w->model && plan->n_groups == w->model->groups.n_groups) {
			plan_done(&w->plan);
			w->plan = *plan;
			w->plan_seq = plan_seq;
		} else {
			plan_done(plan);
		}
	}
	if (w->model && worker_model_project(w->model, &w->plan,
					     w->pse ? w->pse->kept : NULL,
					     &w->proj) != ENG_STATUS_OK)
		memset(&w->proj, 0, sizeof w->proj);
}

/* The next job to run (under mu), or -1.  *wait_ms: how long until an
 * auto job's settle time is over (-1 = nothing pending). */
static int worker_pick_locked(struct worker *w, bool *is_auto, int *wait_ms)
{
	*is_auto = false;
	*wait_ms = -1;
	/* The probe (minutes of training) is a background request: it runs
	 * when no other request and no auto job wants the worker. */
	bool probe = false;
	for (int j = 0; j < WORKER_JOB_COUNT; j++) {
		if (!worker_job_due_locked(w, j))
			continue;
		if (j != WORKER_JOB_PROBE)
			return j;
		probe = true;
	}
	if (!w->model || !w->cfg.auto_jobs)
		return probe ? WORKER_JOB_PROBE : -1;
	for (int j = 0; j < WORKER_JOB_COUNT; j++) {
		if (!(w->cfg.auto_jobs & WORKER_JOB_BIT(j)))
			continue;
		char key[WORKER_KEY_MAX * 2];
		worker_state_key(w, (enum worker_job)j, key, sizeof key);
		if (strcmp(key, w->state_key[j]) == 0)
			continue;
		double since = worker_ms_since(&w->last_cmd);
		if (since < w->cfg.settle_ms) {
			int left = (int)(w->cfg.settle_ms - since) + 1;
			if (*wait_ms < 0 || left < *wait_ms)
				*wait_ms = left;
			continue;
		}
		*is_auto = true;
		return j;
	}
	return probe && *wait_ms < 0 ? WORKER_JOB_PROBE : -1;
}

static void worker_run_job(struct worker *w, int j, uint64_t req)
{
	struct worker_job_status *st = &w->st[j];
	memset(st, 0, sizeof *st);
	st->state = WORKER_STATE_RUNNING;
	st->request = req;
	snprintf(st->phase, sizeof st->phase, "%s", worker_job_name((enum worker_job)j));
	worker_state_key(w, (enum worker_job)j, w->state_key[j], sizeof w->state_key[j]);
	w->cur_job = j;
	worker_publish(w);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct eng_err err = { "" };
	enum eng_status s;
	if (!w->model)
		s = eng_err_set(&err, ENG_STATUS_EINVAL, "no model loaded");
	else
		s = worker_jobs[j](w, &err);
	w->cur_job = -1;
	st->seconds = worker_ms_since(&t0) / 1e3;
	if (s == ENG_STATUS_OK) {
		st->state = WORKER_STATE_DONE;
		snprintf(st->phase, sizeof st->phase, "done");
		/* scores also serve the AUTO job (and vice versa) */
		int twin = j == WORKER_JOB_SCORES ? WORKER_JOB_AUTO :
			   j == WORKER_JOB_AUTO ? WORKER_JOB_SCORES : -1;
		if (twin >= 0 && w->st[twin].state != WORKER_STATE_RUNNING) {
			uint64_t keep = w->st[twin].request;
			w->st[twin] = *st;
			w->st[twin].request = keep;
			memcpy(w->state_key[twin], w->state_key[j], sizeof w->state_key[j]);
		}
	} else if (s == ENG_STATUS_ABORTED) {
		st->state = WORKER_STATE_CANCELLED;
		snprintf(st->phase, sizeof st->phase, "cancelled");
	} else {
		st->state = WORKER_STATE_FAILED;
		snprintf(st->msg, sizeof st->msg, "%s", err.msg);
		worker_warn(w, "%s: %s", worker_job_name((enum worker_job)j), err.msg);
	}
	/* the projection may use fresh kept counts */
	if (w->model && worker_model_project(w->model, &w->plan,
					     w->pse ? w->pse->kept : NULL,
					     &w->proj) != ENG_STATUS_OK)
		memset(&w->proj, 0, sizeof w->proj);
	pthread_mutex_lock(&w->mu);
	w->running = -1;
	w->running_variant = -1;
	struct worker_job_ctl *c = &w->ctl[j];
	/* an edit aborted it: run again for the same request */
	if (!(s == ENG_STATUS_ABORTED && c->requeue) && c->done < req)
		c->done = req;
	/* Forget what it started on, so the auto pick sees it as not done. */
	if (s == ENG_STATUS_ABORTED && c->preempted)
		w->state_key[j][0] = '\0';
	c->requeue = false;
	c->preempted = false;
	cancel_clear(&w->abort[j]);
	pthread_mutex_unlock(&w->mu);
	worker_publish(w);
}

/* The time ms milliseconds from now on clock clk, for a timed wait on a
 * condition variable of that clock. */
static struct timespec worker_deadline(clockid_t clk, int ms)
{
	struct timespec t;
	clock_gettime(clk, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	threads_set_count(w->threads);
	pthread_mutex_lock(&w->mu);
	for (;;) {
		if (w->quit)
			break;
		const struct worker_model *m;
		bool have_set, have_plan;
		struct prune_plan plan = { 0 };
		uint64_t plan_seq = 0;
		if (worker_take_locked(w, &m, &have_set, &have_plan, &plan, &plan_seq)) {
			pthread_mutex_unlock(&w->mu);
			worker_apply_taken(w, m, have_plan, &plan, plan_seq);
			worker_publish(w);
			pthread_mutex_lock(&w->mu);
			continue; /* take newer commands before starting work */
		}
		bool is_auto;
		int wait_ms;
		int j = worker_pick_locked(w, &is_auto, &wait_ms);
		if (j < 0) {
			if (wait_ms < 0) {
				w->idle = true;
				pthread_cond_broadcast(&w->idle_cv);
				pthread_cond_wait(&w->cv, &w->mu);
			} else {
				struct timespec ts =
					worker_deadline(CLOCK_MONOTONIC, wait_ms);
				pthread_cond_timedwait(&w->cv, &w->mu, &ts);
			}
			continue;
		}
		uint64_t req;
		if (is_auto) {
			req = ++w->req_next;
		} else {
			req = w->ctl[j].want;
		}
		if (j == WORKER_JOB_WIDTHS)
			w->widths_group = w->pend_widths_group;
		if (j == WORKER_JOB_EXPORT) {
			worker_export_args_done(&w->export);
			w->export = w->pend_export;
			memset(&w->pend_export, 0, sizeof w->pend_export);
		}
		w->running = j;
		w->running_auto = is_auto;
		w->running_variant = -1;
		cancel_clear(&w->abort[j]);
		w->ctl[j].requeue = false;
		pthread_mutex_unlock(&w->mu);
		worker_run_job(w, j, req);
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void worker_abort_locked(struct worker *w, int j, bool requeue)
{
	if (w->running != j)
		return;
	cancel_request(&w->abort[j]);
	if (requeue)
		w->ctl[j].requeue = true;
}

/* What the user asked for (job j) goes before a measurement the worker
 * started on its own (latency, quick-eval: seconds to minutes); that one
 * runs again afterwards, keeping the variants it finished. */
static void worker_preempt_auto_locked(struct worker *w, int j)
{
	if (w->running >= 0 && w->running != j && w->running_auto &&
	    (w->running == WORKER_JOB_LATENCY || w->running == WORKER_JOB_QUICKEVAL)) {
		w->ctl[w->running].preempted = true;
		worker_abort_locked(w, w->running, false);
	}
}

static void worker_touch_locked(struct worker *w)
{
	w->idle = false;
	clock_gettime(CLOCK_MONOTONIC, &w->last_cmd);
	pthread_cond_signal(&w->cv);
}

enum eng_status worker_new(const struct worker_config *cfg,
			   const struct data_split *data, struct worker **out,
			   struct eng_err *err)
{
	*out = NULL;
	struct worker_config def;
	if (!cfg) {
		worker_config_default(&def);
		cfg = &def;
	}
	if (cfg->threads < 0 || cfg->settle_ms < 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "worker: threads and settle time must be >= 0");
	struct worker *w = calloc(1, sizeof *w);
	if (!w)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	w->cfg = *cfg;
	w->data = data;
	w->running = -1;
	w->running_variant = -1;
	w->cur_job = -1;
	w->idle = false;
	w->wake_fd = -1;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	w->threads = cfg->threads > 0 ? cfg->threads : ncpu > 0 ? (int)ncpu : 1;
	worker_settings_default(&w->set);
	w->pend_settings = w->set;
	w->ui_settings = w->set;
	for (int j = 0; j < WORKER_JOB_COUNT; j++)
		cancel_init(&w->abort[j]);
	clock_gettime(CLOCK_MONOTONIC, &w->last_cmd);
	enum eng_status st;
	if (cfg->cache_dir) {
		w->cache_dir = strdup(cfg->cache_dir);
		if (!w->cache_dir) {
			free(w);
			return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
		}
		w->cfg.cache_dir = w->cache_dir;
	}
	struct eng_warn ring = { worker_warn_keep, w };
	st = cache_new(w->cache_dir, cfg->disk_cache, &ring, 0,
		       &w->cache, err);
	if (st) {
		free(w->cache_dir);
		free(w);
		return st;
	}
	w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->wake_fd < 0) {
		st = eng_err_set(err, ENG_STATUS_EIO, "worker: eventfd: %s", strerror(errno));
		goto fail_cache;
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, &ca);
	pthread_cond_init(&w->idle_cv, NULL);
	pthread_condattr_destroy(&ca);
	w->latest = worker_snap_build(w);
	if (!w->latest) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
		goto fail_sync;
	}
	int e = pthread_create(&w->thread, NULL, worker_main, w);
	if (e != 0) {
		st = eng_err_set(err, ENG_STATUS_EIO, "worker: cannot start thread: %s",
				 strerror(e));
		worker_snapshot_release(w->latest);
		goto fail_sync;
	}
	w->started = true;
	*out = w;
	return ENG_STATUS_OK;
fail_sync:
	pthread_cond_destroy(&w->cv);
	pthread_cond_destroy(&w->idle_cv);
	pthread_mutex_destroy(&w->mu);
	close(w->wake_fd);
fail_cache:
	cache_free(w->cache);
	free(w->cache_dir);
	free(w);
	return st;
}

void worker_free(struct worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->quit = true;
	for (int j = 0; j < WORKER_JOB_COUNT; j++)
		cancel_request(&w->abort[j]);
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (w->started)
		pthread_join(w->thread, NULL);
	if (w->pend_model)
		worker_model_release(w->pend_model);
	plan_done(&w->pend_plan);
	worker_export_args_done(&w->pend_export);
	worker_export_args_done(&w->export);
	worker_results_reset(w);
	plan_done(&w->plan);
	worker_model_release(w->model);
	worker_model_release(w->ui_model);
	if (w->latest)
		worker_snapshot_release(w->latest);
	cache_free(w->cache);
	close(w->wake_fd);
	pthread_cond_destroy(&w->cv);
	pthread_cond_destroy(&w->idle_cv);
	pthread_mutex_destroy(&w->mu);
	free(w->cache_dir);
	free(w);
}

enum eng_status worker_set_model(struct worker *w, const struct net_spec *spec,
				 const struct worker_model **out,
				 struct eng_err *err)
{
	return worker_set_model_weights(w, spec, NULL, out, err);
}

enum eng_status worker_set_model_weights(struct worker *w,
					 const struct net_spec *spec,
					 const struct net *init,
					 const struct worker_model **out,
					 struct eng_err *err)
{
	if (out)
		*out = NULL;
	const struct worker_model *m;
	enum eng_status st = worker_model_new(spec, init, &m, err);
	if (st)
		return st;
	pthread_mutex_lock(&w->mu);
	if (w->pend_model)
		worker_model_release(w->pend_model);
	w->pend_model = m; /* the creation reference */
	w->model_dirty = true;
	worker_model_release(w->ui_model);
	w->ui_model = worker_model_ref(m);
	/* a plan for the old model means nothing now */
	plan_done(&w->pend_plan);
	w->plan_dirty = false;
	w->pend_model_plan_seq = ++w->plan_seq_next;
	for (int j = 0; j < WORKER_JOB_COUNT; j++) {
		w->ctl[j].done = w->ctl[j].want;
		worker_abort_locked(w, j, false);
	}
	worker_touch_locked(w);
	pthread_mutex_unlock(&w->mu);
	if (out)
		*out = worker_model_ref(m);
	return ENG_STATUS_OK;
}

enum eng_status worker_set_settings(struct worker *w,
				    const struct worker_settings *s,
				    struct eng_err *err)
{
	enum eng_status st = worker_settings_check(s, err);
	if (st)
		return st;
	pthread_mutex_lock(&w->mu);
	unsigned deps = worker_settings_deps(&w->ui_settings, s);
	w->ui_settings = *s;
	w->pend_settings = *s;
	w->settings_dirty = true;
	for (int j = 0; j < WORKER_JOB_COUNT; j++)
		if (deps & WORKER_JOB_BIT(j))
			worker_abort_locked(w, j, true);
	worker_touch_locked(w);
	pthread_mutex_unlock(&w->mu);
	return ENG_STATUS_OK;
}

enum eng_status worker_set_plan(struct worker *w, const struct prune_plan *plan,
				uint64_t *seq, struct eng_err *err)
{
	if (seq)
		*seq = 0;
	if (!w->ui_model)
		return eng_err_set(err, ENG_STATUS_EINVAL, "plan: no model loaded");
	enum eng_status st = plan_validate(&w->ui_model->groups, plan,
					   w->ui_settings.min_keep, err);
	if (st)
		return st;
	struct prune_plan copy;
	if (plan_copy(&copy, plan) != ENG_STATUS_OK)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	pthread_mutex_lock(&w->mu);
	plan_done(&w->pend_plan);
	w->pend_plan = copy;
	w->pend_plan_seq = ++w->plan_seq_next;
	w->plan_dirty = true;
	if (seq)
		*seq = w->pend_plan_seq;
	for (int j = WORKER_JOB_LATENCY; j <= WORKER_JOB_QUICKEVAL; j++)
		if (w->running == j && w->running_variant == WORKER_VARIANT_PLAN)
			worker_abort_locked(w, j, true);
	worker_touch_locked(w);
	pthread_mutex_unlock(&w->mu);
	return ENG_STATUS_OK;
}

uint64_t worker_request(struct worker *w, enum worker_job j)
{
	ENG_ASSERT((int)j >= 0 && j < WORKER_JOB_COUNT && j != WORKER_JOB_EXPORT &&
		   j != WORKER_JOB_WIDTHS);
	pthread_mutex_lock(&w->mu);
	uint64_t id = ++w->req_next;
	w->ctl[j].want = id;
	worker_abort_locked(w, (int)j, true);
	worker_preempt_auto_locked(w, (int)j);
	worker_touch_locked(w);
	pthread_mutex_unlock(&w->mu);
	return id;
}

uint64_t worker_export(struct worker *w, const struct prune_plan *plan,
		       const char *dir, const struct render_style *style,
		       struct eng_err *err)
{
	if (!w->ui_model) {
		eng_err_set(err, ENG_STATUS_EINVAL, "export: no model loaded");
		return 0;
	}
	if (!dir || !dir[0]) {
		eng_err_set(err, ENG_STATUS_EINVAL, "export: no directory given");
		return 0;
	}
	if (plan_validate(&w->ui_model->groups, plan, w->ui_settings.min_keep, err) !=
	    ENG_STATUS_OK)
		return 0;
	struct worker_export_args x = { 0 };
	x.dir = strdup(dir);
	if (style)
		x.style = *style;
	else
		render_style_default(&x.style);
	if (!x.dir || plan_copy(&x.plan, plan) != ENG_STATUS_OK) {
		worker_export_args_done(&x);
		eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
		return 0;
	}
	pthread_mutex_lock(&w->mu);
	worker_export_args_done(&w->pend_export);
	w->pend_export = x;
	uint64_t id = ++w->req_next;
	w->ctl[WORKER_JOB_EXPORT].want = id;
	worker_abort_locked(w, WORKER_JOB_EXPORT, false);
	worker_preempt_auto_locked(w, WORKER_JOB_EXPORT);
	worker_touch_locked(w);
	pthread_mutex_unlock(&w->mu);
	return id;
}

uint64_t worker_request_widths(struct worker *w, int g, struct eng_err *err)
{
	const struct worker_model *m = w->ui_model;
	if (!m) {
		eng_err_set(err, ENG_STATUS_EINVAL, "widths: no model loaded");
		return 0;
	}
	if (g < 0 || g >= m->groups.n_groups || !m->groups.groups[g].prunable) {
		eng_err_set(err, ENG_STATUS_EINVAL, "widths: %s cannot be pruned",
			    g >= 0 && g < m->groups.n_groups ? m->groups.groups[g].name :
			    "that group");
		return 0;
	}
	pthread_mutex_lock(&w->mu);
	uint64_t id = ++w->req_next;
	w->ctl[WORKER_JOB_WIDTHS].want = id;
	/* a different group: the running measurement is of no use any more */
	if (w->widths_group != g)
		worker_abort_locked(w, WORKER_JOB_WIDTHS, false);
	w->pend_widths_group = g;
	worker_preempt_auto_locked(w, WORKER_JOB_WIDTHS);
	worker_touch_locked(w);
	pthread_mutex_unlock(&w->mu);
	return id;
}

void worker_cancel(struct worker *w, enum worker_job j)
{
	ENG_ASSERT((int)j >= 0 && j < WORKER_JOB_COUNT);
	pthread_mutex_lock(&w->mu);
	w->ctl[j].done = w->ctl[j].want;
	worker_abort_locked(w, (int)j, false);
	w->ctl[j].requeue = false;
	worker_touch_locked(w);
	pthread_mutex_unlock(&w->mu);
}

bool worker_wait_idle(struct worker *w, int timeout_ms)
{
	struct timespec deadline = worker_deadline(CLOCK_REALTIME, timeout_ms);
	pthread_mutex_lock(&w->mu);
	bool ok = true;
	while (!w->idle) {
		if (pthread_cond_timedwait(&w->idle_cv, &w->mu, &deadline) == ETIMEDOUT) {
			ok = w->idle;
			break;
		}
	}
	pthread_mutex_unlock(&w->mu);
	return ok;
}
