/* sweep_state.c: a sweep's grid, jobs, files and progress (see
 * sweep_state.h). */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fileio.h"
#include "cli/cli.h"
#include "cli/sweep_state.h"
#include "paths/exe_dir.h"

void cli_sweep_close(struct cli_sweep *s)
{
	free(s->grid);
	free(s->jobs);
	free(s->done);
	free(s->logged);
	free(s->results);
	memset(s, 0, sizeof *s);
}

void cli_sweep_result_path(const struct cli_sweep *s, int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s/results/%s.json", s->grid->out, s->jobs[i].id);
}

void cli_sweep_log_path(const struct cli_sweep *s, int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s/logs/%s.log", s->grid->out, s->jobs[i].id);
}

int cli_sweep_open(const char *cmd, const char *grid_path, struct cli_sweep *s)
{
	memset(s, 0, sizeof *s);
	char abs[PATH_MAX];
	if (!realpath(grid_path, abs)) {
		cli_error("%s: %s: %m", cmd, grid_path);
		return CLI_EXIT_FAILURE;
	}
	const char *prog = exe_dir_program();
	snprintf(s->program, sizeof s->program, "%s", prog ? prog : "reconvene");
	struct eng_err err;
	s->grid = malloc(sizeof *s->grid);
	if (!s->grid) {
		cli_error("out of memory");
		return CLI_EXIT_FAILURE;
	}
	if (sweep_grid_load(abs, s->grid, &err) != ENG_STATUS_OK ||
	    sweep_grid_jobs(s->grid, &s->jobs, &s->n, &err) != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		cli_sweep_close(s);
		return CLI_EXIT_FAILURE;
	}
	size_t n = s->n ? (size_t)s->n : 1;
	s->done = calloc(n, sizeof *s->done);
	s->logged = calloc(n, sizeof *s->logged);
	s->results = calloc(n, sizeof *s->results);
	if (!s->done || !s->logged || !s->results) {
		cli_error("out of memory");
		cli_sweep_close(s);
		return CLI_EXIT_FAILURE;
	}
	for (int i = 0; i < s->n; i++) {
		char path[SWEEP_PATH_MAX + SWEEP_ID_MAX + 32];
		cli_sweep_result_path(s, i, path, sizeof path);
		s->done[i] = sweep_result_done(path, &s->jobs[i], &s->results[i], NULL, 0);
		cli_sweep_log_path(s, i, path, sizeof path);
		s->logged[i] = access(path, F_OK) == 0;
	}
	return CLI_EXIT_OK;
}

int cli_sweep_dirs(const struct cli_sweep *s)
{
	static const char *const sub[] = { "", "/results", "/logs" };
	for (size_t k = 0; k < sizeof sub / sizeof sub[0]; k++) {
		char dir[SWEEP_PATH_MAX + 16];
		snprintf(dir, sizeof dir, "%s%s", s->grid->out, sub[k]);
		struct eng_err err;
		if (fileio_mkdirs(dir, 0755, &err) != ENG_STATUS_OK) {
			cli_error("%s", err.msg);
			return CLI_EXIT_FAILURE;
		}
	}
	return CLI_EXIT_OK;
}

void cli_sweep_quote(char *buf, size_t len, const char *text)
{
	size_t o = strlen(buf);
	if (o + 1 < len)
		buf[o++] = '\'';
	for (const char *p = text; *p && o + 5 < len; p++) {
		if (*p == '\'') {
			memcpy(buf + o, "'\\''", 4);
			o += 4;
		} else {
			buf[o++] = *p;
		}
	}
	if (o + 1 < len)
		buf[o++] = '\'';
	buf[o < len ? o : len - 1] = '\0';
}

void cli_sweep_command(const struct cli_sweep *s, int i, char *buf, size_t len)
{
	char log[SWEEP_PATH_MAX + SWEEP_ID_MAX + 32];
	cli_sweep_log_path(s, i, log, sizeof log);
	buf[0] = '\0';
	cli_sweep_quote(buf, len, s->program);
	strncat(buf, " sweep job ", len - strlen(buf) - 1);
	cli_sweep_quote(buf, len, s->grid->path);
	strncat(buf, " ", len - strlen(buf) - 1);
	cli_sweep_quote(buf, len, s->jobs[i].id);
	strncat(buf, " > ", len - strlen(buf) - 1);
	cli_sweep_quote(buf, len, log);
	strncat(buf, " 2>&1", len - strlen(buf) - 1);
}

int cli_sweep_missing(const struct cli_sweep *s)
{
	int m = 0;
	for (int i = 0; i < s->n; i++)
		m += !s->done[i];
	return m;
}

/* --- the command line ------------------------------------------------------ */

const char cli_sweep_usage[] =
	"usage: reconvene sweep jobs GRID [--missing] [--ids]\n"
	"       reconvene sweep status GRID\n"
	"       reconvene sweep run GRID [-j N] [--dry-run]\n"
	"       reconvene sweep slurm GRID [--script FILE] [--partition P]\n"
	"                             [--time T] [--mem M] [--max-running N]\n"
	"       reconvene sweep merge GRID [--stable]\n"
	"       reconvene sweep compare GRID_A GRID_B [--json]\n"
	"       reconvene sweep job GRID JOB_ID\n"
	"\n"
	"Train a grid of models, PaI methods, sparsities, seeds and variants\n"
	"(dense, upai, reconvene, uniform, or named variants with their own\n"
	"Reconvene options) with one training budget, and gather params, bytes,\n"
	"MACs, batch-1 latency, test accuracy with its 95% interval, training\n"
	"and generation times.  GRID is an INI file (docs/sweep.md).  Each job is\n"
	"one ordinary command, 'reconvene sweep job GRID JOB_ID', that writes\n"
	"OUT/results/JOB_ID.json atomically; a job whose result exists (and was\n"
	"written under the same config) is done and is never run again.\n"
	"\n"
	"  jobs     print one shell command per job (--missing: only those not\n"
	"           done; --ids: the job ids alone)\n"
	"  status   done, failed (a log but no result) and missing jobs\n"
	"  run      run the missing jobs locally through GNU parallel, N at a time\n"
	"           (default 1), with a line per finished job; failed jobs are\n"
	"           reported with their log and run again next time\n"
	"  slurm    write OUT/slurm-array.sh (or --script FILE): an sbatch array\n"
	"           with one task per missing job, logs per task; submit it with\n"
	"           sbatch, then run 'sweep merge'\n"
	"  merge    gather the results: OUT/merged.json, OUT/results.md (mean +-\n"
	"           sd over seeds) and OUT/chart-MODEL-METHOD.png; --stable prints\n"
	"           the merged JSON without timing fields on stdout instead (two\n"
	"           runs of one grid compare equal in this form)\n"
	"  compare  how well GRID_A's accuracies rank GRID_B's (the same variants\n"
	"           under two budgets, e.g. quick-eval against full training):\n"
	"           Spearman's rho and Kendall's tau-b over the jobs both have,\n"
	"           and over their seed means; a table of the rows\n"
	"  job      run one job (what the other subcommands schedule)\n"
	"\n"
	"'reconvene sweep SUBCOMMAND --help' shows this text.  Exit status: 0\n"
	"success, 1 failure (a failed job included), 2 usage error.\n";

/* --- shared option parsing -------------------------------------------------- */

/* The subcommand's GRID and extra positional arguments after options;
 * returns 0, -1 after --help, or CLI_EXIT_USAGE. */
int cli_sweep_parse_args(const char *sub, int argc, char **argv, const struct option *own,
		      int (*on_opt)(int code, const char *arg, void *user), void *user,
		      int want_args, const char *want_what, char **args)
{
	struct option table[16];
	size_t n = 0;
	for (const struct option *p = own; p && p->name; p++)
		table[n++] = *p;
	table[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	table[n] = (struct option){ NULL, 0, NULL, 0 };
	char cmd[32];
	snprintf(cmd, sizeof cmd, "sweep %s", sub);
	optind = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, "hj:", table, NULL);
		if (c == -1)
			break;
		if (c == 'h') {
			fputs(cli_sweep_usage, stdout);
			return -1;
		}
		bool mine = false;
		for (const struct option *p = own; p && p->name && !mine; p++)
			mine = c == p->val;
		if (!mine || c == '?')
			return cli_usage_error("sweep", "%s: unknown or incomplete option '%s'",
					       sub, argv[optind - 1]);
		int rc = on_opt(c, optarg, user);
		if (rc)
			return rc;
	}
	if (argc - optind != want_args)
		return cli_usage_error("sweep", "%s: expected %s, got %d argument%s", sub,
				       want_what, argc - optind, argc - optind == 1 ? "" : "s");
	for (int i = 0; i < want_args; i++)
		args[i] = argv[optind + i];
	return 0;
}

int cli_sweep_parse(const char *sub, int argc, char **argv, const struct option *own,
		    int (*on_opt)(int code, const char *arg, void *user), void *user,
		    char **grid)
{
	return cli_sweep_parse_args(sub, argc, argv, own, on_opt, user, 1, "GRID", grid);
}
