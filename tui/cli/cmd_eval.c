#include "config.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/budget_opts.h"
#include "cli/cli.h"
#include "data/data.h"
#include "paths/model_path.h"
#include "nn/net.h"
#include "cli/progress.h"
#include "cli/numbers.h"
#include "cli/sigint.h"
#include "cli/dataset_open.h"
#include "cli/warnings.h"
#include "train/quickeval.h"
#include "io/weights.h"

#define EVAL_STR2(x) #x
#define EVAL_STR(x) EVAL_STR2(x)

static const char eval_usage[] =
	"usage: reconvene eval [MODEL] [--data DIR] [--weights FILE] [--steps N]\n"
	"                      [--batch B] [--lr LR] [--train N] [--test N]\n"
	"                      [--seed S] [--json]\n"
	"\n"
	"Quick-eval: train the model for a short, fixed budget, then measure its\n"
	"accuracy on a fixed slice of the test set, with a 95% Wilson confidence\n"
	"interval.  This is the figure the explorer shows for a plan; it ranks\n"
	"models and plans, it is not their fully trained accuracy.\n"
	"\n"
	"MODEL is a name from the model directory, a path to a .cfg file or an\n"
	"ONNX file; default " DEFAULT_MODEL ".  Training starts from fresh weights\n"
	"(seeded), an ONNX file's own, or those --weights gives (safetensors).\n"
	"\n"
	"  --data DIR      dataset directory (default $RECONVENE_DATA, else\n"
	"                  " DATA_DEFAULT_DIR "); without a dataset\n"
	"                  the synthetic set is used, with a warning\n"
	"  --weights FILE  start from these weights (safetensors); weight masks\n"
	"                  in the file (<layer>.weight_mask) stay applied, so\n"
	"                  pruned weights remain zero while training\n"
	"  --steps N       SGD steps (default " EVAL_STR(QUICKEVAL_DEFAULT_STEPS) ")\n"
	"  --batch B       samples per step (default " EVAL_STR(QUICKEVAL_DEFAULT_BATCH) ")\n"
	"  --lr LR         peak learning rate, cosine schedule after a 5-step\n"
	"                  warm-up (default 0.1)\n"
	"  --train N       training subset: N samples, the same for every seed\n"
	"                  (default " EVAL_STR(QUICKEVAL_DEFAULT_TRAIN_N) ")\n"
	"  --test N        evaluate on the first N test samples (default "
	EVAL_STR(QUICKEVAL_DEFAULT_TEST_N) ")\n"
	"  --seed S        seed for init, order and augmentation (default 1); the\n"
	"                  same seed gives the same result on the same machine\n"
	"  --json          print {\"accuracy\", \"ci95\", \"loss\", \"steps\", \"seconds\",\n"
	"                  ...} on stdout instead of text\n"
	"  -h, --help      show this help\n"
	"\n"
	"Progress goes to stderr.  Ctrl-C stops after the current batch.\n";

enum {
	OPT_DATA = 256, OPT_WEIGHTS, OPT_STEPS, OPT_BATCH, OPT_LR, OPT_TRAIN,
	OPT_TEST, OPT_SEED, OPT_JSON,
};

struct eval_cli {
	const char *model, *data, *weights;
	long steps, batch, train_n, test_n;
	double lr;
	unsigned long long seed;
	bool json;
};

static int eval_parse(int argc, char **argv, struct eval_cli *o)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, OPT_DATA },
		{ "weights", required_argument, NULL, OPT_WEIGHTS },
		{ "steps", required_argument, NULL, OPT_STEPS },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "lr", required_argument, NULL, OPT_LR },
		{ "train", required_argument, NULL, OPT_TRAIN },
		{ "test", required_argument, NULL, OPT_TEST },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	*o = (struct eval_cli){ .steps = QUICKEVAL_DEFAULT_STEPS,
				.batch = QUICKEVAL_DEFAULT_BATCH,
				.train_n = QUICKEVAL_DEFAULT_TRAIN_N,
				.test_n = QUICKEVAL_DEFAULT_TEST_N,
				.lr = 0.1, .seed = 1 };
	optind = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, "h", opts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case OPT_DATA:
			o->data = optarg;
			break;
		case OPT_WEIGHTS:
			o->weights = optarg;
			break;
		case OPT_STEPS:
			if (cli_budget_parse("eval", CLI_BUDGET_STEPS, optarg, &o->steps))
				return CLI_EXIT_USAGE;
			break;
		case OPT_BATCH:
			if (cli_budget_parse("eval", CLI_BUDGET_BATCH, optarg, &o->batch))
				return CLI_EXIT_USAGE;
			break;
		case OPT_LR:
			if (cli_parse_float(optarg, 0.0, 100.0, &o->lr) || o->lr <= 0)
				return cli_usage_error("eval", "--lr '%s' is not a positive number", optarg);
			break;
		case OPT_TRAIN:
			if (cli_budget_parse("eval", CLI_BUDGET_TRAIN, optarg, &o->train_n))
				return CLI_EXIT_USAGE;
			break;
		case OPT_TEST:
			if (cli_budget_parse("eval", CLI_BUDGET_TEST, optarg, &o->test_n))
				return CLI_EXIT_USAGE;
			break;
		case OPT_SEED:
			if (cli_seed_take("eval", optarg, &o->seed))
				return CLI_EXIT_USAGE;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case 'h':
			fputs(eval_usage, stdout);
			return -1;
		default:
			return cli_usage_error("eval", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("eval", "expected one MODEL, got %d arguments", argc - optind);
	o->model = optind < argc ? argv[optind] : DEFAULT_MODEL;
	return 0;
}

struct eval_watch {
	struct progress_line train, test;
	bool testing;
};

static void eval_on_progress(const struct train_progress *p, void *user)
{
	struct eval_watch *w = user;
	if (p->phase == TRAIN_PHASE_TRAIN) {
		progress_update(&w->train, p->done, p->total,
				(double)p->done * (double)p->batch, p->loss, false);
	} else if (p->phase == TRAIN_PHASE_EVAL) {
		if (!w->testing) {
			progress_finish(&w->train);
			progress_init(&w->test, stderr, "test", "img/s");
			w->testing = true;
		}
		progress_update(&w->test, p->done, p->total, (double)p->done, p->loss,
				false);
	}
}

static int eval_report_json(const struct net *net, const struct data_split *ds,
			    const struct eval_cli *o,
			    const struct quickeval_result *r)
{
	json_t *curve = json_array();
	for (long i = 0; i < r->curve_len; i++)
		json_array_append_new(curve, json_real(r->curve[i]));
	json_t *root = json_pack(
		"{s:f, s:[f, f], s:f, s:I, s:f, s:i, s:i, s:s, s:s, s:b, s:I, s:i, s:o}",
		"accuracy", (double)r->accuracy, "ci95", (double)r->ci_lo,
		(double)r->ci_hi, "loss", (double)r->loss, "steps", (json_int_t)r->steps,
		"seconds", r->seconds, "correct", r->correct, "test_n", r->test_n,
		"model", net->name, "dataset", ds->name, "synthetic", ds->synthetic,
		"seed", (json_int_t)o->seed, "batch", (int)o->batch, "curve", curve);
	if (!root) {
		cli_error("eval: cannot build the JSON output");
		return CLI_EXIT_FAILURE;
	}
	return cli_json_print(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

int cmd_eval(int argc, char **argv)
{
	struct eval_cli o;
	int rc = eval_parse(argc, argv, &o);
	if (rc == -1)
		return CLI_EXIT_OK;
	if (rc != 0)
		return rc;

	struct data_split ds;
	if ((rc = cli_data_open(o.data, 0, &ds)) != CLI_EXIT_OK)
		return rc;
	struct model_overrides ovr = { .classes = ds.train.classes, .batch = (int)o.batch };
	struct net_spec spec;
	struct net *net;
	char why[1024];
	/* The initial weights (net_init(seed), or an ONNX file's own) are
	 * what quick-eval trains, unless --weights replaces them. */
	if (model_open(o.model, &ovr, o.seed, &spec, &net, why, sizeof why) != 0) {
		cli_error("%s", why);
		data_split_done(&ds);
		return CLI_EXIT_FAILURE;
	}
	cli_print_warnings(&spec);
	struct eng_err err;
	uint8_t *masks = NULL;
	struct quickeval_options qo;
	quickeval_options_default(&qo);
	qo.steps = o.steps;
	qo.batch = (int)o.batch;
	qo.train_n = (int)o.train_n;
	qo.test_n = (int)o.test_n;
	qo.lr = (float)o.lr;
	qo.seed = o.seed;
	qo.init = false;
	if (o.weights) {
		if (weights_load_full(net, o.weights, &masks, NULL, &err) !=
		    ENG_STATUS_OK) {
			cli_error("%s", err.msg);
			net_free(net);
			net_spec_done(&spec);
			data_split_done(&ds);
			return CLI_EXIT_FAILURE;
		}
		qo.init = false;
		qo.mask = masks; /* a pruned file's masks stay applied */
	}
	struct eval_watch w = { .testing = false };
	progress_init(&w.train, stderr, "train", "img/s");
	qo.progress = eval_on_progress;
	qo.user = &w;
	qo.abort = cli_sigint_catch();
	fprintf(stderr, "eval: %s on %s, %ld steps of %ld from %s (%d train samples), "
		"test on %d, seed %llu\n", net->name, ds.name, o.steps, o.batch,
		o.weights ? o.weights : "fresh weights",
		o.train_n < ds.train.n ? (int)o.train_n : ds.train.n,
		o.test_n < ds.test.n ? (int)o.test_n : ds.test.n, o.seed);
	struct quickeval_result r;
	enum eng_status st = quickeval_run(net, &ds, &qo, &r, &err);
	cli_sigint_release();
	progress_finish(w.testing ? &w.test : &w.train);
	if (st == ENG_STATUS_ABORTED) {
		fprintf(stderr, "reconvene: interrupted after %ld of %ld steps\n",
			r.steps, o.steps);
		rc = CLI_EXIT_FAILURE;
	} else if (st != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		rc = CLI_EXIT_FAILURE;
	} else if (o.json) {
		rc = eval_report_json(net, &ds, &o, &r);
	} else {
		printf("%s on %s: accuracy %.2f%% (95%% CI %.2f-%.2f%%, %d/%d), test loss "
		       "%.4f\n", net->name, ds.name, 100.0 * r.accuracy, 100.0 * r.ci_lo,
		       100.0 * r.ci_hi, r.correct, r.test_n, (double)r.loss);
		printf("%ld steps of %ld in %.1f s, final train loss %.4f\n", r.steps,
		       o.batch, r.seconds,
		       r.curve_len ? (double)r.curve[r.curve_len - 1] : 0.0);
	}
	quickeval_result_done(&r);
	free(masks);
	net_free(net);
	net_spec_done(&spec);
	data_split_done(&ds);
	if (fflush(stdout) != 0)
		rc = CLI_EXIT_FAILURE;
	return rc;
}
