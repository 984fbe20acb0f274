#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

enum eng_status fileio_errno_status(int e)
{
	if (e == ENOENT || e == ENOTDIR)
		return ENG_STATUS_ENOENT;
	if (e == ENOMEM)
		return ENG_STATUS_ENOMEM;
	return ENG_STATUS_EIO;
}

enum eng_status fileio_write_all(int fd, const void *buf, size_t len,
				 const char *path, struct eng_err *err)
{
	const char *p = buf;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int e = errno;
			return eng_err_set(err, ENG_STATUS_EIO, "%s: write: %s", path,
					   strerror(e));
		}
		p += w;
		len -= (size_t)w;
	}
	return ENG_STATUS_OK;
}

enum eng_status fileio_write_atomic(const char *path, fileio_writer write_fn,
				    void *user, struct eng_err *err)
{
	size_t n = strlen(path);
	char *tmp = malloc(n + sizeof ".XXXXXX");
	if (!tmp)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
	memcpy(tmp, path, n);
	memcpy(tmp + n, ".XXXXXX", sizeof ".XXXXXX");
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		return eng_err_set(err, fileio_errno_status(e), "%s: cannot create: %s",
				   path, strerror(e));
	}
	if (fchmod(fd, 0644) != 0) {
		/* Not fatal: the file keeps mkstemp's 0600. */
	}
	enum eng_status st = write_fn(fd, user, path, err);
	if (st == ENG_STATUS_OK && fsync(fd) != 0) {
		int e = errno;
		st = eng_err_set(err, ENG_STATUS_EIO, "%s: fsync: %s", path, strerror(e));
	}
	if (close(fd) != 0 && st == ENG_STATUS_OK) {
		int e = errno;
		st = eng_err_set(err, ENG_STATUS_EIO, "%s: close: %s", path, strerror(e));
	}
	if (st == ENG_STATUS_OK && rename(tmp, path) != 0) {
		int e = errno;
		st = eng_err_set(err, ENG_STATUS_EIO, "%s: rename: %s", path, strerror(e));
	}
	if (st != ENG_STATUS_OK)
		unlink(tmp);
	free(tmp);
	return st;
}
