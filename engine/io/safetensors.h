/* safetensors.h: the safetensors file format, generic (any tensors, any
 * names): reading with every check of docs/weights.md, building and
 * writing.  io/weights.h stores a net's parameters with it.
 *
 * Format (https://github.com/huggingface/safetensors, docs/weights.md):
 * an 8-byte little-endian header length N, N bytes of JSON
 *   {"__metadata__": {"k": "v", ...},
 *    "conv1.weight": {"dtype": "F32", "shape": [16, 3, 3, 3],
 *                     "data_offsets": [0, 1728]}, ...}
 * then the data section: raw little-endian tensors, offsets relative to
 * its start, covering it exactly (no holes, no overlaps).
 *
 * Owns: a struct st_file owns its tensor table, its metadata strings and
 * (after st_file_read) the data section; tensor data added with st_file_add
 * is borrowed and must stay valid until st_file_write.  st_file_done frees.
 *
 * Errors: one line "path: tensor: problem" (or "path: header: problem").
 * Writes are atomic: a temporary file next to the target, fsync, rename.
 *
 * Thread rules: none shared; a struct st_file is used by one thread.
 *
 *   struct st_file f;
 *   st_file_init(&f);
 *   if (st_file_read("r20.safetensors", &f, &err)) ...;
 *   const struct st_tensor *t = st_file_find(&f, "conv1.weight");
 *   st_file_done(&f);
 */
#ifndef RECONVENE_SAFETENSORS_H
#define RECONVENE_SAFETENSORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

/* The published element types.  The generic reader knows all of them so it
 * can check sizes (and skip PyTorch's I64 num_batches_tracked); net loading
 * accepts F32 values and U8 masks only.  Sub-byte types are "unknown". */
enum st_dtype {
	ST_DTYPE_F32,
	ST_DTYPE_U8,
	ST_DTYPE_I64,
	ST_DTYPE_F64,
	ST_DTYPE_F16,
	ST_DTYPE_BF16,
	ST_DTYPE_I32,
	ST_DTYPE_I16,
	ST_DTYPE_I8,
	ST_DTYPE_U16,
	ST_DTYPE_U32,
	ST_DTYPE_U64,
	ST_DTYPE_BOOL,
	ST_DTYPE_F8_E4M3,
	ST_DTYPE_F8_E5M2,
	ST_DTYPE_COUNT
};

#define ST_MAX_DIMS 8                          /* rank limit we accept */
#define ST_HEADER_MAX ((uint64_t)100 << 20)    /* 100 MiB of JSON */
#define ST_NAME_MAX 1024                       /* bytes in a tensor name */

struct st_tensor {
	char *name;               /* owned, non-empty, no control characters */
	enum st_dtype dtype;
	int ndim;                 /* 0 (a scalar) .. ST_MAX_DIMS */
	uint64_t shape[ST_MAX_DIMS];
	uint64_t begin, end;      /* read: data_offsets, relative to the data
				   * section; added: 0 and the byte size
				   * (st_file_write lays the data out) */
	const void *data;         /* end - begin bytes, little-endian: into the
				   * file's data (read) or borrowed (added) */
};

struct st_meta {
	char *key, *value;        /* owned */
};

struct st_file {
	int n_tensors;
	struct st_tensor *tensors; /* owned; header order (read) or added order */
	int n_meta;
	struct st_meta *meta;      /* owned; __metadata__ entries */
	uint64_t data_len;         /* bytes in the data section */
	unsigned char *blob;       /* owned data section after st_file_read */
	int cap_tensors, cap_meta; /* allocated entries */
};

/* "F32", ...; NULL for a value out of range. */
const char *st_dtype_name(enum st_dtype dt);
/* Bytes per element. */
size_t st_dtype_size(enum st_dtype dt);
/* Elements of a tensor (product of its shape; 1 for a scalar). */
uint64_t st_tensor_numel(const struct st_tensor *t);

/* An empty file description (a zeroed struct is one too). */
void st_file_init(struct st_file *f);
void st_file_done(struct st_file *f);

/* Read and check a whole file.  On error *f is empty. */
enum eng_status st_file_read(const char *path, struct st_file *f,
			     struct eng_err *err);
/* The same from a complete file image in memory (copied); path names the
 * source in messages. */
enum eng_status st_file_parse(const void *buf, size_t len, const char *path,
			      struct st_file *f, struct eng_err *err);

/* Tensor by name, or NULL. */
const struct st_tensor *st_file_find(const struct st_file *f, const char *name);
/* Metadata value, or NULL. */
const char *st_file_meta_get(const struct st_file *f, const char *key);

/* Append a tensor; data (numel * dtype size bytes, host order) is borrowed
 * until st_file_write.  Rejects duplicate or invalid names, "__metadata__"
 * and shapes whose byte size overflows. */
enum eng_status st_file_add(struct st_file *f, const char *name,
			    enum st_dtype dt, int ndim, const uint64_t *shape,
			    const void *data, struct eng_err *err);
/* Set (or replace) a metadata entry; both strings are copied. */
enum eng_status st_file_meta_set(struct st_file *f, const char *key,
				 const char *value, struct eng_err *err);
/* Write atomically.  Header entries in the order added, __metadata__ first,
 * padded with spaces to a multiple of 8 bytes; data laid out widest dtype
 * first (so every tensor is aligned to its element size), otherwise in
 * the order added.  The offsets in f are not changed. */
enum eng_status st_file_write(const struct st_file *f, const char *path,
			      struct eng_err *err);

/* Elements of a shape; false when the count overflows 64 bits. */
bool st_shape_numel(int ndim, const uint64_t *shape, uint64_t *out);
/* "[16,3,3,3]" into buf (cut to len); returns buf. */
const char *st_shape_format(char *buf, size_t len, int ndim,
			    const uint64_t *shape);
/* Whether this machine stores numbers little-endian (as the format does). */
bool st_host_little_endian(void);

#endif
