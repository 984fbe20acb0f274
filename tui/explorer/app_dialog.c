/* app_dialog.c: the dialogs' state and keys (a->dlg; screen/dialog.c
 * draws them): opening and closing, the text field, the pickers, what
 * Enter submits, the RESTORE question (offering a saved session and its
 * answer), and the size each dialog wants. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Only the KEY_* constants (plain integer macros) are used, as in keys.c:
 * libtui stays free of curses calls. */
#include <curses.h>

#include "explorer/app_internal.h"
#include "score/score.h"

#define CTRL_KEY(c) ((c) & 0x1f)
#define KEY_ESCAPE 27

void app_dialog_open(struct app *a, enum app_dialog kind, const char *text)
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

unsigned app_dialog_key(struct app *a, int key)
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
