/* net_infer.c: eval-mode logits of many samples, chunk by chunk. */
#include "config.h"

#include <string.h>

#include "nn/net_fuse.h"
#include "nn/net_infer.h"

enum eng_status net_infer(struct net *net, const float *x, size_t n, int chunk,
			  float *out, struct eng_err *err)
{
	ENG_ASSERT(net && chunk >= 1 && (n == 0 || (x && out)));
	int batch = n < (size_t)chunk ? (int)n : chunk;
	if (n == 0)
		return ENG_STATUS_OK;
	/* The deployment form (net_fuse.h): the same logits, fewer passes. */
	struct net *fused;
	enum eng_status st = net_fuse(net, NULL, &fused, err);
	if (st != ENG_STATUS_OK)
		return st;
	if ((st = net_prepare(fused, batch, err)) != ENG_STATUS_OK) {
		net_free(fused);
		return st;
	}
	size_t in = shape_size(fused->input);
	size_t classes = shape_size(fused->layers[fused->n_layers - 1].out);
	for (size_t done = 0; done < n;) {
		int m = n - done < (size_t)batch ? (int)(n - done) : batch;
		const float *y = net_forward(fused, x + done * in, m, false);
		memcpy(out + done * classes, y, (size_t)m * classes * sizeof *out);
		done += (size_t)m;
	}
	net_free(fused);
	return ENG_STATUS_OK;
}
