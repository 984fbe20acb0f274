/* onnx_ops.c: one handler per supported ONNX op (see onnx_import.h for
 * the mapping, docs/onnx.md for what is refused): each reads its node
 * through onnx_state.h and appends a layer, aliases its output (Identity,
 * Dropout, no-op pools, a Reshape that is already flat) or computes a
 * constant (shape arithmetic, Constant, Transpose of a weight).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "io/onnx_ops.h"
#include "io/onnx_state.h"

static enum eng_status ops_conv(struct onnx_state *im)
{
	struct onnx_value *x;
	const struct onnx_tensor *w, *b;
	ONNX_TRY(onnx_state_want_act_padded(im, 0, &x));
	ONNX_TRY(onnx_state_want_rank4(im, x));
	ONNX_TRY(onnx_state_want_const(im, 1, false, &w));
	ONNX_TRY(onnx_state_want_const(im, 2, true, &b));
	if (w->ndim != 4)
		return onnx_state_fail(im, "weight is %d-D, want 4-D (only 2-D convolutions "
				"are supported)", w->ndim);
	int64_t o = w->dims[0], cg = w->dims[1], k = w->dims[2];
	if (w->dims[3] != k)
		return onnx_state_fail(im, "kernel %lldx%lld is not square",
				(long long)k, (long long)w->dims[3]);
	int64_t ks[2];
	size_t n;
	ONNX_TRY(onnx_state_attr_ints(im, "kernel_shape", ks, 2, &n));
	if (n && (ks[0] != k || ks[1] != k))
		return onnx_state_fail(im, "kernel_shape %lldx%lld does not match the weight's %lldx%lld",
				(long long)ks[0], (long long)ks[1], (long long)k, (long long)k);
	int64_t group;
	ONNX_TRY(onnx_state_attr_int(im, "group", 1, &group));
	if (group < 1 || group > ONNX_DIM_MAX)
		return onnx_state_fail(im, "group %lld is out of range", (long long)group);
	if (o < 1 || o > ONNX_DIM_MAX || k < 1 || k > ONNX_KERNEL_MAX || cg < 1)
		return onnx_state_fail(im, "weight dimensions [%lld,%lld,%lld,%lld] are out of range",
				(long long)o, (long long)cg, (long long)k, (long long)k);
	if (cg * group != x->s.c)
		return onnx_state_fail(im, "channel mismatch: the weight takes %lld input channels "
				"(%lld per group x %lld groups), the input '%.100s' has %d",
				(long long)(cg * group), (long long)cg, (long long)group,
				x->name, x->s.c);
	if (o % group)
		return onnx_state_fail(im, "%lld output channels do not split into %lld groups",
				(long long)o, (long long)group);
	if (b && onnx_state_numel(b) != (uint64_t)o)
		return onnx_state_fail(im, "bias has %llu values, want %lld",
				(unsigned long long)onnx_state_numel(b), (long long)o);
	/* A Pad node before this Conv: its zeros are part of the window's
	 * input (auto_pad SAME sizes from the padded shape), then both pads
	 * add up. */
	struct onnx_value padded = *x;
	padded.s.h += x->pad.top + x->pad.bottom;
	padded.s.w += x->pad.left + x->pad.right;
	int stride;
	struct layer_pad pad;
	ONNX_TRY(onnx_state_window(im, &padded, k, &stride, &pad));
	pad.top += x->pad.top;
	pad.left += x->pad.left;
	pad.bottom += x->pad.bottom;
	pad.right += x->pad.right;
	if (pad.top > ONNX_KERNEL_MAX || pad.left > ONNX_KERNEL_MAX ||
	    pad.bottom > ONNX_KERNEL_MAX || pad.right > ONNX_KERNEL_MAX)
		return onnx_state_fail(im, "pad %d %d %d %d (with the Pad before it) is out of "
				"range (0..%d)", pad.top, pad.left, pad.bottom, pad.right,
				ONNX_KERNEL_MAX);
	struct layer_conf c;
	layer_conf_defaults(LAYER_KIND_CONV, &c);
	c.out = (int)o;
	c.size = (int)k;
	c.stride = stride;
	c.pad = pad;
	c.groups = (int)group;
	c.bias = b != NULL;
	im->n_conv_bias += b != NULL;
	struct onnx_source src = { .w = w, .b = b, .w_scale = 1, .b_scale = 1 };
	return onnx_state_layer(im, LAYER_KIND_CONV, &c, 1, &x, &src, NULL);
}

static enum eng_status ops_batchnorm(struct onnx_state *im)
{
	struct onnx_value *x;
	const struct onnx_tensor *t[4];
	ONNX_TRY(onnx_state_want_act(im, 0, &x));
	for (int k = 0; k < 4; k++) {
		ONNX_TRY(onnx_state_want_const(im, k + 1, false, &t[k]));
		if (onnx_state_numel(t[k]) != (uint64_t)x->s.c)
			return onnx_state_fail(im, "channel mismatch: input %d has %llu values, the "
					"input '%.100s' has %d channels", k + 1,
					(unsigned long long)onnx_state_numel(t[k]), x->name, x->s.c);
	}
	int64_t train, spatial;
	float eps, momentum;
	ONNX_TRY(onnx_state_attr_int(im, "training_mode", 0, &train));
	ONNX_TRY(onnx_state_attr_int(im, "spatial", 1, &spatial));
	ONNX_TRY(onnx_state_attr_float(im, "epsilon", 1e-5f, &eps));
	ONNX_TRY(onnx_state_attr_float(im, "momentum", 0.9f, &momentum));
	if (train)
		return onnx_state_fail(im, "training_mode = 1 (export the model in eval mode)");
	if (spatial != 1)
		return onnx_state_fail(im, "spatial = %lld is not supported", (long long)spatial);
	if (!(eps > 0.0f && eps <= 1.0f))
		return onnx_state_fail(im, "epsilon %g is out of range (0, 1]", (double)eps);
	ONNX_TRY(onnx_state_unused_from(im, 1));
	struct layer_conf c;
	layer_conf_defaults(LAYER_KIND_BN, &c);
	c.eps = eps;
	/* ONNX's momentum weighs the old statistics, PyTorch's the new. */
	if (momentum >= 0.0f && momentum <= 1.0f)
		c.momentum = 1.0f - momentum;
	im->n_bn++;
	struct onnx_source src = { .w = t[0], .b = t[1], .mean = t[2], .var = t[3],
			       .w_scale = 1, .b_scale = 1 };
	return onnx_state_layer(im, LAYER_KIND_BN, &c, 1, &x, &src, NULL);
}

static enum eng_status ops_relu(struct onnx_state *im)
{
	struct onnx_value *x;
	ONNX_TRY(onnx_state_want_act(im, 0, &x));
	struct layer_conf c;
	layer_conf_defaults(LAYER_KIND_RELU, &c);
	return onnx_state_layer(im, LAYER_KIND_RELU, &c, 1, &x, NULL, NULL);
}

static enum eng_status ops_clip(struct onnx_state *im)
{
	struct onnx_value *x;
	ONNX_TRY(onnx_state_want_act(im, 0, &x));
	float lo = -INFINITY, hi = INFINITY;
	if (im->m.opset < 11) {
		ONNX_TRY(onnx_state_attr_float(im, "min", -INFINITY, &lo));
		ONNX_TRY(onnx_state_attr_float(im, "max", INFINITY, &hi));
	} else {
		if (onnx_state_in(im, 1))
			ONNX_TRY(onnx_state_want_scalar(im, 1, &lo));
		if (onnx_state_in(im, 2))
			ONNX_TRY(onnx_state_want_scalar(im, 2, &hi));
	}
	if (lo != 0.0f)
		return onnx_state_fail(im, "min %g: only Clip(0, max) (a ReLU or ReLU6) is supported",
				(double)lo);
	if (!(hi > 0.0f))
		return onnx_state_fail(im, "max %g: only Clip(0, max) with max > 0 is supported",
				(double)hi);
	struct layer_conf c;
	layer_conf_defaults(LAYER_KIND_RELU, &c);
	c.clip = isinf(hi) ? 0.0f : hi;
	return onnx_state_layer(im, LAYER_KIND_RELU, &c, 1, &x, NULL, NULL);
}

static enum eng_status ops_pool(struct onnx_state *im, bool max)
{
	struct onnx_value *x;
	ONNX_TRY(onnx_state_want_act(im, 0, &x));
	ONNX_TRY(onnx_state_want_rank4(im, x));
	int64_t ks[2], ceil_mode, order, incl;
	size_t n;
	ONNX_TRY(onnx_state_attr_ints(im, "kernel_shape", ks, 2, &n));
	if (!n)
		return onnx_state_fail(im, "kernel_shape is missing");
	if (ks[0] != ks[1])
		return onnx_state_fail(im, "kernel %lldx%lld is not square",
				(long long)ks[0], (long long)ks[1]);
	if (ks[0] < 1 || ks[0] > ONNX_KERNEL_MAX)
		return onnx_state_fail(im, "kernel %lld is out of range (1..%d)",
				(long long)ks[0], ONNX_KERNEL_MAX);
	int stride;
	struct layer_pad pad;
	ONNX_TRY(onnx_state_window(im, x, ks[0], &stride, &pad));
	bool padded = pad.top || pad.left || pad.bottom || pad.right;
	ONNX_TRY(onnx_state_attr_int(im, "ceil_mode", 0, &ceil_mode));
	ONNX_TRY(onnx_state_attr_int(im, "storage_order", 0, &order));
	ONNX_TRY(onnx_state_attr_int(im, "count_include_pad", 0, &incl));
	if (order)
		return onnx_state_fail(im, "storage_order = 1 is not supported");
	/* Ceil mode gives the floor mode's size when the windows fit exactly. */
	if (ceil_mode && (((int64_t)x->s.h + pad.top + pad.bottom - ks[0]) % stride ||
			  ((int64_t)x->s.w + pad.left + pad.right - ks[0]) % stride))
		return onnx_state_fail(im, "ceil_mode = 1 adds a partial window here; only "
				"floor mode is supported");
	if (!max && padded && !incl)
		return onnx_state_fail(im, "count_include_pad = 0 with pads is not supported "
				"(the engine divides by the whole window)");
	ONNX_TRY(onnx_state_unused_from(im, 1));
	if (!max && ks[0] == 1 && stride == 1 && !padded) {
		onnx_state_alias(im, 0, x); /* a 1x1 average is the identity */
		return ENG_STATUS_OK;
	}
	enum layer_kind kind = max ? LAYER_KIND_MAXPOOL : LAYER_KIND_AVGPOOL;
	struct layer_conf c;
	layer_conf_defaults(kind, &c);
	c.size = (int)ks[0];
	c.stride = stride;
	c.pad = pad;
	return onnx_state_layer(im, kind, &c, 1, &x, NULL, NULL);
}

static enum eng_status ops_gap(struct onnx_state *im)
{
	struct onnx_value *x;
	ONNX_TRY(onnx_state_want_act(im, 0, &x));
	ONNX_TRY(onnx_state_want_rank4(im, x));
	struct layer_conf c;
	layer_conf_defaults(LAYER_KIND_GAP, &c);
	return onnx_state_layer(im, LAYER_KIND_GAP, &c, 1, &x, NULL, NULL);
}

/* x as N x F: a flatten layer, or x itself when it is flat already. */
static enum eng_status ops_flat(struct onnx_state *im, struct onnx_value *x)
{
	if (x->rank == 2) {
		onnx_state_alias(im, 0, x);
		return ENG_STATUS_OK;
	}
	struct layer_conf c;
	layer_conf_defaults(LAYER_KIND_FLATTEN, &c);
	return onnx_state_layer(im, LAYER_KIND_FLATTEN, &c, 1, &x, NULL, "flatten");
}

static enum eng_status ops_flatten(struct onnx_state *im)
{
	struct onnx_value *x;
	int64_t axis;
	ONNX_TRY(onnx_state_want_act(im, 0, &x));
	ONNX_TRY(onnx_state_attr_int(im, "axis", 1, &axis));
	if (axis < 0)
		axis += x->rank;
	if (axis != 1)
		return onnx_state_fail(im, "axis %lld: only Flatten(axis = 1) is supported",
				(long long)axis);
	return ops_flat(im, x);
}

/* The activation's dims as a folded shape. */
static int ops_act_dims(const struct onnx_value *x, int64_t *d)
{
	d[0] = ONNX_BATCH;
	d[1] = x->s.c;
	d[2] = x->s.h;
	d[3] = x->s.w;
	return x->rank;
}

static enum eng_status ops_reshape(struct onnx_state *im)
{
	struct onnx_value *x;
	int64_t t[ONNX_INTS_MAX], d[4], allowzero;
	int n, rank;
	ONNX_TRY(onnx_state_want_act(im, 0, &x));
	ONNX_TRY(onnx_state_want_ints(im, 1, t, &n, &rank));
	ONNX_TRY(onnx_state_attr_int(im, "allowzero", 0, &allowzero));
	int xr = ops_act_dims(x, d);
	for (int i = 0; i < n; i++) {
		if (t[i] == 0 && !allowzero && i < xr)
			t[i] = d[i];
	}
	int64_t f = (int64_t)shape_size(x->s);
	bool batch0 = n == 2 && (t[0] == ONNX_BATCH ||
				 (im->batch > 0 && t[0] == im->batch) ||
				 (t[0] == -1 && t[1] == f));
	if (rank == 1 && batch0 && (t[1] == -1 || t[1] == f))
		return ops_flat(im, x);
	if (rank == 1 && n == xr) {
		bool same = true;
		for (int i = 1; i < n; i++)
			same = same && (t[i] == d[i] || (t[i] == -1 && i == n - 1));
		if (same && (t[0] == ONNX_BATCH || t[0] == -1 || t[0] == im->batch)) {
			onnx_state_alias(im, 0, x);
			return ENG_STATUS_OK;
		}
	}
	char buf[160] = "";
	for (int i = 0; i < n; i++) {
		size_t l = strlen(buf);
		if (t[i] == ONNX_BATCH)
			snprintf(buf + l, sizeof buf - l, "%sN", i ? "," : "");
		else
			snprintf(buf + l, sizeof buf - l, "%s%lld", i ? "," : "", (long long)t[i]);
	}
	return onnx_state_fail(im, "Reshape to [%s] is not a flatten (only [N, -1] is supported)",
			buf);
}

static void ops_set_ints(struct onnx_state *im, const int64_t *v, int n, int rank)
{
	struct onnx_value *o = onnx_state_out(im, 0);
	if (!o)
		return;
	o->kind = ONNX_VALUE_INTS;
	memcpy(o->ints, v, (size_t)n * sizeof *v);
	o->n_ints = n;
	o->ints_rank = rank;
}

static enum eng_status ops_shape(struct onnx_state *im)
{
	struct onnx_value *x;
	int64_t d[4], start, end;
	ONNX_TRY(onnx_state_want_act(im, 0, &x));
	int r = ops_act_dims(x, d);
	ONNX_TRY(onnx_state_attr_int(im, "start", 0, &start));
	ONNX_TRY(onnx_state_attr_int(im, "end", r, &end));
	if (start < 0)
		start += r;
	if (end < 0)
		end += r;
	start = start < 0 ? 0 : start > r ? r : start;
	end = end < 0 ? 0 : end > r ? r : end;
	if (end < start)
		end = start;
	ops_set_ints(im, d + start, (int)(end - start), 1);
	return ENG_STATUS_OK;
}

static enum eng_status ops_gather(struct onnx_state *im)
{
	int64_t data[ONNX_INTS_MAX], idx[ONNX_INTS_MAX], out[ONNX_INTS_MAX], axis;
	int n, rank, ni, irank;
	ONNX_TRY(onnx_state_want_ints(im, 0, data, &n, &rank));
	ONNX_TRY(onnx_state_want_ints(im, 1, idx, &ni, &irank));
	ONNX_TRY(onnx_state_attr_int(im, "axis", 0, &axis));
	if (rank != 1 || (axis != 0 && axis != -1))
		return onnx_state_fail(im, "only Gather on a 1-D shape is supported");
	for (int i = 0; i < ni; i++) {
		int64_t j = idx[i] < 0 ? idx[i] + n : idx[i];
		if (j < 0 || j >= n)
			return onnx_state_fail(im, "index %lld is out of range for %d values",
					(long long)idx[i], n);
		out[i] = data[j];
	}
	ops_set_ints(im, out, ni, irank);
	return ENG_STATUS_OK;
}

static enum eng_status ops_unsqueeze(struct onnx_state *im)
{
	int64_t data[ONNX_INTS_MAX], axes[ONNX_INTS_MAX];
	int n, rank, na = 0, arank;
	size_t sn;
	ONNX_TRY(onnx_state_want_ints(im, 0, data, &n, &rank));
	if (onnx_state_in(im, 1)) {
		ONNX_TRY(onnx_state_want_ints(im, 1, axes, &na, &arank));
	} else {
		const struct onnx_attr *a = onnx_node_attr(&im->m.graph.node[im->cur], "axes");
		const char *why;
		if (a && onnx_attr_ints(a, axes, ONNX_INTS_MAX, &sn, &why))
			na = (int)sn;
	}
	if (rank != 0 || na != 1 || (axes[0] != 0 && axes[0] != -1))
		return onnx_state_fail(im, "only Unsqueeze of a scalar to a 1-D shape is supported");
	ops_set_ints(im, data, n, 1);
	return ENG_STATUS_OK;
}

static enum eng_status ops_concat(struct onnx_state *im)
{
	const struct onnx_node *nd = &im->m.graph.node[im->cur];
	int64_t out[ONNX_INTS_MAX], v[ONNX_INTS_MAX];
	int total = 0;
	for (int k = 0; k < nd->n_in; k++) {
		struct onnx_value *x = onnx_state_in(im, k);
		if (x && x->kind == ONNX_VALUE_ACT)
			return onnx_state_fail(im, "Concat of activations (a channel concat, as in "
					"SqueezeNet, DenseNet or Inception) is not supported");
		int n, rank;
		ONNX_TRY(onnx_state_want_ints(im, k, v, &n, &rank));
		if (rank != 1 || total + n > ONNX_INTS_MAX)
			return onnx_state_fail(im, "only Concat of short 1-D shapes is supported");
		memcpy(out + total, v, (size_t)n * sizeof *v);
		total += n;
	}
	ops_set_ints(im, out, total, 1);
	return ENG_STATUS_OK;
}

static enum eng_status ops_constant(struct onnx_state *im)
{
	const struct onnx_node *nd = &im->m.graph.node[im->cur];
	struct onnx_value *o = onnx_state_out(im, 0);
	if (nd->n_attr != 1)
		return onnx_state_fail(im, "want exactly one attribute, got %d", nd->n_attr);
	const struct onnx_attr *a = &nd->attr[0];
	if (!o)
		return ENG_STATUS_OK;
	if (strcmp(a->name, "value") == 0 && a->has_t) {
		o->kind = ONNX_VALUE_CONST;
		o->t = &a->t;
		return ENG_STATUS_OK;
	}
	if (strcmp(a->name, "value_float") == 0) {
		o->kind = ONNX_VALUE_SCALAR;
		o->f = a->f;
		return ENG_STATUS_OK;
	}
	if (strcmp(a->name, "value_int") == 0) {
		ops_set_ints(im, &a->i, 1, 0);
		return ENG_STATUS_OK;
	}
	if (strcmp(a->name, "value_ints") == 0) {
		int64_t v[ONNX_INTS_MAX];
		size_t n;
		const char *why;
		if (!onnx_attr_ints(a, v, ONNX_INTS_MAX, &n, &why))
			return onnx_state_fail(im, "value_ints: %s", why);
		ops_set_ints(im, v, (int)n, 1);
		return ENG_STATUS_OK;
	}
	return onnx_state_fail(im, "attribute '%.40s' is not supported", a->name);
}

/* Gemm(A, B, C) and MatMul(A, B): a linear layer. */
static enum eng_status ops_gemm(struct onnx_state *im, bool matmul)
{
	struct onnx_value *x;
	const struct onnx_tensor *w, *b = NULL;
	int64_t ta = 0, tb = 0;
	float alpha = 1, beta = 1;
	bool wt;
	ONNX_TRY(onnx_state_want_act(im, 0, &x));
	ONNX_TRY(onnx_state_want_const_tr(im, 1, false, &w, &wt));
	if (!matmul) {
		ONNX_TRY(onnx_state_want_const(im, 2, true, &b));
		ONNX_TRY(onnx_state_attr_int(im, "transA", 0, &ta));
		ONNX_TRY(onnx_state_attr_int(im, "transB", 0, &tb));
		ONNX_TRY(onnx_state_attr_float(im, "alpha", 1, &alpha));
		ONNX_TRY(onnx_state_attr_float(im, "beta", 1, &beta));
	}
	if (x->rank != 2)
		return onnx_state_fail(im, "input '%.100s' is %d-D, want N x F (flatten first)",
				x->name, x->rank);
	if (ta)
		return onnx_state_fail(im, "transA = 1 is not supported");
	if (w->ndim != 2)
		return onnx_state_fail(im, "weight is %d-D, want 2-D", w->ndim);
	/* The engine wants [out][in] = (op(B))^T.  With B = Transpose(file)
	 * folded in, that is the file's matrix when transB != wt, else its
	 * transpose: from here on tb says "the file is [out][in]". */
	if (wt)
		tb = !tb;
	int64_t f = tb ? w->dims[1] : w->dims[0];
	int64_t o = tb ? w->dims[0] : w->dims[1];
	if (f != (int64_t)shape_size(x->s))
		return onnx_state_fail(im, "channel mismatch: the weight takes %lld features, the "
				"input '%.100s' has %zu", (long long)f, x->name,
				shape_size(x->s));
	if (o < 1 || o > ONNX_DIM_MAX)
		return onnx_state_fail(im, "%lld outputs are out of range (1..%d)", (long long)o,
				ONNX_DIM_MAX);
	if (b && onnx_state_numel(b) != (uint64_t)o && onnx_state_numel(b) != 1)
		return onnx_state_fail(im, "bias has %llu values, want %lld (a per-sample bias "
				"is not supported)", (unsigned long long)onnx_state_numel(b),
				(long long)o);
	struct layer_conf c;
	layer_conf_defaults(LAYER_KIND_LINEAR, &c);
	c.out = (int)o;
	c.bias = b != NULL;
	struct onnx_source src = { .w = w, .b = b, .w_transpose = !tb,
			       .w_scale = alpha, .b_scale = beta };
	return onnx_state_layer(im, LAYER_KIND_LINEAR, &c, 1, &x, &src, NULL);
}

/* Whether constant t, added to the output x of layer ls, is that layer's
 * bias under numpy broadcasting: [O] or [1,O] after a linear layer,
 * [C,1,1] or [1,C,1,1] after a conv, or [C] with the legacy broadcast
 * attribute (opset < 7) and axis 1. */
static bool ops_is_bias(const struct layer_spec *ls, const struct onnx_value *x,
			const struct onnx_tensor *t, bool legacy_axis1)
{
	if (onnx_state_numel(t) != (uint64_t)x->s.c || t->ndim > x->rank)
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
static enum eng_status ops_add(struct onnx_state *im)
{
	struct onnx_value *a = onnx_state_in(im, 0), *b = onnx_state_in(im, 1);
	if (!a || !b)
		return onnx_state_fail(im, "want two inputs");
	if (onnx_value_padded(a) || onnx_value_padded(b))
		return onnx_state_fail(im, "an input comes from a Pad, which is only supported "
				"right before a Conv");
	if (a->kind == ONNX_VALUE_ACT && b->kind == ONNX_VALUE_ACT) {
		if (a->rank != b->rank || a->s.c != b->s.c || a->s.h != b->s.h ||
		    a->s.w != b->s.w)
			return onnx_state_fail(im, "shapes %dx%dx%d and %dx%dx%d differ "
					"(broadcasting is not supported)",
					a->s.c, a->s.h, a->s.w, b->s.c, b->s.h, b->s.w);
		struct onnx_value *in[2] = { a, b };
		struct layer_conf c;
		layer_conf_defaults(LAYER_KIND_ADD, &c);
		return onnx_state_layer(im, LAYER_KIND_ADD, &c, 2, in, NULL, "add");
	}
	struct onnx_value *x = a->kind == ONNX_VALUE_ACT ? a : b, *k = a->kind == ONNX_VALUE_ACT ? b : a;
	int last = im->spec->n_layers - 1;
	if (x->kind == ONNX_VALUE_ACT && k->kind == ONNX_VALUE_CONST && x->layer == last && last >= 0 &&
	    x->uses == 1) {
		struct layer_spec *ls = &im->spec->layers[last];
		const struct onnx_tensor *t;
		int64_t legacy, axis;
		ONNX_TRY(onnx_state_want_const(im, k == a ? 0 : 1, false, &t));
		ONNX_TRY(onnx_state_attr_int(im, "broadcast", 0, &legacy));
		ONNX_TRY(onnx_state_attr_int(im, "axis", -1, &axis));
		if (!ls->conf.bias && ops_is_bias(ls, x, t, legacy && axis == 1)) {
			ls->conf.bias = 1;
			im->src[last].b = t;
			im->src[last].b_scale = 1;
			im->n_conv_bias += ls->kind == LAYER_KIND_CONV;
			onnx_state_alias(im, 0, x);
			return ENG_STATUS_OK;
		}
	}
	return onnx_state_fail(im, "only the sum of two activations of one shape, or a bias "
			"right after a MatMul, Gemm or Conv, is supported");
}

static enum eng_status ops_dropout(struct onnx_state *im)
{
	struct onnx_value *x = onnx_state_in(im, 0), *mode = onnx_state_in(im, 2);
	if (!x)
		return onnx_state_fail(im, "input 0 is missing");
	if (mode) {
		int64_t v[ONNX_INTS_MAX];
		int n, rank;
		bool off = mode->kind == ONNX_VALUE_CONST && mode->t->data_type == 9 /* BOOL */ &&
			   mode->t->raw_len == 1 && mode->t->raw[0] == 0;
		if (!off && (onnx_state_want_ints(im, 2, v, &n, &rank) != ENG_STATUS_OK ||
			     n != 1 || v[0]))
			return onnx_state_fail(im, "training_mode must be a constant false");
	}
	ONNX_TRY(onnx_state_unused_from(im, 1));
	onnx_state_alias(im, 0, x);
	return ENG_STATUS_OK;
}

/* Transpose of a 2-D constant (old exports write Linear as Transpose +
 * MatMul): the same tensor, read transposed by Gemm or MatMul. */
static enum eng_status ops_transpose(struct onnx_state *im)
{
	struct onnx_value *x = onnx_state_in(im, 0);
	if (!x)
		return onnx_state_fail(im, "input 0 is missing");
	int64_t perm[2] = { 1, 0 };
	size_t n = 2;
	const struct onnx_attr *a = onnx_node_attr(&im->m.graph.node[im->cur], "perm");
	const char *why;
	if (a && !onnx_attr_ints(a, perm, 2, &n, &why))
		n = 0;
	if (x->kind != ONNX_VALUE_CONST || x->t->ndim != 2 || n != 2 || perm[0] != 1 ||
	    perm[1] != 0)
		return onnx_state_fail(im, "only the transpose of a 2-D weight is supported");
	onnx_state_alias(im, 0, x);
	struct onnx_value *o = onnx_state_out(im, 0);
	if (o)
		o->tr = !x->tr;
	return ENG_STATUS_OK;
}

/* Pad: torch 1.13 writes one with all-zero pads before every AvgPool2d
 * (F.avg_pool2d included), which goes; nn.ZeroPad2d / F.pad and
 * TensorFlow converters write zero padding of H and W before a Conv, which
 * the Conv takes into its own pads (onnx_state_want_act_padded).  Anything
 * else (other modes, a non-zero value, padding N or C, cropping) is
 * refused. */
static enum eng_status ops_pad(struct onnx_state *im)
{
	struct onnx_value *x;
	int64_t pads[ONNX_INTS_MAX];
	int n = 0, rank;
	size_t sn;
	ONNX_TRY(onnx_state_want_act_padded(im, 0, &x));
	const struct onnx_node *nd = &im->m.graph.node[im->cur];
	float value = 0.0f;
	if (onnx_state_in(im, 1)) {
		ONNX_TRY(onnx_state_want_ints(im, 1, pads, &n, &rank));
		if (nd->n_in > 2 && onnx_state_in(im, 2))
			ONNX_TRY(onnx_state_want_scalar(im, 2, &value));
		if (nd->n_in > 3 && onnx_state_in(im, 3))
			return onnx_state_fail(im, "the axes input is not supported");
	} else {
		const struct onnx_attr *a = onnx_node_attr(nd, "pads");
		const char *why;
		if (a && !onnx_attr_ints(a, pads, ONNX_INTS_MAX, &sn, &why))
			return onnx_state_fail(im, "attribute pads: %s", why);
		n = a ? (int)sn : 0;
		const struct onnx_attr *v = onnx_node_attr(nd, "value");
		if (v && v->type == ONNX_ATTR_FLOAT)
			value = v->f;
	}
	bool any = false;
	for (int i = 0; i < n; i++)
		any = any || pads[i];
	if (!any) {
		onnx_state_alias(im, 0, x);
		return ENG_STATUS_OK;
	}
	const char *mode = onnx_state_attr_str(im, "mode");
	if (mode[0] && strcmp(mode, "constant") != 0)
		return onnx_state_fail(im, "mode '%.20s' is not supported (only constant zero "
				"padding)", mode);
	if (value != 0.0f)
		return onnx_state_fail(im, "padding with %g is not supported (only zeros)",
				(double)value);
	if (x->rank != 4 || n != 8)
		return onnx_state_fail(im, "%d pads for a %d-D input: only the H and W sides of "
				"an N x C x H x W activation can be padded", n, x->rank);
	if (pads[0] || pads[1] || pads[4] || pads[5])
		return onnx_state_fail(im, "padding the batch or channel axis is not supported");
	/* [N, C, H, W begins, N, C, H, W ends] -> top, left, bottom, right. */
	int64_t side[4] = { pads[2], pads[3], pads[6], pads[7] };
	int64_t have[4] = { x->pad.top, x->pad.left, x->pad.bottom, x->pad.right };
	for (int i = 0; i < 4; i++) {
		if (side[i] < 0)
			return onnx_state_fail(im, "negative pads (cropping) are not supported");
		if (side[i] + have[i] > ONNX_KERNEL_MAX)
			return onnx_state_fail(im, "pad %lld is out of range (0..%d)",
					(long long)(side[i] + have[i]), ONNX_KERNEL_MAX);
	}
	onnx_state_alias(im, 0, x);
	struct onnx_value *o = onnx_state_out(im, 0);
	if (o)
		o->pad = (struct layer_pad){ (int)(side[0] + have[0]), (int)(side[1] + have[1]),
					     (int)(side[2] + have[2]), (int)(side[3] + have[3]) };
	return ENG_STATUS_OK;
}

static enum eng_status ops_identity(struct onnx_state *im)
{
	struct onnx_value *x = onnx_state_in(im, 0);
	if (!x)
		return onnx_state_fail(im, "input 0 is missing");
	onnx_state_alias(im, 0, x);
	return ENG_STATUS_OK;
}

static enum eng_status ops_maxpool(struct onnx_state *im)
{
	return ops_pool(im, true);
}

static enum eng_status ops_averagepool(struct onnx_state *im)
{
	return ops_pool(im, false);
}

static enum eng_status ops_gemm_node(struct onnx_state *im)
{
	return ops_gemm(im, false);
}

static enum eng_status ops_matmul(struct onnx_state *im)
{
	return ops_gemm(im, true);
}

/* The supported ops: docs/onnx.md's table, in its order. */
static const struct {
	const char *op;
	enum eng_status (*run)(struct onnx_state *im);
} ops_table[] = {
	{ "Conv", ops_conv },
	{ "BatchNormalization", ops_batchnorm },
	{ "Relu", ops_relu },
	{ "Clip", ops_clip },
	{ "MaxPool", ops_maxpool },
	{ "AveragePool", ops_averagepool },
	{ "GlobalAveragePool", ops_gap },
	{ "Flatten", ops_flatten },
	{ "Reshape", ops_reshape },
	{ "Shape", ops_shape },
	{ "Gather", ops_gather },
	{ "Unsqueeze", ops_unsqueeze },
	{ "Concat", ops_concat },
	{ "Gemm", ops_gemm_node },
	{ "MatMul", ops_matmul },
	{ "Add", ops_add },
	{ "Identity", ops_identity },
	{ "Dropout", ops_dropout },
	{ "Constant", ops_constant },
	{ "Transpose", ops_transpose },
	{ "Pad", ops_pad },
};

enum eng_status onnx_ops_node(struct onnx_state *im)
{
	const struct onnx_node *nd = &im->m.graph.node[im->cur];
	if (nd->domain[0] && strcmp(nd->domain, "ai.onnx") != 0)
		return onnx_state_fail(im, "ops of domain '%.60s' are not supported", nd->domain);
	for (size_t i = 0; i < sizeof ops_table / sizeof ops_table[0]; i++) {
		if (strcmp(nd->op_type, ops_table[i].op) == 0)
			return ops_table[i].run(im);
	}
	return onnx_state_fail(im, "unsupported op (docs/onnx.md lists the supported ones)");
}
