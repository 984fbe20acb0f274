/* fuzz_npy: libFuzzer target for the .npy reader (engine/io/npy.c).
 *
 * Every input either fails cleanly (EINVAL or ENOMEM, one line starting
 * with the name, an empty array) or reads; a read array must keep the
 * npy.h invariants and survive format -> read unchanged (the header
 * npy_header_format writes, then the same element bytes).  The input goes
 * through a memory stream, so the reader's grow-as-it-arrives path is the
 * one fuzzed (regular files are measured first, which only adds a check).
 *
 *   make fuzz             # builds with clang, runs 60 s on tests/fuzz/corpus/npy
 *   ./fuzz/fuzz_npy -max_total_time=600 fuzz/corpus_npy
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/npy.h"
#include "io/safetensors.h"

#define FUZZ_MAX_BYTES ((uint64_t)1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_npy: %s\n", what);
		abort();
	}
}

static enum eng_status fuzz_read(const void *buf, size_t len, const char *name,
				 struct npy_array *a, struct eng_err *err)
{
	FILE *fp = fmemopen((void *)buf, len, "rb");
	fuzz_check(fp != NULL, "fmemopen failed");
	enum eng_status st = npy_read_fp(fp, name, FUZZ_MAX_BYTES, a, err);
	fclose(fp);
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0; /* fmemopen wants a buffer; check_npy tests empty files */
	struct npy_array a;
	struct eng_err err;
	err.msg[0] = '\0';
	enum eng_status st = fuzz_read(data, size, "fuzz.npy", &a, &err);
	if (st != ENG_STATUS_OK) {
		fuzz_check(st == ENG_STATUS_EINVAL || st == ENG_STATUS_ENOMEM,
			   "status other than EINVAL/ENOMEM");
		fuzz_check(strncmp(err.msg, "fuzz.npy: ", 10) == 0, "message without name");
		fuzz_check(!strchr(err.msg, '\n'), "message with a newline");
		fuzz_check(!a.data && a.rank == 0 && a.count == 0, "array not empty");
		return 0;
	}
	fuzz_check(a.rank >= 0 && a.rank <= NPY_RANK_MAX, "bad rank");
	size_t count = 1;
	for (int i = 0; i < a.rank; i++)
		count *= a.dims[i];
	fuzz_check(count == a.count, "count is not the product of dims");
	fuzz_check((a.count == 0) == (a.data == NULL), "data and count disagree");
	size_t bytes = a.count * npy_dtype_size(a.dtype);
	fuzz_check(bytes <= FUZZ_MAX_BYTES && bytes <= size, "more data than input");

	/* Round trip: our header and the elements little-endian. */
	fuzz_check(st_host_little_endian(), "this target assumes a little-endian host");
	char head[NPY_HEADER_MAX];
	size_t hl = npy_header_format(a.dtype, a.rank, a.dims, head, sizeof head);
	fuzz_check(hl > 0 && hl % 64 == 0, "header not formatted");
	unsigned char *file = malloc(hl + bytes);
	fuzz_check(file != NULL, "malloc");
	memcpy(file, head, hl);
	if (bytes)
		memcpy(file + hl, a.data, bytes);
	struct npy_array b;
	st = fuzz_read(file, hl + bytes, "again.npy", &b, &err);
	if (st != ENG_STATUS_OK) {
		fprintf(stderr, "fuzz_npy: re-read failed: %s\n", err.msg);
		abort();
	}
	fuzz_check(b.dtype == a.dtype && b.rank == a.rank && b.count == a.count &&
		   memcmp(a.dims, b.dims, sizeof a.dims) == 0, "round trip changed the header");
	fuzz_check(bytes == 0 || memcmp(a.data, b.data, bytes) == 0,
		   "round trip changed the data");
	free(file);
	npy_array_done(&b);
	npy_array_done(&a);
	return 0;
}
