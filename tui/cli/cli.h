/* cli.h: the batch subcommands behind `reconvene <command>` and the
 * helpers for errors, usage and option values they share (cli_common.c).
 * Each command gets argv with argv[0] = its own name and returns the
 * process exit code: 0 ok, 1 runtime failure, 2 usage.  Other shared
 * helpers have a file and header of their own, named for what they do:
 * numbers.h, sigint.h, dataset_open.h, engine_progress.h, render_style.h,
 * heatmap_channels.h, warnings.h, progress.h, session.h.
 *
 * Owns: nothing; every helper prints what goes wrong itself.  Thread
 * rules: the main thread. */
#ifndef RECONVENE_CLI_H
#define RECONVENE_CLI_H

#include <stddef.h>

#include <jansson.h>

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILURE = 1,
	CLI_EXIT_USAGE = 2,
};

int cmd_info(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_groups(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_prune(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_heatmap(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_import(int argc, char **argv);

/* "reconvene: <message>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Usage error: message plus a pointer to --help (cmd NULL: the explorer's
 * options); returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print root (a reference the call takes over) on stdout with the jansson
 * flags and a newline; CLI_EXIT_OK, or CLI_EXIT_FAILURE if it could not be
 * written. */
int cli_json_print(json_t *root, size_t flags);
/* Arguments of the model-only commands (info, groups):
 * [MODEL] [--input CxHxW] [--classes N] [--json] [--help].  Fills ovr, json
 * and model (DEFAULT_MODEL when absent).  Returns CLI_EXIT_OK, -1 after
 * printing usage for --help, or CLI_EXIT_USAGE after a usage error. */
struct model_overrides;
int cli_model_args_parse(const char *cmd, const char *usage, int argc,
			 char **argv, struct model_overrides *ovr, int *json,
			 const char **model);
/* Options with a value, as "--name V" or "--name=V", stored as a const
 * char * at offset off of the caller's options struct. */
struct cli_valued {
	const char *name;
	size_t off;
};
/* If argv[*i] is one of the n options, store its value in base (advancing
 * *i past a separate value) and return 1; 0 if it is none of them;
 * CLI_EXIT_USAGE after printing the error when the value is missing. */
int cli_valued_take(const char *cmd, const struct cli_valued *opts, size_t n,
		    void *base, int argc, char **argv, int *i);
/* The --seed of the commands that initialise a net (train, eval, run): an
 * integer in 0..2147483647 into *seed; 0, or CLI_EXIT_USAGE after printing
 * the usage error. */
int cli_seed_take(const char *cmd, const char *text, unsigned long long *seed);
/* 1234567 -> "1,234,567" into buf. */
const char *cli_group_digits(unsigned long long v, char *buf, size_t len);

#endif
