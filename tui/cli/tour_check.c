#include "config.h"

/* tour_check.c: the guided tour without a terminal (tour_check.h). */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/session.h"
#include "cli/tour_check.h"
#include "paths/model_path.h"
#include "explorer/input.h"
#include "explorer/tour.h"

static double tour_check_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Wait until the step is ready; false after the timeout. */
static bool tour_check_wait(struct tour *t, struct input *in, struct worker *w,
			    double timeout, char *what, size_t len)
{
	double t0 = tour_check_now();
	struct pollfd fd = { .fd = worker_wake_fd(w), .events = POLLIN };
	for (;;) {
		tour_poll(t, in, tour_check_now());
		if (tour_ready(t, in->app, what, len))
			return true;
		if (tour_check_now() - t0 > timeout)
			return false;
		int pr = poll(&fd, 1, 200);
		if (pr > 0)
			worker_wake_drain(w);
		input_snapshot(in);
	}
}

static void tour_check_print(const struct tour *t, const struct app *a)
{
	const struct tour_step *st = &t->script.step[t->step];
	char caption[TOUR_TEXT_MAX + 1024];
	tour_caption(t, a, caption, sizeof caption);
	printf("step %d/%d: %s [%s]\n", t->step + 1, t->script.n, st->title,
	       tour_panel_name(st->panel));
	struct tour_span lines[128];
	int n = tour_wrap(caption, 72, lines, 128);
	for (int i = 0; i < n && i < 128; i++)
		printf("  %.*s\n", lines[i].len, caption + lines[i].start);
	if (t->note[0])
		printf("  (%s)\n", t->note);
	fflush(stdout);
}

int tour_check_run(struct tour_script *script, const struct worker_settings *ws,
		   const struct tour_check_opts *o)
{
	if (o->plans_dir && mkdir(o->plans_dir, 0777) != 0 && errno != EEXIST) {
		cli_error("--plans %s: %s", o->plans_dir, strerror(errno));
		return CLI_EXIT_FAILURE;
	}
	struct session ses;
	struct app *app = &ses.app;
	unsigned jobs = WORKER_JOB_BIT(WORKER_JOB_SCORES) | WORKER_JOB_BIT(WORKER_JOB_LATENCY) |
			WORKER_JOB_BIT(WORKER_JOB_QUICKEVAL);
	struct tour t;
	tour_init(&t, script, 0);
	int rc = session_open(&ses, o->model ? o->model : DEFAULT_MODEL, o->data, jobs,
			      o->disk_cache, ws);
	if (rc != CLI_EXIT_OK)
		goto out;
	rc = CLI_EXIT_FAILURE;
	app->no_write = false;
	struct input in;
	input_init(&in, app, o->rows, o->cols, NULL);
	tour_start(&t, &in);
	while (t.active) {
		char what[96];
		if (!tour_check_wait(&t, &in, ses.w, o->step_timeout, what, sizeof what)) {
			cli_error("%s: step %d (line %d): still waiting for %s after %.0f s",
				  o->script_path, t.step + 1, t.script.step[t.step].line, what,
				  o->step_timeout);
			goto out;
		}
		tour_check_print(&t, app);
		if (o->plans_dir) {
			char path[4096];
			snprintf(path, sizeof path, "%s/step-%02d.json", o->plans_dir, t.step + 1);
			app->log_level = APP_LOG_INFO;
			app_plan_save(app, path);
			if (app->log_level == APP_LOG_ERROR) {
				cli_error("%s", app->log);
				goto out;
			}
		}
		if (app->log_level == APP_LOG_ERROR) {
			cli_error("%s: step %d: %s", o->script_path, t.step + 1, app->log);
			goto out;
		}
		app->log_level = APP_LOG_INFO;
		tour_next(&t, &in);
	}
	rc = CLI_EXIT_OK;
out:
	tour_done(&t);
	session_close(&ses);
	return rc;
}
