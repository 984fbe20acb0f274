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
#include "cli/reconvene_opts.h"
#include "prune/reconvene.h"
#include "output/render.h"
#include "score/score.h"
#include "score/sensitivity.h"
#include "theme/theme.h"

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
	"MODEL is a name from the model directory or a path to a .cfg file;\n"
	"default " DEFAULT_MODEL ".\n"
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

/* --- shared with report and prune (declared in cli.h) ------------------ */

static uint32_t heatmap_rgb(int32_t c, uint32_t fallback)
{
	if (c >= 0 && (c & THEME_COLOR_RGB_FLAG))
		return (uint32_t)c & 0xffffff;
	if (c >= 0 && c <= 255)
		return theme_index_rgb(c);
	return fallback;
}

int cli_render_style(const char *theme, struct render_style *out)
{
	render_style_default(out);
	struct theme_paths paths;
	theme_paths_init(&paths, NULL);
	struct theme th;
	theme_init_default(&th);
	struct theme_load_opts lo = { .paths = &paths, .warn = NULL };
	struct eng_err err;
	if (theme && theme_load(&th, theme, &lo, &err) != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		return CLI_EXIT_FAILURE;
	}
	struct theme_resolved r;
	theme_resolve(&th, THEME_TIER_TRUECOLOR, 16, &r);
	if (r.light) {
		out->bg = 0xffffff;
		out->fg = 0x1b1f27;
		out->panel = 0xf1f3f6;
		out->muted = 0x6b7280;
	}
	out->bg = heatmap_rgb(r.role[THEME_ROLE_NORMAL].bg, out->bg);
	out->fg = heatmap_rgb(r.role[THEME_ROLE_NORMAL].fg, out->fg);
	out->muted = heatmap_rgb(r.role[THEME_ROLE_DIM].fg, out->muted);
	out->accent = heatmap_rgb(r.role[THEME_ROLE_TITLE].fg, out->accent);
	out->series[0] = out->muted;
	out->series[1] = heatmap_rgb(r.role[THEME_ROLE_VALUE_WARN].fg, out->series[1]);
	out->series[2] = heatmap_rgb(r.role[THEME_ROLE_VALUE_GOOD].fg, out->series[2]);
	out->series[3] = out->accent;
	out->series[4] = heatmap_rgb(r.role[THEME_ROLE_RESILIENT].fg, out->series[4]);
	out->series[5] = heatmap_rgb(r.role[THEME_ROLE_VALUE_BAD].fg, out->series[5]);
	const struct theme_gradient_steps *g = &r.grad[THEME_GRADIENT_HEAT];
	bool ok = g->n >= 2;
	for (int i = 0; ok && i < g->n; i++)
		ok = g->color[i] >= 0;
	if (ok) {
		out->heat.n = g->n;
		for (int i = 0; i < g->n; i++)
			out->heat.rgb[i] = heatmap_rgb(g->color[i], 0);
	} else if (r.tier == THEME_TIER_MONO) {
		/* A monochrome theme: a grey ramp, dark to light. */
		out->heat.n = 2;
		out->heat.rgb[0] = r.light ? 0xe8e8e8 : 0x202020;
		out->heat.rgb[1] = r.light ? 0x202020 : 0xf0f0f0;
	}
	return CLI_EXIT_OK;
}

void cli_render_warning(const char *warning)
{
	if (warning && warning[0])
		fprintf(stderr, "reconvene: warning: %s\n", warning);
}

int cli_heatmap_channels(const struct net *net, const struct reconvene_result *r,
			 const struct reconvene_options *o,
			 const struct render_style *style, const char *path)
{
	int n = r->n_rows;
	struct render_heat_row *rows = calloc((size_t)(n > 0 ? n : 1), sizeof *rows);
	float **vals = calloc((size_t)(n > 0 ? n : 1), sizeof *vals);
	uint8_t **kept = calloc((size_t)(n > 0 ? n : 1), sizeof *kept);
	int rc = CLI_EXIT_FAILURE;
	double lo = 0.0;
	if (!rows || !vals || !kept) {
		cli_error("heatmap: out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		const struct reconvene_row *row = &r->rows[i];
		int c = row->channels_before;
		vals[i] = calloc((size_t)c, sizeof **vals);
		kept[i] = malloc((size_t)c);
		if (!vals[i] || !kept[i]) {
			cli_error("heatmap: out of memory");
			goto out;
		}
		score_channel_scores(net, r->pse.scores, row->layer, vals[i]);
		for (int ch = 0; ch < c; ch++)
			if (vals[i][ch] < 0)
				lo = -1.0;  /* GraSP keeps the sign */
		memset(kept[i], 1, (size_t)c);
		int g = r->groups.layer_out[row->layer];
		if (g >= 0 && plan_group_changed(&r->groups, &r->plan, g) &&
		    r->plan.kept_idx[g]) {
			memset(kept[i], 0, (size_t)c);
			for (int k = 0; k < r->plan.keep[g]; k++)
				kept[i][r->plan.kept_idx[g][k]] = 1;
		}
		rows[i].name = row->name;
		rows[i].channels = c;
		rows[i].value = vals[i];
		rows[i].kept = kept[i];
	}
	char title[160], sub[256], warn[RENDER_WARNING_MAX];
	snprintf(title, sizeof title, "%s: channel scores (%s, seed %" PRIu64 ")",
		 net->name, score_method_name(o->method), o->seed);
	if (o->k > 0)
		snprintf(sub, sizeof sub, "hatched: removed by the automatic plan at "
			 "s = %g, the %d sparsest eligible layers; %d groups rectified",
			 o->sparsity, o->k, r->n_changed);
	else
		snprintf(sub, sizeof sub, "hatched: removed by the automatic plan at "
			 "s = %g, tau = %g; %d of %d prunable groups rectified",
			 o->sparsity, o->tau, r->n_changed,
			 groups_prunable_count(&r->groups));
	struct render_heatmap h = {
		.title = title, .subtitle = sub,
		.legend = "channel score (sum over the filter, / largest in the layer)",
		.lo = lo, .hi = 1.0, .n_rows = n, .rows = rows,
	};
	struct eng_err err;
	if (render_heatmap_png(&h, style, path, warn, sizeof warn, &err) !=
	    ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		goto out;
	}
	cli_render_warning(warn);
	rc = CLI_EXIT_OK;
out:
	for (int i = 0; i < n && vals && kept; i++) {
		free(vals[i]);
		free(kept[i]);
	}
	free(vals);
	free(kept);
	free(rows);
	return rc;
}

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
	struct progress bar;
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
	char title[160], sub[256], warn[RENDER_WARNING_MAX];
	snprintf(title, sizeof title, "%s: layer density against sparsity (%s, seed %"
		 PRIu64 ")", net->name, score_method_name(c->o.method), c->o.seed);
	snprintf(sub, sizeof sub, "kept fraction of each layer's weights under the "
		 "global %s mask; outlined: density \xe2\x89\xa4 tau = %g",
		 score_method_name(c->o.method), c->o.tau);
	struct render_sensitivity sv = {
		.title = title, .subtitle = sub, .n_rows = n_rows, .names = names,
		.density = grid, .tau = c->o.tau,
	};
	if (render_sensitivity_png(&sv, style, c->png, warn, sizeof warn, &err) !=
	    ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		goto out;
	}
	cli_render_warning(warn);
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
	struct model_overrides ovr = { .classes = have_ds ? ds.train.classes : 0 };
	struct net_spec spec;
	struct net *net;
	char why[1024];
	if (model_load(c.model, &ovr, &spec, &net, why, sizeof why) != 0) {
		cli_error("%s", why);
		if (have_ds)
			data_split_done(&ds);
		return CLI_EXIT_FAILURE;
	}
	cli_print_warnings(&spec);
	net_init(net, c.o.seed);
	if (c.sparsity_view) {
		rc = heatmap_sparsity(net, have_ds ? &ds : NULL, &c, &style);
	} else {
		struct progress bar;
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
