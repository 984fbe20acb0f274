/* onnx.h: ONNX model files (ModelProto, onnx.proto) decoded in place.
 *
 * onnx_model_parse walks a serialized ModelProto with io/protobuf.h and
 * fills plain structs with what a CNN importer needs: the default-domain
 * opset, the graph's nodes (names, op types, inputs, outputs, attributes),
 * initializers, inputs and outputs.  Strings are copied (NUL-terminated,
 * into the model's pool); tensor data is NOT: a struct onnx_tensor points
 * into the caller's buffer (typically a read-only mapping of the file,
 * base/fileio.h), so a 500 MB file costs no second copy until the importer
 * writes the values into a net.  Everything outside what the structs hold
 * (doc strings, metadata, training info, functions, value_info) is
 * skipped after its framing has been checked.
 *
 * Every count, length and dimension is checked: any bytes give either a
 * model or EINVAL with one line such as "graph.node[12] 'Conv_3':
 * attribute[1]: length past the end".  Decoded structures are capped
 * (ONNX_POOL_MAX bytes) so a small hostile file cannot make a huge one.
 *
 * Owns: the model owns its pool (every string, node, attribute and tensor
 * header); onnx_model_done frees it.  Tensor data and attribute payloads
 * are borrowed from the buffer given to onnx_model_parse, which must
 * outlive the model.
 *
 * Thread rules: plain data; one thread at a time.
 *
 *   struct onnx_model m;
 *   if (onnx_model_parse(map.data, map.len, &m, &err)) ...;
 *   for (int i = 0; i < m.graph.n_node; i++) ... m.graph.node[i].op_type
 *   onnx_model_done(&m);
 */
#ifndef RECONVENE_ONNX_H
#define RECONVENE_ONNX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

#define ONNX_DIMS_MAX 8
#define ONNX_POOL_MAX ((size_t)256 << 20)

/* TensorProto.DataType values the importer reads. */
enum onnx_dtype {
	ONNX_DTYPE_FLOAT = 1,
	ONNX_DTYPE_INT32 = 6,
	ONNX_DTYPE_INT64 = 7,
	ONNX_DTYPE_DOUBLE = 11,
};

/* AttributeProto.AttributeType values. */
enum onnx_attr_type {
	ONNX_ATTR_FLOAT = 1,
	ONNX_ATTR_INT = 2,
	ONNX_ATTR_STRING = 3,
	ONNX_ATTR_TENSOR = 4,
	ONNX_ATTR_FLOATS = 6,
	ONNX_ATTR_INTS = 7,
};

struct onnx_tensor {
	const char *name;           /* pool; "" when absent */
	int data_type;              /* enum onnx_dtype or another DataType */
	int ndim;                   /* 0 (a scalar) .. ONNX_DIMS_MAX */
	int64_t dims[ONNX_DIMS_MAX]; /* each >= 0 */
	const uint8_t *raw;         /* raw_data (borrowed) or NULL */
	size_t raw_len;
	const uint8_t *msg;         /* the whole TensorProto (borrowed), for
				     * float_data / int32_data / int64_data */
	size_t msg_len;
	bool external;              /* data_location EXTERNAL or external_data */
};

struct onnx_attr {
	const char *name;           /* pool */
	int type;                   /* enum onnx_attr_type (0 if absent) */
	float f;
	int64_t i;
	const char *s;              /* pool; "" when absent */
	bool has_t;
	struct onnx_tensor t;       /* when has_t */
	const uint8_t *msg;         /* the AttributeProto (borrowed): ints, floats */
	size_t msg_len;
};

struct onnx_node {
	const char *name;           /* pool; "" when absent */
	const char *op_type;
	const char *domain;         /* "" = the default domain */
	int n_in, n_out, n_attr;
	const char **in;            /* pool strings; "" = an omitted input */
	const char **out;
	struct onnx_attr *attr;
};

/* A graph input or output: name, element type and shape. */
struct onnx_value_info {
	const char *name;
	int elem_type;              /* 0 when absent */
	bool has_shape;
	int ndim;
	int64_t dims[ONNX_DIMS_MAX]; /* -1: symbolic (dim_param) or unknown */
};

struct onnx_graph {
	int n_node, n_init, n_input, n_output;
	struct onnx_node *node;
	struct onnx_tensor *init;
	struct onnx_value_info *input;
	struct onnx_value_info *output;
	int n_sparse_init;          /* sparse initializers (not decoded) */
};

struct onnx_pool;

struct onnx_model {
	int64_t ir_version;
	bool has_opset;
	int64_t opset;              /* default domain ("" or "ai.onnx") */
	bool has_graph;
	struct onnx_graph graph;
	struct onnx_pool *pool;     /* owned */
};

/* Names come from the file: before one goes into a message, its control
 * characters (a newline would break the one-line rule) become '?'. */
void onnx_text_clean(char *s);

/* Decode a ModelProto of len bytes.  On error *m is empty (nothing to
 * free) and err holds one line (without a file name: the caller adds it). */
enum eng_status onnx_model_parse(const uint8_t *data, size_t len,
				 struct onnx_model *m, struct eng_err *err);
void onnx_model_done(struct onnx_model *m);

/* Decode one TensorProto (an initializer, a Constant's value, a .pb test
 * file); strings go into m's pool.  *why is set on failure. */
bool onnx_tensor_parse(struct onnx_model *m, const uint8_t *data, size_t len,
		       struct onnx_tensor *t, const char **why);
/* Elements of t (product of dims); false when it overflows 2^62. */
bool onnx_tensor_numel(const struct onnx_tensor *t, uint64_t *n);
/* t's values as n floats (FLOAT or DOUBLE, from raw_data or float_data /
 * double_data).  False with *why when the type is another, the tensor is
 * external, or the data does not hold exactly n values.  out NULL: check
 * only. */
bool onnx_tensor_floats(const struct onnx_tensor *t, float *out, size_t n,
			const char **why);
/* t's values as integers (INT64 or INT32): at most max into out, the count
 * in *n.  False with *why as above, or when there are more than max. */
bool onnx_tensor_ints(const struct onnx_tensor *t, int64_t *out, size_t max,
		      size_t *n, const char **why);
/* An INTS attribute's values (at most max; the count in *n). */
bool onnx_attr_ints(const struct onnx_attr *a, int64_t *out, size_t max,
		    size_t *n, const char **why);
/* The attribute of node called name, or NULL. */
const struct onnx_attr *onnx_node_attr(const struct onnx_node *node,
				       const char *name);

#endif
