/* fileio.h: the engine's file writing: every file reconvene writes goes
 * through fileio_write_atomic, so a crash or a full disk never leaves a
 * half-written model, weight, plan or report file behind; and reading a
 * whole text file (fileio_read_all) for the parsers.
 *
 * Owns: nothing; buffers are the caller's (fileio_read_all's is malloc'd
 * for the caller to free).
 *
 *   static enum eng_status put(int fd, void *text, const char *path, struct eng_err *err)
 *   { return fileio_write_all(fd, text, strlen(text), path, err); }
 *   fileio_write_atomic("out/model.cfg", put, text, &err);
 */
#ifndef RECONVENE_FILEIO_H
#define RECONVENE_FILEIO_H

#include <stddef.h>

#include "base/status.h"

/* Writes the file's contents to fd; path is for messages. */
typedef enum eng_status (*fileio_writer)(int fd, void *user, const char *path,
					 struct eng_err *err);

/* Create a temporary file next to path (so rename() stays on one file
 * system), let write run, fsync, close and rename it over path; on any
 * failure the temporary is removed and path is untouched.  The new file
 * has mode 0644. */
enum eng_status fileio_write_atomic(const char *path, fileio_writer write,
				    void *user, struct eng_err *err);
/* Whether fileio_write_atomic could write path: its temporary can be
 * created (then removed) and path is not a directory.  For commands that
 * work for minutes before they write, so that a bad path fails first;
 * the same messages as fileio_write_atomic's. */
enum eng_status fileio_check_writable(const char *path, struct eng_err *err);
/* fileio_write_atomic of len bytes from buf. */
enum eng_status fileio_write_atomic_buf(const char *path, const void *buf, size_t len,
					struct eng_err *err);
/* write(2) all of buf, retrying on EINTR; "path: write: <strerror>". */
enum eng_status fileio_write_all(int fd, const void *buf, size_t len,
				 const char *path, struct eng_err *err);
/* Read all of path into *buf (malloc'd, the caller frees it; not
 * NUL-terminated) and *len.  In growing chunks rather than trusting stat,
 * so pipes and /proc files work.  A file larger than max bytes is EINVAL
 * "path: larger than 16 MiB (too big for <what>)"; a missing file
 * ENOENT, a read error EIO, both "path: <strerror>"; ENOMEM.  *buf is NULL
 * on failure. */
enum eng_status fileio_read_all(const char *path, size_t max, const char *what,
				char **buf, size_t *len, struct eng_err *err);
/* A whole file mapped read-only (or, when it cannot be mapped, e.g. a
 * pipe, read into memory): large model files are parsed in place, so
 * their bytes are never copied.  Fill with fileio_map, release with
 * fileio_unmap (which zeroes it). */
struct fileio_map {
	const unsigned char *data;  /* len bytes; NULL when len is 0 */
	size_t len;
	int mapped;                 /* 1: munmap, 0: free */
};
/* Map path (at most max bytes, else EINVAL like fileio_read_all; errors
 * as fileio_read_all's).  On failure *m is zeroed. */
enum eng_status fileio_map(const char *path, size_t max, const char *what,
			   struct fileio_map *m, struct eng_err *err);
void fileio_unmap(struct fileio_map *m);
/* mkdir -p: create each missing component of dir with mode (bundles
 * 0755, private state 0700).  "<component>: cannot create directory:
 * <strerror>"; EINVAL "dir: exists and is not a directory". */
enum eng_status fileio_mkdirs(const char *dir, unsigned mode, struct eng_err *err);
/* ENOENT/ENOTDIR -> ENG_STATUS_ENOENT, ENOMEM -> ENOMEM, else EIO. */
enum eng_status fileio_errno_status(int e);

#endif
