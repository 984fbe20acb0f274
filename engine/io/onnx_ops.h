/* onnx_ops.h: the supported ONNX ops, one handler each (onnx_ops.c), behind
 * one dispatcher.  Internal to io/: called by onnx_import.c for every node
 * in topological order.
 *
 * Owns nothing; a handler reads its node and appends to the import state
 * (io/onnx_state.h).
 */
#ifndef RECONVENE_ONNX_OPS_H
#define RECONVENE_ONNX_OPS_H

#include "io/onnx_state.h"

/* Convert node im->cur: append its layer, make its output an alias of an
 * input, or compute its constant; EINVAL with one line naming the node and
 * op for anything unsupported. */
enum eng_status onnx_ops_node(struct onnx_state *im);

#endif
