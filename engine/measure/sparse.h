/* sparse.h: CSR weights and sparse inference kernels for unstructured
 * masks, and a whole-net batch-1 runner built on them.
 *
 * This is the best case for unstructured pruning: only kept weights are
 * stored and multiplied.  A masked conv or linear weight becomes a CSR
 * matrix with one row per output channel and one column per weight of a
 * filter, column = (c * k + kh) * k + kw with c the channel within the
 * group (conv, PyTorch's w[out][in/groups][k][k] flattened), or the
 * flattened input index (linear).  Column indices in a row are increasing.
 *
 * Kernels (batch 1, eval, no gradients):
 *   SPARSE_KERNEL_DIRECT (the default; the fastest, see docs/latency.md),
 *     the direct sparse convolution of Park et al. (ICLR 2017) with
 *     register tiles: the input is copied once into zero-padded planes,
 *     split by stride phase (for stride s, s*s planes of Hq x Wq,
 *     Hq = ceil(Hp / s), Wq = ceil(Wp / s), Hp x Wp the padded input; only
 *     the min(k, s)^2 planes some tap reads are built), so
 *     that every kernel tap (kh, kw) reads ONE plane at unit stride.  An
 *     output channel is then computed in "wide" layout, output (oy, ox) at
 *     oy * Wq + ox (the Wq - OW columns at the end of each row are thrown
 *     away), T positions at a time (T = 16, or 8 / 4 for tiny maps) in
 *     vector registers: acc += v * input[off + i .. off + i + T) for each
 *     kept weight of the row, off precomputed (sparse_layer_prepare).  No
 *     im2col, no index arithmetic, no bounds checks, and the accumulators
 *     never touch memory until the row's tile is done.
 *   SPARSE_KERNEL_IM2COL: the dense column matrix of im2col, then CSR x
 *     dense (SpMM): one axpy of length OH*OW per kept weight over row
 *     `column` of the column matrix.  Pays the full dense im2col.
 *   Linear: CSR x vector.
 * On x86-64 with GCC the kernels are compiled for AVX-512, AVX2+FMA and the
 * baseline, picked at load time (target_clones; baseline only in a
 * ThreadSanitizer build).
 * Sums run in a different order from the dense GEMM, so results agree to
 * rounding, not bit for bit.
 *
 * Owns: struct sparse_csr owns row_ptr, col_idx and val; struct
 * sparse_layer owns its csr and offsets; struct sparse_net owns its
 * layers and scratch, and BORROWS the net (which must outlive it and keep
 * its shapes; its dense parameters of other layers and biases are read at
 * forward time, the conv/linear weights were copied into the CSR at build
 * time).
 *
 * Thread rules: a sparse_net is used by one thread at a time, and runs on
 * its net's workspace (net->act, net->scratch), so the net must not run
 * elsewhere concurrently.  Single-threaded; no BLAS.  The abort flag of
 * sparse_net_build (base/cancel.h) may be requested from any thread.
 *
 *   struct sparse_net *sn;
 *   if (sparse_net_build(net, mask, NULL, &sn, &err)) ...;
 *   const float *logits = sparse_net_forward(sn, x);   // batch 1, eval
 *   sparse_net_free(sn);
 */
#ifndef RECONVENE_SPARSE_H
#define RECONVENE_SPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn/layer.h"
#include "nn/net.h"
#include "base/cancel.h"
#include "base/status.h"

enum sparse_kernel {
	SPARSE_KERNEL_DIRECT,
	SPARSE_KERNEL_IM2COL,
};

struct sparse_csr {
	int rows;          /* output channels */
	int cols;          /* in/groups * k * k (conv) or flattened in (linear) */
	size_t nnz;
	int32_t *row_ptr;  /* owned, rows + 1 */
	int32_t *col_idx;  /* owned, nnz; NULL when nnz == 0 */
	float *val;        /* owned, nnz; NULL when nnz == 0 */
};

/* CSR of layer l's weights (conv or linear), keeping weight j when
 * wmask[j] != 0 (wmask: l->w_len bytes, the layer's slice of a net mask),
 * or, with wmask NULL, when w[j] != 0.  Kept zeros stay stored (a mask says
 * what is kept, not what is non-zero).  EINVAL for another kind, ENOMEM. */
enum eng_status sparse_csr_from_layer(const struct layer *l, const uint8_t *wmask,
				      struct sparse_csr *out, struct eng_err *err);
void sparse_csr_done(struct sparse_csr *m);
/* Bytes of the CSR storage: values, column indices, row pointers. */
size_t sparse_csr_bytes(const struct sparse_csr *m);

/* One conv or linear layer ready to run sparse. */
struct sparse_layer {
	const struct layer *l;   /* borrowed */
	enum sparse_kernel kernel;
	struct sparse_csr csr;   /* owned */
	int32_t *off;            /* owned, nnz: DIRECT conv offsets into the
				  * phase planes; NULL otherwise */
	int hq, wq;              /* DIRECT: one stride-phase plane */
	int np;                  /* DIRECT: phases kept per axis, min(k, s) */
	int tile;                /* DIRECT: positions per register tile */
	size_t in_len;           /* DIRECT: floats of the phase planes */
};

/* Build from a layer and its weight mask (as sparse_csr_from_layer). */
enum eng_status sparse_layer_prepare(const struct layer *l, const uint8_t *wmask,
				     enum sparse_kernel kernel,
				     struct sparse_layer *out, struct eng_err *err);
void sparse_layer_done(struct sparse_layer *sl);
/* Floats of scratch sparse_layer_forward needs. */
size_t sparse_layer_scratch_len(const struct sparse_layer *sl);
/* One sample: in (l->in) -> out (l->out), bias added. */
void sparse_layer_forward(const struct sparse_layer *sl, const float *in,
			  float *out, float *scratch);

struct sparse_net {
	struct net *net;             /* borrowed */
	struct sparse_layer *layers; /* owned, net->n_layers; .l == NULL for
				      * layers that run their dense forward */
	float *scratch;              /* owned */
	size_t scratch_len;
	size_t nnz;                  /* kept conv/linear weights */
	uint64_t macs;               /* per sample: nnz MACs of sparse layers,
				      * dense MACs of the rest */
	size_t bytes;                /* CSR storage + 4 * other params */
};

/* Every conv and linear layer with weights goes sparse under mask
 * (n_params bytes, 1 = keep; NULL = keep the non-zero weights); the other
 * layers run their own forward in eval mode.  Prepares the net's
 * workspace for batch 1 if it has none.  abort (base/cancel.h; may be
 * NULL, requested from any thread) is polled between layers ->
 * ENG_STATUS_ABORTED.  On error *out is NULL. */
enum eng_status sparse_net_build(struct net *net, const uint8_t *mask,
				 const struct cancel *abort,
				 struct sparse_net **out, struct eng_err *err);
/* As sparse_net_build with an explicit kernel for conv layers. */
enum eng_status sparse_net_build_kernel(struct net *net, const uint8_t *mask,
					enum sparse_kernel kernel,
					const struct cancel *abort,
					struct sparse_net **out,
					struct eng_err *err);
void sparse_net_free(struct sparse_net *sn);
/* One sample of net->input -> the last layer's output (net->act), valid
 * until the net's next forward. */
const float *sparse_net_forward(struct sparse_net *sn, const float *input);

#endif
