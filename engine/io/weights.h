/* weights.h: safetensors files, generic and for a net's weights.
 *
 * Format (https://github.com/huggingface/safetensors, docs/weights.md):
 * an 8-byte little-endian header length N, N bytes of JSON
 *   {"__metadata__": {"k": "v", ...},
 *    "conv1.weight": {"dtype": "F32", "shape": [16, 3, 3, 3],
 *                     "data_offsets": [0, 1728]}, ...}
 * then the data section: raw little-endian tensors, offsets relative to
 * its start, covering it exactly (no holes, no overlaps).
 *
 * Two levels:
 *  - struct st_file: any safetensors file.  st_file_read parses and checks
 *    the header (every check in docs/weights.md) and keeps the data section
 *    in memory; st_file_add + st_file_write build and write a file.
 *  - weights_*: a net's parameters and BN statistics under PyTorch-like
 *    names (<layer>.weight, <layer>.bias, <layer>.running_mean,
 *    <layer>.running_var), plus optional <layer>.weight_mask (U8, 1 = kept).
 *    weights_load checks the whole file against the net before it copies
 *    anything: on any error the net is left untouched.
 *
 * Owns: a struct st_file owns its tensor table, its metadata strings and
 * (after st_file_read) the data section; tensor data added with st_file_add
 * is borrowed and must stay valid until st_file_write.  st_file_done frees.
 * Masks returned by weights_load_full are malloc'd; the caller frees them.
 * struct weights_meta is caller storage (no heap).
 *
 * Errors: one line "path: tensor: problem" (or "path: header: problem").
 * Writes are atomic: a temporary file next to the target, fsync, rename.
 *
 * Thread rules: none shared; a struct st_file is used by one thread.
 *
 *   struct weights_meta meta = { 0 };
 *   weights_meta_set(&meta, "model", "resnet20");
 *   if (weights_save(net, "r20.safetensors", &meta, &err)) ...;
 *   if (weights_load(net2, "r20.safetensors", &err)) ...;
 */
#ifndef RECONVENE_WEIGHTS_H
#define RECONVENE_WEIGHTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn/net.h"
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

/* --- a net's weights ----------------------------------------------------- */

#define WEIGHTS_META_MAX 16
#define WEIGHTS_META_KEY_MAX 64
#define WEIGHTS_META_VALUE_MAX 512

/* String metadata recorded with the weights (model, seed, method, ...). */
struct weights_meta {
	int n;                                          /* entries used */
	bool truncated;  /* load: the file had entries that did not fit */
	char key[WEIGHTS_META_MAX][WEIGHTS_META_KEY_MAX];
	char value[WEIGHTS_META_MAX][WEIGHTS_META_VALUE_MAX];
};

/* Set or replace key; false when the table is full or a string too long. */
bool weights_meta_set(struct weights_meta *m, const char *key, const char *value);
/* Value for key, or NULL. */
const char *weights_meta_get(const struct weights_meta *m, const char *key);

/* Write every layer's tensors in net order: <layer>.weight and
 * <layer>.bias (conv [out, in/groups, k, k], linear [out, in], bn [c]) and,
 * for BN, <layer>.running_mean and <layer>.running_var [c].  meta may be
 * NULL. */
enum eng_status weights_save(const struct net *net, const char *path,
			     const struct weights_meta *meta, struct eng_err *err);
/* The same, plus <layer>.weight_mask (U8, the weight's shape) for each conv
 * or linear layer whose weights are not all kept.  masks is aligned with
 * net->params (n_params bytes, 1 = kept; bias entries are ignored); NULL
 * writes no masks. */
enum eng_status weights_save_masked(const struct net *net, const char *path,
				    const struct weights_meta *meta,
				    const uint8_t *masks, struct eng_err *err);

/* Load into net.  Every expected tensor must be present with dtype F32 and
 * the exact shape; tolerated extras are <conv|linear>.weight_mask (U8, the
 * weight's shape, values 0/1) and <bn>.num_batches_tracked (I64 scalar,
 * ignored); anything else is an error.  On error the net is untouched. */
enum eng_status weights_load(struct net *net, const char *path,
			     struct eng_err *err);
/* weights_load, and optionally: *masks = malloc'd n_params bytes aligned
 * with net->params (1 = kept; 1 where the file has no mask), or NULL when
 * the file has no mask at all; *meta = the file's metadata.  Either pointer
 * may be NULL.  Outputs are set only on success. */
enum eng_status weights_load_full(struct net *net, const char *path,
				  uint8_t **masks, struct weights_meta *meta,
				  struct eng_err *err);

#endif
