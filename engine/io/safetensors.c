/* safetensors.c: safetensors files, generic.
 *
 * Reading trusts nothing in the file: the header length is checked against
 * a fixed cap and the real file size before anything is allocated from it,
 * the JSON is parsed by jansson (duplicate keys rejected, nesting bounded),
 * every count and byte size is computed with overflow checks, and the
 * tensors must tile the data section exactly, as the published format
 * requires.  Only then is the data section (whose size is the file's, not
 * the header's) read.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base/fileio.h"
#include "io/safetensors.h"

static const struct {
	const char *name;
	size_t size;
} st_dtypes[ST_DTYPE_COUNT] = {
	[ST_DTYPE_F32] = { "F32", 4 },
	[ST_DTYPE_U8] = { "U8", 1 },
	[ST_DTYPE_I64] = { "I64", 8 },
	[ST_DTYPE_F64] = { "F64", 8 },
	[ST_DTYPE_F16] = { "F16", 2 },
	[ST_DTYPE_BF16] = { "BF16", 2 },
	[ST_DTYPE_I32] = { "I32", 4 },
	[ST_DTYPE_I16] = { "I16", 2 },
	[ST_DTYPE_I8] = { "I8", 1 },
	[ST_DTYPE_U16] = { "U16", 2 },
	[ST_DTYPE_U32] = { "U32", 4 },
	[ST_DTYPE_U64] = { "U64", 8 },
	[ST_DTYPE_BOOL] = { "BOOL", 1 },
	[ST_DTYPE_F8_E4M3] = { "F8_E4M3", 1 },
	[ST_DTYPE_F8_E5M2] = { "F8_E5M2", 1 },
};

const char *st_dtype_name(enum st_dtype dt)
{
	if ((int)dt < 0 || dt >= ST_DTYPE_COUNT)
		return NULL;
	return st_dtypes[dt].name;
}

size_t st_dtype_size(enum st_dtype dt)
{
	ENG_ASSERT((int)dt >= 0 && dt < ST_DTYPE_COUNT);
	return st_dtypes[dt].size;
}

static bool st_dtype_from_name(const char *s, enum st_dtype *dt)
{
	for (int i = 0; i < ST_DTYPE_COUNT; i++) {
		if (strcmp(s, st_dtypes[i].name) == 0) {
			*dt = (enum st_dtype)i;
			return true;
		}
	}
	return false;
}

/* Product of the shape; false on overflow of uint64. */
bool st_shape_numel(int ndim, const uint64_t *shape, uint64_t *out)
{
	uint64_t n = 1;
	for (int i = 0; i < ndim; i++) {
		if (shape[i] != 0 && n > UINT64_MAX / shape[i])
			return false;
		n *= shape[i];
	}
	*out = n;
	return true;
}

uint64_t st_tensor_numel(const struct st_tensor *t)
{
	uint64_t n;
	ENG_ASSERT(st_shape_numel(t->ndim, t->shape, &n));
	return n;
}

/* "[16,8,3,3]" into buf (truncated to len). */
const char *st_shape_format(char *buf, size_t len, int ndim,
			    const uint64_t *shape)
{
	size_t used = 0;
	int n = snprintf(buf, len, "[");
	for (int i = 0; n >= 0 && i < ndim; i++) {
		used += (size_t)n;
		if (used >= len)
			return buf;
		n = snprintf(buf + used, len - used, i ? ",%llu" : "%llu",
			     (unsigned long long)shape[i]);
	}
	if (n >= 0 && used + (size_t)n < len)
		snprintf(buf + used + (size_t)n, len - used - (size_t)n, "]");
	return buf;
}

bool st_host_little_endian(void)
{
	const uint16_t one = 1;
	unsigned char c;
	memcpy(&c, &one, 1);
	return c == 1;
}

static uint64_t st_u64_le_decode(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* --- the file description ------------------------------------------------ */

void st_file_init(struct st_file *f)
{
	memset(f, 0, sizeof *f);
}

void st_file_done(struct st_file *f)
{
	for (int i = 0; i < f->n_tensors; i++)
		free(f->tensors[i].name);
	for (int i = 0; i < f->n_meta; i++) {
		free(f->meta[i].key);
		free(f->meta[i].value);
	}
	free(f->tensors);
	free(f->meta);
	free(f->blob);
	memset(f, 0, sizeof *f);
}

const struct st_tensor *st_file_find(const struct st_file *f, const char *name)
{
	for (int i = 0; i < f->n_tensors; i++)
		if (strcmp(f->tensors[i].name, name) == 0)
			return &f->tensors[i];
	return NULL;
}

const char *st_file_meta_get(const struct st_file *f, const char *key)
{
	for (int i = 0; i < f->n_meta; i++)
		if (strcmp(f->meta[i].key, key) == 0)
			return f->meta[i].value;
	return NULL;
}

static char *st_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* Names end up in one-line messages and in other tools' dictionaries. */
static const char *st_name_problem(const char *name)
{
	size_t n = strlen(name);
	if (n == 0)
		return "empty tensor name";
	if (n > ST_NAME_MAX)
		return "tensor name longer than 1024 bytes";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x20 || c == 0x7f)
			return "tensor name contains a control character";
	}
	if (strcmp(name, "__metadata__") == 0)
		return "'__metadata__' is reserved";
	return NULL;
}

static bool st_tensor_reserve(struct st_file *f)
{
	if (f->n_tensors < f->cap_tensors)
		return true;
	int cap = f->cap_tensors ? 2 * f->cap_tensors : 16;
	struct st_tensor *t = realloc(f->tensors, (size_t)cap * sizeof *t);
	if (!t)
		return false;
	f->tensors = t;
	f->cap_tensors = cap;
	return true;
}

static bool st_meta_reserve(struct st_file *f)
{
	if (f->n_meta < f->cap_meta)
		return true;
	int cap = f->cap_meta ? 2 * f->cap_meta : 8;
	struct st_meta *m = realloc(f->meta, (size_t)cap * sizeof *m);
	if (!m)
		return false;
	f->meta = m;
	f->cap_meta = cap;
	return true;
}

enum eng_status st_file_meta_set(struct st_file *f, const char *key,
				 const char *value, struct eng_err *err)
{
	char *v = st_strdup(value);
	if (!v)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "metadata: out of memory");
	for (int i = 0; i < f->n_meta; i++) {
		if (strcmp(f->meta[i].key, key) == 0) {
			free(f->meta[i].value);
			f->meta[i].value = v;
			return ENG_STATUS_OK;
		}
	}
	char *k = st_strdup(key);
	if (!k || !st_meta_reserve(f)) {
		free(k);
		free(v);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "metadata: out of memory");
	}
	f->meta[f->n_meta].key = k;
	f->meta[f->n_meta].value = v;
	f->n_meta++;
	return ENG_STATUS_OK;
}

enum eng_status st_file_add(struct st_file *f, const char *name,
			    enum st_dtype dt, int ndim, const uint64_t *shape,
			    const void *data, struct eng_err *err)
{
	const char *why = st_name_problem(name);
	if (why)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%.200s: %s", name, why);
	if (st_file_find(f, name))
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: duplicate tensor name", name);
	if ((int)dt < 0 || dt >= ST_DTYPE_COUNT)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: invalid dtype", name);
	if (ndim < 0 || ndim > ST_MAX_DIMS)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: rank %d (at most %d)",
				   name, ndim, ST_MAX_DIMS);
	uint64_t numel;
	if (!st_shape_numel(ndim, shape, &numel) ||
	    numel > (uint64_t)INT64_MAX / st_dtype_size(dt) ||
	    numel * st_dtype_size(dt) > SIZE_MAX)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: tensor too large", name);
	if (numel > 0 && !data)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: no data", name);
	char *n = st_strdup(name);
	if (!n || !st_tensor_reserve(f)) {
		free(n);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", name);
	}
	struct st_tensor *t = &f->tensors[f->n_tensors++];
	memset(t, 0, sizeof *t);
	t->name = n;
	t->dtype = dt;
	t->ndim = ndim;
	for (int i = 0; i < ndim; i++)
		t->shape[i] = shape[i];
	t->end = numel * st_dtype_size(dt); /* a size until st_file_write */
	t->data = data;
	return ENG_STATUS_OK;
}

/* --- reading --------------------------------------------------------------- */

/* A JSON integer in [0, INT64_MAX], the only kind the header may hold. */
static bool st_json_u64(const json_t *v, uint64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return false;
	*out = (uint64_t)json_integer_value(v);
	return true;
}

static enum eng_status st_meta_parse(struct st_file *f, json_t *obj,
				     const char *path, struct eng_err *err)
{
	if (!json_is_object(obj))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: header: __metadata__ is not an object", path);
	const char *key;
	json_t *val;
	json_object_foreach(obj, key, val) {
		if (!json_is_string(val))
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "%s: header: __metadata__ value of '%.100s' is not a string",
					   path, key);
		enum eng_status st = st_file_meta_set(f, key, json_string_value(val), err);
		if (st != ENG_STATUS_OK)
			return eng_err_set(err, st, "%s: header: out of memory", path);
	}
	return ENG_STATUS_OK;
}

static enum eng_status st_entry_parse(struct st_file *f, const char *name,
				      json_t *obj, uint64_t data_len,
				      const char *path, struct eng_err *err)
{
	const char *why = st_name_problem(name);
	if (why)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: header: %s", path, why);
	if (!json_is_object(obj))
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: %s: entry is not an object",
				   path, name);
	const char *key;
	json_t *val;
	json_object_foreach(obj, key, val) {
		if (strcmp(key, "dtype") && strcmp(key, "shape") && strcmp(key, "data_offsets"))
			return eng_err_set(err, ENG_STATUS_EINVAL, "%s: %s: unexpected key '%.100s'",
					   path, name, key);
	}

	struct st_tensor t;
	memset(&t, 0, sizeof t);
	json_t *dtype = json_object_get(obj, "dtype");
	if (!dtype)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: %s: missing dtype", path, name);
	if (!json_is_string(dtype))
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: %s: dtype is not a string",
				   path, name);
	if (!st_dtype_from_name(json_string_value(dtype), &t.dtype))
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: %s: unknown dtype '%.40s'",
				   path, name, json_string_value(dtype));

	json_t *shape = json_object_get(obj, "shape");
	if (!shape)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: %s: missing shape", path, name);
	if (!json_is_array(shape))
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: %s: shape is not an array",
				   path, name);
	if (json_array_size(shape) > ST_MAX_DIMS)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: %s: shape has %zu dimensions (at most %d)",
				   path, name, json_array_size(shape), ST_MAX_DIMS);
	t.ndim = (int)json_array_size(shape);
	for (int i = 0; i < t.ndim; i++) {
		if (!st_json_u64(json_array_get(shape, (size_t)i), &t.shape[i]))
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "%s: %s: shape must hold non-negative integers",
					   path, name);
	}

	json_t *offs = json_object_get(obj, "data_offsets");
	if (!offs)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: %s: missing data_offsets",
				   path, name);
	if (!json_is_array(offs) || json_array_size(offs) != 2 ||
	    !st_json_u64(json_array_get(offs, 0), &t.begin) ||
	    !st_json_u64(json_array_get(offs, 1), &t.end))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: %s: data_offsets must be two non-negative integers",
				   path, name);
	if (t.begin > t.end)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: %s: data_offsets [%llu,%llu] are reversed",
				   path, name, (unsigned long long)t.begin,
				   (unsigned long long)t.end);
	if (t.end > data_len)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: %s: data_offsets [%llu,%llu] beyond the data section (%llu bytes; file truncated?)",
				   path, name, (unsigned long long)t.begin,
				   (unsigned long long)t.end, (unsigned long long)data_len);
	uint64_t numel;
	size_t es = st_dtype_size(t.dtype);
	char sbuf[160];
	if (!st_shape_numel(t.ndim, t.shape, &numel) || numel > UINT64_MAX / es)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: %s: shape %s overflows",
				   path, name,
				   st_shape_format(sbuf, sizeof sbuf, t.ndim, t.shape));
	if (t.end - t.begin != numel * es)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: %s: data_offsets span %llu bytes, %s %s needs %llu",
				   path, name, (unsigned long long)(t.end - t.begin),
				   st_dtypes[t.dtype].name,
				   st_shape_format(sbuf, sizeof sbuf, t.ndim, t.shape),
				   (unsigned long long)(numel * es));

	t.name = st_strdup(name);
	if (!t.name || !st_tensor_reserve(f)) {
		free(t.name);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
	}
	f->tensors[f->n_tensors++] = t;
	return ENG_STATUS_OK;
}

struct st_span {
	uint64_t begin, end;
	int idx;
};

static int st_span_cmp(const void *a, const void *b)
{
	const struct st_span *x = a, *y = b;
	if (x->begin != y->begin)
		return x->begin < y->begin ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return x->idx - y->idx;
}

/* The published format: the tensors tile the data section, no holes, no
 * overlaps (an overlap would alias two tensors; a hole hides bytes). */
static enum eng_status st_layout_check(const struct st_file *f, const char *path,
				       struct eng_err *err)
{
	if (f->n_tensors == 0) {
		if (f->data_len)
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "%s: %llu data bytes but no tensors", path,
					   (unsigned long long)f->data_len);
		return ENG_STATUS_OK;
	}
	struct st_span *s = malloc((size_t)f->n_tensors * sizeof *s);
	if (!s)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
	for (int i = 0; i < f->n_tensors; i++)
		s[i] = (struct st_span){ f->tensors[i].begin, f->tensors[i].end, i };
	qsort(s, (size_t)f->n_tensors, sizeof *s, st_span_cmp);
	enum eng_status st = ENG_STATUS_OK;
	uint64_t pos = 0;
	for (int i = 0; i < f->n_tensors && st == ENG_STATUS_OK; i++) {
		const struct st_tensor *t = &f->tensors[s[i].idx];
		if (s[i].begin < pos)
			st = eng_err_set(err, ENG_STATUS_EINVAL, "%s: %s: data overlaps %s",
					 path, t->name, f->tensors[s[i - 1].idx].name);
		else if (s[i].begin > pos)
			st = eng_err_set(err, ENG_STATUS_EINVAL,
					 "%s: %s: %llu unindexed bytes before this tensor's data",
					 path, t->name,
					 (unsigned long long)(s[i].begin - pos));
		pos = s[i].end;
	}
	if (st == ENG_STATUS_OK && pos != f->data_len)
		st = eng_err_set(err, ENG_STATUS_EINVAL,
				 "%s: %llu unindexed bytes after the last tensor", path,
				 (unsigned long long)(f->data_len - pos));
	free(s);
	return st;
}

/* Parse the JSON header (hlen bytes) of a file whose data section holds
 * data_len bytes; fills f's tables but not the data pointers. */
static enum eng_status st_header_parse(struct st_file *f, const char *text,
				       size_t hlen, uint64_t data_len,
				       const char *path, struct eng_err *err)
{
	json_error_t je;
	json_t *root = json_loadb(text, hlen, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: header: invalid JSON at byte %d: %s", path,
				   je.position, je.text);
	enum eng_status st = ENG_STATUS_OK;
	f->data_len = data_len;
	if (!json_is_object(root)) {
		st = eng_err_set(err, ENG_STATUS_EINVAL, "%s: header: JSON is not an object",
				 path);
	} else {
		const char *key;
		json_t *val;
		json_object_foreach(root, key, val) {
			if (strcmp(key, "__metadata__") == 0)
				st = st_meta_parse(f, val, path, err);
			else
				st = st_entry_parse(f, key, val, data_len, path, err);
			if (st != ENG_STATUS_OK)
				break;
		}
	}
	json_decref(root);
	if (st == ENG_STATUS_OK)
		st = st_layout_check(f, path, err);
	return st;
}

/* The 8-byte length against the cap and the bytes that really follow. */
static enum eng_status st_hlen_check(uint64_t hlen, uint64_t after,
				     const char *path, struct eng_err *err)
{
	if (hlen > ST_HEADER_MAX)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: header length %llu exceeds the 100 MiB limit", path,
				   (unsigned long long)hlen);
	if (hlen > after)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: header length %llu exceeds the %llu bytes that follow it",
				   path, (unsigned long long)hlen, (unsigned long long)after);
	if (hlen < 2)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: header length %llu is too small",
				   path, (unsigned long long)hlen);
	return ENG_STATUS_OK;
}

static enum eng_status st_size_check(uint64_t size, const char *path,
				     struct eng_err *err)
{
	if (size == 0)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: empty file", path);
	if (size < 8)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: %llu bytes, too short for the 8-byte header length",
				   path, (unsigned long long)size);
	return ENG_STATUS_OK;
}

static void st_data_attach(struct st_file *f)
{
	for (int i = 0; i < f->n_tensors; i++)
		f->tensors[i].data = f->blob + f->tensors[i].begin;
}

enum eng_status st_file_parse(const void *buf, size_t len, const char *path,
			      struct st_file *f, struct eng_err *err)
{
	const unsigned char *p = buf;
	st_file_init(f);
	enum eng_status st = st_size_check(len, path, err);
	if (st != ENG_STATUS_OK)
		return st;
	uint64_t hlen = st_u64_le_decode(p);
	st = st_hlen_check(hlen, len - 8, path, err);
	if (st == ENG_STATUS_OK)
		st = st_header_parse(f, (const char *)p + 8, (size_t)hlen,
				     len - 8 - hlen, path, err);
	if (st == ENG_STATUS_OK) {
		/* +1: malloc(0) may return NULL. */
		f->blob = malloc((size_t)f->data_len + 1);
		if (!f->blob)
			st = eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
		else
			memcpy(f->blob, p + 8 + hlen, (size_t)f->data_len);
	}
	if (st != ENG_STATUS_OK) {
		st_file_done(f);
		return st;
	}
	st_data_attach(f);
	return ENG_STATUS_OK;
}

/* Read exactly n bytes; a short read means the file changed under us. */
static enum eng_status st_fread_all(FILE *fp, void *dst, size_t n,
				    const char *path, struct eng_err *err)
{
	if (n && fread(dst, 1, n, fp) != n) {
		if (ferror(fp))
			return eng_err_set(err, ENG_STATUS_EIO, "%s: read error: %s",
					   path, strerror(errno));
		return eng_err_set(err, ENG_STATUS_EIO, "%s: file shrank while being read",
				   path);
	}
	return ENG_STATUS_OK;
}

enum eng_status st_file_read(const char *path, struct st_file *f,
			     struct eng_err *err)
{
	st_file_init(f);
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		int e = errno;
		return eng_err_set(err, fileio_errno_status(e), "%s: cannot open: %s", path,
				   strerror(e));
	}
	enum eng_status st = ENG_STATUS_OK;
	char *header = NULL;
	struct stat sb;
	if (fstat(fileno(fp), &sb) != 0) {
		int e = errno;
		st = eng_err_set(err, ENG_STATUS_EIO, "%s: cannot stat: %s", path, strerror(e));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		st = eng_err_set(err, ENG_STATUS_EINVAL, "%s: not a regular file", path);
		goto out;
	}
	uint64_t size = (uint64_t)sb.st_size;
	st = st_size_check(size, path, err);
	if (st != ENG_STATUS_OK)
		goto out;
	unsigned char lenb[8];
	st = st_fread_all(fp, lenb, 8, path, err);
	if (st != ENG_STATUS_OK)
		goto out;
	uint64_t hlen = st_u64_le_decode(lenb);
	st = st_hlen_check(hlen, size - 8, path, err);
	if (st != ENG_STATUS_OK)
		goto out;
	header = malloc((size_t)hlen);
	if (!header) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
		goto out;
	}
	st = st_fread_all(fp, header, (size_t)hlen, path, err);
	if (st == ENG_STATUS_OK)
		st = st_header_parse(f, header, (size_t)hlen, size - 8 - hlen, path, err);
	if (st != ENG_STATUS_OK)
		goto out;
	if (f->data_len > SIZE_MAX - 1) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "%s: too large", path);
		goto out;
	}
	f->blob = malloc((size_t)f->data_len + 1);
	if (!f->blob) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
		goto out;
	}
	st = st_fread_all(fp, f->blob, (size_t)f->data_len, path, err);
out:
	free(header);
	fclose(fp);
	if (st != ENG_STATUS_OK) {
		st_file_done(f);
		return st;
	}
	st_data_attach(f);
	return ENG_STATUS_OK;
}

/* --- writing --------------------------------------------------------------- */

/* Tensor bytes in little-endian order whatever the host's. */
static enum eng_status st_tensor_write(int fd, const struct st_tensor *t,
				       uint64_t bytes, const char *path,
				       struct eng_err *err)
{
	size_t es = st_dtype_size(t->dtype);
	if (es == 1 || st_host_little_endian())
		return fileio_write_all(fd, t->data, (size_t)bytes, path, err);
	unsigned char buf[4096];
	const unsigned char *src = t->data;
	size_t left = (size_t)bytes;
	while (left) {
		size_t n = left < sizeof buf ? left : sizeof buf;
		for (size_t i = 0; i < n; i += es)
			for (size_t k = 0; k < es; k++)
				buf[i + k] = src[i + es - 1 - k];
		enum eng_status st = fileio_write_all(fd, buf, n, path, err);
		if (st != ENG_STATUS_OK)
			return st;
		src += n;
		left -= n;
	}
	return ENG_STATUS_OK;
}

/* The header JSON, entries in f's order with the offsets in begins[]. */
static enum eng_status st_header_build(const struct st_file *f, const uint64_t *begins,
				       const char *path, char **out, struct eng_err *err)
{
	*out = NULL;
	json_t *root = json_object();
	if (!root)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
	enum eng_status st = ENG_STATUS_OK;
	if (f->n_meta) {
		json_t *m = json_object();
		if (json_object_set_new(root, "__metadata__", m) != 0)
			st = eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
		/* Failures here are invalid UTF-8 (or memory, reported alike). */
		for (int i = 0; st == ENG_STATUS_OK && i < f->n_meta; i++)
			if (json_object_set_new(m, f->meta[i].key,
						json_string(f->meta[i].value)) != 0)
				st = eng_err_set(err, ENG_STATUS_EINVAL,
						 "%s: metadata '%.100s': cannot encode (invalid UTF-8?)",
						 path, f->meta[i].key);
	}
	for (int i = 0; st == ENG_STATUS_OK && i < f->n_tensors; i++) {
		const struct st_tensor *t = &f->tensors[i];
		json_t *shape = json_array();
		for (int d = 0; shape && d < t->ndim; d++) {
			if (json_array_append_new(shape, json_integer((json_int_t)t->shape[d]))) {
				json_decref(shape);
				shape = NULL;
			}
		}
		/* "o" hands shape over to the new object, also on failure. */
		json_t *e = json_pack("{s:s, s:o, s:[II]}", "dtype", st_dtypes[t->dtype].name,
				      "shape", shape, "data_offsets", (json_int_t)begins[i],
				      (json_int_t)(begins[i] + t->end));
		if (!e || json_object_set_new(root, t->name, e) != 0)
			st = eng_err_set(err, ENG_STATUS_EINVAL,
					 "%s: %.100s: cannot encode (invalid UTF-8?)", path, t->name);
	}
	if (st == ENG_STATUS_OK) {
		*out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (!*out)
			st = eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
	}
	json_decref(root);
	return st;
}

/* Data layout: widest element first so each tensor sits at a multiple of
 * its element size (the data section starts at a multiple of 8); stable
 * otherwise.  Fills order[] and begins[] (indexed by tensor). */
static void st_layout_plan(const struct st_file *f, int *order, uint64_t *begins)
{
	static const size_t widths[] = { 8, 4, 2, 1 };
	uint64_t pos = 0;
	int k = 0;
	for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
		for (int i = 0; i < f->n_tensors; i++) {
			if (st_dtype_size(f->tensors[i].dtype) != widths[w])
				continue;
			order[k++] = i;
			begins[i] = pos;
			pos += f->tensors[i].end; /* added tensors: end = size */
		}
	}
	ENG_ASSERT(k == f->n_tensors);
}

static enum eng_status st_file_write_fd(const struct st_file *f, int fd,
					const char *path, struct eng_err *err)
{
	size_t n = f->n_tensors ? (size_t)f->n_tensors : 1;
	int *order = malloc(n * sizeof *order);
	uint64_t *begins = malloc(n * sizeof *begins);
	char *text = NULL;
	enum eng_status st = ENG_STATUS_OK;
	if (!order || !begins) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
		goto out;
	}
	st_layout_plan(f, order, begins);
	st = st_header_build(f, begins, path, &text, err);
	if (st != ENG_STATUS_OK)
		goto out;
	size_t tlen = strlen(text);
	size_t hlen = (tlen + 7) / 8 * 8;
	unsigned char lenb[8];
	for (int i = 0; i < 8; i++)
		lenb[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
	static const char spaces[8] = "        ";
	st = fileio_write_all(fd, lenb, 8, path, err);
	if (st == ENG_STATUS_OK)
		st = fileio_write_all(fd, text, tlen, path, err);
	if (st == ENG_STATUS_OK)
		st = fileio_write_all(fd, spaces, hlen - tlen, path, err);
	for (int i = 0; st == ENG_STATUS_OK && i < f->n_tensors; i++) {
		const struct st_tensor *t = &f->tensors[order[i]];
		st = st_tensor_write(fd, t, t->end, path, err);
	}
out:
	free(text);
	free(order);
	free(begins);
	return st;
}

static enum eng_status st_file_put(int fd, void *f, const char *path,
				   struct eng_err *err)
{
	return st_file_write_fd(f, fd, path, err);
}

enum eng_status st_file_write(const struct st_file *f, const char *path,
			      struct eng_err *err)
{
	return fileio_write_atomic(path, st_file_put, (void *)f, err);
}

