#include "config.h"

#include "explorer/app.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Only the KEY_* constants (plain integer macros) are used, as in keys.c:
 * libtui stays free of curses calls. */
#include <curses.h>

#include "explorer/plan_log_export.h"
#include "prune/group_probe.h"
#include "prune/plan_file.h"
#include "prune/reconvene.h"
#include "score/score.h"

#define CTRL_KEY(c) ((c) & 0x1f)
#define KEY_ESCAPE 27

/* ---- small helpers ------------------------------------------------------ */

void app_log(struct app *a, enum app_log_level lv, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->log, sizeof a->log, fmt, ap);
	va_end(ap);
	a->log_level = lv;
}

void app_format_sparsity(double s, char *buf, size_t len)
{
	snprintf(buf, len, "%.8g", s);
}

void app_format_count(double v, char *buf, size_t len)
{
	double av = fabs(v);
	if (av < 1e3)
		snprintf(buf, len, "%.0f", v);
	else if (av < 1e6)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else if (av < 1e9)
		snprintf(buf, len, "%.2fM", v / 1e6);
	else
		snprintf(buf, len, "%.2fG", v / 1e9);
}

static const struct group *app_group(const struct app *a, int g)
{
	return &a->model->groups.groups[g];
}

int app_cursor_group(const struct app *a)
{
	if (a->n_rows <= 0)
		return -1;
	return a->rows[a->cursor].group;
}

bool app_layer_in_group(const struct app *a, int layer, int g)
{
	if (g < 0 || g >= a->model->groups.n_groups)
		return false;
	const struct group *gr = app_group(a, g);
	for (int i = 0; i < gr->n_members; i++)
		if (gr->members[i].layer == layer)
			return true;
	return false;
}

bool app_dirty(const struct app *a)
{
	return plan_hash(&a->plan) != a->saved_hash;
}

int app_keep_step(int keep, int channels, int min_keep, int n, bool one)
{
	int step = 1;
	if (!one) {
		step = (int)ceil(channels * APP_STEP_FRACTION - 1e-9);
		if (step < 1)
			step = 1;
	}
	long k = (long)keep + (long)n * step;
	int lo = min_keep < 1 ? 1 : min_keep;
	if (lo > channels)
		lo = channels;
	if (k < lo)
		k = lo;
	if (k > channels)
		k = channels;
	return (int)k;
}

static int app_min_keep(const struct app *a)
{
	return a->settings.min_keep < 1 ? PLAN_MIN_KEEP_DEFAULT : a->settings.min_keep;
}

static bool app_settings_same(const struct worker_settings *x,
			      const struct worker_settings *y)
{
	return x->method == y->method && x->sparsity == y->sparsity &&
	       x->seed == y->seed && x->tau == y->tau && x->k == y->k &&
	       x->min_keep == y->min_keep &&
	       x->synflow_iterations == y->synflow_iterations &&
	       x->samples_per_class == y->samples_per_class;
}

bool app_snapshot_ours(const struct app *a, const struct worker_snapshot *s)
{
	return s && s->model && s->model->id == a->model->id;
}

const struct worker_snapshot *app_snap(const struct app *a)
{
	return app_snapshot_ours(a, a->snap) ? a->snap : NULL;
}

/* The PaI kept counts of the snapshot, when they belong to our model. */
static const size_t *app_kept(const struct app *a)
{
	const struct worker_snapshot *s = app_snap(a);
	return s && s->scores.valid ? s->scores.kept : NULL;
}

/* The analytic numbers for the plan and for one step of the cursor's
 * group: pure, microseconds, so every edit shows them in its own frame. */
static void app_project(struct app *a)
{
	const size_t *kept = app_kept(a);
	a->proj_valid = worker_model_project(a->model, &a->plan, kept,
					     &a->proj) == ENG_STATUS_OK;
	a->step_valid = false;
	a->step_channels = 0;
	int g = app_cursor_group(a);
	if (g < 0 || !app_group(a, g)->prunable || a->locked[g])
		return;
	int keep = a->plan.keep[g];
	int k2 = app_keep_step(keep, app_group(a, g)->channels, app_min_keep(a),
			       -1, false);
	if (k2 >= keep)
		return;
	a->plan.keep[g] = k2;
	a->step_valid = worker_model_project(a->model, &a->plan, kept,
					     &a->step_proj) == ENG_STATUS_OK;
	a->plan.keep[g] = keep;
	a->step_channels = keep - k2;
}

static void app_plan_send(struct app *a)
{
	if (a->w) {
		struct eng_err err = { { 0 } };
		if (worker_set_plan(a->w, &a->plan, &a->plan_seq, &err) != ENG_STATUS_OK)
			app_log(a, APP_LOG_ERROR, "%s", err.msg);
	}
	app_project(a);
}

/* ---- undo history ------------------------------------------------------- */

static bool app_hist_push(struct app *a)
{
	return history_push(&a->hist, a->plan.keep);
}

static void app_hist_load(struct app *a, int pos)
{
	a->hist.pos = pos;
	for (int g = 0; g < a->plan.n_groups; g++)
		if (a->plan.keep[g] != a->hist.v[pos][g] || a->plan.kept_idx[g])
			plan_set_keep(&a->plan, g, a->hist.v[pos][g]);
	app_plan_send(a);
}

/* ---- plan edits --------------------------------------------------------- */

static bool app_group_editable(struct app *a, int g)
{
	if (g < 0) {
		app_log(a, APP_LOG_WARN, "no layer selected");
		return false;
	}
	const struct group *gr = app_group(a, g);
	if (!gr->prunable) {
		static const char *const why[GROUP_FIXED_COUNT] = {
			"", "it holds the network input", "it holds the class scores",
			"a grouped convolution uses it", "no layer produces it",
		};
		app_log(a, APP_LOG_WARN, "group '%s' cannot be pruned: %s", gr->name,
			why[gr->fixed]);
		return false;
	}
	if (a->locked[g]) {
		app_log(a, APP_LOG_WARN, "group '%s' is locked (space unlocks)",
			gr->name);
		return false;
	}
	return true;
}

unsigned app_keep_set(struct app *a, int group, int keep)
{
	if (!app_group_editable(a, group))
		return UI_HANDLED | UI_REDRAW;
	const struct group *gr = app_group(a, group);
	int lo = app_min_keep(a) > gr->channels ? gr->channels : app_min_keep(a);
	if (keep < lo)
		keep = lo;
	if (keep > gr->channels)
		keep = gr->channels;
	if (keep == a->plan.keep[group]) {
		app_log(a, APP_LOG_INFO, "%s keeps %d of %d (limit)", gr->name, keep,
			gr->channels);
		return UI_HANDLED | UI_REDRAW;
	}
	int old = a->plan.keep[group];
	plan_set_keep(&a->plan, group, keep);
	if (!app_hist_push(a)) {
		plan_set_keep(&a->plan, group, old);
		app_log(a, APP_LOG_ERROR, "out of memory");
		return UI_HANDLED | UI_REDRAW;
	}
	app_plan_send(a);
	/* the channel ratio with what it does to the group's layers (the
	 * shape-only net suffices: one layer at a time, no weights kept) */
	uint64_t p0, p1, m0, m1;
	width_staircase_cost(a->model->net, &a->model->groups, group, gr->channels, &p0, &m0);
	width_staircase_cost(a->model->net, &a->model->groups, group, keep, &p1, &m1);
	if (p0 > 0 && m0 > 0)
		app_log(a, APP_LOG_INFO, "%s: %d -> %d of %d channels (%.0f%%): its layers' "
			"params %.0f%%, MACs %.0f%%", gr->name, old, keep, gr->channels,
			100.0 * keep / gr->channels, 100.0 * (double)p1 / (double)p0,
			100.0 * (double)m1 / (double)m0);
	else
		app_log(a, APP_LOG_INFO, "%s: %d -> %d of %d channels", gr->name, old, keep,
			gr->channels);
	return UI_HANDLED | UI_REDRAW;
}

unsigned app_plan_adopt(struct app *a, const struct prune_plan *p, const char *why)
{
	if (p->n_groups != a->plan.n_groups) {
		app_log(a, APP_LOG_ERROR, "%s: plan does not fit the model", why);
		return UI_HANDLED | UI_REDRAW;
	}
	int changed = 0, skipped = 0;
	for (int g = 0; g < p->n_groups; g++) {
		if (p->keep[g] == a->plan.keep[g])
			continue;
		if (a->locked[g]) {
			skipped++;
			continue;
		}
		plan_set_keep(&a->plan, g, p->keep[g]);
		changed++;
	}
	if (changed == 0) {
		app_log(a, APP_LOG_INFO, "%s: no change%s", why,
			skipped ? " (locked groups kept)" : "");
		return UI_HANDLED | UI_REDRAW;
	}
	if (!app_hist_push(a)) {
		app_log(a, APP_LOG_ERROR, "out of memory");
		app_hist_load(a, a->hist.pos);
		return UI_HANDLED | UI_REDRAW;
	}
	app_plan_send(a);
	app_log(a, APP_LOG_INFO, "%s: %d group%s changed%s", why, changed,
		changed == 1 ? "" : "s", skipped ? ", locked groups kept" : "");
	return UI_HANDLED | UI_REDRAW;
}

static bool app_auto_current(const struct app *a)
{
	const struct worker_snapshot *s = a->snap;
	return app_snapshot_ours(a, s) && s->scores.valid &&
	       !s->scores.stale && app_settings_same(&s->settings, &a->settings) &&
	       s->scores.auto_plan.n_groups == a->plan.n_groups &&
	       s->job[WORKER_JOB_SCORES].state == WORKER_STATE_DONE;
}

static void app_widths_ask(struct app *a, int g);

/* --align auto: whether the pending plan's group g is rectified and so
 * waits for its staircase (locked groups are not adopted anyway). */
static bool app_align_wants(const struct app *a, int g)
{
	const struct group *gr = app_group(a, g);
	return gr->prunable && !a->locked[g] && a->pending_plan.keep[g] < gr->channels;
}

static void app_align_drop(struct app *a)
{
	if (a->auto_pending)
		plan_done(&a->pending_plan);
	a->auto_pending = false;
}

/* The pending aligned plan: ask for the next missing staircase, or, when
 * every rectified group has one, snap each to width_free and adopt. */
static unsigned app_align_step(struct app *a)
{
	const unsigned redraw = UI_HANDLED | UI_REDRAW;
	int missing = -1, total = 0, have = 0;
	for (int g = 0; g < a->pending_plan.n_groups; g++) {
		if (!app_align_wants(a, g))
			continue;
		total++;
		if (stairs_get(&a->stairs, g))
			have++;
		else if (missing < 0)
			missing = g;
	}
	if (missing >= 0) {
		if (!a->w) {
			app_align_drop(a);
			a->auto_settled++;
			app_log(a, APP_LOG_WARN, "automatic plan: --align auto needs measured widths");
			return redraw;
		}
		app_widths_ask(a, missing);
		app_log(a, APP_LOG_INFO, "automatic plan, --align auto: timing the widths of %s "
			"(%d of %d groups)", app_group(a, missing)->name, have + 1, total);
		return redraw;
	}
	int moved = 0;
	for (int g = 0; g < a->pending_plan.n_groups; g++) {
		if (!app_align_wants(a, g))
			continue;
		int keep = a->pending_plan.keep[g];
		int w = stairs_snap(&a->stairs, g, keep, false);
		int c = app_group(a, g)->channels;
		int to = w < keep ? keep : w > c ? c : w;
		if (to != keep) {
			plan_set_keep(&a->pending_plan, g, to);
			moved++;
		}
	}
	char why[96];
	snprintf(why, sizeof why, "automatic plan (%d of %d groups widened to a measured "
		 "fast width)", moved, total);
	unsigned f = app_plan_adopt(a, &a->pending_plan, why);
	app_align_drop(a);
	a->auto_settled++;
	return f;
}

/* The automatic plan p arrived: adopt it, or with --align auto hold it
 * until its staircases are measured. */
static unsigned app_auto_arrived(struct app *a, const struct prune_plan *p)
{
	if (!a->align_auto) {
		a->auto_settled++;
		return app_plan_adopt(a, p, "automatic plan");
	}
	app_align_drop(a);
	if (plan_copy(&a->pending_plan, p) != ENG_STATUS_OK) {
		a->auto_settled++;
		app_log(a, APP_LOG_ERROR, "automatic plan: out of memory");
		return UI_HANDLED | UI_REDRAW;
	}
	a->auto_pending = true;
	return app_align_step(a);
}

static unsigned app_auto(struct app *a)
{
	if (!a->auto_defer && app_auto_current(a)) {
		a->auto_req = 0;
		return app_auto_arrived(a, &a->snap->scores.auto_plan);
	}
	if (!a->w) {
		app_log(a, APP_LOG_WARN, "automatic plan: no scores yet");
		return UI_HANDLED | UI_REDRAW;
	}
	a->auto_req = worker_request(a->w, WORKER_JOB_AUTO);
	app_log(a, APP_LOG_INFO, "automatic plan: waiting for the scores");
	return UI_HANDLED | UI_REDRAW;
}

/* ---- the criteria view ---------------------------------------------------- */

/* In the criteria view, ask for the comparison unless the snapshot has it
 * for the current settings or it is on its way. */
static void app_criteria_want(struct app *a)
{
	if (!a->w || a->view != LAYOUT_VIEW_CRITERIA)
		return;
	const struct worker_snapshot *s = a->snap;
	const struct worker_job_status *j = s ? &s->job[WORKER_JOB_CRITERIA] : NULL;
	if (app_snapshot_ours(a, s) && s->criteria_valid && !s->criteria_stale)
		return;
	if (j && (j->state == WORKER_STATE_QUEUED || j->state == WORKER_STATE_RUNNING))
		return;
	worker_request(a->w, WORKER_JOB_CRITERIA);
}

/* In the grid view, ask for the sensitivity grid unless the snapshot has
 * it for the current settings (v, G). */
static void app_grid_want(struct app *a)
{
	if (!a->w || a->view != LAYOUT_VIEW_GRID)
		return;
	const struct worker_snapshot *s = a->snap;
	if (!s || !s->grid || s->grid_stale ||
	    s->job[WORKER_JOB_GRID].state == WORKER_STATE_NONE)
		worker_request(a->w, WORKER_JOB_GRID);
}

/* ---- width-latency staircases -------------------------------------------- */

/* Ask the worker for group g's staircase unless it is known or asked. */
static void app_widths_ask(struct app *a, int g)
{
	if (!a->w || g < 0 || stairs_get(&a->stairs, g) || !app_group(a, g)->prunable ||
	    (a->widths_req && a->widths_req_group == g))
		return;
	struct eng_err err = { { 0 } };
	uint64_t id = worker_request_widths(a->w, g, &err);
	if (!id) {
		app_log(a, APP_LOG_ERROR, "%s", err.msg);
		return;
	}
	a->widths_req = id;
	a->widths_req_group = g;
}

void app_widths_want(struct app *a)
{
	if (a->view == LAYOUT_VIEW_WIDTHS && !a->auto_pending)
		app_widths_ask(a, app_cursor_group(a));
}

/* Keep the snapshot's staircase; settle the request it answers. */
static unsigned app_widths_update(struct app *a, const struct worker_snapshot *s)
{
	if (!app_snapshot_ours(a, s))
		return 0;
	unsigned f = 0;
	if (s->widths.valid && stairs_adopt(&a->stairs, &s->widths.stair))
		f |= UI_HANDLED | UI_REDRAW;
	const struct worker_job_status *j = &s->job[WORKER_JOB_WIDTHS];
	if (a->widths_req && j->request == a->widths_req &&
	    (j->state == WORKER_STATE_DONE || j->state == WORKER_STATE_FAILED ||
	     j->state == WORKER_STATE_CANCELLED)) {
		if (j->state == WORKER_STATE_FAILED)
			app_log(a, APP_LOG_ERROR, "staircase of %s: %s",
				app_group(a, a->widths_req_group)->name, j->msg);
		a->widths_req = 0;
		f |= UI_HANDLED | UI_REDRAW;
		if (a->auto_pending && j->state == WORKER_STATE_FAILED) {
			app_align_drop(a);
			a->auto_settled++;
			app_log(a, APP_LOG_ERROR, "automatic plan not applied: the staircase of %s "
				"failed: %s", app_group(a, a->widths_req_group)->name, j->msg);
		} else if (a->auto_pending && j->state == WORKER_STATE_DONE &&
			   !stairs_get(&a->stairs, a->widths_req_group)) {
			app_align_drop(a); /* never asks the same group twice */
			a->auto_settled++;
			app_log(a, APP_LOG_ERROR, "automatic plan not applied: no staircase "
				"of %s arrived", app_group(a, a->widths_req_group)->name);
		} else if (a->auto_pending) {
			f |= app_align_step(a);
		}
	}
	return f;
}

unsigned app_width_snap(struct app *a, bool faster)
{
	const unsigned redraw = UI_HANDLED | UI_REDRAW;
	int g = app_cursor_group(a);
	if (!app_group_editable(a, g))
		return redraw;
	const char *name = app_group(a, g)->name;
	int k = a->plan.keep[g];
	int to = stairs_snap(&a->stairs, g, k, faster);
	if (to < 0) {
		if (!a->w) {
			app_log(a, APP_LOG_WARN, "no staircase of %s: nothing measures here", name);
			return redraw;
		}
		app_widths_ask(a, g);
		app_log(a, APP_LOG_INFO, "measuring the staircase of %s (v shows it); "
			"press %s again when it is done", name, faster ? "F" : "f");
		return redraw;
	}
	if (faster && to == 0) {
		app_log(a, APP_LOG_INFO, "%s: no narrower width is measurably faster than %d",
			name, k);
		return redraw;
	}
	if (!faster && to <= k) {
		app_log(a, APP_LOG_INFO, "%s: no wider width is as fast as %d (no free channels)",
			name, k);
		return redraw;
	}
	unsigned f = app_keep_set(a, g, to);
	const struct width_point *p = width_staircase_at(stairs_get(&a->stairs, g), to);
	if (a->plan.keep[g] == to && p)
		app_log(a, APP_LOG_INFO, "%s: %d -> %d channels, %s (%.3f ms measured)", name, k,
			to, faster ? "next faster step" : "free channels", p->ms);
	return f;
}

/* ---- settings ----------------------------------------------------------- */

static unsigned app_settings_send(struct app *a, const struct worker_settings *s,
				  const char *what)
{
	struct eng_err err = { { 0 } };
	if (a->w && worker_set_settings(a->w, s, &err) != ENG_STATUS_OK) {
		app_log(a, APP_LOG_ERROR, "%s", err.msg);
		return UI_HANDLED | UI_REDRAW;
	}
	a->settings = *s;
	if (a->w && a->view == LAYOUT_VIEW_GRID)
		worker_request(a->w, WORKER_JOB_GRID);
	if (a->w && a->view == LAYOUT_VIEW_CRITERIA)
		worker_request(a->w, WORKER_JOB_CRITERIA);
	/* A pending automatic plan is for the old settings: ask again. */
	if (a->w && (a->auto_req || a->auto_pending)) {
		app_align_drop(a);
		a->auto_req = worker_request(a->w, WORKER_JOB_AUTO);
	}
	app_project(a);
	app_log(a, APP_LOG_INFO, "%s", what);
	return UI_HANDLED | UI_REDRAW;
}

static unsigned app_tau_step(struct app *a, int dir)
{
	struct worker_settings s = a->settings;
	double t = round((s.tau + dir * APP_TAU_STEP) * 100.0) / 100.0;
	if (t < 0)
		t = 0;
	if (t > 1)
		t = 1;
	if (t == s.tau) {
		app_log(a, APP_LOG_INFO, "tau is already %.2f", t);
		return UI_HANDLED | UI_REDRAW;
	}
	s.tau = t;
	char msg[64];
	snprintf(msg, sizeof msg, "tau = %.2f", t);
	return app_settings_send(a, &s, msg);
}

static unsigned app_method_set(struct app *a, enum score_method m)
{
	struct worker_settings s = a->settings;
	s.method = m;
	char msg[64];
	snprintf(msg, sizeof msg, "method = %s", score_method_name(m));
	return app_settings_send(a, &s, msg);
}

static unsigned app_sparsity_set(struct app *a, double v)
{
	struct worker_settings s = a->settings;
	s.sparsity = v;
	char msg[64], sb[32];
	app_format_sparsity(v, sb, sizeof sb);
	snprintf(msg, sizeof msg, "sparsity = %s", sb);
	return app_settings_send(a, &s, msg);
}

unsigned app_settings_set(struct app *a, const struct worker_settings *s, const char *why)
{
	if (app_settings_same(s, &a->settings))
		return UI_HANDLED;
	return app_settings_send(a, s, why);
}

void app_auto_forget(struct app *a)
{
	app_align_drop(a);
	a->auto_req = 0;
}

/* ---- export ------------------------------------------------------------- */

/* The worker's EXPORT job for the current plan into a->export_dir. */
static void app_export_start(struct app *a)
{
	if (a->no_write) {
		app_log(a, APP_LOG_INFO, "export to %s/ not carried out (replay)",
			a->export_dir);
		return;
	}
	if (a->export_req) {
		app_log(a, APP_LOG_WARN, "an export is already running");
		return;
	}
	if (!a->w) {
		app_log(a, APP_LOG_ERROR, "export: no engine");
		return;
	}
	struct eng_err err = { "" };
	a->export_req = worker_export(a->w, &a->plan, a->export_dir, a->export_style,
				      &err);
	if (!a->export_req)
		app_log(a, APP_LOG_ERROR, "%s", err.msg);
	else
		app_log(a, APP_LOG_INFO, "exporting to %s/ ...", a->export_dir);
}

/* The export's end, from a snapshot: its result in the log line. */
static unsigned app_export_update(struct app *a, const struct worker_snapshot *s)
{
	const struct worker_job_status *j = &s->job[WORKER_JOB_EXPORT];
	if (!a->export_req || j->request != a->export_req)
		return 0;
	switch (j->state) {
	case WORKER_STATE_DONE:
		app_log(a, APP_LOG_INFO, "%s", j->msg);
		break;
	case WORKER_STATE_FAILED:
		app_log(a, APP_LOG_ERROR, "export failed: %s", j->msg);
		break;
	case WORKER_STATE_CANCELLED:
		app_log(a, APP_LOG_WARN, "export to %s/ cancelled", a->export_dir);
		break;
	default:
		return 0;
	}
	a->export_req = 0;
	return UI_REDRAW;
}

/* ---- plan files --------------------------------------------------------- */

unsigned app_plan_save(struct app *a, const char *path)
{
	struct reconvene_options o;
	worker_settings_to_reconvene(&a->settings, &o);
	struct plan_file_info info;
	plan_file_info_from_options(&o, a->model->net->name, &info);
	struct eng_err err = { { 0 } };
	if (a->no_write) {
		a->writes_skipped++;
		a->saved_hash = plan_hash(&a->plan);
		a->dlg.error[0] = '\0';
		app_log(a, APP_LOG_INFO, "plan not written to %s (replay)", path);
		return UI_HANDLED | UI_REDRAW;
	}
	if (plan_file_write(path, &a->model->groups, &a->plan, &info, &err) !=
	    ENG_STATUS_OK) {
		app_log(a, APP_LOG_ERROR, "%s", err.msg);
		snprintf(a->dlg.error, sizeof a->dlg.error, "%s", err.msg);
		return UI_HANDLED | UI_REDRAW;
	}
	a->saved_hash = plan_hash(&a->plan);
	a->dlg.error[0] = '\0';
	app_log(a, APP_LOG_INFO, "plan saved to %s", path);
	return UI_HANDLED | UI_REDRAW;
}

unsigned app_plan_open(struct app *a, const char *path)
{
	struct prune_plan p = { 0 };
	struct eng_err err = { { 0 } };
	enum eng_status st = plan_file_read(path, a->model->net,
						 &a->model->groups, app_min_keep(a),
						 &p, NULL, &err);
	if (st != ENG_STATUS_OK) {
		plan_done(&p);
		app_log(a, APP_LOG_ERROR, "%s", err.msg);
		snprintf(a->dlg.error, sizeof a->dlg.error, "%s", err.msg);
		return UI_HANDLED | UI_REDRAW;
	}
	a->dlg.error[0] = '\0';
	/* A file replaces the whole plan, locked groups included: it is an
	 * explicit choice, unlike the automatic plan. */
	bool any = false;
	for (int g = 0; g < p.n_groups; g++)
		if (p.keep[g] != a->plan.keep[g]) {
			plan_set_keep(&a->plan, g, p.keep[g]);
			any = true;
		}
	plan_done(&p);
	if (any && app_hist_push(a))
		app_plan_send(a);
	else if (any)
		app_hist_load(a, a->hist.pos);
	a->saved_hash = plan_hash(&a->plan);
	app_log(a, APP_LOG_INFO, "plan opened from %s%s", path,
		any ? "" : " (same as the current plan)");
	return UI_HANDLED | UI_REDRAW;
}

/* ---- the plan history (plan_log.h) ------------------------------------- */

static struct plan_log_setting app_log_setting(const struct worker_settings *s)
{
	return (struct plan_log_setting){ .method = s->method, .sparsity = s->sparsity,
					  .tau = s->tau, .seed = s->seed };
}

static void app_log_cursor_to(struct app *a, int i)
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
static unsigned app_history_note(struct app *a, const struct worker_snapshot *s)
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

/* ---- moving ------------------------------------------------------------- */

static void app_cursor_to(struct app *a, int c)
{
	if (a->n_rows <= 0)
		return;
	if (c < 0)
		c = 0;
	if (c >= a->n_rows)
		c = a->n_rows - 1;
	a->cursor = c;
	a->top = layout_scroll_fit(a->top, a->cursor, a->n_rows,
				   a->visible > 0 ? a->visible : 1);
	app_project(a);
	app_widths_want(a);
}

void app_visible_set(struct app *a, int rows, int help_rows)
{
	a->visible = rows > 0 ? rows : 1;
	a->help_rows = help_rows > 0 ? help_rows : 1;
	if (a->help_top > a->help_total - a->help_rows)
		a->help_top = a->help_total - a->help_rows;
	if (a->help_top < 0)
		a->help_top = 0;
	if (a->n_rows > 0)
		a->top = layout_scroll_fit(a->top, a->cursor, a->n_rows, a->visible);
}

unsigned app_row_select(struct app *a, int visible_row)
{
	if (a->view == LAYOUT_VIEW_HISTORY) {
		/* The list's entries sit on the table's rows. */
		int i = a->log_top + visible_row;
		if (visible_row < 0 || i >= a->plans.n)
			return UI_HANDLED;
		app_log_cursor_to(a, i);
		return UI_HANDLED | UI_REDRAW;
	}
	int r = a->top + visible_row;
	if (visible_row < 0 || r >= a->n_rows)
		return UI_HANDLED;
	a->focus = APP_FOCUS_TABLE;
	app_cursor_to(a, r);
	return UI_HANDLED | UI_REDRAW;
}

unsigned app_scroll(struct app *a, int n)
{
	if (a->help) {
		a->help_top += n;
		if (a->help_top < 0)
			a->help_top = 0;
		return UI_HANDLED | UI_REDRAW;
	}
	if (a->view == LAYOUT_VIEW_HISTORY) {
		app_log_cursor_to(a, a->log_cursor + n);
		return UI_HANDLED | UI_REDRAW;
	}
	app_cursor_to(a, a->cursor + n);
	return UI_HANDLED | UI_REDRAW;
}

/* ---- dialogs ------------------------------------------------------------ */

static void app_dialog_open(struct app *a, enum app_dialog kind, const char *text)
{
	memset(&a->dlg, 0, sizeof a->dlg);
	a->dlg.kind = kind;
	if (text) {
		snprintf(a->dlg.input, sizeof a->dlg.input, "%s", text);
		a->dlg.input_len = (int)strlen(a->dlg.input);
	}
}

static void app_dialog_close(struct app *a)
{
	memset(&a->dlg, 0, sizeof a->dlg);
}

static bool app_is_enter(int key)
{
	return key == '\n' || key == '\r' || key == KEY_ENTER;
}

static bool app_is_backspace(int key)
{
	return key == KEY_BACKSPACE || key == 127 || key == 8;
}

/* Edit the text field with key; true if the key was a text key. */
static bool app_input_key(struct app *a, int key, const char *allowed)
{
	struct app_dialog_state *d = &a->dlg;
	bool fresh = d->fresh;
	d->fresh = false;
	if (app_is_backspace(key)) {
		if (d->input_len > 0)
			d->input[--d->input_len] = '\0';
		return true;
	}
	if (key == CTRL_KEY('U')) {
		d->input_len = 0;
		d->input[0] = '\0';
		return true;
	}
	if (key < 32 || key > 126)
		return false;
	if (allowed && !strchr(allowed, key))
		return false;
	if (fresh) {
		d->input_len = 0;
		d->input[0] = '\0';
	}
	if (d->input_len + 1 < (int)sizeof d->input) {
		d->input[d->input_len++] = (char)key;
		d->input[d->input_len] = '\0';
	}
	return true;
}

static bool app_parse_long(const char *s, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno)
		return false;
	*out = v;
	return true;
}

static unsigned app_dialog_submit(struct app *a)
{
	struct app_dialog_state *d = &a->dlg;
	switch (d->kind) {
	case APP_DIALOG_KEEP: {
		int g = app_cursor_group(a);
		const struct group *gr = app_group(a, g);
		long v;
		int lo = app_min_keep(a) > gr->channels ? gr->channels : app_min_keep(a);
		if (!app_parse_long(d->input, &v) || v < lo || v > gr->channels) {
			snprintf(d->error, sizeof d->error,
				 "type a whole number from %d to %d", lo, gr->channels);
			return UI_HANDLED | UI_REDRAW;
		}
		app_dialog_close(a);
		return app_keep_set(a, g, (int)v) | UI_RELAYOUT;
	}
	case APP_DIALOG_METHOD: {
		int m = d->choice;
		app_dialog_close(a);
		return app_method_set(a, (enum score_method)m) | UI_RELAYOUT;
	}
	case APP_DIALOG_SPARSITY: {
		double v;
		if (d->input_len > 0) {
			char *end;
			errno = 0;
			v = strtod(d->input, &end);
			if (*end || errno || !(v >= 0.0 && v < 1.0)) {
				snprintf(d->error, sizeof d->error,
					 "type a number in [0, 1), e.g. 0.9");
				return UI_HANDLED | UI_REDRAW;
			}
		} else {
			v = worker_grid_sparsity[d->choice];
		}
		app_dialog_close(a);
		return app_sparsity_set(a, v) | UI_RELAYOUT;
	}
	case APP_DIALOG_SAVE:
	case APP_DIALOG_OPEN: {
		if (d->input_len == 0) {
			snprintf(d->error, sizeof d->error, "type a file name");
			return UI_HANDLED | UI_REDRAW;
		}
		char path[APP_INPUT_MAX];
		snprintf(path, sizeof path, "%s", d->input);
		bool save = d->kind == APP_DIALOG_SAVE;
		unsigned f = save ? app_plan_save(a, path) : app_plan_open(a, path);
		if (!d->error[0])
			app_dialog_close(a);
		return f | UI_RELAYOUT;
	}
	case APP_DIALOG_HISTORY: {
		if (d->input_len == 0) {
			snprintf(d->error, sizeof d->error, "type a file name (without .csv)");
			return UI_HANDLED | UI_REDRAW;
		}
		char prefix[APP_INPUT_MAX];
		snprintf(prefix, sizeof prefix, "%s", d->input);
		unsigned f = app_history_export(a, prefix);
		if (!d->error[0])
			app_dialog_close(a);
		return f | UI_RELAYOUT;
	}
	case APP_DIALOG_EXPORT:
		if (d->input_len == 0) {
			snprintf(d->error, sizeof d->error, "type a directory name");
			return UI_HANDLED | UI_REDRAW;
		}
		snprintf(a->export_dir, sizeof a->export_dir, "%s", d->input);
		app_dialog_close(a);
		app_export_start(a);
		return UI_HANDLED | UI_REDRAW | UI_RELAYOUT | UI_EXPORT;
	default:
		app_dialog_close(a);
		return UI_HANDLED | UI_REDRAW | UI_RELAYOUT;
	}
}

/* ---- saved sessions ----------------------------------------------------- */

void app_session_view(const struct app *a, struct session_view *v)
{
	v->cursor = a->cursor;
	v->top = a->top;
	v->view = a->view;
	v->focus = (enum session_focus)a->focus;
}

enum eng_status app_session_capture(const struct app *a, struct session_state *st)
{
	if (session_state_init(st, a->plan.n_groups) != ENG_STATUS_OK)
		return ENG_STATUS_ENOMEM;
	history_done(&st->hist);
	plan_log_done(&st->log);
	if (history_copy(&st->hist, &a->hist) != ENG_STATUS_OK ||
	    plan_log_copy(&st->log, &a->plans) != ENG_STATUS_OK) {
		session_state_done(st);
		return ENG_STATUS_ENOMEM;
	}
	memcpy(st->locked, a->locked, sizeof *st->locked * (size_t)a->plan.n_groups);
	st->has_settings = true;
	st->settings = a->settings;
	app_session_view(a, &st->view);
	st->saved_hash = a->saved_hash;
	return ENG_STATUS_OK;
}

unsigned app_session_restore(struct app *a, struct session_state *st)
{
	if (st->n_groups != a->plan.n_groups || st->hist.n < 1) {
		app_log(a, APP_LOG_ERROR, "session: does not fit the model");
		return UI_HANDLED | UI_REDRAW;
	}
	struct history old = a->hist;
	a->hist = st->hist;
	st->hist = old;
	/* The restored session's measurements come first; what this run has
	 * measured meanwhile is added after them. */
	struct plan_log mine = a->plans;
	a->plans = st->log;
	st->log = mine;
	for (int i = 0; i < mine.n; i++)
		plan_log_note(&a->plans, mine.e[i].keep, &mine.e[i].set, &mine.e[i].fig,
			      mine.e[i].source);
	app_log_cursor_to(a, a->plans.n - 1);
	a->restores++;
	memcpy(a->locked, st->locked, sizeof *a->locked * (size_t)a->plan.n_groups);
	app_hist_load(a, a->hist.pos);
	a->saved_hash = st->saved_hash;
	if (st->has_settings) {
		struct worker_settings s = a->settings;
		s.method = st->settings.method;
		s.sparsity = st->settings.sparsity;
		s.tau = st->settings.tau;
		s.seed = st->settings.seed;
		if (!app_settings_same(&s, &a->settings))
			app_settings_send(a, &s, "settings restored");
	}
	a->view = st->view.view;
	if (a->view == LAYOUT_VIEW_GRID && a->w)
		worker_request(a->w, WORKER_JOB_GRID);
	app_criteria_want(a);
	a->focus = (enum app_focus)(st->view.focus % APP_FOCUS_COUNT);
	a->top = st->view.top < a->n_rows ? st->view.top : 0;
	app_cursor_to(a, st->view.cursor);
	int locks = 0;
	for (int g = 0; g < a->plan.n_groups; g++)
		locks += a->locked[g];
	app_log(a, APP_LOG_INFO, "session restored: %d edit%s (at %d), %d locked group%s%s",
		a->hist.n - 1, a->hist.n == 2 ? "" : "s", a->hist.pos, locks,
		locks == 1 ? "" : "s", app_dirty(a) ? ", plan not saved" : "");
	return UI_HANDLED | UI_REDRAW | UI_RELAYOUT;
}

void app_session_offer(struct app *a, struct session_state *st, const char *when)
{
	if (a->restore) {
		session_state_done(a->restore);
		free(a->restore);
	}
	a->restore = st;
	snprintf(a->restore_when, sizeof a->restore_when, "%s", when);
	app_dialog_open(a, APP_DIALOG_RESTORE, NULL);
}

/* The RESTORE dialog's answer: y restores, n / Esc / F10 start afresh. */
static unsigned app_restore_key(struct app *a, int key)
{
	const unsigned close = UI_HANDLED | UI_REDRAW | UI_RELAYOUT;
	bool yes = key == 'y' || key == 'Y';
	if (!yes && key != 'n' && key != 'N' && key != KEY_ESCAPE && key != KEY_F(10))
		return UI_HANDLED;
	struct session_state *st = a->restore;
	a->restore = NULL;
	app_dialog_close(a);
	unsigned f = close;
	if (yes && st)
		f |= app_session_restore(a, st);
	else
		app_log(a, APP_LOG_INFO, "session from %s dropped", a->restore_when);
	if (st) {
		session_state_done(st);
		free(st);
	}
	return f;
}

static int app_dialog_items(enum app_dialog kind)
{
	if (kind == APP_DIALOG_METHOD)
		return SCORE_METHOD_COUNT;
	if (kind == APP_DIALOG_SPARSITY)
		return WORKER_GRID_N;
	return 0;
}

static unsigned app_dialog_key(struct app *a, int key)
{
	struct app_dialog_state *d = &a->dlg;
	const unsigned close = UI_HANDLED | UI_REDRAW | UI_RELAYOUT;
	if (d->kind == APP_DIALOG_RESTORE)
		return app_restore_key(a, key);
	if (key == KEY_ESCAPE || key == KEY_F(10)) {
		app_dialog_close(a);
		app_log(a, APP_LOG_INFO, "cancelled");
		return close;
	}
	if (d->kind == APP_DIALOG_QUIT) {
		if (key == 'y' || key == 'Y' || key == 'q')
			return UI_HANDLED | UI_QUIT;
		if (key == 'w' || key == 'W') {
			char name[APP_INPUT_MAX];
			snprintf(name, sizeof name, "%s.plan.json", a->model->net->name);
			app_dialog_open(a, APP_DIALOG_SAVE, name);
			return close;
		}
		if (key == 'n' || key == 'N' || app_is_enter(key)) {
			app_dialog_close(a);
			return close;
		}
		return UI_HANDLED;
	}
	if (app_is_enter(key))
		return app_dialog_submit(a);
	int items = app_dialog_items(d->kind);
	if (items > 0) {
		if (key == KEY_UP || (key == 'k' && d->kind == APP_DIALOG_METHOD)) {
			d->choice = (d->choice + items - 1) % items;
			d->input_len = 0;
			d->input[0] = '\0';
			return UI_HANDLED | UI_REDRAW;
		}
		if (key == KEY_DOWN || (key == 'j' && d->kind == APP_DIALOG_METHOD) ||
		    key == '\t') {
			d->choice = (d->choice + 1) % items;
			d->input_len = 0;
			d->input[0] = '\0';
			return UI_HANDLED | UI_REDRAW;
		}
		if (d->kind == APP_DIALOG_METHOD) {
			if (key >= '1' && key < '1' + items)
				d->choice = key - '1';
			return UI_HANDLED | UI_REDRAW;
		}
	}
	const char *allowed = NULL;
	if (d->kind == APP_DIALOG_KEEP)
		allowed = "0123456789";
	else if (d->kind == APP_DIALOG_SPARSITY)
		allowed = "0123456789.eE-";
	if (app_input_key(a, key, allowed)) {
		d->error[0] = '\0';
		return UI_HANDLED | UI_REDRAW;
	}
	return UI_HANDLED;
}

/* ---- help overlay ------------------------------------------------------- */

static unsigned app_help_key(struct app *a, int key)
{
	int page = a->help_rows > 1 ? a->help_rows - 1 : 1;
	switch (key) {
	case KEY_UP: case 'k': a->help_top--; break;
	case KEY_DOWN: case 'j': a->help_top++; break;
	case KEY_PPAGE: a->help_top -= page; break;
	case KEY_NPAGE: case ' ': a->help_top += page; break;
	case KEY_HOME: a->help_top = 0; break;
	case KEY_END: a->help_top = 1 << 20; break;
	case KEY_RESIZE: return UI_HANDLED | UI_RELAYOUT | UI_REDRAW;
	default: {
		enum ui_action act = keys_lookup(key);
		if (act == UI_ACTION_HELP || act == UI_ACTION_CANCEL ||
		    act == UI_ACTION_QUIT) {
			a->help = false;
			return UI_HANDLED | UI_REDRAW | UI_RELAYOUT;
		}
		if (act == UI_ACTION_REPAINT)
			return UI_HANDLED | UI_REPAINT | UI_REDRAW;
		return UI_HANDLED;
	}
	}
	int max = a->help_total - a->help_rows;
	if (a->help_top > max)
		a->help_top = max;
	if (a->help_top < 0)
		a->help_top = 0;
	return UI_HANDLED | UI_REDRAW;
}

/* ---- dispatch ----------------------------------------------------------- */

unsigned app_action(struct app *a, enum ui_action act)
{
	const unsigned redraw = UI_HANDLED | UI_REDRAW;
	int g = app_cursor_group(a);
	int page = a->visible > 1 ? a->visible - 1 : 1;
	if (a->view == LAYOUT_VIEW_HISTORY) {
		/* The history list takes the moving keys and Enter. */
		int lp = a->visible > 1 ? a->visible - 1 : 1;
		switch (act) {
		case UI_ACTION_UP: app_log_cursor_to(a, a->log_cursor - 1); return redraw;
		case UI_ACTION_DOWN: app_log_cursor_to(a, a->log_cursor + 1); return redraw;
		case UI_ACTION_PAGE_UP: app_log_cursor_to(a, a->log_cursor - lp); return redraw;
		case UI_ACTION_PAGE_DOWN: app_log_cursor_to(a, a->log_cursor + lp); return redraw;
		case UI_ACTION_HOME: app_log_cursor_to(a, 0); return redraw;
		case UI_ACTION_END: app_log_cursor_to(a, a->plans.n - 1); return redraw;
		case UI_ACTION_KEEP_EXACT: return app_history_restore(a, a->log_cursor);
		default: break;
		}
	}
	switch (act) {
	case UI_ACTION_NONE:
	case UI_ACTION_COUNT:
		return 0;
	case UI_ACTION_HISTORY_AXIS:
		a->axis = (enum plan_log_axis)((a->axis + 1) % PLAN_LOG_AXIS_COUNT);
		app_log(a, APP_LOG_INFO, "history scatter: accuracy against %s%s",
			plan_log_axis_name(a->axis),
			a->view == LAYOUT_VIEW_HISTORY ? "" : " (v shows the history)");
		return redraw;
	case UI_ACTION_HISTORY_EXPORT: {
		char name[APP_INPUT_MAX];
		snprintf(name, sizeof name, "%s-history", a->model->net->name);
		app_dialog_open(a, APP_DIALOG_HISTORY, name);
		a->dlg.fresh = true;
		return redraw | UI_RELAYOUT;
	}
	case UI_ACTION_UP: app_cursor_to(a, a->cursor - 1); return redraw;
	case UI_ACTION_DOWN: app_cursor_to(a, a->cursor + 1); return redraw;
	case UI_ACTION_PAGE_UP: app_cursor_to(a, a->cursor - page); return redraw;
	case UI_ACTION_PAGE_DOWN: app_cursor_to(a, a->cursor + page); return redraw;
	case UI_ACTION_HOME: app_cursor_to(a, 0); return redraw;
	case UI_ACTION_END: app_cursor_to(a, a->n_rows - 1); return redraw;
	case UI_ACTION_FOCUS_NEXT:
		a->focus = (enum app_focus)((a->focus + 1) % APP_FOCUS_COUNT);
		return redraw;
	case UI_ACTION_FOCUS_PREV:
		a->focus = (enum app_focus)((a->focus + APP_FOCUS_COUNT - 1) %
					    APP_FOCUS_COUNT);
		return redraw;
	case UI_ACTION_KEEP_LESS:
	case UI_ACTION_KEEP_MORE:
	case UI_ACTION_KEEP_LESS_ONE:
	case UI_ACTION_KEEP_MORE_ONE: {
		if (!app_group_editable(a, g))
			return redraw;
		bool one = act == UI_ACTION_KEEP_LESS_ONE || act == UI_ACTION_KEEP_MORE_ONE;
		int dir = (act == UI_ACTION_KEEP_LESS || act == UI_ACTION_KEEP_LESS_ONE)
				  ? -1 : 1;
		int k = app_keep_step(a->plan.keep[g], app_group(a, g)->channels,
				      app_min_keep(a), dir, one);
		return app_keep_set(a, g, k);
	}
	case UI_ACTION_KEEP_EXACT: {
		if (!app_group_editable(a, g))
			return redraw;
		char buf[32];
		snprintf(buf, sizeof buf, "%d", a->plan.keep[g]);
		app_dialog_open(a, APP_DIALOG_KEEP, buf);
		a->dlg.fresh = true;
		return redraw | UI_RELAYOUT;
	}
	case UI_ACTION_WIDTH_FREE:
		return app_width_snap(a, false);
	case UI_ACTION_WIDTH_FASTER:
		return app_width_snap(a, true);
	case UI_ACTION_LOCK:
		if (g < 0)
			return redraw;
		if (!app_group(a, g)->prunable) {
			app_log(a, APP_LOG_WARN, "group '%s' cannot be pruned; nothing to lock",
				app_group(a, g)->name);
			return redraw;
		}
		a->locked[g] = !a->locked[g];
		app_log(a, APP_LOG_INFO, "group '%s' %s", app_group(a, g)->name,
			a->locked[g] ? "locked" : "unlocked");
		app_project(a);
		return redraw;
	case UI_ACTION_AUTO:
		return app_auto(a);
	case UI_ACTION_UNDO:
		if (a->hist.pos <= 0) {
			app_log(a, APP_LOG_INFO, "nothing to undo");
			return redraw;
		}
		app_hist_load(a, a->hist.pos - 1);
		app_log(a, APP_LOG_INFO, "undo (%d more)", a->hist.pos);
		return redraw;
	case UI_ACTION_REDO:
		if (a->hist.pos + 1 >= a->hist.n) {
			app_log(a, APP_LOG_INFO, "nothing to redo");
			return redraw;
		}
		app_hist_load(a, a->hist.pos + 1);
		app_log(a, APP_LOG_INFO, "redo (%d more)", a->hist.n - 1 - a->hist.pos);
		return redraw;
	case UI_ACTION_TAU_DOWN: return app_tau_step(a, -1);
	case UI_ACTION_TAU_UP: return app_tau_step(a, 1);
	case UI_ACTION_METHOD:
		app_dialog_open(a, APP_DIALOG_METHOD, NULL);
		a->dlg.choice = (int)a->settings.method;
		return redraw | UI_RELAYOUT;
	case UI_ACTION_SPARSITY:
	{
		/* The current value: highlighted when on the grid, else typed
		 * (and replaced by the first key). */
		int on = -1;
		for (int i = 0; i < WORKER_GRID_N; i++)
			if (fabs(worker_grid_sparsity[i] - a->settings.sparsity) < 1e-12)
				on = i;
		char buf[32];
		app_format_sparsity(a->settings.sparsity, buf, sizeof buf);
		app_dialog_open(a, APP_DIALOG_SPARSITY, on < 0 ? buf : NULL);
		a->dlg.choice = on < 0 ? 0 : on;
		a->dlg.fresh = true;
		return redraw | UI_RELAYOUT;
	}
	case UI_ACTION_STABILITY:
		if (!a->w) {
			app_log(a, APP_LOG_WARN, "stability: nothing computes here");
			return redraw;
		}
		worker_request(a->w, WORKER_JOB_STABILITY);
		app_log(a, APP_LOG_INFO, "stability: scoring %d initialisations and %d scorings "
			"(the row under the heatmap; ~ in R: flips)", WORKER_STABILITY_RUNS,
			WORKER_STABILITY_RUNS);
		return redraw;
	case UI_ACTION_PROBE: {
		if (!a->w) {
			app_log(a, APP_LOG_WARN, "probe: nothing computes here");
			return redraw;
		}
		a->probe = true;
		worker_request(a->w, WORKER_JOB_PROBE);
		int n = 0;
		for (int h = 0; h < a->model->groups.n_groups; h++)
			n += group_probe_eligible(&a->model->groups, h);
		app_log(a, APP_LOG_INFO, "probe: %d groups, each alone pruned 25/50/75 %% "
			"(others dense), %d quick-evals; the last columns of the grid view",
			n, n * GROUP_PROBE_N);
		if (a->view != LAYOUT_VIEW_GRID) {
			a->view = LAYOUT_VIEW_GRID;
			app_grid_want(a);
		}
		return redraw | UI_RELAYOUT;
	}
	case UI_ACTION_RESEED: {
		struct worker_settings s = a->settings;
		s.seed++;
		char msg[64];
		snprintf(msg, sizeof msg, "seed = %llu", (unsigned long long)s.seed);
		return app_settings_send(a, &s, msg);
	}
	case UI_ACTION_SAVE:
	case UI_ACTION_EXPORT:
		if (a->readonly) {
			app_log(a, APP_LOG_WARN, "read-only: %s is disabled",
				act == UI_ACTION_SAVE ? "save" : "export");
			return redraw;
		}
		/* fall through */
	case UI_ACTION_OPEN: {
		char name[APP_INPUT_MAX];
		if (act == UI_ACTION_EXPORT)
			snprintf(name, sizeof name, "%s-pruned", a->model->net->name);
		else
			snprintf(name, sizeof name, "%s.plan.json", a->model->net->name);
		app_dialog_open(a, act == UI_ACTION_SAVE ? APP_DIALOG_SAVE
			       : act == UI_ACTION_OPEN ? APP_DIALOG_OPEN
						       : APP_DIALOG_EXPORT, name);
		/* The suggested name: typing replaces it, Backspace edits it. */
		a->dlg.fresh = true;
		return redraw | UI_RELAYOUT;
	}
	case UI_ACTION_PRESENT:
		a->present = !a->present;
		app_log(a, APP_LOG_INFO, "%s", a->present ? "presentation layout (P again: "
			"the usual one)" : "the usual layout");
		return redraw | UI_RELAYOUT;
	case UI_ACTION_VIEW:
		a->view = a->view == LAYOUT_VIEW_HEAT ? LAYOUT_VIEW_GRID :
			  a->view == LAYOUT_VIEW_GRID ? LAYOUT_VIEW_WIDTHS :
			  a->view == LAYOUT_VIEW_WIDTHS ? LAYOUT_VIEW_CRITERIA :
			  a->view == LAYOUT_VIEW_CRITERIA ? LAYOUT_VIEW_HISTORY : LAYOUT_VIEW_HEAT;
		if (a->view == LAYOUT_VIEW_HISTORY) {
			int cur = app_history_current(a);
			app_log_cursor_to(a, cur >= 0 ? cur : a->plans.n - 1);
		}
		app_widths_want(a);
		app_criteria_want(a);
		app_grid_want(a);
		/* A hint, but never over a warning or an error. */
		if (a->view == LAYOUT_VIEW_GRID && !a->probe && a->log_level == APP_LOG_INFO)
			app_log(a, APP_LOG_INFO, "sensitivity grid: each layer's density at 8 "
				"sparsities; G measures each group pruned alone");
		return redraw | UI_RELAYOUT;
	case UI_ACTION_THEME:
		return redraw | UI_THEME;
	case UI_ACTION_REPAINT:
		return redraw | UI_REPAINT;
	case UI_ACTION_HELP:
		a->help = !a->help;
		a->help_top = 0;
		return redraw | UI_RELAYOUT;
	case UI_ACTION_CANCEL:
		if (a->help) {
			a->help = false;
			return redraw | UI_RELAYOUT;
		}
		return UI_HANDLED;
	case UI_ACTION_QUIT:
		if (app_dirty(a)) {
			app_dialog_open(a, APP_DIALOG_QUIT, NULL);
			return redraw | UI_RELAYOUT;
		}
		return UI_HANDLED | UI_QUIT;
	}
	return 0;
}

unsigned app_key(struct app *a, int key)
{
	if (key == ERR)
		return 0;
	if (a->dlg.kind != APP_DIALOG_NONE)
		return app_dialog_key(a, key);
	if (a->help)
		return app_help_key(a, key);
	return app_action(a, keys_lookup(key));
}

/* ---- snapshots ---------------------------------------------------------- */

unsigned app_snapshot_update(struct app *a)
{
	if (!a->w)
		return 0;
	const struct worker_snapshot *s = worker_snapshot_get(a->w);
	if (a->snap && s->generation == a->snap->generation) {
		worker_snapshot_release(s);
		return 0;
	}
	if (a->snap)
		worker_snapshot_release(a->snap);
	a->snap = s;
	unsigned f = UI_HANDLED | UI_REDRAW;
	if (s->warn_total > a->warn_seen && s->n_warnings > 0) {
		app_log(a, APP_LOG_WARN, "%s", s->warnings[s->n_warnings - 1]);
		a->warn_seen = s->warn_total;
	}
	if (a->auto_req) {
		const struct worker_job_status *j = &s->job[WORKER_JOB_AUTO];
		if (j->request == a->auto_req && j->state == WORKER_STATE_DONE &&
		    app_auto_current(a)) {
			a->auto_req = 0;
			f |= app_auto_arrived(a, &s->scores.auto_plan);
		} else if (j->request == a->auto_req && j->state == WORKER_STATE_FAILED) {
			a->auto_req = 0;
			a->auto_settled++;
			app_log(a, APP_LOG_ERROR, "automatic plan: %s", j->msg);
		}
	}
	f |= app_export_update(a, s);
	f |= app_widths_update(a, s);
	f |= app_history_note(a, s);
	app_widths_want(a); /* the cursor may have moved on meanwhile */
	if (!a->ready && app_snapshot_ours(a, s) &&
	    s->scores.valid && !s->scores.stale)
		a->ready = true;
	app_project(a);
	return f;
}

/* ---- layout ------------------------------------------------------------- */

#define APP_DIALOG_COLS 64

void app_dialog_size(const struct app *a, int *rows, int *cols)
{
	*cols = APP_DIALOG_COLS;
	switch (a->dlg.kind) {
	case APP_DIALOG_METHOD: *rows = 2 + 2 + SCORE_METHOD_COUNT + 3; break;
	case APP_DIALOG_SPARSITY: *rows = 2 + 2 + WORKER_GRID_N + 4; break;
	case APP_DIALOG_EXPORT: *rows = 2 + 10; break;
	default: *rows = 2 + 7; break;
	}
}

void app_layout_state(const struct app *a, struct layout_state *st)
{
	memset(st, 0, sizeof *st);
	st->view = a->view;
	st->name_cols = a->name_cols;
	st->shape_cols = a->shape_cols;
	int maxc = 1;
	for (int g = 0; g < a->model->groups.n_groups; g++)
		if (a->model->groups.groups[g].channels > maxc)
			maxc = a->model->groups.groups[g].channels;
	for (int i = 0; i < a->n_rows; i++) {
		int c = a->model->net->layers[a->rows[i].layer].out.c;
		if (c > maxc)
			maxc = c;
	}
	char t[32];
	st->kept_cols = snprintf(t, sizeof t, "%d/%d", maxc, maxc);
	st->probe = a->probe;
	st->present = a->present;
	if (a->help) {
		st->overlay = LAYOUT_OVERLAY_HELP;
		st->overlay_rows = a->help_total + 2;
		st->overlay_cols = KEYS_HELP_COLS + 4;
	} else if (a->dlg.kind != APP_DIALOG_NONE) {
		st->overlay = LAYOUT_OVERLAY_DIALOG;
		app_dialog_size(a, &st->overlay_rows, &st->overlay_cols);
	}
}

void app_layout(struct app *a, int rows, int cols, struct layout *lo)
{
	struct layout_state st;
	app_layout_state(a, &st);
	layout_compute(rows, cols, &st, lo);
	app_visible_set(a, lo->table_rows, lo->overlay_body.h);
}

/* ---- set up ------------------------------------------------------------- */

static void app_shape_text(const struct layer *l, struct app_row *r)
{
	if (l->kind == LAYER_KIND_CONV) {
		int k = l->conf.size;
		if (l->out.h == l->out.w) {
			snprintf(r->shape, sizeof r->shape, "%d\xe2\x86\x92%d %dx%d %d\xc2\xb2",
				 l->in.c, l->out.c, k, k, l->out.h);
			snprintf(r->shape_ascii, sizeof r->shape_ascii, "%d>%d %dx%d %d^2",
				 l->in.c, l->out.c, k, k, l->out.h);
		} else {
			snprintf(r->shape, sizeof r->shape, "%d\xe2\x86\x92%d %dx%d %dx%d",
				 l->in.c, l->out.c, k, k, l->out.h, l->out.w);
			snprintf(r->shape_ascii, sizeof r->shape_ascii, "%d>%d %dx%d %dx%d",
				 l->in.c, l->out.c, k, k, l->out.h, l->out.w);
		}
	} else {
		int in = (int)shape_size(l->in);
		snprintf(r->shape, sizeof r->shape, "%d\xe2\x86\x92%d", in,
			 (int)shape_size(l->out));
		snprintf(r->shape_ascii, sizeof r->shape_ascii, "%d>%d", in,
			 (int)shape_size(l->out));
	}
}

enum eng_status app_init(struct app *a, struct worker *w,
			 const struct worker_model *model,
			 const struct worker_settings *s, struct eng_err *err)
{
	memset(a, 0, sizeof *a);
	a->w = w;
	a->model = worker_model_ref(model);
	a->settings = *s;
	a->visible = 1;
	a->help_rows = 1;
	a->help_total = keys_help_lines(false, false, NULL, 0);
	const struct net *net = model->net;
	const struct group_set *gs = &model->groups;
	enum eng_status st = plan_init(&a->plan, gs);
	if (st != ENG_STATUS_OK) {
		eng_err_set(err, st, "out of memory");
		goto fail;
	}
	if (history_init(&a->hist, gs->n_groups) != ENG_STATUS_OK ||
	    plan_log_init(&a->plans, gs->n_groups) != ENG_STATUS_OK) {
		st = ENG_STATUS_ENOMEM;
		eng_err_set(err, st, "out of memory");
		goto fail;
	}
	a->rows = calloc((size_t)(net->n_layers > 0 ? net->n_layers : 1),
			 sizeof *a->rows);
	a->locked = calloc((size_t)(gs->n_groups > 0 ? gs->n_groups : 1),
			   sizeof *a->locked);
	if (!a->rows || !a->locked || stairs_init(&a->stairs, gs->n_groups) != ENG_STATUS_OK ||
	    !app_hist_push(a)) {
		st = ENG_STATUS_ENOMEM;
		eng_err_set(err, st, "out of memory");
		goto fail;
	}
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		struct app_row *r = &a->rows[a->n_rows++];
		r->layer = i;
		r->group = gs->layer_out[i];
		r->prunable = r->group >= 0 && gs->groups[r->group].prunable;
		app_shape_text(l, r);
		int nc = keys_text_cols(l->name);
		if (nc > a->name_cols)
			a->name_cols = nc;
		/* The ASCII twin is as long or longer ("^2" for "²"). */
		int sc = keys_text_cols(r->shape_ascii);
		if (keys_text_cols(r->shape) > sc)
			sc = keys_text_cols(r->shape);
		if (sc > a->shape_cols)
			a->shape_cols = sc;
	}
	a->saved_hash = plan_hash(&a->plan);
	if (w) {
		if ((st = worker_set_settings(w, s, err)) != ENG_STATUS_OK)
			goto fail;
		a->snap = worker_snapshot_get(w);
	}
	app_project(a);
	app_log(a, APP_LOG_INFO, "%s: %d layers, %d prunable groups", net->name,
		a->n_rows, app_prunable_groups(a));
	return ENG_STATUS_OK;
fail:
	app_done(a);
	return st;
}

int app_prunable_groups(const struct app *a)
{
	int n = 0;
	for (int g = 0; g < a->model->groups.n_groups; g++)
		n += a->model->groups.groups[g].prunable;
	return n;
}

void app_done(struct app *a)
{
	app_align_drop(a);
	history_done(&a->hist);
	plan_log_done(&a->plans);
	if (a->restore) {
		session_state_done(a->restore);
		free(a->restore);
	}
	free(a->rows);
	free(a->locked);
	stairs_done(&a->stairs);
	plan_done(&a->plan);
	if (a->snap)
		worker_snapshot_release(a->snap);
	if (a->model)
		worker_model_release(a->model);
	memset(a, 0, sizeof *a);
}
