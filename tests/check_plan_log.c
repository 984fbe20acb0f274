/* check_plan_log: the explorer's log of measured plans (explorer/plan_log.c)
 * and its CSV and PNG (explorer/plan_log_export.c). */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "explorer/plan_log.h"
#include "explorer/plan_log_export.h"
#include "base/textbuf.h"

static struct plan_log_figures figs(double ms, double macs, double acc)
{
	struct plan_log_figures f = plan_log_figures_none();
	f.latency_ms = ms;
	f.macs = macs;
	f.accuracy = acc;
	return f;
}

START_TEST(test_note_and_merge)
{
	struct plan_log log;
	ck_assert_int_eq(plan_log_init(&log, 3), ENG_STATUS_OK);
	struct plan_log_setting set = { SCORE_METHOD_SYNFLOW, 0.9, 0.2, 1 };
	int k1[3] = { 4, 8, 10 }, k2[3] = { 4, 6, 10 };
	struct plan_log_figures f = figs(1.5, NAN, NAN);
	ck_assert_int_eq(plan_log_note(&log, k1, &set, &f, PLAN_LOG_SOURCE_EDIT), 0);
	ck_assert_uint_eq(log.changes, 1);
	/* The same again: nothing changes. */
	ck_assert_int_eq(plan_log_note(&log, k1, &set, &f, PLAN_LOG_SOURCE_EDIT), 0);
	ck_assert_uint_eq(log.changes, 1);
	/* The accuracy arrives later: merged, latency kept. */
	f = figs(NAN, NAN, 0.5);
	ck_assert_int_eq(plan_log_note(&log, k1, &set, &f, PLAN_LOG_SOURCE_EDIT), 0);
	ck_assert_uint_eq(log.changes, 2);
	ck_assert(log.e[0].fig.latency_ms == 1.5 && log.e[0].fig.accuracy == 0.5);
	/* Another setting is another entry; AUTO sticks once seen. */
	struct plan_log_setting set2 = set;
	set2.seed = 2;
	ck_assert_int_eq(plan_log_note(&log, k1, &set2, &f, PLAN_LOG_SOURCE_AUTO), 1);
	ck_assert_int_eq(plan_log_note(&log, k1, &set2, &f, PLAN_LOG_SOURCE_EDIT), 1);
	ck_assert_int_eq(log.e[1].source, PLAN_LOG_SOURCE_AUTO);
	ck_assert_int_eq(plan_log_note(&log, k2, &set, &f, PLAN_LOG_SOURCE_EDIT), 2);
	ck_assert_int_eq(log.last_changed, 2);
	ck_assert_int_eq(plan_log_find(&log, k2, &set), 2);
	ck_assert_int_eq(plan_log_find(&log, k2, &set2), -1);
	/* A deep copy is independent. */
	struct plan_log copy;
	ck_assert_int_eq(plan_log_copy(&copy, &log), ENG_STATUS_OK);
	log.e[0].keep[0] = 99;
	ck_assert_int_eq(copy.e[0].keep[0], 4);
	ck_assert_int_eq(copy.n, 3);
	plan_log_done(&copy);
	plan_log_done(&log);
}
END_TEST

START_TEST(test_full_drops_oldest)
{
	struct plan_log log;
	ck_assert_int_eq(plan_log_init(&log, 1), ENG_STATUS_OK);
	struct plan_log_setting set = { SCORE_METHOD_SNIP, 0.5, 0.2, 1 };
	struct plan_log_figures f = figs(1, 2, 0.5);
	for (int i = 0; i < PLAN_LOG_MAX + 10; i++) {
		int k = i;
		int at = plan_log_note(&log, &k, &set, &f, PLAN_LOG_SOURCE_EDIT);
		ck_assert_int_eq(at, i < PLAN_LOG_MAX ? i : PLAN_LOG_MAX - 1);
	}
	ck_assert_int_eq(log.n, PLAN_LOG_MAX);
	ck_assert_int_eq(log.e[0].keep[0], 10);
	ck_assert_int_eq(log.e[PLAN_LOG_MAX - 1].keep[0], PLAN_LOG_MAX + 9);
	plan_log_done(&log);
}
END_TEST

/* The front depends on the axis: the fast plan is not the small one. */
START_TEST(test_front_axes)
{
	struct plan_log log;
	ck_assert_int_eq(plan_log_init(&log, 1), ENG_STATUS_OK);
	struct plan_log_setting set = { SCORE_METHOD_SYNFLOW, 0.9, 0.2, 1 };
	const double ms[] = { 1.0, 2.0, 3.0, 1.5, NAN };
	const double macs[] = { 5e6, 1e6, 4e6, 6e6, 1e5 };
	const double acc[] = { 0.5, 0.5, 0.7, 0.4, 0.9 };
	for (int i = 0; i < 5; i++) {
		struct plan_log_figures f = figs(ms[i], macs[i], acc[i]);
		plan_log_note(&log, &i, &set, &f, PLAN_LOG_SOURCE_EDIT);
	}
	bool on[5];
	plan_log_front(&log, PLAN_LOG_AXIS_LATENCY, on);
	ck_assert(on[0] && !on[1] && on[2] && !on[3] && !on[4]);
	plan_log_front(&log, PLAN_LOG_AXIS_MACS, on);
	ck_assert(!on[0] && !on[1] && !on[2] && !on[3] && on[4]);
	plan_log_done(&log);
}
END_TEST

/* The one CSV cell writer (base/textbuf.c), which the history export and
 * score --probe's CSV share. */
START_TEST(test_csv_cell)
{
	static const struct {
		const char *in, *out;
	} c[] = {
		{ "conv1", "conv1" },
		{ "", "" },
		{ "a,b", "\"a,b\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ "two\nlines", "\"two\nlines\"" },
		{ "cr\r", "\"cr\r\"" },
		{ "layer1.0.conv1 layer1.0.conv2", "layer1.0.conv1 layer1.0.conv2" },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct textbuf t;
		textbuf_init(&t);
		textbuf_csv(&t, c[i].in);
		char *s = textbuf_take(&t);
		ck_assert_ptr_nonnull(s);
		ck_assert_str_eq(s, c[i].out);
		free(s);
	}
}
END_TEST

START_TEST(test_csv_and_png)
{
	struct plan_log log;
	ck_assert_int_eq(plan_log_init(&log, 2), ENG_STATUS_OK);
	const char *const names[] = { "conv,1", "say \"hi\"" };
	struct plan_log_setting set = { SCORE_METHOD_SYNFLOW, 0.9, 0.2, 7 };
	int k[2] = { 3, 5 };
	struct plan_log_figures f = figs(1.25, 2e6, NAN);
	f.params = 100;
	plan_log_note(&log, k, &set, &f, PLAN_LOG_SOURCE_AUTO);
	char *text;
	size_t len;
	ck_assert_int_eq(plan_log_csv(&log, names, &text, &len), ENG_STATUS_OK);
	ck_assert_uint_eq(strlen(text), len);
	ck_assert_msg(strstr(text, ",\"keep conv,1\",\"keep say \"\"hi\"\"\"\n"), "%s", text);
	ck_assert_msg(strstr(text, "\n1,auto,synflow,0.90000000000000002,0.20000000000000001,7,"
				   "100,,2000000,1.25,,,,,,0,0,3,5\n"), "%s", text);
	free(text);
	/* Export: an empty log is refused; a full one gives both files. */
	struct plan_log empty;
	ck_assert_int_eq(plan_log_init(&empty, 2), ENG_STATUS_OK);
	struct plan_log_marks m = { .current = 0, .dense_ms = 4, .dense_params = 1000,
				    .dense_acc = 0.8, .pai_ms = NAN, .pai_params = NAN,
				    .pai_acc = NAN };
	struct eng_err err = { { 0 } };
	char dir[] = "/tmp/check_plan_log.XXXXXX";
	ck_assert(mkdtemp(dir) != NULL);
	char prefix[128], path[160];
	snprintf(prefix, sizeof prefix, "%s/h", dir);
	ck_assert_int_eq(plan_log_export(&empty, names, &m, NULL, prefix, NULL, &err),
			 ENG_STATUS_EINVAL);
	plan_log_done(&empty);
	/* Accuracy measured now: a point on the chart. */
	f = figs(NAN, NAN, 0.75);
	plan_log_note(&log, k, &set, &f, PLAN_LOG_SOURCE_AUTO);
	ck_assert_msg(plan_log_export(&log, names, &m, NULL, prefix, NULL, &err) ==
		      ENG_STATUS_OK, "%s", err.msg);
	snprintf(path, sizeof path, "%s.csv", prefix);
	ck_assert_int_eq(access(path, R_OK), 0);
	unlink(path);
	snprintf(path, sizeof path, "%s.png", prefix);
	ck_assert_int_eq(access(path, R_OK), 0);
	unlink(path);
	rmdir(dir);
	plan_log_done(&log);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("plan_log");
	TCase *tc = tcase_create("plan_log");
	tcase_add_test(tc, test_note_and_merge);
	tcase_add_test(tc, test_full_drops_oldest);
	tcase_add_test(tc, test_front_axes);
	tcase_add_test(tc, test_csv_and_png);
	tcase_add_test(tc, test_csv_cell);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
