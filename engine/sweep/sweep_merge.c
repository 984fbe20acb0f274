/* sweep_merge.c: rows over seeds, merged.json, results.md, charts (see
 * sweep_merge.h). */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/json_num.h"
#include "sweep/sweep_merge.h"
#include "base/textbuf.h"

/* Mean, sample standard deviation, min, max of n values. */
struct sweep_stat {
	int n;
	double mean, sd, min, max;
};

static struct sweep_stat sweep_stat_of(const double *v, int n)
{
	struct sweep_stat s = { .n = n, .mean = NAN, .sd = NAN, .min = NAN, .max = NAN };
	if (n < 1)
		return s;
	double sum = 0;
	s.min = s.max = v[0];
	for (int i = 0; i < n; i++) {
		sum += v[i];
		s.min = fmin(s.min, v[i]);
		s.max = fmax(s.max, v[i]);
	}
	s.mean = sum / n;
	if (n > 1) {
		double ss = 0;
		for (int i = 0; i < n; i++)
			ss += (v[i] - s.mean) * (v[i] - s.mean);
		s.sd = sqrt(ss / (n - 1));
	}
	return s;
}

/* A row: the jobs that differ only in seed. */
struct sweep_row {
	int first;               /* its first job */
	int n;                   /* results present */
	int idx[SWEEP_LIST_MAX]; /* their job indices */
};

static bool sweep_same_row(const struct sweep_job *a, const struct sweep_job *b,
			   const struct sweep_grid *g)
{
	if (a->model != b->model || a->variant != b->variant)
		return false;
	if (g->variants[a->variant].kind == SWEEP_KIND_DENSE)
		return true;
	return a->method == b->method && a->sparsity == b->sparsity;
}

/* Rows in job order; returns the count (rows has room for n_jobs). */
static int sweep_rows(const struct sweep_merge_input *in, struct sweep_row *rows)
{
	int nr = 0;
	for (int j = 0; j < in->n_jobs; j++) {
		int r = -1;
		for (int k = 0; k < nr && r < 0; k++)
			if (sweep_same_row(&in->jobs[rows[k].first], &in->jobs[j], in->grid))
				r = k;
		if (r < 0) {
			r = nr++;
			rows[r] = (struct sweep_row){ .first = j };
		}
		if (in->have[j] && rows[r].n < SWEEP_LIST_MAX)
			rows[r].idx[rows[r].n++] = j;
	}
	return nr;
}

/* The stat of one field over a row's results. */
static struct sweep_stat sweep_row_stat(const struct sweep_merge_input *in,
					const struct sweep_row *row,
					double (*get)(const struct sweep_result *))
{
	double v[SWEEP_LIST_MAX];
	int n = 0;
	for (int i = 0; i < row->n; i++) {
		double x = get(&in->results[row->idx[i]]);
		if (isfinite(x))
			v[n++] = x;
	}
	return sweep_stat_of(v, n);
}

#define SWEEP_GETTER(field) \
	static double sweep_get_##field(const struct sweep_result *r) \
	{ return (double)r->field; }
SWEEP_GETTER(accuracy)
SWEEP_GETTER(ci_lo)
SWEEP_GETTER(ci_hi)
SWEEP_GETTER(params)
SWEEP_GETTER(nonzero)
SWEEP_GETTER(storage_bytes)
SWEEP_GETTER(macs)
SWEEP_GETTER(effective_macs)
SWEEP_GETTER(latency_ms)
SWEEP_GETTER(latency_sparse_ms)
SWEEP_GETTER(generate_seconds)
SWEEP_GETTER(train_seconds)
#undef SWEEP_GETTER

static json_t *sweep_stat_json(struct sweep_stat s)
{
	return json_pack("{s:o, s:o, s:o, s:o}", "mean", json_real_or_null(s.mean),
			 "sd", json_real_or_null(s.sd), "min", json_real_or_null(s.min),
			 "max", json_real_or_null(s.max));
}

static void sweep_row_labels(const struct sweep_merge_input *in, const struct sweep_row *row,
			     char *model, size_t mlen, const char **method, double *sparsity,
			     const struct sweep_variant **v)
{
	const struct sweep_job *j = &in->jobs[row->first];
	*v = &in->grid->variants[j->variant];
	sweep_model_label(in->grid->models[j->model], model, mlen);
	bool dense = (*v)->kind == SWEEP_KIND_DENSE;
	*method = dense ? NULL : score_method_name(j->method);
	*sparsity = dense ? 0.0 : j->sparsity;
}

static json_t *sweep_row_json(const struct sweep_merge_input *in,
			      const struct sweep_row *row, bool timing)
{
	char model[SWEEP_NAME_MAX];
	const char *method;
	double sparsity;
	const struct sweep_variant *v;
	sweep_row_labels(in, row, model, sizeof model, &method, &sparsity, &v);
	json_t *seeds = json_array();
	for (int i = 0; i < row->n; i++)
		json_array_append_new(seeds, json_integer((json_int_t)in->jobs[row->idx[i]].seed));
	json_t *o = json_pack("{s:s, s:o, s:f, s:s, s:s, s:o, s:i, s:o, s:o, s:o, "
			      "s:o, s:o, s:o, s:o, s:o}",
		"model", model, "method", method ? json_string(method) : json_null(),
		"sparsity", sparsity, "variant", v->name, "kind", sweep_kind_name(v->kind),
		"seeds", seeds, "n", row->n,
		"accuracy", sweep_stat_json(sweep_row_stat(in, row, sweep_get_accuracy)),
		"ci95_mean", json_pack("[o, o]",
			json_real_or_null(sweep_row_stat(in, row, sweep_get_ci_lo).mean),
			json_real_or_null(sweep_row_stat(in, row, sweep_get_ci_hi).mean)),
		"params", json_real_or_null(sweep_row_stat(in, row, sweep_get_params).mean),
		"nonzero", json_real_or_null(sweep_row_stat(in, row, sweep_get_nonzero).mean),
		"storage_bytes", json_real_or_null(sweep_row_stat(in, row, sweep_get_storage_bytes).mean),
		"macs", json_real_or_null(sweep_row_stat(in, row, sweep_get_macs).mean),
		"effective_macs", json_real_or_null(sweep_row_stat(in, row, sweep_get_effective_macs).mean),
		"missing", json_integer(in->grid->n_seeds - row->n));
	if (o && timing)
		json_object_set_new(o, "timing", json_pack("{s:o, s:o, s:o, s:o}",
			"latency_ms", sweep_stat_json(sweep_row_stat(in, row, sweep_get_latency_ms)),
			"latency_sparse_ms", sweep_stat_json(sweep_row_stat(in, row,
							     sweep_get_latency_sparse_ms)),
			"generate_seconds", sweep_stat_json(sweep_row_stat(in, row,
							    sweep_get_generate_seconds)),
			"train_seconds", sweep_stat_json(sweep_row_stat(in, row,
							 sweep_get_train_seconds))));
	return o;
}

json_t *sweep_merge_json(const struct sweep_merge_input *in, bool timing)
{
	struct sweep_row *rows = malloc((size_t)(in->n_jobs ? in->n_jobs : 1) * sizeof *rows);
	if (!rows)
		return NULL;
	int nr = sweep_rows(in, rows);
	json_t *jrows = json_array(), *results = json_array(), *missing = json_array();
	int done = 0;
	for (int r = 0; r < nr; r++)
		json_array_append_new(jrows, sweep_row_json(in, &rows[r], timing));
	for (int j = 0; j < in->n_jobs; j++) {
		if (!in->have[j]) {
			json_array_append_new(missing, json_string(in->jobs[j].id));
			continue;
		}
		done++;
		json_t *o = sweep_result_to_json(&in->results[j]);
		if (o && !timing)
			json_object_del(o, "timing");
		json_array_append_new(results, o);
	}
	free(rows);
	json_t *root = json_pack("{s:s}", "schema", SWEEP_MERGED_SCHEMA);
	if (root && timing)
		json_object_set_new(root, "grid", json_pack("{s:s, s:s, s:s}",
			"name", in->grid->name, "path", in->grid->path, "out", in->grid->out));
	if (root) {
		json_object_set_new(root, "jobs", json_integer(in->n_jobs));
		json_object_set_new(root, "done", json_integer(done));
		json_object_set_new(root, "missing", missing);
		json_object_set_new(root, "rows", jrows);
		json_object_set_new(root, "results", results);
	} else {
		json_decref(missing);
		json_decref(jrows);
		json_decref(results);
	}
	return root;
}

/* --- markdown ------------------------------------------------------------- */

/* "1,234,567" (rounded). */
static const char *sweep_digits(double v, char *buf, size_t len)
{
	if (!isfinite(v)) {
		snprintf(buf, len, "-");
		return buf;
	}
	char d[32];
	int n = snprintf(d, sizeof d, "%.0f", v);
	size_t o = 0;
	for (int i = 0; i < n && o + 2 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = d[i];
	}
	buf[o] = '\0';
	return buf;
}

/* "m ± sd" with the given format; "m" alone for one value; "-" for none. */
static const char *sweep_pm(struct sweep_stat s, double scale, int decimals,
			    char *buf, size_t len)
{
	if (s.n < 1)
		snprintf(buf, len, "-");
	else if (s.n < 2)
		snprintf(buf, len, "%.*f", decimals, scale * s.mean);
	else
		snprintf(buf, len, "%.*f ± %.*f", decimals, scale * s.mean, decimals,
			 scale * s.sd);
	return buf;
}

char *sweep_merge_markdown(const struct sweep_merge_input *in)
{
	struct sweep_row *rows = malloc((size_t)(in->n_jobs ? in->n_jobs : 1) * sizeof *rows);
	struct textbuf t;
	textbuf_init(&t);
	if (!rows || t.oom) {
		free(rows);
		textbuf_free(&t);
		return NULL;
	}
	int nr = sweep_rows(in, rows), done = 0;
	for (int j = 0; j < in->n_jobs; j++)
		done += in->have[j];
	textbuf_printf(&t, "# Sweep %s\n\n%d of %d jobs done. Accuracy: mean ± sample standard "
		  "deviation over seeds (%%), with the mean of the per-seed 95 %% Wilson "
		  "intervals. Sizes and MACs: means over seeds. Latency: batch 1, dense "
		  "kernels, median per job, mean ± sd over seeds (ms).\n\n",
		  in->grid->name, done, in->n_jobs);
	textbuf_printf(&t, "| model | method | sparsity | variant | seeds | accuracy %% | 95 %% CI | "
		  "params | non-zero | storage bytes | MACs | latency ms | generate s | "
		  "train s |\n");
	textbuf_printf(&t, "| --- | --- | ---: | --- | ---: | ---: | --- | ---: | ---: | ---: | "
		  "---: | ---: | ---: | ---: |\n");
	for (int r = 0; r < nr; r++) {
		const struct sweep_row *row = &rows[r];
		char model[SWEEP_NAME_MAX], a[64], b[64], c[64], d[64], e[64], f[64], g[64],
		     h[64], ci[64];
		const char *method;
		double sparsity;
		const struct sweep_variant *v;
		sweep_row_labels(in, row, model, sizeof model, &method, &sparsity, &v);
		struct sweep_stat lo = sweep_row_stat(in, row, sweep_get_ci_lo);
		struct sweep_stat hi = sweep_row_stat(in, row, sweep_get_ci_hi);
		if (lo.n > 0)
			snprintf(ci, sizeof ci, "[%.2f, %.2f]", 100 * lo.mean, 100 * hi.mean);
		else
			snprintf(ci, sizeof ci, "-");
		char sp[32];
		if (method)
			snprintf(sp, sizeof sp, "%g", sparsity);
		else
			snprintf(sp, sizeof sp, "-");
		textbuf_printf(&t, "| %s | %s | %s | %s | %d/%d | %s | %s | %s | %s | %s | %s | %s "
			  "| %s | %s |\n", model, method ? method : "-", sp, v->name, row->n,
			  in->grid->n_seeds,
			  sweep_pm(sweep_row_stat(in, row, sweep_get_accuracy), 100, 2, a, sizeof a),
			  ci,
			  sweep_digits(sweep_row_stat(in, row, sweep_get_params).mean, b, sizeof b),
			  sweep_digits(sweep_row_stat(in, row, sweep_get_nonzero).mean, c, sizeof c),
			  sweep_digits(sweep_row_stat(in, row, sweep_get_storage_bytes).mean, d,
				       sizeof d),
			  sweep_digits(sweep_row_stat(in, row, sweep_get_macs).mean, e, sizeof e),
			  sweep_pm(sweep_row_stat(in, row, sweep_get_latency_ms), 1, 3, f, sizeof f),
			  sweep_pm(sweep_row_stat(in, row, sweep_get_generate_seconds), 1, 2, g,
				   sizeof g),
			  sweep_pm(sweep_row_stat(in, row, sweep_get_train_seconds), 1, 1, h,
				   sizeof h));
	}
	free(rows);
	return textbuf_take(&t);
}

/* --- charts ---------------------------------------------------------------- */

/* One chart: the rows of a model (dense ones, and method me's others). */
static enum eng_status sweep_chart(const struct sweep_merge_input *in,
				   const struct sweep_row *rows, int nr, int model,
				   enum score_method me, const char *path,
				   const struct render_style *style,
				   const struct eng_warn *warn, bool *wrote,
				   struct eng_err *err)
{
	const struct sweep_grid *g = in->grid;
	struct render_point pts[SWEEP_LIST_MAX * SWEEP_LIST_MAX];
	char labels[SWEEP_LIST_MAX * SWEEP_LIST_MAX][32];
	const char *names[SWEEP_LIST_MAX];
	int np = 0;
	*wrote = false;
	for (int k = 0; k < g->n_variants; k++)
		names[k] = g->variants[k].name;
	for (int r = 0; r < nr && np < (int)(sizeof pts / sizeof pts[0]); r++) {
		const struct sweep_row *row = &rows[r];
		const struct sweep_job *j = &in->jobs[row->first];
		bool dense = g->variants[j->variant].kind == SWEEP_KIND_DENSE;
		if (j->model != model || (!dense && j->method != me) || row->n < 1)
			continue;
		struct sweep_stat acc = sweep_row_stat(in, row, sweep_get_accuracy);
		struct sweep_stat lat = sweep_row_stat(in, row, sweep_get_latency_ms);
		const struct sweep_result *one = &in->results[row->idx[0]];
		struct render_point *p = &pts[np];
		snprintf(labels[np], sizeof labels[np], dense ? "dense" : "%g", j->sparsity);
		*p = (struct render_point){
			.label = labels[np], .series = j->variant,
			.accuracy = acc.mean,
			.acc_lo = acc.n > 1 ? acc.mean - acc.sd : one->ci_lo,
			.acc_hi = acc.n > 1 ? acc.mean + acc.sd : one->ci_hi,
			.params = sweep_row_stat(in, row, sweep_get_nonzero).mean,
			.latency_ms = lat.mean,
			.latency_lo = lat.n > 1 ? lat.mean - lat.sd : one->latency_p10_ms,
			.latency_hi = lat.n > 1 ? lat.mean + lat.sd : one->latency_p90_ms,
		};
		np++;
	}
	if (np == 0)
		return ENG_STATUS_OK;
	char title[160], sub[256], mlabel[SWEEP_NAME_MAX];
	sweep_model_label(g->models[model], mlabel, sizeof mlabel);
	snprintf(title, sizeof title, "%s, %s: accuracy against size and latency", mlabel,
		 score_method_name(me));
	snprintf(sub, sizeof sub, "sweep %s; one line per variant through its sparsities; "
		 "bars: +-1 sd over seeds (one seed: 95%% Wilson interval)", g->name);
	struct render_tradeoff t = { .title = title, .subtitle = sub, .n = np,
				     .points = pts, .n_series = g->n_variants,
				     .series_names = names,
				     .y_label = "test accuracy (%)" };
	enum eng_status st = render_tradeoff_write(&t, style, path, warn, err);
	*wrote = st == ENG_STATUS_OK;
	return st;
}

enum eng_status sweep_merge_write(const struct sweep_merge_input *in, const char *dir,
				  const struct render_style *style,
				  const struct eng_warn *warn, int *n_charts,
				  struct eng_err *err)
{
	char path[SWEEP_PATH_MAX + 128];
	if (n_charts)
		*n_charts = 0;
	json_t *root = sweep_merge_json(in, true);
	snprintf(path, sizeof path, "%s/merged.json", dir);
	enum eng_status st = sweep_json_write(path, root, err);
	json_decref(root);
	if (st != ENG_STATUS_OK)
		return st;
	char *md = sweep_merge_markdown(in);
	if (!md)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory for the table");
	snprintf(path, sizeof path, "%s/results.md", dir);
	st = sweep_text_write(path, md, err);
	free(md);
	if (st != ENG_STATUS_OK)
		return st;
	struct sweep_row *rows = malloc((size_t)(in->n_jobs ? in->n_jobs : 1) * sizeof *rows);
	if (!rows)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	int nr = sweep_rows(in, rows);
	const struct sweep_grid *g = in->grid;
	for (int m = 0; m < g->n_models && st == ENG_STATUS_OK; m++)
		for (int me = 0; me < g->n_methods && st == ENG_STATUS_OK; me++) {
			char label[SWEEP_NAME_MAX];
			sweep_model_label(g->models[m], label, sizeof label);
			snprintf(path, sizeof path, "%s/chart-%s-%s.png", dir, label,
				 score_method_name(g->methods[me]));
			bool wrote;
			st = sweep_chart(in, rows, nr, m, g->methods[me], path, style, warn,
					 &wrote, err);
			if (wrote && n_charts)
				(*n_charts)++;
		}
	free(rows);
	return st;
}
