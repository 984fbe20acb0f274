/* worker.h: the projection engine behind the explorer: one background
 * engine thread, commands in, immutable snapshots out.
 *
 * What it owns.  struct worker owns its thread, a coalescing command
 * mailbox (mutex + condition variable), the working net it scores and
 * trains, every job result, the result cache (cache.h) and the wake fd.
 * struct worker_model (one per worker_set_model) and struct
 * worker_snapshot (one per publish) are IMMUTABLE and refcounted: whoever
 * got one from a worker_* call releases it exactly once
 * (worker_model_release, worker_snapshot_release); they stay valid after
 * worker_free until released.  The dataset passed to worker_new is
 * BORROWED for the worker's whole life (read only, from the worker thread).
 *
 * Commands.  The caller (the UI thread) sets state: the model
 * (worker_set_model), the settings (worker_set_settings), the plan
 * (worker_set_plan), and asks for jobs (worker_request).  Each setter copies
 * its argument and returns at once; the mailbox keeps only the LATEST value
 * of each kind (1000 plan edits in a row cost one projection), and a change
 * cancels every queued or running job that depends on what changed
 * (cooperative cancel: the engine calls poll their abort flag between
 * layers, SynFlow iterations and batches, so a cancel lands within one of
 * those; see "Abort flags" below).
 * A newer request of a job kind supersedes the queued or running one.  A
 * request also interrupts a LATENCY or QUICKEVAL run that the worker
 * started on its own (auto_jobs), which runs again afterwards and keeps
 * the variants it had finished: what the user asked for never waits
 * behind a long measurement.  A quick-eval also gives way between two
 * variants when a command waits in the mailbox or an earlier job is due,
 * so its next variant trains on the newest plan and a fresh latency does
 * not wait for the remaining variants.
 *
 * Jobs (enum worker_job; the worker runs one at a time, in this order of
 * priority when several are due):
 *   SCORES     PaI scores, global mask at the settings' sparsity, per-layer
 *              density and kept counts, per-output-channel scores (the
 *              heatmap), resilient layers at tau (or k), and the automatic
 *              Reconvene plan.  Keyed by (model, seed, method, sparsity,
 *              synflow iterations, samples per class, dataset).  A tau / k /
 *              min_keep change re-derives resilient and the automatic plan
 *              without rescoring.
 *   AUTO       SCORES if not done yet, then the automatic plan is in
 *              snapshot->scores.auto_plan; job[AUTO] turning DONE with your
 *              request id tells the UI to adopt it (it is not applied).
 *   LATENCY    batch-1 inference, warm-up then the median of the timed runs
 *              with its spread, for WORKER_VARIANT_DENSE (original net),
 *              PAI (unstructured PaI net, dense kernels), PAI_CSR (the same
 *              net through the CSR sparse conv kernel) and PLAN (the plan's
 *              compacted Reconvene net: changed layers dense, other layers
 *              keep their mask, dense kernels).
 *   QUICKEVAL  quick-eval accuracy (quickeval.h, the settings' budget) for
 *              DENSE, PAI (PaI mask) and PLAN (the Reconvene net of the
 *              plan); PAI_CSR is not used (same net as PAI).
 *   GRID       the sensitivity chart: density of every layer at each of the
 *              WORKER_GRID_N sparsities worker_grid_sparsity[]
 *              (score_sensitivity_grid, as `reconvene heatmap --view
 *              sparsity` draws it).
 *   WIDTHS     (worker_request_widths only, never an auto job) the
 *              width-latency staircase of one channel group
 *              (prune/width_staircase.h): the group's conv / linear layers
 *              timed alone at each width of width_ladder, with the same
 *              protocol and cache entry as `reconvene bench --widths`
 *              (worker/width_cache.h).  Depends on the model, the thread
 *              count and the BLAS kernels only, so settings and plan edits
 *              never cancel it.
 *   CRITERIA   the five PaI criteria side by side (prune/criteria_compare.h,
 *              as `reconvene score --compare`): every method's density and
 *              resilient flag per layer at the settings' sparsity, tau and
 *              k, and the Kendall tau of each layer's channel scores
 *              between every pair of methods.  Needs a dataset (SNIP,
 *              GraSP).  Keyed by model, seed, sparsity, SynFlow iterations,
 *              samples, tau, k, residual and dataset.
 *   STABILITY  the plan's dependence on chance (prune/stability.h, as
 *              `reconvene score --stability WORKER_STABILITY_RUNS`): each
 *              layer's resilient runs over that many initialisations and
 *              each channel's kept runs over that many scorings of the
 *              model's weights.  Keyed like CRITERIA plus the method and
 *              min_keep.
 *   PROBE      (a request, never an auto job) the group probe
 *              (prune/group_probe.h): for every prunable group, the
 *              quick-eval accuracy (the settings' budget) of the model with
 *              that group alone pruned to each of GROUP_PROBE_N ratios and
 *              every other layer dense, the channels chosen by the PaI
 *              scores' group importance.  Each cell is cached on its own
 *              (keyed by the SCORES key, the budget, min_keep, the dataset,
 *              the group and the ratio), so a cancelled or yielded probe
 *              resumes where it stopped.  It runs for minutes, so it is
 *              a background request: it starts only when no other job is
 *              asked for and no auto job has work, and between two cells
 *              it gives way to news in the mailbox, to any other request
 *              and to auto jobs.  Needs a dataset.
 *   EXPORT     (worker_export only, never an auto job) the pruned bundle of
 *              the plan given to worker_export, at the current settings:
 *              exactly what `reconvene prune --plan P --out DIR` writes with
 *              bundle_save (DIR/model.cfg, DIR/model.safetensors with
 *              masks, DIR/plan.json) plus DIR/heatmap.png
 *              (heatmap_channels_png).  It re-scores a freshly initialised
 *              net, so it is cancellable (worker_cancel, a model change,
 *              worker_free) like every other job, with progress in its
 *              status; on DONE, job[EXPORT].msg holds the one-line result.
 * Variants that only depend on part of the key are cached separately: a
 * plan edit re-measures only the PLAN variant; DENSE comes from the cache.
 * Needs a dataset: SNIP / GraSP scoring and QUICKEVAL (FAILED with a
 * message otherwise).
 *
 * Plan projection (analytic, IMMEDIATE).  worker_model_project is a pure
 * function of an immutable model, a plan and the PaI kept counts; it runs on
 * the caller's thread in well under a millisecond (vgg16: see
 * docs/worker.md), allocates one small buffer, takes no lock and runs no
 * BLAS.  The UI calls it on every edit and draws the numbers in the same
 * frame; the worker also publishes the same projection for the latest plan
 * (snapshot->proj, tagged with plan_seq), which is what the tests compare.
 *
 * Snapshots.  Every publish makes a new snapshot with generation one higher
 * than the last (copy-on-publish: the worker never writes a published
 * snapshot).  worker_snapshot_get takes a reference under a short lock;
 * the UI draws from it and releases it.  Progress (phase, done, total) is a
 * field of each job's status; progress publishes are rate-limited (about
 * every 50 ms) so that copying stays cheap.
 *
 * Wake-up.  worker_wake_fd is an eventfd (non-blocking, close-on-exec) that
 * becomes readable when a snapshot is published: put it in the UI's poll()
 * set with POLLIN; after it fires, call worker_wake_drain and then
 * worker_snapshot_get.  Several publishes may collapse into one wake-up;
 * always take the latest snapshot.  Never close the fd yourself.
 *
 * Cores.  OpenBLAS's thread count is process-wide; the worker thread sets
 * it (openblas_set_num_threads) and its own OpenMP team size to
 * cfg->threads when it starts (0 = every online CPU: 2 on the reference
 * machine), and all engine work (scoring, training, latency runs) happens on
 * the worker thread.  The UI thread must not call BLAS or OpenMP engine code
 * while a worker exists: it only draws, and worker_model_project is
 * BLAS-free.  A UI that sleeps in poll() costs nothing; if it must stay
 * perfectly smooth while training runs, set threads = cores - 1.  Latency
 * figures are measured at this thread count (it is part of their cache key).
 *
 * Abort flags.  Every engine call a job makes (score.h, reconvene.h,
 * latency.h, sparse.h, train.h, quickeval.h) takes the engine's one
 * cancellation type, a `const struct cancel *` (base/cancel.h, an
 * atomic_int).  The worker keeps one struct cancel per job kind: the UI
 * thread requests it under the worker's mutex to cancel, the worker thread
 * clears it (also under the mutex) before the job starts and after it ends,
 * and the running job polls it without the lock.  No plain or volatile
 * flag is shared between the threads, so ThreadSanitizer has nothing to
 * report here.
 *
 * Caching: the SCORES entry (kept counts, channel scores, group importance
 * and the mask as a bitmap) and every latency, quick-eval and grid figure
 * go to the cache (cache.h) in memory and on disk under the key of what
 * they depend on: model (name, input, classes, spec hash), seed, method,
 * sparsity, SynFlow iterations, dataset (when it matters), plan hash and
 * min_keep (PLAN variants), budget (quick-eval), thread count and runs
 * (latency).  Raw per-weight scores are never stored.
 *
 * Warnings.  The engine never prints: cache problems (a corrupt or foreign
 * entry, an unwritable cache directory) and job failures are reported as
 * lines in the snapshot (warnings[], warn_total), newest last.  That ring
 * is the worker's struct eng_warn sink (base/warn.h): the cache reports
 * into it like every other engine warning source.
 *
 * Thread rules.  Every worker_* function except the pure ones
 * (worker_model_project, worker_settings_default, worker_job_name,
 * worker_variant_name, worker_*_release) must be called from ONE thread, the
 * one that called worker_new (the UI thread).  worker_snapshot_release and
 * worker_model_release may be called from any thread.
 *
 * Example (the explorer):
 *   struct worker_config cfg;
 *   worker_config_default(&cfg);
 *   cfg.auto_jobs = WORKER_JOB_BIT(WORKER_JOB_SCORES) |
 *                   WORKER_JOB_BIT(WORKER_JOB_LATENCY) |
 *                   WORKER_JOB_BIT(WORKER_JOB_QUICKEVAL);
 *   struct worker *w;
 *   if (worker_new(&cfg, &ds, &w, &err)) ...;          // ds may be NULL
 *   const struct worker_model *m;
 *   if (worker_set_model(w, &spec, &m, &err)) ...;     // sync, cheap
 *   struct prune_plan plan;
 *   plan_init(&plan, &m->groups);
 *   worker_set_settings(w, &settings);
 *   loop:
 *     poll({stdin, worker_wake_fd(w)}, ...);
 *     on an edit:  plan_set_keep(&plan, g, k);
 *                  worker_set_plan(w, &plan, &err);     // async measured jobs
 *                  const struct worker_snapshot *s = worker_snapshot_get(w);
 *                  worker_model_project(m, &plan,
 *                      s->model == m && s->scores.valid ? s->scores.kept : NULL,
 *                      &proj);                          // same frame
 *                  worker_snapshot_release(s);
 *     on a wake:   worker_wake_drain(w);
 *                  s = worker_snapshot_get(w); draw(s); worker_snapshot_release(s);
 *   worker_free(w);                                    // cancels, joins
 *   plan_done(&plan);
 *   worker_model_release(m);
 */
#ifndef RECONVENE_WORKER_H
#define RECONVENE_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/data.h"
#include "prune/groups.h"
#include "measure/metrics.h"
#include "nn/net.h"
#include "nn/net_spec.h"
#include "output/render.h"
#include "prune/plan.h"
#include "prune/criteria_compare.h"
#include "prune/reconvene.h"
#include "prune/group_probe.h"
#include "prune/stability.h"
#include "prune/width_staircase.h"
#include "score/score.h"
#include "score/sensitivity.h"
#include "base/status.h"

struct worker;

enum worker_job {
	WORKER_JOB_SCORES,
	WORKER_JOB_AUTO,
	WORKER_JOB_LATENCY,
	WORKER_JOB_QUICKEVAL,
	WORKER_JOB_GRID,
	WORKER_JOB_WIDTHS,
	WORKER_JOB_CRITERIA,
	WORKER_JOB_STABILITY,
	WORKER_JOB_PROBE,
	WORKER_JOB_EXPORT,
	WORKER_JOB_COUNT
};
#define WORKER_JOB_BIT(j) (1u << (j))

enum worker_job_state {
	WORKER_STATE_NONE,      /* never asked for (or reset by a model change) */
	WORKER_STATE_QUEUED,    /* asked for, waiting for the worker */
	WORKER_STATE_RUNNING,   /* phase / done / total say how far */
	WORKER_STATE_DONE,      /* results below are for the current state */
	WORKER_STATE_STALE,     /* results below are for an older state */
	WORKER_STATE_FAILED,    /* msg says why */
	WORKER_STATE_CANCELLED, /* superseded or cancelled before it finished */
};

/* What a latency or quick-eval figure was measured on. */
enum worker_variant {
	WORKER_VARIANT_DENSE,   /* the original net, no pruning */
	WORKER_VARIANT_PAI,     /* unstructured PaI mask, dense kernels */
	WORKER_VARIANT_PAI_CSR, /* the same, CSR sparse conv kernel (latency) */
	WORKER_VARIANT_PLAN,    /* the plan's compacted Reconvene net */
	WORKER_VARIANT_COUNT
};

/* The sensitivity chart's sparsities: score/sensitivity.h's ladder,
 * 1 - 2^-j, j = 1 .. 8. */
#define WORKER_GRID_N SCORE_SENS_N
extern const double *const worker_grid_sparsity;

#define WORKER_PHASE_MAX 48
#define WORKER_STABILITY_RUNS 5
#define WORKER_WARN_KEEP 8

struct worker_config {
	int threads;          /* OpenBLAS + OpenMP threads of the worker
			       * (0 = online CPUs) */
	const char *cache_dir;/* the disk cache's directory (copied; the front
			       * end resolves it, tui/paths/xdg_dir.h);
			       * NULL: memory only, with a warning when
			       * disk_cache is set */
	bool disk_cache;      /* false: memory cache only (tests, --no-cache) */
	unsigned auto_jobs;   /* WORKER_JOB_BIT set: re-run that job after
			       * every change it depends on */
	int settle_ms;        /* an auto job waits this long after the last
			       * command (typing ahead does not restart it
			       * every key); default 150 */
};

/* threads 0, no cache dir, disk cache on, no auto jobs, settle 150. */
void worker_config_default(struct worker_config *cfg);

/* Quick-eval budget (quickeval.h options; seed and mask come from the
 * settings and the variant). */
struct worker_budget {
	long steps;
	int batch;
	int train_n;
	int test_n;
	float lr;
};

struct worker_settings {
	enum score_method method;   /* default synflow */
	double sparsity;            /* PaI target in [0, 1), default 0.9 */
	uint64_t seed;              /* init, random scores, RLR, training */
	double tau;                 /* resilient threshold, default 0.2 */
	int k;                      /* > 0: the k sparsest instead of tau */
	int min_keep;               /* collapse guard, default 1 */
	int align;                  /* > 1: the automatic plan keeps multiples */
	enum reconvene_width width; /* the automatic plan's width rule (default
				     * sqrt; budget is refused: it builds
				     * models to measure them) */
	bool keep_init;             /* the plan's model keeps the initial
				     * weights of kept channels instead of
				     * re-initialising its shrunk layers
				     * (default no: RLR) */
	int synflow_iterations;     /* default 100 */
	int samples_per_class;      /* SNIP / GraSP batch, default 10 */
	struct worker_budget budget;/* default: quickeval_options_default's */
	int latency_runs;           /* at least this many timed runs per
				     * variant (default 10); each variant
				     * also times >= 40 ms and stops at 250 ms
				     * of wall time (latency.h protocol) */
};

/* Reconvene's defaults (reconvene.h) and the quick-eval defaults. */
void worker_settings_default(struct worker_settings *s);
/* The one mapping between the settings and Reconvene's options, both
 * ways: method, sparsity, seed, tau, k, min_keep, align, width,
 * keep_init, synflow_iterations and samples_per_class.  to: o is reconvene_options_init'ed first (no
 * progress, no abort, masked sensitive layers, no residual groups).
 * from: the other fields of s (budget, latency runs) are left alone. */
void worker_settings_to_reconvene(const struct worker_settings *s,
				  struct reconvene_options *o);
void worker_settings_from_reconvene(const struct reconvene_options *o,
				    struct worker_settings *s);

/* One loaded model, shared read-only by the UI and the worker. */
struct worker_model {
	uint64_t id;                /* unique per worker_set_model call */
	char key[160];              /* cache identity: name, input, classes,
				     * spec hash (and weights hash, below) */
	struct net_spec spec;       /* owned copy */
	struct net *net;            /* owned SHAPE-ONLY net: layers, names,
				     * shapes, w_len/b_len are set; params,
				     * grads, state are NULL and it is never
				     * prepared.  Use only functions that read
				     * shapes (net_find, net_macs,
				     * net_param_count, metrics_from_nnz,
				     * groups_build, score_layer_is_prunable,
				     * reconvene_layer_eligible, plan_validate). */
	struct group_set groups;    /* owned: of net */
	struct metrics dense;       /* analytic, no pruning */
	size_t prunable;            /* score_prunable_count */
	const float *init_params;   /* owned: the initial weights the model
				     * came with (an imported ONNX file's),
				     * net->n_params of them, or NULL: every
				     * job starts from net_init(seed) */
	const float *init_state;    /* owned: their BN statistics, n_state */
};

/* Analytic numbers for one plan (worker_model_project). */
struct worker_projection {
	struct metrics dense;       /* the original net */
	struct metrics pai;         /* original net under the PaI mask (= dense
				     * when no kept counts were given) */
	struct metrics plan;        /* the plan's compacted net: layers of a
				     * changed group dense, every other conv /
				     * linear keeps its PaI kept count */
	int changed_groups;         /* groups that lose channels */
	uint64_t plan_hash;         /* plan_hash(plan) */
};

struct worker_job_status {
	enum worker_job_state state;
	uint64_t request;           /* id of the request this state is for
				     * (worker_request's return; auto jobs
				     * get ids too) */
	char phase[WORKER_PHASE_MAX]; /* "scoring", "latency: plan", ... */
	long done, total;           /* progress within the phase's job */
	double seconds;             /* wall time of the last finished run */
	char msg[ENG_ERR_MAX];      /* FAILED: one line; EXPORT DONE: what
				     * was written */
};

struct worker_latency {
	bool valid;                 /* a figure is present */
	bool stale;                 /* measured for an older state */
	bool cached;                /* from the cache, not measured now */
	double median_ms;           /* batch 1 */
	double p10_ms, p90_ms;      /* spread: 10th and 90th percentile */
	int runs;                   /* timed runs */
};

struct worker_eval {
	bool valid, stale, cached;
	float accuracy;             /* top-1 on the test subset */
	float ci_lo, ci_hi;         /* 95 % Wilson interval */
	float loss;                 /* mean test cross-entropy */
	long steps;
	double seconds;
};

/* PaI results of the current (or, when stale, the previous) settings.
 * Arrays have model->net->n_layers entries unless said otherwise and live in
 * the snapshot. */
struct worker_scores {
	bool valid, stale, cached;
	enum score_method method;   /* what they were computed with */
	double sparsity;
	uint64_t seed;
	const double *density;      /* kept fraction, -1 for layers without
				     * prunable weights */
	const size_t *kept;         /* kept weights (0 if none) */
	const bool *resilient;      /* at the snapshot's tau / k */
	const int *chan_n;          /* channel scores of layer i: chan_n[i]
				     * floats (0 = none) from chan + chan_off[i] */
	const size_t *chan_off;
	const float *chan;          /* score_channel_scores, per layer */
	const float *const *group_importance; /* model->groups.n_groups entries:
				     * NULL (group cannot be pruned) or its
				     * channels floats, the sum of its
				     * producers' channel scores
				     * (reconvene_importance): what every plan
				     * of these scores keeps channels by; ask
				     * plan_group_kept with it */
	struct prune_plan auto_plan;/* Reconvene's automatic plan (n_groups 0
				     * when not valid) */
};

/* The latest WIDTHS result (worker_request_widths). */
struct worker_widths {
	bool valid;                 /* stair holds a staircase */
	bool cached;                /* from the cache, not measured now */
	struct width_staircase stair; /* group, channels, points: the points
				     * live in the snapshot */
};

struct worker_snapshot {
	uint64_t generation;        /* strictly increasing per publish */
	const struct worker_model *model; /* NULL before worker_set_model */
	struct worker_settings settings;  /* the latest the worker has taken */
	uint64_t plan_seq;          /* sequence number of the worker_set_plan
				     * (or worker_set_model: keep-everything
				     * plan) the plan and projection below
				     * reflect; 0 before any model */
	struct prune_plan plan;     /* that plan (copy) */
	struct worker_projection proj;    /* for that plan */
	bool busy;                  /* a job is queued or running */
	struct worker_job_status job[WORKER_JOB_COUNT];
	struct worker_scores scores;
	struct worker_latency latency[WORKER_VARIANT_COUNT];
	struct worker_eval eval[WORKER_VARIANT_COUNT]; /* PAI_CSR unused */
	bool grid_valid, grid_stale;
	const double *grid;         /* n_layers x WORKER_GRID_N densities
				     * (row = layer), NULL when never run */
	struct worker_widths widths; /* for the snapshot's model */
	bool stability_valid, stability_stale;
	struct stability stability; /* STABILITY's result: its arrays live in
				     * the snapshot (n_runs 0: never run) */
	bool criteria_valid, criteria_stale;
	struct criteria_compare criteria; /* CRITERIA's result: its arrays live
				     * in the snapshot (n_layers 0: never run) */
	bool probe_valid, probe_stale; /* probe present (maybe partial); for
				     * older settings */
	const double *probe;        /* PROBE's result: model->groups.n_groups x
				     * GROUP_PROBE_N quick-eval accuracies
				     * (row = group, column = ratio), -1 for a
				     * group that is not probed, NaN for a cell
				     * not measured yet; NULL when never run */
	int probe_done, probe_total;/* cells measured / to measure */
	unsigned long warn_total;   /* warnings ever reported */
	int n_warnings;             /* the last min(warn_total, KEEP) lines */
	char warnings[WORKER_WARN_KEEP][ENG_ERR_MAX]; /* oldest first */
};

/* Start the worker thread.  data may be NULL (no quick-eval, no SNIP or
 * GraSP); it is borrowed until worker_free.  EINVAL for a bad config,
 * ENOMEM, EIO (thread or eventfd creation failed).  A cache directory
 * that cannot be created is not an error: a warning, memory cache only. */
enum eng_status worker_new(const struct worker_config *cfg,
			   const struct data_split *data, struct worker **out,
			   struct eng_err *err);
/* Cancel every job, join the thread, free everything the worker owns.
 * Snapshots and models still held stay valid until released.  NULL ok. */
void worker_free(struct worker *w);

/* Load a model: copies spec, builds the shape-only net, its groups and the
 * dense metrics on the CALLER's thread (cheap: no weights are touched),
 * cancels every job, resets results and the plan (keep everything), and
 * hands the model to the worker.  *out (may be NULL) gets a reference for
 * the caller.  EINVAL when the spec does not build. */
enum eng_status worker_set_model(struct worker *w, const struct net_spec *spec,
				 const struct worker_model **out,
				 struct eng_err *err);
/* The same for a model that comes with its own initial weights: init, a
 * net built from spec, whose params and state are copied (NULL: as
 * worker_set_model).  Jobs then start from these instead of
 * net_init(seed) (the seed still draws what Reconvene re-initialises),
 * and the weights' hash is part of the model's cache key. */
enum eng_status worker_set_model_weights(struct worker *w,
					 const struct net_spec *spec,
					 const struct net *init,
					 const struct worker_model **out,
					 struct eng_err *err);
/* A net built from m->spec at the model's initial weights: net_init(net,
 * seed), then the model's own weights when it has them. */
void worker_model_init_net(const struct worker_model *m, struct net *net,
			   uint64_t seed);

/* New settings (copied).  Cancels and marks stale what depends on the
 * changed fields.  EINVAL (nothing changed) for out-of-range values. */
enum eng_status worker_set_settings(struct worker *w,
				    const struct worker_settings *s,
				    struct eng_err *err);

/* New plan for the current model (copied; validated against its groups
 * with the settings' min_keep).  Returns the edit's sequence number (> 0)
 * in *seq (may be NULL); the snapshot whose plan_seq equals it has the
 * plan's projection.  Cancels the PLAN variants of running latency and
 * quick-eval jobs.  EINVAL (ignored) for an invalid plan or no model. */
enum eng_status worker_set_plan(struct worker *w, const struct prune_plan *plan,
				uint64_t *seq, struct eng_err *err);

/* Ask for a job on the current state; returns its request id (> 0), which
 * job[j].request echoes.  Supersedes a queued or running job j.  Not for
 * EXPORT, which needs its arguments (worker_export). */
uint64_t worker_request(struct worker *w, enum worker_job j);
/* Ask for an export (the EXPORT job) of plan (copied; validated against
 * the current model with the settings' min_keep) into the directory dir
 * (copied; created if missing), its heatmap.png drawn with style (copied;
 * NULL: render_style_default).  Returns the request id that job[EXPORT]
 * echoes, or 0 with err set (EINVAL: no model, an invalid plan, an empty
 * dir).  A newer export supersedes a queued or running one. */
uint64_t worker_export(struct worker *w, const struct prune_plan *plan,
		       const char *dir, const struct render_style *style,
		       struct eng_err *err);
/* Ask for the width-latency staircase of group g of the current model
 * (the WIDTHS job): snapshot->widths holds it when job[WIDTHS] turns DONE
 * with the returned request id.  A newer request supersedes a queued or
 * running one; a request for the group already in the snapshot finishes
 * at once.  Returns 0 with err set (EINVAL) when there is no model or g
 * is not a prunable group. */
uint64_t worker_request_widths(struct worker *w, int g, struct eng_err *err);
/* Cancel a queued or running job j (its state becomes CANCELLED). */
void worker_cancel(struct worker *w, enum worker_job j);

/* The latest snapshot (never NULL: an empty generation-0 one before the
 * first publish), with a reference for the caller. */
const struct worker_snapshot *worker_snapshot_get(struct worker *w);
void worker_snapshot_release(const struct worker_snapshot *s);
/* An extra reference (for a model obtained through a snapshot). */
const struct worker_model *worker_model_ref(const struct worker_model *m);
void worker_model_release(const struct worker_model *m);

/* Readable (POLLIN) after a publish; see the top of this file. */
int worker_wake_fd(const struct worker *w);
/* Reset the fd after it fired (non-blocking; harmless when not readable). */
void worker_wake_drain(struct worker *w);

/* Block until every command was taken and no job is queued or running (or
 * timeout_ms passed: returns false).  For batch use and tests; the UI never
 * calls it. */
bool worker_wait_idle(struct worker *w, int timeout_ms);

/* Analytic projection of plan on m (see the top of this file).  kept: the
 * PaI kept weights per layer (snapshot->scores.kept for the same model), or
 * NULL for an unmasked net.  plan must have m->groups.n_groups groups and
 * keep counts within [1, channels] (else EINVAL, *out zeroed).  ENOMEM. */
enum eng_status worker_model_project(const struct worker_model *m,
				     const struct prune_plan *plan,
				     const size_t *kept,
				     struct worker_projection *out);

/* "scores", "auto", "latency", "quickeval", "grid", "widths", "criteria",
 * "stability", "probe", "export". */
const char *worker_job_name(enum worker_job j);
/* "dense", "pai", "pai-csr", "plan". */
const char *worker_variant_name(enum worker_variant v);

#endif
