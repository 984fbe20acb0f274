/* app.c: the explorer's state (app.h) at its base: set up and done, the
 * small lookups and the log line, the projection, undo and the plan
 * edits.  The app's other concepts each have a file (app_*.c) that builds
 * on these through app_internal.h; this file calls none of them, so the
 * header every one of them includes stays at the bottom. */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explorer/app_internal.h"
#include "score/score.h"

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

const struct group *app_group(const struct app *a, int g)
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

int app_min_keep(const struct app *a)
{
	return a->settings.min_keep < 1 ? PLAN_MIN_KEEP_DEFAULT : a->settings.min_keep;
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
void app_project(struct app *a)
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

void app_plan_send(struct app *a)
{
	if (a->w) {
		struct eng_err err = { { 0 } };
		if (worker_set_plan(a->w, &a->plan, &a->plan_seq, &err) != ENG_STATUS_OK)
			app_log(a, APP_LOG_ERROR, "%s", err.msg);
	}
	app_project(a);
}

/* ---- undo history ------------------------------------------------------- */

bool app_hist_push(struct app *a)
{
	return history_push(&a->hist, a->plan.keep);
}

void app_hist_load(struct app *a, int pos)
{
	a->hist.pos = pos;
	for (int g = 0; g < a->plan.n_groups; g++)
		if (a->plan.keep[g] != a->hist.v[pos][g] || a->plan.kept_idx[g])
			plan_set_keep(&a->plan, g, a->hist.v[pos][g]);
	app_plan_send(a);
}

/* ---- plan edits --------------------------------------------------------- */

bool app_group_editable(struct app *a, int g)
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

/* ---- the pending automatic plan ------------------------------------------ */

/* Here, not in app_auto.c: new settings, a failed staircase and app_done
 * drop it too. */
void app_align_drop(struct app *a)
{
	if (a->auto_pending)
		plan_done(&a->pending_plan);
	a->auto_pending = false;
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
