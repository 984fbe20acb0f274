/* onnx_state.c: the state of one ONNX import: messages, name maps,
 * values, a node's inputs, outputs and attributes, and appending a layer
 * (see onnx_state.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "io/onnx_name.h"
#include "io/onnx_state.h"

/* ---- messages ------------------------------------------------------------ */

enum eng_status onnx_state_fail(struct onnx_state *im, const char *fmt, ...)
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

enum eng_status onnx_state_oom(struct onnx_state *im)
{
	return eng_err_set(im->err, ENG_STATUS_ENOMEM, "%s: out of memory", im->path);
}


/* ---- name maps --------------------------------------------------------- */

const char *onnx_state_value_name(const struct onnx_state *im, int idx)
{
	return im->v[idx].name;
}

const char *onnx_state_layer_name(const struct onnx_state *im, int idx)
{
	return im->spec->layers[idx].name;
}

bool onnx_name_map_init(struct onnx_name_map *t, size_t n)
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
size_t onnx_name_map_probe(const struct onnx_state *im, const struct onnx_name_map *t,
			    onnx_name_fn fn, const char *name)
{
	size_t i = (size_t)hash_fnv1a_str(hash_fnv1a_init(), name) & (t->cap - 1);
	while (t->slot[i] >= 0 && strcmp(fn(im, t->slot[i]), name) != 0)
		i = (i + 1) & (t->cap - 1);
	return i;
}

int onnx_name_map_find(const struct onnx_state *im, const struct onnx_name_map *t,
			onnx_name_fn fn, const char *name)
{
	return t->slot[onnx_name_map_probe(im, t, fn, name)];
}

/* ---- values ---------------------------------------------------------------- */

int onnx_state_value_add(struct onnx_state *im, const char *name, enum onnx_value_kind kind,
		       int producer)
{
	size_t i = onnx_name_map_probe(im, &im->vmap, onnx_state_value_name, name);
	if (im->vmap.slot[i] >= 0)
		return -1;
	struct onnx_value *v = &im->v[im->n_v];
	memset(v, 0, sizeof *v);
	v->name = name;
	v->kind = kind;
	v->producer = producer;
	v->layer = -1;
	im->vmap.slot[i] = im->n_v;
	return im->n_v++;
}

/* Node input k's value, or NULL when the input is absent or "". */
struct onnx_value *onnx_state_in(struct onnx_state *im, int k)
{
	const struct onnx_node *nd = &im->m.graph.node[im->cur];
	if (k >= nd->n_in || !nd->in[k][0])
		return NULL;
	return &im->v[im->in_val[im->in_off[im->cur] + k]];
}

/* Node output k's value, or NULL when absent or "". */
struct onnx_value *onnx_state_out(struct onnx_state *im, int k)
{
	const struct onnx_node *nd = &im->m.graph.node[im->cur];
	if (k >= nd->n_out || im->out_val[im->out_off[im->cur] + k] < 0)
		return NULL;
	return &im->v[im->out_val[im->out_off[im->cur] + k]];
}

static const char *onnx_value_kind_word(enum onnx_value_kind k)
{
	switch (k) {
	case ONNX_VALUE_ACT: return "an activation";
	case ONNX_VALUE_CONST: return "a constant tensor";
	case ONNX_VALUE_SCALAR: return "a constant scalar";
	case ONNX_VALUE_INTS: return "a folded shape";
	case ONNX_VALUE_NONE: break;
	}
	return "not computed by this importer";
}

bool onnx_value_padded(const struct onnx_value *x)
{
	return x->pad.top || x->pad.left || x->pad.bottom || x->pad.right;
}

enum eng_status onnx_state_want_act_padded(struct onnx_state *im, int k,
					   struct onnx_value **out)
{
	struct onnx_value *x = onnx_state_in(im, k);
	if (!x)
		return onnx_state_fail(im, "input %d is missing", k);
	if (x->kind != ONNX_VALUE_ACT)
		return onnx_state_fail(im, "input %d '%.100s' is %s, want an activation",
				k, x->name, onnx_value_kind_word(x->kind));
	*out = x;
	return ENG_STATUS_OK;
}

enum eng_status onnx_state_want_act(struct onnx_state *im, int k, struct onnx_value **out)
{
	ONNX_TRY(onnx_state_want_act_padded(im, k, out));
	if (onnx_value_padded(*out))
		return onnx_state_fail(im, "input %d '%.100s' comes from a Pad, which is only "
				"supported right before a Conv", k, (*out)->name);
	return ENG_STATUS_OK;
}

/* A float constant tensor (required, or optional when opt).  tr NULL: the
 * tensor must be used as stored; else *tr says it is read transposed. */
enum eng_status onnx_state_want_const_tr(struct onnx_state *im, int k, bool opt,
					 const struct onnx_tensor **out, bool *tr)
{
	*out = NULL;
	struct onnx_value *x = onnx_state_in(im, k);
	if (!x) {
		if (opt)
			return ENG_STATUS_OK;
		return onnx_state_fail(im, "input %d is missing", k);
	}
	if (x->kind != ONNX_VALUE_CONST)
		return onnx_state_fail(im, "input %d '%.100s' is %s, want a weight tensor "
				"(an initializer)", k, x->name, onnx_value_kind_word(x->kind));
	const struct onnx_tensor *t = x->t;
	if (t->external)
		return onnx_state_fail(im, "initializer '%.100s' uses external data (save the "
				"model with its weights inside the file)", x->name);
	if (t->data_type != ONNX_DTYPE_FLOAT && t->data_type != ONNX_DTYPE_DOUBLE)
		return onnx_state_fail(im, "initializer '%.100s' has data type %d, want float",
				x->name, t->data_type);
	if (x->tr && !tr)
		return onnx_state_fail(im, "input %d '%.100s' is a transposed constant, which "
				"only Gemm and MatMul take", k, x->name);
	if (tr)
		*tr = x->tr;
	*out = t;
	return ENG_STATUS_OK;
}

enum eng_status onnx_state_want_const(struct onnx_state *im, int k, bool opt,
				      const struct onnx_tensor **out)
{
	return onnx_state_want_const_tr(im, k, opt, out, NULL);
}

uint64_t onnx_state_numel(const struct onnx_tensor *t)
{
	uint64_t n = 0;
	(void)onnx_tensor_numel(t, &n);
	return n;
}

/* A value's integers (INTS, or a small integer CONST). */
enum eng_status onnx_state_want_ints(struct onnx_state *im, int k, int64_t *out,
				     int *n, int *rank)
{
	struct onnx_value *x = onnx_state_in(im, k);
	if (!x)
		return onnx_state_fail(im, "input %d is missing", k);
	if (x->kind == ONNX_VALUE_INTS) {
		memcpy(out, x->ints, sizeof x->ints);
		*n = x->n_ints;
		*rank = x->ints_rank;
		return ENG_STATUS_OK;
	}
	if (x->kind == ONNX_VALUE_CONST && x->t->ndim <= 1) {
		size_t got;
		const char *why;
		if (!onnx_tensor_ints(x->t, out, ONNX_INTS_MAX, &got, &why))
			return onnx_state_fail(im, "input %d '%.100s': %s", k, x->name, why);
		*n = (int)got;
		*rank = x->t->ndim;
		return ENG_STATUS_OK;
	}
	if (x->kind == ONNX_VALUE_ACT)
		return onnx_state_fail(im, "input %d '%.100s' is an activation: only shape "
				"arithmetic that folds to a flatten is supported", k, x->name);
	return onnx_state_fail(im, "input %d '%.100s' is %s, want a small integer vector",
			k, x->name, onnx_value_kind_word(x->kind));
}

/* A float scalar from a SCALAR value or a one-element constant. */
enum eng_status onnx_state_want_scalar(struct onnx_state *im, int k, float *out)
{
	struct onnx_value *x = onnx_state_in(im, k);
	const char *why;
	if (x && x->kind == ONNX_VALUE_SCALAR) {
		*out = x->f;
		return ENG_STATUS_OK;
	}
	if (x && x->kind == ONNX_VALUE_CONST && onnx_state_numel(x->t) == 1 &&
	    onnx_tensor_floats(x->t, out, 1, &why))
		return ENG_STATUS_OK;
	return onnx_state_fail(im, "input %d must be a constant float scalar", k);
}

/* Make output k an alias of value x (the same activation or constant). */
void onnx_state_alias(struct onnx_state *im, int k, const struct onnx_value *x)
{
	struct onnx_value *o = onnx_state_out(im, k);
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
enum eng_status onnx_state_unused_from(struct onnx_state *im, int k)
{
	const struct onnx_node *nd = &im->m.graph.node[im->cur];
	for (int j = k; j < nd->n_out; j++) {
		struct onnx_value *o = onnx_state_out(im, j);
		if (o && o->uses)
			return onnx_state_fail(im, "output %d '%.100s' is used, but only the "
					"first output of this op is supported", j, o->name);
	}
	return ENG_STATUS_OK;
}

/* ---- attributes ---------------------------------------------------------- */

/* The node's attribute name (*a NULL when absent); EINVAL when it has a
 * type other than `type` (files without types are taken at their word). */
static enum eng_status state_attr(struct onnx_state *im, const char *name, int type,
				  const char *want, const struct onnx_attr **a)
{
	*a = onnx_node_attr(&im->m.graph.node[im->cur], name);
	if (*a && (*a)->type && (*a)->type != type)
		return onnx_state_fail(im, "attribute %s has type %d, want %s", name,
				       (*a)->type, want);
	return ENG_STATUS_OK;
}

enum eng_status onnx_state_attr_int(struct onnx_state *im, const char *name, int64_t dflt,
				    int64_t *out)
{
	const struct onnx_attr *a;
	ONNX_TRY(state_attr(im, name, ONNX_ATTR_INT, "an integer", &a));
	*out = a ? a->i : dflt;
	return ENG_STATUS_OK;
}

enum eng_status onnx_state_attr_float(struct onnx_state *im, const char *name, float dflt,
				      float *out)
{
	const struct onnx_attr *a;
	ONNX_TRY(state_attr(im, name, ONNX_ATTR_FLOAT, "a float", &a));
	*out = a ? a->f : dflt;
	return ENG_STATUS_OK;
}

/* An INTS attribute with exactly want values (absent: *n = 0). */
enum eng_status onnx_state_attr_ints(struct onnx_state *im, const char *name, int64_t *out,
				     size_t want, size_t *n)
{
	const struct onnx_attr *a;
	const char *why;
	*n = 0;
	ONNX_TRY(state_attr(im, name, ONNX_ATTR_INTS, "integers", &a));
	if (!a)
		return ENG_STATUS_OK;
	if (!onnx_attr_ints(a, out, want, n, &why))
		return onnx_state_fail(im, "attribute %s: %s (want %zu values: a 2-D op)",
				name, why, want);
	if (*n != want)
		return onnx_state_fail(im, "attribute %s has %zu values, want %zu (a 2-D op)",
				name, *n, want);
	return ENG_STATUS_OK;
}

const char *onnx_state_attr_str(struct onnx_state *im, const char *name)
{
	const struct onnx_attr *a = onnx_node_attr(&im->m.graph.node[im->cur], name);
	return a ? a->s : "";
}

/* ---- layers ---------------------------------------------------------------- */

/* Append a layer reading the given activations; its output becomes node
 * output 0.  Shapes are inferred by the layer kind's own infer. */
enum eng_status onnx_state_layer(struct onnx_state *im, enum layer_kind kind,
				 const struct layer_conf *conf, int n_in,
				 struct onnx_value *const *in, const struct onnx_source *src,
				 const char *suffix)
{
	const struct onnx_node *nd = &im->m.graph.node[im->cur];
	int idx = im->spec->n_layers;
	if (idx >= ONNX_LAYERS_MAX)
		return onnx_state_fail(im, "more than %d layers", ONNX_LAYERS_MAX);
	if (idx == im->cap_layers) {
		int cap = im->cap_layers ? 2 * im->cap_layers : 64;
		struct onnx_source *s = realloc(im->src, (size_t)cap * sizeof *s);
		if (!s)
			return onnx_state_oom(im);
		im->src = s;
		struct shape *sh = realloc(im->lshape, (size_t)cap * sizeof *sh);
		if (!sh)
			return onnx_state_oom(im);
		im->lshape = sh;
		im->cap_layers = cap;
	}
	struct layer_spec ls = { .kind = kind, .n_in = n_in, .conf = *conf };
	char base[LAYER_NAME_MAX];
	onnx_name_layer(base, nd->name, nd->op_type, suffix, kind, idx);
	memcpy(ls.name, base, sizeof ls.name);
	for (int n = 2; onnx_name_map_find(im, &im->lmap, onnx_state_layer_name, ls.name) >= 0; n++)
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
		return onnx_state_fail(im, "%s", e.msg);
	if (net_spec_append(im->spec, &ls) != ENG_STATUS_OK)
		return onnx_state_oom(im);
	/* The name map was sized for one layer per node at most. */
	im->lmap.slot[onnx_name_map_probe(im, &im->lmap, onnx_state_layer_name, ls.name)] = idx;
	im->src[idx] = src ? *src : (struct onnx_source){ .w_scale = 1, .b_scale = 1 };
	im->lshape[idx] = l.out;
	struct onnx_value *o = onnx_state_out(im, 0);
	if (o) {
		o->kind = ONNX_VALUE_ACT;
		o->layer = idx;
		o->s = l.out;
		o->rank = (kind == LAYER_KIND_FLATTEN || kind == LAYER_KIND_LINEAR) ? 2
			  : in[0]->rank;
	}
	return ENG_STATUS_OK;
}

/* strides, pads (with auto_pad) and dilations of a 2-D window of side k
 * over the activation x: one stride and the pad of each side. */
enum eng_status onnx_state_window(struct onnx_state *im, const struct onnx_value *x, int64_t k,
				  int *stride, struct layer_pad *pad)
{
	int64_t v[4];
	size_t n;
	ONNX_TRY(onnx_state_attr_ints(im, "dilations", v, 2, &n));
	for (size_t i = 0; i < n; i++) {
		if (v[i] != 1)
			return onnx_state_fail(im, "dilation %lld is not supported", (long long)v[i]);
	}
	int64_t s[2] = { 1, 1 };
	ONNX_TRY(onnx_state_attr_ints(im, "strides", s, 2, &n));
	if (!n)
		s[0] = s[1] = 1;
	if (s[0] != s[1])
		return onnx_state_fail(im, "strides %lldx%lld differ (only equal strides are supported)",
				(long long)s[0], (long long)s[1]);
	if (s[0] < 1 || s[0] > ONNX_KERNEL_MAX)
		return onnx_state_fail(im, "stride %lld is out of range (1..%d)", (long long)s[0],
				ONNX_KERNEL_MAX);
	int64_t p[4] = { 0, 0, 0, 0 };
	const char *ap = onnx_state_attr_str(im, "auto_pad");
	if (!ap[0] || strcmp(ap, "NOTSET") == 0) {
		ONNX_TRY(onnx_state_attr_ints(im, "pads", p, 4, &n));
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
		return onnx_state_fail(im, "auto_pad '%.20s' is not supported", ap);
	}
	for (int i = 0; i < 4; i++) {
		if (p[i] < 0 || p[i] > ONNX_KERNEL_MAX)
			return onnx_state_fail(im, "pad %lld is out of range (0..%d)",
					(long long)p[i], ONNX_KERNEL_MAX);
	}
	*stride = (int)s[0];
	*pad = (struct layer_pad){ (int)p[0], (int)p[1], (int)p[2], (int)p[3] };
	return ENG_STATUS_OK;
}

enum eng_status onnx_state_want_rank4(struct onnx_state *im, const struct onnx_value *x)
{
	if (x->rank != 4)
		return onnx_state_fail(im, "input '%.100s' is %d-D, want N x C x H x W (only "
				"2-D convolutions and pools are supported)", x->name, x->rank);
	return ENG_STATUS_OK;
}
