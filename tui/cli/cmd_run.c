/* cmd_run.c: `reconvene run`: one eval-mode forward pass of a model on a
 * float32 .npy array, the logits written as .npy or summarised. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/budget_opts.h"
#include "cli/cli.h"
#include "cli/model_weights.h"
#include "cli/numbers.h"
#include "cli/warnings.h"
#include "io/npy.h"
#include "io/weights.h"
#include "nn/net.h"
#include "nn/net_infer.h"
#include "paths/model_path.h"

#define RUN_STR2(x) #x
#define RUN_STR(x) RUN_STR2(x)
#define RUN_DEFAULT_BATCH 64
#define RUN_SUMMARY_ROWS 16

static const char run_usage[] =
	"usage: reconvene run [MODEL] --input X.npy [--output Y.npy]\n"
	"                     [--weights FILE] [--seed S] [--batch B]\n"
	"\n"
	"One forward pass of MODEL in eval mode (batch norm uses its running\n"
	"statistics) on the float32 NCHW array in X.npy, shape (N, C, H, W) with\n"
	"any N and C x H x W the model's input; the result is the logits,\n"
	"float32 (N, classes).  This is how to check a model against another\n"
	"framework: feed both the same array and compare the logits.\n"
	"\n"
	"MODEL is a name from the model directory, a path to a .cfg or .onnx\n"
	"file, or a pruned bundle directory written by 'reconvene prune --out\n"
	"DIR'; default " DEFAULT_MODEL ".\n"
	"\n"
	"Weights, the first that applies: --weights FILE; a bundle's own\n"
	"DIR/model.safetensors; else the model's initial weights: an ONNX\n"
	"file's own, or the seeded initialisation (--seed) that 'reconvene\n"
	"train --seed S' starts from.  Weight masks in the file\n"
	"(<layer>.weight_mask) are applied: pruned weights are zero.\n"
	"\n"
	"  --input X.npy   the input array (float32, C order; np.save writes it)\n"
	"  --output Y.npy  write the logits there (float32 (N, classes)); without\n"
	"                  it, print the shape and, for up to "
	RUN_STR(RUN_SUMMARY_ROWS) " rows, each row's\n"
	"                  argmax and largest logit\n"
	"  --weights FILE  weights to use (safetensors, as 'train --save' and\n"
	"                  bundles write them)\n"
	"  --seed S        seed of the initialisation when there are no saved\n"
	"                  weights (default 1)\n"
	"  --batch B       samples per forward pass (default "
	RUN_STR(RUN_DEFAULT_BATCH) "): memory only,\n"
	"                  the logits do not depend on it\n"
	"  -h, --help      show this help\n";

enum { OPT_INPUT = 256, OPT_OUTPUT, OPT_WEIGHTS, OPT_SEED, OPT_BATCH };

struct run_cli {
	const char *model, *input, *output, *weights;
	unsigned long long seed;
	long batch;
};

static int run_parse(int argc, char **argv, struct run_cli *o)
{
	static const struct option opts[] = {
		{ "input", required_argument, NULL, OPT_INPUT },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "weights", required_argument, NULL, OPT_WEIGHTS },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	*o = (struct run_cli){ .seed = 1, .batch = RUN_DEFAULT_BATCH };
	optind = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, "h", opts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case OPT_INPUT:
			o->input = optarg;
			break;
		case OPT_OUTPUT:
			o->output = optarg;
			break;
		case OPT_WEIGHTS:
			o->weights = optarg;
			break;
		case OPT_SEED:
			if (cli_seed_take("run", optarg, &o->seed))
				return CLI_EXIT_USAGE;
			break;
		case OPT_BATCH:
			if (cli_budget_parse("run", CLI_BUDGET_BATCH, optarg, &o->batch))
				return CLI_EXIT_USAGE;
			break;
		case 'h':
			fputs(run_usage, stdout);
			return -1;
		default:
			return cli_usage_error("run", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("run", "expected one MODEL, got %d arguments", argc - optind);
	if (!o->input)
		return cli_usage_error("run", "--input X.npy is required");
	o->model = optind < argc ? argv[optind] : DEFAULT_MODEL;
	return 0;
}

/* X.npy must be float32 (N, C, H, W) with the net's C x H x W. */
static int run_input_check(const struct npy_array *x, const struct net *net,
			   const char *path)
{
	struct shape in = net->input;
	if (x->dtype == NPY_DTYPE_F32 && x->rank == 4 && x->dims[1] == (size_t)in.c &&
	    x->dims[2] == (size_t)in.h && x->dims[3] == (size_t)in.w)
		return CLI_EXIT_OK;
	char got[NPY_SHAPE_TEXT_MAX];
	cli_error("%s: float32 (N, %d, %d, %d) expected (NCHW, the input of %s), "
		  "not %s %s", path, in.c, in.h, in.w, net->name,
		  npy_dtype_name(x->dtype), npy_shape_text(x->rank, x->dims, got, sizeof got));
	return CLI_EXIT_FAILURE;
}

static void run_summary(const struct net *net, const struct npy_array *x,
			const float *logits, size_t classes, const char *from)
{
	char in[NPY_SHAPE_TEXT_MAX], out[NPY_SHAPE_TEXT_MAX];
	size_t dims[2] = { x->dims[0], classes };
	printf("%s (weights: %s): input %s -> logits %s\n", net->name, from,
	       npy_shape_text(x->rank, x->dims, in, sizeof in),
	       npy_shape_text(2, dims, out, sizeof out));
	size_t rows = x->dims[0] < RUN_SUMMARY_ROWS ? x->dims[0] : RUN_SUMMARY_ROWS;
	for (size_t i = 0; i < rows && classes > 0; i++) {
		const float *row = logits + i * classes;
		size_t best = 0;
		for (size_t k = 1; k < classes; k++)
			if (row[k] > row[best])
				best = k;
		printf("  %zu: argmax %zu (logit %.6g)\n", i, best, (double)row[best]);
	}
	if (rows < x->dims[0])
		printf("  ... %zu more rows (--output Y.npy writes them all)\n",
		       x->dims[0] - rows);
}

int cmd_run(int argc, char **argv)
{
	struct run_cli o;
	int rc = run_parse(argc, argv, &o);
	if (rc == -1)
		return CLI_EXIT_OK;
	if (rc != 0)
		return rc;

	struct net_spec spec;
	struct net *net;
	char why[1024], from[4200];
	if (model_load(o.model, NULL, &spec, &net, why, sizeof why) != 0) {
		cli_error("%s", why);
		return CLI_EXIT_FAILURE;
	}
	cli_print_warnings(&spec);
	struct npy_array x = { 0 };
	float *logits = NULL;
	struct eng_err err;
	rc = cli_model_weights(net, o.model, o.weights, o.seed, NULL, from, sizeof from);
	if (rc == CLI_EXIT_OK && npy_read(o.input, NPY_READ_MAX, &x, &err) != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		rc = CLI_EXIT_FAILURE;
	}
	if (rc == CLI_EXIT_OK)
		rc = run_input_check(&x, net, o.input);
	size_t n = x.dims[0];
	size_t classes = shape_size(net->layers[net->n_layers - 1].out);
	if (rc == CLI_EXIT_OK) {
		logits = malloc(n * classes * sizeof *logits + 1);
		if (!logits) {
			cli_error("%s: out of memory for (%zu, %zu) logits", o.input, n, classes);
			rc = CLI_EXIT_FAILURE;
		} else if (net_infer(net, x.data, n, (int)o.batch, logits, &err) !=
			   ENG_STATUS_OK) {
			cli_error("%s", err.msg);
			rc = CLI_EXIT_FAILURE;
		}
	}
	if (rc == CLI_EXIT_OK && o.output) {
		size_t dims[2] = { n, classes };
		char shape[NPY_SHAPE_TEXT_MAX];
		if (npy_write(o.output, NPY_DTYPE_F32, 2, dims, logits, &err) != ENG_STATUS_OK) {
			cli_error("%s", err.msg);
			rc = CLI_EXIT_FAILURE;
		} else {
			printf("%s (weights: %s): logits %s -> %s\n", net->name, from,
			       npy_shape_text(2, dims, shape, sizeof shape), o.output);
		}
	} else if (rc == CLI_EXIT_OK) {
		run_summary(net, &x, logits, classes, from);
	}
	free(logits);
	npy_array_done(&x);
	net_free(net);
	net_spec_done(&spec);
	if (fflush(stdout) != 0)
		rc = CLI_EXIT_FAILURE;
	return rc;
}
