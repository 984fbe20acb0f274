#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "prune/groups.h"
#include "measure/metrics.h"
#include "paths/model_path.h"
#include "nn/net.h"
#include "prune/plan.h"
#include "cli/progress.h"
#include "prune/plan_file.h"
#include "output/bundle.h"
#include "cli/numbers.h"
#include "cli/dataset_open.h"
#include "cli/engine_progress.h"
#include "cli/render_style.h"
#include "cli/heatmap_channels.h"
#include "cli/warnings.h"
#include "cli/plan_model.h"
#include "cli/reconvene_opts.h"
#include "prune/reconvene.h"
#include "output/render.h"
#include "output/report.h"
#include "score/score.h"

static const char prune_usage[] =
	"usage: reconvene prune [MODEL] (--auto [--tau T | --k K] | --plan PLAN.json)\n"
	"                       [--method M] [--sparsity S] [--seed N] [--data DIR]\n"
	"                       [--min-channels N] [--align N|auto] [--residual]\n"
	"                       [--dense-sensitive] [--keep-init]\n"
	"                       [--width density|nnz|sqrt|budget] [--channels score|random]\n"
	"                       [--iterations N] --out DIR [--json]\n"
	"\n"
	"Reconvene: score a freshly initialised model with a pruning-at-\n"
	"initialization method (unstructured mask at sparsity S), find the conv\n"
	"layers the mask left sparse (resilient: density <= tau; never the first\n"
	"conv), shrink each to fewer output channels chosen by channel score\n"
	"(ceil(sqrt(density) x channels) where its input is shrunk too, else\n"
	"ceil(density x channels): --width), re-initialise the shrunk layers\n"
	"and their consumers (dense), and keep the unstructured mask on every\n"
	"other layer.\n"
	"\n"
	"Writes DIR/model.cfg, DIR/model.safetensors (weights with\n"
	"<layer>.weight_mask tensors) and DIR/plan.json, and prints parameters,\n"
	"bytes and MACs (multiply-adds, 1 MAC = 2 FLOPs) of the dense model, the\n"
	"unstructured PaI model and the pruned model.  The files load with\n"
	"'reconvene info DIR/model.cfg' and 'reconvene eval DIR/model.cfg\n"
	"--weights DIR/model.safetensors'.\n"
	"\n"
	"MODEL is a name from the model directory, a path to a .cfg file or an\n"
	"ONNX file (FILE.onnx, from its weights); default " DEFAULT_MODEL ".\n"
	"\n"
	"  --auto            select resilient layers automatically\n"
	"  --tau T           resilient when density <= T (default 0.2)\n"
	"  --k K             instead, the K sparsest eligible conv layers\n"
	"  --plan FILE       keep counts per group from a plan file (as written\n"
	"                    to DIR/plan.json; 'reconvene groups' lists names);\n"
	"                    its method, sparsity and seed are the defaults\n"
	"  --method M        random, magnitude, snip, grasp or synflow (default\n"
	"                    synflow: data-free, the paper's fastest choice)\n"
	"  --sparsity S      unstructured sparsity in [0, 1) (default 0.9)\n"
	"  --seed N          initial weights, random scores, re-init (default 1)\n"
	"  --data DIR        dataset for snip and grasp (default $RECONVENE_DATA,\n"
	"                    else " DATA_DEFAULT_DIR ")\n"
	"  --min-channels N  collapse guard: no group below N channels (default 1)\n"
	"  --align N|auto    --auto: every rectified group keeps a multiple of N\n"
	"                    channels (rounded up, at most all), the widths\n"
	"                    kernels run fastest ('reconvene bench --widths');\n"
	"                    auto: the widest width of the group's measured\n"
	"                    staircase as fast as its count (timed here once,\n"
	"                    then cached); default 1 (off)\n"
	"  --residual        also prune groups joined by residual adds (the\n"
	"                    same channels in every member of a stage)\n"
	"  --dense-sensitive sensitive layers become dense (default: they keep\n"
	"                    their unstructured mask)\n"
	"  --keep-init       shrunk layers keep their initial weights on the\n"
	"                    kept channels instead of being re-initialised\n"
	"                    (still dense)\n"
	"  --width W         --auto: channels a rectified group keeps: sqrt\n"
	"                    (default), ceil(sqrt(density) x channels) where the\n"
	"                    layer's input is shrunk too, else as density;\n"
	"                    density, ceil(density x channels) (the default\n"
	"                    before issue 18: docs/reconvene.md); nnz, as many\n"
	"                    as hold the layer's PaI non-zeros densely at the\n"
	"                    input width the plan leaves it; budget,\n"
	"                    density's counts widened, narrowest first, while\n"
	"                    the model stores no more bytes than unstructured\n"
	"                    PaI's\n"
	"  --channels C      which channels stay: score, the highest summed\n"
	"                    PaI scores (default); random (seeded by --seed)\n"
	"  --iterations N    synflow iterations (default 100)\n"
	"  --out DIR         output directory (created if missing): model.cfg,\n"
	"                    model.safetensors, plan.json, report.json and\n"
	"                    heatmap.png; the bundle is reloaded and checked\n"
	"                    against the masked original (exit 1 if any logit\n"
	"                    differs by more than 1e-4)\n"
	"  --json            print one JSON object instead of text\n"
	"  -h, --help        show this help\n";

enum {
	OPT_OUT = 256, OPT_JSON,
};

struct prune_cli {
	const char *model, *plan, *data, *out;
	bool automatic, json;
	unsigned given;             /* cli_ropts.given */
	struct reconvene_options o;
};

static double prune_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int prune_own_option(int code, const char *arg, void *user)
{
	struct prune_cli *c = user;
	switch (code) {
	case OPT_OUT:
		c->out = arg;
		break;
	case OPT_JSON:
		c->json = true;
		break;
	}
	return 0;
}

static int prune_parse(int argc, char **argv, struct prune_cli *c)
{
	static const struct option own[] = {
		{ "out", required_argument, NULL, OPT_OUT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	memset(c, 0, sizeof *c);
	struct cli_ropts r;
	int rc = cli_ropts_parse("prune", prune_usage, argc, argv,
				 CLI_ROPT_BIT(CLI_ROPT_METHOD) | CLI_ROPT_BIT(CLI_ROPT_SPARSITY) |
				 CLI_ROPT_BIT(CLI_ROPT_SEED) | CLI_ROPT_BIT(CLI_ROPT_TAU) |
				 CLI_ROPT_BIT(CLI_ROPT_K) | CLI_ROPT_BIT(CLI_ROPT_MIN_CHANNELS) |
				 CLI_ROPT_BIT(CLI_ROPT_ALIGN) |
				 CLI_ROPT_BIT(CLI_ROPT_RESIDUAL) |
				 CLI_ROPT_BIT(CLI_ROPT_DENSE_SENSITIVE) |
				 CLI_ROPT_BIT(CLI_ROPT_KEEP_INIT) | CLI_ROPT_BIT(CLI_ROPT_WIDTH) |
				 CLI_ROPT_BIT(CLI_ROPT_CHANNELS) |
				 CLI_ROPT_BIT(CLI_ROPT_ITERATIONS) | CLI_ROPT_BIT(CLI_ROPT_DATA) |
				 CLI_ROPT_BIT(CLI_ROPT_AUTO) | CLI_ROPT_BIT(CLI_ROPT_PLAN),
				 own, prune_own_option, c, &r);
	if (rc)
		return rc;
	c->automatic = r.automatic;
	c->plan = r.plan;
	bool tau = r.given & CLI_ROPT_BIT(CLI_ROPT_TAU);
	if (c->automatic == (c->plan != NULL))
		return cli_usage_error("prune", "give exactly one of --auto and --plan FILE");
	if (c->plan && (tau || r.o.k > 0))
		return cli_usage_error("prune", "--tau and --k select layers for --auto; with --plan the plan decides");
	if (c->plan && (r.given & CLI_ROPT_BIT(CLI_ROPT_ALIGN)))
		return cli_usage_error("prune", "--align rounds the automatic plan; with --plan the plan's counts stand");
	if (c->plan && (r.given & CLI_ROPT_BIT(CLI_ROPT_WIDTH)))
		return cli_usage_error("prune", "--width sets the automatic plan's counts; with --plan the plan's counts stand");
	if ((rc = cli_ropts_check_select("prune", &r)))
		return rc;
	if (!c->out)
		return cli_usage_error("prune", "--out DIR is required");
	if ((rc = cli_ropts_check_model("prune", &r)))
		return rc;
	c->o = r.o;
	c->given = r.given;
	c->data = r.data;
	c->model = r.model;
	return 0;
}

static json_t *prune_metrics_json(const struct metrics *m)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
		"params", (json_int_t)m->params, "nonzero", (json_int_t)m->nonzero,
		"dense_bytes", (json_int_t)m->dense_bytes,
		"storage_bytes", (json_int_t)m->storage_bytes,
		"macs", (json_int_t)m->macs,
		"effective_macs", (json_int_t)m->effective_macs);
}

static double prune_ratio(double a, double b)
{
	return b > 0 ? a / b : 0.0;
}

struct prune_report {
	const struct prune_cli *c;
	const char *model;
	const struct net *net;      /* the original (dense) net */
	const struct reconvene_result *r;
	struct metrics dense, pai, pruned;
	struct bundle_check verify;
	double seconds_save, seconds_total;
};

/* Layer `name`'s weights and MACs (one sample) in the original and in the
 * pruned net: the parameter and MAC ratios a channel change brings. */
static void prune_layer_cost(const struct prune_report *p, const char *name, size_t *w0,
			     size_t *w1, uint64_t *m0, uint64_t *m1)
{
	int a = net_find(p->net, name), b = net_find(p->r->net, name);
	const struct layer *la = a >= 0 ? &p->net->layers[a] : NULL;
	const struct layer *lb = b >= 0 ? &p->r->net->layers[b] : NULL;
	*w0 = la ? la->w_len : 0;
	*w1 = lb ? lb->w_len : 0;
	*m0 = la ? la->ops->macs(la) : 0;
	*m1 = lb ? lb->ops->macs(lb) : 0;
}

static int prune_print_json(const struct prune_report *p)
{
	const struct reconvene_result *r = p->r;
	json_t *layers = json_array();
	for (int i = 0; i < r->n_rows && layers; i++) {
		const struct reconvene_row *row = &r->rows[i];
		size_t w0, w1;
		uint64_t m0, m1;
		prune_layer_cost(p, row->name, &w0, &w1, &m0, &m1);
		json_array_append_new(layers, json_pack(
			"{s:s, s:I, s:I, s:f, s:b, s:b, s:b, s:b, s:i, s:i, s:I, s:I, s:I}",
			"name", row->name, "params", (json_int_t)row->weights,
			"kept", (json_int_t)row->kept, "density", row->density,
			"resilient", row->resilient, "rectified", row->rectified,
			"reinit", row->reinit, "dense", row->dense, "channels_before", row->channels_before,
			"channels_after", row->channels_after, "params_after", (json_int_t)w1,
			"macs", (json_int_t)m0, "macs_after", (json_int_t)m1));
	}
	json_t *groups = json_object();
	for (int g = 0; g < r->groups.n_groups && groups; g++)
		if (plan_group_changed(&r->groups, &r->plan, g))
			json_object_set_new(groups, r->groups.groups[g].name,
					    json_pack("{s:i, s:i}", "channels",
						      r->groups.groups[g].channels,
						      "keep", r->plan.keep[g]));
	json_t *ratios = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f}",
		"params_vs_dense", prune_ratio((double)p->dense.params, (double)p->pruned.params),
		"storage_vs_dense", prune_ratio((double)p->dense.dense_bytes, (double)p->pruned.storage_bytes),
		"macs_vs_dense", prune_ratio((double)p->dense.macs, (double)p->pruned.macs),
		"effective_macs_vs_dense", prune_ratio((double)p->dense.macs, (double)p->pruned.effective_macs),
		"storage_vs_unstructured", prune_ratio((double)p->pai.storage_bytes, (double)p->pruned.storage_bytes),
		"macs_vs_unstructured", prune_ratio((double)p->pai.macs, (double)p->pruned.macs));
	json_t *secs = json_pack("{s:f, s:f, s:f, s:f, s:f}",
		"score", r->seconds_score, "plan", r->seconds_plan,
		"build", r->seconds_apply, "save", p->seconds_save,
		"total", p->seconds_total);
	json_t *root = json_pack(
		"{s:s, s:s, s:f, s:I, s:f, s:i, s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		"model", p->model, "method", score_method_name(p->c->o.method),
		"sparsity", p->c->o.sparsity, "seed", (json_int_t)p->c->o.seed,
		"tau", p->c->o.tau, "k", p->c->o.k,
		"plan", p->c->plan ? p->c->plan : "auto", "out", p->c->out,
		"groups_changed", r->n_changed,
		"dense", prune_metrics_json(&p->dense),
		"unstructured", prune_metrics_json(&p->pai),
		"pruned", prune_metrics_json(&p->pruned),
		"ratios", ratios, "seconds", secs, "groups", groups,
		"layers", layers);
	if (root)
		json_object_set_new(root, "units", json_pack("{s:s, s:s}",
			"macs", "multiply-accumulates per sample (1 MAC = 2 FLOPs)",
			"bytes", "parameter storage, float32"));
	if (root)
		json_object_set_new(root, "verification", json_pack(
			"{s:f, s:f, s:f, s:b}", "max_abs_diff", p->verify.max_abs_diff,
			"reload_max_abs_diff", p->verify.reload_max_abs_diff,
			"tolerance", p->verify.tolerance, "pass", p->verify.pass));
	if (!root) {
		cli_error("prune: cannot build the JSON output");
		return CLI_EXIT_FAILURE;
	}
	return cli_json_print(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
}

static const char *prune_mb(uint64_t bytes, char *buf, size_t len)
{
	snprintf(buf, len, "%.2f MB", (double)bytes / 1e6);
	return buf;
}

static const char *prune_mmacs(uint64_t macs, char *buf, size_t len)
{
	snprintf(buf, len, "%.1fM", (double)macs / 1e6);
	return buf;
}

static void prune_print_row(const char *label, const struct metrics *m)
{
	char a[32], b[32], s[32], x[32], e[32];
	printf("%-18s %13s %13s %11s %10s %10s\n", label,
	       cli_group_digits(m->params, a, sizeof a),
	       cli_group_digits(m->nonzero, b, sizeof b),
	       prune_mb(m->storage_bytes, s, sizeof s),
	       prune_mmacs(m->macs, x, sizeof x),
	       prune_mmacs(m->effective_macs, e, sizeof e));
}

static void prune_print_text(const struct prune_report *p)
{
	const struct reconvene_result *r = p->r;
	const struct reconvene_options *o = &p->c->o;
	printf("%s: %s at sparsity %g, seed %" PRIu64 "; ", p->model,
	       score_method_name(o->method), o->sparsity, o->seed);
	if (p->c->plan)
		printf("plan %s", p->c->plan);
	else if (o->k > 0)
		printf("the %d sparsest eligible layers", o->k);
	else
		printf("tau %g", o->tau);
	printf("; %d of %d prunable groups rectified\n\n", r->n_changed,
	       groups_prunable_count(&r->groups));

	char a[32], b[32];
	printf("%-24s %12s %12s %8s  %-9s %s\n", "layer", "weights", "kept",
	       "density", "resilient", "channels (and what they do to the layer's "
	       "params and MACs)");
	for (int i = 0; i < r->n_rows; i++) {
		const struct reconvene_row *row = &r->rows[i];
		char ch[48];
		if (row->channels_after != row->channels_before)
			snprintf(ch, sizeof ch, "%d -> %d", row->channels_before,
				 row->channels_after);
		else
			snprintf(ch, sizeof ch, "%d", row->channels_before);
		size_t w0, w1;
		uint64_t m0, m1;
		prune_layer_cost(p, row->name, &w0, &w1, &m0, &m1);
		char cost[64] = "";
		if (w1 != w0 && w0 > 0 && m0 > 0)
			snprintf(cost, sizeof cost, "  params %.2fx, MACs %.2fx", (double)w1 / (double)w0,
				 (double)m1 / (double)m0);
		printf("%-24s %12s %12s %8.4f  %-9s %s%s%s\n", row->name,
		       cli_group_digits(row->weights, a, sizeof a),
		       cli_group_digits(row->kept, b, sizeof b), row->density,
		       row->resilient ? "yes" : "-", ch, cost,
		       row->reinit ? "  (re-init, dense)" :
		       row->dense ? "  (initial weights, dense)" : "");
	}

	printf("\n%-18s %13s %13s %11s %10s %10s\n", "", "params", "nonzero",
	       "storage", "MACs", "eff. MACs");
	prune_print_row("dense", &p->dense);
	prune_print_row("unstructured PaI", &p->pai);
	prune_print_row("reconvene", &p->pruned);
	printf("\ndense / reconvene: params %.2fx, storage %.2fx, MACs %.2fx "
	       "(effective %.2fx)\n",
	       prune_ratio((double)p->dense.params, (double)p->pruned.params),
	       prune_ratio((double)p->dense.dense_bytes, (double)p->pruned.storage_bytes),
	       prune_ratio((double)p->dense.macs, (double)p->pruned.macs),
	       prune_ratio((double)p->dense.macs, (double)p->pruned.effective_macs));
	printf("unstructured PaI / reconvene: storage %.2fx, MACs %.2fx (on dense "
	       "hardware, where masked weights still cost)\n",
	       prune_ratio((double)p->pai.storage_bytes, (double)p->pruned.storage_bytes),
	       prune_ratio((double)p->pai.macs, (double)p->pruned.macs));
	printf("storage: float32; masked layers as the smallest of dense, CSR and "
	       "bitmap; 1 MAC = 2 FLOPs\n");
	printf("seconds: score %.2f, plan %.3f, build %.3f, save %.2f, total %.2f\n",
	       r->seconds_score, r->seconds_plan, r->seconds_apply, p->seconds_save,
	       p->seconds_total);
	printf("verification: %s, max |logit difference| %.3g (masked original vs "
	       "reloaded bundle), tolerance %g\n", p->verify.pass ? "pass" : "FAIL",
	       p->verify.max_abs_diff > p->verify.reload_max_abs_diff ?
	       p->verify.max_abs_diff : p->verify.reload_max_abs_diff,
	       p->verify.tolerance);
	printf("wrote %s/model.cfg, %s/model.safetensors, %s/model.onnx, %s/plan.json, "
	       "%s/report.json, %s/heatmap.png\n", p->c->out, p->c->out, p->c->out,
	       p->c->out, p->c->out, p->c->out);
}

/* The rest of the bundle: verify the saved files, then report.json (no
 * latency or accuracy yet: `reconvene report DIR` adds them) and
 * heatmap.png.  A failed verification is recorded, not an error here. */
static int prune_bundle_finish(const struct prune_cli *c, struct cli_plan_model *m,
			       const struct reconvene_result *r,
			       const struct data_split *ds, struct prune_report *p)
{
	struct eng_err err;
	if (bundle_verify(&m->spec, r, c->out, &p->verify, &err) !=
	    ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		return CLI_EXIT_FAILURE;
	}
	struct report_input in;
	report_input_init(&in);
	report_info_from_options(&in.info, m->net->name, &c->o);
	if (ds) {
		in.info.has_dataset = true;
		snprintf(in.info.dataset, sizeof in.info.dataset, "%s", ds->name);
		snprintf(in.info.dataset_source, sizeof in.info.dataset_source, "%s",
			 ds->source);
		in.info.dataset_synthetic = ds->synthetic;
		in.info.dataset_hash = report_dataset_hash(ds);
	}
	in.net = m->net;
	in.r = r;
	in.variant[REPORT_VARIANT_DENSE].metrics = p->dense;
	in.variant[REPORT_VARIANT_UNSTRUCTURED].metrics = p->pai;
	in.variant[REPORT_VARIANT_PRUNED].metrics = p->pruned;
	in.verify = p->verify;
	char path[4096];
	snprintf(path, sizeof path, "%s/report.json", c->out);
	if (report_write(path, &in, &err) != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		return CLI_EXIT_FAILURE;
	}
	struct render_style style;
	int rc = cli_render_style(NULL, &style);
	if (rc != CLI_EXIT_OK)
		return rc;
	snprintf(path, sizeof path, "%s/heatmap.png", c->out);
	return cli_heatmap_channels(m->net, r, &c->o, &style, path);
}

int cmd_prune(int argc, char **argv)
{
	double t0 = prune_now();
	struct prune_cli c;
	int rc = prune_parse(argc, argv, &c);
	if (rc == -1)
		return CLI_EXIT_OK;
	if (rc != 0)
		return rc;

	struct cli_plan_model m;
	if ((rc = cli_plan_model_open(c.model, c.plan, c.data, c.given, &c.o, &m)) !=
	    CLI_EXIT_OK)
		return rc;

	struct eng_err err;
	struct reconvene_result r = { 0 };
	enum eng_status st = cli_plan_model_run(&m, &c.o, &r, &err);
	rc = CLI_EXIT_FAILURE;
	if (st != ENG_STATUS_OK)
		goto out;
	double ts = prune_now();
	if ((st = bundle_save(&r, &c.o, m.net->name, c.out, &err)) !=
	    ENG_STATUS_OK)
		goto out;
	struct prune_report p = { .c = &c, .model = m.net->name, .net = m.net, .r = &r };
	p.seconds_save = prune_now() - ts;
	metrics_compute(m.net, NULL, &p.dense, NULL);
	metrics_compute(m.net, r.pse.mask, &p.pai, NULL);
	metrics_compute(r.net, r.mask, &p.pruned, NULL);
	if ((rc = prune_bundle_finish(&c, &m, &r, m.have_ds ? &m.ds : NULL, &p)) !=
	    CLI_EXIT_OK)
		goto out;
	p.seconds_total = prune_now() - t0;
	if (c.json) {
		rc = prune_print_json(&p);
	} else {
		prune_print_text(&p);
		rc = CLI_EXIT_OK;
	}
	if (!p.verify.pass) {
		cli_error("%s: verification FAILED: the compacted net differs from the "
			  "masked original by %.3g (tolerance %g)", c.out,
			  p.verify.max_abs_diff > p.verify.reload_max_abs_diff ?
			  p.verify.max_abs_diff : p.verify.reload_max_abs_diff,
			  p.verify.tolerance);
		rc = CLI_EXIT_FAILURE;
	}
out:
	if (st != ENG_STATUS_OK)
		cli_error("%s", err.msg);
	reconvene_result_done(&r);
	cli_plan_model_done(&m);
	if (fflush(stdout) != 0)
		rc = CLI_EXIT_FAILURE;
	return rc;
}
