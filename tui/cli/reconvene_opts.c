#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/numbers.h"
#include "cli/reconvene_opts.h"
#include "worker/worker.h"
#include "paths/model_path.h"

static const struct option cli_ropt_table[CLI_ROPT_COUNT] = {
	[CLI_ROPT_METHOD] = { "method", required_argument, NULL, CLI_ROPT_CODE + CLI_ROPT_METHOD },
	[CLI_ROPT_SPARSITY] = { "sparsity", required_argument, NULL, CLI_ROPT_CODE + CLI_ROPT_SPARSITY },
	[CLI_ROPT_SEED] = { "seed", required_argument, NULL, CLI_ROPT_CODE + CLI_ROPT_SEED },
	[CLI_ROPT_TAU] = { "tau", required_argument, NULL, CLI_ROPT_CODE + CLI_ROPT_TAU },
	[CLI_ROPT_K] = { "k", required_argument, NULL, CLI_ROPT_CODE + CLI_ROPT_K },
	[CLI_ROPT_ITERATIONS] = { "iterations", required_argument, NULL,
				  CLI_ROPT_CODE + CLI_ROPT_ITERATIONS },
	[CLI_ROPT_RESIDUAL] = { "residual", no_argument, NULL, CLI_ROPT_CODE + CLI_ROPT_RESIDUAL },
	[CLI_ROPT_MIN_CHANNELS] = { "min-channels", required_argument, NULL,
				    CLI_ROPT_CODE + CLI_ROPT_MIN_CHANNELS },
	[CLI_ROPT_DENSE_SENSITIVE] = { "dense-sensitive", no_argument, NULL,
				       CLI_ROPT_CODE + CLI_ROPT_DENSE_SENSITIVE },
	[CLI_ROPT_ALIGN] = { "align", required_argument, NULL, CLI_ROPT_CODE + CLI_ROPT_ALIGN },
	[CLI_ROPT_DATA] = { "data", required_argument, NULL, CLI_ROPT_CODE + CLI_ROPT_DATA },
	[CLI_ROPT_AUTO] = { "auto", no_argument, NULL, CLI_ROPT_CODE + CLI_ROPT_AUTO },
	[CLI_ROPT_PLAN] = { "plan", required_argument, NULL, CLI_ROPT_CODE + CLI_ROPT_PLAN },
	[CLI_ROPT_KEEP_INIT] = { "keep-init", no_argument, NULL, CLI_ROPT_CODE + CLI_ROPT_KEEP_INIT },
	[CLI_ROPT_WIDTH] = { "width", required_argument, NULL, CLI_ROPT_CODE + CLI_ROPT_WIDTH },
	[CLI_ROPT_CHANNELS] = { "channels", required_argument, NULL,
				CLI_ROPT_CODE + CLI_ROPT_CHANNELS },
};

int cli_reconvene_option(const char *cmd, const char *name, const char *arg,
			 struct reconvene_options *o)
{
	struct eng_err err;
	/* The engine parses (reconvene_option_set, shared with sweep grids);
	 * only flags take no value, and they never come here. */
	ENG_ASSERT(strcmp(name, "residual") != 0 && strcmp(name, "dense-sensitive") != 0 &&
		   strcmp(name, "keep-init") != 0);
	if (reconvene_option_set(o, name, arg, &err) != ENG_STATUS_OK)
		return cli_usage_error(cmd, "--%s", err.msg);
	return 0;
}

static int cli_ropt_apply(const char *cmd, enum cli_ropt id, const char *arg,
			  struct cli_ropts *r)
{
	switch (id) {
	case CLI_ROPT_RESIDUAL:
		r->o.include_residual = true;
		return 0;
	case CLI_ROPT_DENSE_SENSITIVE:
		r->o.sensitive_dense = true;
		return 0;
	case CLI_ROPT_KEEP_INIT:
		r->o.keep_init = true;
		return 0;
	case CLI_ROPT_DATA:
		r->data = arg;
		return 0;
	case CLI_ROPT_AUTO:
		r->automatic = true;
		return 0;
	case CLI_ROPT_PLAN:
		r->plan = arg;
		return 0;
	default:
		return cli_reconvene_option(cmd, cli_ropt_table[id].name, arg, &r->o);
	}
}

int cli_ropts_parse(const char *cmd, const char *usage, int argc, char **argv,
		    unsigned group, const struct option *own,
		    cli_own_option_fn own_fn, void *user, struct cli_ropts *r)
{
	struct option table[CLI_ROPT_COUNT + 32];
	size_t n = 0;
	for (int id = 0; id < CLI_ROPT_COUNT; id++)
		if (group & CLI_ROPT_BIT(id))
			table[n++] = cli_ropt_table[id];
	for (const struct option *p = own; p && p->name; p++) {
		ENG_ASSERT(n + 2 < sizeof table / sizeof table[0]);
		ENG_ASSERT(p->val < CLI_ROPT_CODE || p->val >= CLI_ROPT_CODE + CLI_ROPT_COUNT);
		table[n++] = *p;
	}
	table[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	table[n] = (struct option){ NULL, 0, NULL, 0 };

	memset(r, 0, sizeof *r);
	reconvene_options_init(&r->o);
	optind = 1;
	opterr = 0;
	for (;;) {
		int ch = getopt_long(argc, argv, "h", table, NULL);
		if (ch == -1)
			break;
		if (ch == 'h') {
			fputs(usage, stdout);
			return -1;
		}
		if (ch >= CLI_ROPT_CODE && ch < CLI_ROPT_CODE + CLI_ROPT_COUNT) {
			enum cli_ropt id = (enum cli_ropt)(ch - CLI_ROPT_CODE);
			if (cli_ropt_apply(cmd, id, optarg, r))
				return CLI_EXIT_USAGE;
			r->given |= CLI_ROPT_BIT(id);
			continue;
		}
		bool mine = false;
		for (const struct option *p = own; p && p->name && !mine; p++)
			mine = ch == p->val && ch != '?';
		if (!mine)
			return cli_usage_error(cmd, "unknown or incomplete option '%s'",
					       argv[optind - 1]);
		int rc = own_fn(ch, optarg, user);
		if (rc)
			return rc;
	}
	r->n_args = argc - optind;
	r->model = optind < argc ? argv[optind] : DEFAULT_MODEL;
	return 0;
}

int cli_ropts_check_select(const char *cmd, const struct cli_ropts *r)
{
	if ((r->given & CLI_ROPT_BIT(CLI_ROPT_TAU)) && r->o.k > 0)
		return cli_usage_error(cmd, "--tau and --k both select layers; give one");
	return 0;
}

int cli_ropts_check_model(const char *cmd, const struct cli_ropts *r)
{
	if (r->n_args > 1)
		return cli_usage_error(cmd, "expected one MODEL, got %d arguments", r->n_args);
	return 0;
}

int cli_settings_apply(const char *cmd, const char *method, const char *sparsity,
		       const char *tau, const char *seed, const char *align,
		       const char *width, struct worker_settings *ws, bool *align_auto)
{
	struct reconvene_options o;
	worker_settings_to_reconvene(ws, &o);
	const struct { const char *name, *arg; } given[] = {
		{ "method", method }, { "sparsity", sparsity }, { "tau", tau },
		{ "seed", seed }, { "align", align }, { "width", width },
	};
	for (size_t i = 0; i < sizeof given / sizeof given[0]; i++)
		if (given[i].arg && cli_reconvene_option(cmd, given[i].name, given[i].arg, &o))
			return CLI_EXIT_USAGE;
	if (o.width == RECONVENE_WIDTH_BUDGET)
		return cli_usage_error(cmd, "--width budget builds and measures models: it is for "
				       "'reconvene prune' and sweeps; here use density, nnz or sqrt");
	/* The worker plans without measuring; the explorer's app measures the
	 * staircases and aligns (app.h).  A replay must not depend on
	 * timings. */
	if (o.align == RECONVENE_ALIGN_AUTO) {
		if (!align_auto)
			return cli_usage_error(cmd, "--align auto: a replay must not depend on "
					       "measured latencies; give --align N");
		*align_auto = true;
		o.align = 1;
	}
	worker_settings_from_reconvene(&o, ws);
	return CLI_EXIT_OK;
}

int cli_eval_steps_apply(const char *cmd, const char *steps, struct worker_settings *ws)
{
	if (!steps)
		return CLI_EXIT_OK;
	long n;
	if (cli_parse_long(steps, 1, 100000, &n) != 0)
		return cli_usage_error(cmd, "--eval-steps: a whole number of SGD steps from 1 "
				       "to 100000");
	ws->budget.steps = n;
	return CLI_EXIT_OK;
}
