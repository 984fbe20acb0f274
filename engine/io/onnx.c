/* onnx.c: ModelProto decoded in place (see onnx.h).
 *
 * Each repeated message field is walked twice: once to count, then, after
 * one allocation of exactly that many entries from the pool, to decode.
 * The pool is a list of malloc'd chunks freed together; its total is capped
 * at ONNX_POOL_MAX, so the decoded form of any file stays bounded.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/onnx.h"
#include "io/protobuf.h"

#define ONNX_CHUNK ((size_t)64 << 10)
#define ONNX_STRING_MAX ((size_t)1 << 20)

/* ---- the pool ------------------------------------------------------------ */

struct onnx_chunk {
	struct onnx_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

struct onnx_pool {
	struct onnx_chunk *head;
	size_t total;
};

static void *onnx_alloc(struct onnx_model *m, size_t n, const char **why)
{
	if (!m->pool) {
		m->pool = calloc(1, sizeof *m->pool);
		if (!m->pool) {
			*why = "out of memory";
			return NULL;
		}
	}
	struct onnx_pool *p = m->pool;
	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (n == 0)
		n = sizeof(max_align_t);
	struct onnx_chunk *c = p->head;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > ONNX_CHUNK ? n : ONNX_CHUNK;
		if (cap > ONNX_POOL_MAX - p->total || p->total > ONNX_POOL_MAX) {
			*why = "too many nodes, attributes or tensors";
			return NULL;
		}
		c = malloc(sizeof *c + cap);
		if (!c) {
			*why = "out of memory";
			return NULL;
		}
		c->next = p->head;
		c->used = 0;
		c->cap = cap;
		p->head = c;
		p->total += cap;
	}
	void *r = (char *)c->data + c->used;
	c->used += n;
	memset(r, 0, n);
	return r;
}

/* An array of n entries of size sz. */
static void *onnx_array(struct onnx_model *m, size_t n, size_t sz, const char **why)
{
	if (n > ONNX_POOL_MAX / (sz ? sz : 1)) {
		*why = "too many nodes, attributes or tensors";
		return NULL;
	}
	return onnx_alloc(m, n * sz, why);
}

/* A NUL-terminated copy of a string field. */
static const char *onnx_string(struct onnx_model *m, const struct protobuf_field *f,
			       const char **why)
{
	if (f->wire != PROTOBUF_WIRE_LEN) {
		*why = "wrong wire type for a string";
		return NULL;
	}
	if (f->len > ONNX_STRING_MAX) {
		*why = "string longer than 1 MiB";
		return NULL;
	}
	if (memchr(f->data, 0, f->len)) {
		*why = "string contains a NUL byte";
		return NULL;
	}
	char *s = onnx_alloc(m, f->len + 1, why);
	if (!s)
		return NULL;
	memcpy(s, f->data, f->len);
	s[f->len] = '\0';
	return s;
}

static bool onnx_want(const struct protobuf_field *f, enum protobuf_wire w,
		      const char **why)
{
	if (f->wire == w)
		return true;
	*why = "wrong wire type";
	return false;
}

/* Count the fields numbered `number` in a message (checking its framing). */
static int onnx_count(const uint8_t *data, size_t len, uint32_t number,
		      const char **why)
{
	struct protobuf_reader r;
	struct protobuf_field f;
	int rc, n = 0;
	protobuf_reader_init(&r, data, len);
	while ((rc = protobuf_next(&r, &f, why)) > 0) {
		if (f.number == number) {
			if (f.wire != PROTOBUF_WIRE_LEN) {
				*why = "wrong wire type for a repeated message or string";
				return -1;
			}
			if (n == 1 << 24) {
				*why = "more than 16 M entries in one list";
				return -1;
			}
			n++;
		}
	}
	return rc < 0 ? -1 : n;
}

/* ---- tensors -------------------------------------------------------------- */

bool onnx_tensor_parse(struct onnx_model *m, const uint8_t *data, size_t len,
		       struct onnx_tensor *t, const char **why)
{
	memset(t, 0, sizeof *t);
	t->name = "";
	t->msg = data;
	t->msg_len = len;
	struct protobuf_reader r;
	struct protobuf_field f;
	int rc;
	protobuf_reader_init(&r, data, len);
	while ((rc = protobuf_next(&r, &f, why)) > 0) {
		switch (f.number) {
		case 2: /* data_type */
			if (!onnx_want(&f, PROTOBUF_WIRE_VARINT, why))
				return false;
			t->data_type = (int)(int32_t)f.u;
			break;
		case 3: /* segment */
			*why = "segmented tensors are not supported";
			return false;
		case 8: /* name */
			if (!(t->name = onnx_string(m, &f, why)))
				return false;
			break;
		case 9: /* raw_data */
			if (!onnx_want(&f, PROTOBUF_WIRE_LEN, why))
				return false;
			t->raw = f.data;
			t->raw_len = f.len;
			break;
		case 13: /* external_data */
			t->external = true;
			break;
		case 14: /* data_location */
			if (!onnx_want(&f, PROTOBUF_WIRE_VARINT, why))
				return false;
			if (f.u == 1)
				t->external = true;
			break;
		default:
			break;
		}
	}
	if (rc < 0)
		return false;
	struct protobuf_scalars it;
	uint64_t v;
	protobuf_scalars_init(&it, data, len, 1, PROTOBUF_WIRE_VARINT);
	while ((rc = protobuf_scalars_next(&it, &v, why)) > 0) {
		if (t->ndim == ONNX_DIMS_MAX) {
			*why = "more than 8 dimensions";
			return false;
		}
		if ((int64_t)v < 0) {
			*why = "negative dimension";
			return false;
		}
		t->dims[t->ndim++] = (int64_t)v;
	}
	if (rc < 0)
		return false;
	uint64_t n;
	if (!onnx_tensor_numel(t, &n)) {
		*why = "dimensions too large";
		return false;
	}
	return true;
}

bool onnx_tensor_numel(const struct onnx_tensor *t, uint64_t *n)
{
	uint64_t p = 1;
	for (int i = 0; i < t->ndim; i++) {
		uint64_t d = (uint64_t)t->dims[i];
		if (d && p > ((uint64_t)1 << 62) / d)
			return false;
		p *= d;
	}
	*n = p;
	return true;
}

static bool onnx_host_le(void)
{
	const uint16_t one = 1;
	return *(const uint8_t *)&one == 1;
}

/* Little-endian bytes to a value of n bytes. */
static uint64_t onnx_le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static bool onnx_check_plain(const struct onnx_tensor *t, const char **why)
{
	if (t->external) {
		*why = "external data is not supported (save the model with its weights inside)";
		return false;
	}
	return true;
}

/* Hands each of t's n values (width bytes each, from raw_data or from the
 * repeated field `field` of wire type `wire`) to put as raw bits; out NULL:
 * count and check only. */
typedef void (*onnx_put_fn)(void *out, size_t i, uint64_t bits);

static bool onnx_values(const struct onnx_tensor *t, size_t n, int width,
			uint32_t field, enum protobuf_wire wire, onnx_put_fn put,
			void *out, const char **why)
{
	if (t->raw) {
		if (t->raw_len / (size_t)width != n || t->raw_len % (size_t)width) {
			*why = "raw_data does not hold as many values as the dimensions say";
			return false;
		}
		for (size_t i = 0; out && i < n; i++)
			put(out, i, onnx_le(t->raw + i * (size_t)width, width));
		return true;
	}
	struct protobuf_scalars it;
	uint64_t b;
	size_t k = 0;
	int rc;
	protobuf_scalars_init(&it, t->msg, t->msg_len, field, wire);
	while ((rc = protobuf_scalars_next(&it, &b, why)) > 0) {
		if (k == n) {
			*why = "more values than the dimensions say";
			return false;
		}
		if (out)
			put(out, k, b);
		k++;
	}
	if (rc < 0)
		return false;
	if (k != n) {
		*why = "fewer values than the dimensions say";
		return false;
	}
	return true;
}

static void onnx_put_f32(void *out, size_t i, uint64_t bits)
{
	((float *)out)[i] = protobuf_float(bits);
}

static void onnx_put_f64(void *out, size_t i, uint64_t bits)
{
	double d;
	memcpy(&d, &bits, sizeof d);
	((float *)out)[i] = (float)d;
}

static void onnx_put_i64(void *out, size_t i, uint64_t bits)
{
	((int64_t *)out)[i] = (int64_t)bits;
}

static void onnx_put_i32(void *out, size_t i, uint64_t bits)
{
	((int64_t *)out)[i] = (int64_t)(int32_t)(uint32_t)bits;
}

bool onnx_tensor_floats(const struct onnx_tensor *t, float *out, size_t n,
			const char **why)
{
	if (!onnx_check_plain(t, why))
		return false;
	if (t->data_type == ONNX_DTYPE_FLOAT) {
		/* The common case, a straight copy of raw_data. */
		if (out && t->raw && t->raw_len == n * 4 && onnx_host_le()) {
			if (n)
				memcpy(out, t->raw, n * 4);
			return true;
		}
		return onnx_values(t, n, 4, 4, PROTOBUF_WIRE_I32, onnx_put_f32, out, why);
	}
	if (t->data_type == ONNX_DTYPE_DOUBLE)
		return onnx_values(t, n, 8, 10, PROTOBUF_WIRE_I64, onnx_put_f64, out, why);
	*why = "values are not float or double";
	return false;
}

bool onnx_tensor_ints(const struct onnx_tensor *t, int64_t *out, size_t max,
		      size_t *n, const char **why)
{
	*n = 0;
	if (!onnx_check_plain(t, why))
		return false;
	uint64_t numel;
	if (!onnx_tensor_numel(t, &numel) || numel > max) {
		*why = "too many values for a shape";
		return false;
	}
	bool ok;
	if (t->data_type == ONNX_DTYPE_INT64)
		ok = onnx_values(t, (size_t)numel, 8, 7, PROTOBUF_WIRE_VARINT, onnx_put_i64,
				 out, why);
	else if (t->data_type == ONNX_DTYPE_INT32)
		ok = onnx_values(t, (size_t)numel, 4, 5, PROTOBUF_WIRE_VARINT, onnx_put_i32,
				 out, why);
	else {
		*why = "values are not integers";
		return false;
	}
	if (ok)
		*n = (size_t)numel;
	return ok;
}

/* ---- attributes and nodes ----------------------------------------------- */

bool onnx_attr_ints(const struct onnx_attr *a, int64_t *out, size_t max,
		    size_t *n, const char **why)
{
	struct protobuf_scalars it;
	uint64_t v;
	int rc;
	*n = 0;
	protobuf_scalars_init(&it, a->msg, a->msg_len, 8, PROTOBUF_WIRE_VARINT);
	while ((rc = protobuf_scalars_next(&it, &v, why)) > 0) {
		if (*n == max) {
			*why = "too many values in a list attribute";
			return false;
		}
		out[(*n)++] = (int64_t)v;
	}
	return rc == 0;
}

const struct onnx_attr *onnx_node_attr(const struct onnx_node *node,
				       const char *name)
{
	for (int i = 0; i < node->n_attr; i++) {
		if (strcmp(node->attr[i].name, name) == 0)
			return &node->attr[i];
	}
	return NULL;
}

static bool onnx_attr_parse(struct onnx_model *m, const uint8_t *data, size_t len,
			    struct onnx_attr *a, const char **why)
{
	a->name = "";
	a->s = "";
	a->msg = data;
	a->msg_len = len;
	struct protobuf_reader r;
	struct protobuf_field f;
	int rc;
	protobuf_reader_init(&r, data, len);
	while ((rc = protobuf_next(&r, &f, why)) > 0) {
		switch (f.number) {
		case 1:
			if (!(a->name = onnx_string(m, &f, why)))
				return false;
			break;
		case 20:
			if (!onnx_want(&f, PROTOBUF_WIRE_VARINT, why))
				return false;
			a->type = (int)(int32_t)f.u;
			break;
		case 2:
			if (!onnx_want(&f, PROTOBUF_WIRE_I32, why))
				return false;
			a->f = protobuf_float(f.u);
			break;
		case 3:
			if (!onnx_want(&f, PROTOBUF_WIRE_VARINT, why))
				return false;
			a->i = (int64_t)f.u;
			break;
		case 4:
			if (!(a->s = onnx_string(m, &f, why)))
				return false;
			break;
		case 5:
			if (!onnx_want(&f, PROTOBUF_WIRE_LEN, why))
				return false;
			if (!onnx_tensor_parse(m, f.data, f.len, &a->t, why))
				return false;
			a->has_t = true;
			break;
		default:
			break;
		}
	}
	return rc == 0;
}

/* Fill a list of n strings from the fields numbered `number`. */
static bool onnx_strings(struct onnx_model *m, const uint8_t *data, size_t len,
			 uint32_t number, int n, const char ***out, const char **why)
{
	const char **v = onnx_array(m, (size_t)n, sizeof *v, why);
	if (!v)
		return false;
	struct protobuf_reader r;
	struct protobuf_field f;
	int rc, k = 0;
	protobuf_reader_init(&r, data, len);
	while ((rc = protobuf_next(&r, &f, why)) > 0) {
		if (f.number == number && !(v[k++] = onnx_string(m, &f, why)))
			return false;
	}
	*out = v;
	return rc == 0;
}

static bool onnx_node_parse(struct onnx_model *m, const uint8_t *data, size_t len,
			    struct onnx_node *nd, const char **why)
{
	nd->name = "";
	nd->op_type = "";
	nd->domain = "";
	if ((nd->n_in = onnx_count(data, len, 1, why)) < 0 ||
	    (nd->n_out = onnx_count(data, len, 2, why)) < 0 ||
	    (nd->n_attr = onnx_count(data, len, 5, why)) < 0)
		return false;
	if (!onnx_strings(m, data, len, 1, nd->n_in, &nd->in, why) ||
	    !onnx_strings(m, data, len, 2, nd->n_out, &nd->out, why))
		return false;
	nd->attr = onnx_array(m, (size_t)nd->n_attr, sizeof *nd->attr, why);
	if (!nd->attr)
		return false;
	struct protobuf_reader r;
	struct protobuf_field f;
	int rc, k = 0;
	protobuf_reader_init(&r, data, len);
	while ((rc = protobuf_next(&r, &f, why)) > 0) {
		switch (f.number) {
		case 3:
			if (!(nd->name = onnx_string(m, &f, why)))
				return false;
			break;
		case 4:
			if (!(nd->op_type = onnx_string(m, &f, why)))
				return false;
			break;
		case 7:
			if (!(nd->domain = onnx_string(m, &f, why)))
				return false;
			break;
		case 5:
			if (!onnx_attr_parse(m, f.data, f.len, &nd->attr[k++], why))
				return false;
			break;
		default:
			break;
		}
	}
	return rc == 0;
}

/* ---- value infos: name, TypeProto.tensor_type (elem_type, shape) --------- */

static bool onnx_shape_parse(const uint8_t *data, size_t len,
			     struct onnx_value_info *v, const char **why)
{
	struct protobuf_reader r;
	struct protobuf_field f;
	int rc;
	v->has_shape = true;
	protobuf_reader_init(&r, data, len);
	while ((rc = protobuf_next(&r, &f, why)) > 0) {
		if (f.number != 1)
			continue;
		if (!onnx_want(&f, PROTOBUF_WIRE_LEN, why))
			return false;
		if (v->ndim == ONNX_DIMS_MAX) {
			*why = "more than 8 dimensions";
			return false;
		}
		int64_t d = -1;
		struct protobuf_reader dr;
		struct protobuf_field df;
		protobuf_reader_init(&dr, f.data, f.len);
		while ((rc = protobuf_next(&dr, &df, why)) > 0) {
			if (df.number == 1) {
				if (!onnx_want(&df, PROTOBUF_WIRE_VARINT, why))
					return false;
				d = (int64_t)df.u;
				if (d < 0) {
					*why = "negative dimension";
					return false;
				}
			} else if (df.number == 2) {
				d = -1;
			}
		}
		if (rc < 0)
			return false;
		v->dims[v->ndim++] = d;
	}
	return rc == 0;
}

static bool onnx_value_info_parse(struct onnx_model *m, const uint8_t *data,
				  size_t len, struct onnx_value_info *v,
				  const char **why)
{
	v->name = "";
	struct protobuf_reader r, tr, tt;
	struct protobuf_field f, tf, ttf;
	int rc;
	protobuf_reader_init(&r, data, len);
	while ((rc = protobuf_next(&r, &f, why)) > 0) {
		if (f.number == 1) {
			if (!(v->name = onnx_string(m, &f, why)))
				return false;
		} else if (f.number == 2) {
			if (!onnx_want(&f, PROTOBUF_WIRE_LEN, why))
				return false;
			protobuf_reader_init(&tr, f.data, f.len);
			while ((rc = protobuf_next(&tr, &tf, why)) > 0) {
				if (tf.number != 1) /* tensor_type */
					continue;
				if (!onnx_want(&tf, PROTOBUF_WIRE_LEN, why))
					return false;
				protobuf_reader_init(&tt, tf.data, tf.len);
				while ((rc = protobuf_next(&tt, &ttf, why)) > 0) {
					if (ttf.number == 1) {
						if (!onnx_want(&ttf, PROTOBUF_WIRE_VARINT, why))
							return false;
						v->elem_type = (int)(int32_t)ttf.u;
					} else if (ttf.number == 2) {
						if (!onnx_want(&ttf, PROTOBUF_WIRE_LEN, why))
							return false;
						v->ndim = 0;
						if (!onnx_shape_parse(ttf.data, ttf.len, v, why))
							return false;
					}
				}
				if (rc < 0)
					return false;
			}
			if (rc < 0)
				return false;
		}
	}
	return rc == 0;
}

/* ---- graph and model ------------------------------------------------------ */

static enum eng_status onnx_fail(struct eng_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void onnx_text_clean(char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
	}
}

static enum eng_status onnx_fail(struct eng_err *err, const char *fmt, ...)
{
	char msg[ENG_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	onnx_text_clean(msg);
	return eng_err_set(err, ENG_STATUS_EINVAL, "%s", msg);
}

static enum eng_status onnx_graph_parse(struct onnx_model *m, const uint8_t *data,
					size_t len, struct eng_err *err)
{
	struct onnx_graph *g = &m->graph;
	const char *why = "";
	int n_node, n_init, n_input, n_output;
	if ((n_node = onnx_count(data, len, 1, &why)) < 0 ||
	    (n_init = onnx_count(data, len, 5, &why)) < 0 ||
	    (n_input = onnx_count(data, len, 11, &why)) < 0 ||
	    (n_output = onnx_count(data, len, 12, &why)) < 0 ||
	    (g->n_sparse_init = onnx_count(data, len, 15, &why)) < 0)
		return onnx_fail(err, "graph: %s", why);
	if (!(g->node = onnx_array(m, (size_t)n_node, sizeof *g->node, &why)) ||
	    !(g->init = onnx_array(m, (size_t)n_init, sizeof *g->init, &why)) ||
	    !(g->input = onnx_array(m, (size_t)n_input, sizeof *g->input, &why)) ||
	    !(g->output = onnx_array(m, (size_t)n_output, sizeof *g->output, &why)))
		return onnx_fail(err, "graph: %s", why);
	struct protobuf_reader r;
	struct protobuf_field f;
	int rc;
	protobuf_reader_init(&r, data, len);
	while ((rc = protobuf_next(&r, &f, &why)) > 0) {
		switch (f.number) {
		case 1: {
			struct onnx_node *nd = &g->node[g->n_node];
			if (!onnx_node_parse(m, f.data, f.len, nd, &why))
				return onnx_fail(err, "graph.node[%d]%s%s%s: %s", g->n_node,
						 nd->name && nd->name[0] ? " '" : "",
						 nd->name ? nd->name : "",
						 nd->name && nd->name[0] ? "'" : "", why);
			g->n_node++;
			break;
		}
		case 5:
			if (!onnx_tensor_parse(m, f.data, f.len, &g->init[g->n_init], &why))
				return onnx_fail(err, "graph.initializer[%d]: %s", g->n_init, why);
			g->n_init++;
			break;
		case 11:
			if (!onnx_value_info_parse(m, f.data, f.len, &g->input[g->n_input], &why))
				return onnx_fail(err, "graph.input[%d]: %s", g->n_input, why);
			g->n_input++;
			break;
		case 12:
			if (!onnx_value_info_parse(m, f.data, f.len, &g->output[g->n_output], &why))
				return onnx_fail(err, "graph.output[%d]: %s", g->n_output, why);
			g->n_output++;
			break;
		default:
			break;
		}
	}
	if (rc < 0)
		return onnx_fail(err, "graph: %s", why);
	return ENG_STATUS_OK;
}

/* OperatorSetIdProto: the default domain's version, if this is it. */
static bool onnx_opset_parse(struct onnx_model *m, const uint8_t *data, size_t len,
			     const char **why)
{
	struct protobuf_reader r;
	struct protobuf_field f;
	int rc;
	bool dflt = true;
	int64_t version = 0;
	protobuf_reader_init(&r, data, len);
	while ((rc = protobuf_next(&r, &f, why)) > 0) {
		if (f.number == 1) {
			if (!onnx_want(&f, PROTOBUF_WIRE_LEN, why))
				return false;
			dflt = f.len == 0 || (f.len == 7 && memcmp(f.data, "ai.onnx", 7) == 0);
		} else if (f.number == 2) {
			if (!onnx_want(&f, PROTOBUF_WIRE_VARINT, why))
				return false;
			version = (int64_t)f.u;
		}
	}
	if (rc < 0)
		return false;
	if (dflt) {
		m->has_opset = true;
		m->opset = version;
	}
	return true;
}

enum eng_status onnx_model_parse(const uint8_t *data, size_t len,
				 struct onnx_model *m, struct eng_err *err)
{
	memset(m, 0, sizeof *m);
	const char *why = "";
	struct protobuf_reader r;
	struct protobuf_field f;
	int rc;
	enum eng_status st = ENG_STATUS_OK;
	protobuf_reader_init(&r, data, len);
	while ((rc = protobuf_next(&r, &f, &why)) > 0) {
		if (f.number == 1) {
			if (!onnx_want(&f, PROTOBUF_WIRE_VARINT, &why)) {
				rc = -1;
				break;
			}
			m->ir_version = (int64_t)f.u;
		} else if (f.number == 8) {
			if (!onnx_want(&f, PROTOBUF_WIRE_LEN, &why) ||
			    !onnx_opset_parse(m, f.data, f.len, &why)) {
				rc = -1;
				break;
			}
		} else if (f.number == 7) {
			if (!onnx_want(&f, PROTOBUF_WIRE_LEN, &why)) {
				rc = -1;
				break;
			}
			if (m->has_graph) {
				st = onnx_fail(err, "more than one graph");
				break;
			}
			m->has_graph = true;
			st = onnx_graph_parse(m, f.data, f.len, err);
			if (st != ENG_STATUS_OK)
				break;
		}
	}
	if (st == ENG_STATUS_OK && rc < 0)
		st = onnx_fail(err, "not an ONNX model: %s", why);
	if (st == ENG_STATUS_OK && !m->has_graph)
		st = onnx_fail(err, "not an ONNX model: no graph");
	if (st != ENG_STATUS_OK)
		onnx_model_done(m);
	return st;
}

void onnx_model_done(struct onnx_model *m)
{
	if (m->pool) {
		struct onnx_chunk *c = m->pool->head;
		while (c) {
			struct onnx_chunk *next = c->next;
			free(c);
			c = next;
		}
		free(m->pool);
	}
	memset(m, 0, sizeof *m);
}
