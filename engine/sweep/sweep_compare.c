/* sweep_compare.c: rank agreement of two sweeps' accuracies
 * (sweep_compare.h). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/json_num.h"
#include "sweep/sweep_compare.h"
#include "base/rank_corr.h"
#include "base/textbuf.h"

/* The row a result belongs to: its id's parts without the seed. */
static void sweep_compare_row_key(const struct sweep_result *r, char *buf, size_t len)
{
	if (r->method[0])
		snprintf(buf, len, "%s-%s-%g-%s", r->model, r->method, r->sparsity, r->variant);
	else
		snprintf(buf, len, "%s-%s", r->model, r->variant);
}

static int sweep_compare_find(const struct sweep_merge_input *in, const char *id)
{
	for (int j = 0; j < in->n_jobs; j++)
		if (in->have[j] && strcmp(in->results[j].id, id) == 0)
			return j;
	return -1;
}

/* Spearman and Kendall over the n pairs (a[i], b[i]). */
static void sweep_compare_coeffs(const double *a, const double *b, int n, double *rho,
				 double *tau)
{
	*rho = rank_spearman(a, b, (size_t)n);
	*tau = rank_kendall_tau_b(a, b, (size_t)n);
}

enum eng_status sweep_compare_build(const struct sweep_merge_input *a,
				    const struct sweep_merge_input *b,
				    struct sweep_compare *out, struct eng_err *err)
{
	memset(out, 0, sizeof *out);
	out->spearman = out->kendall = out->row_spearman = out->row_kendall = NAN;
	size_t cap = (size_t)(a->n_jobs > 0 ? a->n_jobs : 1);
	out->pairs = calloc(cap, sizeof *out->pairs);
	out->rows = calloc(cap, sizeof *out->rows);
	double *va = malloc(cap * sizeof *va), *vb = malloc(cap * sizeof *vb);
	if (!out->pairs || !out->rows || !va || !vb) {
		free(va);
		free(vb);
		sweep_compare_done(out);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "sweep compare: out of memory");
	}
	for (int j = 0; j < a->n_jobs; j++) {
		if (!a->have[j])
			continue;
		const struct sweep_result *ra = &a->results[j];
		int k = sweep_compare_find(b, ra->id);
		if (k < 0) {
			out->only_a++;
			continue;
		}
		struct sweep_compare_pair *p = &out->pairs[out->n_pairs++];
		snprintf(p->id, sizeof p->id, "%s", ra->id);
		sweep_compare_row_key(ra, p->row, sizeof p->row);
		p->a = ra->accuracy;
		p->b = b->results[k].accuracy;
	}
	for (int k = 0; k < b->n_jobs; k++)
		if (b->have[k] && sweep_compare_find(a, b->results[k].id) < 0)
			out->only_b++;
	/* Rows in the order their first pair appears (the first grid's job
	 * order). */
	for (int i = 0; i < out->n_pairs; i++) {
		const struct sweep_compare_pair *p = &out->pairs[i];
		int r = 0;
		while (r < out->n_rows && strcmp(out->rows[r].row, p->row) != 0)
			r++;
		if (r == out->n_rows) {
			snprintf(out->rows[r].row, sizeof out->rows[r].row, "%s", p->row);
			out->n_rows++;
		}
		out->rows[r].seeds++;
		out->rows[r].a += p->a;
		out->rows[r].b += p->b;
	}
	for (int r = 0; r < out->n_rows; r++) {
		out->rows[r].a /= out->rows[r].seeds;
		out->rows[r].b /= out->rows[r].seeds;
	}
	for (int i = 0; i < out->n_pairs; i++) {
		va[i] = out->pairs[i].a;
		vb[i] = out->pairs[i].b;
	}
	sweep_compare_coeffs(va, vb, out->n_pairs, &out->spearman, &out->kendall);
	for (int r = 0; r < out->n_rows; r++) {
		va[r] = out->rows[r].a;
		vb[r] = out->rows[r].b;
	}
	sweep_compare_coeffs(va, vb, out->n_rows, &out->row_spearman, &out->row_kendall);
	free(va);
	free(vb);
	return ENG_STATUS_OK;
}

void sweep_compare_done(struct sweep_compare *c)
{
	free(c->pairs);
	free(c->rows);
	memset(c, 0, sizeof *c);
}

json_t *sweep_compare_json(const struct sweep_compare *c, const char *name_a,
			   const char *name_b)
{
	json_t *root = json_object(), *jobs = json_array(), *rows = json_array();
	if (!root || !jobs || !rows) {
		json_decref(root);
		json_decref(jobs);
		json_decref(rows);
		return NULL;
	}
	for (int i = 0; i < c->n_pairs; i++)
		json_array_append_new(jobs, json_pack("{s:s, s:f, s:f}", "id", c->pairs[i].id,
						      "first", c->pairs[i].a, "second",
						      c->pairs[i].b));
	for (int r = 0; r < c->n_rows; r++)
		json_array_append_new(rows, json_pack("{s:s, s:i, s:f, s:f}", "row",
						      c->rows[r].row, "seeds", c->rows[r].seeds,
						      "first", c->rows[r].a, "second",
						      c->rows[r].b));
	json_object_set_new(root, "schema", json_string(SWEEP_COMPARE_SCHEMA));
	json_object_set_new(root, "first", json_string(name_a));
	json_object_set_new(root, "second", json_string(name_b));
	json_object_set_new(root, "pairs", json_integer(c->n_pairs));
	json_object_set_new(root, "only_first", json_integer(c->only_a));
	json_object_set_new(root, "only_second", json_integer(c->only_b));
	json_object_set_new(root, "per_job",
			    json_pack("{s:o, s:o}", "spearman", json_real_or_null(c->spearman),
				      "kendall", json_real_or_null(c->kendall)));
	json_object_set_new(root, "per_row",
			    json_pack("{s:i, s:o, s:o}", "rows", c->n_rows, "spearman",
				      json_real_or_null(c->row_spearman), "kendall",
				      json_real_or_null(c->row_kendall)));
	json_object_set_new(root, "jobs", jobs);
	json_object_set_new(root, "rows", rows);
	return root;
}

static const char *sweep_compare_fmt(double v, char *buf, size_t len)
{
	if (isfinite(v))
		snprintf(buf, len, "%.3f", v);
	else
		snprintf(buf, len, "undefined");
	return buf;
}

static int sweep_compare_by_b(const void *x, const void *y)
{
	const struct sweep_compare_row *p = x, *q = y;
	if (p->b != q->b)
		return p->b > q->b ? -1 : 1;
	return strcmp(p->row, q->row);
}

char *sweep_compare_text(const struct sweep_compare *c, const char *name_a,
			 const char *name_b)
{
	struct textbuf t;
	textbuf_init(&t);
	char r1[32], t1[32], r2[32], t2[32];
	textbuf_printf(&t, "%s against %s: %d jobs in both (%d only in %s, %d only in %s)\n",
		       name_a, name_b, c->n_pairs, c->only_a, name_a, c->only_b, name_b);
	textbuf_printf(&t, "per job:  Spearman rho %s, Kendall tau-b %s (%d pairs)\n",
		       sweep_compare_fmt(c->spearman, r1, sizeof r1),
		       sweep_compare_fmt(c->kendall, t1, sizeof t1), c->n_pairs);
	textbuf_printf(&t, "per row:  Spearman rho %s, Kendall tau-b %s (%d rows, seed means)\n",
		       sweep_compare_fmt(c->row_spearman, r2, sizeof r2),
		       sweep_compare_fmt(c->row_kendall, t2, sizeof t2), c->n_rows);
	struct sweep_compare_row *rows = malloc((size_t)(c->n_rows ? c->n_rows : 1) *
						sizeof *rows);
	if (!rows) {
		textbuf_free(&t);
		return NULL;
	}
	memcpy(rows, c->rows, (size_t)c->n_rows * sizeof *rows);
	qsort(rows, (size_t)c->n_rows, sizeof *rows, sweep_compare_by_b);
	/* Each row's rank in both sweeps (average ranks, as the coefficients
	 * use them), for the table. */
	size_t m = (size_t)(c->n_rows ? c->n_rows : 1);
	double *fa = malloc(m * sizeof *fa), *ra = malloc(m * sizeof *ra);
	double *fb = malloc(m * sizeof *fb), *rb = malloc(m * sizeof *rb);
	bool ranked = fa && ra && fb && rb;
	if (ranked) {
		for (int r = 0; r < c->n_rows; r++) {
			fa[r] = -rows[r].a;
			fb[r] = -rows[r].b;
		}
		ranked = rank_average(fa, (size_t)c->n_rows, ra) &&
			 rank_average(fb, (size_t)c->n_rows, rb);
	}
	textbuf_printf(&t, "\n| row | seeds | %s %% | rank | %s %% | rank |\n", name_a, name_b);
	textbuf_printf(&t, "| --- | ---: | ---: | ---: | ---: | ---: |\n");
	for (int r = 0; r < c->n_rows; r++) {
		char rank_a[32] = "-", rank_b[32] = "-";
		if (ranked) {
			snprintf(rank_a, sizeof rank_a, "%g", ra[r]);
			snprintf(rank_b, sizeof rank_b, "%g", rb[r]);
		}
		textbuf_printf(&t, "| %s | %d | %.2f | %s | %.2f | %s |\n", rows[r].row,
			       rows[r].seeds, 100.0 * rows[r].a, rank_a, 100.0 * rows[r].b,
			       rank_b);
	}
	free(fb);
	free(rb);
	free(fa);
	free(ra);
	free(rows);
	return textbuf_take(&t);
}
