/* sweep_compare.h: how well one sweep's accuracies rank another's.
 *
 * Two grids over the same variants with different training budgets (the
 * explorer's quick-eval recipe against the full budget: issue 14) give two
 * accuracies per job.  Jobs pair up by id (model label, method, sparsity,
 * variant and seed make the id, the grid's name and budget do not), and
 * the agreement of the two rankings is measured twice (base/rank_corr.h):
 *   - per job: Spearman's rho and Kendall's tau-b over every pair;
 *   - per row: the same over the seed means of each (model, method,
 *     sparsity, variant), the seeds present on both sides.
 * A job with a result on one side only is counted, not paired.
 *
 * Owns: struct sweep_compare owns its arrays (sweep_compare_done frees
 * them; a zeroed struct is valid to free).  The JSON and text it returns
 * are the caller's.  Pure, any thread.
 */
#ifndef RECONVENE_SWEEP_COMPARE_H
#define RECONVENE_SWEEP_COMPARE_H

#include <jansson.h>

#include "base/status.h"
#include "sweep/sweep_merge.h"

#define SWEEP_COMPARE_SCHEMA "reconvene-sweep-compare/1"

struct sweep_compare_pair {
	char id[SWEEP_ID_MAX];
	char row[SWEEP_ID_MAX];      /* the id without its seed */
	double a, b;                 /* accuracies in the first and second sweep */
};

struct sweep_compare_row {
	char row[SWEEP_ID_MAX];
	int seeds;                   /* pairs averaged */
	double a, b;                 /* seed means */
};

struct sweep_compare {
	struct sweep_compare_pair *pairs;
	int n_pairs;
	struct sweep_compare_row *rows;
	int n_rows;
	int only_a, only_b;          /* results on one side only */
	double spearman, kendall;    /* per job; NaN when undefined */
	double row_spearman, row_kendall; /* per row */
};

/* Pair a's results with b's.  ENOMEM is the only failure. */
enum eng_status sweep_compare_build(const struct sweep_merge_input *a,
				    const struct sweep_merge_input *b,
				    struct sweep_compare *out, struct eng_err *err);
void sweep_compare_done(struct sweep_compare *c);

/* {schema, first, second, pairs, only_first, only_second, per_job:
 * {spearman, kendall}, per_row: {rows, spearman, kendall}, jobs: [{id, first,
 * second}], rows: [{row, seeds, first, second}]}; undefined coefficients are
 * null.  NULL on no memory. */
json_t *sweep_compare_json(const struct sweep_compare *c, const char *name_a,
			   const char *name_b);
/* The same as text: a summary and a markdown table of the rows, ranked by
 * the second sweep's accuracy (malloc'd; NULL on no memory). */
char *sweep_compare_text(const struct sweep_compare *c, const char *name_a,
			 const char *name_b);

#endif
