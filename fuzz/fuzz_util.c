/* fuzz_util.c: see fuzz_util.h.
 *
 * The scratch directory is the one piece of process state here: libFuzzer
 * runs millions of inputs in one process, and a fresh mkdtemp for each
 * would cost more than most readers.  It lives in memory (tmpfs) where the
 * machine has one, so writing an input to a file costs no disk I/O.
 */
#include "config.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_util.h"

static char fuzz_dir[PATH_MAX];

void fuzz_check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz: %s\n", what);
		abort();
	}
}

void fuzz_err_check(enum eng_status st, const struct eng_err *err,
		    const char *prefix, unsigned allowed)
{
	if (st == ENG_STATUS_OK || (unsigned)st >= 32 || !(allowed & (1u << st))) {
		fprintf(stderr, "fuzz: unexpected status %d (%s): %s\n", (int)st,
			eng_status_str(st), err->msg);
		abort();
	}
	fuzz_check(err->msg[0] != '\0', "empty error message");
	fuzz_check(strchr(err->msg, '\n') == NULL, "error message of several lines");
	if (prefix && strncmp(err->msg, prefix, strlen(prefix)) != 0) {
		fprintf(stderr, "fuzz: message does not start with '%s': %s\n", prefix,
			err->msg);
		abort();
	}
}

static int fuzz_rm_one(const char *path, const struct stat *sb, int type,
		       struct FTW *ftw)
{
	(void)sb;
	(void)type;
	if (ftw->level > 0)
		remove(path);
	return 0;
}

void fuzz_scratch_clear(void)
{
	if (fuzz_dir[0])
		nftw(fuzz_dir, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void fuzz_scratch_remove(void)
{
	fuzz_scratch_clear();
	rmdir(fuzz_dir);
}

const char *fuzz_scratch_dir(void)
{
	if (fuzz_dir[0])
		return fuzz_dir;
	const char *base = getenv("TMPDIR");
	struct stat sb;
	if (!base || !*base)
		base = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) ? "/dev/shm" : "/tmp";
	snprintf(fuzz_dir, sizeof fuzz_dir, "%s/reconvene-fuzz-XXXXXX", base);
	fuzz_check(mkdtemp(fuzz_dir) != NULL, "mkdtemp failed");
	atexit(fuzz_scratch_remove);
	return fuzz_dir;
}

char *fuzz_scratch_path(char *buf, size_t len, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", fuzz_scratch_dir(), name);
	fuzz_check(n > 0 && (size_t)n < len, "scratch path too long");
	return buf;
}

char *fuzz_scratch_write(char *buf, size_t len, const char *name,
			 const void *data, size_t n)
{
	fuzz_scratch_path(buf, len, name);
	FILE *f = fopen(buf, "wb");
	fuzz_check(f != NULL, "cannot create a scratch file");
	fuzz_check(n == 0 || fwrite(data, 1, n, f) == n, "cannot write a scratch file");
	fuzz_check(fclose(f) == 0, "cannot close a scratch file");
	return buf;
}

void *fuzz_scratch_read(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	fuzz_check(f != NULL, "cannot open a written file");
	size_t cap = 4096, len = 0;
	unsigned char *b = malloc(cap);
	fuzz_check(b != NULL, "out of memory");
	for (;;) {
		size_t k = fread(b + len, 1, cap - len - 1, f);
		len += k;
		if (len < cap - 1)
			break;
		cap *= 2;
		b = realloc(b, cap);
		fuzz_check(b != NULL, "out of memory");
	}
	fclose(f);
	b[len] = '\0';
	*n = len;
	return b;
}

uint8_t fuzz_in_u8(struct fuzz_in *in)
{
	if (in->n == 0)
		return 0;
	uint8_t v = in->p[0];
	in->p++;
	in->n--;
	return v;
}

uint16_t fuzz_in_u16(struct fuzz_in *in)
{
	uint16_t lo = fuzz_in_u8(in);
	return (uint16_t)(lo | (uint16_t)fuzz_in_u8(in) << 8);
}

const uint8_t *fuzz_in_bytes(struct fuzz_in *in, size_t want, size_t *got)
{
	const uint8_t *p = in->p;
	*got = want < in->n ? want : in->n;
	in->p += *got;
	in->n -= *got;
	return p;
}
