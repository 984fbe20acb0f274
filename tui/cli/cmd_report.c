#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/cfg.h"
#include "cli/budget_opts.h"
#include "cli/cli.h"
#include "prune/groups.h"
#include "measure/latency.h"
#include "measure/metrics.h"
#include "paths/model_path.h"
#include "nn/net.h"
#include "prune/plan.h"
#include "cli/progress.h"
#include "cli/numbers.h"
#include "cli/sigint.h"
#include "cli/dataset_open.h"
#include "cli/engine_progress.h"
#include "cli/render_style.h"
#include "cli/warnings.h"
#include "train/quickeval.h"
#include "prune/plan_file.h"
#include "output/bundle.h"
#include "prune/reconvene.h"
#include "output/render.h"
#include "output/report.h"
#include "io/weights.h"

#define REPORT_STR2(x) #x
#define REPORT_STR(x) REPORT_STR2(x)

static const char report_usage[] =
	"usage: reconvene report DIR [--json] [--steps N] [--batch B] [--train N]\n"
	"                        [--test N] [--data DIR] [--no-eval] [--no-latency]\n"
	"                        [--latency-ms MS] [--png FILE] [--theme T]\n"
	"\n"
	"Measure a pruned bundle written by 'reconvene prune --out DIR' against\n"
	"the dense model and the unstructured PaI model it came from, and\n"
	"rewrite DIR/report.json (schema: docs/report-schema.md): per layer the\n"
	"channels before and after, density and score statistics; for dense,\n"
	"unstructured and pruned the parameters, bytes, MACs, batch-1 latency\n"
	"(median, p10-p90) and quick-eval accuracy (95% interval); the settings,\n"
	"the dataset and its hash, and the bundle's verification (re-run).\n"
	"Also draws DIR/tradeoff.png: accuracy against latency and parameters.\n"
	"\n"
	"The plan is re-run from the settings in DIR/report.json and\n"
	"DIR/plan.json; the pruned figures are those of the bundle's own files.\n"
	"Quick-eval takes about 15 s per variant with the default budget;\n"
	"progress goes to stderr.\n"
	"\n"
	"  --json          print report.json on stdout instead of a summary\n"
	"  --steps N       quick-eval SGD steps (default " REPORT_STR(QUICKEVAL_DEFAULT_STEPS) ")\n"
	"  --batch B       samples per step (default " REPORT_STR(QUICKEVAL_DEFAULT_BATCH) ")\n"
	"  --train N       training subset size (default " REPORT_STR(QUICKEVAL_DEFAULT_TRAIN_N) ")\n"
	"  --test N        first N test samples (default " REPORT_STR(QUICKEVAL_DEFAULT_TEST_N) ")\n"
	"  --data DIR      dataset (default $RECONVENE_DATA, else\n"
	"                  " DATA_DEFAULT_DIR "; the synthetic\n"
	"                  set, with a warning, if none is installed)\n"
	"  --no-eval       skip quick-eval (accuracy is null)\n"
	"  --no-latency    skip the latency measurement (latency is null)\n"
	"  --latency-ms MS wall-time cap per latency measurement (default 1000)\n"
	"  --png FILE      the trade-off chart (default DIR/tradeoff.png)\n"
	"  --theme T       colour theme of the chart (default: default)\n"
	"  -h, --help      show this help\n"
	"\n"
	"Exit status 1 also when the bundle fails its verification.\n";

enum {
	OPT_JSON = 256, OPT_STEPS, OPT_BATCH, OPT_TRAIN, OPT_TEST, OPT_DATA,
	OPT_NO_EVAL, OPT_NO_LAT, OPT_LAT_MS, OPT_PNG, OPT_THEME,
};

struct report_cli {
	const char *dir, *data, *png, *theme;
	bool json, eval, latency;
	long steps, batch, train_n, test_n;
	double latency_ms;
};

static int report_parse(int argc, char **argv, struct report_cli *c)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "steps", required_argument, NULL, OPT_STEPS },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "train", required_argument, NULL, OPT_TRAIN },
		{ "test", required_argument, NULL, OPT_TEST },
		{ "data", required_argument, NULL, OPT_DATA },
		{ "no-eval", no_argument, NULL, OPT_NO_EVAL },
		{ "no-latency", no_argument, NULL, OPT_NO_LAT },
		{ "latency-ms", required_argument, NULL, OPT_LAT_MS },
		{ "png", required_argument, NULL, OPT_PNG },
		{ "theme", required_argument, NULL, OPT_THEME },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	*c = (struct report_cli){ .eval = true, .latency = true,
				  .steps = QUICKEVAL_DEFAULT_STEPS,
				  .batch = QUICKEVAL_DEFAULT_BATCH,
				  .train_n = QUICKEVAL_DEFAULT_TRAIN_N,
				  .test_n = QUICKEVAL_DEFAULT_TEST_N,
				  .latency_ms = 1000 };
	optind = 1;
	opterr = 0;
	for (;;) {
		int ch = getopt_long(argc, argv, "h", opts, NULL);
		if (ch == -1)
			break;
		switch (ch) {
		case OPT_JSON:
			c->json = true;
			break;
		case OPT_STEPS:
			if (cli_budget_parse("report", CLI_BUDGET_STEPS, optarg, &c->steps))
				return CLI_EXIT_USAGE;
			break;
		case OPT_BATCH:
			if (cli_budget_parse("report", CLI_BUDGET_BATCH, optarg, &c->batch))
				return CLI_EXIT_USAGE;
			break;
		case OPT_TRAIN:
			if (cli_budget_parse("report", CLI_BUDGET_TRAIN, optarg, &c->train_n))
				return CLI_EXIT_USAGE;
			break;
		case OPT_TEST:
			if (cli_budget_parse("report", CLI_BUDGET_TEST, optarg, &c->test_n))
				return CLI_EXIT_USAGE;
			break;
		case OPT_DATA:
			c->data = optarg;
			break;
		case OPT_NO_EVAL:
			c->eval = false;
			break;
		case OPT_NO_LAT:
			c->latency = false;
			break;
		case OPT_LAT_MS:
			if (cli_parse_float(optarg, 1.0, 3600e3, &c->latency_ms))
				return cli_usage_error("report", "--latency-ms '%s' is not a number in [1, 3600000]", optarg);
			break;
		case OPT_PNG:
			c->png = optarg;
			break;
		case OPT_THEME:
			c->theme = optarg;
			break;
		case 'h':
			fputs(report_usage, stdout);
			return -1;
		default:
			return cli_usage_error("report", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("report", "expected one bundle DIR, got %d arguments", argc - optind);
	c->dir = argv[optind];
	return 0;
}

/* Progress of one quick-eval: "<variant> train" then "<variant> test". */
struct report_watch {
	struct progress_line bar;
	char train_label[48], test_label[48];
	bool testing;
};

static void report_on_progress(const struct train_progress *p, void *user)
{
	struct report_watch *w = user;
	if (p->phase == TRAIN_PHASE_TRAIN) {
		progress_update(&w->bar, p->done, p->total,
				(double)p->done * (double)p->batch, p->loss, false);
	} else if (p->phase == TRAIN_PHASE_EVAL) {
		if (!w->testing) {
			progress_finish(&w->bar);
			progress_init(&w->bar, stderr, w->test_label, "img/s");
			w->testing = true;
		}
		progress_update(&w->bar, p->done, p->total, (double)p->done, p->loss,
				false);
	}
}

static int report_quickeval(struct net *net, const struct data_split *ds,
			    const struct report_cli *c, const char *label,
			    uint64_t seed, bool init, const uint8_t *mask,
			    struct report_variant *v)
{
	struct quickeval_options qo;
	quickeval_options_default(&qo);
	qo.steps = c->steps;
	qo.batch = (int)c->batch;
	qo.train_n = (int)c->train_n;
	qo.test_n = (int)c->test_n;
	qo.seed = seed;
	qo.init = init;
	qo.mask = mask;
	struct report_watch w = { .testing = false };
	snprintf(w.train_label, sizeof w.train_label, "%s train", label);
	snprintf(w.test_label, sizeof w.test_label, "%s test", label);
	progress_init(&w.bar, stderr, w.train_label, "img/s");
	qo.progress = report_on_progress;
	qo.user = &w;
	qo.abort = cli_sigint_catch();
	struct quickeval_result r;
	struct eng_err err;
	enum eng_status st = quickeval_run(net, ds, &qo, &r, &err);
	cli_sigint_release();
	progress_finish(&w.bar);
	if (st == ENG_STATUS_ABORTED) {
		cli_error("interrupted during the %s quick-eval", label);
		return CLI_EXIT_FAILURE;
	}
	if (st != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		return CLI_EXIT_FAILURE;
	}
	v->has_eval = true;
	v->accuracy = r.accuracy;
	v->ci_lo = r.ci_lo;
	v->ci_hi = r.ci_hi;
	v->loss = r.loss;
	v->correct = r.correct;
	v->test_n = r.test_n;
	v->steps = r.steps;
	v->eval_seconds = r.seconds;
	quickeval_result_done(&r);
	return CLI_EXIT_OK;
}

static void report_on_latency(int done, int total, void *user)
{
	progress_update(user, done, total, (double)done, -1.0, false);
}

static int report_latency(struct net *net, const uint8_t *mask,
			  enum latency_variant kind, const struct report_cli *c,
			  const char *label, struct report_variant *v)
{
	struct latency_options lo;
	latency_options_init(&lo);
	lo.max_ms = c->latency_ms;
	struct progress_line bar;
	char lab[48];
	snprintf(lab, sizeof lab, "%s latency", label);
	progress_init(&bar, stderr, lab, "runs/s");
	lo.progress = report_on_latency;
	lo.progress_user = &bar;
	struct eng_err err;
	enum eng_status st = latency_measure(net, mask, kind, &lo, &v->latency, &err);
	progress_finish(&bar);
	if (st != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		return CLI_EXIT_FAILURE;
	}
	v->has_latency = true;
	return CLI_EXIT_OK;
}

/* Everything the command holds, freed in one place. */
struct report_run {
	struct data_split ds;
	bool have_ds;
	struct net_spec spec, bspec;
	struct net *net, *bnet;
	struct group_set gs;
	struct prune_plan plan;
	bool have_plan;
	struct reconvene_result r;
	uint8_t *bmask;
};

static void report_run_done(struct report_run *x)
{
	free(x->bmask);
	reconvene_result_done(&x->r);
	if (x->have_plan)
		plan_done(&x->plan);
	groups_done(&x->gs);
	net_free(x->bnet);
	net_free(x->net);
	net_spec_done(&x->bspec);
	net_spec_done(&x->spec);
	if (x->have_ds)
		data_split_done(&x->ds);
}

static void report_print_text(const struct report_input *in, const char *dir,
			      const char *png)
{
	const struct report_info *inf = &in->info;
	printf("%s: %s at sparsity %g, seed %" PRIu64 ", tau %g; bundle %s\n",
	       inf->model, score_method_name(inf->method), inf->sparsity, inf->seed,
	       inf->tau, dir);
	if (inf->has_dataset)
		printf("dataset %s (%s), hash %016" PRIx64 "\n", inf->dataset,
		       inf->dataset_source, inf->dataset_hash);
	printf("\n%-13s %11s %11s %10s %9s  %-22s %s\n", "", "params", "nonzero",
	       "storage", "MACs", "latency ms [p10, p90]", "quick-eval accuracy [95% CI]");
	for (int v = 0; v < REPORT_VARIANT_COUNT; v++) {
		const struct report_variant *rv = &in->variant[v];
		char a[32], b[32], lat[64], acc[64];
		if (rv->has_latency)
			snprintf(lat, sizeof lat, "%.3f [%.3f, %.3f]", rv->latency.median_ms,
				 rv->latency.p10_ms, rv->latency.p90_ms);
		else
			snprintf(lat, sizeof lat, "-");
		if (rv->has_eval)
			snprintf(acc, sizeof acc, "%.2f%% [%.2f, %.2f]", 100 * rv->accuracy,
				 100 * rv->ci_lo, 100 * rv->ci_hi);
		else
			snprintf(acc, sizeof acc, "-");
		printf("%-13s %11s %11s %7.2f MB %8.1fM  %-22s %s\n",
		       report_variant_name((enum report_variant_kind)v),
		       cli_group_digits(rv->metrics.params, a, sizeof a),
		       cli_group_digits(rv->metrics.nonzero, b, sizeof b),
		       (double)rv->metrics.storage_bytes / 1e6,
		       (double)rv->metrics.macs / 1e6, lat, acc);
	}
	const struct bundle_check *vf = &in->verify;
	printf("\nverification: %s (max |logit difference| %.3g masked original vs "
	       "bundle, %.3g in-memory vs reloaded; tolerance %g)\n",
	       vf->pass ? "pass" : "FAIL", vf->max_abs_diff, vf->reload_max_abs_diff,
	       vf->tolerance);
	printf("wrote %s/report.json, %s\n", dir, png);
}

static int report_chart(const struct report_input *in, const struct report_cli *c,
			const char *png)
{
	struct render_style style;
	int rc = cli_render_style(c->theme, &style);
	if (rc != CLI_EXIT_OK)
		return rc;
	static const char *const labels[REPORT_VARIANT_COUNT] = {
		"dense", "unstructured PaI", "Reconvene (bundle)",
	};
	struct render_point pts[REPORT_VARIANT_COUNT];
	for (int v = 0; v < REPORT_VARIANT_COUNT; v++) {
		const struct report_variant *rv = &in->variant[v];
		pts[v] = (struct render_point){
			.label = labels[v],
			.latency_ms = rv->has_latency ? rv->latency.median_ms : NAN,
			.latency_lo = rv->has_latency ? rv->latency.p10_ms : NAN,
			.latency_hi = rv->has_latency ? rv->latency.p90_ms : NAN,
			.params = (double)rv->metrics.nonzero,
			.accuracy = rv->has_eval ? rv->accuracy : NAN,
			.acc_lo = rv->has_eval ? rv->ci_lo : NAN,
			.acc_hi = rv->has_eval ? rv->ci_hi : NAN,
		};
	}
	char title[160], sub[256];
	snprintf(title, sizeof title, "%s: accuracy against cost (%s, s = %g)",
		 in->info.model, score_method_name(in->info.method), in->info.sparsity);
	snprintf(sub, sizeof sub, "quick-eval: %ld steps of %ld on %s, 95%% interval; "
		 "latency: batch 1, unstructured on the CSR kernel",
		 c->steps, c->batch, in->info.has_dataset ? in->info.dataset : "-");
	struct render_tradeoff t = { .title = title, .subtitle = sub,
				     .n = REPORT_VARIANT_COUNT, .points = pts };
	struct eng_err err;
	if (render_tradeoff_write(&t, &style, png, &cli_warn, &err) != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}

int cmd_report(int argc, char **argv)
{
	struct report_cli c;
	int rc = report_parse(argc, argv, &c);
	if (rc == -1)
		return CLI_EXIT_OK;
	if (rc != 0)
		return rc;

	struct report_run x;
	memset(&x, 0, sizeof x);
	struct report_input in;
	report_input_init(&in);
	struct eng_err err;
	char path[4096], png[4096], why[1024];
	rc = CLI_EXIT_FAILURE;

	snprintf(path, sizeof path, "%s/report.json", c.dir);
	if (report_read(path, &in.info, NULL, &err) != ENG_STATUS_OK) {
		cli_error("%s (not a bundle written by 'reconvene prune --out'?)", err.msg);
		return CLI_EXIT_FAILURE;
	}
	struct reconvene_options o;
	reconvene_options_init(&o);
	report_info_to_options(&in.info, &o);
	/* The bundle's plan.json holds the counts --align auto chose on the
	 * host that measured; nothing is measured again here. */
	if (o.align == RECONVENE_ALIGN_AUTO)
		o.align = 0;
	if (c.eval || score_method_needs_data(o.method)) {
		if (cli_data_open(c.data, 0, &x.ds) != CLI_EXIT_OK)
			goto out;
		x.have_ds = true;
		in.info.has_dataset = true;
		snprintf(in.info.dataset, sizeof in.info.dataset, "%s", x.ds.name);
		snprintf(in.info.dataset_source, sizeof in.info.dataset_source, "%s",
			 x.ds.source);
		in.info.dataset_synthetic = x.ds.synthetic;
		in.info.dataset_hash = report_dataset_hash(&x.ds);
	}
	struct model_overrides ovr = {
		.classes = x.have_ds ? x.ds.train.classes : 0,
		.batch = c.eval ? (int)c.batch : 1 };
	if (model_load(in.info.model, &ovr, &x.spec, &x.net, why, sizeof why) != 0) {
		cli_error("%s", why);
		goto out;
	}
	if (groups_build(x.net, &x.gs, &err) != ENG_STATUS_OK)
		goto fail;
	snprintf(path, sizeof path, "%s/plan.json", c.dir);
	x.have_plan = true;
	if (plan_file_read(path, x.net, &x.gs, o.min_keep, &x.plan, NULL, &err) !=
	    ENG_STATUS_OK)
		goto fail;

	/* Re-run the plan: the scores, the PaI mask and the rows. */
	struct progress_line bar;
	progress_init(&bar, stderr, score_method_name(o.method), "it/s");
	o.progress = cli_score_on_progress;
	o.progress_user = &bar;
	if (model_init(in.info.model, x.net, o.seed, why, sizeof why) < 0) {
		progress_finish(&bar);
		cli_error("%s", why);
		goto out;
	}
	enum eng_status st = reconvene_run(x.net, &x.spec, x.have_ds ? &x.ds : NULL,
					   &o, &x.plan, &x.r, &err);
	progress_finish(&bar);
	if (st != ENG_STATUS_OK)
		goto fail;

	/* The bundle itself. */
	snprintf(path, sizeof path, "%s/model.cfg", c.dir);
	if (cfg_parse_file(path, &x.bspec, &err) != ENG_STATUS_OK ||
	    net_build(&x.bspec, &x.bnet, &err) != ENG_STATUS_OK)
		goto fail;
	snprintf(path, sizeof path, "%s/model.safetensors", c.dir);
	if (weights_load_full(x.bnet, path, &x.bmask, NULL, &err) != ENG_STATUS_OK)
		goto fail;
	if (bundle_verify(&x.spec, &x.r, c.dir, &in.verify, &err) !=
	    ENG_STATUS_OK)
		goto fail;

	in.net = x.net;
	in.r = &x.r;
	metrics_compute(x.net, NULL, &in.variant[REPORT_VARIANT_DENSE].metrics, NULL);
	metrics_compute(x.net, x.r.pse.mask,
			&in.variant[REPORT_VARIANT_UNSTRUCTURED].metrics, NULL);
	metrics_compute(x.bnet, x.bmask, &in.variant[REPORT_VARIANT_PRUNED].metrics,
			NULL);
	if (c.latency &&
	    (report_latency(x.net, NULL, LATENCY_VARIANT_DENSE, &c, "dense",
			    &in.variant[REPORT_VARIANT_DENSE]) != CLI_EXIT_OK ||
	     report_latency(x.net, x.r.pse.mask, LATENCY_VARIANT_SPARSE, &c,
			    "unstructured", &in.variant[REPORT_VARIANT_UNSTRUCTURED]) !=
		     CLI_EXIT_OK ||
	     report_latency(x.bnet, NULL, LATENCY_VARIANT_STRUCTURED, &c, "pruned",
			    &in.variant[REPORT_VARIANT_PRUNED]) != CLI_EXIT_OK))
		goto out;
	if (c.eval) {
		in.info.has_eval_budget = true;
		in.info.eval_steps = c.steps;
		in.info.eval_batch = (int)c.batch;
		in.info.eval_train_n = (int)(c.train_n < x.ds.train.n ? c.train_n : x.ds.train.n);
		in.info.eval_test_n = (int)(c.test_n < x.ds.test.n ? c.test_n : x.ds.test.n);
		in.info.eval_seed = o.seed;
		/* Dense and unstructured start from x.net as model_init left
		 * it (reconvene_run scores it and restores it), the weights
		 * that were scored; the pruned net from the bundle's weights. */
		if (report_quickeval(x.net, &x.ds, &c, "dense", o.seed, false, NULL,
				     &in.variant[REPORT_VARIANT_DENSE]) != CLI_EXIT_OK ||
		    report_quickeval(x.net, &x.ds, &c, "unstructured", o.seed, false,
				     x.r.pse.mask,
				     &in.variant[REPORT_VARIANT_UNSTRUCTURED]) != CLI_EXIT_OK ||
		    report_quickeval(x.bnet, &x.ds, &c, "pruned", o.seed, false,
				     x.bmask, &in.variant[REPORT_VARIANT_PRUNED]) !=
			    CLI_EXIT_OK)
			goto out;
	}

	snprintf(path, sizeof path, "%s/report.json", c.dir);
	if (report_write(path, &in, &err) != ENG_STATUS_OK)
		goto fail;
	if (c.png)
		snprintf(png, sizeof png, "%s", c.png);
	else
		snprintf(png, sizeof png, "%s/tradeoff.png", c.dir);
	if (report_chart(&in, &c, png) != CLI_EXIT_OK)
		goto out;
	if (c.json) {
		json_t *root = report_to_json(&in);
		if (!root || json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
							JSON_REAL_PRECISION(10)) != 0) {
			json_decref(root);
			cli_error("report: cannot print the JSON");
			goto out;
		}
		fputc('\n', stdout);
		json_decref(root);
	} else {
		report_print_text(&in, c.dir, png);
	}
	if (!in.verify.pass) {
		cli_error("%s: verification FAILED: max |logit difference| %.3g > %g",
			  c.dir, in.verify.max_abs_diff > in.verify.reload_max_abs_diff ?
			  in.verify.max_abs_diff : in.verify.reload_max_abs_diff,
			  in.verify.tolerance);
		goto out;
	}
	rc = CLI_EXIT_OK;
	goto out;
fail:
	cli_error("%s", err.msg);
out:
	report_run_done(&x);
	if (fflush(stdout) != 0)
		rc = CLI_EXIT_FAILURE;
	return rc;
}
