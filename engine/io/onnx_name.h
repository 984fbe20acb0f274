/* onnx_name.h: layer names from ONNX node names.
 *
 * torch.onnx.export names each node after the module scope it ran in and
 * its op: "/layer1/layer1.0/conv1/Conv", "/features/features.1/conv/conv.0/
 * conv.0.0/Conv", "/layer1/layer1.0/Add".  A scope segment is either a
 * child's attribute name ("conv1") or a dotted path that extends the
 * previous segment ("layer1.0" after "layer1", "conv.0.0" after "conv.0");
 * joining them gives the module's qualified name as PyTorch prints it:
 * "layer1.0.conv1", "features.1.conv.0.0".  Ops that are not modules of
 * their own (Add, Flatten, Reshape) get a suffix: "layer1.0.add".
 *
 * The result is always a valid cfg layer name (io/cfg.h): characters
 * outside [A-Za-z0-9_.-] become '_', a leading '-' becomes '_', "data"
 * becomes "data_", and a name longer than LAYER_NAME_MAX - 1 keeps its
 * last dotted components (the most specific).  Names without any scope
 * ("conv1") are kept as they are; an empty one becomes "<kind><index>",
 * the cfg's own default.  Uniqueness is the caller's (onnx_import adds
 * "_2", "_3", ...).
 *
 * Owns nothing; pure functions.
 */
#ifndef RECONVENE_ONNX_NAME_H
#define RECONVENE_ONNX_NAME_H

#include "nn/layer.h"

/* The layer name for a node: node_name and op_type as in the file, suffix
 * NULL or a word for ops that are not modules ("add"), kind and index for
 * the default.  out has LAYER_NAME_MAX bytes. */
void onnx_name_layer(char out[LAYER_NAME_MAX], const char *node_name,
		     const char *op_type, const char *suffix,
		     enum layer_kind kind, int index);
/* out = base with "_<n>" appended, base cut so that it fits. */
void onnx_name_numbered(char out[LAYER_NAME_MAX], const char *base, int n);

#endif
