/* model_weights.h: which weights a command that runs a model uses, the
 * first that applies: --weights FILE; a bundle's own DIR/model.safetensors
 * (paths/model_path.h model_bundle_weights); else the model's initial
 * weights (model_init: an ONNX file's own, else the seeded
 * initialisation).  Weight masks in a file are applied (pruned weights are
 * zero).  `run` and `export` ask it.
 *
 * Owns: nothing; meta and from are caller storage.
 */
#ifndef RECONVENE_CLI_MODEL_WEIGHTS_H
#define RECONVENE_CLI_MODEL_WEIGHTS_H

#include <stddef.h>

#include "io/weights.h"
#include "nn/net.h"

/* Fill net's parameters as above.  meta (may be NULL) receives the file's
 * metadata (zeroed for an initialisation); from says where the weights
 * came from ("r20/model.safetensors", "seed 1 initialisation").  Returns
 * CLI_EXIT_OK, or CLI_EXIT_FAILURE after printing the one error line. */
int cli_model_weights(struct net *net, const char *model, const char *weights,
		      unsigned long long seed, struct weights_meta *meta,
		      char *from, size_t from_len);

#endif
