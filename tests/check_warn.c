/* check_warn: the one warning callback (engine/base/warn.h) and every
 * source that reports through it: a model cfg (kept in the net_spec and
 * sent on), the result cache, the worker's ring of snapshot lines, the PNG
 * renderer and the theme loader (tui/theme).  Each test makes its source
 * warn and checks that a callback of the same signature receives the exact
 * line.
 */
#include "config.h"

#include <check.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/warn.h"
#include "io/cfg.h"
#include "nn/net_spec.h"
#include "output/render.h"
#include "theme/theme.h"
#include "worker/cache.h"
#include "worker/worker.h"

/* --- a collecting sink ------------------------------------------------------ */

#define LINES_MAX 16

struct lines {
	int n;                          /* lines received (may exceed LINES_MAX) */
	char line[LINES_MAX][5000];
	void *user_seen;                /* the user pointer of the last call */
};

static void lines_collect(void *user, const char *line)
{
	struct lines *l = user;
	if (l->n < LINES_MAX)
		snprintf(l->line[l->n], sizeof l->line[0], "%s", line);
	l->n++;
	l->user_seen = user;
}

static struct eng_warn lines_sink(struct lines *l)
{
	memset(l, 0, sizeof *l);
	return (struct eng_warn){ lines_collect, l };
}

static char tmp_root[256];

static void tmp_make(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(tmp_root, sizeof tmp_root, "%s/check_warn.XXXXXX",
		 t && *t ? t : "/tmp");
	ck_assert(mkdtemp(tmp_root) != NULL);
}

/* --- the callback itself ---------------------------------------------------- */

START_TEST(test_emit)
{
	struct lines l;
	struct eng_warn w = lines_sink(&l);
	eng_warn_emit(&w, "%s:%d: unknown key '%s'", "a.cfg", 3, "sise");
	ck_assert_int_eq(l.n, 1);
	ck_assert_str_eq(l.line[0], "a.cfg:3: unknown key 'sise'");
	ck_assert_ptr_eq(l.user_seen, &l);
	/* a formatted line is cut to ENG_WARN_MAX - 1 bytes */
	char big[2 * ENG_WARN_MAX];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	eng_warn_emit(&w, "%s", big);
	ck_assert_int_eq(l.n, 2);
	ck_assert_uint_eq(strlen(l.line[1]), ENG_WARN_MAX - 1);
	/* a finished line goes as it is */
	eng_warn_line(&w, big);
	ck_assert_str_eq(l.line[2], big);
	/* NULL-safe: no sink, or a sink without a function, drops */
	eng_warn_emit(NULL, "dropped %d", 1);
	eng_warn_line(NULL, "dropped");
	struct eng_warn none = { NULL, &l };
	eng_warn_emit(&none, "dropped %d", 2);
	eng_warn_line(&none, "dropped");
	ck_assert_int_eq(l.n, 3);
	/* the keep-the-last-line sink */
	char buf[16] = "";
	struct eng_warn_last last = { buf, sizeof buf };
	struct eng_warn k = { eng_warn_last_keep, &last };
	eng_warn_emit(&k, "first");
	eng_warn_emit(&k, "second, longer than the buffer");
	ck_assert_str_eq(buf, "second, longer ");
}
END_TEST

/* --- a model cfg: stored in the spec, sent on ------------------------------ */

START_TEST(test_cfg)
{
	static const char text[] =
		"[net]\n"
		"input = 1x8x8\n"
		"batch = 64\n"
		"classes = 3\n"
		"[conv]\n"
		"out = 4\n"
		"sise = 3\n";
	struct net_spec spec;
	struct eng_err err;
	ck_assert_msg(cfg_parse_string(text, strlen(text), "m/w.cfg", &spec, &err) ==
		      ENG_STATUS_OK, "%s", err.msg);
	struct lines l;
	struct eng_warn w = lines_sink(&l);
	net_spec_warnings_send(&spec, &w);
	ck_assert_int_eq(l.n, 2);
	ck_assert_str_eq(l.line[0], "m/w.cfg:3: unknown key 'batch' in [net]");
	ck_assert_str_eq(l.line[1], "m/w.cfg:7: unknown key 'sise' in [conv]");
	/* a copy keeps them */
	struct net_spec copy;
	ck_assert_int_eq(net_spec_copy(&copy, &spec), ENG_STATUS_OK);
	w = lines_sink(&l);
	net_spec_warnings_send(&copy, &w);
	ck_assert_int_eq(l.n, 2);
	ck_assert_str_eq(l.line[1], "m/w.cfg:7: unknown key 'sise' in [conv]");
	/* the spec's own sink is an ordinary eng_warn */
	struct eng_warn keep = net_spec_warn_sink(&copy);
	eng_warn_emit(&keep, "extra %d", 1);
	ck_assert_int_eq(copy.n_warnings, 3);
	ck_assert_str_eq(copy.warnings[2], "extra 1");
	net_spec_warnings_send(&copy, NULL);
	net_spec_done(&copy);
	net_spec_done(&spec);
}
END_TEST

/* --- the result cache --------------------------------------------------------- */

START_TEST(test_cache)
{
	tmp_make();
	struct lines l;
	struct eng_warn w = lines_sink(&l);
	struct cache *c = NULL;
	struct eng_err err;
	ck_assert(cache_new(tmp_root, true, &w, 0, &c, &err) == ENG_STATUS_OK);
	ck_assert_int_eq(l.n, 0);
	char path[1200];
	ck_assert(cache_entry_path(c, "k", path, sizeof path));
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fputs("garbage garbage garbage garbage garbage", f);
	fclose(f);
	void *p;
	size_t n;
	ck_assert(!cache_get(c, "k", &p, &n));
	ck_assert_int_eq(l.n, 1);
	char want[1400];
	snprintf(want, sizeof want, "cache: %s: not a reconvene cache file; ignored", path);
	ck_assert_str_eq(l.line[0], want);
	cache_free(c);
	unlink(path);
	rmdir(tmp_root);
}
END_TEST

/* --- the worker: its ring of snapshot lines is a sink (cache warnings) ----- */

START_TEST(test_worker_ring)
{
	tmp_make();
	/* A file where the cache directory should be: the first put warns. */
	char file[512];
	snprintf(file, sizeof file, "%s/not-a-dir", tmp_root);
	FILE *f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	struct worker_config cfg;
	worker_config_default(&cfg);
	cfg.cache_dir = file;
	cfg.disk_cache = true;
	cfg.threads = 1;
	struct worker *wk = NULL;
	struct eng_err err = { { 0 } };
	ck_assert_msg(worker_new(&cfg, NULL, &wk, &err) == ENG_STATUS_OK, "%s", err.msg);
	static const char text[] =
		"[net]\ninput = 1x8x8\nclasses = 3\n"
		"[conv]\nout = 4\nsize = 3\npad = 1\n"
		"[relu]\n[gap]\n[linear]\nout = classes\n";
	struct net_spec spec;
	ck_assert(cfg_parse_string(text, strlen(text), "t.cfg", &spec, &err) == ENG_STATUS_OK);
	const struct worker_model *m = NULL;
	ck_assert_msg(worker_set_model(wk, &spec, &m, &err) == ENG_STATUS_OK, "%s", err.msg);
	struct worker_settings set;
	worker_settings_default(&set);
	set.method = SCORE_METHOD_MAGNITUDE;
	ck_assert(worker_set_settings(wk, &set, &err) == ENG_STATUS_OK);
	uint64_t rq = worker_request(wk, WORKER_JOB_SCORES);
	char want[700];
	snprintf(want, sizeof want,
		 "cache: %s: exists and is not a directory; results are not saved on disk",
		 file);
	bool seen = false;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!seen) {
		const struct worker_snapshot *s = worker_snapshot_get(wk);
		bool done = s->job[WORKER_JOB_SCORES].request >= rq &&
			    s->job[WORKER_JOB_SCORES].state == WORKER_STATE_DONE;
		if (done) {
			ck_assert_int_eq(s->warn_total, 1);
			ck_assert_int_eq(s->n_warnings, 1);
			ck_assert_str_eq(s->warnings[0], want);
			seen = true;
		}
		worker_snapshot_release(s);
		clock_gettime(CLOCK_MONOTONIC, &t);
		ck_assert_msg(t.tv_sec - t0.tv_sec < 60, "scores never finished");
		struct pollfd pfd = { .fd = worker_wake_fd(wk), .events = POLLIN };
		if (!seen)
			poll(&pfd, 1, 50);
		worker_wake_drain(wk);
	}
	worker_model_release(m);
	worker_free(wk);
	net_spec_done(&spec);
	unlink(file);
	rmdir(tmp_root);
}
END_TEST

/* --- the PNG renderer ------------------------------------------------------- */

START_TEST(test_render)
{
	tmp_make();
	static const float v[2] = { 0.25f, 1.0f };
	struct render_heat_row row = { .name = "conv1", .channels = 2, .value = v };
	struct render_heatmap h = { .title = "t", .legend = "score", .lo = 0, .hi = 1,
				    .n_rows = 1, .rows = &row };
	struct render_style s;
	render_style_default(&s);
	s.font = "/nonexistent/font.ttf";
	char path[512];
	snprintf(path, sizeof path, "%s/h.png", tmp_root);
	struct lines l;
	struct eng_warn w = lines_sink(&l);
	struct eng_err err;
	ck_assert_msg(render_heatmap_write(&h, &s, path, &w, &err) == ENG_STATUS_OK,
		      "%s", err.msg);
	ck_assert_int_eq(l.n, 1);
	ck_assert_str_eq(l.line[0], "cannot load the font '/nonexistent/font.ttf': "
			 "the picture has no text");
	/* the buffer form (kept for the explorer's export) sees the same line */
	char buf[RENDER_WARNING_MAX];
	ck_assert(render_heatmap_png(&h, &s, path, buf, sizeof buf, &err) ==
		  ENG_STATUS_OK);
	ck_assert_str_eq(buf, l.line[0]);
	unlink(path);
	rmdir(tmp_root);
}
END_TEST

/* --- the theme loader (tui/theme) -------------------------------------------- */

START_TEST(test_theme)
{
	static const char text[] =
		"[roles]\n"
		"selcted = red\n"
		"normal = nocolour\n";
	struct theme th;
	theme_init_default(&th);
	struct theme_paths none = { 0 };
	struct lines l;
	struct theme_load_opts o = { .paths = &none, .warn = lines_sink(&l) };
	struct eng_err err;
	ck_assert_msg(theme_load_text(&th, text, strlen(text), "x.theme", &o, &err) ==
		      ENG_STATUS_OK, "%s", err.msg);
	ck_assert_int_eq(l.n, 2);
	ck_assert_str_eq(l.line[0], "x.theme:2: unknown role 'selcted'");
	ck_assert_str_eq(l.line[1], "x.theme:3: bad colour 'nocolour' for a foreground");
}
END_TEST

static Suite *warn_suite(void)
{
	Suite *s = suite_create("warn");
	TCase *tc = tcase_create("warn");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_emit);
	tcase_add_test(tc, test_cfg);
	tcase_add_test(tc, test_cache);
	tcase_add_test(tc, test_worker_ring);
	tcase_add_test(tc, test_render);
	tcase_add_test(tc, test_theme);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(warn_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
