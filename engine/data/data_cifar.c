/* data_cifar.c: CIFAR-10 binary batches.
 *
 * data_batch_1.bin .. data_batch_5.bin (training, in that order) and
 * test_batch.bin, each a sequence of 3073-byte records: one label byte
 * (0..9), then 1024 red, 1024 green and 1024 blue bytes, row-major, which
 * is already our CHW layout.  The official archive holds 10000 records per
 * file; any positive whole number of records is accepted.  The files may
 * sit in dir itself or in dir/cifar-10-batches-bin (the archive's folder).
 * File sizes are checked before anything is allocated.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/data_internal.h"
#include "data/data_path.h"

#define CIFAR_PIXELS 3072
#define CIFAR_RECORD (1 + CIFAR_PIXELS)
#define CIFAR_CLASSES 10
#define CIFAR_TRAIN_FILES 5
#define CIFAR_SUBDIR "cifar-10-batches-bin"

struct cifar_file {
	char path[DATA_PATH_MAX];
	FILE *f;
	size_t records;
};

static enum eng_status cifar_open(struct cifar_file *cf, struct eng_err *err)
{
	cf->f = fopen(cf->path, "rb");
	if (!cf->f) {
		int e = errno;
		return eng_err_set(err, e == ENOENT ? ENG_STATUS_ENOENT : ENG_STATUS_EIO,
				   "%s: cannot open: %s", cf->path, strerror(e));
	}
	struct stat st;
	if (fstat(fileno(cf->f), &st) != 0)
		return eng_err_set(err, ENG_STATUS_EIO, "%s: cannot stat: %s",
				   cf->path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return eng_err_set(err, ENG_STATUS_EIO, "%s: not a regular file",
				   cf->path);
	if (st.st_size == 0)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: empty file (no records)",
				   cf->path);
	if (st.st_size % CIFAR_RECORD != 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: size %lld is not a multiple of the %d-byte "
				   "CIFAR-10 record (1 label + %d pixel bytes); "
				   "truncated or not a CIFAR-10 batch",
				   cf->path, (long long)st.st_size, CIFAR_RECORD,
				   CIFAR_PIXELS);
	cf->records = (size_t)(st.st_size / CIFAR_RECORD);
	return ENG_STATUS_OK;
}

/* Appends cf's records to ds at sample index first. */
static enum eng_status cifar_read(struct cifar_file *cf, struct dataset *ds,
				  size_t first, struct eng_err *err)
{
	uint8_t rec[CIFAR_RECORD];
	for (size_t i = 0; i < cf->records; i++) {
		if (fread(rec, 1, sizeof rec, cf->f) != sizeof rec) {
			if (ferror(cf->f))
				return eng_err_set(err, ENG_STATUS_EIO,
						   "%s: read error: %s", cf->path,
						   strerror(errno));
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "%s: truncated at record %zu (the file "
					   "shrank while being read)", cf->path, i);
		}
		if (rec[0] >= CIFAR_CLASSES)
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "%s: label %u of record %zu is out of "
					   "range (%d classes)", cf->path,
					   (unsigned)rec[0], i, CIFAR_CLASSES);
		ds->labels[first + i] = rec[0];
		memcpy(ds->pixels + (first + i) * CIFAR_PIXELS, rec + 1, CIFAR_PIXELS);
	}
	return ENG_STATUS_OK;
}

/* The files in cfs (already opened) into ds. */
static enum eng_status cifar_load_set(struct cifar_file *cfs, int count,
				      struct dataset *ds, struct eng_err *err)
{
	size_t total = 0;
	for (int i = 0; i < count; i++)
		total += cfs[i].records;
	if (total > INT_MAX || (uint64_t)total * CIFAR_PIXELS > DATA_BYTES_MAX)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: too many records (%zu in all)",
				   cfs[count - 1].path, total);
	ds->shape = (struct shape){ 3, 32, 32 };
	ds->classes = CIFAR_CLASSES;
	ds->pixels = malloc(total * CIFAR_PIXELS);
	ds->labels = malloc(total * sizeof *ds->labels);
	if (!ds->pixels || !ds->labels)
		return eng_err_set(err, ENG_STATUS_ENOMEM,
				   "%s: out of memory for %zu images",
				   cfs[0].path, total);
	ds->n = (int)total;
	size_t first = 0;
	for (int i = 0; i < count; i++) {
		enum eng_status st = cifar_read(&cfs[i], ds, first, err);
		if (st)
			return st;
		first += cfs[i].records;
	}
	return ENG_STATUS_OK;
}

/* dir itself, or dir/cifar-10-batches-bin, whichever has batch 1. */
static bool cifar_dir(const char *dir, char *out)
{
	char path[DATA_PATH_MAX];
	if (data_path_join(path, sizeof path, dir, "data_batch_1.bin") &&
	    data_path_exists(path)) {
		snprintf(out, DATA_PATH_MAX, "%s", dir);
		return true;
	}
	if (data_path_join(out, DATA_PATH_MAX, dir, CIFAR_SUBDIR) &&
	    data_path_join(path, sizeof path, out, "data_batch_1.bin") &&
	    data_path_exists(path))
		return true;
	return false;
}

bool data_cifar_found(const char *dir)
{
	char sub[DATA_PATH_MAX];
	return cifar_dir(dir, sub);
}

enum eng_status data_cifar_load(const char *dir, struct data_split *out,
				struct eng_err *err)
{
	struct cifar_file cfs[CIFAR_TRAIN_FILES + 1];
	char base[DATA_PATH_MAX];
	enum eng_status st = ENG_STATUS_OK;
	int opened = 0;

	if (!cifar_dir(dir, base))
		snprintf(base, sizeof base, "%s", dir); /* for the message */
	for (int i = 0; i <= CIFAR_TRAIN_FILES && !st; i++) {
		char name[32];
		if (i < CIFAR_TRAIN_FILES)
			snprintf(name, sizeof name, "data_batch_%d.bin", i + 1);
		else
			snprintf(name, sizeof name, "test_batch.bin");
		cfs[i].f = NULL;
		opened++;
		if (!data_path_join(cfs[i].path, DATA_PATH_MAX, base, name))
			st = eng_err_set(err, ENG_STATUS_EINVAL, "%s: path too long",
					 base);
		else
			st = cifar_open(&cfs[i], err);
	}
	if (!st)
		st = cifar_load_set(cfs, CIFAR_TRAIN_FILES, &out->train, err);
	if (!st)
		st = cifar_load_set(cfs + CIFAR_TRAIN_FILES, 1, &out->test, err);
	for (int i = 0; i < opened; i++)
		if (cfs[i].f)
			fclose(cfs[i].f);
	if (st)
		return st;
	snprintf(out->name, sizeof out->name, "cifar10");
	/* A longer path is cut; source is only shown to the user. */
	size_t len = strlen(base);
	if (len >= sizeof out->source)
		len = sizeof out->source - 1;
	memcpy(out->source, base, len);
	out->source[len] = '\0';
	return ENG_STATUS_OK;
}
