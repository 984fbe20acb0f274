#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "paths/model_path.h"
#include "screen/loop.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "info", cmd_info, "layers, shapes, parameters and MACs of a model" },
	{ "train", cmd_train, "train a model and report its test accuracy" },
	{ "eval", cmd_eval, "quick-eval: a short training budget, then test accuracy" },
	{ "groups", cmd_groups, "channel groups that structured pruning removes together" },
	{ "score", cmd_score, "pruning-at-initialization scores and per-layer density" },
	{ "prune", cmd_prune, "Reconvene: structured pruning at initialization" },
	{ "bench", cmd_bench, "measured batch-1 latency: dense, unstructured, structured" },
	{ "heatmap", cmd_heatmap, "PNG pictures: channel scores, density against sparsity" },
	{ "report", cmd_report, "report.json and a trade-off chart for a pruned bundle" },
	{ "replay", cmd_replay, "replay an explorer session's key log without a terminal" },
	{ "import", cmd_import, "an ONNX model as model.cfg + model.safetensors" },
};

static void main_usage(FILE *out)
{
	fprintf(out,
		"usage: reconvene [MODEL] [OPTIONS...]   the explorer (interactive)\n"
		"       reconvene COMMAND [ARGS...]\n"
		"       reconvene --help | --version\n"
		"\n"
		"Structured pruning at initialization (Reconvene) for convolutional\n"
		"networks.\n"
		"\n"
		"Without a command (or with a model name, a .cfg or .onnx path or an\n"
		"option first) reconvene opens the explorer, a terminal screen with\n"
		"per-layer densities, channel heatmaps, a plan editor and live\n"
		"projections; it needs a terminal ('reconvene --help-explorer' lists\n"
		"its options).\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n"
		"'reconvene COMMAND --help' describes a command's options.\n"
		"Exit status: 0 success, 1 runtime failure, 2 usage error.\n");
}

int main(int argc, char **argv)
{
	/* No command: the explorer (so does a model or an option first). */
	if (argc < 2)
		return cmd_explore(argc, argv);
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help-explorer") == 0) {
		char *args[] = { argv[0], (char *)"--help", NULL };
		return cmd_explore(2, args);
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "help") == 0) {
		main_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		printf("reconvene %s\n", PACKAGE_VERSION);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(cmd, commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	}
	/* A model name, a .cfg path or an explorer option opens the explorer;
	 * a word that is neither a command nor a model is a typo. */
	size_t n = strlen(cmd);
	if (cmd[0] != '-' && !strchr(cmd, '/') &&
	    !(n > 4 && strcmp(cmd + n - 4, ".cfg") == 0) &&
	    !(n > 5 && strcmp(cmd + n - 5, ".onnx") == 0)) {
		char path[4096], why[1024];
		if (model_path_resolve(cmd, path, sizeof path, why, sizeof why) != 0) {
			fprintf(stderr, "reconvene: unknown command '%s' (and no model of "
				"that name)\n\n", cmd);
			main_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	return cmd_explore(argc, argv);
}
