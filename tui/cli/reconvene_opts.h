/* reconvene_opts.h: the Reconvene option group of the command line:
 * --method, --sparsity, --seed, --tau, --k, --iterations, --residual,
 * --min-channels, --dense-sensitive, and the inputs of a run: --data (for
 * SNIP and GraSP) and --auto / --plan FILE.
 *
 * One getopt entry per option (the commands pick theirs with a bit set),
 * one value parser with one set of messages and ranges (also behind the
 * explorer's and replay's settings, cli_settings_apply), and one command
 * line loop that score, prune, bench and heatmap run with their own options
 * added.  The commands' --help texts describe the options in their own
 * words; what the values mean is reconvene.h's.
 *
 * Owns nothing: struct cli_ropts points into argv.  Not thread-safe
 * (getopt_long's globals).
 *
 *   static const struct option own[] = {
 *           { "json", no_argument, NULL, OPT_JSON }, { NULL, 0, NULL, 0 } };
 *   struct cli_ropts r;
 *   int rc = cli_ropts_parse("score", usage, argc, argv,
 *                            CLI_ROPT_BIT(CLI_ROPT_METHOD) | ..., own,
 *                            score_own, &c, &r);
 *   if (rc == -1) ...help printed...; else if (rc) return rc;
 *   if ((rc = cli_ropts_check_model("score", &r))) return rc;
 *   ... r.o, r.model, r.given ...
 */
#ifndef RECONVENE_RECONVENE_OPTS_H
#define RECONVENE_RECONVENE_OPTS_H

#include <getopt.h>
#include <stdbool.h>

#include "prune/reconvene.h"

enum cli_ropt {
	CLI_ROPT_METHOD,          /* --method M */
	CLI_ROPT_SPARSITY,        /* --sparsity S, [0, 1) */
	CLI_ROPT_SEED,            /* --seed N, 0..2^63-1 */
	CLI_ROPT_TAU,             /* --tau T, [0, 1] */
	CLI_ROPT_K,               /* --k K, 1..100000 */
	CLI_ROPT_ITERATIONS,      /* --iterations N, 1..100000 */
	CLI_ROPT_RESIDUAL,        /* --residual */
	CLI_ROPT_MIN_CHANNELS,    /* --min-channels N, 1..1000000 */
	CLI_ROPT_DENSE_SENSITIVE, /* --dense-sensitive */
	CLI_ROPT_ALIGN,           /* --align N, 1..4096 */
	CLI_ROPT_DATA,            /* --data DIR */
	CLI_ROPT_AUTO,            /* --auto */
	CLI_ROPT_PLAN,            /* --plan FILE */
	CLI_ROPT_KEEP_INIT,       /* --keep-init */
	CLI_ROPT_WIDTH,           /* --width density|nnz|sqrt|budget */
	CLI_ROPT_CHANNELS,        /* --channels score|random */
	CLI_ROPT_COUNT
};
#define CLI_ROPT_BIT(x) (1u << (x))
/* getopt_long codes of the group: CLI_ROPT_CODE + enum cli_ropt.  The
 * commands' own codes must lie outside [CLI_ROPT_CODE, + CLI_ROPT_COUNT). */
#define CLI_ROPT_CODE 0x1000

struct cli_ropts {
	struct reconvene_options o; /* reconvene_options_init, then the options */
	unsigned given;             /* CLI_ROPT_BIT of each group option given */
	const char *data;           /* --data, NULL when absent */
	const char *plan;           /* --plan, NULL when absent */
	bool automatic;             /* --auto */
	int n_args;                 /* arguments after the options */
	const char *model;          /* the first of them, else DEFAULT_MODEL */
};

/* Apply one value by long option name ("method", "sparsity", "seed",
 * "tau", "k", "iterations", "min-channels") to o.  0, or CLI_EXIT_USAGE
 * after printing "--seed: a whole number >= 0, not 'x'" for cmd (NULL: the
 * explorer). */
int cli_reconvene_option(const char *cmd, const char *name, const char *arg,
			 struct reconvene_options *o);

/* A command's own option: apply code (its getopt value) with arg (NULL
 * without an argument) to user; 0, or an exit code after printing. */
typedef int (*cli_own_option_fn)(int code, const char *arg, void *user);

/* Run getopt_long over argv with the group's options in `group` (bits),
 * the command's own (a table ending in a zeroed entry) and -h/--help.
 * Returns 0; -1 after printing usage for --help; CLI_EXIT_USAGE after
 * printing an error (a bad value, an unknown option); or own's code. */
int cli_ropts_parse(const char *cmd, const char *usage, int argc, char **argv,
		    unsigned group, const struct option *own,
		    cli_own_option_fn own_fn, void *user, struct cli_ropts *r);
/* CLI_EXIT_USAGE after printing "--tau and --k both select layers; give
 * one" when both were given, else 0. */
int cli_ropts_check_select(const char *cmd, const struct cli_ropts *r);
/* CLI_EXIT_USAGE after printing "expected one MODEL, got N arguments"
 * when more than one argument followed the options, else 0. */
int cli_ropts_check_model(const char *cmd, const struct cli_ropts *r);

/* The explorer's settings options (each NULL when absent): --method,
 * --sparsity in [0, 1), --tau in [0, 1], --seed >= 0, --align N|auto,
 * --width density|nnz|sqrt (budget is a usage error: it builds models),
 * applied to ws.  align auto is not a worker setting (it needs measured
 * staircases): with align_auto it sets *align_auto (the explorer's app
 * does it), without (NULL: replays, which must not depend on timings) it
 * is a usage error.  CLI_EXIT_OK, or CLI_EXIT_USAGE after printing the
 * error for cmd (NULL: the explorer). */
struct worker_settings;
int cli_settings_apply(const char *cmd, const char *method, const char *sparsity,
		       const char *tau, const char *seed, const char *align,
		       const char *width, struct worker_settings *ws, bool *align_auto);

/* The explorer's quick-eval budget option, --eval-steps N (NULL when
 * absent): N SGD steps in [1, 100000] instead of QUICKEVAL_DEFAULT_STEPS,
 * applied to ws->budget.steps.  CLI_EXIT_OK, or CLI_EXIT_USAGE after
 * printing the error for cmd (NULL: the explorer). */
int cli_eval_steps_apply(const char *cmd, const char *steps, struct worker_settings *ws);

#endif
