#include "config.h"

/* tour.c: the guided tour's state over the explorer (tour.h). */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explorer/keylog.h"
#include "explorer/keys.h"
#include "explorer/tour.h"

/* KEY_* constants only, as keys.c: no curses function is called. */
#include <curses.h>

void tour_init(struct tour *t, struct tour_script *script, double autoplay)
{
	memset(t, 0, sizeof *t);
	t->script = *script;
	memset(script, 0, sizeof *script);
	t->autoplay = autoplay > 0 ? autoplay : 0;
	t->ready_at = -1;
}

void tour_done(struct tour *t)
{
	tour_script_done(&t->script);
	memset(t, 0, sizeof *t);
}

static const struct tour_step *tour_cur(const struct tour *t)
{
	return t->step >= 0 && t->step < t->script.n ? &t->script.step[t->step] : NULL;
}

/* ---- live values -------------------------------------------------------- */

/* The snapshot's scores when they are for the current settings. */
static const struct worker_scores *tour_scores(const struct app *a)
{
	const struct worker_snapshot *s = app_snap(a);
	if (!s || !s->scores.valid || s->scores.stale || !s->scores.density)
		return NULL;
	return &s->scores;
}

/* The table row the select word names: -1 when there is none, -2 when
 * the scores it needs are not there yet. */
static int tour_select_row(const struct app *a, const char *sel)
{
	if (a->n_rows <= 0)
		return -1;
	if (strcmp(sel, "first") == 0)
		return 0;
	bool res = strcmp(sel, "resilient") == 0, sp = strcmp(sel, "sparsest") == 0,
	     de = strcmp(sel, "densest") == 0;
	if (!res && !sp && !de) {
		for (int i = 0; i < a->n_rows; i++)
			if (strcmp(a->model->net->layers[a->rows[i].layer].name, sel) == 0)
				return i;
		return -1;
	}
	const struct worker_scores *sc = tour_scores(a);
	if (!sc)
		return -2;
	int best = -1;
	for (int i = 0; i < a->n_rows; i++) {
		int l = a->rows[i].layer;
		double d = sc->density[l];
		if (d < 0)
			continue;
		if (res) {
			/* The first resilient layer whose group the plan
			 * shrinks (its group lights up), else the first
			 * resilient one. */
			if (!sc->resilient[l] || !a->rows[i].prunable)
				continue;
			int g = a->rows[i].group;
			bool shrunk = g >= 0 && a->plan.keep[g] < a->model->groups.groups[g].channels;
			if (shrunk)
				return i;
			if (best < 0)
				best = i;
			continue;
		}
		if (best < 0 || (sp && d < sc->density[a->rows[best].layer]) ||
		    (de && d > sc->density[a->rows[best].layer]))
			best = i;
	}
	return best;
}

static void tour_count(double v, char *buf, size_t len, const char *unit)
{
	char t[32];
	app_format_count(v, t, sizeof t);
	snprintf(buf, len, "%s%s", t, unit);
}

static void tour_percent(double v, char *buf, size_t len)
{
	snprintf(buf, len, v >= 0.0995 ? "%.0f%%" : v >= 0.00995 ? "%.1f%%" : "%.2f%%",
		 v * 100.0);
}

/* Whether the snapshot's plan is the app's.  An app that never sent a
 * plan (nothing cut yet, or an automatic plan that changed nothing, as on
 * lenet5) has the keep-everything plan worker_set_model gave the worker,
 * whatever sequence number that got. */
static bool tour_plan_now(const struct worker_snapshot *s, const struct app *a)
{
	if (!s)
		return false;
	return a->plan_seq ? s->plan_seq == a->plan_seq : s->model != NULL;
}

/* Figures of variant v, current or NaN: params, bytes and MACs from the
 * app's own projection (always up to date), latency and quick-eval from
 * the snapshot when it is for this very plan and these settings. */
static struct plan_log_figures tour_figures(const struct app *a, enum worker_variant v)
{
	struct plan_log_figures f = app_history_baseline(a, v);
	const struct worker_snapshot *s = app_snap(a);
	if (v == WORKER_VARIANT_PLAN && !tour_plan_now(s, a)) {
		f.latency_ms = NAN;
		f.accuracy = NAN;
	}
	if (a->proj_valid) {
		const struct metrics *m = v == WORKER_VARIANT_DENSE ? &a->proj.dense :
					  v == WORKER_VARIANT_PAI ? &a->proj.pai : &a->proj.plan;
		f.params = (double)m->nonzero;
		f.bytes = (double)m->storage_bytes;
		f.macs = (double)m->effective_macs;
	}
	return f;
}

static void tour_ratio(double num, double den, char *buf, size_t len)
{
	if (!(num > 0) || !(den > 0) || isnan(num) || isnan(den))
		snprintf(buf, len, "...");
	else
		snprintf(buf, len, "%.1fx", num / den);
}

void tour_value_text(const struct app *a, enum tour_value v, char *buf, size_t len)
{
	snprintf(buf, len, "...");
	const struct worker_scores *sc = tour_scores(a);
	int cur = a->cursor >= 0 && a->cursor < a->n_rows ? a->cursor : -1;
	const struct app_row *row = cur >= 0 ? &a->rows[cur] : NULL;
	const struct group *gr = row && row->group >= 0 ? &a->model->groups.groups[row->group]
						       : NULL;
	enum worker_variant var = WORKER_VARIANT_DENSE;
	switch (v) {
	case TOUR_VALUE_PAI_PARAMS: case TOUR_VALUE_PAI_BYTES: case TOUR_VALUE_PAI_MACS:
	case TOUR_VALUE_PAI_LATENCY: case TOUR_VALUE_PAI_ACCURACY:
		var = WORKER_VARIANT_PAI;
		break;
	case TOUR_VALUE_PLAN_PARAMS: case TOUR_VALUE_PLAN_BYTES: case TOUR_VALUE_PLAN_MACS:
	case TOUR_VALUE_PLAN_LATENCY: case TOUR_VALUE_PLAN_ACCURACY:
		var = WORKER_VARIANT_PLAN;
		break;
	default:
		break;
	}
	struct plan_log_figures f = tour_figures(a, var);
	switch (v) {
	case TOUR_VALUE_MODEL:
		snprintf(buf, len, "%s", a->model->net->name);
		return;
	case TOUR_VALUE_METHOD:
		snprintf(buf, len, "%s", score_method_name(a->settings.method));
		return;
	case TOUR_VALUE_SPARSITY:
		app_format_sparsity(a->settings.sparsity, buf, len);
		return;
	case TOUR_VALUE_KEEP_PERCENT:
		tour_percent(1.0 - a->settings.sparsity, buf, len);
		return;
	case TOUR_VALUE_TAU:
		snprintf(buf, len, "%.2f", a->settings.tau);
		return;
	case TOUR_VALUE_SEED:
		snprintf(buf, len, "%llu", (unsigned long long)a->settings.seed);
		return;
	case TOUR_VALUE_LAYERS:
		snprintf(buf, len, "%d", a->n_rows);
		return;
	case TOUR_VALUE_GROUPS:
		snprintf(buf, len, "%d", app_prunable_groups(a));
		return;
	case TOUR_VALUE_RESILIENT:
		if (sc) {
			int n = 0;
			for (int i = 0; i < a->n_rows; i++)
				n += sc->resilient[a->rows[i].layer] ? 1 : 0;
			snprintf(buf, len, "%d", n);
		}
		return;
	case TOUR_VALUE_SPARSEST:
	case TOUR_VALUE_SPARSEST_DENSITY:
	case TOUR_VALUE_DENSEST:
	case TOUR_VALUE_DENSEST_DENSITY: {
		bool sp = v == TOUR_VALUE_SPARSEST || v == TOUR_VALUE_SPARSEST_DENSITY;
		int r = tour_select_row(a, sp ? "sparsest" : "densest");
		if (r < 0)
			return;
		int l = a->rows[r].layer;
		if (v == TOUR_VALUE_SPARSEST || v == TOUR_VALUE_DENSEST)
			snprintf(buf, len, "%s", a->model->net->layers[l].name);
		else
			tour_percent(sc->density[l], buf, len);
		return;
	}
	case TOUR_VALUE_LAYER:
		if (row)
			snprintf(buf, len, "%s", a->model->net->layers[row->layer].name);
		return;
	case TOUR_VALUE_LAYER_DENSITY:
		if (row && sc && sc->density[row->layer] >= 0)
			tour_percent(sc->density[row->layer], buf, len);
		return;
	case TOUR_VALUE_LAYER_KEPT:
		if (gr)
			snprintf(buf, len, "%d", a->plan.keep[row->group]);
		return;
	case TOUR_VALUE_LAYER_CHANNELS:
		if (gr)
			snprintf(buf, len, "%d", gr->channels);
		return;
	case TOUR_VALUE_GROUP_LAYERS:
		if (gr) {
			int n = 0;
			for (int i = 0; i < a->n_rows; i++)
				n += app_layer_in_group(a, a->rows[i].layer, row->group) ? 1 : 0;
			snprintf(buf, len, "%d", n);
		}
		return;
	case TOUR_VALUE_CHANGED:
		if (a->proj_valid)
			snprintf(buf, len, "%d", a->proj.changed_groups);
		return;
	case TOUR_VALUE_DENSE_PARAMS: case TOUR_VALUE_PAI_PARAMS: case TOUR_VALUE_PLAN_PARAMS:
		if (a->proj_valid)
			tour_count(f.params, buf, len, "");
		return;
	case TOUR_VALUE_DENSE_BYTES: case TOUR_VALUE_PAI_BYTES: case TOUR_VALUE_PLAN_BYTES:
		if (a->proj_valid)
			tour_count(f.bytes, buf, len, "B");
		return;
	case TOUR_VALUE_DENSE_MACS: case TOUR_VALUE_PAI_MACS: case TOUR_VALUE_PLAN_MACS:
		if (a->proj_valid)
			tour_count(f.macs, buf, len, "");
		return;
	case TOUR_VALUE_DENSE_LATENCY: case TOUR_VALUE_PAI_LATENCY:
	case TOUR_VALUE_PLAN_LATENCY:
		if (!isnan(f.latency_ms))
			snprintf(buf, len, "%.2f ms", f.latency_ms);
		return;
	case TOUR_VALUE_DENSE_ACCURACY: case TOUR_VALUE_PAI_ACCURACY:
	case TOUR_VALUE_PLAN_ACCURACY:
		if (!isnan(f.accuracy))
			snprintf(buf, len, "%.1f%%", f.accuracy * 100.0);
		return;
	case TOUR_VALUE_PARAMS_RATIO:
		if (a->proj_valid)
			tour_ratio((double)a->proj.dense.nonzero, (double)a->proj.plan.nonzero,
				   buf, len);
		return;
	case TOUR_VALUE_BYTES_RATIO:
		if (a->proj_valid)
			tour_ratio((double)a->proj.pai.storage_bytes,
				   (double)a->proj.plan.storage_bytes, buf, len);
		return;
	case TOUR_VALUE_MACS_RATIO:
		if (a->proj_valid)
			tour_ratio((double)a->proj.dense.effective_macs,
				   (double)a->proj.plan.effective_macs, buf, len);
		return;
	case TOUR_VALUE_SPEEDUP:
	case TOUR_VALUE_PAI_SPEEDUP: {
		struct plan_log_figures b = tour_figures(a, v == TOUR_VALUE_SPEEDUP
							 ? WORKER_VARIANT_DENSE
							 : WORKER_VARIANT_PAI);
		struct plan_log_figures p = tour_figures(a, WORKER_VARIANT_PLAN);
		/* "1.8x faster", or honestly "1.2x slower". */
		if (b.latency_ms > 0 && p.latency_ms > 0 && !isnan(b.latency_ms) &&
		    !isnan(p.latency_ms)) {
			double r = b.latency_ms / p.latency_ms;
			snprintf(buf, len, r >= 1 ? "%.1fx faster" : "%.1fx slower",
				 r >= 1 ? r : 1 / r);
		}
		return;
	}
	case TOUR_VALUE_COUNT:
		return;
	}
}

void tour_caption(const struct tour *t, const struct app *a, char *buf, size_t len)
{
	const struct tour_step *st = tour_cur(t);
	size_t o = 0;
	if (len == 0)
		return;
	buf[0] = '\0';
	if (!st)
		return;
	for (const char *c = st->text; *c && o + 1 < len; c++) {
		if ((c[0] == '{' && c[1] == '{') || (c[0] == '}' && c[1] == '}')) {
			buf[o++] = *c++;
			continue;
		}
		const char *e = c[0] == '{' ? strchr(c, '}') : NULL;
		enum tour_value v;
		if (!e || !tour_value_lookup(c + 1, (size_t)(e - c - 1), &v)) {
			buf[o++] = *c;
			continue;
		}
		char val[96];
		tour_value_text(a, v, val, sizeof val);
		size_t n = strlen(val);
		if (o + n + 1 > len)
			n = len - o - 1;
		memcpy(buf + o, val, n);
		o += n;
		c = e;
	}
	buf[o] = '\0';
}

/* ---- readiness ---------------------------------------------------------- */

static bool tour_eval_now(const struct worker_snapshot *s, enum worker_variant v)
{
	return s->eval[v].valid && !s->eval[v].stale;
}

static bool tour_latency_now(const struct worker_snapshot *s, enum worker_variant v)
{
	return s->latency[v].valid && !s->latency[v].stale;
}

static void tour_job_text(const struct worker_snapshot *s, enum worker_job j,
			  const char *what, char *buf, size_t len)
{
	const struct worker_job_status *js = &s->job[j];
	if (js->state == WORKER_STATE_RUNNING && js->total > 0)
		snprintf(buf, len, "%s %ld%%", what, js->done * 100 / js->total);
	else
		snprintf(buf, len, "%s", what);
}

bool tour_ready(const struct tour *t, const struct app *a, char *what, size_t len)
{
	if (what && len)
		what[0] = '\0';
	const struct tour_step *st = tour_cur(t);
	if (!st)
		return true;
	const struct worker_snapshot *s = app_snap(a);
	char tmp[96];
	if (!what) {
		what = tmp;
		len = sizeof tmp;
	}
	if (st->wait == 0 && (!st->select[0] || t->selected))
		return true;
	unsigned w = st->wait;
	if ((w & TOUR_WAIT_AUTO) && (a->auto_req || a->auto_pending)) {
		if (s)
			tour_job_text(s, WORKER_JOB_SCORES, "the automatic plan", what, len);
		else
			snprintf(what, len, "the automatic plan");
		return false;
	}
	if (!s) {
		snprintf(what, len, "the model");
		return false;
	}
	if ((w & TOUR_WAIT_SCORES) && !tour_scores(a)) {
		tour_job_text(s, WORKER_JOB_SCORES, "scores", what, len);
		return false;
	}
	bool plan_now = tour_plan_now(s, a);
	if ((w & TOUR_WAIT_LATENCY) &&
	    !(plan_now && tour_latency_now(s, WORKER_VARIANT_DENSE) &&
	      tour_latency_now(s, WORKER_VARIANT_PAI) && tour_latency_now(s, WORKER_VARIANT_PLAN))) {
		tour_job_text(s, WORKER_JOB_LATENCY, "latency", what, len);
		return false;
	}
	if ((w & TOUR_WAIT_QUICKEVAL) &&
	    !(plan_now && tour_eval_now(s, WORKER_VARIANT_DENSE) &&
	      tour_eval_now(s, WORKER_VARIANT_PAI) && tour_eval_now(s, WORKER_VARIANT_PLAN))) {
		tour_job_text(s, WORKER_JOB_QUICKEVAL, "quick-eval", what, len);
		return false;
	}
	if ((w & TOUR_WAIT_GRID) && !(s->grid_valid && !s->grid_stale)) {
		tour_job_text(s, WORKER_JOB_GRID, "the layers x sparsity grid", what, len);
		return false;
	}
	if (st->select[0] && !t->selected) {
		snprintf(what, len, "scores");
		return false;
	}
	return true;
}

/* ---- moving between steps ----------------------------------------------- */

static void tour_mark_take(struct tour *t, const struct app *a)
{
	struct tour_mark *m = &t->mark[t->step];
	m->hist_pos = a->hist.pos;
	m->settings = a->settings;
	m->view = a->view;
	m->cursor = a->cursor;
}

/* The step's select, once what it needs is there. */
static unsigned tour_select(struct tour *t, struct input *in)
{
	const struct tour_step *st = tour_cur(t);
	if (!st || t->selected)
		return 0;
	if (!st->select[0]) {
		t->selected = true;
		return 0;
	}
	struct app *a = in->app;
	int r = tour_select_row(a, st->select);
	/* The automatic plan decides which resilient group shrinks. */
	if (r == -2 || (strcmp(st->select, "resilient") == 0 && (a->auto_req || a->auto_pending)))
		return 0;
	t->selected = true;
	if (r < 0) {
		if (strcmp(st->select, "resilient") == 0)
			snprintf(t->note, sizeof t->note, "no layer of %s is resilient at tau "
				 "%.2f (T raises tau)", a->model->net->name, a->settings.tau);
		else
			snprintf(t->note, sizeof t->note, "no layer '%s' in %s", st->select,
				 a->model->net->name);
		return UI_REDRAW;
	}
	return app_scroll(a, r - a->cursor);
}

static unsigned tour_enter(struct tour *t, struct input *in, int step)
{
	struct app *a = in->app;
	t->step = step;
	t->ready_at = -1;
	t->selected = false;
	t->note[0] = '\0';
	tour_mark_take(t, a);
	const struct tour_step *st = tour_cur(t);
	unsigned f = UI_HANDLED | UI_REDRAW | UI_RELAYOUT;
	for (int k = 0; k < st->n_keys; k++)
		f |= input_event(in, &(struct keylog_event){ KEYLOG_KEY, st->keys[k], 0 });
	f |= tour_select(t, in);
	return f & ~(unsigned)UI_QUIT;
}

unsigned tour_start(struct tour *t, struct input *in)
{
	t->active = t->script.n > 0;
	return t->active ? tour_enter(t, in, 0) : 0;
}

unsigned tour_next(struct tour *t, struct input *in)
{
	if (!t->active)
		return 0;
	if (t->step + 1 >= t->script.n) {
		app_log(in->app, APP_LOG_INFO, "end of the tour: the explorer is yours (F1 helps)");
		t->active = false;
		return UI_HANDLED | UI_REDRAW | UI_RELAYOUT;
	}
	return tour_enter(t, in, t->step + 1);
}

unsigned tour_back(struct tour *t, struct input *in)
{
	if (!t->active || t->step == 0)
		return t->active ? UI_HANDLED : 0;
	struct app *a = in->app;
	const struct tour_mark *m = &t->mark[t->step];
	unsigned f = UI_HANDLED | UI_REDRAW | UI_RELAYOUT;
	app_auto_forget(a);
	for (int guard = 0; a->hist.pos > m->hist_pos && guard < HISTORY_MAX; guard++)
		f |= app_action(a, UI_ACTION_UNDO);
	for (int guard = 0; a->hist.pos < m->hist_pos && guard < HISTORY_MAX; guard++) {
		int before = a->hist.pos;
		f |= app_action(a, UI_ACTION_REDO);
		if (a->hist.pos == before)
			break;
	}
	f |= app_settings_set(a, &m->settings, "settings of the step before");
	/* The views go round in a circle (v). */
	for (int guard = 0; a->view != m->view && guard < 8; guard++)
		f |= app_action(a, UI_ACTION_VIEW);
	f |= app_scroll(a, m->cursor - a->cursor);
	input_relayout(in);
	t->step--;
	t->ready_at = -1;
	t->selected = true;
	t->note[0] = '\0';
	return f & ~(unsigned)UI_QUIT;
}

unsigned tour_leave(struct tour *t, struct app *a)
{
	if (!t->active)
		return 0;
	t->active = false;
	app_log(a, APP_LOG_INFO, "left the tour at step %d of %d: the explorer is yours "
		"(u undoes the tour's edits)", t->step + 1, t->script.n);
	return UI_HANDLED | UI_REDRAW | UI_RELAYOUT;
}

enum tour_move { TOUR_MOVE_NEXT, TOUR_MOVE_BACK, TOUR_MOVE_LEAVE };

/* The keys an active tour takes, the one list that both tour_key obeys and
 * the footer relabels by (tour_keys_taken). */
static const struct {
	int key;
	enum tour_move move;
} tour_keymap[TOUR_TAKEN_MAX] = {
	{ ' ', TOUR_MOVE_NEXT },
	{ KEY_RIGHT, TOUR_MOVE_NEXT },
	{ KEY_LEFT, TOUR_MOVE_BACK },
	{ 'q', TOUR_MOVE_LEAVE },
};

int tour_keys_taken(const struct tour *t, int keys[TOUR_TAKEN_MAX])
{
	if (!t || !t->active)
		return 0;
	for (int i = 0; i < TOUR_TAKEN_MAX; i++)
		keys[i] = tour_keymap[i].key;
	return TOUR_TAKEN_MAX;
}

bool tour_key(struct tour *t, struct input *in, int key, unsigned *f)
{
	struct app *a = in->app;
	if (!t->active || a->help || a->dlg.kind != APP_DIALOG_NONE)
		return false;
	for (int i = 0; i < TOUR_TAKEN_MAX; i++) {
		if (tour_keymap[i].key != key)
			continue;
		switch (tour_keymap[i].move) {
		case TOUR_MOVE_NEXT:
			*f |= tour_next(t, in);
			break;
		case TOUR_MOVE_BACK:
			*f |= tour_back(t, in);
			break;
		case TOUR_MOVE_LEAVE:
			*f |= tour_leave(t, a);
			break;
		}
		return true;
	}
	return false;
}

unsigned tour_poll(struct tour *t, struct input *in, double now)
{
	if (!t->active)
		return 0;
	unsigned f = tour_select(t, in);
	bool ready = tour_ready(t, in->app, NULL, 0);
	if (ready && t->ready_at < 0) {
		t->ready_at = now;
		f |= UI_REDRAW;
	}
	if (t->autoplay > 0 && t->ready_at >= 0 && now - t->ready_at >= t->autoplay)
		f |= tour_next(t, in);
	return f;
}

double tour_timeout(const struct tour *t, double now)
{
	if (!t->active || t->autoplay <= 0 || t->ready_at < 0)
		return -1;
	double left = t->ready_at + t->autoplay - now;
	return left > 0 ? left : 0;
}

/* ---- the caption box ---------------------------------------------------- */

/* Columns of the UTF-8 text s[0..n): one per code point (captions are
 * text, no wide characters). */
static int tour_cols(const char *s, int n)
{
	int c = 0;
	for (int i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

static void tour_emit(struct tour_span *lines, int max, int *n, const char *text,
		      const char *s, const char *e)
{
	if (*n < max)
		lines[*n] = (struct tour_span){ (int)(s - text), (int)(e - s) };
	(*n)++;
}

int tour_wrap(const char *text, int cols, struct tour_span *lines, int max)
{
	int n = 0;
	if (cols < 1)
		cols = 1;
	/* Each '\n' ends a line; an empty one between two is an empty line. */
	for (const char *p = text;;) {
		const char *pe = strchr(p, '\n');
		if (!pe)
			pe = p + strlen(p);
		const char *c = p;
		while (c < pe && *c == ' ')
			c++;
		if (c == pe)
			tour_emit(lines, max, &n, text, p, p);
		while (c < pe) {
			const char *ls = c, *le = c;
			while (c < pe) {
				const char *we = c;
				while (we < pe && *we != ' ')
					we++;
				int ww = tour_cols(c, (int)(we - c));
				/* The line up to this word's end, with every blank
				 * between (a run of blanks stays as written). */
				if (le > ls && tour_cols(ls, (int)(we - ls)) > cols)
					break;
				if (le == ls && ww > cols) {
					/* A word wider than the box: cut it. */
					const char *q = c;
					for (int k = 0; q < we && k < cols; k++) {
						q++;
						while (q < we && ((unsigned char)*q & 0xC0) == 0x80)
							q++;
					}
					le = c = q;
					break;
				}
				le = c = we;
				while (c < pe && *c == ' ')
					c++;
			}
			tour_emit(lines, max, &n, text, ls, le);
		}
		if (!*pe)
			break;
		p = pe + 1;
	}
	return n;
}

/* A panel together with its heading row just above it. */
static struct layout_rect tour_with_head(struct layout_rect body, struct layout_rect head)
{
	body.h += body.y - head.y;
	body.y = head.y;
	return body;
}

struct layout_rect tour_panel_rect(const struct layout *lo, enum tour_panel p)
{
	struct layout_rect r = { 0, 0, 0, 0 };
	if (lo->too_small)
		return r;
	const struct layout_rect *P = lo->panel;
	switch (p) {
	case TOUR_PANEL_HEADER:
		return P[LAYOUT_PANEL_HEADER];
	case TOUR_PANEL_TABLE:
		return tour_with_head(P[LAYOUT_PANEL_TABLE], P[LAYOUT_PANEL_TABLE_HEAD]);
	case TOUR_PANEL_HEAT:
		return tour_with_head(P[LAYOUT_PANEL_HEAT], P[LAYOUT_PANEL_HEAT_HEAD]);
	case TOUR_PANEL_PROJ:
		return tour_with_head(P[LAYOUT_PANEL_PROJ], P[LAYOUT_PANEL_PROJ_HEAD]);
	case TOUR_PANEL_LEGEND:
		return P[LAYOUT_PANEL_LEGEND];
	case TOUR_PANEL_FOOTER:
		return P[LAYOUT_PANEL_FOOTER];
	case TOUR_PANEL_NONE:
	case TOUR_PANEL_COUNT:
		break;
	}
	return r;
}

/* Fit a box of rows x cols into the area a: clipped, aligned to the
 * top (top true) or the bottom, centred across. */
static void tour_fit(struct layout_rect a, int rows, int cols, bool top, struct layout_rect *b)
{
	b->h = rows < a.h ? rows : a.h;
	b->w = cols < a.w ? cols : a.w;
	b->y = top ? a.y : a.y + a.h - b->h;
	b->x = a.x + (a.w - b->w) / 2;
}

void tour_box(const struct layout *lo, enum tour_panel p, int rows, int cols,
	      struct layout_rect *box)
{
	*box = (struct layout_rect){ 0, 0, 0, 0 };
	if (lo->too_small)
		return;
	const struct layout_rect *P = lo->panel;
	/* The body of the screen: between the header and the footer. */
	int top = P[LAYOUT_PANEL_HEADER].y + 1;
	struct layout_rect body = { top, 1, P[LAYOUT_PANEL_FOOTER].y - top, lo->cols - 2 };
	/* Above the projection: the table and the heatmap side by side. */
	struct layout_rect upper = { top, 1, P[LAYOUT_PANEL_PROJ_HEAD].y - top, lo->cols - 2 };
	/* Below them: the projection and the log line. */
	struct layout_rect lower = { P[LAYOUT_PANEL_PROJ_HEAD].y, 1,
				     P[LAYOUT_PANEL_FOOTER].y - P[LAYOUT_PANEL_PROJ_HEAD].y,
				     lo->cols - 2 };
	struct layout_rect left = upper, right = upper;
	left.w = right.w = 0;
	int dv = P[LAYOUT_PANEL_DIVIDER].x;
	if (P[LAYOUT_PANEL_DIVIDER].w > 0 && dv > upper.x && dv < upper.x + upper.w) {
		left.w = dv - upper.x;
		right.x = dv;
		right.w = upper.x + upper.w - dv;
	}
	/* A side is used when a caption reads well there (40 columns);
	 * otherwise the box covers the projection, which a step about the
	 * table or the heatmap does not talk about. */
	switch (p) {
	case TOUR_PANEL_TABLE:
	case TOUR_PANEL_HEADER:
	case TOUR_PANEL_HEAT: {
		struct layout_rect side = p == TOUR_PANEL_HEAT ? left : right;
		if (side.w >= 40) {
			tour_fit(side, rows, cols, true, box);
			return;
		}
		/* On a small screen a long caption grows up over the table's
		 * last rows rather than being cut. */
		if (rows > lower.h) {
			int h = rows < body.h ? rows : body.h;
			lower.y = body.y + body.h - h;
			lower.h = h;
		}
		tour_fit(lower, rows, cols, true, box);
		return;
	}
	case TOUR_PANEL_PROJ:
	case TOUR_PANEL_LEGEND:
	case TOUR_PANEL_FOOTER:
		tour_fit(upper, rows, cols, false, box);
		return;
	case TOUR_PANEL_NONE:
	case TOUR_PANEL_COUNT:
		break;
	}
	struct layout_rect mid = body;
	if (rows < body.h) {
		mid.y = body.y + (body.h - rows) / 2;
		mid.h = rows;
	}
	tour_fit(mid, rows, cols, true, box);
}
