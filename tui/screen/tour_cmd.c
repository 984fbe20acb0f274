#include "config.h"

/* tour_cmd.c: `reconvene tour [MODEL] [--autoplay SECONDS] [--script
 * NAME|FILE] [--check] [explorer options]`: the explorer with the guided
 * tour over it (tour.h), or, with --check, the same steps without a
 * terminal (tour_check.h). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/numbers.h"
#include "cli/reconvene_opts.h"
#include "cli/tour_check.h"
#include "explorer/tour.h"
#include "explorer/tour_script.h"
#include "paths/tour_path.h"
#include "screen/loop.h"

static const char tour_usage[] =
	"usage: reconvene tour [MODEL] [--autoplay SECONDS] [--script NAME|FILE]\n"
	"                      [explorer options]\n"
	"       reconvene tour [MODEL] --check [--script NAME|FILE] [--plans DIR]\n"
	"                      [--data DIR] [--method M] [--sparsity S] [--tau T]\n"
	"                      [--seed N] [--eval-steps N] [--size COLSxROWS]\n"
	"                      [--no-cache]\n"
	"\n"
	"A guided tour of Reconvene in the explorer, for teaching: each step\n"
	"does its part on the live model (scores it, masks it, finds the\n"
	"resilient layers, removes their channels, measures the result) and\n"
	"explains it in a caption box beside the panel it is about, with every\n"
	"number read from the live state.  Space or Right goes on, Left goes\n"
	"back, q leaves the tour and keeps the explorer open where it is: every\n"
	"step is an ordinary edit (u undoes it).  docs/tour.md explains the\n"
	"script format, so a teacher can write a tour of their own.\n"
	"\n"
	"  --autoplay SECONDS  go on by itself, SECONDS after a step's results\n"
	"                      are in (an unattended projector)\n"
	"  --script NAME|FILE  the tour to give: a .tour file, or a name looked\n"
	"                      up in $RECONVENE_TOURS_DIR and the installed tours\n"
	"                      (default: reconvene)\n"
	"  --check             no terminal: run every step, wait for its results,\n"
	"                      print its caption with the values filled in; exit\n"
	"                      1 with the step's line when one cannot be done\n"
	"  --plans DIR         with --check: the plan after each step as\n"
	"                      DIR/step-NN.json (the file w saves)\n"
	"  --size COLSxROWS    with --check: the screen size (default 80x24)\n"
	"\n"
	"Every other option is the explorer's (reconvene --help); the tour never\n"
	"restores a saved session.  Exit status: 0 success, 1 a bad script or a\n"
	"runtime failure, 2 usage error.\n";

struct tour_opts {
	const char *autoplay, *script, *plans, *size;
	const char *model, *data, *method, *sparsity, *tau, *seed, *eval_steps;
	bool check, no_cache;
};

/* Take the tour's own options out of argv (the rest is the explorer's);
 * *n is argv's new length.  -1 after --help, > 0 a usage error. */
static int tour_parse(int argc, char **argv, struct tour_opts *o, int *n)
{
	static const struct cli_valued own[] = {
		{ "--autoplay", offsetof(struct tour_opts, autoplay) },
		{ "--script", offsetof(struct tour_opts, script) },
		{ "--plans", offsetof(struct tour_opts, plans) },
		{ "--size", offsetof(struct tour_opts, size) },
	};
	/* Explorer options --check also understands, kept for both. */
	static const struct cli_valued shared[] = {
		{ "--data", offsetof(struct tour_opts, data) },
		{ "--method", offsetof(struct tour_opts, method) },
		{ "--sparsity", offsetof(struct tour_opts, sparsity) },
		{ "--tau", offsetof(struct tour_opts, tau) },
		{ "--seed", offsetof(struct tour_opts, seed) },
		{ "--eval-steps", offsetof(struct tour_opts, eval_steps) },
	};
	int k = 1;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			fputs(tour_usage, stdout);
			return -1;
		}
		if (!strcmp(arg, "--check")) {
			o->check = true;
			continue;
		}
		if (!strcmp(arg, "--no-cache"))
			o->no_cache = true;
		int took = cli_valued_take("tour", own, sizeof own / sizeof own[0], o, argc,
					   argv, &i);
		if (took == 1)
			continue;
		if (took != 0)
			return took;
		int at = i;
		took = cli_valued_take("tour", shared, sizeof shared / sizeof shared[0], o, argc,
				       argv, &i);
		if (took > 1)
			return took;
		if (took == 1) {
			for (int j = at; j <= i; j++)
				argv[k++] = argv[j];
			continue;
		}
		if (arg[0] != '-' && !o->model)
			o->model = arg;
		argv[k++] = argv[i];
	}
	*n = k;
	return 0;
}

int cmd_tour(int argc, char **argv)
{
	struct tour_opts o;
	memset(&o, 0, sizeof o);
	int n = argc;
	int rc = tour_parse(argc, argv, &o, &n);
	if (rc < 0)
		return CLI_EXIT_OK;
	if (rc > 0)
		return rc;
	double autoplay = 0;
	if (o.autoplay && cli_parse_float(o.autoplay, 1, 3600, &autoplay) != 0)
		return cli_usage_error("tour", "--autoplay: seconds from 1 to 3600");
	if (o.check && o.autoplay)
		return cli_usage_error("tour", "--check runs every step at once; leave out "
				       "--autoplay");
	if (!o.check && (o.plans || o.size))
		return cli_usage_error("tour", "%s goes with --check", o.plans ? "--plans"
				       : "--size");
	int cols = 80, rows = 24;
	if (o.size) {
		char tail;
		if (sscanf(o.size, "%dx%d%c", &cols, &rows, &tail) != 2 || cols < 1 ||
		    rows < 1 || cols > 10000 || rows > 10000)
			return cli_usage_error("tour", "--size: COLSxROWS, e.g. 80x24");
	}
	char path[4096];
	if (!tour_path_find(o.script, path, sizeof path)) {
		cli_error("tour script '%s' not found (a .tour file, or a name in "
			  "$RECONVENE_TOURS_DIR or the installed tours)", path);
		return CLI_EXIT_FAILURE;
	}
	struct tour_script ts;
	struct eng_err err = { { 0 } };
	if (tour_script_read(path, &ts, &err) != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		tour_script_done(&ts);
		return CLI_EXIT_FAILURE;
	}
	if (o.check) {
		struct worker_settings ws;
		worker_settings_default(&ws);
		rc = cli_settings_apply("tour", o.method, o.sparsity, o.tau, o.seed, NULL, NULL, &ws,
					NULL);
		if (rc == CLI_EXIT_OK)
			rc = cli_eval_steps_apply("tour", o.eval_steps, &ws);
		if (rc != CLI_EXIT_OK) {
			tour_script_done(&ts);
			return rc;
		}
		struct tour_check_opts co = { .script_path = path, .model = o.model,
					      .data = o.data, .plans_dir = o.plans,
					      .cols = cols, .rows = rows,
					      .disk_cache = !o.no_cache, .step_timeout = 900 };
		return tour_check_run(&ts, &ws, &co);
	}
	struct tour t;
	tour_init(&t, &ts, autoplay);
	rc = explore_run(n, argv, &t);
	tour_done(&t);
	return rc;
}
