/* data_idx.c: IDX files (the MNIST / Fashion-MNIST layout).
 *
 * An images file is a big-endian header (magic 0x00000803, count, rows,
 * cols) followed by count*rows*cols bytes; a labels file is (magic
 * 0x00000801, count) followed by count bytes.  zlib's gz* functions read
 * gzip and plain files alike, so both spellings of each file are accepted
 * (the .gz one first).  Every file is read to its end, so a bad gzip CRC,
 * a cut stream or stray trailing bytes are reported rather than ignored.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "data/data_internal.h"
#include "data/data_path.h"

#define IDX_MAGIC_IMAGES 0x00000803u
#define IDX_MAGIC_LABELS 0x00000801u
#define IDX_CLASSES 10
#define IDX_FIRST_ALLOC ((size_t)1 << 24)  /* grows by doubling from here */
#define IDX_READ_MAX ((size_t)1 << 30)     /* gzread takes an unsigned */

struct idx_file {
	char path[DATA_PATH_MAX];
	gzFile gz;
};

static uint32_t idx_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* Picks base.gz, else base, in dir. */
static enum eng_status idx_find(const char *dir, const char *base, char *path,
				struct eng_err *err)
{
	char gzname[64];
	snprintf(gzname, sizeof gzname, "%s.gz", base);
	if (!data_path_join(path, DATA_PATH_MAX, dir, gzname))
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: path too long", dir);
	if (data_path_exists(path))
		return ENG_STATUS_OK;
	data_path_join(path, DATA_PATH_MAX, dir, base);
	if (data_path_exists(path))
		return ENG_STATUS_OK;
	return eng_err_set(err, ENG_STATUS_ENOENT, "%s.gz: no such file (nor %s)",
			   path, base);
}

static enum eng_status idx_open(struct idx_file *f, struct eng_err *err)
{
	struct stat st;
	if (stat(f->path, &st) == 0 && S_ISDIR(st.st_mode))
		return eng_err_set(err, ENG_STATUS_EIO, "%s: is a directory",
				   f->path);
	errno = 0;
	f->gz = gzopen(f->path, "rb");
	if (!f->gz) {
		int e = errno;
		return eng_err_set(err, e == ENOENT ? ENG_STATUS_ENOENT :
				   e ? ENG_STATUS_EIO : ENG_STATUS_ENOMEM,
				   "%s: cannot open: %s", f->path,
				   e ? strerror(e) : "out of memory");
	}
	gzbuffer(f->gz, 1u << 17);
	return ENG_STATUS_OK;
}

static void idx_close(struct idx_file *f)
{
	if (f->gz)
		gzclose(f->gz);
	f->gz = NULL;
}

/* zlib prefixes its messages with the path; drop that, ours has it. */
static enum eng_status idx_gz_error(const struct idx_file *f, struct eng_err *err)
{
	int code;
	const char *msg = gzerror(f->gz, &code);
	size_t len = strlen(f->path);
	if (strncmp(msg, f->path, len) == 0 && msg[len] == ':' && msg[len + 1] == ' ')
		msg += len + 2;
	switch (code) {
	case Z_ERRNO:
		return eng_err_set(err, ENG_STATUS_EIO, "%s: read error: %s",
				   f->path, msg);
	case Z_MEM_ERROR:
		return eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory",
				   f->path);
	case Z_BUF_ERROR:
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: truncated gzip stream (%s)", f->path, msg);
	default:
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: corrupt gzip stream (%s)", f->path, msg);
	}
}

/* Up to len bytes; *got < len means the file ended cleanly. */
static enum eng_status idx_read(struct idx_file *f, uint8_t *buf, size_t len,
				size_t *got, struct eng_err *err)
{
	size_t done = 0;
	while (done < len) {
		size_t want = len - done < IDX_READ_MAX ? len - done : IDX_READ_MAX;
		int k = gzread(f->gz, buf + done, (unsigned)want);
		if (k < 0)
			return idx_gz_error(f, err);
		if (k == 0)
			break;
		done += (size_t)k;
	}
	*got = done;
	if (done < len) {
		int code;
		gzerror(f->gz, &code);
		if (code != Z_OK)
			return idx_gz_error(f, err);
	}
	return ENG_STATUS_OK;
}

/* Reads len bytes into a new buffer that grows as data arrives, so that a
 * header claiming gigabytes costs only what the file really holds.
 * *got < len means the file is short (the caller words the message). */
static enum eng_status idx_read_body(struct idx_file *f, size_t len,
				     uint8_t **out, size_t *got,
				     struct eng_err *err)
{
	size_t cap = len < IDX_FIRST_ALLOC ? len : IDX_FIRST_ALLOC, done = 0;
	uint8_t *buf = malloc(cap ? cap : 1);
	if (!buf)
		return eng_err_set(err, ENG_STATUS_ENOMEM,
				   "%s: out of memory", f->path);
	for (;;) {
		size_t k;
		enum eng_status st = idx_read(f, buf + done, cap - done, &k, err);
		if (st) {
			free(buf);
			return st;
		}
		done += k;
		if (done < cap || cap == len)
			break;
		size_t ncap = cap > len / 2 ? len : cap * 2;
		uint8_t *nbuf = realloc(buf, ncap);
		if (!nbuf) {
			free(buf);
			return eng_err_set(err, ENG_STATUS_ENOMEM,
					   "%s: out of memory for %zu bytes",
					   f->path, ncap);
		}
		buf = nbuf;
		cap = ncap;
	}
	*out = buf;
	*got = done;
	return ENG_STATUS_OK;
}

/* The file must end here; reading past the end also makes zlib check
 * the gzip trailer (CRC and length). */
static enum eng_status idx_expect_end(struct idx_file *f, const char *what,
				      struct eng_err *err)
{
	uint8_t extra;
	size_t k;
	enum eng_status st = idx_read(f, &extra, 1, &k, err);
	if (st)
		return st;
	if (k)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: unexpected data after the last %s",
				   f->path, what);
	return ENG_STATUS_OK;
}

static enum eng_status idx_header(struct idx_file *f, uint8_t *hdr, size_t len,
				  uint32_t magic, const char *kind,
				  struct eng_err *err)
{
	size_t got;
	enum eng_status st = idx_read(f, hdr, len, &got, err);
	if (st)
		return st;
	if (got == 0)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: empty file", f->path);
	if (got < len)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: truncated header (%zu of %zu bytes)",
				   f->path, got, len);
	uint32_t m = idx_be32(hdr);
	if (m != magic)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: bad magic 0x%08x (IDX %s files start "
				   "with 0x%08x)", f->path, (unsigned)m, kind,
				   (unsigned)magic);
	return ENG_STATUS_OK;
}

/* One images file and its labels file into ds.  img_path receives the
 * images file's path, for messages about the pair. */
static enum eng_status idx_load_pair(const char *dir, const char *img_name,
				     const char *lab_name, struct dataset *ds,
				     char *img_path, struct eng_err *err)
{
	struct idx_file fi = { .gz = NULL }, fl = { .gz = NULL };
	uint8_t hdr[16], *lab = NULL;
	size_t got;
	enum eng_status st;

	if ((st = idx_find(dir, img_name, fi.path, err)) ||
	    (st = idx_find(dir, lab_name, fl.path, err)))
		return st;
	memcpy(img_path, fi.path, DATA_PATH_MAX);
	if ((st = idx_open(&fi, err)) ||
	    (st = idx_header(&fi, hdr, 16, IDX_MAGIC_IMAGES, "image", err)))
		goto out;
	uint32_t n = idx_be32(hdr + 4), rows = idx_be32(hdr + 8),
		 cols = idx_be32(hdr + 12);
	if (n == 0) {
		st = eng_err_set(err, ENG_STATUS_EINVAL, "%s: no images", fi.path);
		goto out;
	}
	if (rows == 0 || cols == 0 || rows > DATA_DIM_MAX || cols > DATA_DIM_MAX) {
		st = eng_err_set(err, ENG_STATUS_EINVAL,
				 "%s: implausible image size %ux%u (1 to %d per "
				 "side)", fi.path, (unsigned)rows, (unsigned)cols,
				 DATA_DIM_MAX);
		goto out;
	}
	uint64_t bytes = (uint64_t)n * rows * cols;
	if (n > INT_MAX || bytes > DATA_BYTES_MAX || bytes > SIZE_MAX / 2) {
		st = eng_err_set(err, ENG_STATUS_EINVAL,
				 "%s: implausible size: %u images of %ux%u "
				 "(%llu bytes; at most %llu)", fi.path,
				 (unsigned)n, (unsigned)rows, (unsigned)cols,
				 (unsigned long long)bytes,
				 (unsigned long long)DATA_BYTES_MAX);
		goto out;
	}

	if ((st = idx_open(&fl, err)) ||
	    (st = idx_header(&fl, hdr, 8, IDX_MAGIC_LABELS, "label", err)))
		goto out;
	uint32_t nl = idx_be32(hdr + 4);
	if (nl != n) {
		st = eng_err_set(err, ENG_STATUS_EINVAL,
				 "%s: %u labels for %u images", fl.path,
				 (unsigned)nl, (unsigned)n);
		goto out;
	}

	ds->n = (int)n;
	ds->shape = (struct shape){ 1, (int)rows, (int)cols };
	ds->classes = IDX_CLASSES;
	if ((st = idx_read_body(&fi, (size_t)bytes, &ds->pixels, &got, err)))
		goto out;
	if (got < bytes) {
		st = eng_err_set(err, ENG_STATUS_EINVAL,
				 "%s: truncated: the header announces %u images "
				 "of %ux%u (%llu bytes), the file holds %zu",
				 fi.path, (unsigned)n, (unsigned)rows,
				 (unsigned)cols, (unsigned long long)bytes, got);
		goto out;
	}
	if ((st = idx_expect_end(&fi, "image", err)))
		goto out;

	if ((st = idx_read_body(&fl, n, &lab, &got, err)))
		goto out;
	if (got < n) {
		st = eng_err_set(err, ENG_STATUS_EINVAL,
				 "%s: truncated: the header announces %u labels, "
				 "the file holds %zu", fl.path, (unsigned)n, got);
		goto out;
	}
	if ((st = idx_expect_end(&fl, "label", err)))
		goto out;
	ds->labels = malloc((size_t)n * sizeof *ds->labels);
	if (!ds->labels) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory",
				 fl.path);
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (lab[i] >= IDX_CLASSES) {
			st = eng_err_set(err, ENG_STATUS_EINVAL,
					 "%s: label %u of sample %u is out of "
					 "range (%d classes)", fl.path,
					 (unsigned)lab[i], (unsigned)i,
					 IDX_CLASSES);
			goto out;
		}
		ds->labels[i] = lab[i];
	}
out:
	free(lab);
	idx_close(&fi);
	idx_close(&fl);
	return st;
}

bool data_idx_found(const char *dir)
{
	char path[DATA_PATH_MAX];
	return (data_path_join(path, sizeof path, dir, "train-images-idx3-ubyte.gz") &&
		data_path_exists(path)) ||
	       (data_path_join(path, sizeof path, dir, "train-images-idx3-ubyte") &&
		data_path_exists(path));
}

/* IDX files do not say what they hold; the directory name usually does. */
static void idx_name(const char *dir, char *name, size_t size)
{
	size_t start, len;
	data_path_base(dir, &start, &len);
	char base[256];
	if (len > sizeof base - 1)
		len = sizeof base - 1;
	for (size_t i = 0; i < len; i++)
		base[i] = (char)tolower((unsigned char)dir[start + i]);
	base[len] = '\0';
	const char *nm = strstr(base, "fashion") ? "fashion-mnist" :
			 strstr(base, "mnist") ? "mnist" : "idx";
	snprintf(name, size, "%s", nm);
}

enum eng_status data_idx_load(const char *dir, struct data_split *out,
			      struct eng_err *err)
{
	char train_path[DATA_PATH_MAX], test_path[DATA_PATH_MAX];
	enum eng_status st;
	if ((st = idx_load_pair(dir, "train-images-idx3-ubyte",
				"train-labels-idx1-ubyte", &out->train,
				train_path, err)) ||
	    (st = idx_load_pair(dir, "t10k-images-idx3-ubyte",
				"t10k-labels-idx1-ubyte", &out->test,
				test_path, err)))
		return st;
	if (!shape_equal(out->train.shape, out->test.shape))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: %dx%d images, but the training images "
				   "are %dx%d", test_path, out->test.shape.h,
				   out->test.shape.w, out->train.shape.h,
				   out->train.shape.w);
	idx_name(dir, out->name, sizeof out->name);
	snprintf(out->source, sizeof out->source, "%s", dir);
	return ENG_STATUS_OK;
}
