/* cli.h: the batch subcommands behind `reconvene <command>` and the
 * helpers they share.  Each command gets argv with argv[0] = its own name
 * and returns the process exit code: 0 ok, 1 runtime failure, 2 usage. */
#ifndef RECONVENE_CLI_H
#define RECONVENE_CLI_H

#include <stdio.h>

#include <jansson.h>

#include <stdatomic.h>

#include "data/data.h"
#include "nn/net_spec.h"
#include "prune/reconvene.h"
#include "score/score.h"
#include "train/train.h"

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
/* The explorer's settings options (each NULL when absent): --method,
 * --sparsity in [0, 1), --tau in [0, 1], --seed >= 0, applied to ws.
 * CLI_EXIT_OK, or CLI_EXIT_USAGE after printing the error for cmd (NULL:
 * the explorer). */
struct worker_settings;
int cli_settings_apply(const char *cmd, const char *method, const char *sparsity,
		       const char *tau, const char *seed, struct worker_settings *ws);
/* Print a spec's parse warnings on stderr, one line each. */
void cli_print_warnings(const struct net_spec *spec);
/* 1234567 -> "1,234,567" into buf. */
const char *cli_group_digits(unsigned long long v, char *buf, size_t len);


/* Shared by train and eval (defined in cmd_train.c). */
/* Strict integer / finite float in [min, max]; 0 or -1. */
int cli_parse_long(const char *text, long min, long max, long *out);
int cli_parse_float(const char *text, double min, double max, double *out);
/* Load the dataset from dir_opt (--data), else $RECONVENE_DATA, else the
 * default directory.  A named directory that does not exist is an error;
 * a directory without a dataset falls back to the synthetic set with a
 * warning on stderr.  Returns CLI_EXIT_OK or CLI_EXIT_FAILURE (one line
 * printed). */
int cli_data_open(const char *dir_opt, int val_count, struct data_split *ds);
/* Catch SIGINT into the returned flag (a second SIGINT kills); release
 * restores the default action. */
const atomic_int *cli_sigint_catch(void);
void cli_sigint_release(void);
/* A train_progress_fn drawing TRAIN_PHASE_EVAL on the struct progress in
 * user. */
void cli_eval_on_progress(const struct train_progress *p, void *user);

/* Shared by score and prune (defined in cmd_score.c). */
/* Load the dataset (cli_data_open) when method needs one (SNIP, GraSP);
 * *have says whether ds must be freed. */
int cli_score_data_open(const char *dir_opt, enum score_method method,
			struct data_split *ds, bool *have);
/* A score_progress_fn drawing on the struct progress in user. */
void cli_score_on_progress(int done, int total, void *user);

/* Shared by heatmap, report and prune (defined in cmd_heatmap.c). */
struct render_style;
struct reconvene_result;
struct reconvene_options;
/* A theme (name or path; NULL = default) resolved into PNG colours;
 * CLI_EXIT_FAILURE (one line printed) if it cannot be loaded. */
int cli_render_style(const char *theme, struct render_style *out);
/* "reconvene: warning: <w>" on stderr when w is not empty. */
void cli_render_warning(const char *w);
/* The channel heatmap of r (on net, the original) as a PNG at path. */
int cli_heatmap_channels(const struct net *net, const struct reconvene_result *r,
			 const struct reconvene_options *o,
			 const struct render_style *style, const char *path);

#endif
