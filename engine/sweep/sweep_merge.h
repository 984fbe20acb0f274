/* sweep_merge.h: gathering a sweep's results into one JSON document, a
 * markdown table and PNG charts (docs/sweep.md).
 *
 * Rows: one per (model, method, sparsity, variant) in job order (a dense
 * row per model and dense variant, method "" and sparsity 0), over the
 * seeds whose results exist: mean, sample standard deviation, min and max
 * of the accuracy; means of the interval bounds, sizes and MACs; in the
 * row's "timing" object the means and deviations of latency and the
 * generation and training times.
 *
 * merged.json ("reconvene-sweep-merged/1"): {schema, grid, jobs, done,
 * missing: [ids], rows: [...], results: [every job result]}.  The STABLE
 * form (timing false) leaves out every "timing" object and "grid" (the
 * name and folder): two runs of the same grid, wherever and however they
 * ran, give byte-identical stable documents when their numbers agree.
 *
 * Charts: chart-MODEL-METHOD.png for each model and method, two panels
 * (accuracy against non-zero parameters, against batch-1 latency), one
 * line per variant through its sparsities (dense variants: one point),
 * error bars +-1 standard deviation over seeds (one seed: the 95 % Wilson
 * interval; latency: p10-p90).
 *
 * Owns: the JSON it returns (a new reference).  Thread rules: pure, files
 * written atomically.
 */
#ifndef RECONVENE_SWEEP_MERGE_H
#define RECONVENE_SWEEP_MERGE_H

#include <stdbool.h>

#include <jansson.h>

#include "base/status.h"
#include "base/warn.h"
#include "output/render.h"
#include "sweep/sweep_grid.h"
#include "sweep/sweep_result.h"

#define SWEEP_MERGED_SCHEMA "reconvene-sweep-merged/1"

/* The jobs and their results (have[i]: results[i] holds job i's). */
struct sweep_merge_input {
	const struct sweep_grid *grid;
	const struct sweep_job *jobs;
	int n_jobs;
	const struct sweep_result *results;
	const bool *have;
};

/* The merged document; timing false gives the stable form. */
json_t *sweep_merge_json(const struct sweep_merge_input *in, bool timing);

/* The markdown table (malloc'd text; free it), NULL on no memory. */
char *sweep_merge_markdown(const struct sweep_merge_input *in);

/* Write dir/merged.json, dir/results.md and the charts.  *n_charts (may be
 * NULL) gets how many charts were written. */
enum eng_status sweep_merge_write(const struct sweep_merge_input *in, const char *dir,
				  const struct render_style *style,
				  const struct eng_warn *warn, int *n_charts,
				  struct eng_err *err);

#endif
