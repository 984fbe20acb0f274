/* onnx_export.h: a net as an ONNX model (opset 13) that ONNX Runtime and
 * other runtimes load, with the net's actual (pruned) shapes.
 *
 * The graph has one input "input" [N, C, H, W] (N symbolic) and one output
 * "logits" [N, classes]; nodes and weights are named after the layers
 * ("layer1.0.conv1", initializers "layer1.0.conv1.weight", BN's
 * ".running_mean" / ".running_var", as PyTorch names them), so a pruned
 * model reads like its cfg.  Layer kinds map one to one:
 *
 *   conv -> Conv (kernel_shape, strides, pads, group, dilations 1)
 *   bn   -> BatchNormalization (epsilon; momentum 1 - ours, ONNX's sense)
 *   relu -> Relu, or Clip with min 0 and max clip (ReLU6) as inputs
 *   maxpool -> MaxPool, avgpool -> AveragePool (count_include_pad 1)
 *   gap -> GlobalAveragePool, flatten -> Flatten(axis 1)
 *   linear -> Gemm (transB 1), with a Flatten before it when its input is
 *             still a feature map
 *   add -> Add
 * and a final Flatten when the last layer leaves [N, classes, 1, 1].
 *
 * fold_bn folds each BN whose input is a conv used by nothing else into
 * that conv's weights and bias (eval mode: running statistics), as
 * torch.onnx.export does in eval mode: fewer nodes, same logits up to
 * rounding.  Masked weights (options.mask) are exported as zeros.
 *
 * Owns: nothing past a call.  The net is only read.  Errors: EINVAL
 * naming the layer when a layer cannot be expressed (a feature-map op on
 * a flattened tensor), ENOMEM, and the write errors of fileio.h.
 *
 *   struct onnx_meta meta[] = { { "method", "synflow" } };
 *   struct onnx_export_options o = { .fold_bn = false, .meta = meta,
 *                                    .n_meta = 1, .producer_version = "0.1.0" };
 *   if (onnx_export(net, &o, "out/model.onnx", &err)) ...;
 */
#ifndef RECONVENE_ONNX_EXPORT_H
#define RECONVENE_ONNX_EXPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/status.h"
#include "io/pb_write.h"
#include "nn/net.h"

#define ONNX_EXPORT_OPSET 13
#define ONNX_EXPORT_IR_VERSION 7

/* One metadata_props entry (both strings borrowed for the call). */
struct onnx_meta {
	const char *key;
	const char *value;
};

struct onnx_export_options {
	bool fold_bn;
	const struct onnx_meta *meta;	/* may be NULL when n_meta is 0 */
	int n_meta;
	const char *producer_version;	/* NULL: none recorded */
	/* n_params bytes aligned with net->params, 1 = kept (the PaI mask of
	 * a pruned bundle): conv and linear weights where it is 0 are
	 * exported as 0.  NULL: the weights as they are. */
	const uint8_t *mask;
};

/* The serialized ModelProto in *out (initialised here; the caller frees it
 * with pb_buf_done, also on error). */
enum eng_status onnx_export_bytes(const struct net *net,
				  const struct onnx_export_options *o,
				  struct pb_buf *out, struct eng_err *err);

/* onnx_export_bytes written atomically to path. */
enum eng_status onnx_export(const struct net *net,
			    const struct onnx_export_options *o,
			    const char *path, struct eng_err *err);

#endif
