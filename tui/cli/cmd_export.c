/* cmd_export.c: `reconvene export`: a model or a pruned bundle as an ONNX
 * file (io/onnx_export.h), for ONNX Runtime and other runtimes. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/model_weights.h"
#include "cli/numbers.h"
#include "cli/warnings.h"
#include "io/onnx_export.h"
#include "nn/net.h"
#include "paths/model_path.h"

static const char export_usage[] =
	"usage: reconvene export [MODEL] --onnx FILE [--fold-bn]\n"
	"                        [--weights FILE] [--seed S]\n"
	"\n"
	"Write MODEL as an ONNX model (opset 13) that ONNX Runtime and other\n"
	"runtimes load: input 'input' (N, C, H, W) float32 with any N, output\n"
	"'logits' (N, classes).  A pruned bundle exports with its physically\n"
	"smaller shapes, its masked weights as zeros.  'reconvene prune --out\n"
	"DIR' writes DIR/model.onnx itself; this command exports any model, or\n"
	"a bundle again with other options.\n"
	"\n"
	"MODEL is a name from the model directory, a path to a .cfg or .onnx\n"
	"file, or a pruned bundle directory written by 'reconvene prune --out\n"
	"DIR'; default " DEFAULT_MODEL ".\n"
	"\n"
	"Weights, the first that applies: --weights FILE; a bundle's own\n"
	"DIR/model.safetensors; else the model's initial weights: an ONNX\n"
	"file's own, or the seeded initialisation (--seed).\n"
	"The weights file's metadata (model, method, sparsity, ...) is copied\n"
	"into the ONNX file's metadata_props, with 'source' and 'weights'.\n"
	"\n"
	"  --onnx FILE     the ONNX file to write (atomically)\n"
	"  --fold-bn       fold each batch norm into the conv before it (as\n"
	"                  torch.onnx.export does in eval mode): fewer nodes,\n"
	"                  the same logits up to float rounding; without it the\n"
	"                  graph keeps BatchNormalization nodes (and trains on)\n"
	"  --weights FILE  weights to export (safetensors)\n"
	"  --seed S        seed of the initialisation when there are no saved\n"
	"                  weights (default 1)\n"
	"  -h, --help      show this help\n";

enum { OPT_ONNX = 256, OPT_FOLD_BN, OPT_WEIGHTS, OPT_SEED };

struct export_cli {
	const char *model, *onnx, *weights;
	unsigned long long seed;
	bool fold_bn;
};

static int export_parse(int argc, char **argv, struct export_cli *o)
{
	static const struct option opts[] = {
		{ "onnx", required_argument, NULL, OPT_ONNX },
		{ "fold-bn", no_argument, NULL, OPT_FOLD_BN },
		{ "weights", required_argument, NULL, OPT_WEIGHTS },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	*o = (struct export_cli){ .seed = 1 };
	optind = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, "h", opts, NULL);
		if (c == -1)
			break;
		switch (c) {
		case OPT_ONNX:
			o->onnx = optarg;
			break;
		case OPT_FOLD_BN:
			o->fold_bn = true;
			break;
		case OPT_WEIGHTS:
			o->weights = optarg;
			break;
		case OPT_SEED:
			if (cli_seed_take("export", optarg, &o->seed))
				return CLI_EXIT_USAGE;
			break;
		case 'h':
			fputs(export_usage, stdout);
			return -1;
		default:
			return cli_usage_error("export", "unknown or incomplete option '%s'",
					       argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("export", "expected one MODEL, got %d arguments",
				       argc - optind);
	if (!o->onnx)
		return cli_usage_error("export", "--onnx FILE is required");
	o->model = optind < argc ? argv[optind] : DEFAULT_MODEL;
	return 0;
}

int cmd_export(int argc, char **argv)
{
	struct export_cli o;
	int rc = export_parse(argc, argv, &o);
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
	struct weights_meta wm;
	rc = cli_model_weights(net, o.model, o.weights, o.seed, &wm, from, sizeof from);
	if (rc == CLI_EXIT_OK) {
		struct onnx_meta meta[WEIGHTS_META_MAX + 2];
		int n = 0;
		for (int i = 0; i < wm.n; i++)
			meta[n++] = (struct onnx_meta){ wm.key[i], wm.value[i] };
		meta[n++] = (struct onnx_meta){ "source", o.model };
		meta[n++] = (struct onnx_meta){ "weights", from };
		struct onnx_export_options eo = { .fold_bn = o.fold_bn, .meta = meta,
						  .n_meta = n,
						  .producer_version = PACKAGE_VERSION };
		struct eng_err err;
		if (onnx_export(net, &eo, o.onnx, &err) != ENG_STATUS_OK) {
			cli_error("%s", err.msg);
			rc = CLI_EXIT_FAILURE;
		}
	}
	if (rc == CLI_EXIT_OK) {
		struct stat sb;
		char p[32];
		long long bytes = stat(o.onnx, &sb) == 0 ? (long long)sb.st_size : -1;
		printf("%s (weights: %s) -> %s: opset %d, %s params, %lld bytes%s\n",
		       net->name, from, o.onnx, ONNX_EXPORT_OPSET,
		       cli_group_digits(net_param_count(net), p, sizeof p), bytes,
		       o.fold_bn ? ", batch norms folded" : "");
	}
	net_free(net);
	net_spec_done(&spec);
	if (fflush(stdout) != 0)
		rc = CLI_EXIT_FAILURE;
	return rc;
}
