/* fuzz_util.h: what the libFuzzer targets (fuzz/fuzz_*.c) share: the
 * abort that turns a broken promise into a finding, the check every
 * failed read must pass, a private scratch directory for readers that take
 * a path, and a cursor that cuts one input into several files.
 *
 * Owns: the scratch directory (created on first use under $TMPDIR, else
 * /dev/shm, else /tmp; emptied and removed at exit).  Nothing else.
 *
 * Thread rules: libFuzzer calls a target from one thread; so do these.
 *
 *   char path[PATH_MAX];
 *   fuzz_scratch_write(path, sizeof path, "plan.json", data, size);
 *   st = plan_file_read(path, ...);
 *   if (st) fuzz_err_check(st, &err, path, FUZZ_ST_EINVAL);
 */
#ifndef RECONVENE_FUZZ_UTIL_H
#define RECONVENE_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Statuses a failed read may return, or-ed for fuzz_err_check. */
#define FUZZ_ST_EINVAL (1u << ENG_STATUS_EINVAL)
#define FUZZ_ST_ENOMEM (1u << ENG_STATUS_ENOMEM)
#define FUZZ_ST_EIO (1u << ENG_STATUS_EIO)
#define FUZZ_ST_ENOENT (1u << ENG_STATUS_ENOENT)

/* Abort with "fuzz: what" unless ok. */
void fuzz_check(int ok, const char *what);

/* A failure as every reader promises it: a status in allowed, and one
 * non-empty line in err that starts with prefix (NULL: any start). */
void fuzz_err_check(enum eng_status st, const struct eng_err *err,
		    const char *prefix, unsigned allowed);

/* The scratch directory (the same for the whole process). */
const char *fuzz_scratch_dir(void);
/* Path of name in the scratch directory, into buf (PATH_MAX). */
char *fuzz_scratch_path(char *buf, size_t len, const char *name);
/* Write len bytes to name in the scratch directory (replacing it); returns
 * the path in buf. */
char *fuzz_scratch_write(char *buf, size_t len, const char *name,
			 const void *data, size_t n);
/* Read a whole file back (malloc'd, with a NUL after the *n bytes, so
 * written text compares with strcmp). */
void *fuzz_scratch_read(const char *path, size_t *n);
/* Remove every file (and empty directory) below the scratch directory. */
void fuzz_scratch_clear(void);

/* A cursor over the input, for targets that cut it into parts; reads past
 * the end give zeros and empty parts, so every input is a valid split. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

uint8_t fuzz_in_u8(struct fuzz_in *in);
uint16_t fuzz_in_u16(struct fuzz_in *in);           /* little-endian */
/* Up to want bytes (fewer at the end); *got says how many. */
const uint8_t *fuzz_in_bytes(struct fuzz_in *in, size_t want, size_t *got);

#endif
