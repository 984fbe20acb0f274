#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "prune/groups.h"
#include "paths/model_path.h"
#include "nn/net.h"
#include "cli/progress.h"
#include "cli/dataset_open.h"
#include "cli/engine_progress.h"
#include "cli/warnings.h"
#include "cli/reconvene_opts.h"
#include "prune/reconvene.h"
#include "score/score.h"
#include "io/weights.h"

static const char score_usage[] =
	"usage: reconvene score [MODEL] [--method M] [--sparsity S] [--seed N]\n"
	"                       [--tau T | --k K] [--weights FILE] [--data DIR]\n"
	"                       [--iterations N] [--residual] [--json]\n"
	"                       [--save-scores FILE.safetensors]\n"
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
	"  -h, --help      show this help\n";

enum {
	OPT_WEIGHTS = 256, OPT_JSON, OPT_SAVE,
};

struct score_cli {
	const char *model, *weights, *data, *save;
	struct reconvene_options o;
	bool json;
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
	}
	return 0;
}

static int score_parse(int argc, char **argv, struct score_cli *c)
{
	static const struct option own[] = {
		{ "weights", required_argument, NULL, OPT_WEIGHTS },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "save-scores", required_argument, NULL, OPT_SAVE },
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
	if ((rc = cli_score_data_open(c.data, c.o.method, &ds, &have_ds)) !=
	    CLI_EXIT_OK)
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
	struct progress bar;
	enum eng_status st = ENG_STATUS_OK;
	rc = CLI_EXIT_FAILURE;
	if (c.weights && (st = weights_load(net, c.weights, &err)) != ENG_STATUS_OK)
		goto out;
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
