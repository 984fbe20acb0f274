/* sweep_result.h: one sweep job's result, as a struct and as the JSON file
 * OUT/results/ID.json (schema "reconvene-sweep-result/1", docs/sweep.md).
 *
 * Every figure that depends on the clock or the machine (generation,
 * training and test times, latencies, host, BLAS kernels, the date) sits in
 * the "timing" object; everything outside it is a function of the job's
 * config and the dataset, and a rerun on the same machine with the same
 * thread count reproduces it bit for bit.  That is what two runs of a
 * sweep are compared on (sweep_merge's stable form drops "timing").
 *
 * A result file counts as done when it reads back here (JSON, the schema,
 * every field of the right type) with the expected id and config hash;
 * anything else (missing, half-written, another budget) means the job
 * runs again.
 *
 * Owns: nothing on the heap (fixed arrays).  Thread rules: pure, files
 * written atomically (base/fileio.h).
 */
#ifndef RECONVENE_SWEEP_RESULT_H
#define RECONVENE_SWEEP_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sweep/sweep_grid.h"
#include "base/status.h"

#define SWEEP_RESULT_SCHEMA "reconvene-sweep-result/1"

struct sweep_result {
	char id[SWEEP_ID_MAX];
	uint64_t config_hash;
	char model[SWEEP_NAME_MAX];   /* the model's label (sweep_model_label) */
	char variant[SWEEP_NAME_MAX];
	enum sweep_kind kind;
	char method[16];              /* "" for dense */
	double sparsity;              /* 0 for dense */
	uint64_t seed;
	/* what was trained and tested */
	char dataset[64];
	bool synthetic;
	int train_n, test_n;          /* samples used */
	long steps;                   /* SGD steps done */
	int batch;
	/* the model (measure/metrics.h) */
	uint64_t params, nonzero, dense_bytes, storage_bytes, macs, effective_macs;
	int groups_changed;           /* channel groups that lost channels */
	uint64_t uniform_target;      /* uniform: the matched count, else 0 */
	double uniform_fraction;      /* uniform: f, else 0 */
	/* accuracy on the test_n test samples */
	double accuracy, ci_lo, ci_hi;/* 95 % Wilson interval */
	int correct;
	double test_loss, train_loss; /* train_loss: the last batch's */
	/* timing */
	double generate_seconds;      /* scores, plan, build (0 for dense) */
	double train_seconds, test_seconds, job_seconds;
	double latency_ms, latency_p10_ms, latency_p90_ms; /* dense kernels */
	int latency_runs;
	double latency_sparse_ms;     /* upai on CSR kernels; NaN otherwise */
	int threads;                  /* BLAS threads */
	char blas[64];                /* the kernels' name */
	char conv3x3[16];             /* the direct 3x3 kernels: "AVX-512",
				       * "AVX2", "none"; "" in results older
				       * than the field */
	char host[64];
	char finished[32];            /* UTC, ISO 8601 */
};

/* The result as a JSON object (a new reference). */
json_t *sweep_result_to_json(const struct sweep_result *r);
/* Fill r from a parsed object; EINVAL with "NAME: what is wrong" (name
 * names the source in messages). */
enum eng_status sweep_result_from_json(const json_t *o, const char *name,
				       struct sweep_result *r, struct eng_err *err);

/* Write r to path atomically (pretty JSON and a newline). */
enum eng_status sweep_result_write(const char *path, const struct sweep_result *r,
				   struct eng_err *err);
/* Read path into r.  ENOENT when there is no file; EINVAL when it is not a
 * result (the message says why). */
enum eng_status sweep_result_read(const char *path, struct sweep_result *r,
				  struct eng_err *err);
/* Whether path holds the finished result of job: it reads, and its id and
 * config hash are the job's.  why (may be NULL) gets the reason when not:
 * "missing", "unreadable: ...", "stale: another config". */
bool sweep_result_done(const char *path, const struct sweep_job *job,
		       struct sweep_result *r, char *why, size_t why_len);

/* Write any JSON value to path atomically, indented, with a newline
 * (reals with 17 significant digits, so numbers read back exactly). */
enum eng_status sweep_json_write(const char *path, json_t *root, struct eng_err *err);
/* Write text to path atomically, as it is. */
enum eng_status sweep_text_write(const char *path, const char *text, struct eng_err *err);

#endif
