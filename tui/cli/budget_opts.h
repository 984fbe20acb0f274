/* budget_opts.h: the training-budget options (--steps, --batch, --train,
 * --test, --epochs) of eval, train, report and run: their ranges and the
 * message a bad value gets, decided here once for every command.
 *
 * Owns: nothing.  Thread rules: reentrant.
 *
 *   case OPT_STEPS:
 *           if (cli_budget_parse("eval", CLI_BUDGET_STEPS, optarg, &o->steps))
 *                   return CLI_EXIT_USAGE;
 */
#ifndef RECONVENE_BUDGET_OPTS_H
#define RECONVENE_BUDGET_OPTS_H

enum cli_budget_opt {
	CLI_BUDGET_STEPS,  /* SGD steps, 1..10^9 */
	CLI_BUDGET_BATCH,  /* samples per step, 1..65536 */
	CLI_BUDGET_TRAIN,  /* training samples, 1..10^8 */
	CLI_BUDGET_TEST,   /* test samples, 1..10^8 */
	CLI_BUDGET_EPOCHS, /* passes over the training set, 1..100000 */
};

/* arg as option `which` of command cmd into *out: 0, or, for a value that
 * is not a whole number in the option's range, one usage line naming the
 * option and the value (cli_usage_error) and -1, *out untouched. */
int cli_budget_parse(const char *cmd, enum cli_budget_opt which, const char *arg, long *out);

#endif
