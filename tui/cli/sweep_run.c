/* sweep_run.c: `reconvene sweep run GRID -j N`: the missing jobs through
 * GNU parallel on this machine.
 *
 * The job commands (cli_sweep_command, each followed by an echo of its id
 * and exit status) go to OUT/logs/run-commands.txt; `parallel -j N
 * --arg-file FILE` runs each line as a shell command (GNU parallel runs an
 * input line itself when given no command) and prints the echo when the
 * job ends.  Each such line is a progress line here: the job's result is
 * read back, or its failure reported with the last line of its log.
 * parallel's own record of every job (start, runtime, exit) is
 * OUT/logs/parallel.joblog.  Interrupting (Ctrl-C reaches parallel and
 * the jobs too) loses only the jobs in flight: finished ones have their
 * results, and the next run skips them. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/numbers.h"
#include "cli/sweep_state.h"

enum { OPT_DRY_RUN = 256 };

struct sweep_run_cli {
	long jobs;
	bool dry_run;
};

static int sweep_run_opt(int code, const char *arg, void *user)
{
	struct sweep_run_cli *c = user;
	if (code == OPT_DRY_RUN) {
		c->dry_run = true;
		return 0;
	}
	if (cli_parse_long(arg, 1, 1024, &c->jobs))
		return cli_usage_error("sweep", "run: -j '%s' is not a whole number in 1..1024",
				       arg);
	return 0;
}

/* GNU parallel on PATH (moreutils has a `parallel` of its own): 0 or -1. */
static int sweep_run_check_parallel(void)
{
	FILE *p = popen("parallel --version 2>/dev/null", "r");
	if (!p)
		return -1;
	char line[256] = "";
	if (!fgets(line, sizeof line, p))
		line[0] = '\0';
	char rest[256];
	while (fgets(rest, sizeof rest, p))
		;
	int st = pclose(p);
	return st == 0 && strstr(line, "GNU parallel") ? 0 : -1;
}

/* The last non-empty line of a log (for failure reports). */
static void sweep_run_log_tail(const char *path, char *buf, size_t len)
{
	buf[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(buf, len, "(no log)");
		return;
	}
	char line[1024];
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		/* progress bars redraw with \r: keep the last frame */
		char *cr = strrchr(line, '\r');
		const char *l = cr ? cr + 1 : line;
		size_t n = strlen(l);
		if (n == 0)
			continue;
		if (n >= len)
			n = len - 1;
		memcpy(buf, l, n);
		buf[n] = '\0';
	}
	fclose(f);
}

static int sweep_run_write_commands(const struct cli_sweep *s, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		cli_error("%s: %m", path);
		return CLI_EXIT_FAILURE;
	}
	for (int i = 0; i < s->n; i++) {
		if (s->done[i])
			continue;
		char line[3 * SWEEP_PATH_MAX];
		cli_sweep_command(s, i, line, sizeof line);
		fprintf(f, "%s; echo \"@sweep %s $?\"\n", line, s->jobs[i].id);
	}
	if (fclose(f) != 0) {
		cli_error("%s: %m", path);
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}

static double sweep_run_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One "@sweep ID STATUS" line: report the job.  Returns 1 if it failed. */
static int sweep_run_report(struct cli_sweep *s, const char *line, int k, int total,
			    double t0)
{
	char id[SWEEP_ID_MAX];
	int status = -1;
	if (sscanf(line, "@sweep %159s %d", id, &status) < 1)
		return 0;
	int i = sweep_job_find(s->jobs, s->n, id);
	if (i < 0)
		return 0;
	char path[SWEEP_PATH_MAX + SWEEP_ID_MAX + 32];
	cli_sweep_result_path(s, i, path, sizeof path);
	char why[ENG_ERR_MAX + 64];
	s->done[i] = sweep_result_done(path, &s->jobs[i], &s->results[i], why, sizeof why);
	double el = sweep_run_now() - t0;
	if (status == 0 && s->done[i]) {
		const struct sweep_result *r = &s->results[i];
		printf("[%d/%d %.0f s] %s: done, accuracy %.2f%%, %.1f s\n", k, total, el, id,
		       100 * r->accuracy, r->job_seconds);
		fflush(stdout);
		return 0;
	}
	char log[SWEEP_PATH_MAX + SWEEP_ID_MAX + 32], tail[512];
	cli_sweep_log_path(s, i, log, sizeof log);
	sweep_run_log_tail(log, tail, sizeof tail);
	printf("[%d/%d %.0f s] %s: FAILED (exit %d%s%s): %s\n    log: %s\n", k, total, el, id,
	       status, status == 0 ? ", result " : "", status == 0 ? why : "", tail, log);
	fflush(stdout);
	return 1;
}

int cli_sweep_run(int argc, char **argv)
{
	static const struct option own[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ NULL, 0, NULL, 0 },
	};
	struct sweep_run_cli c = { .jobs = 1 };
	char *grid;
	int rc = cli_sweep_parse("run", argc, argv, own, sweep_run_opt, &c, &grid);
	if (rc)
		return rc == -1 ? CLI_EXIT_OK : rc;
	struct cli_sweep s;
	if ((rc = cli_sweep_open("sweep run", grid, &s)))
		return rc;
	int missing = cli_sweep_missing(&s), before = s.n - missing;
	if (missing == 0) {
		printf("%s: all %d jobs are done (results in %s/results)\n", s.grid->name, s.n,
		       s.grid->out);
		cli_sweep_close(&s);
		return CLI_EXIT_OK;
	}
	char cmds[SWEEP_PATH_MAX + 64], joblog[SWEEP_PATH_MAX + 64];
	snprintf(cmds, sizeof cmds, "%s/logs/run-commands.txt", s.grid->out);
	snprintf(joblog, sizeof joblog, "%s/logs/parallel.joblog", s.grid->out);
	if ((rc = cli_sweep_dirs(&s)) || (rc = sweep_run_write_commands(&s, cmds))) {
		cli_sweep_close(&s);
		return rc;
	}
	char jn[16];
	snprintf(jn, sizeof jn, "%ld", c.jobs);
	if (c.dry_run) {
		printf("parallel --will-cite -j %s --joblog %s --arg-file %s\n", jn, joblog, cmds);
		printf("%d of %d jobs to run (%d done); commands in %s\n", missing, s.n,
		       before, cmds);
		cli_sweep_close(&s);
		return CLI_EXIT_OK;
	}
	if (sweep_run_check_parallel() != 0) {
		cli_error("sweep run: GNU parallel is not on PATH (Debian package 'parallel'); "
			  "'reconvene sweep jobs GRID --missing' prints the commands to run "
			  "some other way");
		cli_sweep_close(&s);
		return CLI_EXIT_FAILURE;
	}
	printf("%s: running %d of %d jobs (%d done before), %ld at a time; logs in %s/logs\n",
	       s.grid->name, missing, s.n, before, c.jobs, s.grid->out);
	fflush(stdout);
	int out[2];
	if (pipe(out) != 0) {
		cli_error("sweep run: pipe: %m");
		cli_sweep_close(&s);
		return CLI_EXIT_FAILURE;
	}
	pid_t pid = fork();
	if (pid < 0) {
		cli_error("sweep run: fork: %m");
		close(out[0]);
		close(out[1]);
		cli_sweep_close(&s);
		return CLI_EXIT_FAILURE;
	}
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		close(out[0]);
		close(out[1]);
		execlp("parallel", "parallel", "--will-cite", "-j", jn, "--joblog", joblog,
		       "--arg-file", cmds, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	FILE *in = fdopen(out[0], "r");
	double t0 = sweep_run_now();
	int k = 0, failed = 0;
	char line[1024];
	while (in && fgets(line, sizeof line, in)) {
		if (strncmp(line, "@sweep ", 7) != 0) {
			fputs(line, stdout);
			continue;
		}
		k++;
		failed += sweep_run_report(&s, line, k, missing, t0);
	}
	if (in)
		fclose(in);
	int wst = 0;
	while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
		;
	int now_done = cli_sweep_missing(&s);
	now_done = s.n - now_done;
	printf("%s: %d of %d jobs done (%d now, %d before); %d failed%s\n", s.grid->name,
	       now_done, s.n, now_done - before, before, failed + (missing - k),
	       failed + (missing - k) ? " (run again to retry them)" : "");
	if (WIFSIGNALED(wst) || (WIFEXITED(wst) && WEXITSTATUS(wst) == 127 && k == 0))
		cli_error("sweep run: parallel %s", WIFSIGNALED(wst) ? "was killed" :
			  "could not be started");
	rc = failed || k < missing ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
	cli_sweep_close(&s);
	return rc;
}
