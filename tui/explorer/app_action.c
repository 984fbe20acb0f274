/* app_action.c: keys and actions: app_key hands a key to the open
 * dialog, else to the help overlay, else through the binding table
 * (keys.h) to app_action, which every key, footer click and tour step
 * ends in. */
#include "config.h"

#include <math.h>
#include <stdio.h>

/* Only the KEY_* constants (plain integer macros) are used, as in keys.c:
 * libtui stays free of curses calls. */
#include <curses.h>

#include "explorer/app_internal.h"
#include "prune/group_probe.h"

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
