/* net_infer.h: the logits of a whole array of samples: eval-mode forward
 * passes (BN uses its running statistics) over chunks of at most `chunk`
 * samples, copied into the caller's array.  In eval mode every sample's
 * logits depend only on that sample, so the chunk size changes memory,
 * never the result.  The passes run on the fused copy of the net
 * (net_fuse.h: BN folded, ReLUs fused), as a deployment runtime runs it.
 * This is what `reconvene run` computes.
 *
 * Owns: nothing; x and out are the caller's; the fused copy lives for the
 * call.  The net itself is only read.  Thread rules: one net per call (net.h).
 *
 *   float *logits = malloc((size_t)n * net->classes * sizeof *logits);
 *   if (net_infer(net, x, n, 64, logits, &err)) ...;
 */
#ifndef RECONVENE_NET_INFER_H
#define RECONVENE_NET_INFER_H

#include "base/status.h"
#include "nn/net.h"

/* x: n samples of net->input (float NCHW); out: n x (the last layer's
 * output size) floats.  n >= 0, chunk >= 1.  ENOMEM when the workspace
 * cannot grow. */
enum eng_status net_infer(struct net *net, const float *x, size_t n, int chunk,
			  float *out, struct eng_err *err);

#endif
