/* net_fuse.h: a net rewritten for inference, as a deployment runtime
 * would run it: fewer layers, fewer passes over memory, same logits.
 *
 *  - a batch norm whose input is a conv used by nothing else is folded
 *    into that conv (eval mode: w' = w * g, b' = (b - mean) * g + beta,
 *    g = gamma / sqrt(var + eps); the conv gains a bias);
 *  - a ReLU or ReLU6 whose input is a conv's (possibly folded) or an add's
 *    output, used by nothing else, becomes that layer's epilogue
 *    (layer.h post_relu: applied in the same pass as the bias);
 *  - every other layer is copied as it is;
 *  - a conv gets its weights transformed once, here, into the form its
 *    batch-1 forward runs on (conv_packing.h: Winograd filters, panels;
 *    layer.h packing and w_packed, in the net's block): a fused net's
 *    weights must not change afterwards.
 *
 * The fused net is an ordinary struct net (net_forward in eval mode,
 * net_prepare once; no allocation per call) with the names of the layers
 * it kept.  It is for eval forwards only: its conv and add layers assert
 * in backward when they carry a fused activation.  Used by latency
 * measurement (measure/latency.c), quick-eval's test pass and
 * `reconvene run`.
 *
 * mask (optional): n_params bytes aligned with src->params, 1 = kept;
 * weights of conv and linear layers where it is 0 are zeroed in the copy
 * before folding (the masked, unstructured net as a dense runtime runs it).
 *
 * Owns: *out (net_free it).  src is only read.  Thread rules: one call
 * per src at a time (plain reads; no workspace of src is touched).
 *
 *   struct net *fast;
 *   if (net_fuse(net, NULL, &fast, &err)) ...;
 *   net_prepare(fast, 1, &err);
 *   const float *logits = net_forward(fast, x, 1, false);
 *   net_free(fast);
 */
#ifndef RECONVENE_NET_FUSE_H
#define RECONVENE_NET_FUSE_H

#include <stdint.h>

#include "base/status.h"
#include "nn/net.h"

/* Build the fused copy of src (parameters and BN statistics folded in).
 * *out is NULL on error; ENOMEM, or the errors of net_build. */
enum eng_status net_fuse(const struct net *src, const uint8_t *mask,
			 struct net **out, struct eng_err *err);

#endif
