/* check_data: dataset loaders (IDX plain and gzip, CIFAR-10 binary,
 * synthetic), their error paths, the validation slice, the statistics and
 * batch adaptation.
 *
 * Every file is generated here, in a temporary directory made by main()
 * and removed at the end, with known pixel patterns, so loads are checked
 * byte for byte.  Each corruption case checks the status and that the
 * message names the file.  Batch fills are compared with a naive
 * per-pixel reference written from the definition in data.h.  The real
 * Fashion-MNIST test runs when the Debian package's directory exists.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "data/data.h"
#include "io/npy.h"
#include "base/rng.h"
#include "scratch.h"

#define IDX_IMG 0x00000803u
#define IDX_LAB 0x00000801u
#define N_TRAIN 50
#define N_TEST 20
#define ROWS 5
#define COLS 7
#define CIFAR_REC 3073

static char tmp_root[512];

/* ---- file generation ---------------------------------------------------- */

enum pattern { PAT_MAIN, PAT_ALT, PAT_CONST };

static uint8_t pix_value(enum pattern p, int i, int c, int y, int x)
{
	switch (p) {
	case PAT_MAIN: return (uint8_t)(i * 37 + c * 101 + y * 11 + x * 5 + 3);
	case PAT_ALT: return (uint8_t)(i * 13 + c * 7 + y * 3 + x * 29 + 200);
	default: return 7;
	}
}

static int label_value(int i)
{
	return (i * 7 + 3) % 10;
}

static void put_be32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

/* A fresh directory under tmp_root; the name stays valid for the next
 * seven calls (each test makes at most a few). */
static char *new_dir(const char *stem)
{
	static char paths[8][600];
	static int next;
	char *path = paths[next++ % 8];
	snprintf(path, sizeof paths[0], "%s/%s.XXXXXX", tmp_root, stem);
	ck_assert_ptr_nonnull(mkdtemp(path));
	return path;
}

static void write_bytes(const char *dir, const char *name, const uint8_t *b,
			size_t len, bool gz)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s%s", dir, name, gz ? ".gz" : "");
	if (gz) {
		gzFile f = gzopen(path, "wb");
		ck_assert_ptr_nonnull(f);
		if (len)
			ck_assert_int_eq(gzwrite(f, b, (unsigned)len), (int)len);
		ck_assert_int_eq(gzclose(f), Z_OK);
	} else {
		FILE *f = fopen(path, "wb");
		ck_assert_ptr_nonnull(f);
		if (len)
			ck_assert_uint_eq(fwrite(b, 1, len, f), len);
		ck_assert_int_eq(fclose(f), 0);
	}
}

static uint8_t *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc((size_t)sz + 1);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(fread(b, 1, (size_t)sz, f), (size_t)sz);
	fclose(f);
	*len = (size_t)sz;
	return b;
}

/* An IDX images file: header (magic, n_hdr, rows, cols) then n_data
 * images of the pattern, then extra bytes of junk. */
static void write_idx_images(const char *dir, const char *name, bool gz,
			     uint32_t magic, uint32_t n_hdr, uint32_t rows,
			     uint32_t cols, int n_data, enum pattern p,
			     size_t cut, size_t extra)
{
	size_t body = (size_t)n_data * rows * cols;
	size_t len = 16 + body + extra;
	uint8_t *b = calloc(len, 1);
	ck_assert_ptr_nonnull(b);
	put_be32(b, magic);
	put_be32(b + 4, n_hdr);
	put_be32(b + 8, rows);
	put_be32(b + 12, cols);
	for (int i = 0; i < n_data; i++)
		for (uint32_t y = 0; y < rows; y++)
			for (uint32_t x = 0; x < cols; x++)
				b[16 + ((size_t)i * rows + y) * cols + x] =
					pix_value(p, i, 0, (int)y, (int)x);
	ck_assert_uint_le(cut, len);
	write_bytes(dir, name, b, len - cut, gz);
	free(b);
}

static void write_idx_labels(const char *dir, const char *name, bool gz,
			     uint32_t magic, uint32_t n_hdr, int n_data,
			     int bad_at, size_t cut)
{
	size_t len = 8 + (size_t)n_data;
	uint8_t *b = calloc(len, 1);
	ck_assert_ptr_nonnull(b);
	put_be32(b, magic);
	put_be32(b + 4, n_hdr);
	for (int i = 0; i < n_data; i++)
		b[8 + i] = (uint8_t)(i == bad_at ? 10 : label_value(i));
	write_bytes(dir, name, b, len - cut, gz);
	free(b);
}

/* A good IDX set: N_TRAIN / N_TEST images of ROWS x COLS. */
static void write_idx_set(const char *dir, bool gz_train, bool gz_test,
			  enum pattern p)
{
	write_idx_images(dir, "train-images-idx3-ubyte", gz_train, IDX_IMG,
			 N_TRAIN, ROWS, COLS, N_TRAIN, p, 0, 0);
	write_idx_labels(dir, "train-labels-idx1-ubyte", gz_train, IDX_LAB,
			 N_TRAIN, N_TRAIN, -1, 0);
	write_idx_images(dir, "t10k-images-idx3-ubyte", gz_test, IDX_IMG,
			 N_TEST, ROWS, COLS, N_TEST, p, 0, 0);
	write_idx_labels(dir, "t10k-labels-idx1-ubyte", gz_test, IDX_LAB,
			 N_TEST, N_TEST, -1, 0);
}

/* Record counts of data_batch_1..5 and test_batch. */
static const int cifar_counts[6] = { 3, 1, 2, 4, 2, 5 };

static void write_cifar_file(const char *dir, const char *name, int first,
			     int count, int bad_at, size_t cut)
{
	size_t len = (size_t)count * CIFAR_REC;
	uint8_t *b = malloc(len);
	ck_assert_ptr_nonnull(b);
	for (int r = 0; r < count; r++) {
		uint8_t *rec = b + (size_t)r * CIFAR_REC;
		rec[0] = (uint8_t)(r == bad_at ? 10 : label_value(first + r));
		for (int c = 0; c < 3; c++)
			for (int y = 0; y < 32; y++)
				for (int x = 0; x < 32; x++)
					rec[1 + c * 1024 + y * 32 + x] =
						pix_value(PAT_MAIN, first + r, c, y, x);
	}
	write_bytes(dir, name, b, len - cut, false);
	free(b);
}

static void write_cifar_set(const char *dir)
{
	int first = 0;
	for (int i = 0; i < 5; i++) {
		char name[32];
		snprintf(name, sizeof name, "data_batch_%d.bin", i + 1);
		write_cifar_file(dir, name, first, cifar_counts[i], -1, 0);
		first += cifar_counts[i];
	}
	write_cifar_file(dir, "test_batch.bin", 1000, cifar_counts[5], -1, 0);
}

static bool split_empty(const struct data_split *ds)
{
	return !ds->train.pixels && !ds->train.labels && !ds->val.pixels &&
	       !ds->val.labels && !ds->test.pixels && !ds->test.labels &&
	       !ds->train.values && !ds->val.values && !ds->test.values;
}

static enum eng_status load_dir(const char *dir, enum data_format f, int val,
				struct data_split *ds, struct eng_err *err)
{
	struct data_options opt = { .dir = dir, .format = f, .val_count = val };
	err->msg[0] = '\0';
	return data_load(&opt, ds, err);
}

/* ---- good loads ------------------------------------------------------------ */

static void check_idx_set(const struct dataset *d, int n, int first_label_i,
			  enum pattern p)
{
	ck_assert_int_eq(d->n, n);
	ck_assert_int_eq(d->shape.c, 1);
	ck_assert_int_eq(d->shape.h, ROWS);
	ck_assert_int_eq(d->shape.w, COLS);
	ck_assert_int_eq(d->classes, 10);
	int bad = 0;
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(d->labels[i], label_value(first_label_i + i));
		for (int y = 0; y < ROWS; y++)
			for (int x = 0; x < COLS; x++)
				bad += d->pixels[(i * ROWS + y) * COLS + x] !=
				       pix_value(p, first_label_i + i, 0, y, x);
	}
	ck_assert_int_eq(bad, 0);
}

/* _i: 0 all gzip, 1 all plain, 2 train gzip + test plain. */
START_TEST(test_idx_load)
{
	const char *dir = new_dir("fashion");
	write_idx_set(dir, _i != 1, _i == 0, PAT_MAIN);
	struct data_split ds;
	struct eng_err err;
	ck_assert_int_eq(load_dir(dir, _i == 2 ? DATA_FORMAT_IDX : DATA_FORMAT_AUTO,
				  0, &ds, &err), ENG_STATUS_OK);
	check_idx_set(&ds.train, N_TRAIN, 0, PAT_MAIN);
	check_idx_set(&ds.test, N_TEST, 0, PAT_MAIN);
	ck_assert_int_eq(ds.val.n, 0);
	ck_assert_str_eq(ds.name, "fashion-mnist");
	ck_assert_str_eq(ds.source, dir);
	ck_assert(!ds.synthetic);
	data_split_done(&ds);
	ck_assert(split_empty(&ds));
}
END_TEST

START_TEST(test_idx_prefers_gz)
{
	const char *dir = new_dir("digits-mnist");
	write_idx_set(dir, false, false, PAT_ALT);
	write_idx_set(dir, true, true, PAT_MAIN);
	struct data_split ds;
	struct eng_err err;
	ck_assert_int_eq(load_dir(dir, DATA_FORMAT_AUTO, 0, &ds, &err), ENG_STATUS_OK);
	check_idx_set(&ds.train, N_TRAIN, 0, PAT_MAIN);
	check_idx_set(&ds.test, N_TEST, 0, PAT_MAIN);
	ck_assert_str_eq(ds.name, "mnist");
	data_split_done(&ds);

	/* A trailing slash changes neither the name nor the load. */
	char slash[700];
	snprintf(slash, sizeof slash, "%s/", dir);
	ck_assert_int_eq(load_dir(slash, DATA_FORMAT_IDX, 0, &ds, &err), ENG_STATUS_OK);
	ck_assert_str_eq(ds.name, "mnist");
	data_split_done(&ds);
}
END_TEST

static void check_cifar_set(const struct dataset *d, int n, int first)
{
	ck_assert_int_eq(d->n, n);
	ck_assert_int_eq(d->shape.c, 3);
	ck_assert_int_eq(d->shape.h, 32);
	ck_assert_int_eq(d->shape.w, 32);
	ck_assert_int_eq(d->classes, 10);
	int bad = 0;
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(d->labels[i], label_value(first + i));
		for (int c = 0; c < 3; c++)
			for (int y = 0; y < 32; y++)
				for (int x = 0; x < 32; x++)
					bad += d->pixels[(size_t)i * 3072 + c * 1024 +
							 y * 32 + x] !=
					       pix_value(PAT_MAIN, first + i, c, y, x);
	}
	ck_assert_int_eq(bad, 0);
}

/* _i: 0 files in the directory, 1 in its cifar-10-batches-bin folder. */
START_TEST(test_cifar_load)
{
	const char *dir = new_dir("cifar");
	char sub[700];
	snprintf(sub, sizeof sub, "%s/cifar-10-batches-bin", dir);
	if (_i == 1)
		ck_assert_int_eq(mkdir(sub, 0755), 0);
	write_cifar_set(_i == 1 ? sub : dir);
	struct data_split ds;
	struct eng_err err;
	ck_assert_int_eq(load_dir(dir, DATA_FORMAT_AUTO, 0, &ds, &err), ENG_STATUS_OK);
	check_cifar_set(&ds.train, 12, 0);
	check_cifar_set(&ds.test, 5, 1000);
	ck_assert_str_eq(ds.name, "cifar10");
	ck_assert_str_eq(ds.source, _i == 1 ? sub : dir);
	ck_assert(!ds.synthetic);
	data_split_done(&ds);
	ck_assert_int_eq(load_dir(dir, DATA_FORMAT_CIFAR10, 0, &ds, &err), ENG_STATUS_OK);
	ck_assert_int_eq(ds.train.n, 12);
	data_split_done(&ds);
}
END_TEST

static void assert_msg_has(const struct eng_err *err, const char *what)
{
	ck_assert_msg(strstr(err->msg, what) != NULL,
		      "message '%s' lacks '%s'", err->msg, what);
}

START_TEST(test_auto_detection)
{
	struct data_split ds;
	struct eng_err err;
	/* Both formats: IDX wins. */
	const char *both = new_dir("both");
	write_idx_set(both, true, true, PAT_MAIN);
	write_cifar_set(both);
	ck_assert_int_eq(load_dir(both, DATA_FORMAT_AUTO, 0, &ds, &err), ENG_STATUS_OK);
	ck_assert_int_eq(ds.train.shape.c, 1);
	data_split_done(&ds);
	ck_assert_int_eq(load_dir(both, DATA_FORMAT_CIFAR10, 0, &ds, &err), ENG_STATUS_OK);
	ck_assert_int_eq(ds.train.shape.c, 3);
	data_split_done(&ds);

	/* Nothing there: ENOENT naming the directory and what was sought. */
	const char *empty = new_dir("empty");
	ck_assert_int_eq(load_dir(empty, DATA_FORMAT_AUTO, 0, &ds, &err),
			 ENG_STATUS_ENOENT);
	assert_msg_has(&err, empty);
	assert_msg_has(&err, "train-images-idx3-ubyte");
	assert_msg_has(&err, "data_batch_1.bin");
	ck_assert(split_empty(&ds));
	ck_assert_int_eq(load_dir(empty, DATA_FORMAT_IDX, 0, &ds, &err),
			 ENG_STATUS_ENOENT);
	assert_msg_has(&err, "train-images-idx3-ubyte");
	ck_assert_int_eq(load_dir(empty, DATA_FORMAT_CIFAR10, 0, &ds, &err),
			 ENG_STATUS_ENOENT);
	assert_msg_has(&err, "data_batch_1.bin");

	/* A directory that does not exist, and a file given as directory. */
	char missing[700];
	snprintf(missing, sizeof missing, "%s/no-such-dir", empty);
	ck_assert_int_eq(load_dir(missing, DATA_FORMAT_AUTO, 0, &ds, &err),
			 ENG_STATUS_ENOENT);
	assert_msg_has(&err, "no-such-dir");
	ck_assert_int_eq(load_dir(missing, DATA_FORMAT_IDX, 0, &ds, &err),
			 ENG_STATUS_ENOENT);
	assert_msg_has(&err, "no-such-dir");
	char file[700];
	snprintf(file, sizeof file, "%s/train-images-idx3-ubyte.gz", both);
	ck_assert_int_ne(load_dir(file, DATA_FORMAT_AUTO, 0, &ds, &err),
			 ENG_STATUS_OK);
	assert_msg_has(&err, "not a directory");
}
END_TEST

START_TEST(test_default_dir)
{
	/* opt.dir NULL means DATA_DEFAULT_DIR.  The engine reads no
	 * environment: $RECONVENE_DATA is the front end's to resolve
	 * (tui/paths/data_dir.h, tests/check_paths.c), so a dataset it names
	 * is not picked up here.  CIFAR-10 is not in the default directory,
	 * so the load fails at once and names the directory it used. */
	const char *dir = new_dir("env");
	write_idx_set(dir, true, false, PAT_MAIN);
	setenv("RECONVENE_DATA", dir, 1);
	struct data_options opt = { .dir = NULL, .format = DATA_FORMAT_CIFAR10 };
	struct data_split ds;
	struct eng_err err;
	ck_assert_int_ne(data_load(&opt, &ds, &err), ENG_STATUS_OK);
	assert_msg_has(&err, DATA_DEFAULT_DIR);
	ck_assert_ptr_null(strstr(err.msg, dir));
	unsetenv("RECONVENE_DATA");
}
END_TEST

/* ---- corrupted IDX files ---------------------------------------------------- */

enum idx_bad {
	BAD_TRUNC_PLAIN, BAD_TRUNC_GZ, BAD_CUT_GZ, BAD_GZ_CRC, BAD_GZ_MIDDLE,
	BAD_GZ_HEADER, BAD_MAGIC_IMG, BAD_MAGIC_LAB, BAD_COUNT, BAD_LABEL,
	BAD_ZERO, BAD_DIM_BIG, BAD_DIM_ZERO, BAD_OVERFLOW, BAD_HUGE_CLAIM,
	BAD_TRAILING, BAD_EMPTY, BAD_SHORT_HDR, BAD_MISSING_LAB, BAD_TEST_DIMS,
	BAD_IS_DIR, BAD_TRUNC_LAB, BAD_PERM, BAD_COUNT_N
};

struct idx_bad_case {
	const char *file;       /* must appear in the message */
	enum eng_status st;
	const char *word;       /* must appear too (NULL: any wording) */
};

static const struct idx_bad_case idx_bad_cases[BAD_COUNT_N] = {
	[BAD_TRUNC_PLAIN] = { "train-images-idx3-ubyte", ENG_STATUS_EINVAL, "truncated" },
	[BAD_TRUNC_GZ] = { "train-images-idx3-ubyte.gz", ENG_STATUS_EINVAL, "truncated" },
	[BAD_CUT_GZ] = { "t10k-images-idx3-ubyte.gz", ENG_STATUS_EINVAL, "truncated" },
	[BAD_GZ_CRC] = { "train-images-idx3-ubyte.gz", ENG_STATUS_EINVAL, "corrupt" },
	[BAD_GZ_MIDDLE] = { "train-images-idx3-ubyte.gz", ENG_STATUS_EINVAL, NULL },
	[BAD_GZ_HEADER] = { "train-labels-idx1-ubyte.gz", ENG_STATUS_EINVAL, "gzip" },
	[BAD_MAGIC_IMG] = { "train-images-idx3-ubyte.gz", ENG_STATUS_EINVAL, "magic" },
	[BAD_MAGIC_LAB] = { "t10k-labels-idx1-ubyte.gz", ENG_STATUS_EINVAL, "magic" },
	[BAD_COUNT] = { "train-labels-idx1-ubyte.gz", ENG_STATUS_EINVAL, "49 labels for 50 images" },
	[BAD_LABEL] = { "t10k-labels-idx1-ubyte.gz", ENG_STATUS_EINVAL, "out of range" },
	[BAD_ZERO] = { "train-images-idx3-ubyte.gz", ENG_STATUS_EINVAL, "no images" },
	[BAD_DIM_BIG] = { "train-images-idx3-ubyte.gz", ENG_STATUS_EINVAL, "implausible" },
	[BAD_DIM_ZERO] = { "train-images-idx3-ubyte.gz", ENG_STATUS_EINVAL, "implausible" },
	[BAD_OVERFLOW] = { "train-images-idx3-ubyte.gz", ENG_STATUS_EINVAL, "implausible" },
	[BAD_HUGE_CLAIM] = { "train-images-idx3-ubyte.gz", ENG_STATUS_EINVAL, "truncated" },
	[BAD_TRAILING] = { "train-images-idx3-ubyte.gz", ENG_STATUS_EINVAL, "after the last" },
	[BAD_EMPTY] = { "train-images-idx3-ubyte", ENG_STATUS_EINVAL, "empty" },
	[BAD_SHORT_HDR] = { "train-images-idx3-ubyte.gz", ENG_STATUS_EINVAL, "header" },
	[BAD_MISSING_LAB] = { "train-labels-idx1-ubyte", ENG_STATUS_ENOENT, NULL },
	[BAD_TEST_DIMS] = { "t10k-images-idx3-ubyte.gz", ENG_STATUS_EINVAL, "training images" },
	[BAD_IS_DIR] = { "t10k-labels-idx1-ubyte.gz", ENG_STATUS_EIO, "directory" },
	[BAD_TRUNC_LAB] = { "train-labels-idx1-ubyte", ENG_STATUS_EINVAL, "truncated" },
	[BAD_PERM] = { "train-images-idx3-ubyte.gz", ENG_STATUS_EIO, "Permission denied" },
};

/* Flips one byte of dir/name at offset (negative: from the end). */
static void flip_byte(const char *dir, const char *name, long off)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	size_t len;
	uint8_t *b = read_whole(path, &len);
	size_t at = off < 0 ? len - (size_t)-off : (size_t)off;
	b[at] ^= 0x5a;
	write_bytes(dir, name, b, len, false);
	free(b);
}

START_TEST(test_idx_corrupt)
{
	const struct idx_bad_case *bc = &idx_bad_cases[_i];
	const char *dir = new_dir("bad");
	char path[1024];
	size_t len;
	uint8_t *b;
	write_idx_set(dir, true, true, PAT_MAIN);
	const char *ti = "train-images-idx3-ubyte";
	switch ((enum idx_bad)_i) {
	case BAD_TRUNC_PLAIN:
		snprintf(path, sizeof path, "%s/%s.gz", dir, ti);
		unlink(path);
		write_idx_images(dir, ti, false, IDX_IMG, N_TRAIN, ROWS, COLS,
				 N_TRAIN, PAT_MAIN, 5, 0);
		break;
	case BAD_TRUNC_GZ:
		write_idx_images(dir, ti, true, IDX_IMG, N_TRAIN, ROWS, COLS,
				 N_TRAIN - 1, PAT_MAIN, 0, 0);
		break;
	case BAD_CUT_GZ:
		/* Drop the gzip trailer and a little deflate data. */
		snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte.gz", dir);
		b = read_whole(path, &len);
		write_bytes(dir, "t10k-images-idx3-ubyte.gz", b, len - 12, false);
		free(b);
		break;
	case BAD_GZ_CRC:
		flip_byte(dir, "train-images-idx3-ubyte.gz", -6);
		break;
	case BAD_GZ_MIDDLE:
		snprintf(path, sizeof path, "%s/%s.gz", dir, ti);
		b = read_whole(path, &len);
		free(b);
		flip_byte(dir, "train-images-idx3-ubyte.gz", (long)len / 2);
		break;
	case BAD_GZ_HEADER:
		/* Gzip magic, then an unknown compression method. */
		b = (uint8_t[]){ 0x1f, 0x8b, 0x07, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3 };
		write_bytes(dir, "train-labels-idx1-ubyte.gz", b, 13, false);
		break;
	case BAD_MAGIC_IMG:
		write_idx_images(dir, ti, true, IDX_LAB, N_TRAIN, ROWS, COLS,
				 N_TRAIN, PAT_MAIN, 0, 0);
		break;
	case BAD_MAGIC_LAB:
		write_idx_labels(dir, "t10k-labels-idx1-ubyte", true, IDX_IMG,
				 N_TEST, N_TEST, -1, 0);
		break;
	case BAD_COUNT:
		write_idx_labels(dir, "train-labels-idx1-ubyte", true, IDX_LAB,
				 N_TRAIN - 1, N_TRAIN - 1, -1, 0);
		break;
	case BAD_LABEL:
		write_idx_labels(dir, "t10k-labels-idx1-ubyte", true, IDX_LAB,
				 N_TEST, N_TEST, 13, 0);
		break;
	case BAD_ZERO:
		write_idx_images(dir, ti, true, IDX_IMG, 0, ROWS, COLS, 0,
				 PAT_MAIN, 0, 0);
		write_idx_labels(dir, "train-labels-idx1-ubyte", true, IDX_LAB,
				 0, 0, -1, 0);
		break;
	case BAD_DIM_BIG:
		write_idx_images(dir, ti, true, IDX_IMG, N_TRAIN, 70000, 3, 0,
				 PAT_MAIN, 0, 0);
		break;
	case BAD_DIM_ZERO:
		write_idx_images(dir, ti, true, IDX_IMG, N_TRAIN, 0, COLS, 0,
				 PAT_MAIN, 0, 0);
		break;
	case BAD_OVERFLOW:
		/* 2^32-1 images of 4096x4096: 2^56 bytes, which would wrap a
		 * 32-bit product. */
		write_idx_images(dir, ti, true, IDX_IMG, 0xffffffffu, 4096, 4096,
				 0, PAT_MAIN, 0, 0);
		break;
	case BAD_HUGE_CLAIM:
		/* Within the limits (3.9 GB), but the file holds 50 images:
		 * the load must fail without allocating the claimed size. */
		write_idx_images(dir, ti, true, IDX_IMG, 5000000, 28, 28, N_TRAIN,
				 PAT_MAIN, 0, 0);
		write_idx_labels(dir, "train-labels-idx1-ubyte", true, IDX_LAB,
				 5000000, N_TRAIN, -1, 0);
		break;
	case BAD_TRAILING:
		write_idx_images(dir, ti, true, IDX_IMG, N_TRAIN, ROWS, COLS,
				 N_TRAIN, PAT_MAIN, 0, 3);
		break;
	case BAD_EMPTY:
		snprintf(path, sizeof path, "%s/%s.gz", dir, ti);
		unlink(path);
		write_bytes(dir, ti, NULL, 0, false);
		break;
	case BAD_SHORT_HDR:
		write_idx_images(dir, ti, true, IDX_IMG, N_TRAIN, ROWS, COLS, 0,
				 PAT_MAIN, 6, 0);
		break;
	case BAD_MISSING_LAB:
		snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte.gz", dir);
		ck_assert_int_eq(unlink(path), 0);
		break;
	case BAD_TEST_DIMS:
		write_idx_images(dir, "t10k-images-idx3-ubyte", true, IDX_IMG,
				 N_TEST, ROWS + 1, COLS, N_TEST, PAT_MAIN, 0, 0);
		break;
	case BAD_IS_DIR:
		snprintf(path, sizeof path, "%s/t10k-labels-idx1-ubyte.gz", dir);
		ck_assert_int_eq(unlink(path), 0);
		ck_assert_int_eq(mkdir(path, 0755), 0);
		break;
	case BAD_TRUNC_LAB:
		snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte.gz", dir);
		unlink(path);
		write_idx_labels(dir, "train-labels-idx1-ubyte", false, IDX_LAB,
				 N_TRAIN, N_TRAIN, -1, 1);
		break;
	case BAD_PERM:
		if (geteuid() == 0) {
			/* root reads anything; nothing to test. */
			printf("check_data: running as root, skipping the "
			       "unreadable-file case\n");
			return;
		}
		snprintf(path, sizeof path, "%s/%s.gz", dir, ti);
		ck_assert_int_eq(chmod(path, 0), 0);
		break;
	case BAD_COUNT_N:
		break;
	}
	struct data_split ds;
	struct eng_err err;
	enum eng_status st = load_dir(dir, DATA_FORMAT_AUTO, 0, &ds, &err);
	if (getenv("CHECK_DATA_VERBOSE"))
		printf("check_data: case %d: %s\n", _i, err.msg);
	ck_assert_msg(st == bc->st, "case %d: status %d (%s), expected %d",
		      _i, (int)st, err.msg, (int)bc->st);
	assert_msg_has(&err, bc->file);
	if (bc->word)
		assert_msg_has(&err, bc->word);
	ck_assert_msg(strchr(err.msg, '\n') == NULL, "multi-line message");
	ck_assert(split_empty(&ds));
	data_split_done(&ds); /* harmless after a failed load */
}
END_TEST

/* ---- corrupted CIFAR files --------------------------------------------------- */

enum cifar_bad {
	CBAD_SIZE, CBAD_LABEL, CBAD_EMPTY, CBAD_MISSING, CBAD_IS_DIR,
	CBAD_COUNT_N
};

static const struct idx_bad_case cifar_bad_cases[CBAD_COUNT_N] = {
	[CBAD_SIZE] = { "data_batch_2.bin", ENG_STATUS_EINVAL, "multiple of" },
	[CBAD_LABEL] = { "data_batch_3.bin", ENG_STATUS_EINVAL, "out of range" },
	[CBAD_EMPTY] = { "test_batch.bin", ENG_STATUS_EINVAL, "empty" },
	[CBAD_MISSING] = { "data_batch_4.bin", ENG_STATUS_ENOENT, NULL },
	[CBAD_IS_DIR] = { "test_batch.bin", ENG_STATUS_EIO, NULL },
};

START_TEST(test_cifar_corrupt)
{
	const struct idx_bad_case *bc = &cifar_bad_cases[_i];
	const char *dir = new_dir("cbad");
	char path[1024];
	write_cifar_set(dir);
	switch ((enum cifar_bad)_i) {
	case CBAD_SIZE:
		write_cifar_file(dir, "data_batch_2.bin", 3, 1, -1, 1);
		break;
	case CBAD_LABEL:
		write_cifar_file(dir, "data_batch_3.bin", 4, 2, 1, 0);
		break;
	case CBAD_EMPTY:
		write_bytes(dir, "test_batch.bin", NULL, 0, false);
		break;
	case CBAD_MISSING:
		snprintf(path, sizeof path, "%s/data_batch_4.bin", dir);
		ck_assert_int_eq(unlink(path), 0);
		break;
	case CBAD_IS_DIR:
		snprintf(path, sizeof path, "%s/test_batch.bin", dir);
		ck_assert_int_eq(unlink(path), 0);
		ck_assert_int_eq(mkdir(path, 0755), 0);
		break;
	case CBAD_COUNT_N:
		break;
	}
	struct data_split ds;
	struct eng_err err;
	enum eng_status st = load_dir(dir, DATA_FORMAT_AUTO, 0, &ds, &err);
	if (getenv("CHECK_DATA_VERBOSE"))
		printf("check_data: case %d: %s\n", _i, err.msg);
	ck_assert_msg(st == bc->st, "case %d: status %d (%s), expected %d",
		      _i, (int)st, err.msg, (int)bc->st);
	assert_msg_has(&err, bc->file);
	if (bc->word)
		assert_msg_has(&err, bc->word);
	ck_assert(split_empty(&ds));
}
END_TEST

/* ---- validation slice and statistics ----------------------------------------- */

static void naive_stats(const struct dataset *d, int c, double *mean, double *std)
{
	size_t plane = (size_t)d->shape.h * d->shape.w, sz = shape_size(d->shape);
	double s = 0, s2 = 0, cnt = (double)d->n * plane;
	for (int i = 0; i < d->n; i++)
		for (size_t k = 0; k < plane; k++)
			s += d->pixels[i * sz + c * plane + k] / 255.0;
	*mean = s / cnt;
	for (int i = 0; i < d->n; i++)
		for (size_t k = 0; k < plane; k++) {
			double v = d->pixels[i * sz + c * plane + k] / 255.0 - *mean;
			s2 += v * v;
		}
	*std = sqrt(s2 / cnt);
}

START_TEST(test_val_slice)
{
	const char *dir = new_dir("val");
	write_idx_set(dir, true, true, PAT_MAIN);
	struct data_split ds;
	struct eng_err err;
	ck_assert_int_eq(load_dir(dir, DATA_FORMAT_IDX, 7, &ds, &err), ENG_STATUS_OK);
	check_idx_set(&ds.train, N_TRAIN - 7, 0, PAT_MAIN);
	check_idx_set(&ds.val, 7, N_TRAIN - 7, PAT_MAIN);
	check_idx_set(&ds.test, N_TEST, 0, PAT_MAIN);
	/* Statistics from the 43 remaining training images only. */
	double mean, std;
	naive_stats(&ds.train, 0, &mean, &std);
	ck_assert_double_eq_tol(ds.mean[0], mean, 1e-6);
	ck_assert_double_eq_tol(ds.std[0], std, 1e-6);
	for (int c = 1; c < DATA_MAX_CHANNELS; c++) {
		ck_assert_float_eq(ds.mean[c], ds.mean[0]);
		ck_assert_float_eq(ds.std[c], ds.std[0]);
	}
	data_split_done(&ds);

	ck_assert_int_eq(load_dir(dir, DATA_FORMAT_IDX, 0, &ds, &err), ENG_STATUS_OK);
	double mean_all, std_all;
	naive_stats(&ds.train, 0, &mean_all, &std_all);
	ck_assert_double_eq_tol(ds.mean[0], mean_all, 1e-6);
	/* The slice moved the mean, so it really was left out. */
	ck_assert(fabs(mean_all - mean) > 1e-4);
	data_split_done(&ds);

	ck_assert_int_eq(load_dir(dir, DATA_FORMAT_IDX, N_TRAIN - 1, &ds, &err),
			 ENG_STATUS_OK);
	ck_assert_int_eq(ds.train.n, 1);
	ck_assert_int_eq(ds.val.n, N_TRAIN - 1);
	data_split_done(&ds);

	ck_assert_int_eq(load_dir(dir, DATA_FORMAT_IDX, N_TRAIN, &ds, &err),
			 ENG_STATUS_EINVAL);
	assert_msg_has(&err, "validation");
	ck_assert(split_empty(&ds));
	ck_assert_int_eq(load_dir(dir, DATA_FORMAT_IDX, -1, &ds, &err),
			 ENG_STATUS_EINVAL);
	ck_assert(split_empty(&ds));
}
END_TEST

START_TEST(test_stats)
{
	struct data_split ds;
	struct eng_err err;
	const char *dir = new_dir("cstats");
	write_cifar_set(dir);
	ck_assert_int_eq(load_dir(dir, DATA_FORMAT_CIFAR10, 2, &ds, &err), ENG_STATUS_OK);
	ck_assert_int_eq(ds.train.n, 10);
	check_cifar_set(&ds.val, 2, 10);
	for (int c = 0; c < 3; c++) {
		double mean, std;
		naive_stats(&ds.train, c, &mean, &std);
		ck_assert_double_eq_tol(ds.mean[c], mean, 1e-6);
		ck_assert_double_eq_tol(ds.std[c], std, 1e-6);
	}
	ck_assert(ds.mean[0] != ds.mean[1] && ds.mean[1] != ds.mean[2]);
	data_split_done(&ds);

	/* A constant image set must not produce a zero std. */
	const char *cdir = new_dir("const");
	write_idx_set(cdir, true, true, PAT_CONST);
	ck_assert_int_eq(load_dir(cdir, DATA_FORMAT_IDX, 0, &ds, &err), ENG_STATUS_OK);
	ck_assert_double_eq_tol(ds.mean[0], 7.0 / 255, 1e-7);
	ck_assert_float_eq(ds.std[0], 1.0f);
	data_split_done(&ds);
}
END_TEST

/* ---- batch adaptation ---------------------------------------------------------- */

START_TEST(test_fill_by_hand)
{
	uint8_t px[4] = { 0, 51, 255, 128 };
	int32_t lab[1] = { 0 };
	struct data_split sp = { .mean = { 0.2f, 0.2f, 0.2f },
				 .std = { 0.4f, 0.4f, 0.4f } };
	struct dataset d = { .n = 1, .shape = { 1, 2, 2 }, .classes = 10,
			     .pixels = px, .labels = lab };
	int32_t idx[1] = { 0 };
	float out[3 * 4 * 4];
	/* (x/255 - 0.2) / 0.4 */
	const float want[4] = { -0.5f, 0.0f, 2.0f,
				(float)((128.0 / 255 - 0.2) / 0.4) };
	data_batch_fill(&sp, &d, idx, 1, (struct shape){ 1, 2, 2 }, NULL, NULL, out);
	for (int k = 0; k < 4; k++)
		ck_assert_float_eq_tol(out[k], want[k], 1e-6);
	/* 1 -> 3 channels: the same plane three times. */
	data_batch_fill(&sp, &d, idx, 1, (struct shape){ 3, 2, 2 }, NULL, NULL, out);
	for (int c = 0; c < 3; c++)
		for (int k = 0; k < 4; k++)
			ck_assert_float_eq_tol(out[c * 4 + k], want[k], 1e-6);
	/* 2x2 -> 4x4: image at (1, 1), black padding normalised: -0.5. */
	data_batch_fill(&sp, &d, idx, 1, (struct shape){ 1, 4, 4 }, NULL, NULL, out);
	for (int y = 0; y < 4; y++)
		for (int x = 0; x < 4; x++) {
			bool in = y >= 1 && y < 3 && x >= 1 && x < 3;
			float w = in ? want[(y - 1) * 2 + (x - 1)] : -0.5f;
			ck_assert_float_eq_tol(out[y * 4 + x], w, 1e-6);
		}
	/* Flip alone on a 1x2x3 row pair: the first sample whose draw is 1
	 * must be the mirror image. */
	uint8_t px2[6] = { 0, 51, 102, 153, 204, 255 };
	struct dataset d2 = { .n = 1, .shape = { 1, 2, 3 }, .classes = 10,
			      .pixels = px2, .labels = lab };
	struct data_augment aug = { .flip = true };
	struct rng r, probe;
	rng_seed(&r, 3);
	int seen[2] = { 0, 0 };
	for (int t = 0; t < 32; t++) {
		probe = r;
		bool fl = rng_below(&probe, 2) != 0;
		data_batch_fill(&sp, &d2, idx, 1, (struct shape){ 1, 2, 3 }, &aug, &r, out);
		ck_assert_mem_eq(&probe.s, &r.s, sizeof r.s);
		for (int y = 0; y < 2; y++)
			for (int x = 0; x < 3; x++) {
				int sx = fl ? 2 - x : x;
				double v = (px2[y * 3 + sx] / 255.0 - 0.2) / 0.4;
				ck_assert_float_eq_tol(out[y * 3 + x], v, 1e-6);
			}
		seen[fl]++;
	}
	ck_assert(seen[0] > 0 && seen[1] > 0);
}
END_TEST

/* The definition in data.h, one pixel at a time, in double. */
static double ref_pixel(const struct data_split *sp, const struct dataset *d,
			int i, struct shape t, int c, int y, int x, int cy,
			int cx, bool fl)
{
	struct shape s = d->shape;
	int oy = t.h >= s.h ? (t.h - s.h) / 2 : -((s.h - t.h) / 2);
	int ox = t.w >= s.w ? (t.w - s.w) / 2 : -((s.w - t.w) / 2);
	int xf = fl ? t.w - 1 - x : x;
	int sy = y + cy - oy, sx = xf + cx - ox;
	bool in = sy >= 0 && sy < s.h && sx >= 0 && sx < s.w;
	const uint8_t *p = d->pixels + (size_t)i * shape_size(s);
	double raw, mean, std;
	if (s.c == t.c || s.c == 1) {
		int sc = s.c == 1 ? 0 : c;
		raw = in ? p[(sc * s.h + sy) * s.w + sx] : 0;
		mean = sp->mean[sc];
		std = sp->std[sc];
	} else {
		raw = mean = std = 0;
		for (int k = 0; k < s.c; k++) {
			raw += in ? p[(k * s.h + sy) * s.w + sx] : 0;
			mean += sp->mean[k];
			std += sp->std[k];
		}
		raw /= s.c;
		mean /= s.c;
		std /= s.c;
	}
	return (raw / 255.0 - mean) / std;
}

/* Fills a batch of 9 samples with each augmentation setting and compares
 * every value with ref_pixel, replaying the documented rng draws. */
static void check_fill(const struct data_split *sp, const struct dataset *d,
		       struct shape t)
{
	enum { N = 9, GUARD = 8 };
	int32_t idx[N];
	for (int k = 0; k < N; k++)
		idx[k] = (k * 7 + 2) % d->n;
	size_t tsz = shape_size(t);
	float *out = malloc((N * tsz + GUARD) * sizeof *out);
	ck_assert_ptr_nonnull(out);
	for (int mode = 0; mode < 4; mode++) {
		struct data_augment aug = { .crop = mode & 1, .flip = mode & 2 };
		struct rng r, replay;
		rng_seed(&r, 100 + mode);
		replay = r;
		for (int g = 0; g < GUARD; g++)
			out[N * tsz + g] = 12345.0f;
		data_batch_fill(sp, d, idx, N, t, mode ? &aug : NULL, &r, out);
		for (int g = 0; g < GUARD; g++)
			ck_assert_float_eq(out[N * tsz + g], 12345.0f);
		int shifts = 0;
		for (int k = 0; k < N; k++) {
			int cy = 0, cx = 0;
			bool fl = false;
			if (aug.crop) {
				cy = (int)rng_below(&replay, 9) - 4;
				cx = (int)rng_below(&replay, 9) - 4;
				shifts += cy != 0 || cx != 0;
			}
			if (aug.flip)
				fl = rng_below(&replay, 2) != 0;
			for (int c = 0; c < t.c; c++)
				for (int y = 0; y < t.h; y++)
					for (int x = 0; x < t.w; x++) {
						double want = ref_pixel(sp, d, idx[k], t, c,
									y, x, cy, cx, fl);
						float got = out[k * tsz + ((size_t)c * t.h + y) *
								t.w + x];
						/* ck_assert per pixel is slow (it
						 * reports a checkpoint each time). */
						if (fabs(got - want) >
						    1e-5 * (1 + fabs(want)))
							ck_abort_msg("shape %dx%dx%d mode %d sample %d "
							      "(%d,%d,%d): %g != %g", t.c, t.h,
							      t.w, mode, k, c, y, x,
							      (double)got, want);
					}
		}
		if (aug.crop)
			ck_assert_int_gt(shifts, 0);
		ck_assert_mem_eq(&replay.s, &r.s, sizeof r.s);
	}
	free(out);
}

START_TEST(test_fill_gray)
{
	struct data_options opt = { .format = DATA_FORMAT_SYNTHETIC,
				    .synthetic_seed = 4, .synthetic_train = 40,
				    .synthetic_test = 10 };
	struct data_split ds;
	struct eng_err err;
	ck_assert_int_eq(data_load(&opt, &ds, &err), ENG_STATUS_OK);
	const struct shape targets[] = {
		{ 1, 28, 28 }, { 1, 32, 32 }, { 3, 32, 32 }, { 1, 24, 24 },
		{ 3, 31, 33 }, { 1, 20, 29 }, { 2, 27, 30 }, { 1, 4, 40 },
	};
	for (size_t k = 0; k < sizeof targets / sizeof targets[0]; k++) {
		ck_assert_int_eq(data_adapt_check(&ds.train, targets[k], &err),
				 ENG_STATUS_OK);
		check_fill(&ds, &ds.train, targets[k]);
	}
	check_fill(&ds, &ds.test, (struct shape){ 3, 32, 32 });

	/* 28 -> 32: image at offset (2, 2), border = normalised black. */
	float out[3 * 32 * 32];
	int32_t idx[1] = { 5 };
	data_batch_fill(&ds, &ds.train, idx, 1, (struct shape){ 3, 32, 32 },
			NULL, NULL, out);
	double pad = -ds.mean[0] / ds.std[0];
	const uint8_t *p = ds.train.pixels + 5 * 784;
	for (int c = 0; c < 3; c++)
		for (int y = 0; y < 32; y++)
			for (int x = 0; x < 32; x++) {
				bool in = y >= 2 && y < 30 && x >= 2 && x < 30;
				double want = in ? (p[(y - 2) * 28 + x - 2] / 255.0 -
						    ds.mean[0]) / ds.std[0] : pad;
				if (fabs(out[(c * 32 + y) * 32 + x] - want) > 1e-5)
					ck_abort_msg("28->32 at (%d,%d,%d)", c, y, x);
			}
	data_split_done(&ds);
}
END_TEST

START_TEST(test_fill_rgb)
{
	const char *dir = new_dir("crgb");
	write_cifar_set(dir);
	struct data_split ds;
	struct eng_err err;
	ck_assert_int_eq(load_dir(dir, DATA_FORMAT_CIFAR10, 0, &ds, &err), ENG_STATUS_OK);
	const struct shape targets[] = {
		{ 3, 32, 32 }, { 1, 32, 32 }, { 3, 28, 28 }, { 1, 36, 30 },
	};
	for (size_t k = 0; k < sizeof targets / sizeof targets[0]; k++)
		check_fill(&ds, &ds.train, targets[k]);
	ck_assert_int_eq(data_adapt_check(&ds.train, (struct shape){ 2, 32, 32 }, &err),
			 ENG_STATUS_EINVAL);
	assert_msg_has(&err, "channel");
	ck_assert_int_eq(data_adapt_check(&ds.train, (struct shape){ 3, 0, 32 }, &err),
			 ENG_STATUS_EINVAL);
	data_split_done(&ds);
}
END_TEST

/* ---- synthetic ------------------------------------------------------------------ */

START_TEST(test_synthetic)
{
	struct data_options opt = { .format = DATA_FORMAT_SYNTHETIC,
				    .synthetic_seed = 5 };
	struct data_split a, b;
	struct eng_err err;
	ck_assert_int_eq(data_load(&opt, &a, &err), ENG_STATUS_OK);
	ck_assert_int_eq(a.train.n, 2000);
	ck_assert_int_eq(a.test.n, 500);
	ck_assert_int_eq(a.train.shape.c, 1);
	ck_assert_int_eq(a.train.shape.h, 28);
	ck_assert_int_eq(a.train.shape.w, 28);
	ck_assert_int_eq(a.train.classes, 10);
	ck_assert(a.synthetic);
	ck_assert_str_eq(a.name, "synthetic");
	ck_assert_ptr_nonnull(strstr(a.source, "seed 5"));
	int count[10] = { 0 };
	for (int i = 0; i < a.train.n; i++) {
		ck_assert(a.train.labels[i] >= 0 && a.train.labels[i] < 10);
		count[a.train.labels[i]]++;
	}
	for (int k = 0; k < 10; k++)
		ck_assert_int_eq(count[k], 200);
	ck_assert(a.std[0] > 0.1f && a.std[0] < 0.6f);

	/* Same seed, same bytes. */
	ck_assert_int_eq(data_load(&opt, &b, &err), ENG_STATUS_OK);
	ck_assert_mem_eq(a.train.pixels, b.train.pixels, 2000 * 784);
	ck_assert_mem_eq(a.test.pixels, b.test.pixels, 500 * 784);
	ck_assert_mem_eq(a.train.labels, b.train.labels, 2000 * sizeof(int32_t));
	data_split_done(&b);

	/* Another seed, other bytes. */
	opt.synthetic_seed = 6;
	ck_assert_int_eq(data_load(&opt, &b, &err), ENG_STATUS_OK);
	ck_assert(memcmp(a.train.pixels, b.train.pixels, 2000 * 784) != 0);
	ck_assert(memcmp(a.test.pixels, b.test.pixels, 500 * 784) != 0);
	data_split_done(&b);

	/* The test set does not depend on the training size. */
	opt.synthetic_seed = 5;
	opt.synthetic_train = 100;
	ck_assert_int_eq(data_load(&opt, &b, &err), ENG_STATUS_OK);
	ck_assert_int_eq(b.train.n, 100);
	ck_assert_mem_eq(a.train.pixels, b.train.pixels, 100 * 784);
	ck_assert_mem_eq(a.test.pixels, b.test.pixels, 500 * 784);
	data_split_done(&b);

	/* Nearest class mean on raw pixels: a crude check that the classes
	 * are told apart by their pictures (chance is 10 %). */
	double means[10][784] = { { 0 } };
	for (int i = 0; i < a.train.n; i++)
		for (int k = 0; k < 784; k++)
			means[a.train.labels[i]][k] += a.train.pixels[i * 784 + k] / 200.0;
	int right = 0;
	for (int i = 0; i < a.test.n; i++) {
		int best = 0;
		double best_d = INFINITY;
		for (int c = 0; c < 10; c++) {
			double dist = 0;
			for (int k = 0; k < 784; k++) {
				double v = a.test.pixels[i * 784 + k] - means[c][k];
				dist += v * v;
			}
			if (dist < best_d) {
				best_d = dist;
				best = c;
			}
		}
		right += best == a.test.labels[i];
	}
	ck_assert_int_gt(right, a.test.n / 2);
	data_split_done(&a);

	opt.synthetic_train = -3;
	ck_assert_int_eq(data_load(&opt, &b, &err), ENG_STATUS_EINVAL);
	ck_assert(split_empty(&b));
	opt.synthetic_train = 10;
	opt.val_count = 10;
	ck_assert_int_eq(data_load(&opt, &b, &err), ENG_STATUS_EINVAL);
	ck_assert(split_empty(&b));
}
END_TEST

/* ---- the real Fashion-MNIST --------------------------------------------------------- */

START_TEST(test_fashion_mnist)
{
	struct stat st;
	if (stat(DATA_DEFAULT_DIR, &st) != 0) {
		printf("check_data: %s not found (Debian package dataset-fashion-"
		       "mnist); skipping the real-data test\n", DATA_DEFAULT_DIR);
		return;
	}
	struct data_options opt = { .dir = DATA_DEFAULT_DIR,
				    .format = DATA_FORMAT_AUTO };
	struct data_split ds;
	struct eng_err err;
	enum eng_status s = data_load(&opt, &ds, &err);
	ck_assert_msg(s == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_str_eq(ds.name, "fashion-mnist");
	ck_assert_int_eq(ds.train.n, 60000);
	ck_assert_int_eq(ds.test.n, 10000);
	ck_assert_int_eq(ds.train.classes, 10);
	ck_assert(shape_equal(ds.train.shape, (struct shape){ 1, 28, 28 }));
	int train_count[10] = { 0 }, test_count[10] = { 0 };
	for (int i = 0; i < ds.train.n; i++)
		train_count[ds.train.labels[i]]++;
	for (int i = 0; i < ds.test.n; i++)
		test_count[ds.test.labels[i]]++;
	for (int c = 0; c < 10; c++) {
		ck_assert_int_eq(train_count[c], 6000);
		ck_assert_int_eq(test_count[c], 1000);
	}
	/* Published: mean 0.2860, std 0.3530. */
	ck_assert_msg(ds.mean[0] > 0.283f && ds.mean[0] < 0.289f, "mean %g",
		      (double)ds.mean[0]);
	ck_assert_msg(ds.std[0] > 0.350f && ds.std[0] < 0.356f, "std %g",
		      (double)ds.std[0]);
	data_split_done(&ds);
}
END_TEST

/* ---- .npy datasets ---------------------------------------------------------- */

/* An .npy file in dir: rank 1 to 4 (later dims 0 = absent). */
static void npy_put(const char *dir, const char *name, enum npy_dtype t,
		    const void *data, size_t d0, size_t d1, size_t d2, size_t d3)
{
	char path[1024];
	size_t dims[4] = { d0, d1, d2, d3 };
	int rank = d3 ? 4 : d2 ? 3 : d1 ? 2 : 1;
	struct eng_err err;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	ck_assert_msg(npy_write(path, t, rank, dims, data, &err) == ENG_STATUS_OK,
		      "%s", err.msg);
}

#define NPY_TR 12
#define NPY_TE 5
#define NPY_H 6
#define NPY_W 7

/* Sample i, channel c, pixel (y, x) of the .npy pattern. */
static uint8_t npy_pix(int i, int c, int y, int x)
{
	return pix_value(PAT_MAIN, i, c, y, x);
}

/* Images of n samples of c channels, NCHW (or NHWC), as bytes or floats
 * (the float value is the byte value: the two load paths must agree). */
static void *npy_images(int first, int n, int c, bool nhwc, bool f32)
{
	size_t count = (size_t)n * c * NPY_H * NPY_W;
	uint8_t *b = malloc(count);
	float *f = malloc(count * sizeof *f);
	ck_assert(b && f);
	size_t k = 0;
	for (int i = 0; i < n; i++)
		for (int a = 0; a < (nhwc ? NPY_H : c); a++)
			for (int y = 0; y < (nhwc ? NPY_W : NPY_H); y++)
				for (int x = 0; x < (nhwc ? c : NPY_W); x++, k++) {
					uint8_t v = nhwc ? npy_pix(first + i, x, a, y) :
							   npy_pix(first + i, a, y, x);
					b[k] = v;
					f[k] = v;
				}
	if (f32) {
		free(b);
		return f;
	}
	free(f);
	return b;
}

/* A whole .npy dataset with c channels; labels int64 label_value(i). */
static char *npy_set_write(const char *stem, int c, bool nhwc, bool f32,
			   enum npy_dtype lt)
{
	char *dir = new_dir(stem);
	enum npy_dtype it = f32 ? NPY_DTYPE_F32 : NPY_DTYPE_U8;
	for (int s = 0; s < 2; s++) {
		int n = s ? NPY_TE : NPY_TR, first = s ? 1000 : 0;
		void *im = npy_images(first, n, c, nhwc, f32);
		if (c == 1 && nhwc) /* stands for rank 3 (N, H, W) */
			npy_put(dir, s ? "test_images.npy" : "train_images.npy", it, im,
				(size_t)n, NPY_H, NPY_W, 0);
		else if (nhwc)
			npy_put(dir, s ? "test_images.npy" : "train_images.npy", it, im,
				(size_t)n, NPY_H, NPY_W, (size_t)c);
		else
			npy_put(dir, s ? "test_images.npy" : "train_images.npy", it, im,
				(size_t)n, (size_t)c, NPY_H, NPY_W);
		free(im);
		int64_t l64[NPY_TR];
		int32_t l32[NPY_TR];
		uint8_t l8[NPY_TR];
		for (int i = 0; i < n; i++) {
			l64[i] = label_value(first + i) % 6;
			l32[i] = (int32_t)l64[i];
			l8[i] = (uint8_t)l64[i];
		}
		const void *lab = lt == NPY_DTYPE_I64 ? (const void *)l64 :
				  lt == NPY_DTYPE_I32 ? (const void *)l32 : (const void *)l8;
		npy_put(dir, s ? "test_labels.npy" : "train_labels.npy", lt, lab,
			(size_t)n, 0, 0, 0);
	}
	return dir;
}

/* Loads of every layout and dtype hold the pattern, CHW per sample. */
START_TEST(test_npy_load)
{
	static const struct { int c; bool nhwc, f32; enum npy_dtype lt; } v[] = {
		{ 3, false, false, NPY_DTYPE_I64 }, { 3, true, false, NPY_DTYPE_I32 },
		{ 1, true, true, NPY_DTYPE_U8 }, { 2, false, true, NPY_DTYPE_I64 },
		{ 1, false, false, NPY_DTYPE_I64 }, { 3, true, true, NPY_DTYPE_I64 },
	};
	char *dir = npy_set_write("mine", v[_i].c, v[_i].nhwc, v[_i].f32, v[_i].lt);
	struct data_split ds;
	struct eng_err err;
	ck_assert_msg(load_dir(dir, DATA_FORMAT_AUTO, 0, &ds, &err) == ENG_STATUS_OK,
		      "%s", err.msg);
	ck_assert_msg(strncmp(ds.name, "mine.", 5) == 0, "name %s", ds.name);
	ck_assert_str_eq(ds.source, dir);
	for (int s = 0; s < 2; s++) {
		const struct dataset *d = s ? &ds.test : &ds.train;
		int first = s ? 1000 : 0;
		ck_assert_int_eq(d->n, s ? NPY_TE : NPY_TR);
		ck_assert(shape_equal(d->shape, (struct shape){ v[_i].c, NPY_H, NPY_W }));
		ck_assert_int_eq(d->classes, 6);
		ck_assert(v[_i].f32 ? d->values && !d->pixels : d->pixels && !d->values);
		int bad = 0;
		for (int i = 0; i < d->n; i++) {
			bad += d->labels[i] != label_value(first + i) % 6;
			for (int c = 0; c < v[_i].c; c++)
				for (int y = 0; y < NPY_H; y++)
					for (int x = 0; x < NPY_W; x++) {
						size_t k = (((size_t)i * v[_i].c + c) * NPY_H + y) *
							   NPY_W + x;
						double got = d->values ? d->values[k] : d->pixels[k];
						bad += got != npy_pix(first + i, c, y, x);
					}
		}
		ck_assert_int_eq(bad, 0);
	}
	data_split_done(&ds);
}
END_TEST

/* Float samples: statistics in their own units, the validation slice,
 * and batches equal to the same images as bytes (whose fill the tests
 * above hold to a per-pixel reference), for every adaptation and
 * augmentation. */
START_TEST(test_npy_float_matches_bytes)
{
	for (int c = 1; c <= 3; c += 2) {
		char *db = npy_set_write("bytes", c, false, false, NPY_DTYPE_I64);
		char *df = npy_set_write("floats", c, false, true, NPY_DTYPE_I64);
		struct data_split b, f;
		struct eng_err err;
		ck_assert_int_eq(load_dir(db, DATA_FORMAT_NPY, 3, &b, &err), ENG_STATUS_OK);
		ck_assert_int_eq(load_dir(df, DATA_FORMAT_NPY, 3, &f, &err), ENG_STATUS_OK);
		ck_assert_int_eq(f.val.n, 3);
		ck_assert_ptr_nonnull(f.val.values);
		ck_assert_int_eq(f.train.n, NPY_TR - 3);
		for (int k = 0; k < c; k++) {
			double mean, std;
			naive_stats(&b.train, k, &mean, &std);
			ck_assert_double_eq_tol(f.mean[k], 255.0 * mean, 1e-3);
			ck_assert_double_eq_tol(f.std[k], 255.0 * std, 1e-3);
		}
		struct shape targets[] = { { 3, 8, 9 }, { 1, 4, 5 }, { c, NPY_H, NPY_W } };
		int32_t idx[NPY_TR];
		for (int i = 0; i < NPY_TR; i++)
			idx[i] = (i * 5) % (NPY_TR - 3);
		for (int t = 0; t < 3; t++) {
			for (int a = 0; a < 4; a++) {
				struct data_augment aug = { a & 1, (a >> 1) & 1 };
				struct rng r1, r2;
				rng_seed(&r1, 42);
				rng_seed(&r2, 42);
				size_t sz = shape_size(targets[t]) * 6;
				float *ob = malloc(sz * sizeof *ob), *of = malloc(sz * sizeof *of);
				data_batch_fill(&b, &b.train, idx, 6, targets[t], &aug, &r1, ob);
				data_batch_fill(&f, &f.train, idx, 6, targets[t], &aug, &r2, of);
				double worst = 0;
				for (size_t k = 0; k < sz; k++)
					worst = fmax(worst, fabs((double)ob[k] - of[k]));
				ck_assert_msg(worst < 1e-4, "c %d target %d aug %d: %g", c, t, a,
					      worst);
				free(ob);
				free(of);
			}
		}
		/* The validation split fills like the training one. */
		float vb[3 * 3 * NPY_H * NPY_W], vf[3 * 3 * NPY_H * NPY_W];
		int32_t vi[3] = { 0, 1, 2 };
		struct shape tv = { c, NPY_H, NPY_W };
		data_batch_fill(&b, &b.val, vi, 3, tv, NULL, NULL, vb);
		data_batch_fill(&f, &f.val, vi, 3, tv, NULL, NULL, vf);
		for (size_t k = 0; k < 3 * shape_size(tv); k++)
			ck_assert_float_eq_tol(vb[k], vf[k], 1e-4);
		/* The dataset's bytes: the floats' for a float set. */
		size_t len;
		ck_assert_ptr_eq(data_set_bytes(&f.test, &len), f.test.values);
		ck_assert_uint_eq(len, (size_t)NPY_TE * c * NPY_H * NPY_W * sizeof(float));
		ck_assert_ptr_eq(data_set_bytes(&b.test, &len), b.test.pixels);
		ck_assert_uint_eq(len, (size_t)NPY_TE * c * NPY_H * NPY_W);
		data_split_done(&b);
		data_split_done(&f);
	}
}
END_TEST

/* Channel counts the models cannot take are refused before training. */
START_TEST(test_npy_adapt)
{
	char *dir = npy_set_write("two", 2, false, false, NPY_DTYPE_I64);
	struct data_split ds;
	struct eng_err err;
	ck_assert_int_eq(load_dir(dir, DATA_FORMAT_AUTO, 0, &ds, &err), ENG_STATUS_OK);
	ck_assert_int_eq(data_adapt_check(&ds.train, (struct shape){ 3, 32, 32 }, &err),
			 ENG_STATUS_EINVAL);
	assert_msg_has(&err, "cannot adapt 2-channel images to a 3-channel model input");
	ck_assert_int_eq(data_adapt_check(&ds.train, (struct shape){ 1, 32, 32 }, &err),
			 ENG_STATUS_OK);
	data_split_done(&ds);
}
END_TEST

/* What each bad case changes in a good uint8 NCHW set. */
enum npy_bad {
	NB_COUNT, NB_LABEL_RANK, NB_IMAGE_RANK, NB_NEGATIVE, NB_TOO_LARGE,
	NB_TEST_RANGE, NB_FLOAT_LABELS, NB_INT_IMAGES, NB_FOUR_CHANNELS,
	NB_NAN, NB_TEST_SHAPE, NB_MIXED, NB_NO_TEST_LABELS, NB_EMPTY,
	NB_NOT_NPY, NB_COUNT_N
};

static const struct {
	const char *file;      /* named in the message */
	enum eng_status st;
	const char *want;
} npy_bad_cases[NB_COUNT_N] = {
	[NB_COUNT] = { "train_labels.npy", ENG_STATUS_EINVAL, "11 labels for 12 images" },
	[NB_LABEL_RANK] = { "train_labels.npy", ENG_STATUS_EINVAL, "labels of shape (12, 1): want one label per image" },
	[NB_IMAGE_RANK] = { "train_images.npy", ENG_STATUS_EINVAL, "images of shape (12, 42): want rank 4" },
	[NB_NEGATIVE] = { "train_labels.npy", ENG_STATUS_EINVAL, "label -1 of sample 4 is out of range (0 to 65535)" },
	[NB_TOO_LARGE] = { "train_labels.npy", ENG_STATUS_EINVAL, "label 70000 of sample 4 is out of range" },
	[NB_TEST_RANGE] = { "test_labels.npy", ENG_STATUS_EINVAL, "label 9 of sample 2 is out of range (the training labels have 6 classes, 0 to 5)" },
	[NB_FLOAT_LABELS] = { "train_labels.npy", ENG_STATUS_EINVAL, "labels must be integers (int64, int32 or uint8), not float32" },
	[NB_INT_IMAGES] = { "train_images.npy", ENG_STATUS_EINVAL, "images must be uint8 or float32, not int32" },
	[NB_FOUR_CHANNELS] = { "train_images.npy", ENG_STATUS_EINVAL, "neither axis 1 (NCHW) nor axis 3 (NHWC) is a channel count of 1 to 3" },
	[NB_NAN] = { "train_images.npy", ENG_STATUS_EINVAL, "value nan at element 5 (images must be finite)" },
	[NB_TEST_SHAPE] = { "test_images.npy", ENG_STATUS_EINVAL, "1x6x7 images, but the training images are 3x6x7" },
	[NB_MIXED] = { "test_images.npy", ENG_STATUS_EINVAL, "float32 images, but the training images are uint8" },
	[NB_NO_TEST_LABELS] = { "test_labels.npy", ENG_STATUS_EINVAL, "cannot open: No such file or directory (the dataset is incomplete)" },
	[NB_EMPTY] = { "train_images.npy", ENG_STATUS_EINVAL, "no images (shape (0, 3, 6, 7))" },
	[NB_NOT_NPY] = { "train_labels.npy", ENG_STATUS_EINVAL, "not a .npy file" },
};

START_TEST(test_npy_corrupt)
{
	char *dir = npy_set_write("bad", 3, false, false, NPY_DTYPE_I64);
	int64_t lab[NPY_TR];
	for (int i = 0; i < NPY_TR; i++)
		lab[i] = label_value(i) % 6;
	float fl[NPY_TR] = { 0 };
	size_t count = (size_t)NPY_TR * 4 * NPY_H * NPY_W;
	uint8_t *b = calloc(count, 1);
	float *f = calloc(count, sizeof *f);
	int32_t *n32 = calloc(count, sizeof *n32);
	char path[1024];
	switch ((enum npy_bad)_i) {
	case NB_COUNT:
		npy_put(dir, "train_labels.npy", NPY_DTYPE_I64, lab, NPY_TR - 1, 0, 0, 0);
		break;
	case NB_LABEL_RANK:
		npy_put(dir, "train_labels.npy", NPY_DTYPE_I64, lab, NPY_TR, 1, 0, 0);
		break;
	case NB_IMAGE_RANK:
		npy_put(dir, "train_images.npy", NPY_DTYPE_U8, b, NPY_TR, NPY_H * NPY_W, 0, 0);
		break;
	case NB_NEGATIVE:
	case NB_TOO_LARGE:
		lab[4] = _i == NB_NEGATIVE ? -1 : 70000;
		npy_put(dir, "train_labels.npy", NPY_DTYPE_I64, lab, NPY_TR, 0, 0, 0);
		break;
	case NB_TEST_RANGE:
		lab[2] = 9;
		npy_put(dir, "test_labels.npy", NPY_DTYPE_I64, lab, NPY_TE, 0, 0, 0);
		break;
	case NB_FLOAT_LABELS:
		npy_put(dir, "train_labels.npy", NPY_DTYPE_F32, fl, NPY_TR, 0, 0, 0);
		break;
	case NB_INT_IMAGES:
		npy_put(dir, "train_images.npy", NPY_DTYPE_I32, n32, NPY_TR, 3, NPY_H, NPY_W);
		break;
	case NB_FOUR_CHANNELS:
		npy_put(dir, "train_images.npy", NPY_DTYPE_U8, b, NPY_TR, 4, NPY_H, NPY_W);
		break;
	case NB_NAN:
		f[5] = NAN;
		npy_put(dir, "train_images.npy", NPY_DTYPE_F32, f, NPY_TR, 3, NPY_H, NPY_W);
		break;
	case NB_TEST_SHAPE:
		npy_put(dir, "test_images.npy", NPY_DTYPE_U8, b, NPY_TE, 1, NPY_H, NPY_W);
		break;
	case NB_MIXED:
		npy_put(dir, "test_images.npy", NPY_DTYPE_F32, f, NPY_TE, 3, NPY_H, NPY_W);
		break;
	case NB_NO_TEST_LABELS:
		snprintf(path, sizeof path, "%s/test_labels.npy", dir);
		ck_assert_int_eq(unlink(path), 0);
		break;
	case NB_EMPTY:
		npy_put(dir, "train_images.npy", NPY_DTYPE_U8, b, 0, 3, NPY_H, NPY_W);
		break;
	case NB_NOT_NPY:
		write_bytes(dir, "train_labels.npy", (const uint8_t *)"0 1 2\n", 6, false);
		break;
	case NB_COUNT_N:
		break;
	}
	free(b);
	free(f);
	free(n32);
	struct data_split ds;
	struct eng_err err;
	ck_assert_int_eq(load_dir(dir, DATA_FORMAT_AUTO, 0, &ds, &err), npy_bad_cases[_i].st);
	snprintf(path, sizeof path, "%s/%s: ", dir, npy_bad_cases[_i].file);
	ck_assert_msg(strncmp(err.msg, path, strlen(path)) == 0, "'%s' does not start "
		      "with '%s'", err.msg, path);
	ck_assert_msg(!strchr(err.msg, '\n'), "%s", err.msg);
	assert_msg_has(&err, npy_bad_cases[_i].want);
	ck_assert(split_empty(&ds));
}
END_TEST

static Suite *data_suite(void)
{
	Suite *s = suite_create("data");
	TCase *tc = tcase_create("load");
	tcase_add_loop_test(tc, test_idx_load, 0, 3);
	tcase_add_test(tc, test_idx_prefers_gz);
	tcase_add_loop_test(tc, test_cifar_load, 0, 2);
	tcase_add_test(tc, test_auto_detection);
	tcase_add_test(tc, test_default_dir);
	tcase_add_test(tc, test_val_slice);
	tcase_add_test(tc, test_stats);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_idx_corrupt, 0, BAD_COUNT_N);
	tcase_add_loop_test(tc, test_cifar_corrupt, 0, CBAD_COUNT_N);
	suite_add_tcase(s, tc);

	tc = tcase_create("fill");
	tcase_add_test(tc, test_fill_by_hand);
	tcase_add_test(tc, test_fill_gray);
	tcase_add_test(tc, test_fill_rgb);
	suite_add_tcase(s, tc);

	tc = tcase_create("npy");
	tcase_add_loop_test(tc, test_npy_load, 0, 6);
	tcase_add_test(tc, test_npy_float_matches_bytes);
	tcase_add_test(tc, test_npy_adapt);
	tcase_add_loop_test(tc, test_npy_corrupt, 0, NB_COUNT_N);
	suite_add_tcase(s, tc);

	tc = tcase_create("synthetic");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_synthetic);
	suite_add_tcase(s, tc);

	tc = tcase_create("fashion-mnist");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_fashion_mnist);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (scratch_dir_make("check_data", tmp_root, sizeof tmp_root))
		return EXIT_FAILURE;
	SRunner *sr = srunner_create(data_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	scratch_dir_remove(tmp_root);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
