/* plan_log_export.c: the plan history's CSV and PNG (plan_log_export.h). */
#include "config.h"

#include "explorer/plan_log_export.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"

enum { PLAN_SERIES_PLANS, PLAN_SERIES_BASELINES, PLAN_SERIES_CURRENT, PLAN_SERIES_COUNT };

static const char *const plan_series_names[PLAN_SERIES_COUNT] = {
	"measured plans (line: Pareto front)", "dense and unstructured PaI",
	"current plan",
};

static const enum render_line plan_series_lines[PLAN_SERIES_COUNT] = {
	RENDER_LINE_FRONT, RENDER_LINE_NONE, RENDER_LINE_NONE,
};

static struct render_point plan_point(const char *label, double ms, double lo,
				      double hi, double params, double acc,
				      double acc_lo, double acc_hi, int series)
{
	return (struct render_point){ .label = label, .latency_ms = ms, .latency_lo = lo,
				      .latency_hi = hi, .params = params, .accuracy = acc,
				      .acc_lo = acc_lo, .acc_hi = acc_hi, .series = series };
}

static enum eng_status plan_log_png(const struct plan_log *log,
				    const struct plan_log_marks *m,
				    const struct render_style *style, const char *path,
				    const struct eng_warn *warn, struct eng_err *err)
{
	int cap = log->n + 3;
	struct render_point *pts = calloc((size_t)cap, sizeof *pts);
	char (*labels)[24] = calloc((size_t)cap, sizeof *labels);
	bool *front = calloc((size_t)(log->n > 0 ? log->n : 1) * 2, sizeof *front);
	if (!pts || !labels || !front) {
		free(pts);
		free(labels);
		free(front);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
	}
	plan_log_front(log, PLAN_LOG_AXIS_LATENCY, front);
	plan_log_front(log, PLAN_LOG_AXIS_MACS, front + log->n);
	int n = 0;
	for (int i = 0; i < log->n; i++) {
		const struct plan_log_figures *f = &log->e[i].fig;
		/* Labels only on the front: the rest would bury the chart. */
		snprintf(labels[n], sizeof labels[n], "#%d", i + 1);
		const char *label = front[i] || front[log->n + i] ? labels[n] : NULL;
		pts[n] = plan_point(label, f->latency_ms, f->latency_lo, f->latency_hi,
				    f->params, f->accuracy, f->acc_lo, f->acc_hi,
				    PLAN_SERIES_PLANS);
		n++;
	}
	if (isfinite(m->dense_acc)) {
		pts[n] = plan_point("dense", m->dense_ms, NAN, NAN, m->dense_params,
				    m->dense_acc, NAN, NAN, PLAN_SERIES_BASELINES);
		n++;
	}
	if (isfinite(m->pai_acc)) {
		pts[n] = plan_point("unstructured PaI", m->pai_ms, NAN, NAN, m->pai_params,
				    m->pai_acc, NAN, NAN, PLAN_SERIES_BASELINES);
		n++;
	}
	if (m->current >= 0 && m->current < log->n) {
		const struct plan_log_figures *f = &log->e[m->current].fig;
		snprintf(labels[n], sizeof labels[n], "current #%d", m->current + 1);
		pts[n] = plan_point(labels[n], f->latency_ms, NAN, NAN, f->params, f->accuracy,
				    NAN, NAN, PLAN_SERIES_CURRENT);
		n++;
	}
	char subtitle[96];
	snprintf(subtitle, sizeof subtitle, "%d plan%s; quick-eval accuracy, batch-1 latency",
		 log->n, log->n == 1 ? "" : "s");
	struct render_tradeoff t = {
		.title = m->title ? m->title : "plans measured in the explorer",
		.subtitle = subtitle, .n = n, .points = pts,
		.n_series = PLAN_SERIES_COUNT, .series_names = plan_series_names,
		.series_line = plan_series_lines,
	};
	enum eng_status st = render_tradeoff_write(&t, style, path, warn, err);
	free(pts);
	free(labels);
	free(front);
	return st;
}

enum eng_status plan_log_export(const struct plan_log *log, const char *const *group_names,
				const struct plan_log_marks *marks,
				const struct render_style *style, const char *prefix,
				const struct eng_warn *warn, struct eng_err *err)
{
	if (log->n == 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "no plan measured yet: nothing to export");
	size_t plen = strlen(prefix);
	char *path = malloc(plen + 5);
	if (!path)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	char *text = NULL;
	size_t len = 0;
	enum eng_status st = plan_log_csv(log, group_names, &text, &len);
	snprintf(path, plen + 5, "%s.csv", prefix);
	if (st != ENG_STATUS_OK)
		eng_err_set(err, st, "%s: out of memory", path);
	else
		st = fileio_write_atomic_buf(path, text, len, err);
	free(text);
	if (st == ENG_STATUS_OK) {
		snprintf(path, plen + 5, "%s.png", prefix);
		struct render_style dflt;
		if (!style) {
			render_style_default(&dflt);
			style = &dflt;
		}
		st = plan_log_png(log, marks, style, path, warn, err);
	}
	free(path);
	return st;
}
