/* onnx_import.h: an ONNX CNN classifier as an ordinary net_spec + weights.
 * (onnx_import.c drives it; io/onnx_ops.c has one handler per op, over the
 * import state of io/onnx_state.h.)
 *
 * The graph (io/onnx.h) is mapped node by node onto the engine's layer
 * kinds, in topological order: Conv -> conv (groups, stride, symmetric
 * pads, bias), BatchNormalization -> bn (its statistics in the net's
 * state), Relu and Clip(0, max) -> relu, MaxPool / AveragePool -> pools,
 * GlobalAveragePool -> gap, Flatten (and Reshape to [N, -1], whose shape
 * chains Shape/Gather/Unsqueeze/Concat/Constant are folded as constants)
 * -> flatten, Gemm and MatMul (+ Add of a bias) -> linear, Add of two
 * activations -> add.  Identity, Dropout and a 1x1 stride-1 AveragePool
 * are removed; Identity of an initializer is followed to it (torch
 * exports share identical tensors this way), and every layer copies its
 * own values, so parameter counts are those of the original model.
 * docs/onnx.md lists what is refused and why.
 *
 * The result is exactly what a cfg + safetensors pair would give: the
 * spec round-trips through cfg_write_string / cfg_parse_string, and the
 * net holds the imported weights and BN statistics (net_init would
 * replace them).
 *
 * Errors: EINVAL (ENOMEM, EIO, ENOENT) with one line naming the file and,
 * where there is one, the node and its op:
 *   "m.onnx: node '/layer1/Mul' (Mul): unsupported op".
 * Warnings (a model exported with BN folded into its convolutions) go to
 * o->warn.
 *
 * Owns: on success *spec (net_spec_done) and *net (net_free) are the
 * caller's; on failure both are empty.  Memory: the file is mapped, not
 * copied; the peak is about the file plus the net's parameters.
 *
 *   struct net_spec spec;
 *   struct net *net;
 *   if (onnx_import_file("m.onnx", NULL, &spec, &net, &err)) ...;
 */
#ifndef RECONVENE_ONNX_IMPORT_H
#define RECONVENE_ONNX_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "base/warn.h"
#include "io/onnx.h"
#include "nn/net.h"
#include "nn/net_spec.h"

/* A graph input given a constant value (the ONNX node tests pass weights
 * as inputs). */
struct onnx_binding {
	const char *name;
	const struct onnx_tensor *value;  /* borrowed for the call */
};

struct onnx_import_opts {
	const struct eng_warn *warn;      /* NULL: drop warnings */
	/* false (the default): the graph must end in a linear layer (a
	 * classifier; its out becomes `classes`).  true: any last layer, its
	 * channel count as classes (single-op test graphs). */
	bool any_output;
	int n_bind;
	const struct onnx_binding *bind;
};

/* Import len bytes of a serialized ModelProto; path names it in messages.
 * o may be NULL. */
enum eng_status onnx_import(const uint8_t *data, size_t len, const char *path,
			    const struct onnx_import_opts *o,
			    struct net_spec *spec, struct net **net,
			    struct eng_err *err);
/* Map path and import it. */
enum eng_status onnx_import_file(const char *path, const struct onnx_import_opts *o,
				 struct net_spec *spec, struct net **net,
				 struct eng_err *err);
/* Whether path names an ONNX file (ends in ".onnx"). */
bool onnx_import_is_onnx(const char *path);

#endif
