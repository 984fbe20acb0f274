#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "prune/groups.h"
#include "paths/model_path.h"
#include "nn/net.h"
#include "prune/plan.h"
#include "cli/progress.h"
#include "cli/dataset_open.h"
#include "cli/engine_progress.h"
#include "cli/render_style.h"
#include "cli/heatmap_channels.h"
#include "cli/warnings.h"
#include "cli/reconvene_opts.h"
#include "prune/reconvene.h"
#include "output/heatmap.h"
#include "output/render.h"
#include "score/score.h"
#include "score/sensitivity.h"

static const char heatmap_usage[] =
	"usage: reconvene heatmap [MODEL] --png OUT.png [--view channels|sparsity]\n"
	"                         [--method M] [--sparsity S] [--seed N] [--tau T]\n"
	"                         [--theme T] [--data DIR] [--iterations N]\n"
	"\n"
	"Draw a PNG picture of a freshly initialised model's pruning scores.\n"
	"\n"
	"  channels (default)  layers x output channels: each channel's score\n"
	"                      (the sum of its weights' scores, normalised per\n"
	"                      layer); channels the automatic plan (--tau)\n"
	"                      removes are darkened and hatched\n"
	"  sparsity            layers x global sparsity s = 0.5, 0.75, ...,\n"
	"                      0.99609375: the density each layer keeps under\n"
	"                      the global mask; cells with density <= tau are\n"
	"                      outlined (the layers Reconvene would rectify)\n"
	"\n"
	"MODEL is a name from the model directory, a path to a .cfg file or an\n"
	"ONNX file (FILE.onnx, from its weights); default " DEFAULT_MODEL ".\n"
	"\n"
	"  --png FILE      the picture to write (required)\n"
	"  --view V        channels or sparsity (default channels)\n"
	"  --method M      random, magnitude, snip, grasp or synflow (default synflow)\n"
	"  --sparsity S    fraction of weights removed, in [0, 1) (default 0.9)\n"
	"  --seed N        initial weights and random scores (default 1)\n"
	"  --tau T         resilient when density <= T (default 0.2)\n"
	"  --theme T       colour theme by name or path (default: default); the\n"
	"                  picture uses its heat gradient and text colours\n"
	"  --data DIR      dataset for snip and grasp (default $RECONVENE_DATA)\n"
	"  --iterations N  synflow iterations (default 100)\n"
	"  -h, --help      show this help\n"
	"\n"
	"Text is drawn with DejaVu Sans (or the .ttf file in $RECONVENE_FONT);\n"
	"without a font the picture is written without text, with a warning.\n";

enum {
	OPT_PNG = 256, OPT_VIEW, OPT_THEME,
};

struct heatmap_cli {
	const char *model, *png, *theme, *data;
	bool sparsity_view;
	struct reconvene_options o;
};

/* --- the command ----------------------------------------------------------- */

static int heatmap_own_option(int code, const char *arg, void *user)
{
	struct heatmap_cli *c = user;
	switch (code) {
	case OPT_PNG:
		c->png = arg;
		break;
	case OPT_VIEW:
		if (strcmp(arg, "channels") == 0)
			c->sparsity_view = false;
		else if (strcmp(arg, "sparsity") == 0)
			c->sparsity_view = true;
		else
			return cli_usage_error("heatmap", "--view '%s' is not channels or sparsity", arg);
		break;
	case OPT_THEME:
		c->theme = arg;
		break;
	}
	return 0;
}

static int heatmap_parse(int argc, char **argv, struct heatmap_cli *c)
{
	static const struct option own[] = {
		{ "png", required_argument, NULL, OPT_PNG },
		{ "view", required_argument, NULL, OPT_VIEW },
		{ "theme", required_argument, NULL, OPT_THEME },
		{ NULL, 0, NULL, 0 },
	};
	memset(c, 0, sizeof *c);
	struct cli_ropts r;
	int rc = cli_ropts_parse("heatmap", heatmap_usage, argc, argv,
				 CLI_ROPT_BIT(CLI_ROPT_METHOD) | CLI_ROPT_BIT(CLI_ROPT_SPARSITY) |
				 CLI_ROPT_BIT(CLI_ROPT_SEED) | CLI_ROPT_BIT(CLI_ROPT_TAU) |
				 CLI_ROPT_BIT(CLI_ROPT_ITERATIONS) | CLI_ROPT_BIT(CLI_ROPT_DATA),
				 own, heatmap_own_option, c, &r);
	if (rc)
		return rc;
	if (!c->png)
		return cli_usage_error("heatmap", "--png FILE is required");
	if ((rc = cli_ropts_check_model("heatmap", &r)))
		return rc;
	c->o = r.o;
	c->data = r.data;
	c->model = r.model;
	return 0;
}

/* The sparsity view: densities at every column's s, as the explorer's
 * chart (score_sensitivity_grid), one row per prunable layer. */
static int heatmap_sparsity(struct net *net, const struct data_split *ds,
			    const struct heatmap_cli *c,
			    const struct render_style *style)
{
	int rc = CLI_EXIT_FAILURE;
	int n_rows = 0;
	for (int i = 0; i < net->n_layers; i++)
		n_rows += score_layer_is_prunable(&net->layers[i]);
	double *dens = malloc((size_t)net->n_layers * SCORE_SENS_N * sizeof *dens);
	double *grid = malloc((size_t)n_rows * RENDER_SENS_COLUMNS * sizeof *grid);
	const char **names = malloc((size_t)(n_rows > 0 ? n_rows : 1) * sizeof *names);
	struct eng_err err;
	if (!dens || !grid || !names) {
		cli_error("heatmap: out of memory");
		goto out;
	}
	struct score_options so;
	reconvene_score_options(&c->o, &so);
	struct progress_line bar;
	progress_init(&bar, stderr, score_method_name(c->o.method), "it/s");
	enum eng_status st = score_sensitivity_grid(net, ds, &so, cli_score_on_progress,
						    &bar, dens, &err);
	progress_finish(&bar);
	if (st != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		goto out;
	}
	int row = 0;
	for (int i = 0; i < net->n_layers; i++) {
		if (!score_layer_is_prunable(&net->layers[i]))
			continue;
		names[row] = net->layers[i].name;
		for (int k = 0; k < RENDER_SENS_COLUMNS; k++)
			grid[(size_t)row * RENDER_SENS_COLUMNS + (size_t)k] =
				dens[(size_t)i * SCORE_SENS_N + (size_t)k];
		row++;
	}
	char title[160], sub[256];
	snprintf(title, sizeof title, "%s: layer density against sparsity (%s, seed %"
		 PRIu64 ")", net->name, score_method_name(c->o.method), c->o.seed);
	snprintf(sub, sizeof sub, "kept fraction of each layer's weights under the "
		 "global %s mask; outlined: density \xe2\x89\xa4 tau = %g",
		 score_method_name(c->o.method), c->o.tau);
	struct render_sensitivity sv = {
		.title = title, .subtitle = sub, .n_rows = n_rows, .names = names,
		.density = grid, .tau = c->o.tau,
	};
	if (render_sensitivity_write(&sv, style, c->png, &cli_warn, &err) !=
	    ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		goto out;
	}
	rc = CLI_EXIT_OK;
out:
	free(dens);
	free(grid);
	free(names);
	return rc;
}

int cmd_heatmap(int argc, char **argv)
{
	struct heatmap_cli c;
	int rc = heatmap_parse(argc, argv, &c);
	if (rc == -1)
		return CLI_EXIT_OK;
	if (rc != 0)
		return rc;
	struct render_style style;
	if ((rc = cli_render_style(c.theme, &style)) != CLI_EXIT_OK)
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
	struct net *net;
	char why[1024];
	if (model_open(c.model, &ovr, c.o.seed, &spec, &net, why, sizeof why) != 0) {
		cli_error("%s", why);
		if (have_ds)
			data_split_done(&ds);
		return CLI_EXIT_FAILURE;
	}
	cli_print_warnings(&spec);
	if (c.sparsity_view) {
		rc = heatmap_sparsity(net, have_ds ? &ds : NULL, &c, &style);
	} else {
		struct progress_line bar;
		struct reconvene_result r = { 0 };
		struct eng_err err;
		progress_init(&bar, stderr, score_method_name(c.o.method), "it/s");
		c.o.progress = cli_score_on_progress;
		c.o.progress_user = &bar;
		enum eng_status st = reconvene_run(net, &spec, have_ds ? &ds : NULL,
						   &c.o, NULL, &r, &err);
		progress_finish(&bar);
		if (st != ENG_STATUS_OK) {
			cli_error("%s", err.msg);
			rc = CLI_EXIT_FAILURE;
		} else {
			rc = cli_heatmap_channels(net, &r, &c.o, &style, c.png);
		}
		reconvene_result_done(&r);
	}
	if (rc == CLI_EXIT_OK)
		printf("wrote %s\n", c.png);
	net_free(net);
	net_spec_done(&spec);
	if (have_ds)
		data_split_done(&ds);
	if (fflush(stdout) != 0)
		rc = CLI_EXIT_FAILURE;
	return rc;
}
