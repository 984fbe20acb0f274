/* onnx_export.c: see onnx_export.h.  Field numbers are onnx.proto's
 * (ONNX 1.12, the one python3-onnx ships). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "io/onnx_export.h"

/* ModelProto */
enum { MODEL_IR_VERSION = 1, MODEL_PRODUCER_NAME = 2, MODEL_PRODUCER_VERSION = 3,
       MODEL_GRAPH = 7, MODEL_OPSET_IMPORT = 8, MODEL_METADATA_PROPS = 14 };
/* OperatorSetIdProto, StringStringEntryProto */
enum { OPSET_DOMAIN = 1, OPSET_VERSION = 2, ENTRY_KEY = 1, ENTRY_VALUE = 2 };
/* GraphProto */
enum { GRAPH_NODE = 1, GRAPH_NAME = 2, GRAPH_INITIALIZER = 5, GRAPH_INPUT = 11,
       GRAPH_OUTPUT = 12 };
/* NodeProto */
enum { NODE_INPUT = 1, NODE_OUTPUT = 2, NODE_NAME = 3, NODE_OP_TYPE = 4,
       NODE_ATTRIBUTE = 5 };
/* AttributeProto and its AttributeType values */
enum { ATTR_NAME = 1, ATTR_F = 2, ATTR_I = 3, ATTR_INTS = 8, ATTR_TYPE = 20 };
enum { ATTR_TYPE_FLOAT = 1, ATTR_TYPE_INT = 2, ATTR_TYPE_INTS = 7 };
/* TensorProto and its DataType FLOAT */
enum { TENSOR_DIMS = 1, TENSOR_DATA_TYPE = 2, TENSOR_NAME = 8, TENSOR_RAW_DATA = 9 };
enum { DTYPE_FLOAT = 1 };
/* ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto(.Dimension) */
enum { VALUE_NAME = 1, VALUE_TYPE = 2, TYPE_TENSOR = 1, TENSOR_ELEM_TYPE = 1,
       TENSOR_SHAPE = 2, SHAPE_DIM = 1, DIM_VALUE = 1, DIM_PARAM = 2 };

#define TENSOR_NAME_MAX (LAYER_NAME_MAX + 32)

struct exporter {
	const struct net *net;
	const struct onnx_export_options *o;
	struct pb_buf graph;
	char (*out_name)[TENSOR_NAME_MAX];	/* ONNX tensor of each layer */
	int *rank;				/* 4 (N,C,H,W) or 2 (N,F) */
	int *consumers;
	bool *folded;				/* a BN folded into its conv */
};

/* --- small builders -------------------------------------------------------- */

static void attr_int(struct pb_buf *node, const char *name, int64_t v)
{
	struct pb_buf a = { 0 };
	pb_string(&a, ATTR_NAME, name);
	pb_varint(&a, ATTR_I, (uint64_t)v);
	pb_varint(&a, ATTR_TYPE, ATTR_TYPE_INT);
	pb_message(node, NODE_ATTRIBUTE, &a);
	pb_buf_done(&a);
}

static void attr_float(struct pb_buf *node, const char *name, float v)
{
	struct pb_buf a = { 0 };
	pb_string(&a, ATTR_NAME, name);
	pb_float(&a, ATTR_F, v);
	pb_varint(&a, ATTR_TYPE, ATTR_TYPE_FLOAT);
	pb_message(node, NODE_ATTRIBUTE, &a);
	pb_buf_done(&a);
}

static void attr_ints(struct pb_buf *node, const char *name, const int64_t *v, int n)
{
	struct pb_buf a = { 0 };
	pb_string(&a, ATTR_NAME, name);
	for (int i = 0; i < n; i++)
		pb_varint(&a, ATTR_INTS, (uint64_t)v[i]);
	pb_varint(&a, ATTR_TYPE, ATTR_TYPE_INTS);
	pb_message(node, NODE_ATTRIBUTE, &a);
	pb_buf_done(&a);
}

/* A float initializer; ndims 0 is a scalar. */
static void initializer(struct exporter *x, const char *name, const int64_t *dims,
			int ndims, const float *data, size_t n)
{
	struct pb_buf t = { 0 };
	for (int i = 0; i < ndims; i++)
		pb_varint(&t, TENSOR_DIMS, (uint64_t)dims[i]);
	pb_varint(&t, TENSOR_DATA_TYPE, DTYPE_FLOAT);
	pb_string(&t, TENSOR_NAME, name);
	/* raw_data is little-endian float32: what this (x86/ARM) host holds. */
	pb_bytes(&t, TENSOR_RAW_DATA, data, n * sizeof *data);
	pb_message(&x->graph, GRAPH_INITIALIZER, &t);
	pb_buf_done(&t);
}

/* A node with up to 5 inputs (NULL entries end the list) and one output;
 * attributes are added by the caller before node_end. */
static void node_begin(struct pb_buf *node, const char *op, const char *name,
		       const char *const *in, int n_in, const char *out)
{
	memset(node, 0, sizeof *node);
	for (int i = 0; i < n_in; i++)
		pb_string(node, NODE_INPUT, in[i]);
	pb_string(node, NODE_OUTPUT, out);
	pb_string(node, NODE_NAME, name);
	pb_string(node, NODE_OP_TYPE, op);
}

static void node_end(struct exporter *x, struct pb_buf *node)
{
	pb_message(&x->graph, GRAPH_NODE, node);
	pb_buf_done(node);
}

/* ValueInfoProto of a float tensor [N, dims...]. */
static void value_info(struct pb_buf *graph, int field, const char *name,
		       const int *dims, int ndims)
{
	struct pb_buf shape = { 0 }, tensor = { 0 }, type = { 0 }, v = { 0 };
	struct pb_buf d = { 0 };
	pb_string(&d, DIM_PARAM, "N");
	pb_message(&shape, SHAPE_DIM, &d);
	pb_buf_done(&d);
	for (int i = 0; i < ndims; i++) {
		pb_varint(&d, DIM_VALUE, (uint64_t)dims[i]);
		pb_message(&shape, SHAPE_DIM, &d);
		pb_buf_done(&d);
	}
	pb_varint(&tensor, TENSOR_ELEM_TYPE, DTYPE_FLOAT);
	pb_message(&tensor, TENSOR_SHAPE, &shape);
	pb_message(&type, TYPE_TENSOR, &tensor);
	pb_string(&v, VALUE_NAME, name);
	pb_message(&v, VALUE_TYPE, &type);
	pb_message(graph, field, &v);
	pb_buf_done(&shape);
	pb_buf_done(&tensor);
	pb_buf_done(&type);
	pb_buf_done(&v);
}

/* --- layers ------------------------------------------------------------- */

/* The weights of l as exported: l->w, or a copy with the masked entries
 * zeroed (*tmp, freed by the caller) when a mask is given. */
static const float *masked_weights(const struct exporter *x, const struct layer *l,
				   float **tmp)
{
	*tmp = NULL;
	if (!x->o->mask)
		return l->w;
	const uint8_t *m = x->o->mask + (l->w - x->net->params);
	float *c = malloc(l->w_len * sizeof *c);
	if (!c)
		return NULL;
	for (size_t p = 0; p < l->w_len; p++)
		c[p] = m[p] ? l->w[p] : 0.0f;
	*tmp = c;
	return c;
}

static const char *input_name(const struct exporter *x, const struct layer *l, int k)
{
	return l->in_idx[k] < 0 ? "input" : x->out_name[l->in_idx[k]];
}

static int input_rank(const struct exporter *x, const struct layer *l, int k)
{
	return l->in_idx[k] < 0 ? 4 : x->rank[l->in_idx[k]];
}

/* The BN that folds into conv i: its only consumer, a BN. */
static int fold_target(const struct exporter *x, int i)
{
	const struct net *net = x->net;
	if (!x->o->fold_bn || net->layers[i].kind != LAYER_KIND_CONV ||
	    x->consumers[i] != 1)
		return -1;
	for (int j = i + 1; j < net->n_layers; j++) {
		const struct layer *c = &net->layers[j];
		for (int k = 0; k < c->n_in; k++)
			if (c->in_idx[k] == i)
				return c->kind == LAYER_KIND_BN ? j : -1;
	}
	return -1;
}

static enum eng_status export_conv(struct exporter *x, int i, struct eng_err *err)
{
	const struct layer *l = &x->net->layers[i];
	int k = l->conf.size, groups = l->conf.groups > 0 ? l->conf.groups : 1;
	int out_c = l->out.c, in_per_group = l->in.c / groups;
	int bn = fold_target(x, i);
	float *mw = NULL, *fw = NULL, *fb = NULL;
	const float *w = masked_weights(x, l, &mw), *b = l->b_len ? l->b : NULL;
	if (!w)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "export: out of memory");
	if (bn >= 0) {
		/* y = gamma (conv(x) + b - mean) / sqrt(var + eps) + beta */
		const struct layer *n = &x->net->layers[bn];
		const float *gamma = n->w, *beta = n->b;
		const float *mean = n->state, *var = n->state + n->out.c;
		fw = malloc(l->w_len * sizeof *fw);
		fb = malloc((size_t)out_c * sizeof *fb);
		if (!fw || !fb) {
			free(mw);
			free(fw);
			free(fb);
			return eng_err_set(err, ENG_STATUS_ENOMEM, "export: out of memory");
		}
		size_t per = l->w_len / (size_t)out_c;
		for (int o = 0; o < out_c; o++) {
			double s = gamma[o] / sqrt((double)var[o] + n->conf.eps);
			for (size_t p = 0; p < per; p++)
				fw[(size_t)o * per + p] = (float)(w[(size_t)o * per + p] * s);
			fb[o] = (float)(((b ? b[o] : 0.0) - mean[o]) * s + beta[o]);
		}
		w = fw;
		b = fb;
		x->folded[bn] = true;
		snprintf(x->out_name[i], TENSOR_NAME_MAX, "%s", n->name);
	}
	char wname[TENSOR_NAME_MAX], bname[TENSOR_NAME_MAX];
	snprintf(wname, sizeof wname, "%s.weight", l->name);
	snprintf(bname, sizeof bname, "%s.bias", l->name);
	int64_t dims[4] = { out_c, in_per_group, k, k };
	initializer(x, wname, dims, 4, w, l->w_len);
	if (b)
		initializer(x, bname, dims, 1, b, (size_t)out_c);
	const char *in[3] = { input_name(x, l, 0), wname, bname };
	struct pb_buf node;
	node_begin(&node, "Conv", l->name, in, b ? 3 : 2, x->out_name[i]);
	int64_t ks[2] = { k, k }, st[2] = { l->conf.stride, l->conf.stride };
	int64_t pads[4] = { l->conf.pad.top, l->conf.pad.left, l->conf.pad.bottom,
			    l->conf.pad.right };
	int64_t dil[2] = { 1, 1 };
	attr_ints(&node, "kernel_shape", ks, 2);
	attr_ints(&node, "strides", st, 2);
	attr_ints(&node, "pads", pads, 4);
	attr_ints(&node, "dilations", dil, 2);
	attr_int(&node, "group", groups);
	node_end(x, &node);
	free(mw);
	free(fw);
	free(fb);
	return ENG_STATUS_OK;
}

static void export_bn(struct exporter *x, int i)
{
	const struct layer *l = &x->net->layers[i];
	char names[4][TENSOR_NAME_MAX];
	static const char *suffix[4] = { "weight", "bias", "running_mean", "running_var" };
	const float *data[4] = { l->w, l->b, l->state, l->state + l->out.c };
	int64_t c = l->out.c;
	for (int k = 0; k < 4; k++) {
		snprintf(names[k], sizeof names[k], "%s.%s", l->name, suffix[k]);
		initializer(x, names[k], &c, 1, data[k], (size_t)c);
	}
	const char *in[5] = { input_name(x, l, 0), names[0], names[1], names[2], names[3] };
	struct pb_buf node;
	node_begin(&node, "BatchNormalization", l->name, in, 5, x->out_name[i]);
	attr_float(&node, "epsilon", l->conf.eps);
	attr_float(&node, "momentum", 1.0f - l->conf.momentum);
	node_end(x, &node);
}

static void export_relu(struct exporter *x, int i)
{
	const struct layer *l = &x->net->layers[i];
	const char *in[3] = { input_name(x, l, 0), NULL, NULL };
	struct pb_buf node;
	if (l->conf.clip <= 0.0f) {
		node_begin(&node, "Relu", l->name, in, 1, x->out_name[i]);
		node_end(x, &node);
		return;
	}
	char lo[TENSOR_NAME_MAX], hi[TENSOR_NAME_MAX];
	snprintf(lo, sizeof lo, "%s.min", l->name);
	snprintf(hi, sizeof hi, "%s.max", l->name);
	float zero = 0.0f, clip = l->conf.clip;
	initializer(x, lo, NULL, 0, &zero, 1);
	initializer(x, hi, NULL, 0, &clip, 1);
	in[1] = lo;
	in[2] = hi;
	node_begin(&node, "Clip", l->name, in, 3, x->out_name[i]);
	node_end(x, &node);
}

static void export_pool(struct exporter *x, int i)
{
	const struct layer *l = &x->net->layers[i];
	const char *in[1] = { input_name(x, l, 0) };
	bool max = l->kind == LAYER_KIND_MAXPOOL;
	struct pb_buf node;
	node_begin(&node, max ? "MaxPool" : "AveragePool", l->name, in, 1, x->out_name[i]);
	int s = l->conf.stride > 0 ? l->conf.stride : l->conf.size;
	int64_t ks[2] = { l->conf.size, l->conf.size }, st[2] = { s, s };
	int64_t pads[4] = { l->conf.pad.top, l->conf.pad.left, l->conf.pad.bottom,
			    l->conf.pad.right };
	attr_ints(&node, "kernel_shape", ks, 2);
	attr_ints(&node, "strides", st, 2);
	attr_ints(&node, "pads", pads, 4);
	if (!max)
		attr_int(&node, "count_include_pad", 1);
	node_end(x, &node);
}

static void export_flatten(struct exporter *x, const char *name, const char *in,
			   const char *out)
{
	struct pb_buf node;
	node_begin(&node, "Flatten", name, &in, 1, out);
	attr_int(&node, "axis", 1);
	node_end(x, &node);
}

static enum eng_status export_linear(struct exporter *x, int i, struct eng_err *err)
{
	const struct layer *l = &x->net->layers[i];
	float *mw = NULL;
	const float *w = masked_weights(x, l, &mw);
	if (!w)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "export: out of memory");
	const char *src = input_name(x, l, 0);
	char flat[TENSOR_NAME_MAX], flat_node[TENSOR_NAME_MAX];
	if (input_rank(x, l, 0) == 4) {
		snprintf(flat, sizeof flat, "%s.flat", l->name);
		snprintf(flat_node, sizeof flat_node, "%s/flatten", l->name);
		export_flatten(x, flat_node, src, flat);
		src = flat;
	}
	char wname[TENSOR_NAME_MAX], bname[TENSOR_NAME_MAX];
	snprintf(wname, sizeof wname, "%s.weight", l->name);
	snprintf(bname, sizeof bname, "%s.bias", l->name);
	int64_t dims[2] = { l->out.c, (int64_t)(l->w_len / (size_t)l->out.c) };
	initializer(x, wname, dims, 2, w, l->w_len);
	free(mw);
	if (l->b_len)
		initializer(x, bname, dims, 1, l->b, l->b_len);
	const char *in[3] = { src, wname, bname };
	struct pb_buf node;
	node_begin(&node, "Gemm", l->name, in, l->b_len ? 3 : 2, x->out_name[i]);
	attr_int(&node, "transB", 1);
	node_end(x, &node);
	return ENG_STATUS_OK;
}

static enum eng_status export_layer(struct exporter *x, int i, struct eng_err *err)
{
	const struct layer *l = &x->net->layers[i];
	int r0 = input_rank(x, l, 0);
	x->rank[i] = r0;
	switch (l->kind) {
	case LAYER_KIND_CONV:
	case LAYER_KIND_MAXPOOL:
	case LAYER_KIND_AVGPOOL:
	case LAYER_KIND_GAP:
		if (r0 != 4)
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "export: layer '%s' (%s) takes a flattened input, which ONNX cannot express here",
					   l->name, layer_kind_name(l->kind));
		break;
	case LAYER_KIND_ADD:
		if (input_rank(x, l, 1) != r0)
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "export: layer '%s' adds a flattened and a feature-map input",
					   l->name);
		break;
	default:
		break;
	}
	const char *in[2] = { input_name(x, l, 0), l->n_in > 1 ? input_name(x, l, 1) : NULL };
	struct pb_buf node;
	switch (l->kind) {
	case LAYER_KIND_CONV:
		return export_conv(x, i, err);
	case LAYER_KIND_BN:
		if (!x->folded[i])
			export_bn(x, i);
		break;
	case LAYER_KIND_RELU:
		export_relu(x, i);
		break;
	case LAYER_KIND_MAXPOOL:
	case LAYER_KIND_AVGPOOL:
		export_pool(x, i);
		break;
	case LAYER_KIND_GAP:
		node_begin(&node, "GlobalAveragePool", l->name, in, 1, x->out_name[i]);
		node_end(x, &node);
		break;
	case LAYER_KIND_FLATTEN:
		export_flatten(x, l->name, in[0], x->out_name[i]);
		x->rank[i] = 2;
		break;
	case LAYER_KIND_LINEAR:
		x->rank[i] = 2;
		return export_linear(x, i, err);
	case LAYER_KIND_ADD:
		node_begin(&node, "Add", l->name, in, 2, x->out_name[i]);
		node_end(x, &node);
		break;
	default:
		return eng_err_set(err, ENG_STATUS_EINVAL, "export: layer '%s': kind %d has no ONNX form",
				   l->name, (int)l->kind);
	}
	return ENG_STATUS_OK;
}

/* --- the model ------------------------------------------------------------ */

static enum eng_status export_graph(struct exporter *x, struct eng_err *err)
{
	const struct net *net = x->net;
	int n = net->n_layers;
	int last = n - 1;
	for (int i = 0; i < n; i++) {
		const struct layer *l = &net->layers[i];
		/* The graph's own "input" and "logits" keep their names. */
		bool taken = strcmp(l->name, "input") == 0 || strcmp(l->name, "logits") == 0;
		snprintf(x->out_name[i], TENSOR_NAME_MAX, "%s%s", l->name, taken ? "_out" : "");
		for (int k = 0; k < l->n_in; k++)
			if (l->in_idx[k] >= 0)
				x->consumers[l->in_idx[k]]++;
	}
	int in_dims[3] = { net->input.c, net->input.h, net->input.w };
	value_info(&x->graph, GRAPH_INPUT, "input", in_dims, 3);
	/* The last layer writes "logits" itself when its output is already
	 * [N, classes]; otherwise a Flatten makes it so. */
	for (int i = 0; i < n; i++) {
		enum eng_status st = export_layer(x, i, err);
		if (st != ENG_STATUS_OK)
			return st;
	}
	const struct layer *l = &net->layers[last];
	int classes = l->out.c * l->out.h * l->out.w;
	export_flatten(x, "/output/Flatten", x->out_name[last], "logits");
	int out_dims[1] = { classes };
	value_info(&x->graph, GRAPH_OUTPUT, "logits", out_dims, 1);
	pb_string(&x->graph, GRAPH_NAME, net->name);
	return ENG_STATUS_OK;
}

enum eng_status onnx_export_bytes(const struct net *net,
				  const struct onnx_export_options *o,
				  struct pb_buf *out, struct eng_err *err)
{
	static const struct onnx_export_options defaults = { 0 };
	memset(out, 0, sizeof *out);
	if (!o)
		o = &defaults;
	if (!net || net->n_layers < 1)
		return eng_err_set(err, ENG_STATUS_EINVAL, "export: empty net");
	struct exporter x = { .net = net, .o = o };
	size_t n = (size_t)net->n_layers;
	x.out_name = calloc(n, sizeof *x.out_name);
	x.rank = calloc(n, sizeof *x.rank);
	x.consumers = calloc(n, sizeof *x.consumers);
	x.folded = calloc(n, sizeof *x.folded);
	enum eng_status st = ENG_STATUS_ENOMEM;
	if (!x.out_name || !x.rank || !x.consumers || !x.folded) {
		eng_err_set(err, st, "export: out of memory");
		goto out;
	}
	if ((st = export_graph(&x, err)) != ENG_STATUS_OK)
		goto out;
	pb_varint(out, MODEL_IR_VERSION, ONNX_EXPORT_IR_VERSION);
	pb_string(out, MODEL_PRODUCER_NAME, "reconvene");
	if (o->producer_version)
		pb_string(out, MODEL_PRODUCER_VERSION, o->producer_version);
	pb_message(out, MODEL_GRAPH, &x.graph);
	struct pb_buf opset = { 0 };
	pb_string(&opset, OPSET_DOMAIN, "");
	pb_varint(&opset, OPSET_VERSION, ONNX_EXPORT_OPSET);
	pb_message(out, MODEL_OPSET_IMPORT, &opset);
	pb_buf_done(&opset);
	for (int i = 0; i < o->n_meta; i++) {
		struct pb_buf e = { 0 };
		pb_string(&e, ENTRY_KEY, o->meta[i].key);
		pb_string(&e, ENTRY_VALUE, o->meta[i].value);
		pb_message(out, MODEL_METADATA_PROPS, &e);
		pb_buf_done(&e);
	}
	st = ENG_STATUS_OK;
	if (pb_failed(out))
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "export: out of memory");
out:
	pb_buf_done(&x.graph);
	free(x.out_name);
	free(x.rank);
	free(x.consumers);
	free(x.folded);
	return st;
}

static enum eng_status put_model(int fd, void *user, const char *path, struct eng_err *err)
{
	const struct pb_buf *b = user;
	return fileio_write_all(fd, b->data, b->len, path, err);
}

enum eng_status onnx_export(const struct net *net, const struct onnx_export_options *o,
			    const char *path, struct eng_err *err)
{
	struct pb_buf model;
	enum eng_status st = onnx_export_bytes(net, o, &model, err);
	if (st == ENG_STATUS_OK)
		st = fileio_write_atomic(path, put_model, &model, err);
	pb_buf_done(&model);
	return st;
}
