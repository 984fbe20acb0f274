#include "config.h"

/* cmd_replay.c: `reconvene replay KEYLOG`, the explorer without a
 * terminal.  It builds the same state as the explorer (app.c, over the
 * background worker), feeds it the key log's events through the same path
 * as the main loop (input.c), waits where the log says an automatic plan
 * was adopted, and writes the resulting plan (the file `w` would save).
 * Exports and saves inside the log are not carried out. */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explorer/app.h"
#include "cli/cli.h"
#include "cli/reconvene_opts.h"
#include "explorer/input.h"
#include "explorer/keylog.h"
#include "paths/model_path.h"
#include "cli/progress.h"
#include "cli/session.h"
#include "worker/worker.h"

static const char replay_usage[] =
	"usage: reconvene replay KEYLOG [--out PLAN] [--model MODEL] [--data DIR]\n"
	"                        [--method M] [--sparsity S] [--tau T] [--seed N] [--align N]\n"
	"                        [--width RULE] [--size COLSxROWS] [--no-cache] [--quiet]\n"
	"\n"
	"Replay an explorer session without a terminal: KEYLOG is a file written\n"
	"by 'reconvene --record FILE' (or by hand: docs/replay.md).  Its events go\n"
	"through the explorer's own state and key handling at the logged terminal\n"
	"size; where the log says an automatic plan was adopted, the replay waits\n"
	"for it.  The resulting plan is summarised on stdout and written with\n"
	"--out as the same JSON that the explorer's w saves (input for 'reconvene\n"
	"prune --plan').  Plans saved and exports started inside the log are not\n"
	"written.\n"
	"\n"
	"The log's header (model, settings, size, data) gives the defaults; the\n"
	"options override it; without either, the explorer's built-in defaults\n"
	"(" DEFAULT_MODEL ", synflow, s = 0.9, tau = 0.2, seed 1, width sqrt, 80x24).\n"
	"\n"
	"  --out PLAN          write the plan JSON here\n"
	"  --model MODEL       model name or .cfg path\n"
	"  --data DIR          dataset directory (as for the explorer)\n"
	"  --method M          PaI method: random magnitude snip grasp synflow\n"
	"  --sparsity S        PaI sparsity in [0, 1)\n"
	"  --tau T             resilient threshold in [0, 1]\n"
	"  --seed N            seed\n"
	"  --align N           the automatic plan keeps multiples of N channels\n"
	"  --width RULE        the automatic plan's width rule: sqrt, density or nnz\n"
	"                      (a log without width= was recorded with density)\n"
	"  --size COLSxROWS    starting terminal size\n"
	"  --no-cache          keep scores in memory only\n"
	"  --quiet             no summary, no progress\n"
	"\n"
	"Exit status: 0 success, 1 runtime failure (unreadable or bad log, model\n"
	"or data), 2 usage error.\n";

struct replay_opts {
	const char *log, *out, *model, *data, *method, *sparsity, *tau, *seed, *align, *width;
	const char *size;
	bool no_cache, quiet;
};

static int replay_parse(int argc, char **argv, struct replay_opts *o)
{
	static const struct cli_valued valued[] = {
		{ "--out", offsetof(struct replay_opts, out) },
		{ "--model", offsetof(struct replay_opts, model) },
		{ "--data", offsetof(struct replay_opts, data) },
		{ "--method", offsetof(struct replay_opts, method) },
		{ "--sparsity", offsetof(struct replay_opts, sparsity) },
		{ "--tau", offsetof(struct replay_opts, tau) },
		{ "--seed", offsetof(struct replay_opts, seed) },
		{ "--align", offsetof(struct replay_opts, align) },
		{ "--width", offsetof(struct replay_opts, width) },
		{ "--size", offsetof(struct replay_opts, size) },
	};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			fputs(replay_usage, stdout);
			return -1;
		}
		if (!strcmp(arg, "--no-cache")) {
			o->no_cache = true;
			continue;
		}
		if (!strcmp(arg, "--quiet") || !strcmp(arg, "-q")) {
			o->quiet = true;
			continue;
		}
		int took = cli_valued_take("replay", valued, sizeof valued / sizeof valued[0],
					   o, argc, argv, &i);
		if (took == 1)
			continue;
		if (took != 0)
			return took;
		if (arg[0] == '-' && arg[1])
			return cli_usage_error("replay", "unknown option '%s'", arg);
		if (o->log)
			return cli_usage_error("replay", "more than one key log ('%s', '%s')",
					       o->log, arg);
		o->log = arg;
	}
	if (!o->log)
		return cli_usage_error("replay", "no key log given");
	return 0;
}

/* Settings: built-in defaults, then the log's header, then the options. */
static int replay_settings(const struct replay_opts *o, const struct keylog_header *h,
			   struct worker_settings *ws, int *cols, int *rows)
{
	worker_settings_default(ws);
	*cols = 80;
	*rows = 24;
	if (h->has_settings) {
		if (!score_method_from_name(h->method, &ws->method)) {
			cli_error("%s: settings: unknown method '%s'", o->log, h->method);
			return CLI_EXIT_FAILURE;
		}
		ws->sparsity = h->sparsity;
		ws->tau = h->tau;
		ws->seed = h->seed;
		ws->align = h->align;
		ws->width = (enum reconvene_width)h->width;
	}
	if (h->has_size) {
		*cols = h->cols;
		*rows = h->rows;
	}
	int rc = cli_settings_apply("replay", o->method, o->sparsity, o->tau, o->seed, o->align,
				    o->width, ws, NULL);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (o->size) {
		int c, r;
		char tail;
		if (sscanf(o->size, "%dx%d%c", &c, &r, &tail) != 2 || c < 1 || r < 1 ||
		    c > 10000 || r > 10000)
			return cli_usage_error("replay", "--size: COLSxROWS, e.g. 80x24");
		*cols = c;
		*rows = r;
	}
	if (!(ws->sparsity < 1.0)) {
		cli_error("%s: settings: sparsity must be below 1", o->log);
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}

/* Block until the pending automatic plan settles (adopted or failed). */
static int replay_wait(struct input *in, struct worker *w, const struct replay_opts *o,
		       int event)
{
	struct app *a = in->app;
	uint64_t req = a->auto_req;
	struct progress_line pr;
	progress_init(&pr, stderr, "scores", "");
	struct pollfd fd = { .fd = worker_wake_fd(w), .events = POLLIN };
	while (a->auto_req) {
		int pr_rc = poll(&fd, 1, 1000);
		if (pr_rc < 0 && errno != EINTR) {
			cli_error("poll: %s", strerror(errno));
			return CLI_EXIT_FAILURE;
		}
		if (pr_rc > 0)
			worker_wake_drain(w);
		input_snapshot(in);
		const struct worker_job_status *j = &a->snap->job[WORKER_JOB_SCORES];
		if (!o->quiet && a->auto_req && j->total > 0)
			progress_update(&pr, j->done, j->total, 0, -1, false);
	}
	if (!o->quiet)
		progress_finish(&pr);
	const struct worker_job_status *j = &a->snap->job[WORKER_JOB_AUTO];
	if (j->request == req && j->state == WORKER_STATE_FAILED) {
		cli_error("%s: event %d: automatic plan: %s", o->log, event, j->msg);
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}

static void replay_summary(const struct app *a, int events, int waits, bool quit)
{
	const struct group_set *gs = &a->model->groups;
	int changed = 0;
	for (int g = 0; g < gs->n_groups; g++) {
		if (a->plan.keep[g] == gs->groups[g].channels)
			continue;
		printf("%-24s %5d / %d\n", gs->groups[g].name, a->plan.keep[g],
		       gs->groups[g].channels);
		changed++;
	}
	char p0[32], p1[32], m0[32], m1[32];
	app_format_count((double)a->proj.dense.params, p0, sizeof p0);
	app_format_count((double)a->proj.plan.params, p1, sizeof p1);
	app_format_count((double)a->proj.dense.macs, m0, sizeof m0);
	app_format_count((double)a->proj.plan.macs, m1, sizeof m1);
	printf("%d of %d prunable groups changed; params %s -> %s, MACs %s -> %s\n",
	       changed, app_prunable_groups(a), p0, p1, m0, m1);
	printf("%d events, %d automatic plans waited for%s\n", events, waits,
	       quit ? ", the session quit" : "");
}

int cmd_replay(int argc, char **argv)
{
	struct replay_opts o;
	memset(&o, 0, sizeof o);
	int rc = replay_parse(argc, argv, &o);
	if (rc < 0)
		return CLI_EXIT_OK;
	if (rc > 0)
		return rc;

	/* Usage errors in the options first, before the file is read. */
	struct keylog_header none;
	memset(&none, 0, sizeof none);
	struct worker_settings ws;
	int cols, rows;
	if ((rc = replay_settings(&o, &none, &ws, &cols, &rows)) != CLI_EXIT_OK)
		return rc;

	struct keylog log;
	struct eng_err err = { { 0 } };
	if (keylog_read(o.log, &log, &err) != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		keylog_done(&log);
		return CLI_EXIT_FAILURE;
	}
	if ((rc = replay_settings(&o, &log.head, &ws, &cols, &rows)) != CLI_EXIT_OK) {
		keylog_done(&log);
		return rc;
	}

	const char *data = o.data ? o.data : log.head.has_data ? log.head.data : NULL;
	const char *model = o.model ? o.model
			  : log.head.has_model ? log.head.model : DEFAULT_MODEL;
	struct session ses;
	struct app *app = &ses.app;
	/* Only the scores: the measured jobs do not change the plan. */
	rc = session_open(&ses, model, data, WORKER_JOB_BIT(WORKER_JOB_SCORES), !o.no_cache,
			  &ws);
	if (rc != CLI_EXIT_OK)
		goto out;
	rc = CLI_EXIT_FAILURE;
	app->auto_defer = true;
	app->no_write = true;

	struct input in;
	input_init(&in, app, rows, cols, NULL);
	int waits = 0, exports = 0;
	bool quit = false;
	int i;
	for (i = 0; i < log.n && !quit; i++) {
		const struct keylog_event *ev = &log.ev[i];
		if (ev->kind == KEYLOG_WAIT) {
			if (!app->auto_req)
				continue;
			if (replay_wait(&in, ses.w, &o, i + 1) != CLI_EXIT_OK)
				goto out;
			waits++;
			continue;
		}
		unsigned f = input_event(&in, ev);
		if (f & UI_EXPORT)
			exports++;
		quit = (f & UI_QUIT) != 0;
	}
	if (app->auto_req && !o.quiet)
		fprintf(stderr, "reconvene: warning: %s: an automatic plan was still "
			"pending at the end (no 'wait' after the last 'a'); not applied\n",
			o.log);
	if (quit && i < log.n && !o.quiet)
		fprintf(stderr, "reconvene: warning: %s: the session quits at event %d; "
			"%d later events ignored\n", o.log, i, log.n - i);
	if (!o.quiet && (exports || app->writes_skipped))
		fprintf(stderr, "reconvene: note: %d plan saves and %d exports in the log "
			"were not carried out\n", app->writes_skipped, exports);
	if (o.out) {
		app->no_write = false;
		app->log_level = APP_LOG_INFO;
		app_plan_save(app, o.out);
		if (app->log_level == APP_LOG_ERROR) {
			cli_error("%s", app->log);
			goto out;
		}
	}
	if (!o.quiet)
		replay_summary(app, log.n, waits, quit);
	rc = CLI_EXIT_OK;
out:
	session_close(&ses);
	keylog_done(&log);
	return rc;
}
