/* net.h: a runnable network: layers in topological order over flat arrays.
 *
 * Owns: layers, the flat parameter array (params), its gradient (grads),
 * the non-trainable state (state: BN running statistics) and, after
 * net_prepare, one workspace arena holding every layer's activation, its
 * gradient, per-layer caches and the shared scratch.  net_free frees all.
 * Layer w/b/dw/db/state pointers are views into these arrays.
 *
 * Parameter order in params: layer by layer in net order, each layer's
 * weight then bias (the order safetensors files and masks use).
 *
 * Thread rules: a net is used by one thread at a time.  OpenBLAS may use
 * its own threads inside a call.
 *
 *   struct net *net;
 *   if (net_build(&spec, &net, &err)) ...;     // shapes checked here
 *   net_init(net, seed);                       // Kaiming normal etc.
 *   if (net_prepare(net, 64, &err)) ...;       // workspace for batch <= 64
 *   const float *logits = net_forward(net, x, 64, true);
 *   net_zero_grad(net);
 *   net_backward(net, x, dlogits, 64);         // grads += d loss / d params
 *   net_free(net);
 */
#ifndef RECONVENE_NET_H
#define RECONVENE_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn/layer.h"
#include "nn/net_spec.h"
#include "base/arena.h"
#include "base/tensor.h"

struct net {
	char name[NET_NAME_MAX];
	struct shape input;     /* per-sample input shape */
	int classes;            /* class count the spec was built with */
	int n_layers;
	struct layer *layers;   /* owned; topological order, last = output */
	size_t n_params;
	float *params;          /* owned, n_params */
	float *grads;           /* owned, n_params */
	size_t n_state;
	float *state;           /* owned, n_state */

	/* Workspace, sized by net_prepare for batches up to max_batch. */
	int max_batch;          /* 0 until net_prepare */
	struct arena arena;     /* owns the block below */
	float **act;            /* n_layers views: layer outputs */
	float **dact;           /* n_layers views: d loss / d output */
	float **cache;          /* n_layers views (NULL when cache_len is 0) */
	float *scratch;         /* shared scratch, max over layers */

	/* A method's workspace, kept between calls (net_workspace). */
	float *workspace;       /* owned */
	size_t workspace_len;   /* floats */

	/* false (net_build's default): net_forward and net_backward run a
	 * layer and the ReLU that alone reads it as one call (layer_ops
	 * forward_relu), so the layer's own output and output gradient
	 * are left unwritten.  true: every act and dact is written, for a
	 * caller that reads them after the pass (GraSP's second order).
	 * Read by net_forward; net_backward follows what the forward it
	 * backpropagates did (forward_kept_every_output), so changing it in
	 * between changes nothing. */
	bool keep_every_output;
	bool forward_kept_every_output; /* set by net_forward_team */

	/* A fused net's weights transformed once (net_fuse.c; layer.h
	 * w_packed). */
	float *packed;          /* owned; NULL unless fused */
};

/* Build a net from a spec: resolves LAYER_OUT_CLASSES, infers and checks
 * every shape, allocates params/grads/state (zeroed).  On error *out is
 * NULL and err says which layer and why. */
enum eng_status net_build(const struct net_spec *spec, struct net **out,
			  struct eng_err *err);
void net_free(struct net *net);

/* Fresh weights: each layer's init with an RNG seeded from
 * rng_derive_seed(seed, layer name), so a layer's initial weights depend
 * only on the seed, its name and its shape. */
void net_init(struct net *net, uint64_t seed);

/* A buffer of at least n floats that the net owns and keeps between
 * calls, for a method that needs a large one on every call (GraSP's
 * tangents, SynFlow's weight lists): a fresh allocation of that size is fresh pages, which the
 * kernel faults in and clears on first touch, every time (a fifth of a
 * GraSP call on resnet20).  Its contents are undefined; it is valid until
 * the next net_workspace call or net_free and never shrinks.  NULL when
 * out of memory (the old buffer is then freed). */
float *net_workspace(struct net *net, size_t n);

/* (Re)allocate the workspace for batches of up to max_batch samples. */
enum eng_status net_prepare(struct net *net, int max_batch, struct eng_err *err);

/* The memory the net needs to run batches of max_batch: its parameters
 * and gradients, its state, the workspace net_prepare(max_batch) takes
 * (the same computation) and one input batch, in bytes.  Nothing is
 * allocated: callers ask before net_prepare (and before net_init touches
 * the parameters) and refuse a net that would not fit.  EINVAL with
 * *bytes = SIZE_MAX when the figure does not fit a size_t. */
enum eng_status net_memory_estimate(const struct net *net, int max_batch, size_t *bytes);

/* Run batch samples (batch <= max_batch) of input (batch x net->input).
 * Returns the last layer's output (batch x classes), valid until the next
 * forward. */
const float *net_forward(struct net *net, const float *input, int batch, bool train);

/* The same, with a team of `threads` granted to the layers' own loops
 * (layer_io's threads and threads_split_gemm: at batch 1 the convs split
 * their GEMMs by rows and their direct kernels by channels).  The caller
 * keeps OpenBLAS on one thread meanwhile (threads_blas_serial_begin), or
 * its pool spins against the team.  A logit may differ in its last bits
 * from net_forward's (OpenBLAS's kernels differ by shape): for timing
 * (latency.h).  threads <= 1 is net_forward. */
const float *net_forward_team(struct net *net, const float *input, int batch, bool train,
			      int threads);
/* Backpropagate dlogits (batch x last layer's output) through the forward
 * just run on the same input; adds into net->grads. */
void net_backward(struct net *net, const float *input, const float *dlogits, int batch);
void net_zero_grad(struct net *net);

/* Index of a layer by name, or -1. */
int net_find(const struct net *net, const char *name);
/* Output of layer i from the last forward (batch x layers[i].out); for a
 * layer run with its ReLU (keep_every_output false), undefined. */
const float *net_layer_output(const struct net *net, int i);
/* Totals per sample. */
uint64_t net_macs(const struct net *net);
size_t net_param_count(const struct net *net);
/* Shape of the input of layer i's k-th input. */
struct shape net_layer_input_shape(const struct net *net, int i, int k);

#endif
