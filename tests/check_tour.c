/* check_tour.c: the guided tour (tui/explorer/tour_script.c, tour.c): the
 * shipped script, malformed scripts with FILE:LINE, word wrapping, the
 * caption box's place on every screen size, and the step machine over a
 * real app and worker (keys as edits, the automatic plan, Left restoring
 * plan, settings, view and cursor, q, autoplay).  The headless run of the
 * whole shipped tour against `reconvene prune --auto` is tests/tui/tour.sh. */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_fixture.h"
#include "explorer/input.h"
#include "explorer/keys.h"
#include "explorer/layout.h"
#include "explorer/tour.h"
#include "explorer/tour_script.h"

static void script_parse_ok(const char *text, struct tour_script *ts)
{
	struct eng_err err = { { 0 } };
	enum eng_status st = tour_script_parse(text, strlen(text), "t.tour", ts, &err);
	ck_assert_msg(st == ENG_STATUS_OK, "%s", err.msg);
}

/* ---- the shipped tour --------------------------------------------------- */

START_TEST(test_shipped_script)
{
	char path[4096];
	const char *top = getenv("top_srcdir");
	snprintf(path, sizeof path, "%s/tours/reconvene.tour", top && *top ? top : ".");
	struct tour_script ts;
	struct eng_err err = { { 0 } };
	ck_assert_msg(tour_script_read(path, &ts, &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_int_ge(ts.n, 8);
	bool auto_step = false, wait_all = false;
	for (int i = 0; i < ts.n; i++) {
		const struct tour_step *st = &ts.step[i];
		ck_assert(st->title[0] && st->text && st->text[0]);
		/* Every number a caption shows is a live value, none typed in:
		 * outside {braces} the text has no digits. */
		int depth = 0;
		for (const char *c = st->text; *c; c++) {
			depth += *c == '{' ? 1 : *c == '}' ? -1 : 0;
			ck_assert_msg(depth > 0 || !isdigit((unsigned char)*c),
				      "step %d (line %d) types a number: ...%.20s", i + 1,
				      st->line, c);
		}
		for (int k = 0; k < st->n_keys; k++)
			auto_step |= st->keys[k] == 'a';
		wait_all |= (st->wait & (TOUR_WAIT_LATENCY | TOUR_WAIT_QUICKEVAL)) ==
			    (TOUR_WAIT_LATENCY | TOUR_WAIT_QUICKEVAL);
	}
	ck_assert(auto_step);
	ck_assert(wait_all);
	tour_script_done(&ts);
}
END_TEST

/* ---- malformed scripts -------------------------------------------------- */

START_TEST(test_malformed)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "", "t.tour: no [step]" },
		{ "# only a comment\n", "t.tour: no [step]" },
		{ "title = x\n", "t.tour:1: a setting before the first [step]" },
		{ "[step]\ntitle = a\ntext = b\n[stage]\n", "t.tour:4: unknown section" },
		{ "[step]\ntext = b\n", "t.tour:1: this step has no title" },
		{ "[step]\ntitle = a\n", "t.tour:1: this step has no text" },
		{ "[step]\ntitle = a\ntext = b\n[step]\ntext = c\n[step]\ntitle = d\ntext = e\n",
		  "t.tour:4: this step has no title" },
		{ "[step]\ntitle = a\npanel = sidebar\ntext = b\n", "t.tour:3: unknown panel" },
		{ "[step]\ntitle = a\nkeys = a Bogus\ntext = b\n", "t.tour:3: not a key name" },
		{ "[step]\ntitle = a\nwait = coffee\ntext = b\n", "t.tour:3: wait for what?" },
		{ "[step]\ntitle = a\ntext = {nope} here\n", "t.tour:3: unknown value" },
		{ "[step]\ntitle = a\ntext = {model\n", "t.tour:3: a '{' without its '}'" },
		{ "[step]\ntitle = a\ntext = model}\n", "t.tour:3: a '}' without its '{'" },
		{ "[step]\ntitle = {model}\ntext = b\n", "t.tour:2: titles take no {values}" },
		{ "[step]\ntitle = a\ncolour = red\ntext = b\n", "t.tour:3: unknown setting" },
		{ "[step]\ntitle = a\njust words\n", "t.tour:3: expected 'key = value'" },
		{ "[step]\ntitle =\ntext = b\n", "t.tour:2: an empty title" },
		{ "[step]\ntitle = a\nselect = two words\ntext = b\n", "t.tour:3: select" },
		{ "[step]\ntitle = a\nkeys = a a a a a a a a a a a a a a a a a\ntext = b\n",
		  "t.tour:3: more than 16 keys" },
		{ "[step]\ntitle = a\ntext =\n", "t.tour:1: this step has no text" },
		{ "[step]\ntitle = a\x1b[2J\ntext = b\n", "t.tour:2: a control character (byte 0x1b)" },
		{ "[step]\ntitle = a\ntext = b\x7f\n", "t.tour:3: a control character (byte 0x7f)" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct tour_script ts;
		struct eng_err err = { { 0 } };
		enum eng_status st = tour_script_parse(bad[i].text, strlen(bad[i].text), "t.tour",
						       &ts, &err);
		ck_assert_msg(st == ENG_STATUS_EINVAL, "case %zu parsed", i);
		ck_assert_msg(strncmp(err.msg, bad[i].want, strlen(bad[i].want)) == 0,
			      "case %zu: '%s', want '%s...'", i, err.msg, bad[i].want);
		ck_assert(!strchr(err.msg, '\n'));
		tour_script_done(&ts);
	}
	/* A NUL byte, and a file that is not there. */
	struct tour_script ts;
	struct eng_err err = { { 0 } };
	ck_assert(tour_script_parse("[step]\0", 7, "t.tour", &ts, &err) == ENG_STATUS_EINVAL);
	ck_assert(strstr(err.msg, "NUL"));
	tour_script_done(&ts);
	ck_assert(tour_script_read("/nonexistent/x.tour", &ts, &err) == ENG_STATUS_ENOENT);
	ck_assert(strstr(err.msg, "/nonexistent/x.tour"));
	tour_script_done(&ts);
	/* 65 steps is one too many. */
	char *big = malloc(65 * 32);
	big[0] = '\0';
	for (int i = 0; i < 65; i++)
		strcat(big, "[step]\ntitle = a\ntext = b\n");
	ck_assert(tour_script_parse(big, strlen(big), "t.tour", &ts, &err) == ENG_STATUS_EINVAL);
	ck_assert_msg(strstr(err.msg, "t.tour:193: more than 64 steps"), "%s", err.msg);
	tour_script_done(&ts);
	free(big);
}
END_TEST

START_TEST(test_text_joining)
{
	struct tour_script ts;
	script_parse_ok("[step]\ntitle = a\npanel = proj\nkeys = a v Space\nwait = auto, grid\n"
			"select = resilient\n"
			"text = one\ntext = two {{x}}\ntext =\ntext = three\n"
			"text = - four\ntext = five\n", &ts);
	ck_assert_int_eq(ts.n, 1);
	ck_assert_str_eq(ts.step[0].text, "one two {{x}}\n\nthree\n- four five");
	ck_assert_int_eq(ts.step[0].panel, TOUR_PANEL_PROJ);
	ck_assert_int_eq(ts.step[0].n_keys, 3);
	ck_assert_int_eq(ts.step[0].keys[0], 'a');
	ck_assert_int_eq(ts.step[0].keys[2], ' ');
	ck_assert_uint_eq(ts.step[0].wait, TOUR_WAIT_AUTO | TOUR_WAIT_GRID);
	ck_assert_str_eq(ts.step[0].select, "resilient");
	tour_script_done(&ts);
}
END_TEST

/* ---- wrapping ----------------------------------------------------------- */

START_TEST(test_wrap)
{
	const char *text = "The quick brown fox jumps over the lazy dog; "
			   "supercalifragilisticexpialidocious words get cut.\n\n"
			   "A second paragraph \xc3\xa9t\xc3\xa9 with accents.\n- a line";
	for (int cols = 1; cols <= 60; cols++) {
		struct tour_span l[200];
		int n = tour_wrap(text, cols, l, 200);
		ck_assert_int_le(n, 200);
		/* Every line fits; the words come back in order. */
		char words[512], back[512];
		size_t nw = 0, nb = 0;
		for (const char *c = text; *c; c++)
			if (*c != ' ' && *c != '\n')
				words[nw++] = *c;
		words[nw] = '\0';
		int empty = 0;
		for (int i = 0; i < n; i++) {
			int w = 0;
			for (int k = 0; k < l[i].len; k++) {
				unsigned char ch = (unsigned char)text[l[i].start + k];
				w += (ch & 0xC0) != 0x80;
				if (ch != ' ')
					back[nb++] = (char)ch;
			}
			ck_assert_msg(w <= cols, "cols %d line %d has %d", cols, i, w);
			empty += l[i].len == 0;
		}
		back[nb] = '\0';
		ck_assert_str_eq(back, words);
		ck_assert_int_eq(empty, 1); /* the paragraph break */
	}
	struct tour_span l[8];
	int n = tour_wrap("aa bb cc", 5, l, 8);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(l[0].len, 5); /* "aa bb" */
	ck_assert_int_eq(l[1].start, 6);
	/* More lines than room: counted, not written. */
	ck_assert_int_eq(tour_wrap("a b c d e f", 1, l, 2), 6);
}
END_TEST

/* ---- the box ------------------------------------------------------------ */

static bool rect_overlap(struct layout_rect a, struct layout_rect b)
{
	return a.w > 0 && a.h > 0 && b.w > 0 && b.h > 0 && a.x < b.x + b.w &&
	       b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

START_TEST(test_box_placement)
{
	for (int rows = 24; rows <= 60; rows += 3)
		for (int cols = 80; cols <= 200; cols += 7) {
			struct layout_state st = { .view = LAYOUT_VIEW_HEAT, .name_cols = 14 };
			struct layout lo;
			layout_compute(rows, cols, &st, &lo);
			for (int p = 0; p < TOUR_PANEL_COUNT; p++) {
				struct layout_rect b;
				tour_box(&lo, (enum tour_panel)p, 14, 44, &b);
				ck_assert_msg(b.w >= 40 && b.h >= 8, "%dx%d %s: %dx%d", cols, rows,
					      tour_panel_name((enum tour_panel)p), b.w, b.h);
				/* Inside the frame: below the header, above the footer. */
				ck_assert(b.x >= 1 && b.x + b.w <= cols - 1);
				ck_assert(b.y >= 1 && b.y + b.h <= lo.panel[LAYOUT_PANEL_FOOTER].y);
				/* Never over the panel it explains, unless the screen
				 * leaves no room for the caption beside or below it. */
				int below = lo.panel[LAYOUT_PANEL_FOOTER].y -
					    lo.panel[LAYOUT_PANEL_PROJ_HEAD].y;
				bool cramped = (p == TOUR_PANEL_TABLE || p == TOUR_PANEL_HEAT ||
						p == TOUR_PANEL_HEADER) && below < 14 &&
					       lo.panel[LAYOUT_PANEL_HEAT].w < 40;
				if (p != TOUR_PANEL_NONE && !cramped)
					ck_assert_msg(!rect_overlap(b, tour_panel_rect(&lo, p)),
						      "%dx%d: the box covers %s", cols, rows,
						      tour_panel_name((enum tour_panel)p));
			}
		}
	/* Too small: no box. */
	struct layout_state st = { 0 };
	struct layout lo;
	layout_compute(20, 60, &st, &lo);
	struct layout_rect b;
	tour_box(&lo, TOUR_PANEL_TABLE, 10, 40, &b);
	ck_assert_int_eq(b.w, 0);
}
END_TEST

/* ---- steps over a real app ---------------------------------------------- */

static void wait_ready(struct tour *t, struct input *in, struct fx *f)
{
	for (int k = 0; k < 400 && !tour_ready(t, in->app, NULL, 0); k++) {
		ck_assert(worker_wait_idle(f->w, 60000));
		input_snapshot(in);
		tour_poll(t, in, 0);
	}
	ck_assert(tour_ready(t, in->app, NULL, 0));
}

START_TEST(test_steps)
{
	struct fx f;
	fx_open(&f, "resnet20", true, NULL);
	struct app *a = &f.a;
	struct input in;
	input_init(&in, a, 24, 80, NULL);
	struct tour_script ts;
	script_parse_ok("[step]\ntitle = one\ntext = {model} {dense_params} {plan_params}\n"
			"[step]\ntitle = two\nkeys = a\nselect = resilient\nwait = auto\n"
			"text = {layer} keeps {layer_kept} of {layer_channels}; {changed} cut\n"
			"[step]\ntitle = three\nkeys = T v\ntext = tau {tau}\n"
			"[step]\ntitle = four\ntext = end\n", &ts);
	struct tour t;
	tour_init(&t, &ts, 0);
	ck_assert_int_eq(ts.n, 0); /* moved */
	tour_start(&t, &in);
	ck_assert(t.active);
	ck_assert_int_eq(t.step, 0);
	char cap[512];
	tour_caption(&t, a, cap, sizeof cap);
	ck_assert_msg(strcmp(cap, "resnet20 272.5k 272.5k") == 0, "%s", cap);
	int dense_pos = a->hist.pos;
	double tau0 = a->settings.tau;

	/* Step two: `a` is an ordinary edit; the caption waits for it. */
	unsigned fl = 0;
	ck_assert(tour_key(&t, &in, ' ', &fl));
	ck_assert_int_eq(t.step, 1);
	ck_assert(a->auto_req != 0);
	char what[96];
	ck_assert(!tour_ready(&t, a, what, sizeof what));
	ck_assert_msg(strstr(what, "automatic plan"), "%s", what);
	tour_caption(&t, a, cap, sizeof cap);
	ck_assert_msg(strstr(cap, "... cut") == NULL || strstr(cap, "0 cut") == NULL, "%s", cap);
	wait_ready(&t, &in, &f);
	ck_assert_int_eq(a->hist.pos, dense_pos + 1);
	const struct prune_plan *ap = &a->snap->scores.auto_plan;
	ck_assert_int_eq(ap->n_groups, a->plan.n_groups);
	ck_assert(memcmp(ap->keep, a->plan.keep, (size_t)ap->n_groups * sizeof *ap->keep) == 0);
	/* The cursor is on a resilient layer whose group shrank. */
	const struct app_row *r = &a->rows[a->cursor];
	ck_assert(a->snap->scores.resilient[r->layer]);
	ck_assert_int_lt(a->plan.keep[r->group], f.m->groups.groups[r->group].channels);
	tour_caption(&t, a, cap, sizeof cap);
	ck_assert_msg(!strstr(cap, "..."), "%s", cap);
	int cursor2 = a->cursor;

	/* Step three changes a setting and the view; Left brings both back. */
	tour_key(&t, &in, ' ', &fl);
	ck_assert_int_eq(t.step, 2);
	ck_assert(a->settings.tau > tau0);
	ck_assert_int_eq(a->view, LAYOUT_VIEW_GRID);
	int left = 0;
	keylog_key_parse("Left", &left);
	ck_assert(tour_key(&t, &in, left, &fl));
	ck_assert_int_eq(t.step, 1);
	ck_assert(a->settings.tau == tau0);
	ck_assert_int_eq(a->view, LAYOUT_VIEW_HEAT);
	ck_assert_int_eq(a->cursor, cursor2);
	ck_assert_int_eq(a->hist.pos, dense_pos + 1);
	/* Left again: the automatic plan is undone. */
	tour_key(&t, &in, left, &fl);
	ck_assert_int_eq(t.step, 0);
	ck_assert_int_eq(a->hist.pos, dense_pos);
	for (int g = 0; g < a->plan.n_groups; g++)
		ck_assert_int_eq(a->plan.keep[g], f.m->groups.groups[g].channels);
	/* Left on the first step stays; other keys are the explorer's. */
	ck_assert(tour_key(&t, &in, left, &fl));
	ck_assert_int_eq(t.step, 0);
	ck_assert(!tour_key(&t, &in, 'j', &fl));
	/* Forward again (Right), now with current scores: adopted at once. */
	int right = 0;
	keylog_key_parse("Right", &right);
	tour_key(&t, &in, right, &fl);
	wait_ready(&t, &in, &f);
	ck_assert(memcmp(ap->keep, a->plan.keep, (size_t)ap->n_groups * sizeof *ap->keep) == 0);
	/* q leaves and keeps the state; the tour takes no more keys. */
	ck_assert(tour_key(&t, &in, 'q', &fl));
	ck_assert(!t.active);
	ck_assert(memcmp(ap->keep, a->plan.keep, (size_t)ap->n_groups * sizeof *ap->keep) == 0);
	ck_assert(!tour_key(&t, &in, ' ', &fl));
	tour_done(&t);
	fx_close(&f);
}
END_TEST

/* The keys the footer treats as the tour's are exactly the keys the tour
 * obeys; with them taken the footer shows h and l for the arrows and
 * marks quit inactive (q leaves the tour; F10, which still quits, does
 * not fit q's column). */
START_TEST(test_keys_taken_are_obeyed)
{
	struct fx f;
	fx_open(&f, "lenet5", true, NULL);
	struct input in;
	input_init(&in, &f.a, 24, 80, NULL);
	struct tour_script ts;
	script_parse_ok("[step]\ntitle = one\ntext = a\n[step]\ntitle = two\ntext = b\n"
			"[step]\ntitle = three\ntext = c\n", &ts);
	struct tour t;
	tour_init(&t, &ts, 0);
	int taken[TOUR_TAKEN_MAX];
	ck_assert_int_eq(tour_keys_taken(&t, taken), 0); /* not started */
	ck_assert_int_eq(tour_keys_taken(NULL, taken), 0);
	tour_start(&t, &in);
	int n = tour_keys_taken(&t, taken);
	ck_assert_int_gt(n, 0);
	bool has_q = false;
	for (int i = 0; i < n; i++) {
		unsigned fl = 0;
		if (!t.active)
			tour_start(&t, &in);
		ck_assert_msg(tour_key(&t, &in, taken[i], &fl), "key %d not obeyed", taken[i]);
		has_q = has_q || taken[i] == 'q';
	}
	ck_assert(has_q);
	/* a key outside the list is the explorer's */
	if (!t.active)
		tour_start(&t, &in);
	unsigned fl = 0;
	ck_assert(!tour_key(&t, &in, 'j', &fl));
	n = tour_keys_taken(&t, taken);
	struct keys_footer_item items[KEYS_FOOTER_MAX];
	int ni = keys_footer_layout(76, true, items, KEYS_FOOTER_MAX);
	keys_footer_relabel(items, ni, taken, n, true);
	bool quit_seen = false;
	for (int i = 0; i < ni; i++) {
		ck_assert_int_eq(items[i].key_w, (int)strlen(items[i].key_label));
		if (items[i].act == UI_ACTION_KEEP_LESS)
			ck_assert_str_eq(items[i].key_label, "h");
		if (items[i].act != UI_ACTION_QUIT) {
			ck_assert(!items[i].taken);
			continue;
		}
		quit_seen = true;
		ck_assert_str_eq(items[i].key_label, "q");
		ck_assert(items[i].taken);
	}
	ck_assert(quit_seen);
	tour_done(&t);
	fx_close(&f);
}
END_TEST

START_TEST(test_autoplay_and_end)
{
	struct fx f;
	fx_open(&f, "lenet5", true, NULL);
	struct input in;
	input_init(&in, &f.a, 24, 80, NULL);
	struct tour_script ts;
	script_parse_ok("[step]\ntitle = one\ntext = a\n[step]\ntitle = two\ntext = b\n", &ts);
	struct tour t;
	tour_init(&t, &ts, 5);
	tour_start(&t, &in);
	ck_assert_double_eq(tour_timeout(&t, 100), -1); /* not ready yet */
	tour_poll(&t, &in, 100);                         /* ready at 100 */
	ck_assert_double_eq_tol(tour_timeout(&t, 102), 3, 1e-9);
	tour_poll(&t, &in, 104.9);
	ck_assert_int_eq(t.step, 0);
	tour_poll(&t, &in, 105);
	ck_assert_int_eq(t.step, 1);
	tour_poll(&t, &in, 106);
	tour_poll(&t, &in, 111);
	ck_assert(!t.active); /* Space on the last step ends the tour */
	ck_assert(strstr(f.a.log, "end of the tour"));
	tour_done(&t);
	fx_close(&f);
}
END_TEST

START_TEST(test_values_unknown)
{
	/* A pure app (no worker): what needs scores or timings is "...". */
	struct fx f;
	fx_open(&f, "resnet20", false, NULL);
	char buf[96];
	for (int v = 0; v < TOUR_VALUE_COUNT; v++) {
		tour_value_text(&f.a, (enum tour_value)v, buf, sizeof buf);
		ck_assert(buf[0]);
		ck_assert_str_eq(tour_value_name((enum tour_value)v),
				 tour_value_name((enum tour_value)v));
		enum tour_value back;
		const char *nm = tour_value_name((enum tour_value)v);
		ck_assert(tour_value_lookup(nm, strlen(nm), &back) && (int)back == v);
	}
	tour_value_text(&f.a, TOUR_VALUE_RESILIENT, buf, sizeof buf);
	ck_assert_str_eq(buf, "...");
	tour_value_text(&f.a, TOUR_VALUE_PLAN_LATENCY, buf, sizeof buf);
	ck_assert_str_eq(buf, "...");
	tour_value_text(&f.a, TOUR_VALUE_MODEL, buf, sizeof buf);
	ck_assert_str_eq(buf, "resnet20");
	tour_value_text(&f.a, TOUR_VALUE_KEEP_PERCENT, buf, sizeof buf);
	ck_assert_str_eq(buf, "10%");
	tour_value_text(&f.a, TOUR_VALUE_LAYERS, buf, sizeof buf);
	ck_assert_str_eq(buf, "22"); /* 21 convs and the classifier */
	fx_close(&f);
}
END_TEST

static Suite *tour_suite(void)
{
	Suite *s = suite_create("tour");
	TCase *tc = tcase_create("script");
	tcase_add_test(tc, test_shipped_script);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_text_joining);
	tcase_add_test(tc, test_wrap);
	tcase_add_test(tc, test_box_placement);
	suite_add_tcase(s, tc);
	TCase *tw = tcase_create("steps");
	tcase_set_timeout(tw, 600);
	tcase_add_test(tw, test_steps);
	tcase_add_test(tw, test_autoplay_and_end);
	tcase_add_test(tw, test_keys_taken_are_obeyed);
	tcase_add_test(tw, test_values_unknown);
	suite_add_tcase(s, tw);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tour_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
