/* onnx_import.c: an ONNX CNN classifier as a net_spec + weights (see
 * onnx_import.h).
 *
 * Every tensor name of the graph is a value (struct imp_val): the net
 * input or a layer's output (ACT, with its per-sample shape), a constant
 * tensor (CONST: an initializer, a bound input, a Constant node's value,
 * followed through Identity and through Transpose of a 2-D weight), a
 * float scalar (Constant value_float), or a small folded integer vector
 * (INTS: what Shape/Gather/Unsqueeze/Concat compute on shapes, with
 * IMP_BATCH standing for the batch dimension, which is not known until run
 * time).  Nodes are visited in topological order (the file's when it is
 * already one, Kahn's otherwise, which also finds cycles); each op either
 * appends a layer to the spec, or makes its output an alias of an input
 * (Identity, Dropout, no-op pools, a Reshape that is already flat), or
 * computes a constant.  A layer remembers which tensors its values come
 * from (struct imp_src); they are checked against the data the file really
 * holds before net_build allocates anything, so a file cannot ask for more
 * memory than it is large, and copied after.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/hash.h"
#include "io/cfg.h"
#include "io/onnx_import.h"
#include "io/onnx_name.h"

#define IMP_FILE_MAX ((size_t)4 << 30)  /* 4 GiB: protobuf's own limit is 2 */
/* Every supported op means the same from opset 1 on (the legacy broadcast
 * attribute of Add is read where it matters); docs/onnx.md. */
#define IMP_OPSET_MIN 1
#define IMP_OPSET_MAX 21
#define IMP_INTS_MAX 8
#define IMP_BATCH INT64_MIN             /* the symbolic batch dimension */
#define IMP_LAYERS_MAX 65536
/* The cfg format's limits (io/cfg.c), checked here so that the message can
 * name the node. */
#define IMP_DIM_MAX 65536
#define IMP_INPUT_MAX ((int64_t)1 << 28)
#define IMP_KERNEL_MAX 64

enum imp_kind { IMP_NONE, IMP_ACT, IMP_CONST, IMP_SCALAR, IMP_INTS };

struct imp_val {
	const char *name;
	enum imp_kind kind;
	int producer;                 /* node index, -1 for graph values */
	int uses;                     /* node inputs + graph outputs reading it */
	int layer;                    /* ACT: spec layer, -1 = the net input */
	int rank;                     /* ACT: 1..4: N, then C, H, W */
	struct shape s;               /* ACT: per sample (missing dims 1) */
	const struct onnx_tensor *t;  /* CONST */
	bool tr;                      /* CONST: a 2-D t, read transposed */
	float f;                      /* SCALAR */
	int n_ints, ints_rank;        /* INTS: values, 0 = scalar or 1 */
	int64_t ints[IMP_INTS_MAX];
};

/* Where a layer's values come from. */
struct imp_src {
	const struct onnx_tensor *w, *b, *mean, *var;
	bool w_transpose;             /* the file holds w as [in][out] */
	float w_scale, b_scale;       /* Gemm alpha, beta */
};

struct imp_map {                      /* name -> index, open addressing */
	int *slot;                    /* -1 = empty */
	size_t cap;                   /* power of two */
};

struct imp {
	const char *path;
	const struct onnx_import_opts *o;
	struct onnx_model m;
	struct net_spec *spec;
	struct eng_err *err;
	struct imp_val *v;
	int n_v;
	struct imp_map vmap;          /* value names */
	struct imp_map lmap;          /* layer names */
	int *in_val;                  /* every node's inputs, flattened */
	int *in_off;                  /* node i's inputs at in_val[in_off[i]] */
	int *out_val, *out_off;       /* the same for outputs (-1: "") */
	struct imp_src *src;          /* one per spec layer */
	struct shape *lshape;         /* each layer's output shape */
	int cap_layers;
	int64_t batch;                /* the input's fixed batch, or -1 */
	int cur;                      /* the node being converted, or -1 */
	int n_bn;
	int n_conv_bias;
};

/* ---- messages ------------------------------------------------------------ */

static enum eng_status imp_fail(struct imp *im, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static enum eng_status imp_fail(struct imp *im, const char *fmt, ...)
{
	char msg[ENG_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	char where[320] = "";
	if (im->cur >= 0) {
		const struct onnx_node *nd = &im->m.graph.node[im->cur];
		if (nd->name[0])
			snprintf(where, sizeof where, "node '%.200s' (%.40s): ", nd->name,
				 nd->op_type);
		else
			snprintf(where, sizeof where, "node #%d (%.40s): ", im->cur, nd->op_type);
	}
	eng_err_set(im->err, ENG_STATUS_EINVAL, "%s: %s%s", im->path, where, msg);
	/* The path is the caller's; the rest came from the file. */
	if (im->err && strlen(im->path) < strlen(im->err->msg))
		onnx_text_clean(im->err->msg + strlen(im->path));
	return ENG_STATUS_EINVAL;
}

static enum eng_status imp_oom(struct imp *im)
{
	return eng_err_set(im->err, ENG_STATUS_ENOMEM, "%s: out of memory", im->path);
}

#define IMP_TRY(x) do { enum eng_status st_ = (x); if (st_ != ENG_STATUS_OK) return st_; } while (0)

/* ---- name maps --------------------------------------------------------- */

typedef const char *(*imp_name_fn)(const struct imp *im, int idx);

static const char *imp_val_name(const struct imp *im, int idx)
{
	return im->v[idx].name;
}

static const char *imp_layer_name(const struct imp *im, int idx)
{
	return im->spec->layers[idx].name;
}

static bool imp_map_init(struct imp_map *t, size_t n)
{
	size_t cap = 16;
	while (cap < 2 * n + 2)
		cap *= 2;
	t->slot = malloc(cap * sizeof *t->slot);
	if (!t->slot)
		return false;
	for (size_t i = 0; i < cap; i++)
		t->slot[i] = -1;
	t->cap = cap;
	return true;
}

/* The slot holding name, or the empty slot where it would go. */
static size_t imp_map_probe(const struct imp *im, const struct imp_map *t,
			    imp_name_fn fn, const char *name)
{
	size_t i = (size_t)hash_fnv1a_str(hash_fnv1a_init(), name) & (t->cap - 1);
	while (t->slot[i] >= 0 && strcmp(fn(im, t->slot[i]), name) != 0)
		i = (i + 1) & (t->cap - 1);
	return i;
}

static int imp_map_find(const struct imp *im, const struct imp_map *t,
			imp_name_fn fn, const char *name)
{
	return t->slot[imp_map_probe(im, t, fn, name)];
}

/* ---- values ---------------------------------------------------------------- */

static int imp_val_add(struct imp *im, const char *name, enum imp_kind kind,
		       int producer)
{
	size_t i = imp_map_probe(im, &im->vmap, imp_val_name, name);
	if (im->vmap.slot[i] >= 0)
		return -1;
	struct imp_val *v = &im->v[im->n_v];
	memset(v, 0, sizeof *v);
	v->name = name;
	v->kind = kind;
	v->producer = producer;
	v->layer = -1;
	im->vmap.slot[i] = im->n_v;
	return im->n_v++;
}

/* Node input k's value, or NULL when the input is absent or "". */
static struct imp_val *imp_in(struct imp *im, int k)
{
	const struct onnx_node *nd = &im->m.graph.node[im->cur];
	if (k >= nd->n_in || !nd->in[k][0])
		return NULL;
	return &im->v[im->in_val[im->in_off[im->cur] + k]];
}

/* Node output k's value, or NULL when absent or "". */
static struct imp_val *imp_out(struct imp *im, int k)
{
	const struct onnx_node *nd = &im->m.graph.node[im->cur];
	if (k >= nd->n_out || im->out_val[im->out_off[im->cur] + k] < 0)
		return NULL;
	return &im->v[im->out_val[im->out_off[im->cur] + k]];
}

static const char *imp_kind_word(enum imp_kind k)
{
	switch (k) {
	case IMP_ACT: return "an activation";
	case IMP_CONST: return "a constant tensor";
	case IMP_SCALAR: return "a constant scalar";
	case IMP_INTS: return "a folded shape";
	case IMP_NONE: break;
	}
	return "not computed by this importer";
}

static enum eng_status imp_want_act(struct imp *im, int k, struct imp_val **out)
{
	struct imp_val *x = imp_in(im, k);
	if (!x)
		return imp_fail(im, "input %d is missing", k);
	if (x->kind != IMP_ACT)
		return imp_fail(im, "input %d '%.100s' is %s, want an activation",
				k, x->name, imp_kind_word(x->kind));
	*out = x;
	return ENG_STATUS_OK;
}

/* A float constant tensor (required, or optional when opt).  tr NULL: the
 * tensor must be used as stored; else *tr says it is read transposed. */
static enum eng_status imp_want_const_tr(struct imp *im, int k, bool opt,
					 const struct onnx_tensor **out, bool *tr)
{
	*out = NULL;
	struct imp_val *x = imp_in(im, k);
	if (!x) {
		if (opt)
			return ENG_STATUS_OK;
		return imp_fail(im, "input %d is missing", k);
	}
	if (x->kind != IMP_CONST)
		return imp_fail(im, "input %d '%.100s' is %s, want a weight tensor "
				"(an initializer)", k, x->name, imp_kind_word(x->kind));
	const struct onnx_tensor *t = x->t;
	if (t->external)
		return imp_fail(im, "initializer '%.100s' uses external data (save the "
				"model with its weights inside the file)", x->name);
	if (t->data_type != ONNX_DTYPE_FLOAT && t->data_type != ONNX_DTYPE_DOUBLE)
		return imp_fail(im, "initializer '%.100s' has data type %d, want float",
				x->name, t->data_type);
	if (x->tr && !tr)
		return imp_fail(im, "input %d '%.100s' is a transposed constant, which "
				"only Gemm and MatMul take", k, x->name);
	if (tr)
		*tr = x->tr;
	*out = t;
	return ENG_STATUS_OK;
}

static enum eng_status imp_want_const(struct imp *im, int k, bool opt,
				      const struct onnx_tensor **out)
{
	return imp_want_const_tr(im, k, opt, out, NULL);
}

static uint64_t imp_numel(const struct onnx_tensor *t)
{
	uint64_t n = 0;
	(void)onnx_tensor_numel(t, &n);
	return n;
}

/* A value's integers (INTS, or a small integer CONST). */
static enum eng_status imp_want_ints(struct imp *im, int k, int64_t *out,
				     int *n, int *rank)
{
	struct imp_val *x = imp_in(im, k);
	if (!x)
		return imp_fail(im, "input %d is missing", k);
	if (x->kind == IMP_INTS) {
		memcpy(out, x->ints, sizeof x->ints);
		*n = x->n_ints;
		*rank = x->ints_rank;
		return ENG_STATUS_OK;
	}
	if (x->kind == IMP_CONST && x->t->ndim <= 1) {
		size_t got;
		const char *why;
		if (!onnx_tensor_ints(x->t, out, IMP_INTS_MAX, &got, &why))
			return imp_fail(im, "input %d '%.100s': %s", k, x->name, why);
		*n = (int)got;
		*rank = x->t->ndim;
		return ENG_STATUS_OK;
	}
	if (x->kind == IMP_ACT)
		return imp_fail(im, "input %d '%.100s' is an activation: only shape "
				"arithmetic that folds to a flatten is supported", k, x->name);
	return imp_fail(im, "input %d '%.100s' is %s, want a small integer vector",
			k, x->name, imp_kind_word(x->kind));
}

/* A float scalar from a SCALAR value or a one-element constant. */
static enum eng_status imp_want_scalar(struct imp *im, int k, float *out)
{
	struct imp_val *x = imp_in(im, k);
	const char *why;
	if (x && x->kind == IMP_SCALAR) {
		*out = x->f;
		return ENG_STATUS_OK;
	}
	if (x && x->kind == IMP_CONST && imp_numel(x->t) == 1 &&
	    onnx_tensor_floats(x->t, out, 1, &why))
		return ENG_STATUS_OK;
	return imp_fail(im, "input %d must be a constant float scalar", k);
}

/* Make output k an alias of value x (the same activation or constant). */
static void imp_alias(struct imp *im, int k, const struct imp_val *x)
{
	struct imp_val *o = imp_out(im, k);
	if (!o)
		return;
	const char *name = o->name;
	int producer = o->producer, uses = o->uses;
	*o = *x;
	o->name = name;
	o->producer = producer;
	o->uses = uses;
}

/* Outputs from k on must not be read by anything (BN's training outputs,
 * Dropout's mask, MaxPool's indices). */
static enum eng_status imp_unused_from(struct imp *im, int k)
{
	const struct onnx_node *nd = &im->m.graph.node[im->cur];
	for (int j = k; j < nd->n_out; j++) {
		struct imp_val *o = imp_out(im, j);
		if (o && o->uses)
			return imp_fail(im, "output %d '%.100s' is used, but only the "
					"first output of this op is supported", j, o->name);
	}
	return ENG_STATUS_OK;
}

/* ---- attributes ---------------------------------------------------------- */

static enum eng_status imp_attr_int(struct imp *im, const char *name, int64_t dflt,
				    int64_t *out)
{
	const struct onnx_attr *a = onnx_node_attr(&im->m.graph.node[im->cur], name);
	*out = dflt;
	if (!a)
		return ENG_STATUS_OK;
	if (a->type && a->type != ONNX_ATTR_INT)
		return imp_fail(im, "attribute %s has type %d, want an integer", name, a->type);
	*out = a->i;
	return ENG_STATUS_OK;
}

static enum eng_status imp_attr_float(struct imp *im, const char *name, float dflt,
				      float *out)
{
	const struct onnx_attr *a = onnx_node_attr(&im->m.graph.node[im->cur], name);
	*out = dflt;
	if (!a)
		return ENG_STATUS_OK;
	if (a->type && a->type != ONNX_ATTR_FLOAT)
		return imp_fail(im, "attribute %s has type %d, want a float", name, a->type);
	*out = a->f;
	return ENG_STATUS_OK;
}

/* An INTS attribute with exactly want values (absent: *n = 0). */
static enum eng_status imp_attr_ints(struct imp *im, const char *name, int64_t *out,
				     size_t want, size_t *n)
{
	const struct onnx_attr *a = onnx_node_attr(&im->m.graph.node[im->cur], name);
	const char *why;
	*n = 0;
	if (!a)
		return ENG_STATUS_OK;
	if (a->type && a->type != ONNX_ATTR_INTS)
		return imp_fail(im, "attribute %s has type %d, want integers", name, a->type);
	if (!onnx_attr_ints(a, out, want, n, &why))
		return imp_fail(im, "attribute %s: %s (want %zu values: a 2-D op)",
				name, why, want);
	if (*n != want)
		return imp_fail(im, "attribute %s has %zu values, want %zu (a 2-D op)",
				name, *n, want);
	return ENG_STATUS_OK;
}

static const char *imp_attr_str(struct imp *im, const char *name)
{
	const struct onnx_attr *a = onnx_node_attr(&im->m.graph.node[im->cur], name);
	return a ? a->s : "";
}

/* ---- layers ---------------------------------------------------------------- */

/* Append a layer reading the given activations; its output becomes node
 * output 0.  Shapes are inferred by the layer kind's own infer. */
static enum eng_status imp_layer(struct imp *im, enum layer_kind kind,
				 const struct layer_conf *conf, int n_in,
				 struct imp_val *const *in, const struct imp_src *src,
				 const char *suffix)
{
	const struct onnx_node *nd = &im->m.graph.node[im->cur];
	int idx = im->spec->n_layers;
	if (idx >= IMP_LAYERS_MAX)
		return imp_fail(im, "more than %d layers", IMP_LAYERS_MAX);
	if (idx == im->cap_layers) {
		int cap = im->cap_layers ? 2 * im->cap_layers : 64;
		struct imp_src *s = realloc(im->src, (size_t)cap * sizeof *s);
		if (!s)
			return imp_oom(im);
		im->src = s;
		struct shape *sh = realloc(im->lshape, (size_t)cap * sizeof *sh);
		if (!sh)
			return imp_oom(im);
		im->lshape = sh;
		im->cap_layers = cap;
	}
	struct layer_spec ls = { .kind = kind, .n_in = n_in, .conf = *conf };
	char base[LAYER_NAME_MAX];
	onnx_name_layer(base, nd->name, nd->op_type, suffix, kind, idx);
	memcpy(ls.name, base, sizeof ls.name);
	for (int n = 2; imp_map_find(im, &im->lmap, imp_layer_name, ls.name) >= 0; n++)
		onnx_name_numbered(ls.name, base, n);
	struct layer l = { .kind = kind, .ops = layer_kind_ops(kind), .n_in = n_in,
			   .conf = *conf };
	memcpy(l.name, ls.name, sizeof l.name);
	struct shape shp[LAYER_MAX_INPUTS];
	for (int k = 0; k < n_in; k++) {
		ls.in_idx[k] = in[k]->layer;
		shp[k] = in[k]->s;
	}
	struct eng_err e;
	if (l.ops->infer(&l, shp, n_in, &e) != ENG_STATUS_OK)
		return imp_fail(im, "%s", e.msg);
	if (net_spec_append(im->spec, &ls) != ENG_STATUS_OK)
		return imp_oom(im);
	/* The name map was sized for one layer per node at most. */
	im->lmap.slot[imp_map_probe(im, &im->lmap, imp_layer_name, ls.name)] = idx;
	im->src[idx] = src ? *src : (struct imp_src){ .w_scale = 1, .b_scale = 1 };
	im->lshape[idx] = l.out;
	struct imp_val *o = imp_out(im, 0);
	if (o) {
		o->kind = IMP_ACT;
		o->layer = idx;
		o->s = l.out;
		o->rank = (kind == LAYER_KIND_FLATTEN || kind == LAYER_KIND_LINEAR) ? 2
			  : in[0]->rank;
	}
	return ENG_STATUS_OK;
}

/* strides, pads (with auto_pad) and dilations of a 2-D window of side k
 * over the activation x: one stride and one symmetric pad. */
static enum eng_status imp_window(struct imp *im, const struct imp_val *x, int64_t k,
				  int *stride, int *pad)
{
	int64_t v[4];
	size_t n;
	IMP_TRY(imp_attr_ints(im, "dilations", v, 2, &n));
	for (size_t i = 0; i < n; i++) {
		if (v[i] != 1)
			return imp_fail(im, "dilation %lld is not supported", (long long)v[i]);
	}
	int64_t s[2] = { 1, 1 };
	IMP_TRY(imp_attr_ints(im, "strides", s, 2, &n));
	if (!n)
		s[0] = s[1] = 1;
	if (s[0] != s[1])
		return imp_fail(im, "strides %lldx%lld differ (only equal strides are supported)",
				(long long)s[0], (long long)s[1]);
	if (s[0] < 1 || s[0] > IMP_KERNEL_MAX)
		return imp_fail(im, "stride %lld is out of range (1..%d)", (long long)s[0],
				IMP_KERNEL_MAX);
	int64_t p[4] = { 0, 0, 0, 0 };
	const char *ap = imp_attr_str(im, "auto_pad");
	if (!ap[0] || strcmp(ap, "NOTSET") == 0) {
		IMP_TRY(imp_attr_ints(im, "pads", p, 4, &n));
		if (!n)
			memset(p, 0, sizeof p);
	} else if (strcmp(ap, "SAME_UPPER") == 0 || strcmp(ap, "SAME_LOWER") == 0) {
		int64_t in[2] = { x->s.h, x->s.w };
		for (int a = 0; a < 2; a++) {
			int64_t out = (in[a] + s[0] - 1) / s[0];
			int64_t total = (out - 1) * s[0] + k - in[a];
			if (total < 0)
				total = 0;
			int64_t small = total / 2;
			p[a] = ap[5] == 'U' ? small : total - small;
			p[a + 2] = total - p[a];
		}
	} else if (strcmp(ap, "VALID") != 0) {
		return imp_fail(im, "auto_pad '%.20s' is not supported", ap);
	}
	if (p[0] != p[1] || p[0] != p[2] || p[0] != p[3])
		return imp_fail(im, "asymmetric pads [%lld,%lld,%lld,%lld] are not supported "
				"(only the same pad on every side)",
				(long long)p[0], (long long)p[1], (long long)p[2],
				(long long)p[3]);
	if (p[0] < 0 || p[0] > IMP_KERNEL_MAX)
		return imp_fail(im, "pad %lld is out of range (0..%d)", (long long)p[0],
				IMP_KERNEL_MAX);
	*stride = (int)s[0];
	*pad = (int)p[0];
	return ENG_STATUS_OK;
}

static enum eng_status imp_want_rank4(struct imp *im, const struct imp_val *x)
{
	if (x->rank != 4)
		return imp_fail(im, "input '%.100s' is %d-D, want N x C x H x W (only "
				"2-D convolutions and pools are supported)", x->name, x->rank);
	return ENG_STATUS_OK;
}

/* ---- ops --------------------------------------------------------------------- */

static enum eng_status imp_conv(struct imp *im)
{
	struct imp_val *x;
	const struct onnx_tensor *w, *b;
	IMP_TRY(imp_want_act(im, 0, &x));
	IMP_TRY(imp_want_rank4(im, x));
	IMP_TRY(imp_want_const(im, 1, false, &w));
	IMP_TRY(imp_want_const(im, 2, true, &b));
	if (w->ndim != 4)
		return imp_fail(im, "weight is %d-D, want 4-D (only 2-D convolutions "
				"are supported)", w->ndim);
	int64_t o = w->dims[0], cg = w->dims[1], k = w->dims[2];
	if (w->dims[3] != k)
		return imp_fail(im, "kernel %lldx%lld is not square",
				(long long)k, (long long)w->dims[3]);
	int64_t ks[2];
	size_t n;
	IMP_TRY(imp_attr_ints(im, "kernel_shape", ks, 2, &n));
	if (n && (ks[0] != k || ks[1] != k))
		return imp_fail(im, "kernel_shape %lldx%lld does not match the weight's %lldx%lld",
				(long long)ks[0], (long long)ks[1], (long long)k, (long long)k);
	int64_t group;
	IMP_TRY(imp_attr_int(im, "group", 1, &group));
	if (group < 1 || group > IMP_DIM_MAX)
		return imp_fail(im, "group %lld is out of range", (long long)group);
	if (o < 1 || o > IMP_DIM_MAX || k < 1 || k > IMP_KERNEL_MAX || cg < 1)
		return imp_fail(im, "weight dimensions [%lld,%lld,%lld,%lld] are out of range",
				(long long)o, (long long)cg, (long long)k, (long long)k);
	if (cg * group != x->s.c)
		return imp_fail(im, "channel mismatch: the weight takes %lld input channels "
				"(%lld per group x %lld groups), the input '%.100s' has %d",
				(long long)(cg * group), (long long)cg, (long long)group,
				x->name, x->s.c);
	if (o % group)
		return imp_fail(im, "%lld output channels do not split into %lld groups",
				(long long)o, (long long)group);
	if (b && imp_numel(b) != (uint64_t)o)
		return imp_fail(im, "bias has %llu values, want %lld",
				(unsigned long long)imp_numel(b), (long long)o);
	int stride, pad;
	IMP_TRY(imp_window(im, x, k, &stride, &pad));
	struct layer_conf c;
	layer_conf_defaults(LAYER_KIND_CONV, &c);
	c.out = (int)o;
	c.size = (int)k;
	c.stride = stride;
	c.pad = pad;
	c.groups = (int)group;
	c.bias = b != NULL;
	im->n_conv_bias += b != NULL;
	struct imp_src src = { .w = w, .b = b, .w_scale = 1, .b_scale = 1 };
	return imp_layer(im, LAYER_KIND_CONV, &c, 1, &x, &src, NULL);
}

static enum eng_status imp_batchnorm(struct imp *im)
{
	struct imp_val *x;
	const struct onnx_tensor *t[4];
	IMP_TRY(imp_want_act(im, 0, &x));
	for (int k = 0; k < 4; k++) {
		IMP_TRY(imp_want_const(im, k + 1, false, &t[k]));
		if (imp_numel(t[k]) != (uint64_t)x->s.c)
			return imp_fail(im, "channel mismatch: input %d has %llu values, the "
					"input '%.100s' has %d channels", k + 1,
					(unsigned long long)imp_numel(t[k]), x->name, x->s.c);
	}
	int64_t train, spatial;
	float eps, momentum;
	IMP_TRY(imp_attr_int(im, "training_mode", 0, &train));
	IMP_TRY(imp_attr_int(im, "spatial", 1, &spatial));
	IMP_TRY(imp_attr_float(im, "epsilon", 1e-5f, &eps));
	IMP_TRY(imp_attr_float(im, "momentum", 0.9f, &momentum));
	if (train)
		return imp_fail(im, "training_mode = 1 (export the model in eval mode)");
	if (spatial != 1)
		return imp_fail(im, "spatial = %lld is not supported", (long long)spatial);
	if (!(eps > 0.0f && eps <= 1.0f))
		return imp_fail(im, "epsilon %g is out of range (0, 1]", (double)eps);
	IMP_TRY(imp_unused_from(im, 1));
	struct layer_conf c;
	layer_conf_defaults(LAYER_KIND_BN, &c);
	c.eps = eps;
	/* ONNX's momentum weighs the old statistics, PyTorch's the new. */
	if (momentum >= 0.0f && momentum <= 1.0f)
		c.momentum = 1.0f - momentum;
	im->n_bn++;
	struct imp_src src = { .w = t[0], .b = t[1], .mean = t[2], .var = t[3],
			       .w_scale = 1, .b_scale = 1 };
	return imp_layer(im, LAYER_KIND_BN, &c, 1, &x, &src, NULL);
}

static enum eng_status imp_relu(struct imp *im)
{
	struct imp_val *x;
	IMP_TRY(imp_want_act(im, 0, &x));
	struct layer_conf c;
	layer_conf_defaults(LAYER_KIND_RELU, &c);
	return imp_layer(im, LAYER_KIND_RELU, &c, 1, &x, NULL, NULL);
}

static enum eng_status imp_clip(struct imp *im)
{
	struct imp_val *x;
	IMP_TRY(imp_want_act(im, 0, &x));
	float lo = -INFINITY, hi = INFINITY;
	if (im->m.opset < 11) {
		IMP_TRY(imp_attr_float(im, "min", -INFINITY, &lo));
		IMP_TRY(imp_attr_float(im, "max", INFINITY, &hi));
	} else {
		if (imp_in(im, 1))
			IMP_TRY(imp_want_scalar(im, 1, &lo));
		if (imp_in(im, 2))
			IMP_TRY(imp_want_scalar(im, 2, &hi));
	}
	if (lo != 0.0f)
		return imp_fail(im, "min %g: only Clip(0, max) (a ReLU or ReLU6) is supported",
				(double)lo);
	if (!(hi > 0.0f))
		return imp_fail(im, "max %g: only Clip(0, max) with max > 0 is supported",
				(double)hi);
	struct layer_conf c;
	layer_conf_defaults(LAYER_KIND_RELU, &c);
	c.clip = isinf(hi) ? 0.0f : hi;
	return imp_layer(im, LAYER_KIND_RELU, &c, 1, &x, NULL, NULL);
}

static enum eng_status imp_pool(struct imp *im, bool max)
{
	struct imp_val *x;
	IMP_TRY(imp_want_act(im, 0, &x));
	IMP_TRY(imp_want_rank4(im, x));
	int64_t ks[2], ceil_mode, order, incl;
	size_t n;
	IMP_TRY(imp_attr_ints(im, "kernel_shape", ks, 2, &n));
	if (!n)
		return imp_fail(im, "kernel_shape is missing");
	if (ks[0] != ks[1])
		return imp_fail(im, "kernel %lldx%lld is not square",
				(long long)ks[0], (long long)ks[1]);
	if (ks[0] < 1 || ks[0] > IMP_KERNEL_MAX)
		return imp_fail(im, "kernel %lld is out of range (1..%d)",
				(long long)ks[0], IMP_KERNEL_MAX);
	int stride, pad;
	IMP_TRY(imp_window(im, x, ks[0], &stride, &pad));
	IMP_TRY(imp_attr_int(im, "ceil_mode", 0, &ceil_mode));
	IMP_TRY(imp_attr_int(im, "storage_order", 0, &order));
	IMP_TRY(imp_attr_int(im, "count_include_pad", 0, &incl));
	if (order)
		return imp_fail(im, "storage_order = 1 is not supported");
	/* Ceil mode gives the floor mode's size when the windows fit exactly. */
	if (ceil_mode && (((int64_t)x->s.h + 2 * pad - ks[0]) % stride ||
			  ((int64_t)x->s.w + 2 * pad - ks[0]) % stride))
		return imp_fail(im, "ceil_mode = 1 adds a partial window here; only "
				"floor mode is supported");
	if (!max && pad && !incl)
		return imp_fail(im, "count_include_pad = 0 with pads is not supported "
				"(the engine divides by the whole window)");
	IMP_TRY(imp_unused_from(im, 1));
	if (!max && ks[0] == 1 && stride == 1 && pad == 0) {
		imp_alias(im, 0, x); /* a 1x1 average is the identity */
		return ENG_STATUS_OK;
	}
	enum layer_kind kind = max ? LAYER_KIND_MAXPOOL : LAYER_KIND_AVGPOOL;
	struct layer_conf c;
	layer_conf_defaults(kind, &c);
	c.size = (int)ks[0];
	c.stride = stride;
	c.pad = pad;
	return imp_layer(im, kind, &c, 1, &x, NULL, NULL);
}

static enum eng_status imp_gap(struct imp *im)
{
	struct imp_val *x;
	IMP_TRY(imp_want_act(im, 0, &x));
	IMP_TRY(imp_want_rank4(im, x));
	struct layer_conf c;
	layer_conf_defaults(LAYER_KIND_GAP, &c);
	return imp_layer(im, LAYER_KIND_GAP, &c, 1, &x, NULL, NULL);
}

/* x as N x F: a flatten layer, or x itself when it is flat already. */
static enum eng_status imp_flat(struct imp *im, struct imp_val *x)
{
	if (x->rank == 2) {
		imp_alias(im, 0, x);
		return ENG_STATUS_OK;
	}
	struct layer_conf c;
	layer_conf_defaults(LAYER_KIND_FLATTEN, &c);
	return imp_layer(im, LAYER_KIND_FLATTEN, &c, 1, &x, NULL, "flatten");
}

static enum eng_status imp_flatten(struct imp *im)
{
	struct imp_val *x;
	int64_t axis;
	IMP_TRY(imp_want_act(im, 0, &x));
	IMP_TRY(imp_attr_int(im, "axis", 1, &axis));
	if (axis < 0)
		axis += x->rank;
	if (axis != 1)
		return imp_fail(im, "axis %lld: only Flatten(axis = 1) is supported",
				(long long)axis);
	return imp_flat(im, x);
}

/* The activation's dims as a folded shape. */
static int imp_act_dims(const struct imp_val *x, int64_t *d)
{
	d[0] = IMP_BATCH;
	d[1] = x->s.c;
	d[2] = x->s.h;
	d[3] = x->s.w;
	return x->rank;
}

static enum eng_status imp_reshape(struct imp *im)
{
	struct imp_val *x;
	int64_t t[IMP_INTS_MAX], d[4], allowzero;
	int n, rank;
	IMP_TRY(imp_want_act(im, 0, &x));
	IMP_TRY(imp_want_ints(im, 1, t, &n, &rank));
	IMP_TRY(imp_attr_int(im, "allowzero", 0, &allowzero));
	int xr = imp_act_dims(x, d);
	for (int i = 0; i < n; i++) {
		if (t[i] == 0 && !allowzero && i < xr)
			t[i] = d[i];
	}
	int64_t f = (int64_t)shape_size(x->s);
	bool batch0 = n == 2 && (t[0] == IMP_BATCH ||
				 (im->batch > 0 && t[0] == im->batch) ||
				 (t[0] == -1 && t[1] == f));
	if (rank == 1 && batch0 && (t[1] == -1 || t[1] == f))
		return imp_flat(im, x);
	if (rank == 1 && n == xr) {
		bool same = true;
		for (int i = 1; i < n; i++)
			same = same && (t[i] == d[i] || (t[i] == -1 && i == n - 1));
		if (same && (t[0] == IMP_BATCH || t[0] == -1 || t[0] == im->batch)) {
			imp_alias(im, 0, x);
			return ENG_STATUS_OK;
		}
	}
	char buf[160] = "";
	for (int i = 0; i < n; i++) {
		size_t l = strlen(buf);
		if (t[i] == IMP_BATCH)
			snprintf(buf + l, sizeof buf - l, "%sN", i ? "," : "");
		else
			snprintf(buf + l, sizeof buf - l, "%s%lld", i ? "," : "", (long long)t[i]);
	}
	return imp_fail(im, "Reshape to [%s] is not a flatten (only [N, -1] is supported)",
			buf);
}

static void imp_set_ints(struct imp *im, const int64_t *v, int n, int rank)
{
	struct imp_val *o = imp_out(im, 0);
	if (!o)
		return;
	o->kind = IMP_INTS;
	memcpy(o->ints, v, (size_t)n * sizeof *v);
	o->n_ints = n;
	o->ints_rank = rank;
}

static enum eng_status imp_shape(struct imp *im)
{
	struct imp_val *x;
	int64_t d[4], start, end;
	IMP_TRY(imp_want_act(im, 0, &x));
	int r = imp_act_dims(x, d);
	IMP_TRY(imp_attr_int(im, "start", 0, &start));
	IMP_TRY(imp_attr_int(im, "end", r, &end));
	if (start < 0)
		start += r;
	if (end < 0)
		end += r;
	start = start < 0 ? 0 : start > r ? r : start;
	end = end < 0 ? 0 : end > r ? r : end;
	if (end < start)
		end = start;
	imp_set_ints(im, d + start, (int)(end - start), 1);
	return ENG_STATUS_OK;
}

static enum eng_status imp_gather(struct imp *im)
{
	int64_t data[IMP_INTS_MAX], idx[IMP_INTS_MAX], out[IMP_INTS_MAX], axis;
	int n, rank, ni, irank;
	IMP_TRY(imp_want_ints(im, 0, data, &n, &rank));
	IMP_TRY(imp_want_ints(im, 1, idx, &ni, &irank));
	IMP_TRY(imp_attr_int(im, "axis", 0, &axis));
	if (rank != 1 || (axis != 0 && axis != -1))
		return imp_fail(im, "only Gather on a 1-D shape is supported");
	for (int i = 0; i < ni; i++) {
		int64_t j = idx[i] < 0 ? idx[i] + n : idx[i];
		if (j < 0 || j >= n)
			return imp_fail(im, "index %lld is out of range for %d values",
					(long long)idx[i], n);
		out[i] = data[j];
	}
	imp_set_ints(im, out, ni, irank);
	return ENG_STATUS_OK;
}

static enum eng_status imp_unsqueeze(struct imp *im)
{
	int64_t data[IMP_INTS_MAX], axes[IMP_INTS_MAX];
	int n, rank, na = 0, arank;
	size_t sn;
	IMP_TRY(imp_want_ints(im, 0, data, &n, &rank));
	if (imp_in(im, 1)) {
		IMP_TRY(imp_want_ints(im, 1, axes, &na, &arank));
	} else {
		const struct onnx_attr *a = onnx_node_attr(&im->m.graph.node[im->cur], "axes");
		const char *why;
		if (a && onnx_attr_ints(a, axes, IMP_INTS_MAX, &sn, &why))
			na = (int)sn;
	}
	if (rank != 0 || na != 1 || (axes[0] != 0 && axes[0] != -1))
		return imp_fail(im, "only Unsqueeze of a scalar to a 1-D shape is supported");
	imp_set_ints(im, data, n, 1);
	return ENG_STATUS_OK;
}

static enum eng_status imp_concat(struct imp *im)
{
	const struct onnx_node *nd = &im->m.graph.node[im->cur];
	int64_t out[IMP_INTS_MAX], v[IMP_INTS_MAX];
	int total = 0;
	for (int k = 0; k < nd->n_in; k++) {
		struct imp_val *x = imp_in(im, k);
		if (x && x->kind == IMP_ACT)
			return imp_fail(im, "Concat of activations (a channel concat, as in "
					"SqueezeNet, DenseNet or Inception) is not supported");
		int n, rank;
		IMP_TRY(imp_want_ints(im, k, v, &n, &rank));
		if (rank != 1 || total + n > IMP_INTS_MAX)
			return imp_fail(im, "only Concat of short 1-D shapes is supported");
		memcpy(out + total, v, (size_t)n * sizeof *v);
		total += n;
	}
	imp_set_ints(im, out, total, 1);
	return ENG_STATUS_OK;
}

static enum eng_status imp_constant(struct imp *im)
{
	const struct onnx_node *nd = &im->m.graph.node[im->cur];
	struct imp_val *o = imp_out(im, 0);
	if (nd->n_attr != 1)
		return imp_fail(im, "want exactly one attribute, got %d", nd->n_attr);
	const struct onnx_attr *a = &nd->attr[0];
	if (!o)
		return ENG_STATUS_OK;
	if (strcmp(a->name, "value") == 0 && a->has_t) {
		o->kind = IMP_CONST;
		o->t = &a->t;
		return ENG_STATUS_OK;
	}
	if (strcmp(a->name, "value_float") == 0) {
		o->kind = IMP_SCALAR;
		o->f = a->f;
		return ENG_STATUS_OK;
	}
	if (strcmp(a->name, "value_int") == 0) {
		imp_set_ints(im, &a->i, 1, 0);
		return ENG_STATUS_OK;
	}
	if (strcmp(a->name, "value_ints") == 0) {
		int64_t v[IMP_INTS_MAX];
		size_t n;
		const char *why;
		if (!onnx_attr_ints(a, v, IMP_INTS_MAX, &n, &why))
			return imp_fail(im, "value_ints: %s", why);
		imp_set_ints(im, v, (int)n, 1);
		return ENG_STATUS_OK;
	}
	return imp_fail(im, "attribute '%.40s' is not supported", a->name);
}

/* Gemm(A, B, C) and MatMul(A, B): a linear layer. */
static enum eng_status imp_gemm(struct imp *im, bool matmul)
{
	struct imp_val *x;
	const struct onnx_tensor *w, *b = NULL;
	int64_t ta = 0, tb = 0;
	float alpha = 1, beta = 1;
	bool wt;
	IMP_TRY(imp_want_act(im, 0, &x));
	IMP_TRY(imp_want_const_tr(im, 1, false, &w, &wt));
	if (!matmul) {
		IMP_TRY(imp_want_const(im, 2, true, &b));
		IMP_TRY(imp_attr_int(im, "transA", 0, &ta));
		IMP_TRY(imp_attr_int(im, "transB", 0, &tb));
		IMP_TRY(imp_attr_float(im, "alpha", 1, &alpha));
		IMP_TRY(imp_attr_float(im, "beta", 1, &beta));
	}
	if (x->rank != 2)
		return imp_fail(im, "input '%.100s' is %d-D, want N x F (flatten first)",
				x->name, x->rank);
	if (ta)
		return imp_fail(im, "transA = 1 is not supported");
	if (w->ndim != 2)
		return imp_fail(im, "weight is %d-D, want 2-D", w->ndim);
	/* The engine wants [out][in] = (op(B))^T.  With B = Transpose(file)
	 * folded in, that is the file's matrix when transB != wt, else its
	 * transpose: from here on tb says "the file is [out][in]". */
	if (wt)
		tb = !tb;
	int64_t f = tb ? w->dims[1] : w->dims[0];
	int64_t o = tb ? w->dims[0] : w->dims[1];
	if (f != (int64_t)shape_size(x->s))
		return imp_fail(im, "channel mismatch: the weight takes %lld features, the "
				"input '%.100s' has %zu", (long long)f, x->name,
				shape_size(x->s));
	if (o < 1 || o > IMP_DIM_MAX)
		return imp_fail(im, "%lld outputs are out of range (1..%d)", (long long)o,
				IMP_DIM_MAX);
	if (b && imp_numel(b) != (uint64_t)o && imp_numel(b) != 1)
		return imp_fail(im, "bias has %llu values, want %lld (a per-sample bias "
				"is not supported)", (unsigned long long)imp_numel(b),
				(long long)o);
	struct layer_conf c;
	layer_conf_defaults(LAYER_KIND_LINEAR, &c);
	c.out = (int)o;
	c.bias = b != NULL;
	struct imp_src src = { .w = w, .b = b, .w_transpose = !tb,
			       .w_scale = alpha, .b_scale = beta };
	return imp_layer(im, LAYER_KIND_LINEAR, &c, 1, &x, &src, NULL);
}

/* Whether constant t, added to the output x of layer ls, is that layer's
 * bias under numpy broadcasting: [O] or [1,O] after a linear layer,
 * [C,1,1] or [1,C,1,1] after a conv, or [C] with the legacy broadcast
 * attribute (opset < 7) and axis 1. */
static bool imp_is_bias(const struct layer_spec *ls, const struct imp_val *x,
			const struct onnx_tensor *t, bool legacy_axis1)
{
	if (imp_numel(t) != (uint64_t)x->s.c || t->ndim > x->rank)
		return false;
	int lead = 0;
	while (lead < t->ndim - 1 && t->dims[lead] == 1)
		lead++;
	int rest = t->ndim - lead;
	if (ls->kind == LAYER_KIND_LINEAR)
		return rest == 1;
	if (ls->kind != LAYER_KIND_CONV)
		return false;
	return (rest == 3 && t->dims[t->ndim - 1] == 1 && t->dims[t->ndim - 2] == 1) ||
	       (legacy_axis1 && t->ndim == 1);
}

/* Add(a, b): a residual sum, or the bias of the conv / linear layer just
 * before (MatMul + Add). */
static enum eng_status imp_add(struct imp *im)
{
	struct imp_val *a = imp_in(im, 0), *b = imp_in(im, 1);
	if (!a || !b)
		return imp_fail(im, "want two inputs");
	if (a->kind == IMP_ACT && b->kind == IMP_ACT) {
		if (a->rank != b->rank || a->s.c != b->s.c || a->s.h != b->s.h ||
		    a->s.w != b->s.w)
			return imp_fail(im, "shapes %dx%dx%d and %dx%dx%d differ "
					"(broadcasting is not supported)",
					a->s.c, a->s.h, a->s.w, b->s.c, b->s.h, b->s.w);
		struct imp_val *in[2] = { a, b };
		struct layer_conf c;
		layer_conf_defaults(LAYER_KIND_ADD, &c);
		return imp_layer(im, LAYER_KIND_ADD, &c, 2, in, NULL, "add");
	}
	struct imp_val *x = a->kind == IMP_ACT ? a : b, *k = a->kind == IMP_ACT ? b : a;
	int last = im->spec->n_layers - 1;
	if (x->kind == IMP_ACT && k->kind == IMP_CONST && x->layer == last && last >= 0 &&
	    x->uses == 1) {
		struct layer_spec *ls = &im->spec->layers[last];
		const struct onnx_tensor *t;
		int64_t legacy, axis;
		IMP_TRY(imp_want_const(im, k == a ? 0 : 1, false, &t));
		IMP_TRY(imp_attr_int(im, "broadcast", 0, &legacy));
		IMP_TRY(imp_attr_int(im, "axis", -1, &axis));
		if (!ls->conf.bias && imp_is_bias(ls, x, t, legacy && axis == 1)) {
			ls->conf.bias = 1;
			im->src[last].b = t;
			im->src[last].b_scale = 1;
			im->n_conv_bias += ls->kind == LAYER_KIND_CONV;
			imp_alias(im, 0, x);
			return ENG_STATUS_OK;
		}
	}
	return imp_fail(im, "only the sum of two activations of one shape, or a bias "
			"right after a MatMul, Gemm or Conv, is supported");
}

static enum eng_status imp_dropout(struct imp *im)
{
	struct imp_val *x = imp_in(im, 0), *mode = imp_in(im, 2);
	if (!x)
		return imp_fail(im, "input 0 is missing");
	if (mode) {
		int64_t v[IMP_INTS_MAX];
		int n, rank;
		bool off = mode->kind == IMP_CONST && mode->t->data_type == 9 /* BOOL */ &&
			   mode->t->raw_len == 1 && mode->t->raw[0] == 0;
		if (!off && (imp_want_ints(im, 2, v, &n, &rank) != ENG_STATUS_OK ||
			     n != 1 || v[0]))
			return imp_fail(im, "training_mode must be a constant false");
	}
	IMP_TRY(imp_unused_from(im, 1));
	imp_alias(im, 0, x);
	return ENG_STATUS_OK;
}

/* Transpose of a 2-D constant (old exports write Linear as Transpose +
 * MatMul): the same tensor, read transposed by Gemm or MatMul. */
static enum eng_status imp_transpose(struct imp *im)
{
	struct imp_val *x = imp_in(im, 0);
	if (!x)
		return imp_fail(im, "input 0 is missing");
	int64_t perm[2] = { 1, 0 };
	size_t n = 2;
	const struct onnx_attr *a = onnx_node_attr(&im->m.graph.node[im->cur], "perm");
	const char *why;
	if (a && !onnx_attr_ints(a, perm, 2, &n, &why))
		n = 0;
	if (x->kind != IMP_CONST || x->t->ndim != 2 || n != 2 || perm[0] != 1 ||
	    perm[1] != 0)
		return imp_fail(im, "only the transpose of a 2-D weight is supported");
	imp_alias(im, 0, x);
	struct imp_val *o = imp_out(im, 0);
	if (o)
		o->tr = !x->tr;
	return ENG_STATUS_OK;
}

static enum eng_status imp_identity(struct imp *im)
{
	struct imp_val *x = imp_in(im, 0);
	if (!x)
		return imp_fail(im, "input 0 is missing");
	imp_alias(im, 0, x);
	return ENG_STATUS_OK;
}

static enum eng_status imp_node(struct imp *im)
{
	const struct onnx_node *nd = &im->m.graph.node[im->cur];
	const char *op = nd->op_type;
	if (nd->domain[0] && strcmp(nd->domain, "ai.onnx") != 0)
		return imp_fail(im, "ops of domain '%.60s' are not supported", nd->domain);
	if (strcmp(op, "Conv") == 0) return imp_conv(im);
	if (strcmp(op, "BatchNormalization") == 0) return imp_batchnorm(im);
	if (strcmp(op, "Relu") == 0) return imp_relu(im);
	if (strcmp(op, "Clip") == 0) return imp_clip(im);
	if (strcmp(op, "MaxPool") == 0) return imp_pool(im, true);
	if (strcmp(op, "AveragePool") == 0) return imp_pool(im, false);
	if (strcmp(op, "GlobalAveragePool") == 0) return imp_gap(im);
	if (strcmp(op, "Flatten") == 0) return imp_flatten(im);
	if (strcmp(op, "Reshape") == 0) return imp_reshape(im);
	if (strcmp(op, "Shape") == 0) return imp_shape(im);
	if (strcmp(op, "Gather") == 0) return imp_gather(im);
	if (strcmp(op, "Unsqueeze") == 0) return imp_unsqueeze(im);
	if (strcmp(op, "Concat") == 0) return imp_concat(im);
	if (strcmp(op, "Constant") == 0) return imp_constant(im);
	if (strcmp(op, "Gemm") == 0) return imp_gemm(im, false);
	if (strcmp(op, "MatMul") == 0) return imp_gemm(im, true);
	if (strcmp(op, "Add") == 0) return imp_add(im);
	if (strcmp(op, "Dropout") == 0) return imp_dropout(im);
	if (strcmp(op, "Identity") == 0) return imp_identity(im);
	if (strcmp(op, "Transpose") == 0) return imp_transpose(im);
	return imp_fail(im, "unsupported op (docs/onnx.md lists the supported ones)");
}

/* ---- the graph ------------------------------------------------------------- */

/* Values for initializers, bound inputs, the one data input and every node
 * output; each node's inputs resolved to value indices. */
static enum eng_status imp_values(struct imp *im)
{
	const struct onnx_graph *g = &im->m.graph;
	size_t n = (size_t)g->n_init + (size_t)g->n_input + (size_t)im->o->n_bind;
	size_t n_in = 0, n_out = 0;
	for (int i = 0; i < g->n_node; i++) {
		n_in += (size_t)g->node[i].n_in;
		n_out += (size_t)g->node[i].n_out;
	}
	n += n_out;
	im->v = calloc(n ? n : 1, sizeof *im->v);
	im->in_val = malloc((n_in ? n_in : 1) * sizeof *im->in_val);
	im->out_val = malloc((n_out ? n_out : 1) * sizeof *im->out_val);
	im->in_off = malloc(((size_t)g->n_node + 1) * sizeof *im->in_off);
	im->out_off = malloc(((size_t)g->n_node + 1) * sizeof *im->out_off);
	if (!im->v || !im->in_val || !im->out_val || !im->in_off || !im->out_off ||
	    !imp_map_init(&im->vmap, n) ||
	    !imp_map_init(&im->lmap, g->n_node < IMP_LAYERS_MAX ? (size_t)g->n_node
							       : IMP_LAYERS_MAX))
		return imp_oom(im);
	for (int i = 0; i < g->n_init; i++) {
		int k = imp_val_add(im, g->init[i].name, IMP_CONST, -1);
		if (k < 0)
			return imp_fail(im, "two initializers are called '%.100s'", g->init[i].name);
		im->v[k].t = &g->init[i];
	}
	for (int i = 0; i < im->o->n_bind; i++) {
		int k = imp_val_add(im, im->o->bind[i].name, IMP_CONST, -1);
		if (k >= 0)
			im->v[k].t = im->o->bind[i].value;
	}
	const struct onnx_value_info *data = NULL;
	int n_data = 0;
	for (int i = 0; i < g->n_input; i++) {
		if (imp_map_find(im, &im->vmap, imp_val_name, g->input[i].name) >= 0)
			continue; /* an initializer listed as an input (IR < 4) */
		data = &g->input[i];
		n_data++;
	}
	if (n_data != 1)
		return imp_fail(im, "%d graph inputs besides initializers; a single-input "
				"model needs exactly one", n_data);
	if (data->elem_type != ONNX_DTYPE_FLOAT)
		return imp_fail(im, "input '%.100s' has element type %d, want float",
				data->name, data->elem_type);
	/* N, then up to three dims taken as C, H, W; missing ones are 1. */
	int64_t d[4] = { -1, 1, 1, 1 };
	bool ok = data->has_shape && data->ndim >= 1 && data->ndim <= 4;
	for (int i = 0; ok && i < data->ndim; i++)
		d[i] = data->dims[i];
	for (int i = 1; ok && i < 4; i++)
		ok = d[i] >= 1 && d[i] <= IMP_DIM_MAX;
	if (ok && d[1] * d[2] * d[3] > IMP_INPUT_MAX)
		ok = false;
	if (!ok)
		return imp_fail(im, "input '%.100s' needs a fixed shape N x C x H x W "
				"(or N x F) with each of C, H, W at most %d", data->name,
				IMP_DIM_MAX);
	int k = imp_val_add(im, data->name, IMP_ACT, -1);
	ENG_ASSERT(k >= 0);
	struct imp_val *x = &im->v[k];
	x->rank = data->ndim;
	x->s = (struct shape){ (int)d[1], (int)d[2], (int)d[3] };
	im->spec->input = x->s;
	im->batch = d[0];
	size_t pi = 0, po = 0;
	for (int i = 0; i < g->n_node; i++) {
		const struct onnx_node *nd = &g->node[i];
		im->out_off[i] = (int)po;
		for (int j = 0; j < nd->n_out; j++) {
			int v = -1;
			if (nd->out[j][0] && (v = imp_val_add(im, nd->out[j], IMP_NONE, i)) < 0) {
				im->cur = i;
				return imp_fail(im, "output '%.100s' is already defined (by an "
						"initializer, an input or another node)",
						nd->out[j]);
			}
			im->out_val[po++] = v;
		}
	}
	im->out_off[g->n_node] = (int)po;
	for (int i = 0; i < g->n_node; i++) {
		const struct onnx_node *nd = &g->node[i];
		im->in_off[i] = (int)pi;
		for (int j = 0; j < nd->n_in; j++) {
			int v = -1;
			if (nd->in[j][0]) {
				v = imp_map_find(im, &im->vmap, imp_val_name, nd->in[j]);
				if (v < 0) {
					im->cur = i;
					return imp_fail(im, "input '%.100s' is missing (no "
							"initializer, graph input or node "
							"output has that name)", nd->in[j]);
				}
				im->v[v].uses++;
			}
			im->in_val[pi++] = v;
		}
	}
	im->in_off[g->n_node] = (int)pi;
	for (int i = 0; i < g->n_output; i++) {
		int v = imp_map_find(im, &im->vmap, imp_val_name, g->output[i].name);
		if (v >= 0)
			im->v[v].uses++;
	}
	return ENG_STATUS_OK;
}

/* The order to visit nodes in: the file's when it is topological, else
 * Kahn's; a node left over is on a cycle. */
static enum eng_status imp_order(struct imp *im, int **order)
{
	const struct onnx_graph *g = &im->m.graph;
	int n = g->n_node;
	int *ord = malloc(((size_t)n + 1) * sizeof *ord);
	if (!ord)
		return imp_oom(im);
	*order = ord;
	bool sorted = true;
	for (int i = 0; i < n && sorted; i++) {
		for (int j = im->in_off[i]; j < im->in_off[i + 1]; j++) {
			int v = im->in_val[j];
			if (v >= 0 && im->v[v].producer >= i)
				sorted = false;
		}
	}
	for (int i = 0; i < n; i++)
		ord[i] = i;
	if (sorted)
		return ENG_STATUS_OK;
	/* Kahn: deps[i] = inputs made by nodes; consumers in CSR form. */
	int m_edges = im->in_off[n];
	int *deps = calloc((size_t)n + 1, sizeof *deps);
	int *cstart = calloc((size_t)n + 2, sizeof *cstart);
	int *fill = calloc((size_t)n + 1, sizeof *fill);
	int *cons = malloc(((size_t)m_edges + 1) * sizeof *cons);
	enum eng_status st = ENG_STATUS_OK;
	if (!deps || !cstart || !fill || !cons) {
		st = imp_oom(im);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		for (int j = im->in_off[i]; j < im->in_off[i + 1]; j++) {
			int v = im->in_val[j];
			if (v >= 0 && im->v[v].producer >= 0) {
				deps[i]++;
				cstart[im->v[v].producer + 1]++;
			}
		}
	}
	for (int i = 0; i < n; i++)
		cstart[i + 1] += cstart[i];
	for (int i = 0; i < n; i++) {
		for (int j = im->in_off[i]; j < im->in_off[i + 1]; j++) {
			int v = im->in_val[j];
			if (v >= 0 && im->v[v].producer >= 0) {
				int p = im->v[v].producer;
				cons[cstart[p] + fill[p]++] = i;
			}
		}
	}
	int head = 0, tail = 0;
	for (int i = 0; i < n; i++) {
		if (!deps[i])
			ord[tail++] = i;
	}
	while (head < tail) {
		int p = ord[head++];
		for (int e = cstart[p]; e < cstart[p + 1]; e++) {
			if (--deps[cons[e]] == 0)
				ord[tail++] = cons[e];
		}
	}
	if (tail < n) {
		for (int i = 0; i < n; i++) {
			if (deps[i]) {
				im->cur = i;
				break;
			}
		}
		st = imp_fail(im, "the graph has a cycle through this node");
	}
out:
	free(deps);
	free(cstart);
	free(fill);
	free(cons);
	return st;
}

/* The one graph output: the last layer's output; a classifier ends in a
 * linear layer, whose size becomes the class count. */
static enum eng_status imp_output(struct imp *im)
{
	const struct onnx_graph *g = &im->m.graph;
	im->cur = -1;
	if (g->n_output != 1)
		return imp_fail(im, "%d graph outputs; a classifier has exactly one",
				g->n_output);
	int k = imp_map_find(im, &im->vmap, imp_val_name, g->output[0].name);
	if (k < 0 || im->v[k].kind != IMP_ACT || im->v[k].layer < 0)
		return imp_fail(im, "the graph output '%.100s' is not computed by any layer",
				g->output[0].name);
	int last = im->spec->n_layers - 1;
	if (im->v[k].layer != last)
		return imp_fail(im, "the graph output '%.100s' is not the last layer's "
				"output (layers after it lead nowhere)", g->output[0].name);
	struct layer_spec *ls = &im->spec->layers[last];
	if (!im->o->any_output) {
		if (ls->kind != LAYER_KIND_LINEAR)
			return imp_fail(im, "the model ends in %s, not a linear layer (a "
					"classifier ends in Gemm or MatMul)",
					layer_kind_name(ls->kind));
		im->spec->classes = ls->conf.out;
		ls->conf.out = LAYER_OUT_CLASSES;
	} else {
		im->spec->classes = im->lshape[last].c;
	}
	return ENG_STATUS_OK;
}

/* Every source tensor holds the values its layer needs (checked before
 * the net is allocated, so sizes come from data really in the file). */
static enum eng_status imp_check_sources(struct imp *im)
{
	im->cur = -1;
	for (int i = 0; i < im->spec->n_layers; i++) {
		const struct imp_src *s = &im->src[i];
		const struct onnx_tensor *t[4] = { s->w, s->b, s->mean, s->var };
		for (int k = 0; k < 4; k++) {
			const char *why;
			if (t[k] && !onnx_tensor_floats(t[k], NULL, (size_t)imp_numel(t[k]), &why))
				return imp_fail(im, "tensor '%.100s' (layer %s): %s", t[k]->name,
						im->spec->layers[i].name, why);
		}
	}
	return ENG_STATUS_OK;
}

/* t's n values into dst (transposed from [rows][cols] when asked, scaled). */
static enum eng_status imp_copy(struct imp *im, const struct onnx_tensor *t,
				float *dst, size_t n, bool transpose, float scale)
{
	const char *why;
	if (imp_numel(t) == 1 && n > 1) { /* a scalar bias, broadcast */
		float v;
		if (!onnx_tensor_floats(t, &v, 1, &why))
			return imp_fail(im, "tensor '%.100s': %s", t->name, why);
		for (size_t i = 0; i < n; i++)
			dst[i] = v;
	} else if (transpose) {
		float *tmp = malloc(n * sizeof *tmp);
		if (!tmp)
			return imp_oom(im);
		if (!onnx_tensor_floats(t, tmp, n, &why)) {
			free(tmp);
			return imp_fail(im, "tensor '%.100s': %s", t->name, why);
		}
		size_t rows = (size_t)t->dims[0], cols = (size_t)t->dims[1];
		for (size_t r = 0; r < rows; r++) {
			for (size_t c = 0; c < cols; c++)
				dst[c * rows + r] = tmp[r * cols + c];
		}
		free(tmp);
	} else if (!onnx_tensor_floats(t, dst, n, &why)) {
		return imp_fail(im, "tensor '%.100s': %s", t->name, why);
	}
	if (scale != 1.0f) {
		for (size_t i = 0; i < n; i++)
			dst[i] *= scale;
	}
	return ENG_STATUS_OK;
}

static enum eng_status imp_weights(struct imp *im, struct net *net)
{
	im->cur = -1;
	for (int i = 0; i < net->n_layers; i++) {
		struct layer *l = &net->layers[i];
		const struct imp_src *s = &im->src[i];
		if (s->w)
			IMP_TRY(imp_copy(im, s->w, l->w, l->w_len, s->w_transpose, s->w_scale));
		if (s->b)
			IMP_TRY(imp_copy(im, s->b, l->b, l->b_len, false, s->b_scale));
		if (s->mean) {
			size_t c = l->state_len / 2;
			IMP_TRY(imp_copy(im, s->mean, l->state, c, false, 1));
			IMP_TRY(imp_copy(im, s->var, l->state + c, c, false, 1));
		}
	}
	return ENG_STATUS_OK;
}

/* The spec must read back from its own cfg text: the import is then
 * exactly what `reconvene import` writes. */
static enum eng_status imp_cfg_check(struct imp *im)
{
	char *text = cfg_write_string(im->spec);
	if (!text)
		return imp_oom(im);
	struct net_spec back;
	struct eng_err e;
	enum eng_status st = cfg_parse_string(text, strlen(text), "cfg", &back, &e);
	free(text);
	if (st != ENG_STATUS_OK) {
		im->cur = -1;
		return imp_fail(im, "the imported model does not fit the cfg format: %s", e.msg);
	}
	net_spec_done(&back);
	return ENG_STATUS_OK;
}

static void imp_done(struct imp *im)
{
	free(im->v);
	free(im->in_val);
	free(im->in_off);
	free(im->out_val);
	free(im->out_off);
	free(im->vmap.slot);
	free(im->lmap.slot);
	free(im->src);
	free(im->lshape);
	onnx_model_done(&im->m);
}

enum eng_status onnx_import(const uint8_t *data, size_t len, const char *path,
			    const struct onnx_import_opts *o,
			    struct net_spec *spec, struct net **net,
			    struct eng_err *err)
{
	static const struct onnx_import_opts dflt = { 0 };
	struct imp im = { .path = path, .o = o ? o : &dflt, .spec = spec, .err = err,
			  .cur = -1 };
	memset(spec, 0, sizeof *spec);
	*net = NULL;
	struct eng_err e;
	enum eng_status st = onnx_model_parse(data, len, &im.m, &e);
	if (st != ENG_STATUS_OK)
		return eng_err_set(err, st, "%s: %s", path, e.msg);
	cfg_net_name_from_path(spec->name, path, ".onnx");
	int *order = NULL;
	if (!im.m.has_opset)
		st = imp_fail(&im, "no opset for the default domain");
	else if (im.m.opset < IMP_OPSET_MIN || im.m.opset > IMP_OPSET_MAX)
		st = imp_fail(&im, "opset %lld is not supported (%d..%d)",
			      (long long)im.m.opset, IMP_OPSET_MIN, IMP_OPSET_MAX);
	else if (im.m.graph.n_sparse_init)
		st = imp_fail(&im, "sparse initializers are not supported");
	if (st == ENG_STATUS_OK)
		st = imp_values(&im);
	if (st == ENG_STATUS_OK)
		st = imp_order(&im, &order);
	for (int i = 0; st == ENG_STATUS_OK && i < im.m.graph.n_node; i++) {
		im.cur = order[i];
		st = imp_node(&im);
	}
	free(order);
	im.cur = -1;
	if (st == ENG_STATUS_OK && spec->n_layers == 0)
		st = imp_fail(&im, "no layers (the graph computes nothing the engine "
			      "can run)");
	if (st == ENG_STATUS_OK)
		st = imp_output(&im);
	if (st == ENG_STATUS_OK)
		st = imp_check_sources(&im);
	if (st == ENG_STATUS_OK)
		st = imp_cfg_check(&im);
	if (st == ENG_STATUS_OK) {
		st = net_build(spec, net, &e);
		if (st != ENG_STATUS_OK)
			st = eng_err_set(err, st, "%s: %s", path, e.msg);
	}
	if (st == ENG_STATUS_OK)
		st = imp_weights(&im, *net);
	if (st == ENG_STATUS_OK && im.n_bn == 0 && im.n_conv_bias > 0)
		eng_warn_emit(im.o->warn, "%s: no BatchNormalization, and the convolutions "
			      "have biases: BN was probably folded into them by an eval-mode "
			      "export; export with training=torch.onnx.TrainingMode.PRESERVE "
			      "to keep BN (it trains and prunes better)", path);
	imp_done(&im);
	if (st != ENG_STATUS_OK) {
		net_free(*net);
		*net = NULL;
		net_spec_done(spec);
	}
	return st;
}

enum eng_status onnx_import_file(const char *path, const struct onnx_import_opts *o,
				 struct net_spec *spec, struct net **net,
				 struct eng_err *err)
{
	struct fileio_map map;
	memset(spec, 0, sizeof *spec);
	*net = NULL;
	enum eng_status st = fileio_map(path, IMP_FILE_MAX, "an ONNX model", &map, err);
	if (st != ENG_STATUS_OK)
		return st;
	st = onnx_import(map.data, map.len, path, o, spec, net, err);
	fileio_unmap(&map);
	return st;
}

bool onnx_import_is_onnx(const char *path)
{
	size_t n = strlen(path);
	return n > 5 && strcmp(path + n - 5, ".onnx") == 0;
}
