/* plan_log.h: every plan the explorer session has measured, with its
 * figures, as plain data: the history view's list, its Pareto scatter, the
 * saved session's "measured" records and the CSV / PNG export all read it.
 *
 * An entry is one plan (a keep count per group) under one analysis setting
 * (method, sparsity, tau, seed: together they decide the net the worker
 * measures).  It holds the projection's params, stored bytes and MACs, and
 * the worker's batch-1 latency and quick-eval accuracy once measured (NaN
 * until then).  plan_log_note adds an entry the first time a plan is seen
 * and afterwards only fills in figures that arrived, so the entry's number
 * (its position, 1-based on screen) never changes while the log is below
 * PLAN_LOG_MAX; past it the oldest entry goes.
 *
 * changes counts notes that changed something (a watcher, the session
 * file, appends last_changed's record when it moved by one).
 *
 * Owns: struct plan_log owns its entries and their keep arrays
 * (plan_log_init / plan_log_done).  Thread rules: plain data, one thread.
 *
 *   struct plan_log log;
 *   plan_log_init(&log, n_groups);
 *   struct plan_log_figures f = plan_log_figures_none();
 *   f.accuracy = 0.55; ...
 *   int i = plan_log_note(&log, keep, &settings, &f, PLAN_LOG_SOURCE_EDIT);
 *   plan_log_front(&log, PLAN_LOG_AXIS_LATENCY, front);
 *   plan_log_done(&log);
 */
#ifndef RECONVENE_PLAN_LOG_H
#define RECONVENE_PLAN_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "score/score.h"

#define PLAN_LOG_MAX 1024

/* Where the plan came from, as far as the explorer can tell. */
enum plan_log_source {
	PLAN_LOG_SOURCE_EDIT, /* the user's edits */
	PLAN_LOG_SOURCE_AUTO, /* the automatic plan of its settings */
	PLAN_LOG_SOURCE_COUNT
};

/* The cost the scatter and the front are drawn against. */
enum plan_log_axis {
	PLAN_LOG_AXIS_LATENCY, /* batch-1 latency, ms */
	PLAN_LOG_AXIS_MACS,    /* multiply-accumulates (1 MAC = 2 FLOPs) */
	PLAN_LOG_AXIS_COUNT
};

/* The analysis setting an entry was measured under. */
struct plan_log_setting {
	enum score_method method;
	double sparsity, tau;
	uint64_t seed;
};

/* What was measured; NaN where nothing was. */
struct plan_log_figures {
	double params;            /* non-zero parameters of the plan's net */
	double bytes;             /* stored bytes */
	double macs;              /* effective multiply-accumulates */
	double latency_ms;        /* batch-1 median */
	double latency_lo, latency_hi; /* p10, p90 */
	double accuracy;          /* quick-eval top-1 in [0, 1] */
	double acc_lo, acc_hi;    /* 95 % interval */
};

struct plan_log_entry {
	int *keep;                     /* owned, n_groups counts */
	struct plan_log_setting set;
	enum plan_log_source source;
	struct plan_log_figures fig;
};

struct plan_log {
	int n_groups;
	int n;                         /* entries, oldest first */
	struct plan_log_entry *e;      /* owned, PLAN_LOG_MAX slots */
	unsigned long changes;         /* notes that changed the log */
	int last_changed;              /* the entry the last change touched */
};

/* All NaN. */
struct plan_log_figures plan_log_figures_none(void);

enum eng_status plan_log_init(struct plan_log *log, int n_groups);
void plan_log_done(struct plan_log *log);
/* Deep copy (dst initialised here).  ENOMEM. */
enum eng_status plan_log_copy(struct plan_log *dst, const struct plan_log *src);

/* The entry of keep under set, or -1. */
int plan_log_find(const struct plan_log *log, const int *keep,
		  const struct plan_log_setting *set);
/* Record what is known about keep under set: a new entry, or the figures
 * of f that are not NaN copied into the existing one (a source of AUTO
 * sticks).  Returns the entry, or -1 when out of memory (log unchanged). */
int plan_log_note(struct plan_log *log, const int *keep,
		  const struct plan_log_setting *set,
		  const struct plan_log_figures *f, enum plan_log_source source);

/* A plan's (or a baseline's) cost on axis (NaN when not measured). */
double plan_log_cost(const struct plan_log_figures *f, enum plan_log_axis axis);
/* front[i] for each entry: on the Pareto front of accuracy against the
 * axis's cost (pareto.h).  front has log->n slots. */
void plan_log_front(const struct plan_log *log, enum plan_log_axis axis, bool *front);

const char *plan_log_source_name(enum plan_log_source s);
bool plan_log_source_from_name(const char *name, enum plan_log_source *out);
const char *plan_log_axis_name(enum plan_log_axis a);

/* The log as CSV, one row per entry: number, source, method, sparsity,
 * tau, seed, params, bytes, macs, latency (median, p10, p90), accuracy
 * (and interval), pareto_latency, pareto_macs, then one keep count per
 * group under the group names.  Empty cells for what was not measured.
 * Malloc'd, NUL-terminated (len does not count it).  ENOMEM. */
enum eng_status plan_log_csv(const struct plan_log *log, const char *const *group_names,
			     char **text, size_t *len);

#endif
