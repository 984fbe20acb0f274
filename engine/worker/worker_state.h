/* worker_state.h: what the worker's files share and nothing outside
 * engine/worker includes.  The public interface is worker/worker.h.
 *
 * The files, in the order they may call each other (no object calls back
 * up this list, which tests/circles.sh checks):
 *   worker_scheduler.c    the public API, the mailbox and the scheduler
 *                         thread; it calls everything below
 *   worker_job_export.c   the EXPORT job
 *   worker_job_grid.c     the GRID job
 *   worker_job_widths.c   the WIDTHS job
 *   worker_job_criteria.c the CRITERIA job
 *   worker_job_stability.c the STABILITY job
 *   worker_job_probe.c    the PROBE job
 *   worker_job_measure.c  the LATENCY and QUICKEVAL jobs
 *   worker_job_scores.c   the SCORES / AUTO job: the PSE entry, computed or
 *                         decoded from the cache
 *   worker_job.c          what the jobs share: the working net, cached
 *                         figures, the score progress hook
 *   worker_snapshot.c     building, publishing and refcounting snapshots,
 *                         progress, the warning ring, the wake fd
 *   worker_model.c        the immutable model and its pure projection
 *   worker_keys.c         the text keys results are compared and cached
 *                         under; job and variant names
 *   worker_settings.c     settings defaults, checks, the Reconvene mapping
 *
 * Two sides share struct worker:
 *  - the mailbox (everything under mu): the latest model, settings and plan
 *    the UI set, request / done ids per job kind, the running job, the abort
 *    flags, the latest published snapshot and the idle flag;
 *  - worker-thread state (no lock; only the worker thread touches it after
 *    worker_new): the working net, the results with the cache key each was
 *    computed for, job statuses, warnings.
 * A result is "stale" when its key differs from the key the current state
 * gives, so invalidation is a string compare at publish time and nothing
 * has to be cleared by hand when a setting changes.  Auto jobs run when the
 * state key of a job differs from the one its last run started with.
 *
 * Ownership.  struct worker owns everything it points to except data
 * (borrowed) and the models and snapshots it holds references to (released
 * once each).  A struct worker_pse belongs to whoever holds the pointer
 * (worker_pse_free); struct worker_export_args owns its plan and dir
 * (worker_export_args_done).
 *
 * Thread rules.  Functions named *_locked are called with mu held.  The
 * jobs, worker_publish, worker_progress, worker_warn and the key builders
 * run on the worker thread only (they read worker-thread state without the
 * lock); worker_snap_build also runs once in worker_new, before the thread
 * starts.
 */
#ifndef RECONVENE_WORKER_STATE_H
#define RECONVENE_WORKER_STATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/cancel.h"
#include "base/status.h"
#include "output/render.h"
#include "prune/criteria_compare.h"
#include "prune/plan.h"
#include "prune/width_staircase.h"
#include "train/quickeval.h"
#include "worker/cache.h"
#include "worker/worker.h"

#define WORKER_KEY_MAX 1024

/* PaI results for one key (the SCORES entry; worker_job_scores.c). */
struct worker_pse {
	char key[WORKER_KEY_MAX];
	int n_layers, n_groups;
	size_t n_params;
	uint8_t *mask;       /* n_params */
	size_t *kept;        /* n_layers */
	double *density;     /* n_layers */
	int *chan_n;         /* n_layers */
	size_t *chan_off;    /* n_layers */
	float *chan;         /* chan_len */
	size_t chan_len;
	float **imp;         /* n_groups (NULL entries), views into imp_flat */
	float *imp_flat;
	size_t imp_len;
	bool cached;
	enum score_method method; /* what the key says, for the snapshot */
	double sparsity;
	uint64_t seed;
};

/* What an export writes: taken from the mailbox when the job starts. */
struct worker_export_args {
	struct prune_plan plan;  /* owned */
	char *dir;               /* owned */
	struct render_style style;
};

struct worker_job_ctl {
	uint64_t want;       /* latest request id (mailbox) */
	uint64_t done;       /* request id that no longer needs a run */
	bool requeue;        /* aborted by an edit: run again for the want */
	bool preempted;      /* an auto run aborted for a request: auto again */
};

struct worker {
	struct worker_config cfg;
	char *cache_dir;
	const struct data_split *data;
	int threads;

	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;       /* to the worker: something changed */
	pthread_cond_t idle_cv;  /* to waiters: the worker went idle */
	int wake_fd;

	/* --- mailbox, under mu --- */
	bool quit;
	const struct worker_model *pend_model; /* a reference, or NULL */
	bool model_dirty;
	uint64_t pend_model_plan_seq;
	struct worker_settings pend_settings;
	bool settings_dirty;
	struct prune_plan pend_plan;
	uint64_t pend_plan_seq;
	bool plan_dirty;
	uint64_t plan_seq_next;
	uint64_t req_next;
	struct worker_job_ctl ctl[WORKER_JOB_COUNT];
	struct worker_export_args pend_export; /* the latest worker_export */
	int pend_widths_group;   /* the latest worker_request_widths */
	int running;             /* job kind running, -1 */
	int running_variant;     /* variant running, -1 */
	bool running_auto;       /* the running job was started by auto_jobs */
	struct cancel abort[WORKER_JOB_COUNT]; /* requested under mu; polled
						* by the job without it */
	bool idle;
	struct timespec last_cmd;
	struct worker_snapshot *latest; /* a reference (worker_snapshot.c) */
	uint64_t generation;
	const struct worker_model *ui_model; /* the model the UI last set */
	struct worker_settings ui_settings;  /* for min_keep and diffs */

	/* --- worker-thread state --- */
	struct cache *cache;
	const struct worker_model *model;
	struct net *net;         /* working net, built from model->spec */
	bool net_ready;          /* holds net_init(net_seed) */
	uint64_t net_seed;
	struct worker_settings set;
	struct prune_plan plan;
	uint64_t plan_seq;
	struct worker_projection proj;
	struct worker_pse *pse;
	struct worker_export_args export; /* the running export's arguments */
	struct worker_job_status st[WORKER_JOB_COUNT];
	char state_key[WORKER_JOB_COUNT][WORKER_KEY_MAX * 2]; /* last run's */
	struct worker_latency lat[WORKER_VARIANT_COUNT];
	char lat_key[WORKER_VARIANT_COUNT][WORKER_KEY_MAX];
	struct worker_eval ev[WORKER_VARIANT_COUNT];
	char ev_key[WORKER_VARIANT_COUNT][WORKER_KEY_MAX];
	double *grid;
	char grid_key[WORKER_KEY_MAX];
	bool grid_cached;
	int widths_group;        /* the WIDTHS job's group (taken at its start) */
	struct width_staircase widths; /* its latest result (pts NULL: none) */
	bool widths_cached;
	struct criteria_compare crit; /* CRITERIA's latest (n_layers 0: none) */
	char crit_key[WORKER_KEY_MAX];
	struct stability stab;   /* STABILITY's latest (n_runs 0: none) */
	char stab_key[WORKER_KEY_MAX];
	double *probe;           /* PROBE's n_groups x GROUP_PROBE_N cells
				  * (-1 not probed, NaN not yet), or NULL */
	char probe_key[WORKER_KEY_MAX]; /* the key probe was started for */
	int cur_job;             /* running job (worker side), -1 */
	struct timespec last_publish;
	unsigned long warn_total;
	char warnings[WORKER_WARN_KEEP][ENG_ERR_MAX];
};

/* --- tiny helpers, inline so that no file depends on another for them --- */

/* Milliseconds since t (CLOCK_MONOTONIC): the publish rate limit, the
 * settle time of auto jobs, a job's wall time. */
static inline double worker_ms_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - t->tv_nsec) / 1e6;
}

/* Job j was asked for and not yet run (under mu): the scheduler's pick,
 * the snapshot's QUEUED view, quick-eval's yield point. */
static inline bool worker_job_due_locked(const struct worker *w, int j)
{
	return w->ctl[j].want > w->ctl[j].done;
}

/* Job j's abort flag, polled by the running job without the lock. */
static inline bool worker_aborted(const struct worker *w, int j)
{
	return cancel_requested(&w->abort[j]);
}

/* --- worker_settings.c: worker_new and worker_set_settings check --------
 * settings with the first; worker_set_settings cancels by the second. */

/* EINVAL (one line in err) for a value out of range. */
enum eng_status worker_settings_check(const struct worker_settings *s,
				      struct eng_err *err);
/* WORKER_JOB_BIT set of the jobs whose results a change from a to b
 * invalidates. */
unsigned worker_settings_deps(const struct worker_settings *a,
			      const struct worker_settings *b);

/* --- worker_model.c: worker_set_model builds the model there, so that the
 * model's box and refcount stay private to worker_model.c. */

/* A new model with one reference for the caller (*out), or EINVAL when
 * the spec does not build (or init was not built from it), ENOMEM.  init:
 * initial weights to copy, or NULL. */
enum eng_status worker_model_new(const struct net_spec *spec,
				 const struct net *init,
				 const struct worker_model **out,
				 struct eng_err *err);

/* --- worker_keys.c: the snapshot marks stale results, the scheduler picks
 * auto jobs and the jobs look up the cache, all by the same keys. */

/* The SCORES entry's key for the current model and settings. */
void worker_pse_key(const struct worker *w, char *buf, size_t n);
/* The sensitivity grid's key. */
void worker_grid_key(const struct worker *w, char *buf, size_t n);
/* The criteria comparison's key. */
void worker_criteria_key(const struct worker *w, char *buf, size_t n);
/* The stability entry's key. */
void worker_stability_key(const struct worker *w, char *buf, size_t n);
/* The group probe's key (each cell's cache key adds group and ratio). */
void worker_probe_key(const struct worker *w, char *buf, size_t n);
/* The key of variant v of job j (LATENCY or QUICKEVAL). */
void worker_variant_key(const struct worker *w, enum worker_job j,
			enum worker_variant v, char *buf, size_t n);
/* Whether job j (LATENCY or QUICKEVAL) measures variant v. */
bool worker_variant_used(enum worker_job j, enum worker_variant v);
/* The key a job's next run would have: auto jobs run when it changed
 * (buf needs WORKER_KEY_MAX * 2). */
void worker_state_key(const struct worker *w, enum worker_job j,
		      char *buf, size_t n);

/* --- worker_snapshot.c: the scheduler and every job publish and report
 * progress and warnings; worker_new builds the first snapshot and gives
 * the cache the warning ring as its sink. */

/* A snapshot of the worker-thread state with one reference (generation 0,
 * not installed), or NULL when out of memory. */
struct worker_snapshot *worker_snap_build(struct worker *w);
/* Build a snapshot and install it as the latest (takes mu); wakes the UI. */
void worker_publish(struct worker *w);
/* Progress of the running job (phase NULL: keep it); publishes when the
 * last publish is at least WORKER_PUBLISH_MS (50 ms) old. */
void worker_progress(struct worker *w, const char *phase, long done, long total);
/* The warning ring as an eng_warn callback (user is the worker). */
void worker_warn_keep(void *user, const char *line);
/* One formatted line into the warning ring. */
void worker_warn(struct worker *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* --- worker_job.c: shared by the jobs below. */

/* Make w->net the working net of the model, initialised with the
 * settings' seed (built on first use, re-initialised on a seed change). */
enum eng_status worker_net_ready(struct worker *w, struct eng_err *err);
/* Cached figures (arrays of doubles; see worker_job.c).  get: a hit is
 * exactly n doubles that valid accepts; anything else is a miss with one
 * warning ("cache: <what> entry is malformed; <then>"). */
bool worker_figures_get(struct worker *w, const char *key, double *out,
			size_t n, bool (*valid)(const double *d, size_t n),
			const char *what, const char *then);
void worker_figures_put(struct worker *w, const char *key, const double *d,
			size_t n);
/* A score_progress_fn (also reconvene's) that reports to worker_progress. */
void worker_score_progress(int done, int total, void *user);
/* Between two long steps of job j (quick-eval variants, probe cells):
 * true when a command waits in the mailbox or a job before j is due (for
 * PROBE, which runs last: any other job due, or an auto job with work to
 * do); the
 * job is then marked to run again (requeue, preempted) and should return
 * ENG_STATUS_ABORTED ("yielded"): it skips what it finished next time. */
bool worker_yield_point(struct worker *w, int j);
/* The settings' quick-eval budget as quickeval options (seed included;
 * no progress, no abort, init and mask left at the defaults). */
void worker_quickeval_options(const struct worker *w, struct quickeval_options *o);

/* --- the jobs: the scheduler (worker_scheduler.c) runs them from its table, with
 * w->cur_job set; each returns ENG_STATUS_ABORTED when cancelled. */

/* worker_job_scores.c: SCORES and AUTO.  worker_pse_ensure is also what
 * the latency and quick-eval jobs start their PAI and PLAN variants with;
 * worker_scheduler.c frees the entry when the model changes. */
enum eng_status worker_job_scores(struct worker *w, struct eng_err *err);
enum eng_status worker_pse_ensure(struct worker *w, struct eng_err *err);
void worker_pse_free(struct worker_pse *p);

/* worker_job_measure.c: LATENCY and QUICKEVAL. */
enum eng_status worker_job_latency(struct worker *w, struct eng_err *err);
enum eng_status worker_job_quickeval(struct worker *w, struct eng_err *err);

/* worker_job_grid.c: GRID. */
enum eng_status worker_job_grid(struct worker *w, struct eng_err *err);

/* worker_job_stability.c: STABILITY. */
enum eng_status worker_job_stability(struct worker *w, struct eng_err *err);

/* worker_job_probe.c: PROBE. */
enum eng_status worker_job_probe(struct worker *w, struct eng_err *err);

/* worker_job_criteria.c: CRITERIA. */
enum eng_status worker_job_criteria(struct worker *w, struct eng_err *err);

/* worker_job_widths.c: WIDTHS. */
enum eng_status worker_job_widths(struct worker *w, struct eng_err *err);

/* worker_job_export.c: EXPORT.  worker_scheduler.c hands the arguments over (and
 * frees the pending ones) with worker_export_args_done. */
enum eng_status worker_job_export(struct worker *w, struct eng_err *err);
void worker_export_args_done(struct worker_export_args *x);

#endif
