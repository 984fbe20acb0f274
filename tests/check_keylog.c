/* check_keylog.c: the key log (tui/keylog.c): names, parsing, errors with
 * file:line, writing, fuzzed input.  The input path that applies a log's
 * events (tui/input.c) is tested in check_app.c. */
#include "config.h"

#include <check.h>
#include <curses.h> /* KEY_* constants only */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explorer/keylog.h"
#include "base/rng.h"
#include "prune/reconvene.h"

/* ---- names ------------------------------------------------------------ */

START_TEST(test_key_names)
{
	char buf[KEYLOG_NAME_MAX];
	/* Every code has a name that parses back to it. */
	for (int k = 0; k < 0x1000; k++) {
		int back = -1;
		keylog_key_name(k, buf, sizeof buf);
		ck_assert_msg(keylog_key_parse(buf, &back), "code %d: name '%s' does not parse",
			      k, buf);
		ck_assert_msg(back == k, "code %d -> '%s' -> %d", k, buf, back);
		ck_assert(strchr(buf, ' ') == NULL && buf[0]);
	}
	/* tmux's names for the keys the soak sends. */
	static const struct {
		const char *name;
		int key;
	} tmux[] = {
		{ "Up", KEY_UP }, { "S-Left", KEY_SLEFT }, { "PPage", KEY_PPAGE },
		{ "NPage", KEY_NPAGE }, { "BTab", KEY_BTAB }, { "Tab", '\t' },
		{ "Space", ' ' }, { "Enter", '\r' }, { "Escape", 27 }, { "C-r", 18 },
		{ "C-l", 12 }, { "F1", KEY_F(1) }, { "F10", KEY_F(10) }, { "q", 'q' },
		{ "#", '#' }, { "#7", 7 },
	};
	for (size_t i = 0; i < sizeof tmux / sizeof tmux[0]; i++) {
		int k = -1;
		ck_assert_msg(keylog_key_parse(tmux[i].name, &k), "%s", tmux[i].name);
		ck_assert_int_eq(k, tmux[i].key);
	}
	static const char *const bad[] = { "", "up", "C-", "C-A", "F0", "F13", "#",
					   "#-1", "#x", "ab", "S-Up", " " };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int k;
		/* "#" alone is the character '#'. */
		if (strcmp(bad[i], "#") == 0)
			continue;
		ck_assert_msg(!keylog_key_parse(bad[i], &k), "'%s' parsed", bad[i]);
	}
}
END_TEST

/* ---- parsing ------------------------------------------------------------ */

static const char good_log[] =
	"# reconvene key log 1\n"
	"model vgg16\n"
	"settings method=snip sparsity=0.984375 tau=0.35 seed=12 align=8 width=sqrt\n"
	"data /tmp/fm\n"
	"size 120 40\n"
	"\n"
	"key Down\n"
	"  key S-Right   \n"
	"text 1a?\r\n"
	"resize 60 20\n"
	"select 4\n"
	"heat 2\n"
	"scroll -3\n"
	"focus proj\n"
	"action keep_less\n"
	"key a\n"
	"wait\n";

START_TEST(test_parse)
{
	struct keylog log;
	struct eng_err err = { { 0 } };
	ck_assert_msg(keylog_parse(good_log, strlen(good_log), "g.log", &log, &err) ==
		      ENG_STATUS_OK, "%s", err.msg);
	const struct keylog_header *h = &log.head;
	ck_assert(h->has_model && h->has_settings && h->has_data && h->has_size);
	ck_assert_str_eq(h->model, "vgg16");
	ck_assert_str_eq(h->method, "snip");
	ck_assert(h->sparsity == 0.984375 && h->tau == 0.35 && h->seed == 12);
	ck_assert_int_eq(h->align, 8);
	ck_assert_int_eq(h->width, RECONVENE_WIDTH_SQRT);
	ck_assert_str_eq(h->data, "/tmp/fm");
	ck_assert_int_eq(h->cols, 120);
	ck_assert_int_eq(h->rows, 40);
	const struct keylog_event want[] = {
		{ KEYLOG_KEY, KEY_DOWN, 0 }, { KEYLOG_KEY, KEY_SRIGHT, 0 },
		{ KEYLOG_KEY, '1', 0 }, { KEYLOG_KEY, 'a', 0 }, { KEYLOG_KEY, '?', 0 },
		{ KEYLOG_RESIZE, 60, 20 }, { KEYLOG_SELECT, 4, 0 }, { KEYLOG_HEAT, 2, 0 },
		{ KEYLOG_SCROLL, -3, 0 }, { KEYLOG_FOCUS_PROJ, 0, 0 },
		{ KEYLOG_ACTION, UI_ACTION_KEEP_LESS, 0 }, { KEYLOG_KEY, 'a', 0 },
		{ KEYLOG_WAIT, 0, 0 },
	};
	ck_assert_int_eq(log.n, (int)(sizeof want / sizeof want[0]));
	for (int i = 0; i < log.n; i++) {
		ck_assert_msg(log.ev[i].kind == want[i].kind && log.ev[i].a == want[i].a &&
			      log.ev[i].b == want[i].b, "event %d: %d %d %d", i,
			      log.ev[i].kind, log.ev[i].a, log.ev[i].b);
	}

	/* Written back, it reads the same. */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	keylog_header_write(f, h);
	for (int i = 0; i < log.n; i++)
		keylog_event_write(f, &log.ev[i]);
	fclose(f);
	struct keylog again;
	ck_assert_msg(keylog_parse(text, len, "w.log", &again, &err) == ENG_STATUS_OK,
		      "%s\n%s", err.msg, text);
	ck_assert_int_eq(again.n, log.n);
	ck_assert(memcmp(again.ev, log.ev, (size_t)log.n * sizeof *log.ev) == 0);
	ck_assert(memcmp(&again.head, &log.head, sizeof log.head) == 0);
	keylog_done(&again);
	free(text);
	keylog_done(&log);
}
END_TEST

/* A log from before the sqrt default has no width=: it means density, and
 * a density header is written without it (so it reads back the same in
 * either version); any other rule is written. */
START_TEST(test_width_setting)
{
	static const char old[] = "settings method=synflow sparsity=0.9 tau=0.2 seed=1\n";
	struct keylog log;
	struct eng_err err = { { 0 } };
	ck_assert_msg(keylog_parse(old, strlen(old), "o.log", &log, &err) == ENG_STATUS_OK,
		      "%s", err.msg);
	ck_assert_int_eq(log.head.width, RECONVENE_WIDTH_DENSITY);
	char buf[256];
	keylog_settings_format(&log.head, buf, sizeof buf);
	ck_assert_str_eq(buf, "method=synflow sparsity=0.9 tau=0.2 seed=1");
	log.head.width = RECONVENE_WIDTH_NNZ;
	keylog_settings_format(&log.head, buf, sizeof buf);
	ck_assert_str_eq(buf, "method=synflow sparsity=0.9 tau=0.2 seed=1 width=nnz");
	keylog_done(&log);
}
END_TEST

START_TEST(test_errors)
{
	static const struct {
		const char *text;
		int line;
		const char *why;
	} bad[] = {
		{ "key Upp\n", 1, "unknown key name" },
		{ "key Up\nkey\n", 2, "unknown key name" },
		{ "\n\ntext\n", 3, "text: no characters" },
		{ "text caf\xc3\xa9\n", 1, "printable ASCII" },
		{ "resize 80\n", 1, "columns and rows" },
		{ "resize 0 24\n", 1, "whole numbers from 1" },
		{ "resize 80 24x\n", 1, "whole numbers from 1" },
		{ "size 99999 24\n", 1, "whole numbers from 1" },
		{ "select -1\n", 1, "row number" },
		{ "scroll up\n", 1, "scroll" },
		{ "focus table\n", 1, "focus" },
		{ "action fly\n", 1, "unknown action" },
		{ "wait now\n", 1, "no arguments" },
		{ "model\n", 1, "model" },
		{ "settings method=snip sparsity=0.9 tau=0.2\n", 1, "needs method" },
		{ "settings method=snip sparsity=1.5 tau=0.2 seed=1\n", 1, "[0, 1]" },
		{ "settings method=snip sparsity=0.5 tau=0.2 seed=-1\n", 1, "seed" },
		{ "settings colour=red\n", 1, "unknown key" },
		{ "settings method=snip sparsity=0.5 tau=0.2 seed=1 align=0\n", 1, "align" },
		{ "settings method=snip sparsity=0.5 tau=0.2 seed=1 align=4k\n", 1, "align" },
		{ "settings method=snip sparsity=0.5 tau=0.2 seed=1 width=wide\n", 1, "width" },
		{ "settings method=snip sparsity=0.5 tau=0.2 seed=1 width=budget\n", 1, "width" },
		{ "settings method\n", 1, "key=value" },
		{ "jump 3\n", 1, "unknown line" },
		{ "key a\n\0key b\n", 2, "NUL" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct keylog log;
		struct eng_err err = { { 0 } };
		size_t len = strlen(bad[i].text);
		if (strstr(bad[i].why, "NUL"))
			len = 13;
		ck_assert_msg(keylog_parse(bad[i].text, len, "b.log", &log, &err) ==
			      ENG_STATUS_EINVAL, "case %zu parsed", i);
		char prefix[32];
		snprintf(prefix, sizeof prefix, "b.log:%d: ", bad[i].line);
		ck_assert_msg(strncmp(err.msg, prefix, strlen(prefix)) == 0 &&
			      strstr(err.msg, bad[i].why) && !strchr(err.msg, '\n'),
			      "case %zu: '%s'", i, err.msg);
		keylog_done(&log);
	}
	/* A line over the limit. */
	char *big = malloc(KEYLOG_TEXT_MAX + 16);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', KEYLOG_TEXT_MAX + 10);
	memcpy(big, "text ", 5);
	big[KEYLOG_TEXT_MAX + 10] = '\n';
	struct keylog log;
	struct eng_err err = { { 0 } };
	ck_assert(keylog_parse(big, KEYLOG_TEXT_MAX + 11, "l.log", &log, &err) ==
		  ENG_STATUS_EINVAL);
	ck_assert(strstr(err.msg, "l.log:1: line longer than"));
	keylog_done(&log);
	free(big);
	/* A missing file: ENOENT naming it. */
	ck_assert(keylog_read("/nonexistent/k.log", &log, &err) == ENG_STATUS_ENOENT);
	ck_assert(strstr(err.msg, "/nonexistent/k.log"));
	keylog_done(&log);
}
END_TEST

/* Seeded mutations of a good log: never a crash, OK or EINVAL with the
 * file named (ASan and UBSan in CI). */
START_TEST(test_fuzz)
{
	struct rng r;
	rng_seed(&r, 5);
	size_t n = strlen(good_log);
	char buf[1024];
	int ok = 0, bad = 0;
	for (int it = 0; it < 5000; it++) {
		memcpy(buf, good_log, n);
		size_t len = n;
		int edits = 1 + (int)(rng_next(&r) % 6);
		for (int e = 0; e < edits && len > 0; e++) {
			size_t at = (size_t)(rng_next(&r) % len);
			switch (rng_next(&r) % 4) {
			case 0: buf[at] = (char)(rng_next(&r) & 0xff); break;
			case 1: buf[at] = "0123456789 -=#\n\r\t"[rng_next(&r) % 17]; break;
			case 2: /* drop a byte */
				memmove(buf + at, buf + at + 1, len - at - 1);
				len--;
				break;
			default: /* cut */
				len = at + 1;
				break;
			}
		}
		struct keylog log;
		struct eng_err err = { { 0 } };
		enum eng_status st = keylog_parse(buf, len, "f.log", &log, &err);
		ck_assert(st == ENG_STATUS_OK || st == ENG_STATUS_EINVAL);
		if (st == ENG_STATUS_OK) {
			ok++;
			for (int i = 0; i < log.n; i++)
				ck_assert(log.ev[i].kind >= KEYLOG_KEY && log.ev[i].kind <= KEYLOG_WAIT);
		} else {
			bad++;
			ck_assert_msg(strncmp(err.msg, "f.log:", 6) == 0, "%s", err.msg);
		}
		keylog_done(&log);
	}
	ck_assert(ok > 0 && bad > 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("keylog");
	TCase *tc = tcase_create("log");
	tcase_add_test(tc, test_key_names);
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_width_setting);
	tcase_add_test(tc, test_fuzz);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
