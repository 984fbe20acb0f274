/* cmd_bench.c: `reconvene bench`, the measured batch-1 latency table.
 *
 * Builds the same three models as `reconvene prune` (dense, unstructured
 * PaI, Reconvene's structured net, from --auto or --plan) and times each
 * with latency_measure: dense, unstructured on dense kernels, unstructured
 * on the CSR kernel, structured.  Nothing is written.
 */
#include "config.h"

#include <cblas.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/bench_widths.h"
#include "cli/cli.h"
#include "prune/groups.h"
#include "measure/latency.h"
#include "measure/metrics.h"
#include "paths/model_path.h"
#include "nn/conv3x3.h"
#include "nn/net.h"
#include "prune/plan.h"
#include "cli/plan_model.h"
#include "cli/progress.h"
#include "prune/plan_file.h"
#include "cli/numbers.h"
#include "cli/dataset_open.h"
#include "cli/engine_progress.h"
#include "cli/warnings.h"
#include "cli/reconvene_opts.h"
#include "prune/reconvene.h"
#include "score/score.h"
#include "base/blas_info.h"
#include "host/blas_kernel.h"

static const char bench_usage[] =
	"usage: reconvene bench [MODEL] [--auto [--tau T] [--align N|auto] | --plan PLAN.json]\n"
	"                       [--method M] [--sparsity S] [--seed N] [--data DIR]\n"
	"                       [--runs N] [--threads N] [--json]\n"
	"       reconvene bench [MODEL] --widths GROUP|all [--threads N] [--no-cache]\n"
	"                       [--json]\n"
	"\n"
	"Measure batch-1 inference latency (eval mode, one 1xCxHxW input) of\n"
	"four versions of a model:\n"
	"  dense             the model as initialised\n"
	"  unstructured      the PaI mask at sparsity S, on dense kernels (what\n"
	"                    hardware without sparse support runs)\n"
	"  unstructured-csr  the same mask with every conv and linear layer on\n"
	"                    a CSR sparse kernel (the best case for unstructured)\n"
	"  structured        Reconvene's physically smaller net (as 'reconvene\n"
	"                    prune' builds it), on dense kernels\n"
	"Each figure is the median of single forwards after a warm-up, with the\n"
	"10th-90th percentile spread, and the speedup over dense; params\n"
	"(stored / non-zero), bytes of the weights as run and MACs executed\n"
	"(multiply-adds of one sample, 1 MAC = 2 FLOPs) are shown for each.\n"
	"Timings depend on the machine and its load; see docs/latency.md.\n"
	"\n"
	"MODEL is a name from the model directory, a path to a .cfg file or an\n"
	"ONNX file (FILE.onnx, from its weights); default " DEFAULT_MODEL ".\n"
	"\n"
	"  --auto            select resilient layers automatically (the default)\n"
	"  --tau T           resilient when density <= T (default 0.2)\n"
	"  --align N|auto    rectified groups keep a multiple of N channels, or\n"
	"                    (auto) the widest width as fast on their measured\n"
	"                    staircase (default 1: off)\n"
	"  --plan FILE       keep counts per group from a plan file; its method,\n"
	"                    sparsity and seed are the defaults\n"
	"  --method M        random, magnitude, snip, grasp or synflow (default\n"
	"                    synflow)\n"
	"  --sparsity S      unstructured sparsity in [0, 1) (default 0.9)\n"
	"  --seed N          initial weights, random scores, re-init (default 1)\n"
	"  --data DIR        dataset for snip and grasp (default $RECONVENE_DATA,\n"
	"                    else " DATA_DEFAULT_DIR ")\n"
	"  --runs N          at least N timed runs per version (default 20; runs\n"
	"                    continue until 0.2 s of timed time, at most 10 s)\n"
	"  --threads N       threads for the dense versions (default: OpenBLAS's\n"
	"                    count, OPENBLAS_NUM_THREADS); with more than one,\n"
	"                    the layers split their work over N threads of the\n"
	"                    engine's own and OpenBLAS stays on one; the CSR\n"
	"                    kernel is single-threaded\n"
	"  --widths GROUP    instead, the width-latency staircase of a channel\n"
	"                    group (a name from 'reconvene groups', or all):\n"
	"                    the batch-1 latency of the group's conv and linear\n"
	"                    layers at each kept-channel count (every width up\n"
	"                    to 64 channels; above, 1-8, multiples of 4 and the\n"
	"                    full width); widths no faster than a wider one\n"
	"                    are marked slow (docs/latency.md); kept in the\n"
	"                    result cache ($XDG_CACHE_HOME/reconvene) per model,\n"
	"                    group, thread count and BLAS kernels\n"
	"  --no-cache        --widths: measure again, store nothing\n"
	"  --json            print one JSON object instead of text\n"
	"  -h, --help        show this help\n";

enum {
	OPT_RUNS = 256, OPT_THREADS, OPT_JSON, OPT_WIDTHS, OPT_NO_CACHE,
};

/* Rows of the table, in print order. */
enum bench_row {
	BENCH_ROW_DENSE,
	BENCH_ROW_MASKED,
	BENCH_ROW_SPARSE,
	BENCH_ROW_STRUCTURED,
	BENCH_ROW_COUNT
};

static const char *const bench_row_names[BENCH_ROW_COUNT] = {
	"dense", "unstructured", "unstructured-csr", "structured",
};

struct bench_cli {
	const char *model, *plan, *data, *widths;
	bool automatic, json, no_cache;
	unsigned given;             /* cli_ropts.given */
	int runs, threads;
	struct reconvene_options o;
};

static int bench_own_option(int code, const char *arg, void *user)
{
	struct bench_cli *c = user;
	long lv;
	switch (code) {
	case OPT_RUNS:
		if (cli_parse_long(arg, 1, 100000, &lv))
			return cli_usage_error("bench", "--runs '%s' is not an integer in 1..100000", arg);
		c->runs = (int)lv;
		break;
	case OPT_THREADS:
		if (cli_parse_long(arg, 1, 1024, &lv))
			return cli_usage_error("bench", "--threads '%s' is not an integer in 1..1024", arg);
		c->threads = (int)lv;
		break;
	case OPT_JSON:
		c->json = true;
		break;
	case OPT_WIDTHS:
		c->widths = arg;
		break;
	case OPT_NO_CACHE:
		c->no_cache = true;
		break;
	}
	return 0;
}

static int bench_parse(int argc, char **argv, struct bench_cli *c)
{
	static const struct option own[] = {
		{ "runs", required_argument, NULL, OPT_RUNS },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "widths", required_argument, NULL, OPT_WIDTHS },
		{ "no-cache", no_argument, NULL, OPT_NO_CACHE },
		{ NULL, 0, NULL, 0 },
	};
	memset(c, 0, sizeof *c);
	c->runs = 20;
	struct cli_ropts r;
	int rc = cli_ropts_parse("bench", bench_usage, argc, argv,
				 CLI_ROPT_BIT(CLI_ROPT_METHOD) | CLI_ROPT_BIT(CLI_ROPT_SPARSITY) |
				 CLI_ROPT_BIT(CLI_ROPT_SEED) | CLI_ROPT_BIT(CLI_ROPT_TAU) |
				 CLI_ROPT_BIT(CLI_ROPT_DATA) | CLI_ROPT_BIT(CLI_ROPT_AUTO) |
				 CLI_ROPT_BIT(CLI_ROPT_PLAN) | CLI_ROPT_BIT(CLI_ROPT_ALIGN),
				 own, bench_own_option, c, &r);
	if (rc)
		return rc;
	c->automatic = r.automatic;
	c->plan = r.plan;
	if (c->automatic && c->plan)
		return cli_usage_error("bench", "give one of --auto and --plan FILE, not both");
	if (c->plan && (r.given & CLI_ROPT_BIT(CLI_ROPT_ALIGN)))
		return cli_usage_error("bench", "--align rounds the automatic plan; with --plan the plan decides");
	if (c->plan && (r.given & CLI_ROPT_BIT(CLI_ROPT_TAU)))
		return cli_usage_error("bench", "--tau selects layers for --auto; with --plan the plan decides");
	if ((rc = cli_ropts_check_model("bench", &r)))
		return rc;
	if (c->no_cache && !c->widths)
		return cli_usage_error("bench", "--no-cache goes with --widths (the other tables "
				       "are always measured)");
	if (c->widths && (c->automatic || c->plan || r.given))
		return cli_usage_error("bench", "--widths measures the dense model's layers; it "
				       "takes no pruning options");
	c->o = r.o;
	c->given = r.given;
	c->data = r.data;
	c->model = r.model;
	return 0;
}

struct bench_line {
	struct latency_result lat;
	size_t nonzero;
};

static void bench_on_progress(int done, int total, void *user)
{
	progress_update(user, done, total, done, -1.0, false);
}

static int bench_measure_all(const struct bench_cli *c, struct net *dense,
			     const struct reconvene_result *r,
			     struct bench_line *lines)
{
	struct latency_options o;
	latency_options_init(&o);
	o.warmup = 5;
	o.min_runs = c->runs;
	o.max_runs = c->runs > 2000 ? c->runs : 2000;
	o.min_ms = 200.0;
	o.max_ms = 10000.0;
	struct metrics md, mu, ms;
	metrics_compute(dense, NULL, &md, NULL);
	metrics_compute(dense, r->pse.mask, &mu, NULL);
	metrics_compute(r->net, r->mask, &ms, NULL);
	/* The structured net's sensitive layers keep zeroed masked weights
	 * (reconvene.h), which only its mask knows. */
	const size_t nonzero[BENCH_ROW_COUNT] = { md.nonzero, mu.nonzero, mu.nonzero,
						  ms.nonzero };
	for (int i = 0; i < BENCH_ROW_COUNT; i++) {
		static const enum latency_variant var[BENCH_ROW_COUNT] = {
			LATENCY_VARIANT_DENSE, LATENCY_VARIANT_MASKED,
			LATENCY_VARIANT_SPARSE, LATENCY_VARIANT_STRUCTURED,
		};
		struct net *net = i == BENCH_ROW_STRUCTURED ? r->net : dense;
		struct progress_line bar;
		progress_init(&bar, stderr, bench_row_names[i], "runs/s");
		o.progress = bench_on_progress;
		o.progress_user = &bar;
		struct eng_err err;
		enum eng_status st = latency_measure(net, r->pse.mask, var[i], &o,
						     &lines[i].lat, &err);
		progress_finish(&bar);
		if (st != ENG_STATUS_OK) {
			cli_error("%s", err.msg);
			return CLI_EXIT_FAILURE;
		}
		lines[i].nonzero = nonzero[i];
	}
	return CLI_EXIT_OK;
}

static double bench_speedup(const struct bench_line *lines, int i)
{
	double t = lines[i].lat.median_ms;
	return t > 0.0 ? lines[BENCH_ROW_DENSE].lat.median_ms / t : 0.0;
}

static int bench_print_json(const struct bench_cli *c, const char *model,
			    const struct reconvene_result *r,
			    const struct bench_line *lines, int threads)
{
	json_t *rows = json_array();
	for (int i = 0; i < BENCH_ROW_COUNT && rows; i++) {
		const struct latency_result *l = &lines[i].lat;
		json_array_append_new(rows, json_pack(
			"{s:s, s:f, s:f, s:f, s:f, s:f, s:i, s:b, s:f, s:I, s:I, s:I, s:I}",
			"variant", bench_row_names[i], "median_ms", l->median_ms,
			"p10_ms", l->p10_ms, "p90_ms", l->p90_ms, "mean_ms", l->mean_ms,
			"min_ms", l->min_ms, "runs", l->runs, "capped", l->capped,
			"speedup", bench_speedup(lines, i),
			"params", (json_int_t)l->params,
			"nonzero", (json_int_t)lines[i].nonzero,
			"bytes", (json_int_t)l->bytes, "macs", (json_int_t)l->macs));
	}
	json_t *root = json_pack(
		"{s:s, s:s, s:f, s:I, s:s, s:f, s:i, s:i, s:i, s:o}",
		"model", model, "method", score_method_name(c->o.method),
		"sparsity", c->o.sparsity, "seed", (json_int_t)c->o.seed,
		"plan", c->plan ? c->plan : "auto", "tau", c->o.tau,
		"groups_changed", r->n_changed, "threads", threads,
		"batch", 1, "rows", rows);
	const struct blas_kernel *k = blas_kernel_selected();
	if (root)
		json_object_set_new(root, "blas", json_pack("{s:s, s:s, s:s, s:s}",
			"library", blas_library(), "kernels", blas_core_name(),
			"chosen_by", k ? blas_kernel_how_name(k->how) : "library",
			"best_for_cpu", k ? k->best : ""));
	if (root)
		json_object_set_new(root, "conv3x3", json_string(conv3x3_describe()));
	if (!root) {
		cli_error("bench: cannot build the JSON output");
		return CLI_EXIT_FAILURE;
	}
	return cli_json_print(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
}

static void bench_print_text(const struct bench_cli *c, const char *model,
			     const struct reconvene_result *r,
			     const struct bench_line *lines, int threads)
{
	printf("%s: %s at sparsity %g, seed %" PRIu64 "; ", model,
	       score_method_name(c->o.method), c->o.sparsity, c->o.seed);
	if (c->plan)
		printf("plan %s", c->plan);
	else
		printf("tau %g", c->o.tau);
	printf("; %d groups rectified\n", r->n_changed);
	char kernel[320];
	blas_kernel_describe(blas_kernel_selected(), kernel, sizeof kernel);
	printf("batch 1, eval; threads %d (the engine's team; OpenBLAS on 1), CSR kernel 1\n"
	       "blas: %s\nconv 3x3: %s\n\n", threads, kernel, conv3x3_describe());
	printf("%-17s %10s %19s %5s %8s %12s %12s %10s %9s\n", "", "median ms",
	       "p10 - p90 ms", "runs", "speedup", "params", "nonzero", "bytes",
	       "MACs");
	for (int i = 0; i < BENCH_ROW_COUNT; i++) {
		const struct latency_result *l = &lines[i].lat;
		char a[32], b[32], spread[48];
		snprintf(spread, sizeof spread, "%.3f - %.3f", l->p10_ms, l->p90_ms);
		printf("%-17s %10.3f %19s %5d %7.2fx %12s %12s %8.2fMB %8.2fM%s\n",
		       bench_row_names[i], l->median_ms, spread, l->runs,
		       bench_speedup(lines, i), cli_group_digits(l->params, a, sizeof a),
		       cli_group_digits(lines[i].nonzero, b, sizeof b),
		       (double)l->bytes / 1e6, (double)l->macs / 1e6,
		       l->capped ? "  (time cap)" : "");
	}
	printf("\nbytes: float32 weights as each version runs them (CSR: values, "
	       "32-bit column indices, row pointers); MACs: executed per sample\n");
}

int cmd_bench(int argc, char **argv)
{
	struct bench_cli c;
	int rc = bench_parse(argc, argv, &c);
	if (rc == -1)
		return CLI_EXIT_OK;
	if (rc != 0)
		return rc;
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
	if (c.threads > 0)
		openblas_set_num_threads(c.threads);
	int threads = openblas_get_num_threads();
#else
	int threads = 1;
#endif

	if (c.widths)
		return cli_bench_widths(c.model, c.widths, threads, c.json, c.no_cache);

	struct cli_plan_model m;
	if ((rc = cli_plan_model_open(c.model, c.plan, c.data, c.given, &c.o, &m)) !=
	    CLI_EXIT_OK)
		return rc;

	struct eng_err err;
	struct reconvene_result r = { 0 };
	enum eng_status st = cli_plan_model_run(&m, &c.o, &r, &err);
	rc = CLI_EXIT_FAILURE;
	if (st != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		goto out;
	}
	/* Scoring leaves the workspace sized for its batch; batch 1 is what
	 * is timed, and a smaller workspace is what a deployment would have. */
	if ((st = net_prepare(m.net, 1, &err)) != ENG_STATUS_OK ||
	    (st = net_prepare(r.net, 1, &err)) != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		goto out;
	}
	struct bench_line lines[BENCH_ROW_COUNT];
	if ((rc = bench_measure_all(&c, m.net, &r, lines)) != CLI_EXIT_OK)
		goto out;
	if (c.json) {
		rc = bench_print_json(&c, m.net->name, &r, lines, threads);
	} else {
		bench_print_text(&c, m.net->name, &r, lines, threads);
		rc = CLI_EXIT_OK;
	}
out:
	reconvene_result_done(&r);
	cli_plan_model_done(&m);
	if (fflush(stdout) != 0)
		rc = CLI_EXIT_FAILURE;
	return rc;
}
