/* app_session.c: saved sessions (session_state.h): the app's state as a
 * session, and a session adopted back (history, plan log, locks,
 * settings, view, cursor).  The RESTORE question that offers one is a
 * dialog (app_dialog.c). */
#include "config.h"

#include <string.h>

#include "explorer/app_internal.h"

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
