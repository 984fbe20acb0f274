#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/json_num.h"
#include "cli/cli.h"
#include "prune/groups.h"
#include "paths/model_path.h"
#include "nn/net.h"
#include "cli/progress.h"
#include "cli/dataset_open.h"
#include "cli/engine_progress.h"
#include "cli/warnings.h"
#include "cli/reconvene_opts.h"
#include "prune/criteria_compare.h"
#include "cli/score_probe.h"
#include "cli/score_stability.h"
#include "cli/numbers.h"
#include "prune/reconvene.h"
#include "score/score.h"
#include "io/weights.h"
#include "train/quickeval.h"

#define SCORE_STR2(x) #x
#define SCORE_STR(x) SCORE_STR2(x)

static const char score_usage[] =
	"usage: reconvene score [MODEL] [--method M] [--sparsity S] [--seed N]\n"
	"                       [--tau T | --k K] [--weights FILE] [--data DIR]\n"
	"                       [--iterations N] [--residual] [--json]\n"
	"                       [--save-scores FILE.safetensors]\n"
	"       reconvene score [MODEL] --compare [options] [--json]\n"
	"       reconvene score [MODEL] --stability N [options] [--json]\n"
	"       reconvene score [MODEL] --probe [options] [--steps N] [--test N]\n"
	"                       [--csv FILE] [--png FILE] [--json]\n"
	"\n"
	"Score every conv and linear weight of a freshly initialised model with a\n"
	"pruning-at-initialization method, keep the top (1 - S) fraction over the\n"
	"whole net, and print each layer's kept weights and density.  Layers that\n"
	"Reconvene would rectify (density <= tau, never the first conv, not in a\n"
	"residual group) are marked resilient.\n"
	"\n"
	"MODEL is a name from the model directory (lenet5 vgg11 vgg16 vgg19\n"
	"resnet20 resnet32 resnet56 resnet18 mobilenetv2), a path to a .cfg file\n"
	"or an ONNX file (FILE.onnx, docs/onnx.md); default " DEFAULT_MODEL ".\n"
	"\n"
	"  --method M      random, magnitude, snip, grasp or synflow (default\n"
	"                  synflow: data-free, so no dataset is needed)\n"
	"  --sparsity S    fraction of weights removed, in [0, 1) (default 0.9)\n"
	"  --seed N        initial weights and random scores (default 1)\n"
	"  --tau T         resilient when density <= T (default 0.2)\n"
	"  --k K           instead, the K sparsest eligible layers are resilient\n"
	"  --residual      residual groups are eligible too\n"
	"  --weights FILE  score these weights (safetensors) instead of fresh ones\n"
	"  --data DIR      dataset for snip and grasp (default $RECONVENE_DATA,\n"
	"                  else " DATA_DEFAULT_DIR "; the\n"
	"                  synthetic set, with a warning, if none is installed)\n"
	"  --iterations N  synflow iterations (default 100)\n"
	"  --json          print one JSON object instead of a table\n"
	"  --save-scores FILE  write <layer>.weight_score (F32) and\n"
	"                  <layer>.weight_mask (U8) tensors to a safetensors file\n"
	"  --compare       every method side by side (random, magnitude, snip,\n"
	"                  grasp, synflow) on the same weights: each layer's density\n"
	"                  under each (* = resilient), and how alike each pair of\n"
	"                  methods orders the layer's channels (Kendall tau-b of\n"
	"                  the channel scores: 1 the same order, 0 unrelated, -1\n"
	"                  reversed), per layer with --json, mean over layers in\n"
	"                  the table; needs the dataset (snip, grasp)\n"
	"  --stability N   how much the plan depends on chance: over N\n"
	"                  initialisations (seeds seed..seed+N-1), each layer's\n"
	"                  density range and in how many runs it is resilient\n"
	"                  (flips: some runs only); with the weights fixed, over N\n"
	"                  scorings (snip/grasp: N data batches; random: N seeds),\n"
	"                  how many channels of each layer the automatic plan keeps\n"
	"                  always, sometimes and never (N in 1..1000)\n"
	"  --probe         the group probe: each prunable channel group alone\n"
	"                  pruned by 25, 50 and 75 % of its channels (the ones\n"
	"                  the method scores lowest), every other layer dense,\n"
	"                  then quick-eval accuracy (as `reconvene eval`; the\n"
	"                  explorer's key G); a residual group is pruned whole.\n"
	"                  Needs the dataset; 1 + 3 x groups quick-evals\n"
	"  --steps N       --probe: SGD steps per quick-eval (default "
	SCORE_STR(QUICKEVAL_DEFAULT_STEPS) ")\n"
	"  --test N        --probe: test samples per quick-eval (default 1000)\n"
	"  --csv FILE      --probe: also write group,layers,channels,residual,\n"
	"                  acc_25,acc_50,acc_75 rows (first row: the dense model)\n"
	"  --png FILE      --probe: also draw the groups x ratio chart\n"
	"  -h, --help      show this help\n";

enum {
	OPT_WEIGHTS = 256, OPT_JSON, OPT_SAVE, OPT_COMPARE, OPT_STABILITY, OPT_PROBE,
	OPT_STEPS, OPT_TEST, OPT_CSV, OPT_PNG,
};

struct score_cli {
	const char *model, *weights, *data, *save;
	struct reconvene_options o;
	bool json, compare, probe;
	int stability;
	long steps, test_n;       /* --probe budget; 0: the default */
	const char *csv, *png;    /* --probe outputs */
};

static int score_own_option(int code, const char *arg, void *user)
{
	struct score_cli *c = user;
	switch (code) {
	case OPT_WEIGHTS:
		c->weights = arg;
		break;
	case OPT_JSON:
		c->json = true;
		break;
	case OPT_SAVE:
		c->save = arg;
		break;
	case OPT_COMPARE:
		c->compare = true;
		break;
	case OPT_STABILITY: {
		long v;
		if (cli_parse_long(arg, 1, 1000, &v))
			return cli_usage_error("score", "--stability: a whole number of runs in "
					       "1..1000, not '%s'", arg);
		c->stability = (int)v;
		break;
	}
	case OPT_PROBE:
		c->probe = true;
		break;
	case OPT_STEPS:
	case OPT_TEST: {
		long v;
		if (cli_parse_long(arg, 1, 100000000, &v))
			return cli_usage_error("score", "--%s: a whole number >= 1, not '%s'",
					       code == OPT_STEPS ? "steps" : "test", arg);
		if (code == OPT_STEPS)
			c->steps = v;
		else
			c->test_n = v;
		break;
	}
	case OPT_CSV:
		c->csv = arg;
		break;
	case OPT_PNG:
		c->png = arg;
		break;
	}
	return 0;
}

static int score_parse(int argc, char **argv, struct score_cli *c)
{
	static const struct option own[] = {
		{ "weights", required_argument, NULL, OPT_WEIGHTS },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "save-scores", required_argument, NULL, OPT_SAVE },
		{ "compare", no_argument, NULL, OPT_COMPARE },
		{ "stability", required_argument, NULL, OPT_STABILITY },
		{ "probe", no_argument, NULL, OPT_PROBE },
		{ "steps", required_argument, NULL, OPT_STEPS },
		{ "test", required_argument, NULL, OPT_TEST },
		{ "csv", required_argument, NULL, OPT_CSV },
		{ "png", required_argument, NULL, OPT_PNG },
		{ NULL, 0, NULL, 0 },
	};
	memset(c, 0, sizeof *c);
	struct cli_ropts r;
	int rc = cli_ropts_parse("score", score_usage, argc, argv,
				 CLI_ROPT_BIT(CLI_ROPT_METHOD) | CLI_ROPT_BIT(CLI_ROPT_SPARSITY) |
				 CLI_ROPT_BIT(CLI_ROPT_SEED) | CLI_ROPT_BIT(CLI_ROPT_TAU) |
				 CLI_ROPT_BIT(CLI_ROPT_K) | CLI_ROPT_BIT(CLI_ROPT_RESIDUAL) |
				 CLI_ROPT_BIT(CLI_ROPT_ITERATIONS) | CLI_ROPT_BIT(CLI_ROPT_DATA),
				 own, score_own_option, c, &r);
	if (rc)
		return rc;
	if ((rc = cli_ropts_check_select("score", &r)) ||
	    (rc = cli_ropts_check_model("score", &r)))
		return rc;
	if (c->compare && (r.given & CLI_ROPT_BIT(CLI_ROPT_METHOD)))
		return cli_usage_error("score", "--compare scores with every method; leave out "
				       "--method");
	if (c->stability && (c->compare || c->save))
		return cli_usage_error("score", "--stability goes alone: not with --compare or "
				       "--save-scores");
	if (c->probe && (c->compare || c->save || c->stability))
		return cli_usage_error("score", "--probe goes alone: not with --compare, "
				       "--stability or --save-scores");
	if (!c->probe && (c->steps || c->test_n || c->csv || c->png))
		return cli_usage_error("score", "--steps, --test, --csv and --png go with --probe");
	if (c->compare && c->save)
		return cli_usage_error("score", "--save-scores writes one method's scores; it "
				       "does not go with --compare");
	c->o = r.o;
	c->data = r.data;
	c->model = r.model;
	return 0;
}

/* Scores and masks as weight-shaped tensors, so any safetensors reader
 * (numpy, PyTorch) can look at them next to the weights. */
static int score_save(const struct net *net, const struct score_cli *c,
		      const struct reconvene_pse *p)
{
	struct st_file f;
	struct eng_err err;
	st_file_init(&f);
	enum eng_status st = ENG_STATUS_OK;
	char name[LAYER_NAME_MAX + 32], v[64];
	for (int i = 0; i < net->n_layers && st == ENG_STATUS_OK; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		uint64_t shape[4];
		int nd;
		shape[0] = (uint64_t)l->out.c;
		if (l->kind == LAYER_KIND_CONV) {
			nd = 4;
			shape[1] = (uint64_t)(l->in.c / l->conf.groups);
			shape[2] = shape[3] = (uint64_t)l->conf.size;
		} else {
			nd = 2;
			shape[1] = l->w_len / (size_t)l->out.c;
		}
		size_t off = (size_t)(l->w - net->params);
		snprintf(name, sizeof name, "%s.weight_score", l->name);
		st = st_file_add(&f, name, ST_DTYPE_F32, nd, shape, p->scores + off, &err);
		snprintf(name, sizeof name, "%s.weight_mask", l->name);
		if (st == ENG_STATUS_OK)
			st = st_file_add(&f, name, ST_DTYPE_U8, nd, shape, p->mask + off,
					 &err);
	}
	if (st == ENG_STATUS_OK)
		st = st_file_meta_set(&f, "model", net->name, &err);
	if (st == ENG_STATUS_OK)
		st = st_file_meta_set(&f, "method", score_method_name(c->o.method), &err);
	snprintf(v, sizeof v, "%.15g", c->o.sparsity);
	if (st == ENG_STATUS_OK)
		st = st_file_meta_set(&f, "sparsity", v, &err);
	snprintf(v, sizeof v, "%" PRIu64, c->o.seed);
	if (st == ENG_STATUS_OK)
		st = st_file_meta_set(&f, "seed", v, &err);
	if (st == ENG_STATUS_OK)
		st = st_file_write(&f, c->save, &err);
	st_file_done(&f);
	if (st != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}

static void score_print_table(const struct net *net, const struct score_cli *c,
			      const struct reconvene_pse *p, const bool *resilient)
{
	char a[32], b[32];
	printf("%s: %s scores, sparsity %g, seed %" PRIu64 ", %.2f s\n", net->name,
	       score_method_name(c->o.method), c->o.sparsity, c->o.seed, p->seconds);
	if (c->o.k > 0)
		printf("resilient: the %d sparsest eligible conv layers", c->o.k);
	else
		printf("resilient: eligible conv layers with density <= %g", c->o.tau);
	printf(" (not the first conv%s)\n\n",
	       c->o.include_residual ? "" : ", not in a residual group");
	printf("%4s  %-24s %12s %12s %8s  %s\n", "#", "layer", "weights", "kept",
	       "density", "resilient");
	size_t total = 0, kept = 0;
	int n_res = 0;
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		total += l->w_len;
		kept += p->kept[i];
		n_res += resilient[i];
		printf("%4d  %-24s %12s %12s %8.4f  %s\n", i, l->name,
		       cli_group_digits(l->w_len, a, sizeof a),
		       cli_group_digits(p->kept[i], b, sizeof b), p->density[i],
		       resilient[i] ? "yes" : "-");
	}
	printf("\ntotal: %s of ", cli_group_digits(kept, a, sizeof a));
	printf("%s weights kept (density %.4f), %d resilient layer%s\n",
	       cli_group_digits(total, b, sizeof b),
	       total ? (double)kept / (double)total : 0.0, n_res,
	       n_res == 1 ? "" : "s");
}

static int score_print_json(const struct net *net, const struct score_cli *c,
			    const struct reconvene_pse *p, const bool *resilient)
{
	json_t *layers = json_array();
	for (int i = 0; i < net->n_layers && layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		json_array_append_new(layers, json_pack("{s:s, s:I, s:I, s:f, s:b}",
			"name", l->name, "params", (json_int_t)l->w_len,
			"kept", (json_int_t)p->kept[i], "density", p->density[i],
			"resilient", resilient[i]));
	}
	json_t *root = json_pack("{s:s, s:s, s:f, s:I, s:f, s:i, s:f, s:o}",
		"model", net->name, "method", score_method_name(c->o.method),
		"sparsity", c->o.sparsity, "seed", (json_int_t)c->o.seed,
		"tau", c->o.tau, "k", c->o.k, "seconds", p->seconds, "layers", layers);
	if (!root) {
		cli_error("score: cannot build the JSON output");
		return CLI_EXIT_FAILURE;
	}
	return cli_json_print(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
}

/* --- --compare ------------------------------------------------------------ */

static void score_compare_table(const struct net *net, const struct score_cli *c,
				const struct criteria_compare *cc)
{
	char a[32];
	double total = 0.0;
	for (int m = 0; m < CRITERIA_METHODS; m++)
		total += cc->seconds[m];
	printf("%s: the PaI criteria side by side, sparsity %g, seed %" PRIu64 ", %.2f s\n",
	       net->name, c->o.sparsity, c->o.seed, total);
	printf("density: kept fraction of each layer's weights under each method's global "
	       "mask; * = resilient\n(");
	if (c->o.k > 0)
		printf("the %d sparsest eligible conv layers", c->o.k);
	else
		printf("eligible conv layers with density <= %g", c->o.tau);
	printf(", not the first conv%s)\n\n",
	       c->o.include_residual ? "" : ", not in a residual group");
	printf("%4s  %-24s %12s", "#", "layer", "weights");
	for (int m = 0; m < CRITERIA_METHODS; m++)
		printf(" %10s", score_method_name((enum score_method)m));
	printf("\n");
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		printf("%4d  %-24s %12s", i, l->name, cli_group_digits(l->w_len, a, sizeof a));
		for (int m = 0; m < CRITERIA_METHODS; m++) {
			size_t k = (size_t)m * (size_t)cc->n_layers + (size_t)i;
			printf(" %9.4f%c", cc->density[k], cc->resilient[k] ? '*' : ' ');
		}
		printf("\n");
	}
	printf("\nchannel order agreement: Kendall tau-b of each layer's channel scores, mean "
	       "over layers\n(1 = the same order, 0 = unrelated, -1 = reversed)\n\n%-10s",
	       "");
	for (int m = 0; m < CRITERIA_METHODS; m++)
		printf(" %10s", score_method_name((enum score_method)m));
	printf("\n");
	for (int x = 0; x < CRITERIA_METHODS; x++) {
		printf("%-10s", score_method_name((enum score_method)x));
		for (int y = 0; y < CRITERIA_METHODS; y++) {
			if (x == y) {
				printf(" %10s", "1");
				continue;
			}
			int p = x < y ? criteria_pair_index((enum score_method)x, (enum score_method)y)
				      : criteria_pair_index((enum score_method)y, (enum score_method)x);
			if (isfinite(cc->tau_mean[p]))
				printf(" %10.3f", cc->tau_mean[p]);
			else
				printf(" %10s", "-");
		}
		printf("\n");
	}
	printf("\nseconds:");
	for (int m = 0; m < CRITERIA_METHODS; m++)
		printf(" %s %.2f", score_method_name((enum score_method)m), cc->seconds[m]);
	printf("\n");
}

static int score_compare_json(const struct net *net, const struct score_cli *c,
			      const struct criteria_compare *cc)
{
	json_t *methods = json_array(), *layers = json_array(), *agree = json_object();
	for (int m = 0; m < CRITERIA_METHODS; m++)
		json_array_append_new(methods, json_pack("{s:s, s:f}", "name",
			score_method_name((enum score_method)m), "seconds", cc->seconds[m]));
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		json_t *dens = json_object(), *res = json_object(), *tau = json_object();
		for (int m = 0; m < CRITERIA_METHODS; m++) {
			size_t k = (size_t)m * (size_t)cc->n_layers + (size_t)i;
			const char *name = score_method_name((enum score_method)m);
			json_object_set_new(dens, name, json_real(cc->density[k]));
			json_object_set_new(res, name, json_boolean(cc->resilient[k]));
		}
		for (int p = 0; p < CRITERIA_PAIRS; p++) {
			enum score_method a, b;
			criteria_pair_methods(p, &a, &b);
			char key[64];
			snprintf(key, sizeof key, "%s-%s", score_method_name(a), score_method_name(b));
			json_object_set_new(tau, key, json_real_or_null(
				cc->tau[(size_t)p * (size_t)cc->n_layers + (size_t)i]));
		}
		json_array_append_new(layers, json_pack("{s:s, s:I, s:i, s:o, s:o, s:o}",
			"name", l->name, "params", (json_int_t)l->w_len, "channels", l->out.c,
			"density", dens, "resilient", res, "kendall_tau", tau));
	}
	for (int p = 0; p < CRITERIA_PAIRS; p++) {
		enum score_method a, b;
		criteria_pair_methods(p, &a, &b);
		char key[64];
		snprintf(key, sizeof key, "%s-%s", score_method_name(a), score_method_name(b));
		json_object_set_new(agree, key, json_pack("{s:o, s:i}", "mean_kendall_tau",
			json_real_or_null(cc->tau_mean[p]), "layers", cc->tau_layers[p]));
	}
	json_t *root = json_pack("{s:s, s:f, s:I, s:f, s:i, s:o, s:o, s:o}",
		"model", net->name, "sparsity", c->o.sparsity, "seed", (json_int_t)c->o.seed,
		"tau", c->o.tau, "k", c->o.k, "methods", methods, "layers", layers,
		"agreement", agree);
	if (!root) {
		cli_error("score: cannot build the JSON output");
		return CLI_EXIT_FAILURE;
	}
	return cli_json_print(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
}

static int score_compare_run(struct net *net, const struct score_cli *c,
			     const struct data_split *ds)
{
	struct eng_err err;
	struct group_set gs = { 0 };
	struct criteria_compare cc = { 0 };
	struct reconvene_options o = c->o;
	struct progress_line bar;
	progress_init(&bar, stderr, "scoring", "steps/s");
	o.progress = cli_score_on_progress;
	o.progress_user = &bar;
	enum eng_status st = groups_build(net, &gs, &err);
	if (st == ENG_STATUS_OK)
		st = criteria_compare_run(net, ds, &gs, &o, &cc, &err);
	progress_finish(&bar);
	int rc = CLI_EXIT_FAILURE;
	if (st != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
	} else if (c->json) {
		rc = score_compare_json(net, c, &cc);
	} else {
		score_compare_table(net, c, &cc);
		rc = CLI_EXIT_OK;
	}
	criteria_compare_done(&cc);
	groups_done(&gs);
	return rc;
}

int cmd_score(int argc, char **argv)
{
	struct score_cli c;
	int rc = score_parse(argc, argv, &c);
	if (rc == -1)
		return CLI_EXIT_OK;
	if (rc != 0)
		return rc;

	struct data_split ds;
	bool have_ds;
	/* --compare scores with SNIP and GraSP, --probe trains: both need data */
	if ((rc = cli_score_data_open(c.data, c.compare || c.probe ? SCORE_METHOD_SNIP :
				      c.o.method, &ds, &have_ds)) != CLI_EXIT_OK)
		return rc;
	struct model_overrides ovr = {
		.classes = have_ds ? ds.train.classes : 0,
		.batch = have_ds ? c.o.samples_per_class * ds.train.classes : 1 };
	struct net_spec spec;
	struct net *net = NULL;
	char why[1024];
	if (model_open(c.model, &ovr, c.o.seed, &spec, &net, why, sizeof why) != 0) {
		cli_error("%s", why);
		if (have_ds)
			data_split_done(&ds);
		return CLI_EXIT_FAILURE;
	}
	cli_print_warnings(&spec);

	struct eng_err err;
	struct reconvene_pse p = { 0 };
	struct group_set gs = { 0 };
	bool *resilient = NULL;
	struct progress_line bar;
	enum eng_status st = ENG_STATUS_OK;
	rc = CLI_EXIT_FAILURE;
	if (c.weights && (st = weights_load(net, c.weights, &err)) != ENG_STATUS_OK)
		goto out;
	if (c.compare) {
		rc = score_compare_run(net, &c, have_ds ? &ds : NULL);
		goto out_quiet;
	}
	if (c.probe) {
		struct quickeval_options qo;
		quickeval_options_default(&qo);
		qo.seed = c.o.seed;
		if (c.steps)
			qo.steps = c.steps;
		if (c.test_n)
			qo.test_n = (int)(c.test_n < 2147483647L ? c.test_n : 2147483647L);
		struct cli_probe_args pa = { .json = c.json, .csv = c.csv, .png = c.png };
		rc = cli_score_probe(net, &spec, &ds, &c.o, &qo, &pa);
		goto out_quiet;
	}
	if (c.stability) {
		rc = cli_score_stability(net, have_ds ? &ds : NULL, &c.o, c.stability, !c.weights,
					 c.json);
		goto out_quiet;
	}
	if (c.o.method == SCORE_METHOD_SYNFLOW) {
		progress_init(&bar, stderr, "synflow", "it/s");
		c.o.progress = cli_score_on_progress;
		c.o.progress_user = &bar;
	}
	st = reconvene_pse_run(net, have_ds ? &ds : NULL, &c.o, &p, &err);
	if (c.o.progress)
		progress_finish(&bar);
	if (st != ENG_STATUS_OK)
		goto out;
	if ((st = groups_build(net, &gs, &err)) != ENG_STATUS_OK)
		goto out;
	resilient = calloc((size_t)net->n_layers, sizeof *resilient);
	if (!resilient) {
		st = eng_err_set(&err, ENG_STATUS_ENOMEM, "out of memory");
		goto out;
	}
	reconvene_select(net, &gs, p.density, &c.o, resilient);
	if (c.save && score_save(net, &c, &p) != CLI_EXIT_OK)
		goto out_quiet;
	if (c.json) {
		rc = score_print_json(net, &c, &p, resilient);
	} else {
		score_print_table(net, &c, &p, resilient);
		if (c.save)
			printf("scores and mask written to %s\n", c.save);
		rc = CLI_EXIT_OK;
	}
out:
	if (st != ENG_STATUS_OK)
		cli_error("%s", err.msg);
out_quiet:
	free(resilient);
	groups_done(&gs);
	reconvene_pse_done(&p);
	net_free(net);
	net_spec_done(&spec);
	if (have_ds)
		data_split_done(&ds);
	if (fflush(stdout) != 0)
		rc = CLI_EXIT_FAILURE;
	return rc;
}
