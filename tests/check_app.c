/* check_app.c: the explorer's state (tui/app.c) without a terminal: plan
 * edits, steps and clamping, locks, undo/redo against an independent
 * model of the history, dialogs, plan files, settings reaching a real
 * worker, the automatic plan compared with reconvene.h run directly, and
 * the input path shared by the main loop and the replay (tui/input.c:
 * keys blocked below the minimum size, a relayout after every key that
 * changes the overlay, `wait` logged where an automatic plan settles). */
#include "config.h"

#include <check.h>
#include <curses.h> /* KEY_* constants only */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app_fixture.h"
#include "explorer/app.h"
#include "explorer/heat.h"
#include "explorer/input.h"
#include "io/cfg.h"
#include "output/bundle.h"
#include "data/data.h"
#include "prune/groups.h"
#include "nn/net.h"
#include "prune/plan.h"
#include "prune/plan_file.h"
#include "prune/reconvene.h"
#include "base/rng.h"
#include "worker/worker.h"

/* ---- fixtures ----------------------------------------------------------- */

static int row_of(const struct app *a, const char *layer)
{
	for (int i = 0; i < a->n_rows; i++)
		if (!strcmp(a->model->net->layers[a->rows[i].layer].name, layer))
			return i;
	ck_abort_msg("no row %s", layer);
	return -1;
}

static void cursor_to(struct app *a, int row)
{
	app_action(a, UI_ACTION_HOME);
	for (int i = 0; i < row; i++)
		app_action(a, UI_ACTION_DOWN);
	ck_assert_int_eq(a->cursor, row);
}

/* ---- pure arithmetic ---------------------------------------------------- */

START_TEST(test_keep_step)
{
	/* 5 % of 64 is 3.2: one step is 4 channels (rounded up). */
	ck_assert_int_eq(app_keep_step(64, 64, 1, -1, false), 60);
	ck_assert_int_eq(app_keep_step(60, 64, 1, 1, false), 64);
	/* below 20 channels a step is one channel */
	ck_assert_int_eq(app_keep_step(16, 16, 1, -1, false), 15);
	/* 5 % of 512 = 25.6 -> 26 */
	ck_assert_int_eq(app_keep_step(512, 512, 1, -1, false), 486);
	/* single channels */
	ck_assert_int_eq(app_keep_step(10, 64, 1, -1, true), 9);
	ck_assert_int_eq(app_keep_step(10, 64, 1, 3, true), 13);
	/* clamping to [min_keep, channels] */
	ck_assert_int_eq(app_keep_step(2, 64, 1, -1, false), 1);
	ck_assert_int_eq(app_keep_step(5, 64, 3, -1, false), 3);
	ck_assert_int_eq(app_keep_step(63, 64, 1, 1, false), 64);
	ck_assert_int_eq(app_keep_step(64, 64, 1, 5, true), 64);
	/* min_keep above the channel count keeps everything */
	ck_assert_int_eq(app_keep_step(2, 2, 4, -1, false), 2);

	char b[32];
	app_format_count(999, b, sizeof b);
	ck_assert_str_eq(b, "999");
	app_format_count(61706, b, sizeof b);
	ck_assert_str_eq(b, "61.7k");
	app_format_count(14723456, b, sizeof b);
	ck_assert_str_eq(b, "14.72M");
	app_format_sparsity(0.9, b, sizeof b);
	ck_assert_str_eq(b, "0.9");
	app_format_sparsity(0.99609375, b, sizeof b);
	ck_assert_str_eq(b, "0.99609375");
}
END_TEST

/* ---- edits -------------------------------------------------------------- */

START_TEST(test_edit_actions)
{
	struct fx f;
	fx_open(&f, "resnet20", false, NULL);
	struct app *a = &f.a;
	const struct group_set *gs = &a->model->groups;

	/* rows are the conv / linear layers */
	ck_assert_int_eq(a->n_rows, 22);
	ck_assert(!app_dirty(a));

	int r = row_of(a, "layer3.0.conv1");
	cursor_to(a, r);
	int g = app_cursor_group(a);
	ck_assert_int_eq(g, gs->layer_out[a->rows[r].layer]);
	ck_assert_int_eq(gs->groups[g].channels, 64);
	ck_assert_int_eq(a->plan.keep[g], 64);

	unsigned fl = app_action(a, UI_ACTION_KEEP_LESS);
	ck_assert(fl & UI_HANDLED);
	ck_assert(fl & UI_REDRAW);
	ck_assert_int_eq(a->plan.keep[g], 60);
	ck_assert(app_dirty(a));
	app_action(a, UI_ACTION_KEEP_LESS_ONE);
	ck_assert_int_eq(a->plan.keep[g], 59);
	app_action(a, UI_ACTION_KEEP_MORE_ONE);
	app_action(a, UI_ACTION_KEEP_MORE_ONE);
	ck_assert_int_eq(a->plan.keep[g], 61);
	app_action(a, UI_ACTION_KEEP_MORE);
	ck_assert_int_eq(a->plan.keep[g], 64);
	ck_assert_int_eq(a->hist.n, 6);
	/* at the top nothing changes and nothing is recorded */
	app_action(a, UI_ACTION_KEEP_MORE);
	ck_assert_int_eq(a->plan.keep[g], 64);
	ck_assert_int_eq(a->hist.n, 6);
	/* down to the collapse guard */
	for (int i = 0; i < 100; i++)
		app_action(a, UI_ACTION_KEEP_LESS);
	ck_assert_int_eq(a->plan.keep[g], 1);
	/* the same keys through app_key */
	app_key(a, KEY_RIGHT);
	ck_assert_int_eq(a->plan.keep[g], 5);
	app_key(a, '>');
	ck_assert_int_eq(a->plan.keep[g], 6);
	app_key(a, '-');
	ck_assert_int_eq(a->plan.keep[g], 2);

	/* the classifier's group cannot be pruned: no change, a message */
	cursor_to(a, row_of(a, "fc"));
	int gfc = app_cursor_group(a);
	ck_assert(!gs->groups[gfc].prunable);
	int before = a->hist.n;
	app_action(a, UI_ACTION_KEEP_LESS);
	ck_assert_int_eq(a->plan.keep[gfc], gs->groups[gfc].channels);
	ck_assert_int_eq(a->hist.n, before);
	ck_assert(strstr(a->log, "cannot be pruned") != NULL);

	/* the projection is the one of the current plan, in the same call */
	struct worker_projection ref;
	ck_assert(worker_model_project(a->model, &a->plan, NULL, &ref) == ENG_STATUS_OK);
	ck_assert(a->proj_valid);
	ck_assert_uint_eq(a->proj.plan_hash, plan_hash(&a->plan));
	ck_assert_uint_eq(a->proj.plan.params, ref.plan.params);
	ck_assert_uint_eq(a->proj.plan.effective_macs, ref.plan.effective_macs);
	ck_assert_uint_lt(a->proj.plan.macs, a->proj.dense.macs);
	fx_close(&f);
}
END_TEST

START_TEST(test_min_keep)
{
	struct worker_settings s;
	worker_settings_default(&s);
	s.min_keep = 3;
	struct fx f;
	fx_open(&f, "resnet20", false, &s);
	struct app *a = &f.a;
	cursor_to(a, row_of(a, "layer1.0.conv1"));
	int g = app_cursor_group(a);
	for (int i = 0; i < 40; i++)
		app_action(a, UI_ACTION_KEEP_LESS_ONE);
	ck_assert_int_eq(a->plan.keep[g], 3);
	app_keep_set(a, g, 0);
	ck_assert_int_eq(a->plan.keep[g], 3);
	app_keep_set(a, g, 1000);
	ck_assert_int_eq(a->plan.keep[g], 16);
	fx_close(&f);
}
END_TEST

START_TEST(test_locks)
{
	struct fx f;
	fx_open(&f, "resnet20", false, NULL);
	struct app *a = &f.a;
	const struct group_set *gs = &a->model->groups;
	cursor_to(a, row_of(a, "layer2.1.conv1"));
	int g = app_cursor_group(a);
	app_key(a, ' ');
	ck_assert(a->locked[g]);
	app_action(a, UI_ACTION_KEEP_LESS);
	app_action(a, UI_ACTION_KEEP_LESS_ONE);
	ck_assert_int_eq(a->plan.keep[g], 32);
	ck_assert(strstr(a->log, "locked") != NULL);
	/* Enter on a locked group opens no dialog */
	app_key(a, '\n');
	ck_assert_int_eq(a->dlg.kind, APP_DIALOG_NONE);

	/* a plan that halves every prunable group: locked ones stay */
	struct prune_plan p;
	ck_assert(plan_init(&p, gs) == ENG_STATUS_OK);
	for (int k = 0; k < gs->n_groups; k++)
		if (gs->groups[k].prunable)
			plan_set_keep(&p, k, gs->groups[k].channels / 2);
	int before = a->hist.n;
	app_plan_adopt(a, &p, "test");
	ck_assert_int_eq(a->hist.n, before + 1); /* one undo step */
	for (int k = 0; k < gs->n_groups; k++) {
		int want = !gs->groups[k].prunable ? gs->groups[k].channels
			 : k == g ? 32 : gs->groups[k].channels / 2;
		ck_assert_int_eq(a->plan.keep[k], want);
	}
	/* unlocked, edits work again */
	app_key(a, ' ');
	ck_assert(!a->locked[g]);
	app_action(a, UI_ACTION_KEEP_LESS);
	ck_assert_int_eq(a->plan.keep[g], 30);
	/* one undo takes back the whole adopted plan (after this edit) */
	app_action(a, UI_ACTION_UNDO);
	app_action(a, UI_ACTION_UNDO);
	for (int k = 0; k < gs->n_groups; k++)
		ck_assert_int_eq(a->plan.keep[k], gs->groups[k].channels);
	plan_done(&p);
	fx_close(&f);
}
END_TEST

/* Undo/redo over random sequences, against a separate model of the
 * history: a list of keep vectors and a position. */
START_TEST(test_undo_redo_random)
{
	struct fx f;
	fx_open(&f, "vgg11", false, NULL);
	struct app *a = &f.a;
	const struct group_set *gs = &a->model->groups;
	int ng = gs->n_groups;
	enum { MAXH = 2000 };
	int (*hist)[64] = calloc(MAXH, sizeof *hist);
	ck_assert(hist != NULL && ng <= 64);
	int hn = 1, pos = 0;
	for (int k = 0; k < ng; k++)
		hist[0][k] = gs->groups[k].channels;
	bool locked[64] = { false };
	struct rng r;
	rng_seed(&r, 1234);
	static const enum ui_action acts[] = {
		UI_ACTION_KEEP_LESS, UI_ACTION_KEEP_MORE, UI_ACTION_KEEP_LESS_ONE,
		UI_ACTION_KEEP_MORE_ONE, UI_ACTION_UP, UI_ACTION_DOWN, UI_ACTION_UNDO,
		UI_ACTION_REDO, UI_ACTION_LOCK, UI_ACTION_KEEP_LESS, UI_ACTION_UNDO,
	};
	for (int step = 0; step < 1500; step++) {
		enum ui_action act = acts[rng_below(&r, sizeof acts / sizeof acts[0])];
		int g = app_cursor_group(a);
		int cur[64];
		memcpy(cur, hist[pos], sizeof cur);
		switch (act) {
		case UI_ACTION_UNDO:
			if (pos > 0)
				pos--;
			break;
		case UI_ACTION_REDO:
			if (pos + 1 < hn)
				pos++;
			break;
		case UI_ACTION_LOCK:
			if (gs->groups[g].prunable)
				locked[g] = !locked[g];
			break;
		case UI_ACTION_UP:
		case UI_ACTION_DOWN:
			break;
		default: {
			if (!gs->groups[g].prunable || locked[g])
				break;
			int c = gs->groups[g].channels;
			int step5 = (int)ceil(c * 0.05 - 1e-9);
			int d = act == UI_ACTION_KEEP_LESS ? -step5
			      : act == UI_ACTION_KEEP_MORE ? step5
			      : act == UI_ACTION_KEEP_LESS_ONE ? -1 : 1;
			int k = cur[g] + d;
			k = k < 1 ? 1 : k > c ? c : k;
			if (k != cur[g]) {
				cur[g] = k;
				hn = pos + 1;
				ck_assert(hn < MAXH);
				memcpy(hist[hn], cur, sizeof cur);
				pos = hn++;
			}
		}
		}
		app_action(a, act);
		ck_assert_int_eq(a->hist.pos, pos);
		ck_assert_int_eq(a->hist.n, hn);
		for (int k = 0; k < ng; k++)
			ck_assert_msg(a->plan.keep[k] == hist[pos][k],
				      "step %d group %d: %d want %d", step, k,
				      a->plan.keep[k], hist[pos][k]);
		ck_assert_uint_eq(a->proj.plan_hash, plan_hash(&a->plan));
	}
	/* all the way back is the dense plan; all the way forward the last */
	while (a->hist.pos > 0)
		app_key(a, 'u');
	for (int k = 0; k < ng; k++)
		ck_assert_int_eq(a->plan.keep[k], gs->groups[k].channels);
	ck_assert(!app_dirty(a));
	while (a->hist.pos + 1 < a->hist.n)
		app_key(a, 0x12); /* Ctrl-R */
	for (int k = 0; k < ng; k++)
		ck_assert_int_eq(a->plan.keep[k], hist[hn - 1][k]);
	free(hist);
	fx_close(&f);
}
END_TEST

/* ---- dialogs and files -------------------------------------------------- */

START_TEST(test_dialogs)
{
	struct fx f;
	fx_open(&f, "resnet20", false, NULL);
	struct app *a = &f.a;
	cursor_to(a, row_of(a, "layer3.1.conv1"));
	int g = app_cursor_group(a);

	/* Enter: the count is pre-filled and the first digit replaces it */
	unsigned fl = app_key(a, '\n');
	ck_assert(fl & UI_RELAYOUT);
	ck_assert_int_eq(a->dlg.kind, APP_DIALOG_KEEP);
	ck_assert_str_eq(a->dlg.input, "64");
	app_key(a, '9');
	app_key(a, '9');
	ck_assert_str_eq(a->dlg.input, "99");
	app_key(a, '\r');
	ck_assert_int_eq(a->dlg.kind, APP_DIALOG_KEEP); /* out of range: stays */
	ck_assert(a->dlg.error[0] != '\0');
	ck_assert_int_eq(a->plan.keep[g], 64);
	app_key(a, KEY_BACKSPACE);
	app_key(a, 'x'); /* not a digit: ignored */
	ck_assert_str_eq(a->dlg.input, "9");
	app_key(a, KEY_ENTER);
	ck_assert_int_eq(a->dlg.kind, APP_DIALOG_NONE);
	ck_assert_int_eq(a->plan.keep[g], 9);
	/* Esc cancels without an edit */
	app_key(a, '\n');
	app_key(a, '3');
	app_key(a, 27);
	ck_assert_int_eq(a->dlg.kind, APP_DIALOG_NONE);
	ck_assert_int_eq(a->plan.keep[g], 9);

	/* q with unsaved edits asks; n stays, y quits */
	fl = app_key(a, 'q');
	ck_assert(!(fl & UI_QUIT));
	ck_assert_int_eq(a->dlg.kind, APP_DIALOG_QUIT);
	fl = app_key(a, 'n');
	ck_assert(!(fl & UI_QUIT));
	ck_assert_int_eq(a->dlg.kind, APP_DIALOG_NONE);
	app_key(a, 'q');
	fl = app_key(a, 'y');
	ck_assert(fl & UI_QUIT);

	/* help opens and closes; keys in it do not edit */
	memset(&a->dlg, 0, sizeof a->dlg);
	app_key(a, '?');
	ck_assert(a->help);
	app_key(a, KEY_LEFT);
	ck_assert_int_eq(a->plan.keep[g], 9);
	app_key(a, KEY_F(1));
	ck_assert(!a->help);

	/* view, theme and repaint are flags for the caller */
	fl = app_key(a, 'v');
	ck_assert(fl & UI_RELAYOUT);
	ck_assert_int_eq(a->view, LAYOUT_VIEW_GRID);
	ck_assert(app_key(a, 'c') & UI_THEME);
	ck_assert(app_key(a, 0x0c) & UI_REPAINT);
	/* read-only: save and export refused */
	a->readonly = true;
	app_key(a, 'w');
	ck_assert_int_eq(a->dlg.kind, APP_DIALOG_NONE);
	app_key(a, 'e');
	ck_assert_int_eq(a->dlg.kind, APP_DIALOG_NONE);
	a->readonly = false;
	fl = app_key(a, 'e');
	ck_assert_int_eq(a->dlg.kind, APP_DIALOG_EXPORT);
	fl = app_key(a, '\n');
	ck_assert(fl & UI_EXPORT);
	ck_assert_str_eq(a->export_dir, "resnet20-pruned");
	fx_close(&f);
}
END_TEST

START_TEST(test_plan_files)
{
	struct fx f;
	fx_open(&f, "resnet20", false, NULL);
	struct app *a = &f.a;
	char dir[] = "/tmp/check_app.XXXXXX";
	ck_assert(mkdtemp(dir) != NULL);
	char path[128];
	snprintf(path, sizeof path, "%s/p.json", dir);

	cursor_to(a, row_of(a, "layer2.2.conv1"));
	int g1 = app_cursor_group(a);
	app_action(a, UI_ACTION_KEEP_LESS);
	app_action(a, UI_ACTION_KEEP_LESS);
	cursor_to(a, row_of(a, "layer3.2.conv1"));
	int g2 = app_cursor_group(a);
	app_keep_set(a, g2, 7);
	ck_assert(app_dirty(a));
	/* through the dialog: the suggested name, edited by Backspace ... */
	app_key(a, 'w');
	ck_assert_int_eq(a->dlg.kind, APP_DIALOG_SAVE);
	ck_assert_str_eq(a->dlg.input, "resnet20.plan.json");
	app_key(a, KEY_BACKSPACE);
	ck_assert_str_eq(a->dlg.input, "resnet20.plan.jso");
	app_key(a, 27);
	/* ... or replaced by the first typed character */
	app_key(a, 'w');
	for (const char *p = path; *p; p++)
		app_key(a, *p);
	ck_assert_str_eq(a->dlg.input, path);
	app_key(a, '\n');
	ck_assert_int_eq(a->dlg.kind, APP_DIALOG_NONE);
	ck_assert(!app_dirty(a));
	ck_assert(access(path, R_OK) == 0);

	/* read back independently */
	struct net *net;
	struct eng_err err = { { 0 } };
	ck_assert(net_build(&f.spec, &net, &err) == ENG_STATUS_OK);
	struct prune_plan p = { 0 };
	ck_assert_msg(plan_file_read(path, net, &a->model->groups, 1, &p, NULL,
					  &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_int_eq(p.keep[g1], 28); /* two steps of ceil(5 % of 32) = 2 */
	ck_assert_int_eq(p.keep[g2], 7);
	plan_done(&p);
	net_free(net);

	/* more edits, then open: back to the file, not dirty, one undo step */
	app_keep_set(a, g2, 3);
	ck_assert(app_dirty(a));
	app_plan_open(a, path);
	ck_assert_int_eq(a->plan.keep[g2], 7);
	ck_assert(!app_dirty(a));
	app_action(a, UI_ACTION_UNDO);
	ck_assert_int_eq(a->plan.keep[g2], 3);
	/* a missing file is an error in the log, the plan stays */
	app_plan_open(a, "/nonexistent/plan.json");
	ck_assert_int_eq(a->log_level, APP_LOG_ERROR);
	ck_assert_int_eq(a->plan.keep[g2], 3);
	unlink(path);
	rmdir(dir);
	fx_close(&f);
}
END_TEST

/* ---- with the worker ---------------------------------------------------- */

START_TEST(test_settings_reach_worker)
{
	struct fx f;
	fx_open(&f, "lenet5", true, NULL);
	struct app *a = &f.a;
	ck_assert(a->snap != NULL);
	app_key(a, 't');
	ck_assert(fabs(a->settings.tau - 0.15) < 1e-12);
	app_key(a, 'T');
	app_key(a, 'T');
	ck_assert(fabs(a->settings.tau - 0.25) < 1e-12);
	app_key(a, 'm');
	ck_assert_int_eq(a->dlg.kind, APP_DIALOG_METHOD);
	ck_assert_int_eq(a->dlg.choice, SCORE_METHOD_SYNFLOW);
	app_key(a, '2');
	app_key(a, '\n');
	ck_assert_int_eq(a->settings.method, SCORE_METHOD_MAGNITUDE);
	app_key(a, 's');
	ck_assert_int_eq(a->dlg.kind, APP_DIALOG_SPARSITY);
	ck_assert_str_eq(a->dlg.input, "0.9"); /* not on the grid: typed */
	app_key(a, '0');
	app_key(a, '.');
	app_key(a, '8');
	app_key(a, '\n');
	ck_assert(fabs(a->settings.sparsity - 0.8) < 1e-12);
	app_key(a, 's');
	app_key(a, KEY_BACKSPACE);
	app_key(a, KEY_BACKSPACE);
	app_key(a, KEY_BACKSPACE);
	app_key(a, KEY_DOWN); /* picker: 0.75 */
	ck_assert_int_eq(a->dlg.choice, 1);
	app_key(a, '\n');
	ck_assert(fabs(a->settings.sparsity - 0.75) < 1e-12);
	app_key(a, 'r');
	ck_assert_uint_eq(a->settings.seed, 2);
	/* a bad typed value keeps the dialog open */
	app_key(a, 's');
	app_key(a, '2');
	app_key(a, '\n');
	ck_assert_int_eq(a->dlg.kind, APP_DIALOG_SPARSITY);
	app_key(a, 27);

	ck_assert(worker_wait_idle(f.w, 20000));
	app_snapshot_update(a);
	const struct worker_settings *ws = &a->snap->settings;
	ck_assert(fabs(ws->tau - 0.25) < 1e-12);
	ck_assert_int_eq(ws->method, SCORE_METHOD_MAGNITUDE);
	ck_assert(fabs(ws->sparsity - 0.75) < 1e-12);
	ck_assert_uint_eq(ws->seed, 2);

	/* a plan edit reaches the worker: its projection for our sequence
	 * number equals the one the app computed in the same frame */
	cursor_to(a, row_of(a, "conv2"));
	app_action(a, UI_ACTION_KEEP_LESS);
	ck_assert(worker_wait_idle(f.w, 20000));
	app_snapshot_update(a);
	ck_assert_uint_eq(a->snap->plan_seq, a->plan_seq);
	ck_assert_int_eq(a->snap->plan.keep[app_cursor_group(a)], 15);
	ck_assert_uint_eq(a->snap->proj.plan_hash, a->proj.plan_hash);
	ck_assert_uint_eq(a->snap->proj.plan.params, a->proj.plan.params);
	ck_assert_uint_eq(a->snap->proj.plan.macs, a->proj.plan.macs);
	fx_close(&f);
}
END_TEST

/* The automatic plan: `a` before any scores asks the worker, adopts the
 * result as one undoable edit, leaves locked groups alone, and equals
 * reconvene_plan_auto run here on the same net. */
START_TEST(test_auto_plan)
{
	struct worker_settings s;
	worker_settings_default(&s);
	s.method = SCORE_METHOD_MAGNITUDE; /* data-free and quick */
	s.sparsity = 0.95;
	s.tau = 0.3;
	struct fx f;
	fx_open(&f, "resnet20", true, &s);
	struct app *a = &f.a;
	const struct group_set *gs = &a->model->groups;

	/* the reference */
	struct net *net;
	struct eng_err err = { { 0 } };
	ck_assert(net_build(&f.spec, &net, &err) == ENG_STATUS_OK);
	net_init(net, s.seed);
	struct reconvene_options o;
	reconvene_options_init(&o);
	o.method = s.method;
	o.sparsity = s.sparsity;
	o.seed = s.seed;
	o.tau = s.tau;
	struct reconvene_pse pse;
	ck_assert_msg(reconvene_pse_run(net, NULL, &o, &pse, &err) == ENG_STATUS_OK,
		      "%s", err.msg);
	bool *res = calloc((size_t)net->n_layers, sizeof *res);
	reconvene_select(net, gs, pse.density, &o, res);
	struct prune_plan ref;
	ck_assert(reconvene_plan_auto(net, gs, pse.kept, res, &o, &ref, &err) ==
		  ENG_STATUS_OK);
	int changed = 0, lock_g = -1;
	for (int g = 0; g < gs->n_groups; g++)
		if (ref.keep[g] != gs->groups[g].channels) {
			changed++;
			lock_g = g;
		}
	ck_assert_msg(changed >= 2, "the reference plan changes %d groups", changed);

	/* lock one group that the plan would change */
	for (int i = 0; i < a->n_rows; i++)
		if (a->rows[i].group == lock_g) {
			cursor_to(a, i);
			break;
		}
	app_action(a, UI_ACTION_LOCK);
	ck_assert(a->locked[lock_g]);

	app_key(a, 'a');
	ck_assert(a->auto_req != 0); /* no scores yet: asked the worker */
	for (int t = 0; t < 200 && a->auto_req; t++) {
		ck_assert(worker_wait_idle(f.w, 60000));
		app_snapshot_update(a);
	}
	ck_assert_int_eq(a->auto_req, 0);
	ck_assert(a->ready);
	ck_assert_int_eq(a->hist.n, 2);
	for (int g = 0; g < gs->n_groups; g++)
		ck_assert_int_eq(a->plan.keep[g],
				 g == lock_g ? gs->groups[g].channels : ref.keep[g]);
	/* the worker's kept counts are the reference's */
	for (int i = 0; i < net->n_layers; i++)
		ck_assert_uint_eq(a->snap->scores.kept[i], pse.kept[i]);
	/* one undo restores the dense plan */
	app_key(a, 'u');
	for (int g = 0; g < gs->n_groups; g++)
		ck_assert_int_eq(a->plan.keep[g], gs->groups[g].channels);
	/* with current scores, `a` adopts at once */
	app_action(a, UI_ACTION_LOCK); /* unlock */
	app_key(a, 'a');
	ck_assert_int_eq(a->auto_req, 0);
	for (int g = 0; g < gs->n_groups; g++)
		ck_assert_int_eq(a->plan.keep[g], ref.keep[g]);
	/* the analytic projection now uses the PaI kept counts */
	struct worker_projection pj;
	ck_assert(worker_model_project(a->model, &a->plan, pse.kept, &pj) ==
		  ENG_STATUS_OK);
	ck_assert_uint_eq(a->proj.plan.nonzero, pj.plan.nonzero);
	ck_assert_uint_eq(a->proj.plan.effective_macs, pj.plan.effective_macs);
	ck_assert_uint_lt(a->proj.pai.nonzero, a->proj.dense.params);

	plan_done(&ref);
	free(res);
	reconvene_pse_done(&pse);
	net_free(net);
	fx_close(&f);
}
END_TEST

/* ---- the input path (tui/input.c) ----------------------------------------------------- */

static unsigned key(struct input *in, int k)
{
	return input_event(in, &(struct keylog_event){ KEYLOG_KEY, k, 0 });
}

START_TEST(test_input_small_and_relayout)
{
	struct fx f;
	fx_open(&f, "vgg16", false, NULL);
	struct app *a = &f.a;
	struct input in;
	input_init(&in, a, 20, 60, NULL);
	ck_assert(in.lo.too_small);
	int g = app_cursor_group(a);
	int keep = a->plan.keep[g];
	/* Too small: edits and moves do nothing, help still opens. */
	ck_assert_uint_eq(key(&in, KEY_LEFT), 0);
	ck_assert_uint_eq(key(&in, KEY_DOWN), 0);
	ck_assert_int_eq(a->plan.keep[g], keep);
	ck_assert_int_eq(a->cursor, 0);
	key(&in, '?');
	ck_assert(a->help);
	key(&in, 27);
	ck_assert(!a->help);
	/* Mouse selections are ignored too; the wheel is not. */
	ck_assert_uint_eq(input_event(&in, &(struct keylog_event){ KEYLOG_SELECT, 3, 0 }), 0);
	ck_assert_int_eq(a->cursor, 0);
	/* Big enough: the same keys act. */
	input_event(&in, &(struct keylog_event){ KEYLOG_RESIZE, 100, 30 });
	ck_assert(!in.lo.too_small);
	ck_assert_int_eq(in.cols, 100);
	ck_assert_int_eq(in.rows, 30);
	key(&in, KEY_LEFT);
	ck_assert_int_lt(a->plan.keep[g], keep);
	ck_assert_int_eq(a->visible, in.lo.table_rows);
	/* The help opens and pages at once: its page size comes from a layout
	 * computed right after '?', not from the last frame. */
	key(&in, '?');
	ck_assert(a->help);
	ck_assert_int_gt(a->help_rows, 2);
	ck_assert_int_eq(a->help_rows, in.lo.overlay_body.h);
	key(&in, KEY_NPAGE);
	ck_assert_int_eq(a->help_top, a->help_rows - 1);
	key(&in, '?');
	/* A footer action is the key's action. */
	int before = a->plan.keep[g];
	input_event(&in, &(struct keylog_event){ KEYLOG_ACTION, UI_ACTION_KEEP_MORE, 0 });
	ck_assert_int_gt(a->plan.keep[g], before);
	/* A page down moves by the visible rows of the current size. */
	input_event(&in, &(struct keylog_event){ KEYLOG_RESIZE, 80, 24 });
	int page = a->visible - 1;
	key(&in, KEY_HOME);
	key(&in, KEY_NPAGE);
	ck_assert_int_eq(a->cursor, page < a->n_rows ? page : a->n_rows - 1);
	fx_close(&f);
}
END_TEST

/* Recording: every event in order, and `wait` right where an automatic
 * plan settles (at once when the scores are current, later otherwise). */
START_TEST(test_input_record)
{
	struct fx f;
	struct worker_settings ws;
	worker_settings_default(&ws);
	ws.method = SCORE_METHOD_MAGNITUDE;
	fx_open(&f, "lenet5", true, &ws);
	struct app *a = &f.a;
	char *text = NULL;
	size_t len = 0;
	FILE *rec = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(rec);
	struct input in;
	input_init(&in, a, 24, 80, rec);
	key(&in, KEY_DOWN);
	key(&in, 'a'); /* no scores yet: pending */
	ck_assert(a->auto_req != 0);
	input_event(&in, &(struct keylog_event){ KEYLOG_SCROLL, 1, 0 });
	for (int t = 0; t < 200 && a->auto_req; t++) {
		ck_assert(worker_wait_idle(f.w, 60000));
		input_snapshot(&in);
	}
	ck_assert_int_eq(a->auto_req, 0);
	key(&in, 'a'); /* current now: adopted at once */
	ck_assert_int_eq(a->auto_req, 0);
	input_event(&in, &(struct keylog_event){ KEYLOG_RESIZE, 90, 30 });
	fclose(rec);
	ck_assert_str_eq(text, "key Down\nkey a\nscroll 1\nwait\nkey a\nwait\nresize 90 30\n");
	free(text);
	fx_close(&f);
}
END_TEST

/* ---- heatmap arithmetic (tui/heat.c) ------------------------------------ */

struct ranked_ch {
	float v;
	int i;
};

static int ranked_ch_cmp(const void *x, const void *y)
{
	const struct ranked_ch *a = x, *b = y;
	if (a->v != b->v)
		return a->v > b->v ? -1 : 1;
	return a->i - b->i;
}

/* plan_group_kept (the one kept-channel decision the heatmap asks)
 * against a full sort: highest first, ties to the lower index, NaN last;
 * many ties. */
START_TEST(test_group_kept_sort)
{
	struct fx f;
	fx_open(&f, "vgg16", false, NULL);
	const struct group_set *gs = &f.a.model->groups;
	struct rng r;
	rng_seed(&r, 11);
	float v[600];
	unsigned char kept[600];
	struct ranked_ch rk[600];
	struct prune_plan plan;
	ck_assert(plan_init(&plan, gs) == ENG_STATUS_OK);
	int tried = 0;
	for (int it = 0; it < 3000; it++) {
		int g = (int)rng_below(&r, (uint32_t)gs->n_groups);
		int n = gs->groups[g].channels;
		if (!gs->groups[g].prunable || n > 600)
			continue;
		int levels = 1 + (int)rng_below(&r, it % 2 ? 5 : 100000);
		for (int i = 0; i < n; i++) {
			v[i] = (float)rng_below(&r, (uint32_t)levels) * 0.25f;
			if (it % 7 == 0 && rng_below(&r, 10) == 0)
				v[i] = NAN;
			rk[i] = (struct ranked_ch){ isnan(v[i]) ? -INFINITY : v[i], i };
		}
		int keep = 1 + (int)rng_below(&r, (uint32_t)n);
		plan_set_keep(&plan, g, keep);
		ck_assert(plan_group_kept(gs, &plan, g, v, kept) == ENG_STATUS_OK);
		qsort(rk, (size_t)n, sizeof *rk, ranked_ch_cmp);
		unsigned char want[600] = { 0 };
		for (int j = 0; j < keep; j++)
			want[rk[j].i] = 1;
		int nk = 0;
		for (int i = 0; i < n; i++) {
			ck_assert_msg(kept[i] == want[i], "n %d keep %d channel %d", n, keep, i);
			nk += kept[i];
		}
		ck_assert_int_eq(nk, keep);
		plan_set_keep(&plan, g, n);
		tried++;
	}
	ck_assert_int_gt(tried, 1000);
	/* an unchanged group keeps everything, whatever the importance */
	ck_assert(plan_group_kept(gs, &plan, 0, NULL, kept) == ENG_STATUS_OK);
	for (int i = 0; i < gs->groups[0].channels; i++)
		ck_assert(kept[i]);
	/* a changed group without importance has no answer */
	int g0 = -1;
	for (int g = 0; g < gs->n_groups && g0 < 0; g++)
		if (gs->groups[g].prunable)
			g0 = g;
	plan_set_keep(&plan, g0, 1);
	ck_assert(plan_group_kept(gs, &plan, g0, NULL, kept) == ENG_STATUS_EINVAL);
	v[0] = 1.0f;
	ck_assert_float_eq(heat_max(v, 1), 1.0f);
	plan_done(&plan);
	fx_close(&f);
}
END_TEST

/* The heatmap's shading is the saved plan (issue 11, defect 1): with
 * magnitude scores, seed 1, every group of several producers at half its
 * channels, every producer row shows as kept exactly the channels whose
 * weights reconvene_run keeps, and the plan.json and weights the export
 * job writes for it (byte for byte what bundle_save writes for the same
 * options, keep_init included: the explorer's --keep-init). */
static void heat_matches_plan(const char *model, bool keep_init)
{
	struct worker_settings s;
	worker_settings_default(&s);
	s.method = SCORE_METHOD_MAGNITUDE;
	s.seed = 1;
	s.keep_init = keep_init;
	struct fx f;
	fx_open(&f, model, true, &s);
	struct app *a = &f.a;
	const struct group_set *gs = &a->model->groups;
	uint64_t rq = worker_request(f.w, WORKER_JOB_SCORES);
	ck_assert(rq > 0);
	for (int t = 0; t < 600 && !a->ready; t++) {
		ck_assert(worker_wait_idle(f.w, 60000));
		app_snapshot_update(a);
	}
	ck_assert(a->ready);
	int multi = 0;
	for (int g = 0; g < gs->n_groups; g++)
		if (gs->groups[g].prunable && gs->groups[g].n_producers > 1) {
			plan_set_keep(&a->plan, g, gs->groups[g].channels / 2);
			multi++;
		}
	ck_assert_int_gt(multi, 0);

	/* the reference: what `reconvene prune --plan` computes and saves */
	struct net *net;
	struct eng_err err = { { 0 } };
	ck_assert(net_build(&f.spec, &net, &err) == ENG_STATUS_OK);
	net_init(net, s.seed);
	struct reconvene_options o;
	reconvene_options_init(&o);
	o.method = s.method;
	o.seed = s.seed;
	o.sparsity = s.sparsity;
	o.keep_init = keep_init;
	struct reconvene_result r;
	ck_assert_msg(reconvene_run(net, &f.spec, NULL, &o, &a->plan, &r, &err) ==
		      ENG_STATUS_OK, "%s", err.msg);

	unsigned char kept[2048];
	int rows = 0, differ_by_layer = 0;
	for (int i = 0; i < a->n_rows; i++) {
		int L = a->rows[i].layer;
		int g = gs->layer_out[L];
		if (g < 0 || !gs->groups[g].prunable)
			continue;
		bool producer = false;
		for (int m = 0; m < gs->groups[g].n_members; m++)
			producer |= gs->groups[g].members[m].layer == L &&
				    gs->groups[g].members[m].role == GROUP_ROLE_PRODUCER;
		if (!producer)
			continue;
		int n = heat_row_kept(a, a->snap, i, kept);
		ck_assert_int_eq(n, gs->groups[g].channels);
		ck_assert(n <= 2048);
		unsigned char want[2048];
		memset(want, !plan_group_changed(gs, &r.plan, g), (size_t)n);
		for (int k = 0; plan_group_changed(gs, &r.plan, g) && k < r.plan.keep[g]; k++)
			want[r.plan.kept_idx[g][k]] = 1;
		for (int c = 0; c < n; c++)
			ck_assert_msg(kept[c] == want[c], "%s row %s channel %d: shaded %s",
				      model, net->layers[L].name, c,
				      kept[c] ? "kept" : "pruned");
		/* what ranking the layer's own scores would have shown */
		if (gs->groups[g].n_producers > 1) {
			const float *v = a->snap->scores.chan + a->snap->scores.chan_off[L];
			int keep = r.plan.keep[g], mism = 0;
			for (int c = 0; c < n; c++) {
				int above = 0;
				for (int d = 0; d < n; d++)
					above += v[d] > v[c] || (v[d] == v[c] && d < c);
				mism += (above < keep) != (want[c] != 0);
			}
			differ_by_layer += mism > 0;
		}
		rows++;
	}
	ck_assert_int_gt(rows, multi);
	/* the case the defect was about: layer-own ranking disagrees */
	ck_assert_int_gt(differ_by_layer, 0);

	/* the export job writes the same plan */
	char dir[256];
	snprintf(dir, sizeof dir, "check_app_export_%s_%d", model, (int)getpid());
	app_key(a, 'e');
	ck_assert_int_eq(a->dlg.kind, APP_DIALOG_EXPORT);
	while (a->dlg.input_len > 0)
		app_key(a, KEY_BACKSPACE);
	for (const char *p = dir; *p; p++)
		app_key(a, *p);
	ck_assert(app_key(a, '\n') & UI_EXPORT);
	ck_assert(a->export_req != 0);
	for (int t = 0; t < 600 && a->export_req; t++) {
		ck_assert(worker_wait_idle(f.w, 120000));
		app_snapshot_update(a);
	}
	ck_assert_int_eq(a->export_req, 0);
	ck_assert_msg(strstr(a->log, "exported to") != NULL, "%s", a->log);
	ck_assert_int_eq(a->log_level, APP_LOG_INFO);
	char path[512];
	snprintf(path, sizeof path, "%s/plan.json", dir);
	struct prune_plan saved;
	ck_assert_msg(plan_file_read(path, net, gs, 1, &saved, NULL, &err) ==
		      ENG_STATUS_OK, "%s", err.msg);
	for (int g = 0; g < gs->n_groups; g++)
		ck_assert_int_eq(saved.keep[g], a->plan.keep[g]);
	plan_done(&saved);
	/* the weights: what `reconvene prune --plan` would save */
	char ref[300], rpath[512];
	snprintf(ref, sizeof ref, "%s_ref", dir);
	ck_assert_msg(bundle_save(&r, &o, net->name, ref, &err) == ENG_STATUS_OK, "%s",
		      err.msg);
	snprintf(path, sizeof path, "%s/model.safetensors", dir);
	snprintf(rpath, sizeof rpath, "%s/model.safetensors", ref);
	FILE *fa = fopen(path, "rb"), *fb = fopen(rpath, "rb");
	ck_assert(fa && fb);
	int ca, cb;
	long at = 0;
	do {
		ca = getc(fa);
		cb = getc(fb);
		at++;
	} while (ca == cb && ca != EOF);
	ck_assert_msg(ca == cb, "%s: export differs from bundle_save at byte %ld", model, at);
	fclose(fa);
	fclose(fb);
	static const char *const ref_files[] = { "model.cfg", "model.safetensors", "model.onnx",
						 "plan.json" };
	for (size_t i = 0; i < sizeof ref_files / sizeof ref_files[0]; i++) {
		snprintf(rpath, sizeof rpath, "%s/%s", ref, ref_files[i]);
		unlink(rpath);
	}
	rmdir(ref);
	static const char *const files[] = { "model.cfg", "model.safetensors", "model.onnx",
					     "plan.json", "heatmap.png" };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		ck_assert_msg(access(path, R_OK) == 0, "%s missing", path);
		unlink(path);
	}
	rmdir(dir);
	reconvene_result_done(&r);
	net_free(net);
	fx_close(&f);
}

START_TEST(test_heat_matches_plan_resnet20)
{
	heat_matches_plan("resnet20", false);
}
END_TEST

START_TEST(test_heat_matches_plan_resnet20_keep_init)
{
	heat_matches_plan("resnet20", true);
}
END_TEST

START_TEST(test_heat_matches_plan_mobilenetv2)
{
	heat_matches_plan("mobilenetv2", false);
}
END_TEST

/* The widths view: v v asks the worker for the cursor group's staircase,
 * which the app keeps; f and F move the kept count along a staircase by
 * its definition (checked on a made-up staircase, independently of
 * width_free), as undoable edits; the slow-step count follows the plan. */
START_TEST(test_width_snaps)
{
	struct fx f;
	fx_open(&f, "lenet5", true, NULL);
	struct app *a = &f.a;
	const struct group_set *gs = &a->model->groups;
	cursor_to(a, row_of(a, "conv1"));
	int g = app_cursor_group(a);
	ck_assert(gs->groups[g].prunable);
	ck_assert_int_eq(gs->groups[g].channels, 6);
	/* nothing measured yet: f asks for it and changes nothing */
	app_action(a, UI_ACTION_WIDTH_FREE);
	ck_assert_int_eq(a->plan.keep[g], 6);
	ck_assert_msg(strstr(a->log, "measuring the staircase of conv1"), "%s", a->log);
	app_action(a, UI_ACTION_VIEW);
	app_action(a, UI_ACTION_VIEW);
	ck_assert_int_eq(a->view, LAYOUT_VIEW_WIDTHS);
	ck_assert_uint_gt(a->widths_req, 0);
	for (int i = 0; i < 100 && !stairs_get(&a->stairs, g); i++) {
		ck_assert(worker_wait_idle(f.w, 60000));
		app_snapshot_update(a);
	}
	const struct width_staircase *st = stairs_get(&a->stairs, g);
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(a->widths_req, 0);
	ck_assert_int_eq(st->channels, 6);
	ck_assert_int_eq(st->n, 6);
	ck_assert(a->snap->widths.valid);
	ck_assert(memcmp(st->pts, a->snap->widths.stair.pts, 6 * sizeof *st->pts) == 0);
	/* v three times more (criteria, history): back to the heatmap */
	app_action(a, UI_ACTION_VIEW);
	app_action(a, UI_ACTION_VIEW);
	app_action(a, UI_ACTION_VIEW);
	ck_assert_int_eq(a->view, LAYOUT_VIEW_HEAT);

	/* a made-up staircase: widths 1..6 at 1, 1, 2, 2, 2.05, 3 ms */
	static const double ms[6] = { 1.0, 1.0, 2.0, 2.0, 2.05, 3.0 };
	for (int k = 0; k < 6; k++)
		a->stairs.by_group[g].pts[k].ms = ms[k];
	width_staircase_flag(&a->stairs.by_group[g]);
	ck_assert(a->stairs.by_group[g].pts[0].slow);  /* 2 is as fast */
	ck_assert(a->stairs.by_group[g].pts[2].slow);  /* 5 is within 3 % */
	ck_assert(!a->stairs.by_group[g].pts[4].slow);
	ck_assert(!a->stairs.by_group[g].pts[5].slow);
	app_keep_set(a, g, 3);
	ck_assert_int_eq(stairs_slow_groups(&a->stairs, &a->plan), 1);
	int hist = a->hist.n;
	app_key(a, 'f'); /* 3 -> 5: the widest within 3 % of 2 ms */
	ck_assert_int_eq(a->plan.keep[g], 5);
	ck_assert_int_eq(a->hist.n, hist + 1);
	ck_assert_int_eq(stairs_slow_groups(&a->stairs, &a->plan), 0);
	app_key(a, 'f'); /* nothing wider is as fast */
	ck_assert_int_eq(a->plan.keep[g], 5);
	ck_assert_msg(strstr(a->log, "no free channels"), "%s", a->log);
	app_key(a, 'F'); /* 5 -> 2: the widest below at under 2.05 x 0.97 ms */
	ck_assert_int_eq(a->plan.keep[g], 2);
	ck_assert_int_eq(stairs_slow_groups(&a->stairs, &a->plan), 0);
	app_keep_set(a, g, 1); /* 1 is slow: 2 is as fast */
	ck_assert_int_eq(stairs_slow_groups(&a->stairs, &a->plan), 1);
	app_action(a, UI_ACTION_UNDO);
	app_key(a, 'F'); /* nothing narrower is faster than 1 ms */
	ck_assert_int_eq(a->plan.keep[g], 2);
	ck_assert_msg(strstr(a->log, "no narrower width"), "%s", a->log);
	app_action(a, UI_ACTION_UNDO);
	app_action(a, UI_ACTION_UNDO);
	ck_assert_int_eq(a->plan.keep[g], 3);
	/* a locked group is not snapped */
	app_action(a, UI_ACTION_LOCK);
	app_key(a, 'f');
	ck_assert_int_eq(a->plan.keep[g], 3);
	ck_assert_msg(strstr(a->log, "locked"), "%s", a->log);
	fx_close(&f);
}
END_TEST

/* v cycles five views; the criteria view asks the worker for the
 * comparison, which without a dataset fails with a line naming SNIP and
 * GraSP (shown in the view); the session records the view by name. */
START_TEST(test_criteria_view)
{
	struct fx f;
	fx_open(&f, "lenet5", true, NULL);
	struct app *a = &f.a;
	static const enum layout_view order[] = { LAYOUT_VIEW_GRID, LAYOUT_VIEW_WIDTHS,
						  LAYOUT_VIEW_CRITERIA, LAYOUT_VIEW_HISTORY,
						  LAYOUT_VIEW_HEAT };
	for (int i = 0; i < 5; i++) {
		app_action(a, UI_ACTION_VIEW);
		ck_assert_int_eq(a->view, order[i]);
		if (a->view == LAYOUT_VIEW_CRITERIA) {
			ck_assert(worker_wait_idle(f.w, 60000));
			app_snapshot_update(a);
			const struct worker_job_status *j = &a->snap->job[WORKER_JOB_CRITERIA];
			ck_assert_int_eq(j->state, WORKER_STATE_FAILED);
			ck_assert_msg(strstr(j->msg, "snip") || strstr(j->msg, "SNIP"), "%s", j->msg);
			struct session_view v;
			app_session_view(a, &v);
			char line[128];
			session_state_view_line(line, sizeof line, &v);
			ck_assert_msg(strstr(line, "view=criteria"), "%s", line);
		}
	}
	fx_close(&f);
}
END_TEST


/* The plan history: each plan the worker measures becomes one entry (with
 * the projection's counts and the latency; accuracy stays unmeasured here,
 * no dataset); the history view moves in the list, Enter restores an
 * entry as one undoable edit, x switches the axis, X writes the CSV and
 * the PNG through its dialog. */
START_TEST(test_plan_history)
{
	struct fx f;
	fx_open(&f, "lenet5", true, NULL);
	struct app *a = &f.a;
	int g = app_cursor_group(a);
	ck_assert_int_ge(g, 0);
	app_action(a, UI_ACTION_KEEP_LESS);
	int first = a->plan.keep[g];
	worker_request(f.w, WORKER_JOB_LATENCY);
	ck_assert(worker_wait_idle(f.w, 60000));
	app_snapshot_update(a);
	ck_assert_int_eq(a->plans.n, 1);
	const struct plan_log_entry *e = &a->plans.e[0];
	ck_assert_int_eq(e->keep[g], first);
	ck_assert(isfinite(e->fig.latency_ms) && e->fig.latency_ms > 0);
	ck_assert(isnan(e->fig.accuracy));
	ck_assert(e->fig.params == (double)a->proj.plan.nonzero);
	ck_assert(e->fig.macs == (double)a->proj.plan.effective_macs);
	ck_assert_int_eq(e->source, PLAN_LOG_SOURCE_EDIT);
	ck_assert_int_eq(app_history_current(a), 0);
	/* The same snapshot again adds nothing. */
	unsigned long changes = a->plans.changes;
	app_snapshot_update(a);
	ck_assert_uint_eq(a->plans.changes, changes);

	app_action(a, UI_ACTION_KEEP_LESS);
	app_action(a, UI_ACTION_KEEP_LESS);
	ck_assert_int_eq(app_history_current(a), -1);
	worker_request(f.w, WORKER_JOB_LATENCY);
	ck_assert(worker_wait_idle(f.w, 60000));
	app_snapshot_update(a);
	ck_assert_int_eq(a->plans.n, 2);
	ck_assert_int_eq(app_history_current(a), 1);
	ck_assert_int_lt(a->plans.e[1].keep[g], first);

	/* The history view: the cursor starts on the current plan. */
	while (a->view != LAYOUT_VIEW_HISTORY)
		app_action(a, UI_ACTION_VIEW);
	ck_assert_int_eq(a->log_cursor, 1);
	int hist_n = a->hist.n, table_cursor = a->cursor;
	app_action(a, UI_ACTION_UP);
	ck_assert_int_eq(a->log_cursor, 0);
	ck_assert_int_eq(a->cursor, table_cursor); /* the table did not move */
	app_key(a, '\n');
	ck_assert_int_eq(a->plan.keep[g], first);
	ck_assert_int_eq(a->hist.n, hist_n + 1);
	ck_assert_int_eq(app_history_current(a), 0);
	app_action(a, UI_ACTION_UNDO);
	ck_assert_int_eq(app_history_current(a), 1);
	/* Mouse rows map to entries in this view. */
	app_row_select(a, 0);
	ck_assert_int_eq(a->log_cursor, 0);
	app_row_select(a, 5); /* below the last entry: nothing */
	ck_assert_int_eq(a->log_cursor, 0);

	app_key(a, 'x');
	ck_assert_int_eq(a->axis, PLAN_LOG_AXIS_MACS);
	app_key(a, 'x');
	ck_assert_int_eq(a->axis, PLAN_LOG_AXIS_LATENCY);

	char dir[] = "/tmp/check_app.XXXXXX";
	ck_assert(mkdtemp(dir) != NULL);
	char prefix[128], path[160];
	snprintf(prefix, sizeof prefix, "%s/h", dir);
	app_key(a, 'X');
	ck_assert_int_eq(a->dlg.kind, APP_DIALOG_HISTORY);
	ck_assert_str_eq(a->dlg.input, "lenet5-history");
	for (const char *p = prefix; *p; p++)
		app_key(a, *p);
	app_key(a, '\n');
	ck_assert_msg(a->dlg.kind == APP_DIALOG_NONE, "%s", a->dlg.error);
	ck_assert_msg(strstr(a->log, "2 plans written"), "%s", a->log);
	snprintf(path, sizeof path, "%s.csv", prefix);
	FILE *fp = fopen(path, "r");
	ck_assert(fp != NULL);
	char line[1024];
	int lines = 0;
	while (fgets(line, sizeof line, fp)) {
		if (lines == 0)
			ck_assert(strncmp(line, "plan,source,method,sparsity", 27) == 0);
		else
			ck_assert_msg(line[0] == '0' + lines && strstr(line, ",edit,synflow,"),
				      "%s", line);
		lines++;
	}
	fclose(fp);
	ck_assert_int_eq(lines, 3);
	unlink(path);
	snprintf(path, sizeof path, "%s.png", prefix);
	fp = fopen(path, "rb");
	ck_assert(fp != NULL);
	unsigned char magic[8];
	ck_assert_uint_eq(fread(magic, 1, 8, fp), 8);
	ck_assert(memcmp(magic, "\x89PNG\r\n\x1a\n", 8) == 0);
	fclose(fp);
	unlink(path);
	rmdir(dir);
	/* An unwritable prefix keeps the dialog open with the reason. */
	app_key(a, 'X');
	for (const char *p = "/nonexistent/dir/h"; *p; p++)
		app_key(a, *p);
	app_key(a, '\n');
	ck_assert_int_eq(a->dlg.kind, APP_DIALOG_HISTORY);
	ck_assert(strstr(a->dlg.error, "/nonexistent/dir/h.csv") != NULL);
	app_key(a, 27);
	fx_close(&f);
}
END_TEST

/* --align auto in the explorer: a's plan waits for the staircase of every
 * group it rectifies (measured one after the other), then each keeps the
 * widest width as fast as Reconvene's count (width_free), as `prune --auto
 * --align auto` does; one undoable edit. */
START_TEST(test_align_auto)
{
	struct worker_settings ws;
	worker_settings_default(&ws);
	ws.tau = 0.7; /* lenet5's conv2 (density ~0.58) is resilient */
	struct fx f;
	fx_open(&f, "lenet5", true, &ws);
	struct app *a = &f.a;
	a->align_auto = true;
	int g = a->model->groups.layer_out[net_find(a->model->net, "conv2")];
	unsigned long settled = a->auto_settled;
	int hist_n = a->hist.n;
	app_key(a, 'a');
	for (int i = 0; i < 20 && a->auto_settled == settled; i++) {
		ck_assert(worker_wait_idle(f.w, 60000));
		app_snapshot_update(a);
	}
	ck_assert_uint_eq(a->auto_settled, settled + 1);
	ck_assert(!a->auto_pending);
	const struct width_staircase *st = stairs_get(&a->stairs, g);
	ck_assert_ptr_nonnull(st);
	/* The unaligned count is the snapshot's automatic plan's. */
	int count = a->snap->scores.auto_plan.keep[g];
	ck_assert_int_lt(count, 16);
	int free_w = stairs_snap(&a->stairs, g, count, false);
	ck_assert_int_eq(a->plan.keep[g], free_w < count ? count : free_w);
	/* A history entry when the plan changed: on a slow build (ASan) the
	 * measured staircase can find all 16 channels as fast as the count,
	 * and then the aligned plan is the dense one it started from. */
	ck_assert_int_eq(a->hist.n, hist_n + (a->plan.keep[g] < 16 ? 1 : 0));
	ck_assert_msg(strstr(a->log, "automatic plan (") != NULL, "%s", a->log);
	fx_close(&f);

}
END_TEST

/* G: the group probe.  It asks the worker (which has no dataset here, so
 * the job fails and says why), switches to the grid view and makes room
 * for the probe's columns, even at 80x24. */
START_TEST(test_probe_key)
{
	ck_assert_int_eq(keys_lookup('G'), UI_ACTION_PROBE);
	ck_assert(!keys_action_destructive(UI_ACTION_PROBE));
	struct fx f;
	fx_open(&f, "lenet5", true, NULL);
	struct app *a = &f.a;
	struct layout lo;
	app_layout(a, 24, 80, &lo);
	ck_assert_int_eq(lo.probe_x, 0);
	unsigned fl = app_key(a, 'G');
	ck_assert(fl & UI_RELAYOUT);
	ck_assert(a->probe);
	ck_assert_int_eq(a->view, LAYOUT_VIEW_GRID);
	ck_assert_msg(strstr(a->log, "probe: 4 groups") != NULL, "%s", a->log);
	app_layout(a, 24, 80, &lo);
	ck_assert_int_gt(lo.probe_x, 0);
	ck_assert(worker_wait_idle(f.w, 60000));
	app_snapshot_update(a);
	const struct worker_job_status *j = &a->snap->job[WORKER_JOB_PROBE];
	ck_assert_int_eq(j->state, WORKER_STATE_FAILED);
	ck_assert_msg(strstr(j->msg, "dataset") != NULL, "%s", j->msg);
	/* v leaves the grid view: no probe columns there */
	app_action(a, UI_ACTION_VIEW);
	ck_assert_int_eq(a->view, LAYOUT_VIEW_WIDTHS);
	app_layout(a, 24, 80, &lo);
	ck_assert_int_eq(lo.probe_x, 0);
	fx_close(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("app");
	TCase *tc = tcase_create("state");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_keep_step);
	tcase_add_test(tc, test_plan_history);
	tcase_add_test(tc, test_align_auto);
	tcase_add_test(tc, test_group_kept_sort);
	tcase_add_test(tc, test_edit_actions);
	tcase_add_test(tc, test_min_keep);
	tcase_add_test(tc, test_locks);
	tcase_add_test(tc, test_undo_redo_random);
	tcase_add_test(tc, test_dialogs);
	tcase_add_test(tc, test_plan_files);
	tcase_add_test(tc, test_input_small_and_relayout);
	suite_add_tcase(s, tc);
	TCase *tw = tcase_create("worker");
	tcase_set_timeout(tw, 300);
	tcase_add_test(tw, test_settings_reach_worker);
	tcase_add_test(tw, test_auto_plan);
	tcase_add_test(tw, test_input_record);
	tcase_add_test(tw, test_width_snaps);
	tcase_add_test(tw, test_criteria_view);
	tcase_add_test(tw, test_probe_key);
	tcase_add_test(tw, test_heat_matches_plan_resnet20);
	tcase_add_test(tw, test_heat_matches_plan_resnet20_keep_init);
	tcase_add_test(tw, test_heat_matches_plan_mobilenetv2);
	suite_add_tcase(s, tw);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
