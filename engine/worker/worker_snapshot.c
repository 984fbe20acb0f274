/* worker_snapshot.c: what the worker shows the UI.  Snapshots are built
 * from the worker-thread state, installed under the lock as the latest
 * (generation one higher, the queue view added, the wake fd written) and
 * refcounted: copy-on-publish, so nothing writes a snapshot once it is
 * built.  Progress publishes are rate-limited; warnings go to a ring of the
 * last WORKER_WARN_KEEP lines that every snapshot copies (see worker.h).
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/warn.h"
#include "prune/plan.h"
#include "prune/reconvene.h"
#include "worker/worker.h"
#include "worker/worker_state.h"

#define WORKER_PUBLISH_MS 50

struct worker_snap_box {
	struct worker_snapshot s; /* first: the public pointer is the box */
	atomic_int refs;
	const struct worker_model *model_ref;
	double *density;
	size_t *kept;
	bool *resilient;
	int *chan_n;
	size_t *chan_off;
	float *chan;
	float *imp_flat;
	const float **imp;
	double *grid;
	struct width_point *widths;
	double *crit_density, *crit_tau;
	bool *crit_resilient;
	double *stab_density;
	bool *stab_resilient;
	int *stab_kept, *stab_rect;
	size_t *stab_off;
	double *probe;
};

/* The ring of warning lines the snapshots carry, as an eng_warn sink:
 * each line overwrites the oldest of the last WORKER_WARN_KEEP.  The
 * worker's own warnings and its cache's arrive here (worker thread). */
void worker_warn_keep(void *user, const char *line)
{
	struct worker *w = user;
	snprintf(w->warnings[w->warn_total % WORKER_WARN_KEEP], ENG_ERR_MAX,
		 "%s", line);
	w->warn_total++;
}

void worker_warn(struct worker *w, const char *fmt, ...)
{
	struct eng_warn sink = { worker_warn_keep, w };
	va_list ap;
	va_start(ap, fmt);
	eng_warn_vemit(&sink, fmt, ap);
	va_end(ap);
}

void worker_snapshot_release(const struct worker_snapshot *s)
{
	if (!s)
		return;
	struct worker_snap_box *b = (struct worker_snap_box *)s;
	if (atomic_fetch_sub(&b->refs, 1) != 1)
		return;
	worker_model_release(b->model_ref);
	plan_done(&b->s.plan);
	plan_done(&b->s.scores.auto_plan);
	free(b->density);
	free(b->kept);
	free(b->resilient);
	free(b->chan_n);
	free(b->chan_off);
	free(b->chan);
	free(b->imp_flat);
	free(b->imp);
	free(b->grid);
	free(b->widths);
	free(b->crit_density);
	free(b->crit_tau);
	free(b->crit_resilient);
	free(b->stab_density);
	free(b->stab_resilient);
	free(b->stab_kept);
	free(b->stab_rect);
	free(b->stab_off);
	free(b->probe);
	free(b);
}

static void *worker_dup(const void *src, size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p && n)
		memcpy(p, src, n);
	return p;
}

/* Build a snapshot from the worker-thread state; the mailbox parts are
 * filled in by worker_install_locked under the lock. */
struct worker_snapshot *worker_snap_build(struct worker *w)
{
	struct worker_snap_box *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	atomic_init(&b->refs, 1);
	struct worker_snapshot *s = &b->s;
	s->settings = w->set;
	for (int j = 0; j < WORKER_JOB_COUNT; j++)
		s->job[j] = w->st[j];
	unsigned long first = w->warn_total > WORKER_WARN_KEEP ?
		w->warn_total - WORKER_WARN_KEEP : 0;
	s->warn_total = w->warn_total;
	for (unsigned long i = first; i < w->warn_total; i++)
		memcpy(s->warnings[s->n_warnings++], w->warnings[i % WORKER_WARN_KEEP],
		       ENG_ERR_MAX);
	if (!w->model)
		return s;
	const struct worker_model *m = w->model;
	b->model_ref = worker_model_ref(m);
	s->model = m;
	s->plan_seq = w->plan_seq;
	if (plan_copy(&s->plan, &w->plan) != ENG_STATUS_OK)
		goto oom;
	s->proj = w->proj;
	int nl = m->net->n_layers;
	size_t nlz = nl ? (size_t)nl : 1;
	if (w->pse) {
		const struct worker_pse *p = w->pse;
		char key[WORKER_KEY_MAX];
		worker_pse_key(w, key, sizeof key);
		b->density = worker_dup(p->density, nlz * sizeof *p->density);
		b->kept = worker_dup(p->kept, nlz * sizeof *p->kept);
		b->chan_n = worker_dup(p->chan_n, nlz * sizeof *p->chan_n);
		b->chan_off = worker_dup(p->chan_off, nlz * sizeof *p->chan_off);
		b->chan = worker_dup(p->chan, (p->chan_len ? p->chan_len : 1) * sizeof *p->chan);
		b->resilient = calloc(nlz, sizeof *b->resilient);
		b->imp_flat = worker_dup(p->imp_flat, (p->imp_len ? p->imp_len : 1) *
						      sizeof *p->imp_flat);
		b->imp = calloc(p->n_groups ? (size_t)p->n_groups : 1, sizeof *b->imp);
		if (!b->density || !b->kept || !b->chan_n || !b->chan_off || !b->chan ||
		    !b->resilient || !b->imp_flat || !b->imp)
			goto oom;
		for (int g = 0; g < p->n_groups; g++)
			if (p->imp[g])
				b->imp[g] = b->imp_flat + (p->imp[g] - p->imp_flat);
		struct reconvene_options o;
		worker_settings_to_reconvene(&w->set, &o);
		reconvene_select(m->net, &m->groups, p->density, &o, b->resilient);
		struct eng_err err;
		if (reconvene_plan_auto(m->net, &m->groups, p->kept, b->resilient, &o,
					&s->scores.auto_plan, &err) != ENG_STATUS_OK) {
			plan_done(&s->scores.auto_plan);
			goto oom;
		}
		struct worker_scores *sc = &s->scores;
		sc->valid = true;
		sc->stale = strcmp(key, p->key) != 0;
		sc->cached = p->cached;
		sc->method = p->method;
		sc->sparsity = p->sparsity;
		sc->seed = p->seed;
		sc->density = b->density;
		sc->kept = b->kept;
		sc->resilient = b->resilient;
		sc->chan_n = b->chan_n;
		sc->chan_off = b->chan_off;
		sc->chan = b->chan;
		sc->group_importance = b->imp;
	}
	for (int v = 0; v < WORKER_VARIANT_COUNT; v++) {
		char key[WORKER_KEY_MAX];
		s->latency[v] = w->lat[v];
		if (w->lat[v].valid) {
			worker_variant_key(w, WORKER_JOB_LATENCY, (enum worker_variant)v,
					   key, sizeof key);
			s->latency[v].stale = strcmp(key, w->lat_key[v]) != 0;
		}
		s->eval[v] = w->ev[v];
		if (w->ev[v].valid) {
			worker_variant_key(w, WORKER_JOB_QUICKEVAL, (enum worker_variant)v,
					   key, sizeof key);
			s->eval[v].stale = strcmp(key, w->ev_key[v]) != 0;
		}
	}
	if (w->grid) {
		char key[WORKER_KEY_MAX];
		worker_grid_key(w, key, sizeof key);
		b->grid = worker_dup(w->grid, nlz * WORKER_GRID_N * sizeof *w->grid);
		if (!b->grid)
			goto oom;
		s->grid = b->grid;
		s->grid_valid = true;
		s->grid_stale = strcmp(key, w->grid_key) != 0;
	}
	if (w->widths.pts) {
		b->widths = worker_dup(w->widths.pts, (size_t)w->widths.n * sizeof *w->widths.pts);
		if (!b->widths)
			goto oom;
		s->widths.valid = true;
		s->widths.cached = w->widths_cached;
		s->widths.stair = w->widths;
		s->widths.stair.pts = b->widths;
	}
	if (w->crit.n_layers > 0) {
		const struct criteria_compare *c = &w->crit;
		size_t L = (size_t)c->n_layers;
		b->crit_density = worker_dup(c->density, CRITERIA_METHODS * L * sizeof *c->density);
		b->crit_resilient = worker_dup(c->resilient,
					       CRITERIA_METHODS * L * sizeof *c->resilient);
		b->crit_tau = worker_dup(c->tau, CRITERIA_PAIRS * L * sizeof *c->tau);
		if (!b->crit_density || !b->crit_resilient || !b->crit_tau)
			goto oom;
		char key[WORKER_KEY_MAX];
		worker_criteria_key(w, key, sizeof key);
		s->criteria = *c;
		s->criteria.density = b->crit_density;
		s->criteria.resilient = b->crit_resilient;
		s->criteria.tau = b->crit_tau;
		s->criteria_valid = true;
		s->criteria_stale = strcmp(key, w->crit_key) != 0;
	}
	if (w->stab.n_runs > 0) {
		const struct stability *t = &w->stab;
		size_t RL = (size_t)t->n_runs * (size_t)t->n_layers, G = (size_t)t->n_groups;
		size_t chans = 0;
		for (int g = 0; g < m->groups.n_groups; g++)
			chans += (size_t)m->groups.groups[g].channels;
		b->stab_density = t->density ? worker_dup(t->density, RL * sizeof *t->density) : NULL;
		b->stab_resilient = t->resilient ? worker_dup(t->resilient, RL * sizeof *t->resilient)
						 : NULL;
		b->stab_kept = worker_dup(t->kept_runs, chans * sizeof *t->kept_runs);
		b->stab_rect = worker_dup(t->rectified_runs, G * sizeof *t->rectified_runs);
		b->stab_off = worker_dup(t->kept_off, G * sizeof *t->kept_off);
		if ((t->density && !b->stab_density) || (t->resilient && !b->stab_resilient) ||
		    !b->stab_kept || !b->stab_rect || !b->stab_off)
			goto oom;
		char key[WORKER_KEY_MAX];
		worker_stability_key(w, key, sizeof key);
		s->stability = *t;
		s->stability.density = b->stab_density;
		s->stability.resilient = b->stab_resilient;
		s->stability.kept_runs = b->stab_kept;
		s->stability.rectified_runs = b->stab_rect;
		s->stability.kept_off = b->stab_off;
		s->stability_valid = true;
		s->stability_stale = strcmp(key, w->stab_key) != 0;
	}
	if (w->probe) {
		size_t cells = (size_t)m->groups.n_groups * GROUP_PROBE_N;
		b->probe = worker_dup(w->probe, cells * sizeof *w->probe);
		if (!b->probe)
			goto oom;
		char key[WORKER_KEY_MAX];
		worker_probe_key(w, key, sizeof key);
		s->probe = b->probe;
		s->probe_valid = true;
		s->probe_stale = strcmp(key, w->probe_key) != 0;
		for (size_t i = 0; i < cells; i++) {
			if (w->probe[i] == -1.0)
				continue;
			s->probe_total++;
			s->probe_done += !isnan(w->probe[i]);
		}
	}
	/* A finished job whose results no longer match shows as STALE. */
	for (int j = 0; j < WORKER_JOB_COUNT; j++) {
		if (s->job[j].state != WORKER_STATE_DONE)
			continue;
		char key[WORKER_KEY_MAX * 2];
		worker_state_key(w, (enum worker_job)j, key, sizeof key);
		if (strcmp(key, w->state_key[j]) != 0)
			s->job[j].state = WORKER_STATE_STALE;
	}
	return s;
oom:
	worker_snapshot_release(&b->s);
	return NULL;
}

/* Install under mu: number it, add the queue view, swap, wake the UI. */
static void worker_install_locked(struct worker *w, struct worker_snapshot *s)
{
	s->generation = ++w->generation;
	bool busy = false;
	for (int j = 0; j < WORKER_JOB_COUNT; j++) {
		if (j == w->running) {
			busy = true;
			continue;
		}
		if (worker_job_due_locked(w, j)) {
			s->job[j].state = WORKER_STATE_QUEUED;
			s->job[j].request = w->ctl[j].want;
			busy = true;
		}
	}
	s->busy = busy || w->model_dirty || w->settings_dirty || w->plan_dirty;
	struct worker_snapshot *old = w->latest;
	w->latest = s;
	if (old)
		worker_snapshot_release(old);
	uint64_t one = 1;
	ssize_t r = write(w->wake_fd, &one, sizeof one);
	(void)r; /* EAGAIN: the counter is saturated, the UI is awake anyway */
}

void worker_publish(struct worker *w)
{
	struct worker_snapshot *s = worker_snap_build(w);
	clock_gettime(CLOCK_MONOTONIC, &w->last_publish);
	if (!s)
		return; /* out of memory: the UI keeps the previous snapshot */
	pthread_mutex_lock(&w->mu);
	worker_install_locked(w, s);
	pthread_mutex_unlock(&w->mu);
}

const struct worker_snapshot *worker_snapshot_get(struct worker *w)
{
	pthread_mutex_lock(&w->mu);
	struct worker_snap_box *b = (struct worker_snap_box *)w->latest;
	atomic_fetch_add(&b->refs, 1);
	pthread_mutex_unlock(&w->mu);
	return &b->s;
}

int worker_wake_fd(const struct worker *w)
{
	return w->wake_fd;
}

void worker_wake_drain(struct worker *w)
{
	uint64_t v;
	ssize_t r = read(w->wake_fd, &v, sizeof v);
	(void)r;
}

void worker_progress(struct worker *w, const char *phase, long done, long total)
{
	if (w->cur_job < 0)
		return;
	struct worker_job_status *st = &w->st[w->cur_job];
	if (phase)
		snprintf(st->phase, sizeof st->phase, "%s", phase);
	st->done = done;
	st->total = total;
	if (worker_ms_since(&w->last_publish) >= WORKER_PUBLISH_MS)
		worker_publish(w);
}
