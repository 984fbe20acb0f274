/* sweep_state.h: what every `reconvene sweep` subcommand starts from: the
 * grid (read from its absolute path, so relative paths in it and the job
 * command lines work from any directory), its jobs, where each job's
 * result and log live, whether each is done, and the shell command that
 * runs one job:
 *
 *   'PROGRAM' sweep job 'GRID' 'ID' > 'OUT/logs/ID.log' 2>&1
 *
 * Layout of OUT (the grid's out): results/ID.json (one per finished job,
 * written atomically by the job), logs/ID.log (the job's stdout and
 * stderr), logs/slurm-*.out (Slurm's own), merged.json, results.md,
 * chart-*.png (sweep merge), slurm-array.sh (sweep slurm).
 *
 * Owns: everything in struct cli_sweep (cli_sweep_close frees it).
 * Prints one line on stderr for each problem.  Thread rules: main thread.
 *
 *   struct cli_sweep s;
 *   if ((rc = cli_sweep_open("sweep", grid_path, &s))) return rc;
 *   for (int i = 0; i < s.n; i++) if (!s.done[i]) ...s.jobs[i].id...;
 *   cli_sweep_close(&s);
 */
#ifndef RECONVENE_SWEEP_STATE_H
#define RECONVENE_SWEEP_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "sweep/sweep_grid.h"
#include "sweep/sweep_result.h"

struct cli_sweep {
	struct sweep_grid *grid;       /* owned */
	struct sweep_job *jobs;        /* owned, n */
	int n;
	bool *done;                    /* owned, n: a result that counts */
	bool *logged;                  /* owned, n: a log file exists */
	struct sweep_result *results;  /* owned, n: valid where done */
	char program[4096];            /* this program, absolute */
};

/* Load the grid (made absolute), expand its jobs and read every result.
 * CLI_EXIT_OK, or CLI_EXIT_FAILURE after printing why. */
int cli_sweep_open(const char *cmd, const char *grid_path, struct cli_sweep *s);
void cli_sweep_close(struct cli_sweep *s);

/* Create OUT, OUT/results and OUT/logs; CLI_EXIT_OK or CLI_EXIT_FAILURE
 * (printed). */
int cli_sweep_dirs(const struct cli_sweep *s);

/* OUT/results/ID.json and OUT/logs/ID.log of job i. */
void cli_sweep_result_path(const struct cli_sweep *s, int i, char *buf, size_t len);
void cli_sweep_log_path(const struct cli_sweep *s, int i, char *buf, size_t len);

/* Append text to buf single-quoted for the shell (' as '\''). */
void cli_sweep_quote(char *buf, size_t len, const char *text);
/* The shell command of job i (see the top). */
void cli_sweep_command(const struct cli_sweep *s, int i, char *buf, size_t len);

/* The options of subcommand sub (own: a getopt table ending in a zeroed
 * entry, codes handed to on_opt with their argument) and its one GRID
 * argument; 0, -1 after printing --help (cli_sweep_usage, every
 * subcommand's), or an exit code after printing the error. */
struct option;
extern const char cli_sweep_usage[];
/* The same with want_args positional arguments (GRID JOB_ID for `job`,
 * described as want_what in the usage error) into args. */
int cli_sweep_parse_args(const char *sub, int argc, char **argv,
			 const struct option *own,
			 int (*on_opt)(int code, const char *arg, void *user), void *user,
			 int want_args, const char *want_what, char **args);
int cli_sweep_parse(const char *sub, int argc, char **argv, const struct option *own,
		    int (*on_opt)(int code, const char *arg, void *user), void *user,
		    char **grid);
/* `sweep run` and `sweep slurm` (sweep_run.c, sweep_slurm.c): argv[0] is
 * the subcommand's name; an exit code. */
int cli_sweep_run(int argc, char **argv);
int cli_sweep_slurm(int argc, char **argv);

/* Jobs not done. */
int cli_sweep_missing(const struct cli_sweep *s);

#endif
