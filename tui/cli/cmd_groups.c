#include "config.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/warnings.h"
#include "prune/groups.h"
#include "paths/model_path.h"
#include "nn/net.h"

static const char groups_usage[] =
	"usage: reconvene groups [MODEL] [--input CxHxW] [--classes N] [--json]\n"
	"\n"
	"List a model's channel dependency groups: the sets of channels that\n"
	"structured pruning must remove together (a conv's output channels, its\n"
	"batch norm, every consumer's input channels; residual adds join the\n"
	"groups of their inputs; a depthwise conv ties its input and output).\n"
	"Each group is named after its first producing layer; the net input's\n"
	"group is 'data'.  These names are the keys of a plan file.\n"
	"\n"
	"MODEL is a name from the model directory (lenet5 vgg11 vgg16 vgg19\n"
	"resnet20 resnet32 resnet56 resnet18 mobilenetv2), a path to a .cfg file\n"
	"or an ONNX file (FILE.onnx, docs/onnx.md); default " DEFAULT_MODEL ".\n"
	"\n"
	"  --input CxHxW  override the model's input shape (e.g. 3x64x64)\n"
	"  --classes N    override the number of classes\n"
	"  --json         print one JSON object instead of a table\n"
	"  -h, --help     show this help\n";

/* Short role tags for the table. */
static const char *groups_role_tag(enum group_role role)
{
	switch (role) {
	case GROUP_ROLE_PRODUCER:
		return "out";
	case GROUP_ROLE_BN:
		return "bn";
	case GROUP_ROLE_PASSTHROUGH:
		return "pass";
	case GROUP_ROLE_CONSUMER:
		return "in";
	case GROUP_ROLE_DEPTHWISE:
		return "dw";
	default:
		return "?";
	}
}

static void groups_print_table(const struct net *net, const struct group_set *gs)
{
	printf("%s: %d groups, %d prunable\n\n", net->name, gs->n_groups,
	       groups_prunable_count(gs));
	printf("%4s  %-26s %8s  %-24s %s\n", "#", "group", "channels",
	       "prunable", "members");
	for (int g = 0; g < gs->n_groups; g++) {
		const struct group *gr = &gs->groups[g];
		char status[64];
		if (gr->prunable)
			snprintf(status, sizeof status, "yes%s",
				 gr->residual ? " (residual)" : "");
		else
			snprintf(status, sizeof status, "no: %s",
				 groups_fixed_name(gr->fixed));
		printf("%4d  %-26s %8d  %-24s %d\n", g, gr->name, gr->channels,
		       status, gr->n_members);
		/* members wrapped under the row, "layer:role" */
		int col = 0;
		for (int m = 0; m < gr->n_members; m++) {
			const struct group_member *mb = &gr->members[m];
			char word[LAYER_NAME_MAX + 16];
			int n = snprintf(word, sizeof word, "%s:%s",
					 net->layers[mb->layer].name,
					 groups_role_tag(mb->role));
			if (col == 0) {
				fputs("        ", stdout);
				col = 8;
			} else if (col + 1 + n > 78) {
				fputs("\n        ", stdout);
				col = 8;
			} else {
				fputc(' ', stdout);
				col++;
			}
			fputs(word, stdout);
			col += n;
		}
		if (col)
			fputc('\n', stdout);
	}
	printf("\nroles: out = produces the channels (conv/linear output), bn, "
	       "pass = passes\nthem through, in = consumes them as input "
	       "channels, dw = depthwise conv.\n");
}

static int groups_print_json(const struct net *net, const struct group_set *gs)
{
	json_t *arr = json_array();
	for (int g = 0; g < gs->n_groups && arr; g++) {
		const struct group *gr = &gs->groups[g];
		json_t *members = json_array();
		for (int m = 0; m < gr->n_members && members; m++)
			json_array_append_new(members, json_pack("{s:s, s:s}",
				"layer", net->layers[gr->members[m].layer].name,
				"role", groups_role_name(gr->members[m].role)));
		json_t *fixed = gr->prunable ? json_null() :
			json_string(groups_fixed_name(gr->fixed));
		json_array_append_new(arr, json_pack(
			"{s:s, s:i, s:b, s:o, s:b, s:i, s:o}",
			"name", gr->name, "channels", gr->channels,
			"prunable", gr->prunable, "fixed", fixed,
			"residual", gr->residual, "producers", gr->n_producers,
			"members", members));
	}
	json_t *root = json_pack("{s:s, s:i, s:i, s:o}", "model", net->name,
				 "n_groups", gs->n_groups,
				 "prunable", groups_prunable_count(gs),
				 "groups", arr);
	if (!root) {
		cli_error("groups: cannot build the JSON output");
		return CLI_EXIT_FAILURE;
	}
	return cli_json_print(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

int cmd_groups(int argc, char **argv)
{
	struct model_overrides ovr;
	int json;
	const char *model;
	int rc = cli_model_args_parse("groups", groups_usage, argc, argv, &ovr, &json, &model);
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
	struct group_set gs;
	struct eng_err err;
	rc = CLI_EXIT_OK;
	if (groups_build(net, &gs, &err) != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		rc = CLI_EXIT_FAILURE;
	} else {
		if (json)
			rc = groups_print_json(net, &gs);
		else
			groups_print_table(net, &gs);
		groups_done(&gs);
	}
	net_free(net);
	net_spec_done(&spec);
	if (fflush(stdout) != 0)
		rc = CLI_EXIT_FAILURE;
	return rc;
}
