/* check_session.c: saved explorer sessions: the journal text
 * (explorer/session_state.c: format, strict parse, every malformed case
 * refused with file:line, a cut last record dropped, mangled files never
 * crash), the app's capture and restore (explorer/app_session.c), and the file
 * (explorer/session_file.c: nothing written before there is something to
 * restore, one append per change and none for a cursor move, the full
 * rewrite when the appends outgrow it, the per-model lock, load). */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app_fixture.h"
#include "explorer/app.h"
#include "explorer/session_file.h"
#include "explorer/session_state.h"
#include "base/fileio.h"
#include "base/rng.h"

/* Edits, an undo, a lock, a tau change, a cursor move: every part of the
 * state away from its start. */
static void edit_some(struct app *a)
{
	app_action(a, UI_ACTION_HOME);
	app_action(a, UI_ACTION_KEEP_LESS);
	app_action(a, UI_ACTION_KEEP_LESS);
	app_action(a, UI_ACTION_DOWN);
	app_action(a, UI_ACTION_KEEP_LESS_ONE);
	app_action(a, UI_ACTION_UNDO);
	app_action(a, UI_ACTION_DOWN);
	app_action(a, UI_ACTION_LOCK);
	app_action(a, UI_ACTION_TAU_UP);
	app_action(a, UI_ACTION_VIEW);
	ck_assert_int_eq(a->hist.n, 4);
	ck_assert_int_eq(a->hist.pos, 2);
}


/* Two measured plans: the current one (latency only) and the first one
 * under another sparsity (accuracy too, automatic); figures that print
 * exactly in 9 digits, so the text gives them back to the bit. */
static void measure_some(struct app *a)
{
	struct plan_log_setting set = { a->settings.method, a->settings.sparsity,
					a->settings.tau, a->settings.seed };
	struct plan_log_figures f = plan_log_figures_none();
	f.params = 1234;
	f.bytes = 5000;
	f.macs = 2.5e6;
	f.latency_ms = 0.125;
	f.latency_lo = 0.0625;
	f.latency_hi = 0.25;
	ck_assert_int_eq(plan_log_note(&a->plans, a->plan.keep, &set, &f,
				       PLAN_LOG_SOURCE_EDIT), 0);
	f.accuracy = 0.5;
	f.acc_lo = 0.25;
	f.acc_hi = 0.75;
	set.sparsity = 0.1 + 0.2;
	ck_assert_int_eq(plan_log_note(&a->plans, a->hist.v[0], &set, &f,
				       PLAN_LOG_SOURCE_AUTO), 1);
}

static void assert_same_plans(const struct plan_log *x, const struct plan_log *y)
{
	ck_assert_int_eq(x->n, y->n);
	for (int i = 0; i < x->n; i++) {
		const struct plan_log_entry *a = &x->e[i], *b = &y->e[i];
		ck_assert(memcmp(a->keep, b->keep, sizeof(int) * (size_t)x->n_groups) == 0);
		ck_assert(a->set.method == b->set.method && a->set.sparsity == b->set.sparsity &&
			  a->set.tau == b->set.tau && a->set.seed == b->set.seed);
		ck_assert_int_eq(a->source, b->source);
		ck_assert(a->fig.params == b->fig.params && a->fig.bytes == b->fig.bytes &&
			  a->fig.macs == b->fig.macs);
		ck_assert((isnan(a->fig.accuracy) && isnan(b->fig.accuracy)) ||
			  a->fig.accuracy == b->fig.accuracy);
		ck_assert((isnan(a->fig.acc_hi) && isnan(b->fig.acc_hi)) ||
			  a->fig.acc_hi == b->fig.acc_hi);
		ck_assert(a->fig.latency_ms == b->fig.latency_ms &&
			  a->fig.latency_lo == b->fig.latency_lo &&
			  a->fig.latency_hi == b->fig.latency_hi);
	}
}

static char *state_text(const struct app *a, size_t *len)
{
	struct session_state st;
	ck_assert_int_eq(app_session_capture(a, &st), ENG_STATUS_OK);
	snprintf(st.model, sizeof st.model, "lenet5");
	snprintf(st.net, sizeof st.net, "%s", a->model->net->name);
	st.shape = session_state_shape(&a->model->groups);
	char *text;
	ck_assert_int_eq(session_state_format(&st, &text, len), ENG_STATUS_OK);
	session_state_done(&st);
	return text;
}

static enum eng_status parse(const struct app *a, const char *text, size_t len,
			     struct session_state *st, struct eng_err *err)
{
	return session_state_parse(text, len, "s.session", a->model->net->name,
				   &a->model->groups, a->n_rows, 1, st, err);
}

static void assert_same_app(const struct app *x, const struct app *y)
{
	ck_assert_int_eq(x->hist.n, y->hist.n);
	ck_assert_int_eq(x->hist.pos, y->hist.pos);
	for (int i = 0; i < x->hist.n; i++)
		ck_assert(memcmp(x->hist.v[i], y->hist.v[i],
				 sizeof(int) * (size_t)x->plan.n_groups) == 0);
	ck_assert(memcmp(x->plan.keep, y->plan.keep,
			 sizeof(int) * (size_t)x->plan.n_groups) == 0);
	ck_assert(memcmp(x->locked, y->locked, (size_t)x->plan.n_groups) == 0);
	ck_assert(x->settings.tau == y->settings.tau);
	ck_assert(x->settings.sparsity == y->settings.sparsity);
	ck_assert_int_eq(x->settings.method, y->settings.method);
	ck_assert_uint_eq(x->settings.seed, y->settings.seed);
	ck_assert_int_eq(x->cursor, y->cursor);
	ck_assert_int_eq(x->view, y->view);
	ck_assert_int_eq(x->focus, y->focus);
	ck_assert_uint_eq(x->saved_hash, y->saved_hash);
	ck_assert_int_eq(app_dirty(x), app_dirty(y));
}

/* ---- the text ------------------------------------------------------------- */

START_TEST(test_round_trip)
{
	struct fx f, g;
	fx_open(&f, "lenet5", false, NULL);
	edit_some(&f.a);
	/* An odd sparsity must come back to the bit. */
	f.a.settings.sparsity = 0.1 + 0.2;
	measure_some(&f.a);
	size_t len;
	char *text = state_text(&f.a, &len);
	struct session_state st;
	struct eng_err err = { { 0 } };
	ck_assert_msg(parse(&f.a, text, len, &st, &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert(session_state_worth(&st));
	ck_assert_int_eq(st.dropped_tail, 0);
	ck_assert_str_eq(st.model, "lenet5");
	/* Restored into a fresh app: the same state, plan and history. */
	fx_open(&g, "lenet5", false, NULL);
	unsigned fl = app_session_restore(&g.a, &st);
	ck_assert(fl & UI_REDRAW);
	session_state_done(&st);
	assert_same_app(&f.a, &g.a);
	assert_same_plans(&f.a.plans, &g.a.plans);
	ck_assert(strstr(g.a.log, "session restored") != NULL);
	/* Redo and undo work on the restored history as on the original. */
	app_action(&f.a, UI_ACTION_REDO);
	app_action(&g.a, UI_ACTION_REDO);
	assert_same_app(&f.a, &g.a);
	app_action(&f.a, UI_ACTION_UNDO);
	app_action(&f.a, UI_ACTION_UNDO);
	app_action(&g.a, UI_ACTION_UNDO);
	app_action(&g.a, UI_ACTION_UNDO);
	assert_same_app(&f.a, &g.a);
	/* Writing the restored state gives the same text. */
	size_t len2;
	char *text2 = state_text(&g.a, &len2);
	size_t len3;
	char *text3 = state_text(&f.a, &len3);
	ck_assert(len2 == len3 && memcmp(text2, text3, len2) == 0);
	free(text);
	free(text2);
	free(text3);
	fx_close(&g);
	fx_close(&f);
}
END_TEST

/* The restore question: y restores, n drops. */
START_TEST(test_offer)
{
	struct fx f, g;
	fx_open(&f, "lenet5", false, NULL);
	edit_some(&f.a);
	size_t len;
	char *text = state_text(&f.a, &len);
	for (int yes = 0; yes < 2; yes++) {
		fx_open(&g, "lenet5", false, NULL);
		struct session_state *st = malloc(sizeof *st);
		struct eng_err err = { { 0 } };
		ck_assert_int_eq(parse(&g.a, text, len, st, &err), ENG_STATUS_OK);
		app_session_offer(&g.a, st, "2026-12-01 10:00");
		ck_assert_int_eq(g.a.dlg.kind, APP_DIALOG_RESTORE);
		ck_assert_int_eq(app_key(&g.a, 'x'), UI_HANDLED); /* not an answer */
		app_key(&g.a, yes ? 'y' : 'n');
		ck_assert_int_eq(g.a.dlg.kind, APP_DIALOG_NONE);
		ck_assert(g.a.restore == NULL);
		if (yes)
			assert_same_app(&f.a, &g.a);
		else
			ck_assert_int_eq(g.a.hist.n, 1);
		fx_close(&g);
	}
	/* Left unanswered, app_done frees it. */
	fx_open(&g, "lenet5", false, NULL);
	struct session_state *st = malloc(sizeof *st);
	struct eng_err err = { { 0 } };
	ck_assert_int_eq(parse(&g.a, text, len, st, &err), ENG_STATUS_OK);
	app_session_offer(&g.a, st, "now");
	fx_close(&g);
	free(text);
	fx_close(&f);
}
END_TEST

/* A text with line `from` replaced by `to` (the whole line). */
static char *mangle(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	ck_assert_msg(at != NULL, "no '%s'", from);
	const char *end = strchr(at, '\n');
	size_t n = strlen(text) + strlen(to) + 2;
	char *out = malloc(n);
	snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to, end);
	return out;
}

START_TEST(test_malformed)
{
	struct fx f;
	fx_open(&f, "lenet5", false, NULL);
	edit_some(&f.a);
	size_t len;
	char *text = state_text(&f.a, &len);
	/* A measured line for the cases that change it; the cut-tail case
	 * below still ends on the saved line. */
	{
		char *with = mangle(text, "pos ", "measured synflow 0.9 0.2 1 edit nan nan nan "
				    "nan nan nan nan nan nan : 1 6 16 120 84 10\npos 2");
		free(text);
		text = with;
		len = strlen(text);
	}
	/* lenet5's groups: data (1, fixed), conv1 6, conv2 16, fc1 120, fc2
	 * 84, fc 10 (fixed). */
	static const struct {
		const char *from, *to, *why;
	} cases[] = {
		{ "# reconvene session", "# something else", "not a session file" },
		{ "version 1", "version 2", "another version" },
		{ "version 1", "versio 1", "no version line" },
		{ "net lenet5", "net vgg11 0123456789abcdef", "another model" },
		{ "net lenet5", "net lenet5 0123456789abcdef", "another model" },
		{ "net lenet5", "net lenet5 12", "16-digit hash" },
		{ "net lenet5", "# no net", "records before the net line" },
		{ "edit 1 4", "edit 1 4 16 120 84", "fewer keep counts" },
		{ "edit 1 4", "edit 1 4 16 120 84 10 7", "more keep counts" },
		{ "edit 1 4", "edit 1 7 16 120 84 10", "outside its group's range" },
		{ "edit 1 4", "edit 1 0 16 120 84 10", "outside its group's range" },
		{ "edit 1 4", "edit 2 4 16 120 84 10", "outside its group's range" },
		{ "edit 1 4", "edit 1 x 16 120 84 10", "outside its group's range" },
		{ "pos ", "pos 4", "not an entry" },
		{ "pos ", "pos -1", "not an entry" },
		{ "settings", "settings method=synflow sparsity=1 tau=0.2 seed=1", "sparsity" },
		{ "settings", "settings method=nope sparsity=0.5 tau=0.2 seed=1", "unknown method" },
		{ "settings", "settings method=synflow", "needs method" },
		{ "lock ", "lock 0 1", "not a prunable group" },
		{ "lock ", "lock 5 1", "not a prunable group" },
		{ "lock ", "lock 2 2", "not a prunable group" },
		{ "lock ", "lock 99 1", "not a prunable group" },
		{ "view ", "view cursor=99 top=0 view=heat focus=table", "view:" },
		{ "view ", "view cursor=0 top=0 view=pie focus=table", "view:" },
		{ "view ", "view cursor=0 top=0 view=heat focus=nowhere", "focus" },
		{ "view ", "view cursor=0 top=0 view=heat", "needs cursor" },
		{ "saved ", "saved xyz", "16-digit hash" },
		{ "saved ", "frobnicate 1", "unknown record" },
		{ "measured ", "measured nope 0.9 0.2 1 edit 1 2 3 4 5 6 0.5 0.4 0.6 : 1 6 16 120 84 10",
		  "unknown method" },
		{ "measured ", "measured synflow 1 0.2 1 edit 1 2 3 4 5 6 0.5 0.4 0.6 : 1 6 16 120 84 10",
		  "sparsity or tau" },
		{ "measured ", "measured synflow 0.9 0.2 -1 edit 1 2 3 4 5 6 0.5 0.4 0.6 : 1 6 16 120 84 10",
		  "seed" },
		{ "measured ", "measured synflow 0.9 0.2 1 manual 1 2 3 4 5 6 0.5 0.4 0.6 : 1 6 16 120 84 10",
		  "source" },
		{ "measured ", "measured synflow 0.9 0.2 1 edit 1 2 3 4 5 6 1.5 0.4 0.6 : 1 6 16 120 84 10",
		  "a figure" },
		{ "measured ", "measured synflow 0.9 0.2 1 edit -1 2 3 4 5 6 0.5 0.4 0.6 : 1 6 16 120 84 10",
		  "a figure" },
		{ "measured ", "measured synflow 0.9 0.2 1 edit 1 2 3 4 5 6 0.5 0.4 0.6 1 6 16 120 84 10",
		  "':'" },
		{ "measured ", "measured synflow 0.9 0.2 1 edit 1 2 3", "expected method" },
		{ "measured ", "measured synflow 0.9 0.2 1 edit 1 2 3 4 5 6 0.5 0.4 0.6 : 1 6 16 120 84",
		  "measured: fewer keep counts" },
		{ "measured ", "measured synflow 0.9 0.2 1 edit 1 2 3 4 5 6 0.5 0.4 0.6 : 1 7 16 120 84 10",
		  "measured: a keep count outside" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *bad = mangle(text, cases[i].from, cases[i].to);
		struct session_state st;
		struct eng_err err = { { 0 } };
		ck_assert_msg(parse(&f.a, bad, strlen(bad), &st, &err) == ENG_STATUS_EINVAL,
			      "case %zu (%s) was accepted", i, cases[i].to);
		ck_assert_msg(strncmp(err.msg, "s.session:", 10) == 0 &&
			      strstr(err.msg, cases[i].why) != NULL,
			      "case %zu: '%s' does not say '%s'", i, err.msg, cases[i].why);
		session_state_done(&st);
		free(bad);
	}
	/* The first edit line: a pos before it is refused. */
	char *early = mangle(text, "settings", "pos 0");
	struct session_state st;
	struct eng_err err = { { 0 } };
	ck_assert_int_eq(parse(&f.a, early, strlen(early), &st, &err), ENG_STATUS_EINVAL);
	ck_assert(strstr(err.msg, "no edit line before") != NULL);
	session_state_done(&st);
	free(early);
	/* A NUL byte, and an empty text. */
	char *nul = malloc(len);
	memcpy(nul, text, len);
	nul[len / 2] = '\0';
	ck_assert_int_eq(parse(&f.a, nul, len, &st, &err), ENG_STATUS_EINVAL);
	session_state_done(&st);
	free(nul);
	ck_assert_int_eq(parse(&f.a, "", 0, &st, &err), ENG_STATUS_EINVAL);
	session_state_done(&st);
	/* A last record without its newline is dropped; the rest stays. */
	size_t cut = len;
	while (cut > 0 && text[cut - 1] == '\n')
		cut--;
	ck_assert_int_eq(parse(&f.a, text, cut, &st, &err), ENG_STATUS_OK);
	ck_assert_int_eq(st.dropped_tail, 1);
	ck_assert_int_eq(st.hist.n, 4);
	ck_assert_uint_eq(st.saved_hash, 0); /* the saved line was the cut one */
	session_state_done(&st);
	free(text);
	fx_close(&f);
}
END_TEST

/* Mangled files (cut anywhere, bytes changed) are refused or read, never
 * a crash; what is read is within the model's ranges. */
START_TEST(test_mangled)
{
	struct fx f;
	fx_open(&f, "lenet5", false, NULL);
	edit_some(&f.a);
	size_t len;
	char *text = state_text(&f.a, &len);
	char *buf = malloc(len);
	struct rng r;
	rng_seed(&r, 16);
	int ok = 0, refused = 0;
	for (int i = 0; i < 3000; i++) {
		memcpy(buf, text, len);
		size_t n = 1 + (size_t)(rng_next(&r) % len);
		int flips = (int)(rng_next(&r) % 4);
		for (int k = 0; k < flips; k++)
			buf[rng_next(&r) % n] = (char)(rng_next(&r) & 0xff);
		struct session_state st;
		struct eng_err err = { { 0 } };
		enum eng_status rc = parse(&f.a, buf, n, &st, &err);
		if (rc == ENG_STATUS_OK) {
			ok++;
			ck_assert(st.hist.n >= 1 && st.hist.pos < st.hist.n);
			for (int e = 0; e < st.hist.n; e++)
				for (int g = 0; g < st.n_groups; g++)
					ck_assert(st.hist.v[e][g] >= 1 &&
						  st.hist.v[e][g] <= f.a.model->groups.groups[g].channels);
		} else {
			ck_assert_int_eq(rc, ENG_STATUS_EINVAL);
			refused++;
		}
		session_state_done(&st);
	}
	ck_assert(ok > 0 && refused > 0);
	free(buf);
	free(text);
	fx_close(&f);
}
END_TEST

/* ---- the file ------------------------------------------------------------- */

static void tmp_dir(char *dir, size_t len)
{
	snprintf(dir, len, "%s/check_session_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert(mkdtemp(dir) != NULL);
}

static void rm_dir(const char *dir)
{
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static off_t file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? sb.st_size : -1;
}

START_TEST(test_file)
{
	char dir[4096];
	tmp_dir(dir, sizeof dir);
	char sdir[4200];
	snprintf(sdir, sizeof sdir, "%s/state/reconvene", dir);
	struct fx f;
	fx_open(&f, "lenet5", false, NULL);
	struct session_file sf;
	struct eng_err err = { { 0 } };
	ck_assert_msg(session_file_init(&sf, sdir, "lenet5", &f.a, &err) == ENG_STATUS_OK,
		      "%s", err.msg);
	ck_assert(strstr(sf.path, "/lenet5-") != NULL);
	/* A second explorer on the model: no session for it. */
	struct session_file sf2;
	ck_assert_int_eq(session_file_init(&sf2, sdir, "lenet5", &f.a, &err), ENG_STATUS_EIO);
	ck_assert(strstr(err.msg, "another explorer") != NULL);
	session_file_done(&sf2);
	/* Nothing to restore, nothing written: cursor moves, a view change. */
	app_action(&f.a, UI_ACTION_DOWN);
	app_action(&f.a, UI_ACTION_VIEW);
	ck_assert_int_eq(session_file_sync(&sf, &f.a, &err), ENG_STATUS_OK);
	ck_assert_int_eq(file_size(sf.path), -1);
	/* The first edit: one full write. */
	app_action(&f.a, UI_ACTION_KEEP_LESS);
	ck_assert_int_eq(session_file_sync(&sf, &f.a, &err), ENG_STATUS_OK);
	off_t full = file_size(sf.path);
	ck_assert(full > 0);
	ck_assert_int_eq(sf.writes, 0);
	/* Each further change: one append; a cursor move alone: none. */
	app_action(&f.a, UI_ACTION_KEEP_LESS);
	session_file_sync(&sf, &f.a, &err);
	ck_assert_int_eq(sf.writes, 1);
	app_action(&f.a, UI_ACTION_UP);
	session_file_sync(&sf, &f.a, &err);
	ck_assert_int_eq(sf.writes, 1);
	app_action(&f.a, UI_ACTION_UNDO);
	session_file_sync(&sf, &f.a, &err);
	app_action(&f.a, UI_ACTION_LOCK);
	session_file_sync(&sf, &f.a, &err);
	app_action(&f.a, UI_ACTION_TAU_DOWN);
	session_file_sync(&sf, &f.a, &err);
	ck_assert_int_eq(sf.writes, 4);
	ck_assert(file_size(sf.path) > full);
	/* A measurement: one append of its "measured" record; two at once
	 * (several snapshots between events): a full write. */
	off_t before = file_size(sf.path);
	measure_some(&f.a);
	session_file_sync(&sf, &f.a, &err);
	ck_assert_int_eq(sf.writes, 4);
	ck_assert(file_size(sf.path) != before);
	struct plan_log_figures more = plan_log_figures_none();
	more.accuracy = 0.625;
	struct plan_log_setting set0 = f.a.plans.e[0].set;
	plan_log_note(&f.a.plans, f.a.plans.e[0].keep, &set0, &more, PLAN_LOG_SOURCE_EDIT);
	before = file_size(sf.path);
	session_file_sync(&sf, &f.a, &err);
	ck_assert_int_eq(sf.writes, 5);
	ck_assert(file_size(sf.path) > before);
	/* What a killed explorer leaves: the file as it is now. */
	session_file_done(&sf);
	struct fx g;
	fx_open(&g, "lenet5", false, NULL);
	ck_assert_int_eq(session_file_init(&sf, sdir, "lenet5", &g.a, &err), ENG_STATUS_OK);
	ck_assert(sf.old_present);
	struct session_state *st;
	char when[32];
	ck_assert_msg(session_file_load(&sf, &g.a, &st, when, sizeof when, &err) ==
		      ENG_STATUS_OK, "%s", err.msg);
	ck_assert_int_eq((int)strlen(when), 16);
	app_session_restore(&g.a, st);
	session_state_done(st);
	free(st);
	assert_same_app(&f.a, &g.a);
	assert_same_plans(&f.a.plans, &g.a.plans);
	ck_assert(g.a.plans.e[0].fig.accuracy == 0.625);
	/* Appends past the threshold and the last full write: rewritten. */
	for (int i = 0; i < 20000 && sf.appended == 0; i++) {
		app_action(&g.a, (i & 1) ? UI_ACTION_UNDO : UI_ACTION_REDO);
		session_file_sync(&sf, &g.a, &err);
	}
	ck_assert_int_eq(session_file_sync(&sf, &g.a, &err), ENG_STATUS_OK);
	unsigned long w0 = sf.writes;
	for (int i = 0; i < 40000; i++) {
		app_action(&g.a, (i & 1) ? UI_ACTION_UNDO : UI_ACTION_REDO);
		session_file_sync(&sf, &g.a, &err);
	}
	ck_assert(sf.writes > w0);
	ck_assert(file_size(sf.path) <= (off_t)(SESSION_FILE_APPEND_MIN + 2 * sf.base + 4096));
	/* q: the file goes. */
	session_file_discard(&sf);
	ck_assert_int_eq(file_size(sf.path), -1);
	session_file_done(&sf);
	fx_close(&g);
	fx_close(&f);
	rm_dir(dir);
}
END_TEST

/* A directory that cannot be made: an error, no crash, nothing saved. */
START_TEST(test_file_unwritable)
{
	char dir[4096];
	tmp_dir(dir, sizeof dir);
	char file[4200], sdir[4300];
	snprintf(file, sizeof file, "%s/plain", dir);
	ck_assert_int_eq(fileio_write_atomic_buf(file, "x", 1, NULL), ENG_STATUS_OK);
	snprintf(sdir, sizeof sdir, "%s/reconvene", file); /* under a file */
	struct fx f;
	fx_open(&f, "lenet5", false, NULL);
	struct session_file sf;
	struct eng_err err = { { 0 } };
	ck_assert(session_file_init(&sf, sdir, "lenet5", &f.a, &err) != ENG_STATUS_OK);
	ck_assert(strstr(err.msg, "cannot create directory") != NULL);
	session_file_done(&sf);
	fx_close(&f);
	rm_dir(dir);
}
END_TEST

static Suite *session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_offer);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_mangled);
	tcase_add_test(tc, test_file);
	tcase_add_test(tc, test_file_unwritable);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(session_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
