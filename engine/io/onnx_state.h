/* onnx_state.h: the state of one ONNX import, shared by the importer
 * (io/onnx_import.c: the values, the node order, the output, the weights)
 * and the op handlers (io/onnx_ops.c), which read a node's inputs and
 * attributes and append layers through the functions below.  Internal to
 * io/: only those two files include it.
 *
 * Every tensor name of the graph is a value (struct onnx_value): the net
 * input or a layer's output (ACT, with its per-sample shape), a constant
 * tensor (CONST: an initializer, a bound input, a Constant node's value,
 * followed through Identity and through Transpose of a 2-D weight), a
 * float scalar (Constant value_float), or a small folded integer vector
 * (INTS: what Shape/Gather/Unsqueeze/Concat compute on shapes, with
 * ONNX_BATCH standing for the batch dimension, which is not known until
 * run time).  A layer remembers which tensors its values come from
 * (struct onnx_source); onnx_import.c checks them against the data the
 * file holds before the net is allocated, and copies them after.
 *
 * Owns: struct onnx_state owns its arrays and maps (onnx_import.c frees
 * them); values and sources point into the decoded model (io/onnx.h),
 * which points into the file's buffer.  The spec is the caller's.
 * Errors: onnx_state_fail gives "path: node 'name' (Op): message", names
 * from the file with their control characters printed as '?'.
 * Thread rules: one import, one thread.
 */
#ifndef RECONVENE_ONNX_STATE_H
#define RECONVENE_ONNX_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "io/onnx.h"
#include "io/onnx_import.h"
#include "nn/layer.h"
#include "nn/net_spec.h"

#define ONNX_INTS_MAX 8
#define ONNX_BATCH INT64_MIN             /* the symbolic batch dimension */
#define ONNX_LAYERS_MAX 65536
/* The cfg format's limits (io/cfg.c), checked here so that the message can
 * name the node. */
#define ONNX_DIM_MAX 65536
#define ONNX_INPUT_MAX ((int64_t)1 << 28)
#define ONNX_KERNEL_MAX 64

#define ONNX_TRY(x) do { enum eng_status st_ = (x); if (st_ != ENG_STATUS_OK) return st_; } while (0)

enum onnx_value_kind { ONNX_VALUE_NONE, ONNX_VALUE_ACT, ONNX_VALUE_CONST, ONNX_VALUE_SCALAR, ONNX_VALUE_INTS };

struct onnx_value {
	const char *name;
	enum onnx_value_kind kind;
	int producer;                 /* node index, -1 for graph values */
	int uses;                     /* node inputs + graph outputs reading it */
	int layer;                    /* ACT: spec layer, -1 = the net input */
	int rank;                     /* ACT: 1..4: N, then C, H, W */
	struct shape s;               /* ACT: per sample (missing dims 1) */
	struct layer_pad pad;         /* ACT: zero padding of a Pad node that the
				       * consuming Conv takes into its own pads
				       * (s is the unpadded shape) */
	const struct onnx_tensor *t;  /* CONST */
	bool tr;                      /* CONST: a 2-D t, read transposed */
	float f;                      /* SCALAR */
	int n_ints, ints_rank;        /* INTS: values, 0 = scalar or 1 */
	int64_t ints[ONNX_INTS_MAX];
};

/* Where a layer's values come from. */
struct onnx_source {
	const struct onnx_tensor *w, *b, *mean, *var;
	bool w_transpose;             /* the file holds w as [in][out] */
	float w_scale, b_scale;       /* Gemm alpha, beta */
};

struct onnx_name_map {                      /* name -> index, open addressing */
	int *slot;                    /* -1 = empty */
	size_t cap;                   /* power of two */
};

struct onnx_state {
	const char *path;
	const struct onnx_import_opts *o;
	struct onnx_model m;
	struct net_spec *spec;
	struct eng_err *err;
	struct onnx_value *v;
	int n_v;
	struct onnx_name_map vmap;          /* value names */
	struct onnx_name_map lmap;          /* layer names */
	int *in_val;                  /* every node's inputs, flattened */
	int *in_off;                  /* node i's inputs at in_val[in_off[i]] */
	int *out_val, *out_off;       /* the same for outputs (-1: "") */
	struct onnx_source *src;          /* one per spec layer */
	struct shape *lshape;         /* each layer's output shape */
	int cap_layers;
	int64_t batch;                /* the input's fixed batch, or -1 */
	int cur;                      /* the node being converted, or -1 */
	int n_bn;
	int n_conv_bias;
};

typedef const char *(*onnx_name_fn)(const struct onnx_state *im, int idx);

/* EINVAL with "path: node 'name' (Op): <message>" in im->err ("path:
 * <message>" outside a node, im->cur < 0). */
enum eng_status onnx_state_fail(struct onnx_state *im, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ENOMEM, "path: out of memory". */
enum eng_status onnx_state_oom(struct onnx_state *im);

/* The names the two maps hold: value idx's, spec layer idx's. */
const char *onnx_state_value_name(const struct onnx_state *im, int idx);

const char *onnx_state_layer_name(const struct onnx_state *im, int idx);

/* A map with room for n names; false when out of memory. */
bool onnx_name_map_init(struct onnx_name_map *t, size_t n);

/* The slot holding name, or the empty slot where it would go. */
size_t onnx_name_map_probe(const struct onnx_state *im, const struct onnx_name_map *t,
			    onnx_name_fn fn, const char *name);

/* The index of name, or -1. */
int onnx_name_map_find(const struct onnx_state *im, const struct onnx_name_map *t,
			onnx_name_fn fn, const char *name);

/* A new value named name (borrowed), its index; -1 when the name is taken. */
int onnx_state_value_add(struct onnx_state *im, const char *name, enum onnx_value_kind kind,
		       int producer);

/* Node input k's value, or NULL when the input is absent or "". */
struct onnx_value *onnx_state_in(struct onnx_state *im, int k);

/* Node output k's value, or NULL when absent or "". */
struct onnx_value *onnx_state_out(struct onnx_state *im, int k);

/* Input k as an activation, or EINVAL naming what it is. */
/* Input k, an activation with no pending Pad (only a Conv takes one:
 * onnx_state_want_act_padded). */
enum eng_status onnx_state_want_act(struct onnx_state *im, int k, struct onnx_value **out);
/* Input k, an activation whose pending zero padding (x->pad) the caller
 * adds to its own. */
enum eng_status onnx_state_want_act_padded(struct onnx_state *im, int k,
					   struct onnx_value **out);
/* True when x carries a pending Pad. */
bool onnx_value_padded(const struct onnx_value *x);

/* A float constant tensor (required, or optional when opt).  tr NULL: the
 * tensor must be used as stored; else *tr says it is read transposed. */
enum eng_status onnx_state_want_const_tr(struct onnx_state *im, int k, bool opt,
					 const struct onnx_tensor **out, bool *tr);

/* onnx_state_want_const_tr for a tensor used as stored. */
enum eng_status onnx_state_want_const(struct onnx_state *im, int k, bool opt,
				      const struct onnx_tensor **out);

/* Elements of t (the decoder refused dims whose product overflows). */
uint64_t onnx_state_numel(const struct onnx_tensor *t);

/* A value's integers (INTS, or a small integer CONST). */
enum eng_status onnx_state_want_ints(struct onnx_state *im, int k, int64_t *out,
				     int *n, int *rank);

/* A float scalar from a SCALAR value or a one-element constant. */
enum eng_status onnx_state_want_scalar(struct onnx_state *im, int k, float *out);

/* Make output k an alias of value x (the same activation or constant). */
void onnx_state_alias(struct onnx_state *im, int k, const struct onnx_value *x);

/* Outputs from k on must not be read by anything (BN's training outputs,
 * Dropout's mask, MaxPool's indices). */
enum eng_status onnx_state_unused_from(struct onnx_state *im, int k);

/* An INT (FLOAT) attribute, dflt when absent; EINVAL for another type. */
enum eng_status onnx_state_attr_int(struct onnx_state *im, const char *name, int64_t dflt,
				    int64_t *out);

enum eng_status onnx_state_attr_float(struct onnx_state *im, const char *name, float dflt,
				      float *out);

/* An INTS attribute with exactly want values (absent: *n = 0). */
enum eng_status onnx_state_attr_ints(struct onnx_state *im, const char *name, int64_t *out,
				     size_t want, size_t *n);

/* A STRING attribute, "" when absent. */
const char *onnx_state_attr_str(struct onnx_state *im, const char *name);

/* Append a layer reading the given activations; its output becomes node
 * output 0.  Shapes are inferred by the layer kind's own infer. */
enum eng_status onnx_state_layer(struct onnx_state *im, enum layer_kind kind,
				 const struct layer_conf *conf, int n_in,
				 struct onnx_value *const *in, const struct onnx_source *src,
				 const char *suffix);

/* strides, pads (with auto_pad) and dilations of a 2-D window of side k
 * over the activation x: one stride and the pad of each side ([top, left,
 * bottom, right], each 0..ONNX_KERNEL_MAX; symmetric or not). */
enum eng_status onnx_state_window(struct onnx_state *im, const struct onnx_value *x, int64_t k,
				  int *stride, struct layer_pad *pad);

/* EINVAL unless x is N x C x H x W (only 2-D convolutions and pools). */
enum eng_status onnx_state_want_rank4(struct onnx_state *im, const struct onnx_value *x);

#endif
