#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "host/blas_kernel.h"
#include "host/memory.h"
#include "nn/conv3x3.h"
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
	{ "run", cmd_run, "one forward pass on a .npy array: the logits, as .npy" },
	{ "export", cmd_export, "an ONNX file of a model or pruned bundle" },
	{ "report", cmd_report, "report.json and a trade-off chart for a pruned bundle" },
	{ "tour", cmd_tour, "a guided tour of Reconvene in the explorer, for teaching" },
	{ "replay", cmd_replay, "replay an explorer session's key log without a terminal" },
	{ "sweep", cmd_sweep, "train a grid of variants (GNU parallel, Slurm) and merge" },
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
		"'reconvene COMMAND --help' describes a command's options.  Every\n"
		"command also takes --max-memory SIZE (8G, 512M, 50%%; default %d%% of\n"
		"this machine's memory): a model or batch that would need more working\n"
		"memory is refused with one line naming the figure.\n"
		"Exit status: 0 success, 1 runtime failure, 2 usage error.\n",
		HOST_MEMORY_DEFAULT_PERCENT);
}

/* --max-memory SIZE (or =SIZE), anywhere on the command line and for
 * every command: the memory budget (host/memory.h), taken off argv. */
static int main_max_memory(int *argc, char **argv)
{
	for (int i = 1; i < *argc; i++) {
		const char *v = NULL;
		int take = 0;
		if (strcmp(argv[i], "--max-memory") == 0) {
			if (i + 1 >= *argc)
				return cli_usage_error(NULL, "--max-memory needs a size (e.g. 8G)");
			v = argv[i + 1];
			take = 2;
		} else if (strncmp(argv[i], "--max-memory=", 13) == 0) {
			v = argv[i] + 13;
			take = 1;
		} else {
			continue;
		}
		size_t b;
		if (host_memory_parse(v, host_memory_total(), &b) != 0)
			return cli_usage_error(NULL, "--max-memory '%s' is not a size "
					       "(8G, 512M, 50%%)", v);
		host_memory_budget_set(b);
		memmove(argv + i, argv + i + take, sizeof *argv * (size_t)(*argc - i - take + 1));
		*argc -= take;
		i--;
	}
	return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
	/* First, before any BLAS call or thread: the best kernels this CPU
	 * runs (OpenBLAS 0.3.21 takes SSE3 ones on CPUs newer than it). */
	struct blas_kernel kernel;
	blas_kernel_select_from_env(&kernel);
	int rc = main_max_memory(&argc, argv);
	if (rc != CLI_EXIT_OK)
		return rc;
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
		char line[320];
		blas_kernel_describe(&kernel, line, sizeof line);
		printf("reconvene %s\nblas: %s\nconv 3x3: %s\n", PACKAGE_VERSION, line,
		       conv3x3_describe());
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
