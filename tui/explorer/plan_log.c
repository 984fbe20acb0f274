/* plan_log.c: the plans a session measured (plan_log.h).
 *
 * Invariant: e[0..n) are distinct (keep, setting) pairs, oldest first;
 * every e[i].keep holds n_groups counts. */
#include "config.h"

#include "explorer/plan_log.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/pareto.h"
#include "base/textbuf.h"

static const char *const plan_log_source_names[PLAN_LOG_SOURCE_COUNT] = {
	"edit", "auto",
};

static const char *const plan_log_axis_names[PLAN_LOG_AXIS_COUNT] = {
	"latency", "MACs",
};

struct plan_log_figures plan_log_figures_none(void)
{
	return (struct plan_log_figures){
		NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN,
	};
}

enum eng_status plan_log_init(struct plan_log *log, int n_groups)
{
	memset(log, 0, sizeof *log);
	log->n_groups = n_groups;
	log->last_changed = -1;
	log->e = calloc(PLAN_LOG_MAX, sizeof *log->e);
	return log->e ? ENG_STATUS_OK : ENG_STATUS_ENOMEM;
}

void plan_log_done(struct plan_log *log)
{
	for (int i = 0; i < log->n; i++)
		free(log->e[i].keep);
	free(log->e);
	memset(log, 0, sizeof *log);
}

static int *plan_log_keep_dup(const int *keep, int n)
{
	int *k = malloc((size_t)(n > 0 ? n : 1) * sizeof *k);
	if (k && n > 0)
		memcpy(k, keep, (size_t)n * sizeof *k);
	return k;
}

enum eng_status plan_log_copy(struct plan_log *dst, const struct plan_log *src)
{
	if (plan_log_init(dst, src->n_groups) != ENG_STATUS_OK)
		return ENG_STATUS_ENOMEM;
	for (int i = 0; i < src->n; i++) {
		dst->e[i] = src->e[i];
		dst->e[i].keep = plan_log_keep_dup(src->e[i].keep, src->n_groups);
		if (!dst->e[i].keep) {
			dst->n = i;
			plan_log_done(dst);
			return ENG_STATUS_ENOMEM;
		}
		dst->n = i + 1;
	}
	dst->changes = src->changes;
	dst->last_changed = src->last_changed;
	return ENG_STATUS_OK;
}

static bool plan_log_setting_same(const struct plan_log_setting *a,
				  const struct plan_log_setting *b)
{
	return a->method == b->method && a->sparsity == b->sparsity && a->tau == b->tau &&
	       a->seed == b->seed;
}

int plan_log_find(const struct plan_log *log, const int *keep,
		  const struct plan_log_setting *set)
{
	for (int i = log->n - 1; i >= 0; i--)
		if (plan_log_setting_same(&log->e[i].set, set) &&
		    memcmp(log->e[i].keep, keep, (size_t)log->n_groups * sizeof *keep) == 0)
			return i;
	return -1;
}

/* Copy the measured parts of f over d; whether anything changed. */
static bool plan_log_merge(struct plan_log_figures *d, const struct plan_log_figures *f)
{
	bool changed = false;
#define PLAN_LOG_MERGE(field)                                            \
	if (!isnan(f->field) && !(f->field == d->field)) {                \
		d->field = f->field;                                      \
		changed = true;                                           \
	}
	PLAN_LOG_MERGE(params)
	PLAN_LOG_MERGE(bytes)
	PLAN_LOG_MERGE(macs)
	PLAN_LOG_MERGE(latency_ms)
	PLAN_LOG_MERGE(latency_lo)
	PLAN_LOG_MERGE(latency_hi)
	PLAN_LOG_MERGE(accuracy)
	PLAN_LOG_MERGE(acc_lo)
	PLAN_LOG_MERGE(acc_hi)
#undef PLAN_LOG_MERGE
	return changed;
}

int plan_log_note(struct plan_log *log, const int *keep,
		  const struct plan_log_setting *set,
		  const struct plan_log_figures *f, enum plan_log_source source)
{
	int i = plan_log_find(log, keep, set);
	if (i >= 0) {
		bool changed = plan_log_merge(&log->e[i].fig, f);
		if (source == PLAN_LOG_SOURCE_AUTO && log->e[i].source != source) {
			log->e[i].source = source;
			changed = true;
		}
		if (changed) {
			log->changes++;
			log->last_changed = i;
		}
		return i;
	}
	int *k = plan_log_keep_dup(keep, log->n_groups);
	if (!k)
		return -1;
	if (log->n == PLAN_LOG_MAX) {
		free(log->e[0].keep);
		memmove(log->e, log->e + 1, (size_t)(PLAN_LOG_MAX - 1) * sizeof *log->e);
		log->n--;
	}
	i = log->n++;
	log->e[i] = (struct plan_log_entry){ .keep = k, .set = *set, .source = source,
					     .fig = plan_log_figures_none() };
	plan_log_merge(&log->e[i].fig, f);
	log->changes++;
	log->last_changed = i;
	return i;
}

double plan_log_cost(const struct plan_log_figures *f, enum plan_log_axis axis)
{
	return axis == PLAN_LOG_AXIS_MACS ? f->macs : f->latency_ms;
}

void plan_log_front(const struct plan_log *log, enum plan_log_axis axis, bool *front)
{
	if (log->n == 0)
		return;
	double *cost = malloc((size_t)log->n * 2 * sizeof *cost);
	if (!cost) {
		memset(front, 0, (size_t)log->n * sizeof *front);
		return;
	}
	double *acc = cost + log->n;
	for (int i = 0; i < log->n; i++) {
		cost[i] = plan_log_cost(&log->e[i].fig, axis);
		acc[i] = log->e[i].fig.accuracy;
	}
	pareto_front(cost, acc, (size_t)log->n, front);
	free(cost);
}

const char *plan_log_source_name(enum plan_log_source s)
{
	return s >= 0 && s < PLAN_LOG_SOURCE_COUNT ? plan_log_source_names[s] : "?";
}

bool plan_log_source_from_name(const char *name, enum plan_log_source *out)
{
	for (int s = 0; s < PLAN_LOG_SOURCE_COUNT; s++)
		if (!strcmp(name, plan_log_source_names[s])) {
			*out = (enum plan_log_source)s;
			return true;
		}
	return false;
}

const char *plan_log_axis_name(enum plan_log_axis a)
{
	return a >= 0 && a < PLAN_LOG_AXIS_COUNT ? plan_log_axis_names[a] : "?";
}

/* A CSV cell: empty for NaN, else the shortest text that reads back. */
static void plan_log_csv_num(struct textbuf *t, double v)
{
	if (isnan(v))
		textbuf_printf(t, ",");
	else
		textbuf_printf(t, ",%.9g", v);
}

enum eng_status plan_log_csv(const struct plan_log *log, const char *const *group_names,
			     char **text, size_t *len)
{
	struct textbuf t;
	textbuf_init(&t);
	textbuf_printf(&t, "plan,source,method,sparsity,tau,seed,params,bytes,macs,"
		       "latency_ms,latency_p10_ms,latency_p90_ms,accuracy,accuracy_lo,"
		       "accuracy_hi,pareto_latency,pareto_macs");
	for (int g = 0; g < log->n_groups; g++) {
		char name[64];
		snprintf(name, sizeof name, "keep %s", group_names ? group_names[g] : "");
		if (!group_names)
			snprintf(name, sizeof name, "keep %d", g);
		/* Group names may hold commas or quotes (imported ONNX). */
		textbuf_printf(&t, ",");
		textbuf_csv(&t, name);
	}
	textbuf_printf(&t, "\n");
	bool *front = calloc((size_t)(log->n > 0 ? log->n : 1) * 2, sizeof *front);
	if (!front) {
		textbuf_free(&t);
		return ENG_STATUS_ENOMEM;
	}
	plan_log_front(log, PLAN_LOG_AXIS_LATENCY, front);
	plan_log_front(log, PLAN_LOG_AXIS_MACS, front + log->n);
	for (int i = 0; i < log->n; i++) {
		const struct plan_log_entry *e = &log->e[i];
		const struct plan_log_figures *f = &e->fig;
		textbuf_printf(&t, "%d,%s,%s,%.17g,%.17g,%llu", i + 1,
			       plan_log_source_name(e->source), score_method_name(e->set.method),
			       e->set.sparsity, e->set.tau, (unsigned long long)e->set.seed);
		const double v[] = { f->params, f->bytes, f->macs, f->latency_ms,
				     f->latency_lo, f->latency_hi, f->accuracy, f->acc_lo,
				     f->acc_hi };
		for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
			plan_log_csv_num(&t, v[k]);
		textbuf_printf(&t, ",%d,%d", front[i], front[log->n + i]);
		for (int g = 0; g < log->n_groups; g++)
			textbuf_printf(&t, ",%d", e->keep[g]);
		textbuf_printf(&t, "\n");
	}
	free(front);
	size_t n = t.len;
	*text = textbuf_take(&t);
	if (!*text)
		return ENG_STATUS_ENOMEM;
	*len = n;
	return ENG_STATUS_OK;
}
