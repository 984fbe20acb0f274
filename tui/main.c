#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

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
};

static void main_usage(FILE *out)
{
	fprintf(out,
		"usage: reconvene COMMAND [ARGS...]\n"
		"       reconvene --help | --version\n"
		"\n"
		"Structured pruning at initialization (Reconvene) for convolutional\n"
		"networks.\n"
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
	if (argc < 2) {
		main_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	const char *cmd = argv[1];
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
	fprintf(stderr, "reconvene: unknown command '%s'\n\n", cmd);
	main_usage(stderr);
	return CLI_EXIT_USAGE;
}
