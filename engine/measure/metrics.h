/* metrics.h: analytic size and cost of a net, dense or with an unstructured
 * mask: parameters, bytes, MACs.  Nothing is run; everything follows from
 * the layer shapes and, for a masked net, the count of kept weights per
 * layer (docs/reconvene.md shows the formulas with a worked example).
 *
 * Definitions, per conv or linear layer with W weights, N = nnz kept
 * weights (mask byte 1), R rows = output channels (conv filters, linear
 * outputs), C = W / R columns:
 *   dense bytes   4 B per parameter (float32), biases and BN gamma/beta
 *                 included; BN running statistics are state, not params,
 *                 and are not counted (as in the published param counts)
 *   CSR           values 4N + column indices 4N + row pointers 4(R+1)
 *                 (rows = output channels, the row of a weight is its
 *                 filter; 32-bit indices)
 *   bitmap        values 4N + one bit per weight, ceil(W/8) bytes
 *   storage       for a layer with at least one masked weight, the
 *                 smallest of dense (4W), bitmap and CSR (ties: dense, then
 *                 bitmap, then CSR), plus its biases dense; every other
 *                 layer and every other parameter is stored dense
 *   MACs          multiply-adds of one sample (layer_ops.macs: conv and
 *                 linear only); 1 MAC = 2 FLOPs.  Labels say MACs.
 *   effective MACs  only kept weights count: a conv weight is used
 *                 out_h * out_w times per sample, a linear weight once
 * Without a mask (NULL) storage = dense and effective MACs = MACs.
 *
 * Cost: metrics_compute counts the mask once (O(params), word at a time);
 * metrics_from_nnz is O(layers) for callers that already hold per-layer
 * counts (the explorer, on every edit).
 *
 * Owns: nothing; every output is caller storage.  Thread rules: pure
 * functions of their inputs; call from any thread.
 *
 *   struct metrics m;
 *   metrics_compute(net, mask, &m, NULL);
 *   printf("%llu MACs, %llu effective\n", m.macs, m.effective_macs);
 */
#ifndef RECONVENE_METRICS_H
#define RECONVENE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "nn/net.h"

/* How a layer's weights are stored. */
enum metrics_format {
	METRICS_FORMAT_DENSE,
	METRICS_FORMAT_BITMAP,
	METRICS_FORMAT_CSR,
	METRICS_FORMAT_COUNT
};

struct metrics_layer {
	size_t params;          /* weights + biases (w_len + b_len) */
	size_t weights;         /* conv / linear weights, 0 for other kinds */
	size_t nnz;             /* kept weights (= weights without a mask) */
	uint64_t dense_bytes;   /* 4 * params */
	uint64_t csr_bytes;     /* weights in CSR (0 for other kinds) */
	uint64_t bitmap_bytes;  /* weights as values + bitmap (0 likewise) */
	uint64_t storage_bytes; /* chosen weight storage + biases, dense */
	enum metrics_format format; /* of the weights */
	uint64_t macs;          /* per sample */
	uint64_t effective_macs;/* per sample, kept weights only */
};

struct metrics {
	size_t params;          /* all parameters (net_param_count) */
	size_t nonzero;         /* params minus masked weights */
	uint64_t dense_bytes;   /* 4 * params */
	uint64_t storage_bytes; /* sum of the layers' storage_bytes */
	uint64_t macs;          /* = net_macs */
	uint64_t effective_macs;
	int masked_layers;      /* layers with at least one masked weight */
};

/* "dense", "bitmap", "csr". */
const char *metrics_format_name(enum metrics_format f);

/* Kept weights per layer under mask (n_params bytes, 1 = kept; NULL = all
 * kept): nnz[i] for every layer (0 for layers without conv/linear
 * weights).  Bias entries of the mask are ignored. */
void metrics_layer_nnz(const struct net *net, const uint8_t *mask, size_t *nnz);

/* Totals (and, if layers is not NULL, n_layers rows) from per-layer kept
 * counts as metrics_layer_nnz gives; nnz NULL = dense. */
void metrics_from_nnz(const struct net *net, const size_t *nnz,
		      struct metrics *out, struct metrics_layer *layers);

/* metrics_layer_nnz then metrics_from_nnz; mask NULL = dense. */
void metrics_compute(const struct net *net, const uint8_t *mask,
		     struct metrics *out, struct metrics_layer *layers);

#endif
