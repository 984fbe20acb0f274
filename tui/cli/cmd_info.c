#include "config.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/warnings.h"
#include "paths/model_path.h"
#include "nn/net.h"

static const char info_usage[] =
	"usage: reconvene info [MODEL] [--input CxHxW] [--classes N] [--json]\n"
	"\n"
	"Print every layer of a model: name, kind, input and output shape,\n"
	"parameters and MACs (multiply-adds of conv and linear layers; 1 MAC =\n"
	"2 FLOPs), then the totals.\n"
	"\n"
	"MODEL is a name from the model directory (lenet5 vgg11 vgg16 vgg19\n"
	"resnet20 resnet32 resnet56 resnet18 mobilenetv2), a path to a .cfg file\n"
	"or an ONNX file (FILE.onnx, docs/onnx.md); default " DEFAULT_MODEL ".\n"
	"\n"
	"  --input CxHxW  override the model's input shape (e.g. 3x64x64)\n"
	"  --classes N    override the number of classes\n"
	"  --json         print one JSON object instead of a table\n"
	"  -h, --help     show this help\n";

static void shape_str(struct shape s, char *buf, size_t len)
{
	snprintf(buf, len, "%dx%dx%d", s.c, s.h, s.w);
}

static json_t *shape_json(struct shape s)
{
	return json_pack("[iii]", s.c, s.h, s.w);
}

static void info_print_table(const struct net *net)
{
	char in[32], out[32], p[32], m[32];
	printf("%s: input %dx%dx%d, %d classes, %d layers\n\n", net->name,
	       net->input.c, net->input.h, net->input.w, net->classes, net->n_layers);
	printf("%4s  %-24s %-8s %-12s %-12s %12s %14s\n", "#", "layer", "kind",
	       "input", "output", "params", "MACs");
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		shape_str(net_layer_input_shape(net, i, 0), in, sizeof in);
		shape_str(l->out, out, sizeof out);
		printf("%4d  %-24s %-8s %-12s %-12s %12s %14s\n", i, l->name,
		       l->ops->name, in, out,
		       cli_group_digits(layer_param_count(l), p, sizeof p),
		       cli_group_digits(l->ops->macs(l), m, sizeof m));
	}
	size_t params = net_param_count(net);
	uint64_t macs = net_macs(net);
	printf("\ntotal: %s params (%.2f MB as float32), %s MACs (%.1fM) per sample\n",
	       cli_group_digits(params, p, sizeof p), (double)params * 4.0 / 1e6,
	       cli_group_digits(macs, m, sizeof m), (double)macs / 1e6);
}

static int info_print_json(const struct net *net)
{
	json_t *layers = json_array();
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		json_t *inputs = json_array();
		for (int k = 0; k < l->n_in; k++) {
			int src = l->in_idx[k];
			json_array_append_new(inputs, json_string(
				src < 0 ? "data" : net->layers[src].name));
		}
		json_array_append_new(layers, json_pack(
			"{s:s, s:s, s:o, s:o, s:o, s:I, s:I}",
			"name", l->name, "kind", l->ops->name,
			"in", shape_json(net_layer_input_shape(net, i, 0)),
			"out", shape_json(l->out), "inputs", inputs,
			"params", (json_int_t)layer_param_count(l),
			"macs", (json_int_t)l->ops->macs(l)));
	}
	json_t *root = json_pack("{s:s, s:o, s:i, s:I, s:I, s:o}",
		"model", net->name, "input", shape_json(net->input),
		"classes", net->classes,
		"params", (json_int_t)net_param_count(net),
		"macs", (json_int_t)net_macs(net), "layers", layers);
	if (!root) {
		cli_error("info: cannot build the JSON output");
		return CLI_EXIT_FAILURE;
	}
	return cli_json_print(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

int cmd_info(int argc, char **argv)
{
	struct model_overrides ovr;
	int json;
	const char *model;
	int rc = cli_model_args_parse("info", info_usage, argc, argv, &ovr, &json, &model);
	if (rc != CLI_EXIT_OK)
		return rc < 0 ? CLI_EXIT_OK : rc;

	struct net_spec spec;
	struct net *net;
	char why[1024];
	if (model_load(model, &ovr, &spec, &net, why, sizeof why) != 0) {
		cli_error("%s", why);
		return CLI_EXIT_FAILURE;
	}
	cli_print_warnings(&spec);
	rc = CLI_EXIT_OK;
	if (json)
		rc = info_print_json(net);
	else
		info_print_table(net);
	net_free(net);
	net_spec_done(&spec);
	if (fflush(stdout) != 0)
		rc = CLI_EXIT_FAILURE;
	return rc;
}
