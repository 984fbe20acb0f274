/* budget_opts.c: the training-budget options' ranges and messages
 * (budget_opts.h). */
#include "config.h"

#include "cli/budget_opts.h"
#include "cli/cli.h"
#include "cli/numbers.h"

static const struct {
	const char *name;
	long max;
	const char *what; /* after "--NAME 'VALUE' " */
} cli_budget_opts[] = {
	[CLI_BUDGET_STEPS] = { "steps", 1000000000L, "is not a positive integer" },
	[CLI_BUDGET_BATCH] = { "batch", 65536, "is not an integer in 1..65536" },
	[CLI_BUDGET_TRAIN] = { "train", 100000000L, "is not a positive integer" },
	[CLI_BUDGET_TEST] = { "test", 100000000L, "is not a positive integer" },
	[CLI_BUDGET_EPOCHS] = { "epochs", 100000, "is not an integer in 1..100000" },
};

int cli_budget_parse(const char *cmd, enum cli_budget_opt which, const char *arg, long *out)
{
	if (cli_parse_long(arg, 1, cli_budget_opts[which].max, out) == 0)
		return 0;
	cli_usage_error(cmd, "--%s '%s' %s", cli_budget_opts[which].name, arg,
			cli_budget_opts[which].what);
	return -1;
}
