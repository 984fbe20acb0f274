/* npy.c: .npy files (see npy.h).
 *
 * Reading goes preamble -> header dict -> data.  The dict parser is a
 * small recursive-descent reader of the Python literal subset NumPy
 * writes (strings, True/False, tuples of integers), with every number
 * checked before it is multiplied.  Elements are decoded from their file
 * byte order by assembling the bytes, so the code never asks the host's
 * byte order.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fileio.h"
#include "io/npy.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_ALIGN 64
#define NPY_GROWTH_DIGITS 21            /* np.save's room for dims[0] */
#define NPY_FIRST_ALLOC ((size_t)1 << 24)  /* streams grow by doubling from here */
#define NPY_DIM_MAX ((uint64_t)1 << 62)    /* a dimension; products checked too */

static const struct {
	const char *name;
	const char *descr;       /* as we write it */
	char kind;               /* 'f' 'u' 'i' */
	size_t size;
} npy_types[NPY_DTYPE_COUNT] = {
	[NPY_DTYPE_F32] = { "float32", "<f4", 'f', 4 },
	[NPY_DTYPE_U8] = { "uint8", "|u1", 'u', 1 },
	[NPY_DTYPE_I32] = { "int32", "<i4", 'i', 4 },
	[NPY_DTYPE_I64] = { "int64", "<i8", 'i', 8 },
};

const char *npy_shape_text(int rank, const size_t *dims, char *buf, size_t len)
{
	ENG_ASSERT(rank >= 0 && rank <= NPY_RANK_MAX && len > 0);
	size_t used = 0;
	buf[0] = '\0';
	for (int i = -1; i <= rank && used < len; i++) {
		int n = i < 0 ? snprintf(buf, len, "(") :
			i == rank ? snprintf(buf + used, len - used, rank == 1 ? ",)" : ")") :
			snprintf(buf + used, len - used, i ? ", %zu" : "%zu", dims[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}

const char *npy_dtype_name(enum npy_dtype t)
{
	ENG_ASSERT(t >= 0 && t < NPY_DTYPE_COUNT);
	return npy_types[t].name;
}

size_t npy_dtype_size(enum npy_dtype t)
{
	ENG_ASSERT(t >= 0 && t < NPY_DTYPE_COUNT);
	return npy_types[t].size;
}

void npy_array_done(struct npy_array *a)
{
	if (!a)
		return;
	free(a->data);
	memset(a, 0, sizeof *a);
}

/* --- the header dict ------------------------------------------------------ */

struct npy_parse {
	const char *s;          /* the dict text (not NUL-terminated) */
	size_t len, pos;
	const char *name;       /* for messages */
	struct eng_err *err;
};

/* What the dict said. */
struct npy_header {
	enum npy_dtype dtype;
	bool big_endian;
	int rank;
	size_t dims[NPY_RANK_MAX];
	size_t count;
	uint64_t bytes;         /* count * element size */
};

static enum eng_status npy_syntax(struct npy_parse *p, const char *what)
{
	return eng_err_set(p->err, ENG_STATUS_EINVAL,
			   "%s: header: %s at byte %zu of the dict", p->name, what,
			   p->pos);
}

static void npy_ws(struct npy_parse *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
				   p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

static bool npy_peek(struct npy_parse *p, char c)
{
	npy_ws(p);
	return p->pos < p->len && p->s[p->pos] == c;
}

static bool npy_eat(struct npy_parse *p, char c)
{
	if (!npy_peek(p, c))
		return false;
	p->pos++;
	return true;
}

/* A quoted string ('...' or "...", no escapes: no key or dtype we accept
 * has one) into buf, truncated to size - 1 (the caller compares). */
static enum eng_status npy_string(struct npy_parse *p, char *buf, size_t size)
{
	npy_ws(p);
	if (p->pos >= p->len || (p->s[p->pos] != '\'' && p->s[p->pos] != '"'))
		return npy_syntax(p, "expected a quoted string");
	char q = p->s[p->pos++];
	size_t n = 0;
	while (p->pos < p->len && p->s[p->pos] != q) {
		unsigned char c = (unsigned char)p->s[p->pos];
		if (c == '\\' || c < 0x20)
			return npy_syntax(p, "escape or control character in a string");
		if (n + 1 < size)
			buf[n++] = (char)c;
		p->pos++;
	}
	if (p->pos >= p->len)
		return npy_syntax(p, "unterminated string");
	p->pos++;
	buf[n] = '\0';
	return ENG_STATUS_OK;
}

static bool npy_word(struct npy_parse *p, const char *w)
{
	size_t n = strlen(w);
	npy_ws(p);
	if (p->len - p->pos < n || memcmp(p->s + p->pos, w, n) != 0)
		return false;
	/* "Truex" is no keyword. */
	if (p->pos + n < p->len) {
		char c = p->s[p->pos + n];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_')
			return false;
	}
	p->pos += n;
	return true;
}

static enum eng_status npy_bool(struct npy_parse *p, bool *out)
{
	if (npy_word(p, "True"))
		*out = true;
	else if (npy_word(p, "False"))
		*out = false;
	else
		return npy_syntax(p, "fortran_order is not True or False");
	return ENG_STATUS_OK;
}

/* A non-negative decimal integer (Python 2 wrote a trailing 'L'). */
static enum eng_status npy_uint(struct npy_parse *p, uint64_t *out)
{
	npy_ws(p);
	uint64_t v = 0;
	size_t start = p->pos;
	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
		uint64_t digit = (uint64_t)(p->s[p->pos] - '0');
		if (v > (NPY_DIM_MAX - digit) / 10)
			return npy_syntax(p, "dimension over 2^62");
		v = v * 10 + digit;
		p->pos++;
	}
	if (p->pos == start) {
		if (p->pos < p->len && p->s[p->pos] == '-')
			return npy_syntax(p, "negative dimension");
		return npy_syntax(p, "expected a dimension (a whole number)");
	}
	if (p->pos < p->len && p->s[p->pos] == 'L')
		p->pos++;
	*out = v;
	return ENG_STATUS_OK;
}

/* (d0, d1, ...) with an optional trailing comma; () is a scalar. */
static enum eng_status npy_shape(struct npy_parse *p, struct npy_header *h)
{
	if (!npy_eat(p, '('))
		return npy_syntax(p, "shape is not a tuple");
	h->rank = 0;
	while (!npy_eat(p, ')')) {
		uint64_t d = 0;
		enum eng_status st = npy_uint(p, &d);
		if (st)
			return st;
		if (h->rank == NPY_RANK_MAX)
			return eng_err_set(p->err, ENG_STATUS_EINVAL,
					   "%s: more than %d dimensions", p->name,
					   NPY_RANK_MAX);
		if (d > SIZE_MAX)
			return npy_syntax(p, "dimension too large for this machine");
		h->dims[h->rank++] = (size_t)d;
		if (!npy_eat(p, ',') && !npy_peek(p, ')'))
			return npy_syntax(p, "expected ',' or ')' in the shape");
	}
	return ENG_STATUS_OK;
}

/* descr: byte order + kind + size. */
static enum eng_status npy_descr(struct npy_parse *p, const char *d,
				 struct npy_header *h)
{
	char order = d[0];
	const char *t = d;
	if (order == '<' || order == '>' || order == '|' || order == '=')
		t++;
	else
		order = '|';
	for (int k = 0; k < NPY_DTYPE_COUNT; k++) {
		const char *ours = npy_types[k].descr + 1;
		if (strcmp(t, ours) != 0)
			continue;
		/* A multi-byte type needs '<' or '>': '=' (the writer's
		 * native order) and none are unknowable here, and NumPy
		 * never writes them. */
		if (npy_types[k].size > 1 && order != '<' && order != '>')
			break;
		h->dtype = (enum npy_dtype)k;
		h->big_endian = order == '>' && npy_types[k].size > 1;
		return ENG_STATUS_OK;
	}
	const char *hint = !strcmp(t, "f8") ? " (float64: save x.astype(np.float32))" :
			   !strcmp(t, "f2") ? " (float16)" :
			   !strcmp(t, "b1") ? " (bool)" : "";
	return eng_err_set(p->err, ENG_STATUS_EINVAL,
			   "%s: dtype '%s'%s is not supported (float32 '<f4', "
			   "uint8 '|u1', int32 '<i4' or int64 '<i8')", p->name, d, hint);
}

/* The whole dict: exactly the three keys, each once, any order. */
static enum eng_status npy_dict(struct npy_parse *p, struct npy_header *h)
{
	enum { K_DESCR = 1, K_FORTRAN = 2, K_SHAPE = 4 };
	int seen = 0;
	bool fortran = false;
	enum eng_status st;
	if (!npy_eat(p, '{'))
		return npy_syntax(p, "expected '{'");
	while (!npy_eat(p, '}')) {
		char key[32];
		if ((st = npy_string(p, key, sizeof key)))
			return st;
		if (!npy_eat(p, ':'))
			return npy_syntax(p, "expected ':' after a key");
		int k = !strcmp(key, "descr") ? K_DESCR :
			!strcmp(key, "fortran_order") ? K_FORTRAN :
			!strcmp(key, "shape") ? K_SHAPE : 0;
		if (!k)
			return eng_err_set(p->err, ENG_STATUS_EINVAL,
					   "%s: header: unknown key '%s' (a .npy header "
					   "has descr, fortran_order and shape)", p->name,
					   key);
		if (seen & k)
			return eng_err_set(p->err, ENG_STATUS_EINVAL,
					   "%s: header: key '%s' given twice", p->name,
					   key);
		seen |= k;
		if (k == K_DESCR) {
			char d[16];
			if (npy_peek(p, '['))
				return eng_err_set(p->err, ENG_STATUS_EINVAL,
						   "%s: structured dtype (a record "
						   "array) is not supported", p->name);
			if ((st = npy_string(p, d, sizeof d)))
				return st;
			if ((st = npy_descr(p, d, h)))
				return st;
		} else if (k == K_FORTRAN) {
			if ((st = npy_bool(p, &fortran)))
				return st;
		} else if ((st = npy_shape(p, h))) {
			return st;
		}
		if (!npy_eat(p, ',') && !npy_peek(p, '}'))
			return npy_syntax(p, "expected ',' or '}'");
	}
	npy_ws(p);
	if (p->pos != p->len)
		return npy_syntax(p, "text after the dict");
	if (seen != (K_DESCR | K_FORTRAN | K_SHAPE))
		return eng_err_set(p->err, ENG_STATUS_EINVAL,
				   "%s: header: missing key '%s'", p->name,
				   !(seen & K_DESCR) ? "descr" :
				   !(seen & K_FORTRAN) ? "fortran_order" : "shape");
	if (fortran)
		return eng_err_set(p->err, ENG_STATUS_EINVAL,
				   "%s: fortran_order is True (column-major); save "
				   "a C-order array (np.ascontiguousarray(x))", p->name);
	/* The element and byte counts, checked before any multiplication
	 * can wrap. */
	uint64_t count = 1;
	for (int i = 0; i < h->rank; i++) {
		if (h->dims[i] && count > UINT64_MAX / h->dims[i])
			return eng_err_set(p->err, ENG_STATUS_EINVAL,
					   "%s: shape has more elements than 2^64",
					   p->name);
		count *= h->dims[i];
	}
	size_t es = npy_types[h->dtype].size;
	if (count > UINT64_MAX / es || count > SIZE_MAX)
		return eng_err_set(p->err, ENG_STATUS_EINVAL,
				   "%s: shape has more bytes than 2^64", p->name);
	h->count = (size_t)count;
	h->bytes = count * es;
	return ENG_STATUS_OK;
}

/* --- reading -------------------------------------------------------------- */

/* Up to len bytes; *got < len only at the end of the stream. */
static enum eng_status npy_fread(FILE *fp, void *buf, size_t len, size_t *got,
				 const char *name, struct eng_err *err)
{
	*got = fread(buf, 1, len, fp);
	if (*got < len && ferror(fp))
		return eng_err_set(err, ENG_STATUS_EIO, "%s: read error: %s", name,
				   strerror(errno));
	return ENG_STATUS_OK;
}

static uint64_t npy_le(const unsigned char *b, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

/* Magic, version and header length; then the dict. */
static enum eng_status npy_header_read(FILE *fp, const char *name,
				       struct npy_header *h, uint64_t *hbytes,
				       struct eng_err *err)
{
	unsigned char pre[12];
	size_t got;
	enum eng_status st = npy_fread(fp, pre, 10, &got, name, err);
	if (st)
		return st;
	if (got == 0)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: empty file", name);
	if (got < NPY_MAGIC_LEN || memcmp(pre, NPY_MAGIC, NPY_MAGIC_LEN) != 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: not a .npy file (it does not start with "
				   "\\x93NUMPY)", name);
	if (got < 10)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: truncated header (%zu of 10 bytes)", name, got);
	int major = pre[6], minor = pre[7];
	if (major < 1 || major > 3 || minor != 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: .npy format version %d.%d is not supported "
				   "(1.0, 2.0 or 3.0)", name, major, minor);
	size_t pre_len = major == 1 ? 10 : 12;
	if (pre_len == 12) {
		if ((st = npy_fread(fp, pre + 10, 2, &got, name, err)))
			return st;
		if (got < 2)
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "%s: truncated header (%zu of 12 bytes)",
					   name, 10 + got);
	}
	uint64_t hlen = npy_le(pre + 8, major == 1 ? 2 : 4);
	if (hlen > NPY_HEADER_MAX)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: header of %llu bytes (at most %zu accepted)",
				   name, (unsigned long long)hlen, NPY_HEADER_MAX);
	char *text = malloc(hlen ? (size_t)hlen : 1);
	if (!text)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", name);
	st = npy_fread(fp, text, (size_t)hlen, &got, name, err);
	if (!st && got < hlen)
		st = eng_err_set(err, ENG_STATUS_EINVAL,
				 "%s: truncated header (%zu of %llu bytes)", name,
				 got, (unsigned long long)hlen);
	if (!st && memchr(text, '\0', (size_t)hlen))
		st = eng_err_set(err, ENG_STATUS_EINVAL, "%s: header: NUL byte", name);
	if (!st) {
		struct npy_parse p = { text, (size_t)hlen, 0, name, err };
		st = npy_dict(&p, h);
	}
	free(text);
	*hbytes = pre_len + hlen;
	return st;
}

/* The data section, exactly h->bytes: truncation and trailing bytes are
 * errors.  size_left: bytes after the header in a regular file, or -1 for
 * a stream of unknown length. */
static enum eng_status npy_data_read(FILE *fp, const char *name,
				     const struct npy_header *h, int64_t size_left,
				     uint64_t max_bytes, void **out,
				     struct eng_err *err)
{
	char shape[NPY_SHAPE_TEXT_MAX];
	npy_shape_text(h->rank, h->dims, shape, sizeof shape);
	const char *tn = npy_types[h->dtype].name;
	*out = NULL;
	if (h->bytes > max_bytes)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: %s %s is %llu bytes, over the %llu this "
				   "reader accepts", name, shape, tn,
				   (unsigned long long)h->bytes,
				   (unsigned long long)max_bytes);
	if (size_left >= 0 && (uint64_t)size_left < h->bytes)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: truncated: the header announces %s %s "
				   "(%llu bytes), the file holds %lld", name, shape,
				   tn, (unsigned long long)h->bytes,
				   (long long)size_left);
	if (size_left >= 0 && (uint64_t)size_left > h->bytes)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: %llu bytes after the data (%s %s)", name,
				   (unsigned long long)((uint64_t)size_left - h->bytes),
				   shape, tn);
	size_t want = (size_t)h->bytes, have = 0;
	unsigned char *buf = NULL;
	enum eng_status st = ENG_STATUS_OK;
	/* A regular file's size is known to match: one allocation.  A stream
	 * grows by doubling, so a lying header costs what the stream holds. */
	size_t cap = size_left >= 0 ? want :
		     want < NPY_FIRST_ALLOC ? want : NPY_FIRST_ALLOC;
	if (want) {
		buf = malloc(cap);
		if (!buf)
			return eng_err_set(err, ENG_STATUS_ENOMEM,
					   "%s: out of memory for %s %s", name, shape, tn);
	}
	while (have < want) {
		if (have == cap) {
			size_t ncap = cap > want / 2 ? want : cap * 2;
			unsigned char *nb = realloc(buf, ncap);
			if (!nb) {
				st = eng_err_set(err, ENG_STATUS_ENOMEM,
						 "%s: out of memory for %s %s", name,
						 shape, tn);
				break;
			}
			buf = nb;
			cap = ncap;
		}
		size_t got;
		if ((st = npy_fread(fp, buf + have, cap - have, &got, name, err)))
			break;
		have += got;
		if (have < cap)
			break;
	}
	if (!st && have < want)
		st = eng_err_set(err, ENG_STATUS_EINVAL,
				 "%s: truncated: the header announces %s %s (%llu "
				 "bytes), the file holds %zu", name, shape, tn,
				 (unsigned long long)h->bytes, have);
	if (!st && fgetc(fp) != EOF)
		st = eng_err_set(err, ENG_STATUS_EINVAL,
				 "%s: bytes after the data (%s %s)", name, shape, tn);
	if (!st && ferror(fp))
		st = eng_err_set(err, ENG_STATUS_EIO, "%s: read error: %s", name,
				 strerror(errno));
	if (st) {
		free(buf);
		return st;
	}
	*out = buf;
	return ENG_STATUS_OK;
}

/* File byte order -> host order, in place. */
static void npy_decode(void *data, size_t count, size_t es, bool big)
{
	unsigned char *b = data;
	if (es == 1)
		return;
	for (size_t i = 0; i < count; i++, b += es) {
		uint64_t v = 0;
		for (size_t k = 0; k < es; k++)
			v = v << 8 | b[big ? k : es - 1 - k];
		if (es == 4) {
			uint32_t w = (uint32_t)v;
			memcpy(b, &w, 4);
		} else {
			memcpy(b, &v, 8);
		}
	}
}

static enum eng_status npy_read_at(FILE *fp, const char *name, int64_t size,
				   uint64_t max_bytes, struct npy_array *out,
				   struct eng_err *err)
{
	struct npy_header h;
	uint64_t hbytes = 0;
	memset(&h, 0, sizeof h);
	enum eng_status st = npy_header_read(fp, name, &h, &hbytes, err);
	if (st)
		return st;
	int64_t left = size >= 0 ? size - (int64_t)hbytes : -1;
	void *data;
	if ((st = npy_data_read(fp, name, &h, left, max_bytes, &data, err)))
		return st;
	npy_decode(data, h.count, npy_types[h.dtype].size, h.big_endian);
	out->dtype = h.dtype;
	out->rank = h.rank;
	memcpy(out->dims, h.dims, sizeof out->dims);
	out->count = h.count;
	out->data = data;
	return ENG_STATUS_OK;
}

/* The bytes from fp's position to its end when it is a regular file,
 * else -1. */
static int64_t npy_size_left(FILE *fp)
{
	struct stat sb;
	int fd = fileno(fp);
	if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
		return -1;
	long pos = ftell(fp);
	if (pos < 0 || pos > sb.st_size)
		return -1;
	return (int64_t)(sb.st_size - pos);
}

enum eng_status npy_read_fp(FILE *fp, const char *name, uint64_t max_bytes,
			    struct npy_array *out, struct eng_err *err)
{
	ENG_ASSERT(fp && name && out);
	memset(out, 0, sizeof *out);
	return npy_read_at(fp, name, npy_size_left(fp), max_bytes, out, err);
}

enum eng_status npy_read(const char *path, uint64_t max_bytes,
			 struct npy_array *out, struct eng_err *err)
{
	ENG_ASSERT(path && out);
	memset(out, 0, sizeof *out);
	struct stat sb;
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return eng_err_set(err, ENG_STATUS_EIO, "%s: is a directory", path);
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		int e = errno;
		return eng_err_set(err, fileio_errno_status(e), "%s: cannot open: %s",
				   path, strerror(e));
	}
	enum eng_status st = npy_read_fp(fp, path, max_bytes, out, err);
	fclose(fp);
	return st;
}

/* --- writing -------------------------------------------------------------- */

size_t npy_header_format(enum npy_dtype dtype, int rank, const size_t *dims,
			 char *buf, size_t len)
{
	ENG_ASSERT(dtype >= 0 && dtype < NPY_DTYPE_COUNT);
	ENG_ASSERT(rank >= 0 && rank <= NPY_RANK_MAX && (rank == 0 || dims));
	char dict[NPY_RANK_MAX * 24 + 96];
	int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': "
			 "False, 'shape': (", npy_types[dtype].descr);
	for (int i = 0; i < rank; i++)
		n += snprintf(dict + n, sizeof dict - (size_t)n, "%s%zu",
			      i ? ", " : "", dims[i]);
	n += snprintf(dict + n, sizeof dict - (size_t)n, "%s), }",
		      rank == 1 ? "," : "");
	ENG_ASSERT(n > 0 && (size_t)n < sizeof dict);
	/* np.save (NumPy >= 1.24) leaves room for the first dimension to grow
	 * to 21 digits, then pads with spaces and '\n' to a multiple of 64
	 * bytes; doing the same makes our files byte-identical to its. */
	size_t grow = 0;
	if (rank > 0) {
		char digits[24];
		int d = snprintf(digits, sizeof digits, "%zu", dims[0]);
		grow = d < NPY_GROWTH_DIGITS ? (size_t)(NPY_GROWTH_DIGITS - d) : 0;
	}
	size_t total = 10 + (size_t)n + grow + 1;
	total = (total + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
	if (total > len)
		return 0;
	size_t hlen = total - 10;
	memcpy(buf, NPY_MAGIC, NPY_MAGIC_LEN);
	buf[6] = 1;
	buf[7] = 0;
	buf[8] = (char)(hlen & 0xff);
	buf[9] = (char)(hlen >> 8);
	memcpy(buf + 10, dict, (size_t)n);
	memset(buf + 10 + n, ' ', hlen - (size_t)n - 1);
	buf[total - 1] = '\n';
	return total;
}

struct npy_out {
	enum npy_dtype dtype;
	int rank;
	const size_t *dims;
	const void *data;
	size_t count;
};

/* Elements little-endian, through a small buffer. */
static enum eng_status npy_put(int fd, void *user, const char *path,
			       struct eng_err *err)
{
	const struct npy_out *o = user;
	char head[NPY_ALIGN * 8];
	size_t hl = npy_header_format(o->dtype, o->rank, o->dims, head, sizeof head);
	ENG_ASSERT(hl > 0);
	enum eng_status st = fileio_write_all(fd, head, hl, path, err);
	size_t es = npy_types[o->dtype].size;
	const unsigned char *src = o->data;
	unsigned char buf[1 << 16];
	size_t per = sizeof buf / es;
	for (size_t i = 0; !st && i < o->count; i += per) {
		size_t m = o->count - i < per ? o->count - i : per;
		for (size_t k = 0; k < m; k++) {
			uint64_t v = 0;
			if (es == 1)
				v = src[(i + k)];
			else if (es == 4) {
				uint32_t w;
				memcpy(&w, src + (i + k) * 4, 4);
				v = w;
			} else {
				memcpy(&v, src + (i + k) * 8, 8);
			}
			for (size_t b = 0; b < es; b++)
				buf[k * es + b] = (unsigned char)(v >> (8 * b));
		}
		st = fileio_write_all(fd, buf, m * es, path, err);
	}
	return st;
}

enum eng_status npy_write(const char *path, enum npy_dtype dtype, int rank,
			  const size_t *dims, const void *data,
			  struct eng_err *err)
{
	ENG_ASSERT(path && dtype >= 0 && dtype < NPY_DTYPE_COUNT);
	ENG_ASSERT(rank >= 0 && rank <= NPY_RANK_MAX && (rank == 0 || dims));
	size_t count = 1;
	for (int i = 0; i < rank; i++) {
		if (dims[i] && count > SIZE_MAX / npy_types[dtype].size / dims[i])
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "%s: array too large to write", path);
		count *= dims[i];
	}
	ENG_ASSERT(count == 0 || data);
	struct npy_out o = { dtype, rank, dims, data, count };
	return fileio_write_atomic(path, npy_put, &o, err);
}
