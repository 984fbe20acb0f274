#include "config.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cancel.h"
#include "cli/budget_opts.h"
#include "cli/cli.h"
#include "data/data.h"
#include "paths/model_path.h"
#include "nn/net.h"
#include "cli/progress.h"
#include "cli/numbers.h"
#include "cli/sigint.h"
#include "cli/dataset_open.h"
#include "cli/engine_progress.h"
#include "cli/warnings.h"
#include "train/train.h"
#include "io/weights.h"

/* --- reconvene train ----------------------------------------------------- */

static const char train_usage[] =
	"usage: reconvene train [MODEL] [--data DIR] [--epochs E | --steps N]\n"
	"                       [--batch B] [--lr LR] [--wd WD] [--momentum M]\n"
	"                       [--nesterov] [--schedule step|cosine|constant]\n"
	"                       [--warmup E] [--seed S] [--val N] [--augment|--no-augment]\n"
	"                       [--save FILE.safetensors] [--json]\n"
	"\n"
	"Train a model from fresh weights (Kaiming init from --seed) with SGD and\n"
	"softmax cross-entropy, then report the test accuracy and loss.\n"
	"\n"
	"MODEL is a name from the model directory (lenet5 vgg11 vgg16 vgg19\n"
	"resnet20 resnet32 resnet56 resnet18 mobilenetv2), a path to a .cfg file\n"
	"or an ONNX file (from its weights); default " DEFAULT_MODEL ".  Images are adapted to the model's input\n"
	"(28x28 padded to 32x32, grayscale copied to 3 channels) and its class\n"
	"count is set to the dataset's.\n"
	"\n"
	"  --data DIR        dataset directory: Fashion-MNIST IDX files or CIFAR-10\n"
	"                    binary batches (default $RECONVENE_DATA, else\n"
	"                    " DATA_DEFAULT_DIR "); without a dataset the\n"
	"                    synthetic set is used, with a warning\n"
	"  --epochs E        passes over the training set (default 1)\n"
	"  --steps N         train N steps instead of whole epochs\n"
	"  --batch B         samples per step (default 64)\n"
	"  --lr LR           peak learning rate (default 0.05)\n"
	"  --wd WD           weight decay (default 5e-4)\n"
	"  --momentum M      SGD momentum (default 0.9)\n"
	"  --nesterov        Nesterov momentum\n"
	"  --schedule S      step (x0.1 at 50% and 75% of the steps), cosine\n"
	"                    (default) or constant\n"
	"  --warmup E        linear learning-rate warm-up over E epochs (default 0;\n"
	"                    fractions allowed)\n"
	"  --seed S          seed for init, shuffling and augmentation (default 1)\n"
	"  --val N           hold the last N training samples out and report the\n"
	"                    accuracy on them after each epoch (default 0)\n"
	"  --augment         random crop (4-pixel padding) and horizontal flip; on\n"
	"  --no-augment      by default for CIFAR-10 only\n"
	"  --save FILE       write the trained weights (safetensors) when training\n"
	"                    completes; nothing is written if it is interrupted\n"
	"  --json            print one JSON object on stdout instead of text\n"
	"  -h, --help        show this help\n"
	"\n"
	"Progress goes to stderr.  Ctrl-C stops after the current batch (nothing is\n"
	"saved); a second Ctrl-C kills the program.\n";

enum {
	OPT_DATA = 256, OPT_EPOCHS, OPT_STEPS, OPT_BATCH, OPT_LR, OPT_WD,
	OPT_MOMENTUM, OPT_NESTEROV, OPT_SCHEDULE, OPT_WARMUP, OPT_SEED, OPT_VAL,
	OPT_AUGMENT, OPT_NO_AUGMENT, OPT_SAVE, OPT_JSON,
};

struct train_cli {
	const char *model;
	const char *data;
	const char *save;
	long epochs, steps, batch, val;
	double lr, wd, momentum, warmup;
	unsigned long long seed;
	bool nesterov, json;
	int augment;             /* -1 = dataset default, 0 off, 1 on */
	enum train_schedule schedule;
};

/* State the progress callback needs. */
struct train_watch {
	struct progress_line bar;
	struct net *net;
	const struct data_split *ds;
	const struct cancel *abort;
	long epochs_total;
	long batch;
	int eval_failed;
	struct eng_err eval_err; /* why validation failed */
	struct train_eval val;   /* last validation result */
	bool have_val;
};

static void train_on_progress(const struct train_progress *p, void *user)
{
	struct train_watch *w = user;
	if (p->phase == TRAIN_PHASE_TRAIN) {
		progress_update(&w->bar, p->done, p->total,
				(double)p->done * (double)p->batch, p->loss, false);
		return;
	}
	if (p->phase != TRAIN_PHASE_EPOCH)
		return;
	char line[256];
	int n = snprintf(line, sizeof line, "epoch %d: train loss %.4f, lr %.4g",
			 p->epoch, (double)p->loss, (double)p->lr);
	if (w->ds->val.n > 0) {
		enum eng_status st = train_evaluate(w->net, w->ds, &w->ds->val, NULL, 0,
						    (int)w->batch, NULL, NULL, w->abort,
						    &w->val, &w->eval_err);
		if (st == ENG_STATUS_OK) {
			w->have_val = true;
			snprintf(line + n, sizeof line - (size_t)n,
				 ", val accuracy %.2f%%, val loss %.4f",
				 100.0 * w->val.accuracy, (double)w->val.loss);
		} else if (st != ENG_STATUS_ABORTED) {
			w->eval_failed = 1;
		}
	}
	progress_note(&w->bar, "%s", line);
}

static int train_parse(int argc, char **argv, struct train_cli *o)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, OPT_DATA },
		{ "epochs", required_argument, NULL, OPT_EPOCHS },
		{ "steps", required_argument, NULL, OPT_STEPS },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "lr", required_argument, NULL, OPT_LR },
		{ "wd", required_argument, NULL, OPT_WD },
		{ "momentum", required_argument, NULL, OPT_MOMENTUM },
		{ "nesterov", no_argument, NULL, OPT_NESTEROV },
		{ "schedule", required_argument, NULL, OPT_SCHEDULE },
		{ "warmup", required_argument, NULL, OPT_WARMUP },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "val", required_argument, NULL, OPT_VAL },
		{ "augment", no_argument, NULL, OPT_AUGMENT },
		{ "no-augment", no_argument, NULL, OPT_NO_AUGMENT },
		{ "save", required_argument, NULL, OPT_SAVE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	*o = (struct train_cli){ .epochs = 1, .batch = 64, .lr = 0.05, .wd = 5e-4,
				 .momentum = 0.9, .seed = 1, .augment = -1,
				 .schedule = TRAIN_SCHEDULE_COSINE };
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
		case OPT_EPOCHS:
			if (cli_budget_parse("train", CLI_BUDGET_EPOCHS, optarg, &o->epochs))
				return CLI_EXIT_USAGE;
			break;
		case OPT_STEPS:
			if (cli_budget_parse("train", CLI_BUDGET_STEPS, optarg, &o->steps))
				return CLI_EXIT_USAGE;
			break;
		case OPT_BATCH:
			if (cli_budget_parse("train", CLI_BUDGET_BATCH, optarg, &o->batch))
				return CLI_EXIT_USAGE;
			break;
		case OPT_LR:
			if (cli_parse_float(optarg, 0.0, 100.0, &o->lr) || o->lr <= 0)
				return cli_usage_error("train", "--lr '%s' is not a positive number", optarg);
			break;
		case OPT_WD:
			if (cli_parse_float(optarg, 0.0, 1.0, &o->wd))
				return cli_usage_error("train", "--wd '%s' is not a number in 0..1", optarg);
			break;
		case OPT_MOMENTUM:
			if (cli_parse_float(optarg, 0.0, 0.9999, &o->momentum))
				return cli_usage_error("train", "--momentum '%s' is not a number in [0, 1)", optarg);
			break;
		case OPT_NESTEROV:
			o->nesterov = true;
			break;
		case OPT_SCHEDULE:
			if (!train_schedule_from_name(optarg, &o->schedule))
				return cli_usage_error("train", "--schedule '%s' is not step, cosine or constant", optarg);
			break;
		case OPT_WARMUP:
			if (cli_parse_float(optarg, 0.0, 100000.0, &o->warmup))
				return cli_usage_error("train", "--warmup '%s' is not a number of epochs >= 0", optarg);
			break;
		case OPT_SEED:
			if (cli_seed_take("train", optarg, &o->seed))
				return CLI_EXIT_USAGE;
			break;
		case OPT_VAL:
			if (cli_parse_long(optarg, 0, 10000000L, &o->val))
				return cli_usage_error("train", "--val '%s' is not an integer >= 0", optarg);
			break;
		case OPT_AUGMENT:
			o->augment = 1;
			break;
		case OPT_NO_AUGMENT:
			o->augment = 0;
			break;
		case OPT_SAVE:
			o->save = optarg;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case 'h':
			fputs(train_usage, stdout);
			return -1;
		default:
			return cli_usage_error("train", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("train", "expected one MODEL, got %d arguments", argc - optind);
	o->model = optind < argc ? argv[optind] : DEFAULT_MODEL;
	return 0;
}

static double train_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int train_report_json(const struct train_cli *o, const struct net *net,
			     const struct data_split *ds, const struct train_config *tc,
			     const struct train_result *tr, const struct train_watch *w,
			     const struct train_eval *test, bool aborted, double secs)
{
	json_t *root = json_pack("{s:s, s:s, s:b, s:I, s:I, s:i, s:f, s:s, s:I, s:f, s:b}",
		"model", net->name, "dataset", ds->name, "synthetic", ds->synthetic,
		"epochs", (json_int_t)tr->epochs, "steps", (json_int_t)tr->steps,
		"batch", tc->batch, "lr", (double)tc->lr,
		"schedule", train_schedule_name(tc->schedule),
		"seed", (json_int_t)o->seed, "train_loss", (double)tr->last_loss,
		"aborted", aborted);
	if (!root)
		return CLI_EXIT_FAILURE;
	if (test) {
		json_object_set_new(root, "test_accuracy", json_real(test->accuracy));
		json_object_set_new(root, "test_loss", json_real(test->loss));
		json_object_set_new(root, "test_n", json_integer(test->n));
	}
	if (w->have_val) {
		json_object_set_new(root, "val_accuracy", json_real(w->val.accuracy));
		json_object_set_new(root, "val_loss", json_real(w->val.loss));
	}
	json_object_set_new(root, "seconds", json_real(secs));
	json_object_set_new(root, "images_per_second",
			    json_real(secs > 0 ? (double)tr->steps * tc->batch / secs : 0.0));
	json_object_set_new(root, "saved", o->save && !aborted && test ?
			    json_string(o->save) : json_null());
	return cli_json_print(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

int cmd_train(int argc, char **argv)
{
	struct train_cli o;
	int rc = train_parse(argc, argv, &o);
	if (rc == -1)
		return CLI_EXIT_OK;
	if (rc != 0)
		return rc;

	struct data_split ds;
	if ((rc = cli_data_open(o.data, (int)o.val, &ds)) != CLI_EXIT_OK)
		return rc;
	struct model_overrides ovr = { .classes = ds.train.classes, .batch = (int)o.batch };
	struct net_spec spec;
	struct net *net;
	char why[1024];
	if (model_open(o.model, &ovr, o.seed, &spec, &net, why, sizeof why) != 0) {
		cli_error("%s", why);
		data_split_done(&ds);
		return CLI_EXIT_FAILURE;
	}
	cli_print_warnings(&spec);

	struct train_config tc;
	train_config_default(&tc);
	tc.epochs = (int)o.epochs;
	tc.steps = o.steps;
	tc.batch = (int)o.batch;
	tc.lr = (float)o.lr;
	tc.momentum = (float)o.momentum;
	tc.weight_decay = (float)o.wd;
	tc.nesterov = o.nesterov;
	tc.schedule = o.schedule;
	tc.seed = o.seed;
	tc.augment = train_augment_default(&ds);
	if (o.augment >= 0)
		tc.augment.crop = tc.augment.flip = o.augment == 1;
	long per_epoch = train_steps_per_epoch(ds.train.n, tc.batch);
	tc.warmup_steps = (long)(o.warmup * (double)per_epoch + 0.5);
	long total = tc.steps > 0 ? tc.steps : tc.epochs * per_epoch;

	struct train_watch w = { .net = net, .ds = &ds, .epochs_total = o.epochs,
				 .batch = o.batch };
	progress_init(&w.bar, stderr, "train", "img/s");
	tc.progress = train_on_progress;
	tc.user = &w;
	tc.abort = w.abort = cli_sigint_catch();
	fprintf(stderr,
		"train: %s on %s (%d train, %d val, %d test), %ld steps of %d (%.4g "
		"epochs), lr %g %s, seed %llu%s\n",
		net->name, ds.name, ds.train.n, ds.val.n, ds.test.n, total, tc.batch,
		per_epoch ? (double)total / (double)per_epoch : 0.0, (double)tc.lr,
		train_schedule_name(tc.schedule), o.seed,
		tc.augment.crop || tc.augment.flip ? ", crop+flip" : "");

	double t0 = train_clock();
	struct train_result tr;
	struct eng_err err;
	enum eng_status st = train_run(net, &ds, &tc, &tr, &err);
	double secs = train_clock() - t0;
	progress_finish(&w.bar);
	struct train_eval test;
	bool have_test = false, aborted = st == ENG_STATUS_ABORTED;
	if (st == ENG_STATUS_OK && ds.val.n > 0 && per_epoch > 0 &&
	    tr.steps % per_epoch != 0) {
		/* --steps ended inside a pass: validate the final weights too. */
		st = train_evaluate(net, &ds, &ds.val, NULL, 0, tc.batch, NULL, NULL,
				    tc.abort, &w.val, &err);
		w.have_val = st == ENG_STATUS_OK;
		if (w.have_val)
			fprintf(stderr, "val accuracy %.2f%%, val loss %.4f\n",
				100.0 * w.val.accuracy, (double)w.val.loss);
	}
	if (st == ENG_STATUS_OK && !w.eval_failed) {
		struct progress_line ebar;
		progress_init(&ebar, stderr, "test", "img/s");
		st = train_evaluate(net, &ds, &ds.test, NULL, 0, tc.batch,
				    cli_eval_on_progress, &ebar, tc.abort, &test, &err);
		progress_finish(&ebar);
		aborted = st == ENG_STATUS_ABORTED;
		have_test = st == ENG_STATUS_OK;
	}
	cli_sigint_release();
	if (aborted) {
		fprintf(stderr, "reconvene: interrupted after %ld of %ld steps (last loss "
			"%.4f); nothing saved\n", tr.steps, total, (double)tr.last_loss);
		rc = CLI_EXIT_FAILURE;
	} else if (st != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		rc = CLI_EXIT_FAILURE;
	} else if (w.eval_failed) {
		cli_error("%s", w.eval_err.msg);
		rc = CLI_EXIT_FAILURE;
	}
	if (rc == CLI_EXIT_OK && o.save) {
		struct weights_meta meta = { 0 };
		char num[64];
		weights_meta_set(&meta, "model", net->name);
		weights_meta_set(&meta, "dataset", ds.name);
		snprintf(num, sizeof num, "%llu", o.seed);
		weights_meta_set(&meta, "seed", num);
		snprintf(num, sizeof num, "%ld", tr.steps);
		weights_meta_set(&meta, "steps", num);
		snprintf(num, sizeof num, "%.4f", (double)test.accuracy);
		weights_meta_set(&meta, "test_accuracy", num);
		if (weights_save(net, o.save, &meta, &err) != ENG_STATUS_OK) {
			cli_error("%s", err.msg);
			rc = CLI_EXIT_FAILURE;
		}
	}
	if (rc == CLI_EXIT_OK || aborted) {
		if (o.json) {
			if (train_report_json(&o, net, &ds, &tc, &tr, &w,
					      have_test ? &test : NULL, aborted,
					      secs) != CLI_EXIT_OK)
				rc = CLI_EXIT_FAILURE;
		} else if (have_test) {
			printf("%s on %s: test accuracy %.2f%% (%d/%d), test loss %.4f\n",
			       net->name, ds.name, 100.0 * test.accuracy, test.correct,
			       test.n, (double)test.loss);
			printf("%ld steps (%.3g epochs) in %.1f s, %.0f img/s, last train loss %.4f%s%s\n",
			       tr.steps, per_epoch ? (double)tr.steps / (double)per_epoch : 0.0, secs,
			       secs > 0 ? (double)tr.steps * tc.batch / secs : 0.0,
			       (double)tr.last_loss, o.save ? "; saved " : "",
			       o.save ? o.save : "");
		}
	}
	net_free(net);
	net_spec_done(&spec);
	data_split_done(&ds);
	if (fflush(stdout) != 0)
		rc = CLI_EXIT_FAILURE;
	return rc;
}
