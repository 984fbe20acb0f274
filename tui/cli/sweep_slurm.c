/* sweep_slurm.c: `reconvene sweep slurm GRID`: an sbatch array script with
 * one task per missing job.
 *
 * The script lists the missing jobs' ids in a bash array; task t runs the
 * job command (the same one `sweep jobs` prints) for ids[t], logging to
 * OUT/logs/ID.log, while Slurm writes its own per-task output to
 * OUT/logs/slurm-JOB_TASK.out.  --cpus-per-task is the grid's threads (1
 * when unset).  Running `sweep slurm` again after some tasks finished (or
 * failed) writes a script for what is still missing. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/numbers.h"
#include "cli/sweep_state.h"

enum { OPT_SCRIPT = 256, OPT_PARTITION, OPT_TIME, OPT_MEM, OPT_MAX_RUNNING };

struct sweep_slurm_cli {
	const char *script, *partition, *time, *mem;
	long max_running;
};

static int sweep_slurm_opt(int code, const char *arg, void *user)
{
	struct sweep_slurm_cli *c = user;
	switch (code) {
	case OPT_SCRIPT:
		c->script = arg;
		break;
	case OPT_PARTITION:
		c->partition = arg;
		break;
	case OPT_TIME:
		c->time = arg;
		break;
	case OPT_MEM:
		c->mem = arg;
		break;
	case OPT_MAX_RUNNING:
		if (cli_parse_long(arg, 1, 100000, &c->max_running))
			return cli_usage_error("sweep", "slurm: --max-running '%s' is not a "
					       "whole number in 1..100000", arg);
		break;
	}
	return 0;
}

/* Growing text. */
struct sweep_buf {
	char *p;
	size_t len, cap;
};

static void sweep_buf_add(struct sweep_buf *b, const char *text)
{
	size_t n = strlen(text);
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->cap + n + 1) * 2;
		char *p = realloc(b->p, cap);
		if (!p)
			return;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, text, n + 1);
	b->len += n;
}

/* A "#SBATCH --name=value" line with the value quoted for the shell. */
static void sweep_buf_sbatch(struct sweep_buf *b, const char *name, const char *value)
{
	sweep_buf_add(b, "#SBATCH --");
	sweep_buf_add(b, name);
	sweep_buf_add(b, "=");
	sweep_buf_add(b, value);
	sweep_buf_add(b, "\n");
}

int cli_sweep_slurm(int argc, char **argv)
{
	static const struct option own[] = {
		{ "script", required_argument, NULL, OPT_SCRIPT },
		{ "partition", required_argument, NULL, OPT_PARTITION },
		{ "time", required_argument, NULL, OPT_TIME },
		{ "mem", required_argument, NULL, OPT_MEM },
		{ "max-running", required_argument, NULL, OPT_MAX_RUNNING },
		{ NULL, 0, NULL, 0 },
	};
	struct sweep_slurm_cli c = { 0 };
	char *grid;
	int rc = cli_sweep_parse("slurm", argc, argv, own, sweep_slurm_opt, &c, &grid);
	if (rc)
		return rc == -1 ? CLI_EXIT_OK : rc;
	struct cli_sweep s;
	if ((rc = cli_sweep_open("sweep slurm", grid, &s)))
		return rc;
	int missing = cli_sweep_missing(&s);
	if (missing == 0) {
		printf("%s: all %d jobs are done; no script written\n", s.grid->name, s.n);
		cli_sweep_close(&s);
		return CLI_EXIT_OK;
	}
	if ((rc = cli_sweep_dirs(&s))) {
		cli_sweep_close(&s);
		return rc;
	}
	char script[SWEEP_PATH_MAX + 64];
	snprintf(script, sizeof script, "%s", c.script ? c.script : "");
	if (!c.script)
		snprintf(script, sizeof script, "%s/slurm-array.sh", s.grid->out);

	struct sweep_buf b = { 0 };
	char line[3 * SWEEP_PATH_MAX], when[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(line, sizeof line,
		 "#!/bin/bash\n"
		 "# reconvene sweep slurm: the %d missing of %d jobs of sweep %s,\n"
		 "# written %s.  Submit with sbatch; when the tasks are done:\n"
		 "# reconvene sweep merge ", missing, s.n, s.grid->name, when);
	sweep_buf_add(&b, line);
	sweep_buf_add(&b, s.grid->path);
	sweep_buf_add(&b, "\n");
	snprintf(line, sizeof line, "reconvene-%s", s.grid->name);
	sweep_buf_sbatch(&b, "job-name", line);
	if (c.max_running)
		snprintf(line, sizeof line, "0-%d%%%ld", missing - 1, c.max_running);
	else
		snprintf(line, sizeof line, "0-%d", missing - 1);
	sweep_buf_sbatch(&b, "array", line);
	snprintf(line, sizeof line, "%d", s.grid->budget.threads > 0 ? s.grid->budget.threads : 1);
	sweep_buf_sbatch(&b, "cpus-per-task", line);
	char out[SWEEP_PATH_MAX + 32];
	snprintf(out, sizeof out, "%s/logs/slurm-%%A_%%a.out", s.grid->out);
	sweep_buf_sbatch(&b, "output", out);
	if (c.partition)
		sweep_buf_sbatch(&b, "partition", c.partition);
	if (c.time)
		sweep_buf_sbatch(&b, "time", c.time);
	if (c.mem)
		sweep_buf_sbatch(&b, "mem", c.mem);
	sweep_buf_add(&b, "set -u\njobs=(\n");
	for (int i = 0; i < s.n; i++) {
		if (s.done[i])
			continue;
		line[0] = '\0';
		cli_sweep_quote(line, sizeof line, s.jobs[i].id);
		sweep_buf_add(&b, "\t");
		sweep_buf_add(&b, line);
		sweep_buf_add(&b, "\n");
	}
	sweep_buf_add(&b, ")\nid=${jobs[$SLURM_ARRAY_TASK_ID]}\nexec ");
	line[0] = '\0';
	cli_sweep_quote(line, sizeof line, s.program);
	sweep_buf_add(&b, line);
	sweep_buf_add(&b, " sweep job ");
	line[0] = '\0';
	cli_sweep_quote(line, sizeof line, s.grid->path);
	sweep_buf_add(&b, line);
	sweep_buf_add(&b, " \"$id\" > ");
	char logs[SWEEP_PATH_MAX + 16];
	snprintf(logs, sizeof logs, "%s/logs/", s.grid->out);
	line[0] = '\0';
	cli_sweep_quote(line, sizeof line, logs);
	sweep_buf_add(&b, line);
	sweep_buf_add(&b, "\"$id.log\" 2>&1\n");
	struct eng_err err;
	if (!b.p) {
		cli_error("out of memory");
		rc = CLI_EXIT_FAILURE;
	} else if (sweep_text_write(script, b.p, &err) != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		rc = CLI_EXIT_FAILURE;
	} else {
		printf("%s: wrote %s with %d array tasks (%d jobs done already); submit it "
		       "with: sbatch %s\n", s.grid->name, script, missing, s.n - missing, script);
		rc = CLI_EXIT_OK;
	}
	free(b.p);
	cli_sweep_close(&s);
	return rc;
}
