#include "config.h"

#include <stdio.h>
#include <string.h>

#include "base/fileio.h"
#include "cli/cli.h"
#include "cli/warnings.h"
#include "io/cfg.h"
#include "io/onnx_import.h"
#include "io/weights.h"
#include "nn/net.h"

static const char import_usage[] =
	"usage: reconvene import FILE.onnx --out DIR\n"
	"\n"
	"Import an ONNX model and write DIR/model.cfg and DIR/model.safetensors\n"
	"(its structure and its weights, BN statistics included), which every\n"
	"command reads like a shipped model: 'reconvene info DIR/model.cfg',\n"
	"'reconvene eval DIR/model.cfg --weights DIR/model.safetensors'.  DIR is\n"
	"created if missing; each file is written atomically.  Commands also\n"
	"take FILE.onnx itself wherever they take a MODEL, and start from its\n"
	"weights.\n"
	"\n"
	"The model must be a single-input CNN classifier (N x C x H x W in,\n"
	"logits out) built from Conv, BatchNormalization, Relu, Clip (ReLU6),\n"
	"MaxPool, AveragePool, GlobalAveragePool, Flatten (or a Reshape to\n"
	"[N, -1]), Gemm or MatMul, Add, Identity and Dropout, opset 1 to 21, with\n"
	"its weights inside the file.  From PyTorch, in eval mode:\n"
	"  torch.onnx.export(model, x, \"m.onnx\",\n"
	"                    training=torch.onnx.TrainingMode.PRESERVE)\n"
	"keeps BatchNormalization as its own layer (see docs/onnx.md).\n"
	"\n"
	"  --out DIR   output directory (required)\n"
	"  -h, --help  show this help\n";

int cmd_import(int argc, char **argv)
{
	const char *file = NULL, *out = NULL;
	static const struct cli_valued valued[] = { { "--out", 0 } };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(import_usage, stdout);
			return CLI_EXIT_OK;
		}
		int rc = cli_valued_take("import", valued, 1, &out, argc, argv, &i);
		if (rc == CLI_EXIT_USAGE)
			return rc;
		if (rc)
			continue;
		if (a[0] == '-' && a[1])
			return cli_usage_error("import", "unknown option '%s'", a);
		if (file)
			return cli_usage_error("import", "one ONNX file at a time ('%s' and '%s')",
					       file, a);
		file = a;
	}
	if (!file)
		return cli_usage_error("import", "an ONNX file is required");
	if (!out)
		return cli_usage_error("import", "--out DIR is required");

	struct net_spec spec;
	struct net *net;
	struct eng_err err;
	struct onnx_import_opts o = { .warn = &cli_warn };
	if (onnx_import_file(file, &o, &spec, &net, &err) != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		return CLI_EXIT_FAILURE;
	}
	int rc = CLI_EXIT_FAILURE;
	char cfg[4096], st[4096];
	if (snprintf(cfg, sizeof cfg, "%s/model.cfg", out) >= (int)sizeof cfg ||
	    snprintf(st, sizeof st, "%s/model.safetensors", out) >= (int)sizeof st) {
		cli_error("%s: path too long", out);
		goto done;
	}
	struct weights_meta meta = { 0 };
	const char *base = strrchr(file, '/');
	weights_meta_set(&meta, "model", spec.name);
	weights_meta_set(&meta, "source", base ? base + 1 : file);
	if (fileio_mkdirs(out, 0755, &err) != ENG_STATUS_OK ||
	    weights_save(net, st, &meta, &err) != ENG_STATUS_OK ||
	    cfg_write_file(cfg, &spec, &err) != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		goto done;
	}
	char p[32], m[32];
	printf("%s: %d layers, %s params, %s MACs per sample, input %dx%dx%d, "
	       "%d classes\nwrote %s and %s\n", file, net->n_layers,
	       cli_group_digits(net_param_count(net), p, sizeof p),
	       cli_group_digits(net_macs(net), m, sizeof m), spec.input.c,
	       spec.input.h, spec.input.w, spec.classes, cfg, st);
	rc = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
done:
	net_free(net);
	net_spec_done(&spec);
	return rc;
}
