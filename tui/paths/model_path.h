/* model_path.h: find and load a model from what the user typed.
 *
 * A MODEL argument is a path when it contains '/' or ends in ".cfg" or
 * ".onnx" (an ONNX file is imported: io/onnx_import.h);
 * otherwise a name looked up as NAME.cfg in, in order: $RECONVENE_MODELS_DIR,
 * the installed data directory (PKGDATADIR/models), and models/ next to
 * the running program (exe_dir.h: so ./reconvene in a built checkout works
 * from any directory; no path of the source tree is compiled in).  An
 * existing directory is a pruned bundle (`reconvene prune --out DIR`,
 * output/bundle.h): it stands for DIR/model.cfg, and its weights are
 * DIR/model.safetensors (model_bundle_weights).
 *
 * A model's initial weights come from model_init: net_init(seed) for a
 * cfg, the file's own values for an ONNX model (every layer whose shape
 * the overrides left alone; the others, e.g. a classifier resized to the
 * dataset's classes, keep net_init's).  This is the one place commands
 * get initial weights from.
 *
 * Owns: model_load fills caller storage; the caller frees the spec with
 * net_spec_done and the net with net_free.
 */
#ifndef RECONVENE_MODEL_PATH_H
#define RECONVENE_MODEL_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn/net.h"
#include "nn/net_spec.h"

#define DEFAULT_MODEL "resnet20"

/* Resolve name into path (size len).  Returns 0, or -1 with a message in
 * why (size why_len) listing where it looked. */
int model_path_resolve(const char *name, char *path, size_t len,
		       char *why, size_t why_len);

/* 1 when name is a bundle directory holding BUNDLE_WEIGHTS_FILE (its path
 * into path, size len), else 0. */
int model_bundle_weights(const char *name, char *path, size_t len);

/* Overrides applied to the spec before the net is built. */
struct model_overrides {
	int has_input;       /* replace [net] input */
	struct shape input;
	int classes;         /* > 0: replace [net] classes */
	int batch;           /* the largest batch the caller will run; 0: it
			      * runs nothing (info, groups), no check */
};

/* Resolve, parse, apply overrides and build (parameters zeroed, not
 * initialised), then, for a caller that will run the net (ovr->batch > 0), hold it to
 * the memory budget (host_memory_budget): one that needs more for a batch
 * of ovr->batch (net_memory_estimate) is refused before its workspace
 * exists or its weights are touched.  On failure returns -1 with one line in why. */
int model_load(const char *name, const struct model_overrides *ovr,
	       struct net_spec *spec, struct net **net, char *why, size_t why_len);

/* The initial weights of model `name` (as given to model_load) into net,
 * which model_load built from it: net_init(net, seed), then, for an ONNX
 * model, the imported values of every layer of the same name and sizes.
 * Returns 1 when the weights came from the file, 0 for net_init alone, or
 * -1 with one line in why (net then holds net_init's). */
int model_init(const char *name, struct net *net, uint64_t seed,
	       char *why, size_t why_len);

/* model_load, then model_init(seed): a model at its initial weights.
 * Returns 0, or -1 with one line in why (nothing to free). */
int model_open(const char *name, const struct model_overrides *ovr, uint64_t seed,
	       struct net_spec *spec, struct net **net, char *why, size_t why_len);

/* Whether model `name` comes with weights of its own (an ONNX file), so
 * that model_init gives more than net_init. */
bool model_has_weights(const char *name);

/* Parse "CxHxW" (e.g. 3x32x32) into s; returns 0 or -1. */
int model_shape_parse(const char *text, struct shape *s);

#endif
