/* layer.h: one layer of a network, and the small ops table each kind fills.
 *
 * Each layer kind lives in its own file (conv2d.c, batchnorm.c, act.c,
 * pool.c, linear.c, add.c, reshape.c) and exports one `const struct
 * layer_ops`.  A struct layer is a small common header: kind, name, the
 * hyper-parameters read from the cfg (struct layer_conf), shapes, and views
 * of the parameters, which live in the net's flat arrays.
 *
 * Owns: nothing.  w, b, dw, db, state and (during a call) the io buffers all
 * point into storage owned by struct net (net.h).  A layer is always passed
 * by pointer.
 *
 * Contracts every kind follows:
 *  - infer(l, in, n_in, err): check l->conf and the input shapes (n_in is 1,
 *    or 2 for add), then set l->in, l->out, l->w_len, l->b_len and
 *    l->state_len.  Returns ENG_STATUS_EINVAL with a message naming l->name
 *    when the shapes or settings do not fit.  Pure: touches nothing else.
 *  - macs(l): multiply-adds for ONE sample.  Only conv and linear count;
 *    every other kind returns 0 (the usual convention).
 *  - init(l, r): fill w, b and state for a fresh network (Kaiming-normal
 *    fan-in for conv and linear weights, layer_init.h; zero biases; BN
 *    gamma 1, beta 0, running mean 0, running var 1).  NULL when the kind
 *    has nothing.
 *  - scratch_len(l, batch): floats of temporary workspace one forward or
 *    backward call needs (shared by all layers, contents undefined on
 *    entry).  NULL means 0.
 *  - cache_len(l, batch): floats this layer keeps from forward to the
 *    backward of the same batch (e.g. BN batch mean and inverse std).  NULL
 *    means 0.
 *  - forward(l, io): io->in[0..n_in-1] -> io->out (batch x l->out).  When
 *    io->train is set, BN uses batch statistics and updates its running
 *    statistics; otherwise it uses the running statistics.
 *  - backward(l, io): given io->dout, ADD (+=) the gradient with respect to
 *    each input into io->din[k] (skip a NULL din[k]) and ADD the parameter
 *    gradients into l->dw and l->db.  Accumulating lets one activation feed
 *    several consumers (residual adds).  A caller may ask for assignment
 *    instead (layer_io's din_assign and dw_assign).  io->in, io->out and io->cache hold
 *    what the matching forward saw and wrote.
 *
 * Weight layouts (PyTorch's, so safetensors files interoperate):
 *   conv   w[out][in/groups][k][k], b[out]
 *   linear w[out][in_c*in_h*in_w],   b[out]  (input flattened NCHW per sample)
 *   bn     w = gamma[c], b = beta[c], state = running_mean[c] then running_var[c]
 */
#ifndef RECONVENE_LAYER_H
#define RECONVENE_LAYER_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/rng.h"
#include "base/status.h"
#include "base/tensor.h"

enum layer_kind {
	LAYER_KIND_CONV,     /* [conv]: out, size, stride, pad, groups, bias */
	LAYER_KIND_BN,       /* [bn]: eps, momentum */
	LAYER_KIND_RELU,     /* [relu]: clip (0 = plain ReLU, 6 = ReLU6) */
	LAYER_KIND_MAXPOOL,  /* [maxpool]: size, stride, pad */
	LAYER_KIND_AVGPOOL,  /* [avgpool]: size, stride, pad (pads count as 0,
			      * divisor is size*size, like PyTorch's default) */
	LAYER_KIND_GAP,      /* [gap]: global average pool -> c x 1 x 1 */
	LAYER_KIND_FLATTEN,  /* [flatten]: c x h x w -> (c*h*w) x 1 x 1 */
	LAYER_KIND_LINEAR,   /* [linear]: out, bias; input flattened */
	LAYER_KIND_ADD,      /* [add]: from; elementwise sum of two inputs */
	LAYER_KIND_COUNT
};

/* conf.out of a linear layer that takes the net's class count. */
#define LAYER_OUT_CLASSES (-1)
#define LAYER_NAME_MAX 32
#define LAYER_MAX_INPUTS 2

/* Zero padding per side, in ONNX's order of its pads attribute
 * [top, left, bottom, right].  The cfg writes `pad = N` when every side is
 * N, else the four numbers.  Conv takes any non-negative sides (ONNX's
 * asymmetric pads: SAME_UPPER at stride 2, PyTorch's padding=(1, 0)); the
 * pools take at most half their window on each side. */
struct layer_pad {
	int top, left, bottom, right;
};

/* Hyper-parameters as written in the cfg; each kind reads only its own. */
struct layer_conf {
	int out;        /* conv filters, linear outputs (or LAYER_OUT_CLASSES) */
	int size;       /* conv / pool kernel side */
	int stride;     /* conv stride (default 1); pool stride, 0 = size */
	struct layer_pad pad; /* conv / pool zero padding (layer_pad_all(p)) */
	int groups;     /* conv groups (default 1; = in channels: depthwise) */
	int bias;       /* conv / linear: 1 if the layer has a bias */
	float eps;      /* bn epsilon (default 1e-5) */
	float momentum; /* bn running-stat momentum (default 0.1, PyTorch's) */
	float clip;     /* relu upper clip, 0 for none */
	/* Inference only: set by nn/net_fuse.c on conv and add layers of a
	 * fused eval net, never read from or written to cfg files, never
	 * trained (backward asserts they are off).  The layer applies a ReLU
	 * (clipped at post_clip when > 0: ReLU6) to its output in the same
	 * pass that adds the bias. */
	bool post_relu;
	float post_clip;
};

/* A ReLU's upper bound for layer_post_act: its clip (> 0: ReLU6), or
 * none. */
static inline float layer_relu_hi(float clip)
{
	return clip > 0.0f ? clip : INFINITY;
}

/* The fused activation's upper bound: post_clip, or none. */
static inline float layer_post_hi(const struct layer_conf *c)
{
	return layer_relu_hi(c->post_clip);
}

/* The fused activation of one value (post_relu, bound hi from
 * layer_post_hi): max(0, v), then min(hi, .); NaN becomes 0.  Inline, so
 * the kernels' vector loops take it. */
static inline float layer_post_act(float v, float hi)
{
	v = v > 0.0f ? v : 0.0f;
	return v < hi ? v : hi;
}

/* The forms of a fused conv's transformed weights (conv_packing.h). */
enum layer_packing {
	LAYER_PACKED_NONE,
	LAYER_PACKED_WINO4,  /* Winograd F(4x4, 3x3) filters in panels */
	LAYER_PACKED_WINO2,  /* Winograd F(2x2, 3x3) filters */
	LAYER_PACKED_PANELS, /* the weights in panels of output rows */
};

struct layer {
	enum layer_kind kind;
	const struct layer_ops *ops;
	char name[LAYER_NAME_MAX];  /* unique within the net */
	int n_in;                   /* 1, or 2 for add */
	int in_idx[LAYER_MAX_INPUTS]; /* producing layer index; -1 = net input */
	struct layer_conf conf;
	struct shape in;            /* shape of input 0 (set by infer) */
	struct shape out;           /* output shape (set by infer) */
	size_t w_len, b_len;        /* parameter counts (set by infer) */
	size_t state_len;           /* non-trainable state, BN stats (infer) */
	float *w, *b;               /* views into net->params (NULL if len 0) */
	float *dw, *db;             /* views into net->grads */
	float *state;               /* view into net->state */
	/* Inference only: a conv of a fused eval net keeps its weights
	 * transformed for its batch-1 forward (conv_packing.h), computed
	 * from w when the net was fused, in the fused net's block (struct
	 * net's packed); LAYER_PACKED_NONE and NULL everywhere else. */
	enum layer_packing packing;
	const float *w_packed;
};

/* Buffers for one forward or backward call, all borrowed from the net. */
struct layer_io {
	int batch;                          /* samples in this call */
	bool train;                         /* forward: BN batch stats */
	const float *in[LAYER_MAX_INPUTS];  /* batch x input shape */
	float *out;                         /* batch x l->out */
	const float *dout;                  /* backward: d loss / d out */
	float *din[LAYER_MAX_INPUTS];       /* backward: += d loss / d in; may be NULL */
	/* backward: din[k] holds no gradient yet (its contents are
	 * undefined) and the layer writes, rather than adds, every element:
	 * the net sets it for the first layer to write a gradient, which
	 * saves zeroing it and reading the zeros back.  false: add.  A layer
	 * with several inputs handles them in order k = 0, 1, ..., so that
	 * when two are one tensor the first assigns and the second adds. */
	bool din_assign[LAYER_MAX_INPUTS];
	/* The most threads the layer may run its own loops on where it would
	 * otherwise use one (a batch-1 conv's thin GEMMs); 0 or 1: one.
	 * For a caller that keeps OpenBLAS on one thread and so owns the
	 * other cores (SynFlow's batch-1 passes): a layer of a net whose
	 * GEMMs run on OpenBLAS's threads must not start a team next to
	 * them (docs/performance.md, the two pools). */
	int threads;
	/* With threads: the team may also cut the layer's OpenBLAS GEMMs by
	 * rows, one serial GEMM per thread.  OpenBLAS picks its kernels by
	 * shape, so a sum may then differ in its last bits from one thread's:
	 * for callers that compare nothing across thread counts (latency);
	 * SynFlow leaves it false, its scores the same on any count. */
	bool threads_split_gemm;
	/* backward: the layer's dw and db hold no gradient yet (their
	 * contents are undefined) and it writes, rather than adds, them.
	 * false: add (what training's accumulation over a step needs).
	 * SynFlow's passes set it: their weight gradients go to a buffer
	 * that would otherwise be zeroed for every layer. */
	bool dw_assign;
	float *cache;                       /* cache_len floats, kept fwd -> bwd */
	float *scratch;                     /* scratch_len floats, temporary */
};

/* For a backward that can only add into din[k]: zeroes its n floats first
 * when the caller asked for assignment, so that adding is then right. */
static inline void layer_din_zero_if_assign(const struct layer_io *io, int k, size_t n)
{
	if (io->din[k] && io->din_assign[k])
		memset(io->din[k], 0, n * sizeof(float));
}

/* For a backward that can only add into dw and db: zeroes them first
 * when the caller asked for assignment. */
static inline void layer_dw_zero_if_assign(const struct layer *l, const struct layer_io *io)
{
	if (!io->dw_assign)
		return;
	if (l->dw)
		memset(l->dw, 0, l->w_len * sizeof(float));
	if (l->db)
		memset(l->db, 0, l->b_len * sizeof(float));
}

struct layer_ops {
	const char *name; /* cfg section name: "conv", "bn", ... */
	enum eng_status (*infer)(struct layer *l, const struct shape *in,
				 int n_in, struct eng_err *err);
	uint64_t (*macs)(const struct layer *l);
	void (*init)(struct layer *l, struct rng *r);
	size_t (*scratch_len)(const struct layer *l, int batch);
	size_t (*cache_len)(const struct layer *l, int batch);
	void (*forward)(struct layer *l, const struct layer_io *io);
	void (*backward)(struct layer *l, const struct layer_io *io);
	/* Optional (NULL: the layer cannot): the layer and the ReLU after it
	 * in one call, clip being the ReLU's (0: none; 6: ReLU6).  The
	 * forward writes the ReLU's output to io->out; the backward takes
	 * the ReLU's output in io->out and its output gradient in io->dout
	 * and computes what the two backwards would, to the bit, into the
	 * layer's din, dw and db.  The layer's own output and output
	 * gradient are neither written nor read.  The net decides when a
	 * pair runs so (net.c, net_fuses_relu). */
	void (*forward_relu)(struct layer *l, const struct layer_io *io, float clip);
	void (*backward_relu)(struct layer *l, const struct layer_io *io, float clip);
};

extern const struct layer_ops conv2d_ops;
extern const struct layer_ops batchnorm_ops;
extern const struct layer_ops relu_ops;
extern const struct layer_ops maxpool_ops;
extern const struct layer_ops avgpool_ops;
extern const struct layer_ops gap_ops;
extern const struct layer_ops flatten_ops;
extern const struct layer_ops linear_ops;
extern const struct layer_ops add_ops;

/* The ops of a kind; never NULL for a valid kind. */
const struct layer_ops *layer_kind_ops(enum layer_kind kind);
/* Kind from a cfg section name; returns false if unknown. */
bool layer_kind_from_name(const char *name, enum layer_kind *kind);
/* The cfg section name of a kind ("conv", ...). */
const char *layer_kind_name(enum layer_kind kind);
/* Defaults for a kind's conf, before the cfg's keys are applied. */
/* The same pad p on every side. */
static inline struct layer_pad layer_pad_all(int p)
{
	return (struct layer_pad){ p, p, p, p };
}

/* True when every side has the same pad. */
static inline bool layer_pad_uniform(struct layer_pad p)
{
	return p.top == p.left && p.top == p.bottom && p.top == p.right;
}

static inline bool layer_pad_equal(struct layer_pad a, struct layer_pad b)
{
	return a.top == b.top && a.left == b.left && a.bottom == b.bottom &&
	       a.right == b.right;
}

void layer_conf_defaults(enum layer_kind kind, struct layer_conf *conf);

/* w_len + b_len. */
static inline size_t layer_param_count(const struct layer *l)
{
	return l->w_len + l->b_len;
}

#endif
