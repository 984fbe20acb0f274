/* check_npy: .npy reading and writing (engine/io/npy.c).
 *
 * References: files NumPy itself wrote (tests/fixtures/npy, made by
 * gen_npy.py there: versions 1.0, 2.0 and 3.0, big-endian int64, a
 * scalar, and two files we must refuse), whose values are recomputed here
 * from the same rules; our writer must reproduce np.save's bytes exactly.
 * The malformed-file table spells out headers by hand, one defect each.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/rng.h"
#include "io/npy.h"
#include "scratch.h"

static char test_dir[256];

static const char *fixture(const char *name, char *buf, size_t len)
{
	const char *top = getenv("top_srcdir");
	if (!top || !*top)
		top = getenv("srcdir");
	if (!top || !*top)
		top = ".";
	snprintf(buf, len, "%s/tests/fixtures/npy/%s", top, name);
	return buf;
}

static const char *tmp_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", test_dir, name);
	return buf;
}

static void file_write(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static unsigned char *file_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	unsigned char *buf = malloc(1 << 16);
	ck_assert_ptr_nonnull(buf);
	*len = fread(buf, 1, 1 << 16, f);
	fclose(f);
	return buf;
}

/* One line, starting with the path, containing want. */
static void err_check(const struct eng_err *err, const char *path, const char *want)
{
	ck_assert_msg(strncmp(err->msg, path, strlen(path)) == 0 &&
		      err->msg[strlen(path)] == ':', "message '%s' does not start "
		      "with '%s:'", err->msg, path);
	ck_assert_msg(!strchr(err->msg, '\n'), "message has a newline: %s", err->msg);
	ck_assert_msg(strstr(err->msg, want), "message '%s' lacks '%s'", err->msg, want);
}

static void empty_check(const struct npy_array *a)
{
	ck_assert_ptr_null(a->data);
	ck_assert_int_eq(a->rank, 0);
	ck_assert_uint_eq(a->count, 0);
}

/* --- files NumPy wrote --------------------------------------------------- */

START_TEST(test_numpy_f32)
{
	char p[1024];
	struct npy_array a;
	struct eng_err err;
	ck_assert_int_eq(npy_read(fixture("f4_2x3.npy", p, sizeof p), NPY_READ_MAX,
				  &a, &err), ENG_STATUS_OK);
	ck_assert_int_eq(a.dtype, NPY_DTYPE_F32);
	ck_assert_int_eq(a.rank, 2);
	ck_assert_uint_eq(a.dims[0], 2);
	ck_assert_uint_eq(a.dims[1], 3);
	ck_assert_uint_eq(a.count, 6);
	const float *v = a.data;
	for (int i = 0; i < 6; i++)
		ck_assert_float_eq(v[i], i * 0.5f - 1.0f);
	npy_array_done(&a);
}
END_TEST

START_TEST(test_numpy_u8_v2)
{
	char p[1024];
	struct npy_array a;
	struct eng_err err;
	ck_assert_int_eq(npy_read(fixture("u1_v2.npy", p, sizeof p), NPY_READ_MAX,
				  &a, &err), ENG_STATUS_OK);
	ck_assert_int_eq(a.dtype, NPY_DTYPE_U8);
	ck_assert_int_eq(a.rank, 3);
	ck_assert_uint_eq(a.dims[0] * 100 + a.dims[1] * 10 + a.dims[2], 223);
	const uint8_t *v = a.data;
	for (int i = 0; i < 12; i++)
		ck_assert_uint_eq(v[i], (unsigned)(7 * i % 256));
	npy_array_done(&a);
}
END_TEST

START_TEST(test_numpy_i64_big_endian_v3)
{
	char p[1024];
	struct npy_array a;
	struct eng_err err;
	ck_assert_int_eq(npy_read(fixture("i8_be_v3.npy", p, sizeof p), NPY_READ_MAX,
				  &a, &err), ENG_STATUS_OK);
	ck_assert_int_eq(a.dtype, NPY_DTYPE_I64);
	ck_assert_int_eq(a.rank, 1);
	ck_assert_uint_eq(a.dims[0], 4);
	const int64_t *v = a.data;
	ck_assert_int_eq(v[0], -2);
	ck_assert_int_eq(v[1], 0);
	ck_assert_int_eq(v[2], 3);
	ck_assert_int_eq(v[3], (int64_t)1 << 40);
	npy_array_done(&a);
}
END_TEST

START_TEST(test_numpy_scalar)
{
	char p[1024];
	struct npy_array a;
	struct eng_err err;
	ck_assert_int_eq(npy_read(fixture("i4_scalar.npy", p, sizeof p), NPY_READ_MAX,
				  &a, &err), ENG_STATUS_OK);
	ck_assert_int_eq(a.dtype, NPY_DTYPE_I32);
	ck_assert_int_eq(a.rank, 0);
	ck_assert_uint_eq(a.count, 1);
	ck_assert_int_eq(*(const int32_t *)a.data, 123456);
	npy_array_done(&a);
}
END_TEST

START_TEST(test_numpy_refused)
{
	char p[1024];
	struct npy_array a;
	struct eng_err err;
	fixture("f4_fortran.npy", p, sizeof p);
	ck_assert_int_eq(npy_read(p, NPY_READ_MAX, &a, &err), ENG_STATUS_EINVAL);
	err_check(&err, p, "fortran_order is True");
	empty_check(&a);
	fixture("f8.npy", p, sizeof p);
	ck_assert_int_eq(npy_read(p, NPY_READ_MAX, &a, &err), ENG_STATUS_EINVAL);
	err_check(&err, p, "dtype '<f8' (float64");
	empty_check(&a);
}
END_TEST

/* Our writer reproduces np.save's bytes. */
START_TEST(test_writer_matches_numpy)
{
	char p[1024], q[1024];
	float v[6];
	for (int i = 0; i < 6; i++)
		v[i] = i * 0.5f - 1.0f;
	size_t dims[2] = { 2, 3 };
	struct eng_err err;
	tmp_path("ours.npy", q, sizeof q);
	ck_assert_int_eq(npy_write(q, NPY_DTYPE_F32, 2, dims, v, &err), ENG_STATUS_OK);
	size_t la, lb;
	unsigned char *a = file_slurp(fixture("f4_2x3.npy", p, sizeof p), &la);
	unsigned char *b = file_slurp(q, &lb);
	ck_assert_uint_eq(la, lb);
	ck_assert_mem_eq(a, b, la);
	free(a);
	free(b);
}
END_TEST

/* --- round trips ----------------------------------------------------------- */

START_TEST(test_round_trip)
{
	/* Every dtype at every rank 0..8, with a zero-size array too. */
	struct rng r;
	rng_seed(&r, 7);
	for (int t = 0; t < NPY_DTYPE_COUNT; t++) {
		for (int rank = 0; rank <= NPY_RANK_MAX + 1; rank++) {
			size_t dims[NPY_RANK_MAX] = { 0 };
			int rk = rank <= NPY_RANK_MAX ? rank : 2;
			size_t count = 1;
			for (int i = 0; i < rk; i++) {
				/* rank 9 stands for (3, 0): no elements. */
				dims[i] = rank > NPY_RANK_MAX ? (i ? 0 : 3) :
					  1 + rng_below(&r, rank > 4 ? 2 : 5);
				count *= dims[i];
			}
			size_t es = npy_dtype_size((enum npy_dtype)t);
			unsigned char *data = malloc(count * es + 1);
			ck_assert_ptr_nonnull(data);
			for (size_t k = 0; k < count * es; k++)
				data[k] = (unsigned char)rng_below(&r, 256);
			char p[1024];
			struct eng_err err;
			tmp_path("rt.npy", p, sizeof p);
			ck_assert_int_eq(npy_write(p, (enum npy_dtype)t, rk, dims, data, &err),
					 ENG_STATUS_OK);
			struct npy_array a;
			ck_assert_int_eq(npy_read(p, NPY_READ_MAX, &a, &err), ENG_STATUS_OK);
			ck_assert_int_eq(a.dtype, t);
			ck_assert_int_eq(a.rank, rk);
			ck_assert_uint_eq(a.count, count);
			for (int i = 0; i < rk; i++)
				ck_assert_uint_eq(a.dims[i], dims[i]);
			if (count)
				ck_assert_mem_eq(a.data, data, count * es);
			else
				ck_assert_ptr_null(a.data);
			/* The header is np.save's size: a multiple of 64. */
			struct stat sb;
			ck_assert_int_eq(stat(p, &sb), 0);
			ck_assert_int_eq(((size_t)sb.st_size - count * es) % 64, 0);
			npy_array_done(&a);
			free(data);
		}
	}
}
END_TEST

/* The writer replaces a file whole and leaves nothing when it fails. */
START_TEST(test_write_atomic)
{
	char p[1024];
	struct eng_err err;
	uint8_t big[1000] = { 0 }, small[2] = { 9, 8 };
	size_t d1 = sizeof big, d2 = 2;
	char dir[512];
	tmp_path("atomic", dir, sizeof dir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(p, sizeof p, "%s/atomic.npy", dir);
	ck_assert_int_eq(npy_write(p, NPY_DTYPE_U8, 1, &d1, big, &err), ENG_STATUS_OK);
	ck_assert_int_eq(npy_write(p, NPY_DTYPE_U8, 1, &d2, small, &err), ENG_STATUS_OK);
	struct npy_array a;
	ck_assert_int_eq(npy_read(p, NPY_READ_MAX, &a, &err), ENG_STATUS_OK);
	ck_assert_uint_eq(a.count, 2);
	ck_assert_mem_eq(a.data, small, 2);
	npy_array_done(&a);
	/* A file that cannot be renamed into place (its name is a
	 * directory) fails, and no temporary is left next to it. */
	char sub[600];
	snprintf(sub, sizeof sub, "%s/taken", dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	ck_assert_int_ne(npy_write(sub, NPY_DTYPE_U8, 1, &d2, small, &err), ENG_STATUS_OK);
	ck_assert_msg(strstr(err.msg, sub) != NULL, "%s", err.msg);
	rmdir(sub);
	tmp_path("no/such/dir/x.npy", p, sizeof p);
	ck_assert_int_ne(npy_write(p, NPY_DTYPE_U8, 1, &d2, small, &err), ENG_STATUS_OK);
	ck_assert_msg(strstr(err.msg, "no/such/dir") != NULL, "%s", err.msg);
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	ck_assert_int_eq(n, 1);
	snprintf(p, sizeof p, "%s/atomic.npy", dir);
	unlink(p);
	rmdir(dir);
}
END_TEST

/* --- malformed files ---------------------------------------------------- */

struct bad_case {
	const char *what;
	int major;            /* 0: raw is the whole file */
	const char *dict;     /* the header text */
	size_t data_len;      /* zero bytes after the header */
	const char *raw;
	size_t raw_len;
	const char *want;     /* part of the message */
};

#define F4(shape) "{'descr': '<f4', 'fortran_order': False, 'shape': " shape ", }\n"

static const struct bad_case bad_cases[] = {
	{ "empty file", 0, NULL, 0, "", 0, ": empty file" },
	{ "not npy", 0, NULL, 0, "PK\3\4 a zip", 11, "not a .npy file" },
	{ "magic only", 0, NULL, 0, "\x93NUMPY\x01", 7, "truncated header (7 of 10 bytes)" },
	{ "version 4.0", 0, NULL, 0, "\x93NUMPY\x04\x00\x10\x00{}", 12, "version 4.0 is not supported" },
	{ "version 1.1", 0, NULL, 0, "\x93NUMPY\x01\x01\x10\x00{}", 12, "version 1.1" },
	{ "v2 short length", 0, NULL, 0, "\x93NUMPY\x02\x00\x10\x00\x00", 11, "truncated header (11 of 12 bytes)" },
	{ "header too long", 0, NULL, 0, "\x93NUMPY\x02\x00\x00\x00\x10\x00{", 13, "header of 1048576 bytes" },
	{ "header cut", 0, NULL, 0, "\x93NUMPY\x01\x00\x40\x00{'descr'", 18, "truncated header (8 of 64 bytes)" },
	{ "NUL in header", 0, NULL, 0, "\x93NUMPY\x01\x00\x03\x00{\0}", 13, "NUL byte" },
	{ "not a dict", 1, "['descr']\n", 0, NULL, 0, "expected '{'" },
	{ "unknown key", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", 4, NULL, 0, "unknown key 'x'" },
	{ "key twice", 1, "{'descr': '<f4', 'descr': '<f4'}", 0, NULL, 0, "key 'descr' given twice" },
	{ "missing shape", 1, "{'descr': '<f4', 'fortran_order': False}", 0, NULL, 0, "missing key 'shape'" },
	{ "missing descr", 1, "{'shape': (1,), 'fortran_order': False}", 0, NULL, 0, "missing key 'descr'" },
	{ "bad bool", 1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", 4, NULL, 0, "not True or False" },
	{ "bool prefix", 1, "{'descr': '<f4', 'fortran_order': Falsey, 'shape': (1,)}", 4, NULL, 0, "not True or False" },
	{ "unquoted key", 1, "{descr: '<f4'}", 0, NULL, 0, "expected a quoted string" },
	{ "unterminated", 1, "{'descr': '<f4", 0, NULL, 0, "unterminated string" },
	{ "escape", 1, "{'descr': '<f\\4'}", 0, NULL, 0, "escape or control character" },
	{ "no colon", 1, "{'descr' '<f4'}", 0, NULL, 0, "expected ':'" },
	{ "no comma", 1, "{'descr': '<f4' 'shape': (1,)}", 0, NULL, 0, "expected ',' or '}'" },
	{ "text after", 1, F4("(1,)") "x", 4, NULL, 0, "text after the dict" },
	{ "shape not tuple", 1, F4("[1]"), 4, NULL, 0, "shape is not a tuple" },
	{ "shape int", 1, F4("1"), 4, NULL, 0, "shape is not a tuple" },
	{ "negative dim", 1, F4("(-1,)"), 4, NULL, 0, "negative dimension" },
	{ "float dim", 1, F4("(1.5,)"), 4, NULL, 0, "expected ',' or ')'" },
	{ "empty dim", 1, F4("(1,,2)"), 8, NULL, 0, "expected a dimension" },
	{ "rank 9", 1, F4("(1, 1, 1, 1, 1, 1, 1, 1, 1)"), 4, NULL, 0, "more than 8 dimensions" },
	{ "dim > 2^62", 1, F4("(4611686018427387905,)"), 4, NULL, 0, "dimension over 2^62" },
	{ "dim 20 digits", 1, F4("(99999999999999999999,)"), 4, NULL, 0, "dimension over 2^62" },
	{ "count overflow", 1, F4("(4611686018427387904, 4, 2)"), 4, NULL, 0, "more elements than 2^64" },
	{ "bytes overflow", 1, F4("(4294967296, 2147483648)"), 4, NULL, 0, "more bytes than 2^64" },
	{ "over max bytes", 1, F4("(1048576, 1048576)"), 4, NULL, 0, "over the " },
	{ "truncated data", 1, F4("(2, 3)"), 20, NULL, 0, "truncated: the header announces (2, 3) float32 (24 bytes), the file holds 20" },
	{ "trailing bytes", 1, F4("(2, 3)"), 28, NULL, 0, "4 bytes after the data" },
	{ "float64", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", 8, NULL, 0, "float64: save x.astype(np.float32)" },
	{ "native order", 1, "{'descr': '=f4', 'fortran_order': False, 'shape': (1,)}", 4, NULL, 0, "dtype '=f4'" },
	{ "no order", 1, "{'descr': 'f4', 'fortran_order': False, 'shape': (1,)}", 4, NULL, 0, "dtype 'f4'" },
	{ "bool dtype", 1, "{'descr': '|b1', 'fortran_order': False, 'shape': (1,)}", 1, NULL, 0, "(bool)" },
	{ "record", 1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", 4, NULL, 0, "structured dtype" },
	{ "fortran", 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1,)}", 4, NULL, 0, "fortran_order is True" },
	{ "v3 unknown key", 3, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), '\xc3\xa9': 1}", 4, NULL, 0, "unknown key" },
};

/* The bytes of a bad case: preamble (version major.0), dict, data. */
static unsigned char *bad_case_bytes(const struct bad_case *c, size_t *len)
{
	if (!c->major) {
		unsigned char *b = malloc(c->raw_len + 1);
		memcpy(b, c->raw, c->raw_len);
		*len = c->raw_len;
		return b;
	}
	size_t dl = strlen(c->dict), pre = c->major == 1 ? 10 : 12;
	*len = pre + dl + c->data_len;
	unsigned char *b = calloc(1, *len);
	ck_assert_ptr_nonnull(b);
	memcpy(b, "\x93NUMPY", 6);
	b[6] = (unsigned char)c->major;
	for (size_t i = 0; i < pre - 8; i++)
		b[8 + i] = (unsigned char)(dl >> (8 * i));
	memcpy(b + pre, c->dict, dl);
	return b;
}

START_TEST(test_malformed)
{
	const struct bad_case *c = &bad_cases[_i];
	size_t len;
	unsigned char *b = bad_case_bytes(c, &len);
	char p[1024];
	tmp_path("bad.npy", p, sizeof p);
	file_write(p, b, len);
	struct npy_array a;
	struct eng_err err;
	err.msg[0] = '\0';
	ck_assert_msg(npy_read(p, (uint64_t)1 << 30, &a, &err) == ENG_STATUS_EINVAL,
		      "%s: accepted or wrong status (%s)", c->what, err.msg);
	err_check(&err, p, c->want);
	empty_check(&a);
	/* The same bytes through a stream (no size known in advance). */
	FILE *fp = fmemopen(b, len ? len : 1, "rb");
	ck_assert_ptr_nonnull(fp);
	if (!len)
		fgetc(fp); /* an empty stream */
	ck_assert_int_eq(npy_read_fp(fp, "stream", (uint64_t)1 << 30, &a, &err),
			 ENG_STATUS_EINVAL);
	fclose(fp);
	ck_assert_msg(strncmp(err.msg, "stream: ", 8) == 0, "%s", err.msg);
	empty_check(&a);
	free(b);
}
END_TEST

/* The table's good twin: the defect-free file reads (so each case fails
 * for its own defect, not a mistake in the table). */
START_TEST(test_malformed_control)
{
	static const struct bad_case good = {
		"control", 1, F4("(2, 3)"), 24, NULL, 0, NULL };
	size_t len;
	unsigned char *b = bad_case_bytes(&good, &len);
	char p[1024];
	tmp_path("good.npy", p, sizeof p);
	file_write(p, b, len);
	struct npy_array a;
	struct eng_err err;
	ck_assert_int_eq(npy_read(p, NPY_READ_MAX, &a, &err), ENG_STATUS_OK);
	ck_assert_uint_eq(a.count, 6);
	npy_array_done(&a);
	FILE *fp = fmemopen(b, len, "rb");
	ck_assert_int_eq(npy_read_fp(fp, "stream", NPY_READ_MAX, &a, &err), ENG_STATUS_OK);
	fclose(fp);
	ck_assert_uint_eq(a.count, 6);
	npy_array_done(&a);
	free(b);
}
END_TEST

/* Every single-byte change and every truncation of a good file either
 * reads or fails with one line: never a crash, never a half-filled array. */
START_TEST(test_mutations)
{
	char p[1024];
	size_t len;
	unsigned char *good = file_slurp(fixture("u1_v2.npy", p, sizeof p), &len);
	tmp_path("mut.npy", p, sizeof p);
	for (size_t cut = 0; cut <= len; cut++) {
		for (int v = -1; v < 256; v += 37) {
			unsigned char *b = malloc(len);
			memcpy(b, good, len);
			size_t n = v < 0 ? cut : len;
			if (v >= 0 && cut < len)
				b[cut] = (unsigned char)v;
			file_write(p, b, n);
			struct npy_array a;
			struct eng_err err;
			enum eng_status st = npy_read(p, NPY_READ_MAX, &a, &err);
			if (st == ENG_STATUS_OK) {
				ck_assert_uint_le(a.count, len);
				npy_array_done(&a);
			} else {
				ck_assert_int_eq(st, ENG_STATUS_EINVAL);
				err_check(&err, p, "");
				empty_check(&a);
			}
			free(b);
		}
	}
	free(good);
}
END_TEST

START_TEST(test_io_errors)
{
	char p[1024];
	struct npy_array a;
	struct eng_err err;
	tmp_path("missing.npy", p, sizeof p);
	ck_assert_int_eq(npy_read(p, NPY_READ_MAX, &a, &err), ENG_STATUS_ENOENT);
	err_check(&err, p, "cannot open");
	ck_assert_int_eq(npy_read(test_dir, NPY_READ_MAX, &a, &err), ENG_STATUS_EIO);
	err_check(&err, test_dir, "is a directory");
	empty_check(&a);
}
END_TEST

int main(void)
{
	if (scratch_dir_make("check_npy", test_dir, sizeof test_dir))
		return EXIT_FAILURE;
	Suite *s = suite_create("npy");
	TCase *tc = tcase_create("numpy");
	tcase_add_test(tc, test_numpy_f32);
	tcase_add_test(tc, test_numpy_u8_v2);
	tcase_add_test(tc, test_numpy_i64_big_endian_v3);
	tcase_add_test(tc, test_numpy_scalar);
	tcase_add_test(tc, test_numpy_refused);
	tcase_add_test(tc, test_writer_matches_numpy);
	suite_add_tcase(s, tc);
	tc = tcase_create("round_trip");
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_write_atomic);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_malformed, 0,
			    (int)(sizeof bad_cases / sizeof bad_cases[0]));
	tcase_add_test(tc, test_malformed_control);
	tcase_add_test(tc, test_mutations);
	tcase_add_test(tc, test_io_errors);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	scratch_dir_remove(test_dir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
