/* weights.c: safetensors files, generic and for a net's weights.
 *
 * Reading trusts nothing in the file: the header length is checked against
 * a fixed cap and the real file size before anything is allocated from it,
 * the JSON is parsed by jansson (duplicate keys rejected, nesting bounded),
 * every count and byte size is computed with overflow checks, and the
 * tensors must tile the data section exactly, as the published format
 * requires.  Only then is the data section (whose size is the file's, not
 * the header's) read.
 *
 * Loading into a net checks every tensor of the file and of the net before
 * the first float is copied, so a bad file leaves the net as it was; the
 * file's data section, already in memory, is the staging buffer.
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
#include "io/weights.h"

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
static bool st_shape_numel(int ndim, const uint64_t *shape, uint64_t *out)
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
static const char *st_shape_format(char *buf, size_t len, int ndim,
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

static bool st_host_little_endian(void)
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

/* --- a net's weights ------------------------------------------------------- */

bool weights_meta_set(struct weights_meta *m, const char *key, const char *value)
{
	if (!*key || strlen(key) >= WEIGHTS_META_KEY_MAX ||
	    strlen(value) >= WEIGHTS_META_VALUE_MAX)
		return false;
	int i = 0;
	while (i < m->n && strcmp(m->key[i], key) != 0)
		i++;
	if (i == m->n) {
		if (m->n >= WEIGHTS_META_MAX)
			return false;
		m->n++;
		strcpy(m->key[i], key);
	}
	strcpy(m->value[i], value);
	return true;
}

const char *weights_meta_get(const struct weights_meta *m, const char *key)
{
	for (int i = 0; i < m->n; i++)
		if (strcmp(m->key[i], key) == 0)
			return m->value[i];
	return NULL;
}

enum weights_role {
	WEIGHTS_ROLE_WEIGHT,
	WEIGHTS_ROLE_BIAS,
	WEIGHTS_ROLE_MEAN,
	WEIGHTS_ROLE_VAR,
};

static const char *const weights_suffix[] = {
	[WEIGHTS_ROLE_WEIGHT] = "weight",
	[WEIGHTS_ROLE_BIAS] = "bias",
	[WEIGHTS_ROLE_MEAN] = "running_mean",
	[WEIGHTS_ROLE_VAR] = "running_var",
};

/* One tensor a net stores. */
struct weights_item {
	char name[LAYER_NAME_MAX + 16];
	int ndim;
	uint64_t shape[4];
	float *data;        /* view into the net */
	size_t n;           /* floats */
	int layer;
	enum weights_role role;
};

/* The weight's shape in PyTorch's layout (layer.h). */
static int weights_weight_shape(const struct layer *l, uint64_t *shape)
{
	int ndim;
	switch (l->kind) {
	case LAYER_KIND_CONV:
		shape[0] = (uint64_t)l->out.c;
		shape[1] = (uint64_t)(l->in.c / l->conf.groups);
		shape[2] = shape[3] = (uint64_t)l->conf.size;
		ndim = 4;
		break;
	case LAYER_KIND_LINEAR:
		shape[0] = (uint64_t)l->out.c;
		shape[1] = (uint64_t)shape_size(l->in);
		ndim = 2;
		break;
	default:
		shape[0] = l->w_len;
		ndim = 1;
		break;
	}
	uint64_t n;
	ENG_ASSERT(st_shape_numel(ndim, shape, &n) && n == l->w_len);
	return ndim;
}

/* Every tensor the net stores, in net order; *out is malloc'd. */
static enum eng_status weights_items(const struct net *net, struct weights_item **out,
				     int *n_out, struct eng_err *err)
{
	size_t cap = (size_t)net->n_layers * 4 + 1;
	struct weights_item *it = calloc(cap, sizeof *it);
	if (!it)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	int n = 0;
	for (int i = 0; i < net->n_layers; i++) {
		struct layer *l = &net->layers[i];
		struct weights_item base = { .layer = i };
		if (l->w_len) {
			struct weights_item *w = &it[n++];
			*w = base;
			w->role = WEIGHTS_ROLE_WEIGHT;
			w->ndim = weights_weight_shape(l, w->shape);
			w->data = l->w;
			w->n = l->w_len;
		}
		if (l->b_len) {
			struct weights_item *b = &it[n++];
			*b = base;
			b->role = WEIGHTS_ROLE_BIAS;
			b->ndim = 1;
			b->shape[0] = l->b_len;
			b->data = l->b;
			b->n = l->b_len;
		}
		if (l->state_len) {
			/* BN is the only kind with state: mean then var. */
			ENG_ASSERT(l->kind == LAYER_KIND_BN && l->state_len % 2 == 0);
			size_t c = l->state_len / 2;
			for (int k = 0; k < 2; k++) {
				struct weights_item *s = &it[n++];
				*s = base;
				s->role = k ? WEIGHTS_ROLE_VAR : WEIGHTS_ROLE_MEAN;
				s->ndim = 1;
				s->shape[0] = c;
				s->data = l->state + (size_t)k * c;
				s->n = c;
			}
		}
	}
	for (int k = 0; k < n; k++)
		snprintf(it[k].name, sizeof it[k].name, "%s.%s",
			 net->layers[it[k].layer].name, weights_suffix[it[k].role]);
	*out = it;
	*n_out = n;
	return ENG_STATUS_OK;
}

static bool weights_maskable(const struct layer *l)
{
	return (l->kind == LAYER_KIND_CONV || l->kind == LAYER_KIND_LINEAR) && l->w_len;
}

enum eng_status weights_save_masked(const struct net *net, const char *path,
				    const struct weights_meta *meta,
				    const uint8_t *masks, struct eng_err *err)
{
	struct weights_item *it = NULL;
	int n = 0;
	enum eng_status st = weights_items(net, &it, &n, err);
	if (st != ENG_STATUS_OK)
		return eng_err_set(err, st, "%s: out of memory", path);
	struct st_file f;
	st_file_init(&f);
	uint8_t *norm = NULL;
	char name[LAYER_NAME_MAX + 16];
	for (int i = 0; meta && st == ENG_STATUS_OK && i < meta->n; i++)
		st = st_file_meta_set(&f, meta->key[i], meta->value[i], err);
	for (int i = 0; st == ENG_STATUS_OK && i < n; i++)
		st = st_file_add(&f, it[i].name, ST_DTYPE_F32, it[i].ndim, it[i].shape,
				 it[i].data, err);
	if (st == ENG_STATUS_OK && masks) {
		/* Stored as exactly 0/1, whatever non-zero the caller used. */
		norm = malloc(net->n_params ? net->n_params : 1);
		if (!norm)
			st = eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
		for (size_t k = 0; norm && k < net->n_params; k++)
			norm[k] = masks[k] != 0;
	}
	for (int i = 0; norm && st == ENG_STATUS_OK && i < n; i++) {
		const struct layer *l = &net->layers[it[i].layer];
		if (it[i].role != WEIGHTS_ROLE_WEIGHT || !weights_maskable(l))
			continue;
		const uint8_t *m = norm + (l->w - net->params);
		size_t kept = 0;
		for (size_t k = 0; k < l->w_len; k++)
			kept += m[k];
		if (kept == l->w_len)
			continue;
		snprintf(name, sizeof name, "%s.weight_mask", l->name);
		st = st_file_add(&f, name, ST_DTYPE_U8, it[i].ndim, it[i].shape, m, err);
	}
	if (st == ENG_STATUS_OK)
		st = st_file_write(&f, path, err);
	else if (err) {
		char why[ENG_ERR_MAX];
		memcpy(why, err->msg, sizeof why);
		eng_err_set(err, st, "%s: %.400s", path, why);
	}
	st_file_done(&f);
	free(norm);
	free(it);
	return st;
}

enum eng_status weights_save(const struct net *net, const char *path,
			     const struct weights_meta *meta, struct eng_err *err)
{
	return weights_save_masked(net, path, meta, NULL, err);
}

static bool weights_has_suffix(const char *s, const char *suffix, size_t *prefix)
{
	size_t n = strlen(s), k = strlen(suffix);
	if (n <= k || strcmp(s + n - k, suffix) != 0)
		return false;
	*prefix = n - k;
	return true;
}

/* The layer named by name[0..len), or -1. */
static int weights_layer_find(const struct net *net, const char *name, size_t len)
{
	char buf[LAYER_NAME_MAX];
	if (len >= sizeof buf)
		return -1;
	memcpy(buf, name, len);
	buf[len] = '\0';
	return net_find(net, buf);
}

static bool weights_shape_equal(const struct st_tensor *t, int ndim, const uint64_t *shape)
{
	if (t->ndim != ndim)
		return false;
	for (int i = 0; i < ndim; i++)
		if (t->shape[i] != shape[i])
			return false;
	return true;
}

static enum eng_status weights_shape_error(const char *path, const char *name,
					   const struct st_tensor *t, int ndim,
					   const uint64_t *shape, struct eng_err *err)
{
	char want[96], have[160];
	return eng_err_set(err, ENG_STATUS_EINVAL, "%s: %s: shape %s expected, file has %s",
			   path, name, st_shape_format(want, sizeof want, ndim, shape),
			   st_shape_format(have, sizeof have, t->ndim, t->shape));
}

/* A tensor the net does not store: a mask (checked, index of its layer in
 * *mask_layer) or a BN counter (ignored); anything else is an error. */
static enum eng_status weights_extra_check(const struct net *net, const struct st_tensor *t,
					   const char *path, int *mask_layer,
					   struct eng_err *err)
{
	size_t len;
	*mask_layer = -1;
	if (weights_has_suffix(t->name, ".weight_mask", &len)) {
		int li = weights_layer_find(net, t->name, len);
		if (li < 0 || !weights_maskable(&net->layers[li]))
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "%s: %s: mask for no conv or linear layer of the net",
					   path, t->name);
		if (t->dtype != ST_DTYPE_U8)
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "%s: %s: unsupported dtype %s (U8 expected)", path,
					   t->name, st_dtypes[t->dtype].name);
		uint64_t shape[4];
		int ndim = weights_weight_shape(&net->layers[li], shape);
		if (!weights_shape_equal(t, ndim, shape))
			return weights_shape_error(path, t->name, t, ndim, shape, err);
		const uint8_t *m = t->data;
		for (uint64_t k = 0; k < t->end - t->begin; k++)
			if (m[k] > 1)
				return eng_err_set(err, ENG_STATUS_EINVAL,
						   "%s: %s: mask value %u at %llu (0 or 1 expected)",
						   path, t->name, m[k], (unsigned long long)k);
		*mask_layer = li;
		return ENG_STATUS_OK;
	}
	if (weights_has_suffix(t->name, ".num_batches_tracked", &len)) {
		int li = weights_layer_find(net, t->name, len);
		if (li < 0 || net->layers[li].kind != LAYER_KIND_BN)
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "%s: %s: counter for no bn layer of the net", path,
					   t->name);
		if (t->dtype != ST_DTYPE_I64 || st_tensor_numel(t) != 1)
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "%s: %s: an I64 scalar expected", path, t->name);
		return ENG_STATUS_OK;
	}
	return eng_err_set(err, ENG_STATUS_EINVAL, "%s: %s: unexpected tensor (not in the net)",
			   path, t->name);
}

/* n little-endian floats from src (any alignment) into dst. */
static void weights_f32_decode(float *dst, const void *src, size_t n)
{
	if (st_host_little_endian()) {
		memcpy(dst, src, n * sizeof *dst);
		return;
	}
	const unsigned char *p = src;
	for (size_t i = 0; i < n; i++, p += 4) {
		uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
			     (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		memcpy(&dst[i], &u, 4);
	}
}

static void weights_meta_from_file(const struct st_file *f, struct weights_meta *m)
{
	memset(m, 0, sizeof *m);
	for (int i = 0; i < f->n_meta; i++)
		if (!weights_meta_set(m, f->meta[i].key, f->meta[i].value))
			m->truncated = true;
}

enum eng_status weights_load_full(struct net *net, const char *path,
				  uint8_t **masks, struct weights_meta *meta,
				  struct eng_err *err)
{
	struct st_file f;
	enum eng_status st = st_file_read(path, &f, err);
	if (st != ENG_STATUS_OK)
		return st;
	struct weights_item *it = NULL;
	const struct st_tensor **src = NULL;
	int *mask_layer = NULL;
	uint8_t *m = NULL;
	int n = 0;
	st = weights_items(net, &it, &n, err);
	if (st != ENG_STATUS_OK) {
		st = eng_err_set(err, st, "%s: out of memory", path);
		goto out;
	}
	src = calloc((size_t)n + 1, sizeof *src);
	mask_layer = calloc((size_t)f.n_tensors + 1, sizeof *mask_layer);
	if (!src || !mask_layer) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
		goto out;
	}
	/* Every tensor the net needs: present, F32, the exact shape. */
	for (int i = 0; i < n && st == ENG_STATUS_OK; i++) {
		const struct st_tensor *t = st_file_find(&f, it[i].name);
		if (!t)
			st = eng_err_set(err, ENG_STATUS_EINVAL, "%s: %s: missing tensor", path,
					 it[i].name);
		else if (t->dtype != ST_DTYPE_F32)
			st = eng_err_set(err, ENG_STATUS_EINVAL,
					 "%s: %s: unsupported dtype %s (F32 expected)", path,
					 it[i].name, st_dtypes[t->dtype].name);
		else if (!weights_shape_equal(t, it[i].ndim, it[i].shape))
			st = weights_shape_error(path, it[i].name, t, it[i].ndim,
						 it[i].shape, err);
		src[i] = t;
	}
	/* Every tensor the file has: one of those, or a tolerated extra. */
	bool any_mask = false;
	for (int k = 0; k < f.n_tensors && st == ENG_STATUS_OK; k++) {
		mask_layer[k] = -1;
		bool used = false;
		for (int i = 0; i < n && !used; i++)
			used = src[i] == &f.tensors[k];
		if (!used) {
			st = weights_extra_check(net, &f.tensors[k], path, &mask_layer[k], err);
			any_mask = any_mask || mask_layer[k] >= 0;
		}
	}
	if (st != ENG_STATUS_OK)
		goto out;
	if (masks && any_mask) {
		m = malloc(net->n_params ? net->n_params : 1);
		if (!m) {
			st = eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
			goto out;
		}
		memset(m, 1, net->n_params);
		for (int k = 0; k < f.n_tensors; k++) {
			if (mask_layer[k] < 0)
				continue;
			const struct layer *l = &net->layers[mask_layer[k]];
			memcpy(m + (l->w - net->params), f.tensors[k].data, l->w_len);
		}
	}
	/* Nothing can fail from here on: the net changes all at once. */
	for (int i = 0; i < n; i++)
		weights_f32_decode(it[i].data, src[i]->data, it[i].n);
	if (meta)
		weights_meta_from_file(&f, meta);
	if (masks) {
		*masks = m;
		m = NULL;
	}
out:
	free(m);
	free(mask_layer);
	free(src);
	free(it);
	st_file_done(&f);
	return st;
}

enum eng_status weights_load(struct net *net, const char *path, struct eng_err *err)
{
	return weights_load_full(net, path, NULL, NULL, err);
}
