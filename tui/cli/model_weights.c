/* model_weights.c: see model_weights.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/model_weights.h"
#include "paths/model_path.h"

int cli_model_weights(struct net *net, const char *model, const char *weights,
		      unsigned long long seed, struct weights_meta *meta,
		      char *from, size_t from_len)
{
	char bundle[4096];
	const char *file = weights;
	if (meta)
		memset(meta, 0, sizeof *meta);
	if (!file && model_bundle_weights(model, bundle, sizeof bundle))
		file = bundle;
	if (!file) {
		/* The model's initial weights: an ONNX file's own, else seeded. */
		char why[1024];
		int got = model_init(model, net, seed, why, sizeof why);
		if (got < 0) {
			cli_error("%s", why);
			return CLI_EXIT_FAILURE;
		}
		if (got == 1)
			snprintf(from, from_len, "%s", model);
		else
			snprintf(from, from_len, "seed %llu initialisation", seed);
		return CLI_EXIT_OK;
	}
	struct eng_err err;
	if (weights_load_masked(net, file, meta, &err) != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		return CLI_EXIT_FAILURE;
	}
	snprintf(from, from_len, "%s", file);
	return CLI_EXIT_OK;
}
