/* fuzz_idx: libFuzzer target for the IDX loader (data/data_idx.c) through
 * data_load, plain and gzip.
 *
 * The input is cut into a mode byte, a 16-bit length L, L bytes of the
 * images file and the rest, the labels file; both become the training and
 * the test pair in a scratch directory.  The mode's low bits say, per
 * file, how it is stored: 0 plain, 1 the bytes as they are under the .gz
 * name (corrupt and truncated gzip streams), 2 gzip-compressed here (so
 * every valid IDX image is reachable through zlib too).
 *
 * An independent reading of the format (the header fields, the exact
 * lengths, labels below 10; fuzz_idx_expect) decides for modes 0 and 2
 * whether the pair must load, and a loaded set must hold exactly the
 * pixels and labels of the input.  A plain file that starts with gzip's
 * magic is read as gzip (zlib's gz* functions take both, data_idx.c), so
 * it is undecided, as mode 1 is.  Failures are one line naming a file.
 *
 *   ./fuzz/fuzz_idx -max_total_time=600 fuzz/corpus/idx tests/fuzz/corpus/idx
 */
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "data/data.h"
#include "fuzz/fuzz_util.h"

static uint32_t fuzz_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Whether an images file and a labels file form a valid IDX pair (the
 * limits of data_internal.h: 1..4096 per side, at most 2^32 pixel bytes). */
static bool fuzz_idx_expect(const uint8_t *img, size_t ni, const uint8_t *lab, size_t nl)
{
	if (ni < 16 || fuzz_be32(img) != 0x803 || nl < 8 || fuzz_be32(lab) != 0x801)
		return false;
	uint64_t n = fuzz_be32(img + 4), rows = fuzz_be32(img + 8), cols = fuzz_be32(img + 12);
	if (n == 0 || n > INT_MAX || rows < 1 || rows > 4096 || cols < 1 || cols > 4096 ||
	    n * rows * cols > ((uint64_t)1 << 32))
		return false;
	if (fuzz_be32(lab + 4) != n || ni - 16 != n * rows * cols || nl - 8 != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lab[8 + i] >= 10)
			return false;
	return true;
}

/* Whether fuzz_idx_expect decides how the loader takes a file stored in
 * mode: its own bytes, read through zlib (mode 2), or plain bytes that
 * zlib's gzread does not take for a gzip stream (1f 8b). */
static bool fuzz_idx_decided(int mode, const uint8_t *b, size_t n)
{
	return mode == 2 || (mode == 0 && !(n >= 2 && b[0] == 0x1f && b[1] == 0x8b));
}

static void fuzz_gz_write(const char *name, const uint8_t *data, size_t n)
{
	char path[PATH_MAX];
	fuzz_scratch_path(path, sizeof path, name);
	gzFile gz = gzopen(path, "wb1");
	fuzz_check(gz != NULL, "gzopen for writing");
	fuzz_check(n == 0 || gzwrite(gz, data, (unsigned)n) == (int)n, "gzwrite");
	fuzz_check(gzclose(gz) == Z_OK, "gzclose");
}

/* One file of the pair, under both split names, stored as mode says. */
static void fuzz_idx_file(const char *base, int mode, const uint8_t *data, size_t n)
{
	static const char *const split[2] = { "train", "t10k" };
	char name[64], path[PATH_MAX];
	for (int s = 0; s < 2; s++) {
		if (mode == 0) {
			snprintf(name, sizeof name, "%s-%s", split[s], base);
			fuzz_scratch_write(path, sizeof path, name, data, n);
		} else if (mode == 1) {
			snprintf(name, sizeof name, "%s-%s.gz", split[s], base);
			fuzz_scratch_write(path, sizeof path, name, data, n);
		} else {
			snprintf(name, sizeof name, "%s-%s.gz", split[s], base);
			fuzz_gz_write(name, data, n);
		}
	}
}

static void fuzz_idx_same(const struct dataset *d, const uint8_t *img,
			  const uint8_t *lab)
{
	fuzz_check(d->n == (int)fuzz_be32(img + 4) && d->shape.c == 1 &&
		   d->shape.h == (int)fuzz_be32(img + 8) &&
		   d->shape.w == (int)fuzz_be32(img + 12) && d->classes == 10,
		   "loaded set has another shape");
	fuzz_check(memcmp(d->pixels, img + 16, (size_t)d->n * shape_size(d->shape)) == 0,
		   "loaded pixels differ from the file's");
	for (int i = 0; i < d->n; i++)
		fuzz_check(d->labels[i] == lab[8 + i], "loaded label differs from the file's");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t mode = fuzz_in_u8(&in);
	int img_mode = (mode & 3) % 3, lab_mode = (mode >> 2 & 3) % 3;
	size_t ni, nl;
	const uint8_t *img = fuzz_in_bytes(&in, fuzz_in_u16(&in), &ni);
	const uint8_t *lab = fuzz_in_bytes(&in, in.n, &nl);
	fuzz_scratch_clear();
	fuzz_idx_file("images-idx3-ubyte", img_mode, img, ni);
	fuzz_idx_file("labels-idx1-ubyte", lab_mode, lab, nl);

	struct data_options opt = { .dir = fuzz_scratch_dir(), .format = DATA_FORMAT_IDX };
	struct data_split ds;
	struct eng_err err;
	err.msg[0] = '\0';
	enum eng_status st = data_load(&opt, &ds, &err);
	bool decided = fuzz_idx_decided(img_mode, img, ni) && fuzz_idx_decided(lab_mode, lab, nl);
	bool valid = fuzz_idx_expect(img, ni, lab, nl);
	if (st != ENG_STATUS_OK) {
		fuzz_err_check(st, &err, fuzz_scratch_dir(), FUZZ_ST_EINVAL | FUZZ_ST_ENOMEM);
		if (decided && valid) {
			fprintf(stderr, "fuzz: a valid IDX pair was refused: %s\n", err.msg);
			abort();
		}
	} else {
		fuzz_check(!decided || valid, "an invalid IDX pair loaded");
		if (decided) {
			fuzz_idx_same(&ds.train, img, lab);
			fuzz_idx_same(&ds.test, img, lab);
		}
		fuzz_check(ds.val.n == 0 && !ds.synthetic, "split flags");
	}
	data_split_done(&ds);
	return 0;
}
