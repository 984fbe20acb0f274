/* app_history.c: the plan history (plan_log.h; the history view, v):
 * noting every plan a snapshot measured, the figures and baselines it
 * shows, its cursor, restoring an entry, and X's CSV and PNG. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explorer/app_internal.h"
#include "explorer/plan_log_export.h"

static struct plan_log_setting app_log_setting(const struct worker_settings *s)
{
	return (struct plan_log_setting){ .method = s->method, .sparsity = s->sparsity,
					  .tau = s->tau, .seed = s->seed };
}

void app_log_cursor_to(struct app *a, int i)
{
	if (i >= a->plans.n)
		i = a->plans.n - 1;
	if (i < 0)
		i = 0;
	a->log_cursor = i;
	int rows = a->visible > 0 ? a->visible : 1; /* the table's rows */
	if (a->plans.n > 0)
		a->log_top = layout_scroll_fit(a->log_top, i, a->plans.n, rows);
}

/* What snapshot s knows of variant v (DENSE, PAI, or PLAN: its own plan)
 * as history figures: its projection's params, bytes and MACs, and the
 * latency and quick-eval when they are not stale (worker_snapshot.c
 * compares the keys: then they are for exactly s's plan and settings). */
static struct plan_log_figures app_snapshot_figures(const struct worker_snapshot *s,
						    enum worker_variant v)
{
	struct plan_log_figures f = plan_log_figures_none();
	const struct metrics *mt = v == WORKER_VARIANT_DENSE ? &s->proj.dense :
				   v == WORKER_VARIANT_PAI ? &s->proj.pai : &s->proj.plan;
	f.params = (double)mt->nonzero;
	f.bytes = (double)mt->storage_bytes;
	f.macs = (double)mt->effective_macs;
	const struct worker_latency *l = &s->latency[v];
	const struct worker_eval *e = &s->eval[v];
	if (l->valid && !l->stale) {
		f.latency_ms = l->median_ms;
		f.latency_lo = l->p10_ms;
		f.latency_hi = l->p90_ms;
	}
	if (e->valid && !e->stale) {
		f.accuracy = e->accuracy;
		f.acc_lo = e->ci_lo;
		f.acc_hi = e->ci_hi;
	}
	return f;
}

/* A snapshot's figures for its own plan: a new or fuller entry. */
unsigned app_history_note(struct app *a, const struct worker_snapshot *s)
{
	if (!app_snapshot_ours(a, s) || s->plan.n_groups != a->plans.n_groups)
		return 0;
	struct plan_log_figures f = app_snapshot_figures(s, WORKER_VARIANT_PLAN);
	if (isnan(f.latency_ms) && isnan(f.accuracy))
		return 0;
	/* The automatic plan of these very settings, or the user's. */
	const struct prune_plan *ap = &s->scores.auto_plan;
	bool is_auto = s->scores.valid && !s->scores.stale && ap->n_groups == s->plan.n_groups &&
		       memcmp(ap->keep, s->plan.keep,
			      (size_t)ap->n_groups * sizeof *ap->keep) == 0;
	struct plan_log_setting set = app_log_setting(&s->settings);
	unsigned long before = a->plans.changes;
	int n_before = a->plans.n;
	if (plan_log_note(&a->plans, s->plan.keep, &set, &f,
			  is_auto ? PLAN_LOG_SOURCE_AUTO : PLAN_LOG_SOURCE_EDIT) < 0) {
		app_log(a, APP_LOG_ERROR, "plan history: out of memory");
		return UI_HANDLED | UI_REDRAW;
	}
	/* A full log dropped its oldest entry: the cursor stays on its plan. */
	if (a->plans.n == n_before && n_before == PLAN_LOG_MAX && a->plans.changes != before &&
	    a->plans.last_changed == a->plans.n - 1 && a->log_cursor > 0)
		a->log_cursor--;
	return a->plans.changes != before ? UI_HANDLED | UI_REDRAW : 0;
}

int app_history_current(const struct app *a)
{
	struct plan_log_setting set = app_log_setting(&a->settings);
	return plan_log_find(&a->plans, a->plan.keep, &set);
}

struct plan_log_figures app_history_baseline(const struct app *a, enum worker_variant v)
{
	const struct worker_snapshot *s = app_snap(a);
	return s ? app_snapshot_figures(s, v) : plan_log_figures_none();
}

unsigned app_history_restore(struct app *a, int i)
{
	if (i < 0 || i >= a->plans.n) {
		app_log(a, APP_LOG_INFO, "no measured plan yet: edits are measured in the background");
		return UI_HANDLED | UI_REDRAW;
	}
	const struct plan_log_entry *e = &a->plans.e[i];
	for (int g = 0; g < a->plan.n_groups; g++) {
		const struct group *gr = app_group(a, g);
		if (!plan_keep_allowed(gr, e->keep[g], app_min_keep(a))) {
			app_log(a, APP_LOG_ERROR, "plan #%d keeps %d of the %d channels of '%s', "
				"which the collapse guard (%d) does not allow", i + 1, e->keep[g],
				gr->channels, gr->name, app_min_keep(a));
			return UI_HANDLED | UI_REDRAW;
		}
	}
	struct worker_settings s = a->settings;
	s.method = e->set.method;
	s.sparsity = e->set.sparsity;
	s.tau = e->set.tau;
	s.seed = e->set.seed;
	unsigned f = UI_HANDLED | UI_REDRAW;
	if (!app_settings_same(&s, &a->settings)) {
		char msg[96];
		snprintf(msg, sizeof msg, "settings of plan #%d", i + 1);
		f |= app_settings_send(a, &s, msg);
	}
	/* Like a plan file, the entry is the whole plan: locks do not hold. */
	int changed = 0;
	for (int g = 0; g < a->plan.n_groups; g++)
		if (a->plan.keep[g] != e->keep[g]) {
			plan_set_keep(&a->plan, g, e->keep[g]);
			changed++;
		}
	if (changed && !app_hist_push(a)) {
		app_log(a, APP_LOG_ERROR, "out of memory");
		app_hist_load(a, a->hist.pos);
		return f;
	}
	if (changed)
		app_plan_send(a);
	app_log(a, APP_LOG_INFO, "plan #%d restored: %d group%s changed%s", i + 1, changed,
		changed == 1 ? "" : "s", changed ? " (u undoes)" : "");
	return f;
}

unsigned app_history_export(struct app *a, const char *prefix)
{
	if (a->plans.n == 0) {
		snprintf(a->dlg.error, sizeof a->dlg.error, "no plan measured yet");
		app_log(a, APP_LOG_WARN, "plan history: no plan measured yet");
		return UI_HANDLED | UI_REDRAW;
	}
	if (a->no_write) {
		a->writes_skipped++;
		a->dlg.error[0] = '\0';
		app_log(a, APP_LOG_INFO, "plan history not written to %s.csv (replay)", prefix);
		return UI_HANDLED | UI_REDRAW;
	}
	const struct group_set *gs = &a->model->groups;
	const char **names = calloc((size_t)(gs->n_groups > 0 ? gs->n_groups : 1),
				    sizeof *names);
	if (!names) {
		app_log(a, APP_LOG_ERROR, "out of memory");
		return UI_HANDLED | UI_REDRAW;
	}
	for (int g = 0; g < gs->n_groups; g++)
		names[g] = gs->groups[g].name;
	char title[128];
	snprintf(title, sizeof title, "%s: plans measured in the explorer",
		 a->model->net->name);
	struct plan_log_figures dense = app_history_baseline(a, WORKER_VARIANT_DENSE);
	struct plan_log_figures pai = app_history_baseline(a, WORKER_VARIANT_PAI);
	struct plan_log_marks m = { .title = title, .current = app_history_current(a),
				    .dense_ms = dense.latency_ms, .dense_params = dense.params,
				    .dense_acc = dense.accuracy, .pai_ms = pai.latency_ms,
				    .pai_params = pai.params, .pai_acc = pai.accuracy };
	struct eng_err err = { { 0 } };
	enum eng_status st = plan_log_export(&a->plans, names, &m, a->export_style, prefix,
					     NULL, &err);
	free(names);
	if (st != ENG_STATUS_OK) {
		app_log(a, APP_LOG_ERROR, "%s", err.msg);
		snprintf(a->dlg.error, sizeof a->dlg.error, "%s", err.msg);
		return UI_HANDLED | UI_REDRAW;
	}
	a->dlg.error[0] = '\0';
	app_log(a, APP_LOG_INFO, "plan history: %d plan%s written to %s.csv and %s.png",
		a->plans.n, a->plans.n == 1 ? "" : "s", prefix, prefix);
	return UI_HANDLED | UI_REDRAW;
}
