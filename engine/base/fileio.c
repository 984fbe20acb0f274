#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"

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

enum eng_status fileio_mkdirs(const char *dir, unsigned mode, struct eng_err *err)
{
	size_t n = strlen(dir);
	if (n == 0)
		return eng_err_set(err, ENG_STATUS_EINVAL, "directory name is empty");
	char *p = malloc(n + 1);
	if (!p)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char save = p[i];
		p[i] = '\0';
		if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) {
			int e = errno;
			enum eng_status st = eng_err_set(err, fileio_errno_status(e),
				"%s: cannot create directory: %s", p, strerror(e));
			free(p);
			return st;
		}
		p[i] = save;
	}
	free(p);
	struct stat sb;
	if (stat(dir, &sb) != 0) {
		int e = errno;
		return eng_err_set(err, fileio_errno_status(e), "%s: %s", dir,
				   strerror(e));
	}
	if (!S_ISDIR(sb.st_mode))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: exists and is not a directory", dir);
	return ENG_STATUS_OK;
}

/* The temporary next to path that fileio_write_atomic writes: *tmp
 * (malloc'd) and an open *fd. */
static enum eng_status fileio_make_temp(const char *path, char **tmp_out, int *fd_out,
					struct eng_err *err)
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
	*tmp_out = tmp;
	*fd_out = fd;
	return ENG_STATUS_OK;
}

enum eng_status fileio_check_writable(const char *path, struct eng_err *err)
{
	struct stat sb;
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: is a directory", path);
	char *tmp;
	int fd;
	enum eng_status st = fileio_make_temp(path, &tmp, &fd, err);
	if (st != ENG_STATUS_OK)
		return st;
	close(fd);
	unlink(tmp);
	free(tmp);
	return ENG_STATUS_OK;
}

enum eng_status fileio_write_atomic(const char *path, fileio_writer write_fn,
				    void *user, struct eng_err *err)
{
	char *tmp;
	int fd;
	enum eng_status st0 = fileio_make_temp(path, &tmp, &fd, err);
	if (st0 != ENG_STATUS_OK)
		return st0;
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

static enum eng_status fileio_too_big(const char *path, size_t max, const char *what,
				      struct eng_err *err)
{
	char size[32];
	if (max % ((size_t)1 << 20) == 0)
		snprintf(size, sizeof size, "%zu MiB", max >> 20);
	else if (max % 1024 == 0)
		snprintf(size, sizeof size, "%zu KiB", max >> 10);
	else
		snprintf(size, sizeof size, "%zu bytes", max);
	return eng_err_set(err, ENG_STATUS_EINVAL, "%s: larger than %s (too big for %s)",
			   path, size, what);
}

enum eng_status fileio_read_all(const char *path, size_t max, const char *what,
				char **buf, size_t *len, struct eng_err *err)
{
	*buf = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		return eng_err_set(err, fileio_errno_status(e), "%s: %s", path, strerror(e));
	}
	size_t cap = 0, n = 0;
	char *b = NULL;
	enum eng_status st = ENG_STATUS_OK;
	for (;;) {
		if (n == cap) {
			/* Room for one byte past max tells a file over the limit. */
			if (cap > max) {
				st = fileio_too_big(path, max, what, err);
				break;
			}
			size_t nc = cap ? 2 * cap : 65536;
			if (nc > max && max < SIZE_MAX)
				nc = max + 1;
			char *nb = realloc(b, nc);
			if (!nb) {
				st = eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
				break;
			}
			b = nb;
			cap = nc;
		}
		size_t got = fread(b + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				int e = errno;
				st = eng_err_set(err, ENG_STATUS_EIO, "%s: %s", path,
						 strerror(e ? e : EIO));
			}
			break;
		}
	}
	fclose(f);
	if (st == ENG_STATUS_OK && n > max)
		st = fileio_too_big(path, max, what, err);
	if (st != ENG_STATUS_OK) {
		free(b);
		return st;
	}
	*buf = b;
	*len = n;
	return ENG_STATUS_OK;
}

struct fileio_text {
	const void *buf;
	size_t len;
};

static enum eng_status fileio_text_put(int fd, void *user, const char *path,
				       struct eng_err *err)
{
	const struct fileio_text *t = user;
	return fileio_write_all(fd, t->buf, t->len, path, err);
}

enum eng_status fileio_write_atomic_buf(const char *path, const void *buf, size_t len,
					struct eng_err *err)
{
	struct fileio_text t = { buf, len };
	return fileio_write_atomic(path, fileio_text_put, &t, err);
}

enum eng_status fileio_map(const char *path, size_t max, const char *what,
			   struct fileio_map *m, struct eng_err *err)
{
	memset(m, 0, sizeof *m);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		return eng_err_set(err, fileio_errno_status(e), "%s: %s", path, strerror(e));
	}
	struct stat sb;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
		if ((uint64_t)sb.st_size > (uint64_t)max) {
			close(fd);
			return fileio_too_big(path, max, what, err);
		}
		if (sb.st_size == 0) {
			close(fd);
			return ENG_STATUS_OK;
		}
		void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		if (p == MAP_FAILED) {
			int e = errno;
			return eng_err_set(err, fileio_errno_status(e), "%s: mmap: %s",
					   path, strerror(e));
		}
		m->data = p;
		m->len = (size_t)sb.st_size;
		m->mapped = 1;
		return ENG_STATUS_OK;
	}
	close(fd);
	/* Not a regular file (a pipe, /dev/stdin): read it whole. */
	char *buf;
	size_t len;
	enum eng_status st = fileio_read_all(path, max, what, &buf, &len, err);
	if (st != ENG_STATUS_OK)
		return st;
	m->data = (const unsigned char *)buf;
	m->len = len;
	return ENG_STATUS_OK;
}

void fileio_unmap(struct fileio_map *m)
{
	if (m->mapped)
		munmap((void *)m->data, m->len);
	else
		free((void *)m->data);
	memset(m, 0, sizeof *m);
}
