/* fuzz_cifar: libFuzzer target for the CIFAR-10 binary loader
 * (data/data_cifar.c) through data_load.
 *
 * The input is a flags byte, then six files (data_batch_1..5.bin,
 * test_batch.bin), each a 16-bit size S and up to S bytes of content
 * (the rest of the S bytes zero), so whole records cost a few input bytes
 * and a size that is not a multiple of 3073 is one mutation away.  Flag
 * bit 0 puts the files in cifar-10-batches-bin/, bit 1 asks for
 * DATA_FORMAT_AUTO instead of CIFAR10, bits 2-7 a validation slice.
 *
 * The format read independently (every file non-empty, a whole number of
 * 3073-byte records, labels below 10) decides whether the set must load;
 * a loaded set must hold exactly the files' records, training batches in
 * order.  Failures are one line naming a file or the slice.
 *
 *   ./fuzz/fuzz_cifar -max_len=32768 -max_total_time=600 fuzz/corpus/cifar \
 *       tests/fuzz/corpus/cifar
 */
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/data.h"
#include "fuzz/fuzz_util.h"

#define FUZZ_RECORD 3073
#define FUZZ_FILES 6

struct fuzz_cifar_file {
	uint8_t *bytes;
	size_t n;
};

static bool fuzz_cifar_valid(const struct fuzz_cifar_file *f)
{
	if (f->n == 0 || f->n % FUZZ_RECORD != 0)
		return false;
	for (size_t r = 0; r < f->n; r += FUZZ_RECORD)
		if (f->bytes[r] >= 10)
			return false;
	return true;
}

/* The records of count files, in order, against a loaded set and the
 * validation slice that took its last records (val may be NULL). */
static void fuzz_cifar_same(const struct dataset *d, const struct dataset *val,
			    const struct fuzz_cifar_file *f, int count)
{
	fuzz_check(d->shape.c == 3 && d->shape.h == 32 && d->shape.w == 32 &&
		   d->classes == 10, "loaded set has another shape");
	int nv = val ? val->n : 0, i = 0;
	for (int k = 0; k < count; k++) {
		for (size_t r = 0; r < f[k].n; r += FUZZ_RECORD, i++) {
			fuzz_check(i < d->n + nv, "more records in the files than loaded");
			const struct dataset *s = i < d->n ? d : val;
			int j = i < d->n ? i : i - d->n;
			fuzz_check(s->labels[j] == f[k].bytes[r], "label differs from the file's");
			fuzz_check(memcmp(s->pixels + (size_t)j * 3072, f[k].bytes + r + 1,
					  3072) == 0, "pixels differ from the file's");
		}
	}
	fuzz_check(i == d->n + nv, "fewer records in the files than loaded");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[FUZZ_FILES] = {
		"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
		"data_batch_4.bin", "data_batch_5.bin", "test_batch.bin",
	};
	struct fuzz_in in = { data, size };
	uint8_t flags = fuzz_in_u8(&in);
	bool sub = flags & 1;
	int val = flags >> 2;
	struct fuzz_cifar_file f[FUZZ_FILES];
	fuzz_scratch_clear();
	char dir[PATH_MAX], path[PATH_MAX + 32];
	if (sub) {
		fuzz_scratch_path(dir, sizeof dir, "cifar-10-batches-bin");
		fuzz_check(mkdir(dir, 0755) == 0, "mkdir");
	} else {
		snprintf(dir, sizeof dir, "%s", fuzz_scratch_dir());
	}
	bool valid = true;
	size_t train_records = 0;
	for (int k = 0; k < FUZZ_FILES; k++) {
		f[k].n = fuzz_in_u16(&in);
		f[k].bytes = calloc(f[k].n ? f[k].n : 1, 1);
		fuzz_check(f[k].bytes != NULL, "out of memory");
		size_t got;
		const uint8_t *p = fuzz_in_bytes(&in, f[k].n, &got);
		memcpy(f[k].bytes, p, got);
		snprintf(path, sizeof path, "%s/%s", dir, names[k]);
		FILE *fp = fopen(path, "wb");
		fuzz_check(fp != NULL && (f[k].n == 0 || fwrite(f[k].bytes, 1, f[k].n, fp) == f[k].n) &&
			   fclose(fp) == 0, "cannot write a batch file");
		valid = valid && fuzz_cifar_valid(&f[k]);
		if (k < FUZZ_FILES - 1)
			train_records += f[k].n / FUZZ_RECORD;
	}
	/* The slice must leave at least one training sample. */
	bool val_ok = (size_t)val < train_records;

	struct data_options opt = { .dir = fuzz_scratch_dir(),
				    .format = flags & 2 ? DATA_FORMAT_AUTO : DATA_FORMAT_CIFAR10,
				    .val_count = val };
	struct data_split ds;
	struct eng_err err;
	err.msg[0] = '\0';
	enum eng_status st = data_load(&opt, &ds, &err);
	if (st != ENG_STATUS_OK) {
		fuzz_err_check(st, &err, NULL, FUZZ_ST_EINVAL | FUZZ_ST_ENOMEM);
		if (valid && val_ok) {
			fprintf(stderr, "fuzz: a valid CIFAR-10 set was refused: %s\n", err.msg);
			abort();
		}
	} else {
		fuzz_check(valid && val_ok, "an invalid CIFAR-10 set loaded");
		fuzz_check(strcmp(ds.name, "cifar10") == 0, "name");
		fuzz_check(ds.val.n == val, "validation slice size");
		fuzz_cifar_same(&ds.train, &ds.val, f, FUZZ_FILES - 1);
		fuzz_cifar_same(&ds.test, NULL, f + FUZZ_FILES - 1, 1);
	}
	data_split_done(&ds);
	for (int k = 0; k < FUZZ_FILES; k++)
		free(f[k].bytes);
	return 0;
}
