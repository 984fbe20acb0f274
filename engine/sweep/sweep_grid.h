/* sweep_grid.h: sweep grids: a small INI file (io/ini.h) naming models,
 * PaI methods, sparsities, seeds, variants and ONE training budget, and
 * the jobs it expands to (docs/sweep.md has the format and an example).
 *
 *   [sweep]      name, out, models, methods, sparsities, seeds, variants
 *   [train]      steps | epochs, batch, lr, momentum, wd, schedule,
 *                warmup, data, train, test, threads
 *   [measure]    latency_ms, latency_runs
 *   [reconvene]  Reconvene options for every variant (reconvene_option_set
 *                names: tau, k, iterations, min-channels, residual,
 *                dense-sensitive)
 *   [variant.NAME]  a named variant: kind = dense|upai|reconvene|uniform,
 *                plus Reconvene options overriding [reconvene]; a uniform
 *                variant may say match = nonzero|params
 *
 * Jobs: for every model and seed one dense job per dense-kind variant, and
 * for every model, method, sparsity and seed one job per other variant.
 * A job's id is readable and unique: "lenet5-synflow-0.9-reconvene-s1",
 * "lenet5-dense-s1".  Its config hash (FNV-1a of sweep_job_describe)
 * changes whenever anything that decides the job's numbers changes, so a
 * result written under another budget is stale, not done.
 *
 * Errors: the first problem, as one line "FILE:LINE: message" (the line
 * of the key; "FILE: message" for what is missing at the end).
 *
 * Owns: struct sweep_grid is plain data in fixed arrays (no heap; about
 * 30 KiB, so callers keep it static or on the heap in threads with small
 * stacks); sweep_grid_jobs returns a malloc'd array the caller frees.
 * Thread rules: pure.
 *
 *   struct sweep_grid g;
 *   if (sweep_grid_load("tiny.grid", &g, &err)) ...err.msg...;
 *   struct sweep_job *jobs; int n;
 *   if (sweep_grid_jobs(&g, &jobs, &n, &err)) ...;
 *   ... free(jobs);
 */
#ifndef RECONVENE_SWEEP_GRID_H
#define RECONVENE_SWEEP_GRID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prune/reconvene.h"
#include "score/score.h"
#include "train/train.h"
#include "base/status.h"

#define SWEEP_LIST_MAX 16      /* entries per list */
#define SWEEP_NAME_MAX 64      /* names, ids' parts */
#define SWEEP_PATH_MAX 2048
#define SWEEP_ID_MAX 160

enum sweep_kind {
	SWEEP_KIND_DENSE,      /* the model as it is */
	SWEEP_KIND_UPAI,       /* global unstructured PaI mask, dense shapes */
	SWEEP_KIND_RECONVENE,  /* the automatic plan, composite model */
	SWEEP_KIND_UNIFORM,    /* uniform structured, Reconvene's size */
	SWEEP_KIND_COUNT
};

/* What a uniform variant matches of the Reconvene model. */
enum sweep_match {
	SWEEP_MATCH_NONZERO,   /* its non-zero parameters (default) */
	SWEEP_MATCH_PARAMS,    /* its stored parameters, masked ones included */
};

struct sweep_variant {
	char name[SWEEP_NAME_MAX];   /* as listed in variants = ... */
	enum sweep_kind kind;
	struct reconvene_options ro; /* [reconvene], then the variant's own;
				      * method, sparsity, seed come per job */
	enum sweep_match match;      /* uniform only */
};

struct sweep_budget {
	long steps;                  /* > 0: this many SGD steps */
	int epochs;                  /* else whole passes over the subset */
	int batch;
	double lr, momentum, wd;
	enum train_schedule schedule;
	long warmup;                 /* linear warm-up steps */
	char data[SWEEP_PATH_MAX];   /* "" = the front end's default,
				      * "synthetic", or a directory (made
				      * absolute against the grid's folder) */
	int train_n, test_n;         /* 0 = every sample */
	int threads;                 /* BLAS/OpenMP threads, 0 = default */
	double latency_ms;           /* timed time per latency measurement */
	int latency_runs;            /* at least this many timed runs */
};

struct sweep_grid {
	char path[SWEEP_PATH_MAX];   /* the grid file as given */
	char name[SWEEP_NAME_MAX];   /* [sweep] name, default: file base name */
	char out[SWEEP_PATH_MAX];    /* results folder (absolute when the
				      * grid's path is) */
	int n_models;
	char models[SWEEP_LIST_MAX][SWEEP_PATH_MAX / 4]; /* names or .cfg paths */
	int n_methods;
	enum score_method methods[SWEEP_LIST_MAX];
	int n_sparsities;
	double sparsities[SWEEP_LIST_MAX];
	int n_seeds;
	uint64_t seeds[SWEEP_LIST_MAX];
	int n_variants;
	struct sweep_variant variants[SWEEP_LIST_MAX];
	struct sweep_budget budget;
	struct reconvene_options ro; /* [reconvene] */
};

struct sweep_job {
	char id[SWEEP_ID_MAX];
	int model;                   /* index into grid->models */
	int variant;                 /* index into grid->variants */
	enum score_method method;    /* dense: the grid's first (unused) */
	double sparsity;             /* dense: 0 */
	uint64_t seed;
	uint64_t config_hash;
};

/* "dense", "upai", "reconvene", "uniform"; NULL out of range. */
const char *sweep_kind_name(enum sweep_kind k);

/* Parse grid text (path names it in messages and anchors relative paths:
 * out and data are taken relative to the grid file's folder). */
enum eng_status sweep_grid_parse(const char *text, size_t len, const char *path,
				 struct sweep_grid *g, struct eng_err *err);
/* Read and parse a grid file. */
enum eng_status sweep_grid_load(const char *path, struct sweep_grid *g,
				struct eng_err *err);

/* The model's label in ids and tables: the base name without ".cfg",
 * every character outside [A-Za-z0-9._] replaced by '_'. */
void sweep_model_label(const char *model, char *buf, size_t len);

/* Expand the jobs in a fixed order (per model: its dense jobs by variant
 * and seed, then method, sparsity, variant, seed).  *jobs is malloc'd
 * (free it); ENOMEM. */
enum eng_status sweep_grid_jobs(const struct sweep_grid *g, struct sweep_job **jobs,
				int *n, struct eng_err *err);
/* Index of the job with this id, or -1. */
int sweep_job_find(const struct sweep_job *jobs, int n, const char *id);

/* Everything that decides a job's numbers, as one line of text: model,
 * variant kind and options, method, sparsity, seed, budget, dataset,
 * threads, latency protocol (not the grid's name or out).  Its FNV-1a
 * hash is job->config_hash. */
void sweep_job_describe(const struct sweep_grid *g, const struct sweep_job *job,
			char *buf, size_t len);

#endif
