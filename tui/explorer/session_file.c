#include "config.h"

#include "explorer/session_file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/fileio.h"

static bool session_file_worth(const struct app *a)
{
	if (a->hist.n > 1)
		return true;
	for (int g = 0; g < a->plan.n_groups; g++)
		if (a->locked[g])
			return true;
	return false;
}

static bool session_settings_same(const struct worker_settings *x,
				  const struct worker_settings *y)
{
	return x->method == y->method && x->sparsity == y->sparsity &&
	       x->tau == y->tau && x->seed == y->seed;
}

enum eng_status session_file_init(struct session_file *sf, const char *dir,
				  const char *model, const struct app *a,
				  struct eng_err *err)
{
	memset(sf, 0, sizeof *sf);
	sf->fd = -1;
	sf->lock_fd = -1;
	sf->n_groups = a->plan.n_groups;
	snprintf(sf->model, sizeof sf->model, "%s", model);
	const char *net = a->model->net->name;
	uint64_t shape = session_state_shape(&a->model->groups);
	int n1 = snprintf(sf->dir, sizeof sf->dir, "%s", dir);
	int n2 = snprintf(sf->path, sizeof sf->path, "%s/%s-%016" PRIx64 ".session",
			  dir, net, shape);
	if (n1 < 0 || (size_t)n1 >= sizeof sf->dir || n2 < 0 ||
	    (size_t)n2 >= sizeof sf->path)
		return eng_err_set(err, ENG_STATUS_EINVAL, "session: directory name too long");
	sf->line_cap = session_state_line_max(sf->n_groups);
	sf->buf_cap = 8 * sf->line_cap;
	sf->buf = malloc(sf->buf_cap);
	sf->locked = calloc((size_t)(sf->n_groups > 0 ? sf->n_groups : 1),
			    sizeof *sf->locked);
	if (!sf->buf || !sf->locked)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "session: out of memory");
	enum eng_status st = fileio_mkdirs(dir, 0700, err);
	if (st != ENG_STATUS_OK)
		return st;
	char lock[sizeof sf->path + 8];
	snprintf(lock, sizeof lock, "%.*s.lock", (int)(strlen(sf->path) - strlen(".session")),
		 sf->path);
	sf->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (sf->lock_fd < 0) {
		int e = errno;
		return eng_err_set(err, fileio_errno_status(e), "session: %s: %s", lock,
				   strerror(e));
	}
	if (flock(sf->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		close(sf->lock_fd);
		sf->lock_fd = -1;
		return eng_err_set(err, ENG_STATUS_EIO, "session: %s",
				   e == EWOULDBLOCK ? "another explorer has this model open"
						    : strerror(e));
	}
	sf->old_present = access(sf->path, F_OK) == 0;
	return ENG_STATUS_OK;
}

void session_file_done(struct session_file *sf)
{
	if (sf->fd >= 0)
		close(sf->fd);
	if (sf->lock_fd >= 0)
		close(sf->lock_fd);
	free(sf->buf);
	free(sf->locked);
	memset(sf, 0, sizeof *sf);
	sf->fd = sf->lock_fd = -1;
}

enum eng_status session_file_load(struct session_file *sf, const struct app *a,
				  struct session_state **out, char *when, size_t when_len,
				  struct eng_err *err)
{
	*out = NULL;
	char *text = NULL;
	size_t len = 0;
	enum eng_status st = fileio_read_all(sf->path, SESSION_STATE_FILE_MAX,
					     "a session", &text, &len, err);
	if (st != ENG_STATUS_OK)
		return st;
	struct stat sb;
	time_t t = stat(sf->path, &sb) == 0 ? sb.st_mtime : time(NULL);
	struct tm tm;
	if (!localtime_r(&t, &tm) || !strftime(when, when_len, "%Y-%m-%d %H:%M", &tm))
		snprintf(when, when_len, "?");
	struct session_state *s = malloc(sizeof *s);
	if (!s) {
		free(text);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "session: out of memory");
	}
	st = session_state_parse(text, len, sf->path, a->model->net->name,
				 &a->model->groups, a->n_rows, a->settings.min_keep, s, err);
	free(text);
	if (st == ENG_STATUS_OK && !session_state_worth(s))
		st = ENG_STATUS_ENOENT;
	if (st != ENG_STATUS_OK) {
		session_state_done(s);
		free(s);
		return st;
	}
	*out = s;
	return ENG_STATUS_OK;
}

/* The mirror: what the file says once the last write landed. */
static void session_file_mirror(struct session_file *sf, const struct app *a)
{
	sf->pushes = a->hist.pushes;
	sf->restores = a->restores;
	sf->log_changes = a->plans.changes;
	sf->pos = a->hist.pos;
	memcpy(sf->locked, a->locked, sizeof *sf->locked * (size_t)sf->n_groups);
	sf->settings = a->settings;
	app_session_view(a, &sf->view);
	sf->saved_hash = a->saved_hash;
}

static enum eng_status session_file_fail(struct session_file *sf, enum eng_status st)
{
	sf->failed = true;
	if (sf->fd >= 0)
		close(sf->fd);
	sf->fd = -1;
	return st;
}

enum eng_status session_file_save(struct session_file *sf, const struct app *a,
				  struct eng_err *err)
{
	if (sf->failed || sf->lock_fd < 0 || a->restore)
		return ENG_STATUS_OK;
	if (!session_file_worth(a)) {
		/* Nothing to restore: a file from before that was declined
		 * (or is corrupt) goes. */
		if (sf->old_present)
			session_file_discard(sf);
		return ENG_STATUS_OK;
	}
	struct session_state s;
	if (app_session_capture(a, &s) != ENG_STATUS_OK)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "session: out of memory");
	snprintf(s.model, sizeof s.model, "%s", sf->model);
	snprintf(s.net, sizeof s.net, "%s", a->model->net->name);
	s.shape = session_state_shape(&a->model->groups);
	char *text = NULL;
	size_t len = 0;
	enum eng_status st = session_state_format(&s, &text, &len);
	session_state_done(&s);
	if (st != ENG_STATUS_OK)
		return session_file_fail(sf, eng_err_set(err, st, "session: out of memory"));
	st = fileio_write_atomic_buf(sf->path, text, len, err);
	free(text);
	if (st != ENG_STATUS_OK)
		return session_file_fail(sf, st);
	if (sf->fd >= 0)
		close(sf->fd);
	sf->fd = open(sf->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (sf->fd < 0) {
		int e = errno;
		return session_file_fail(sf, eng_err_set(err, fileio_errno_status(e),
							 "%s: %s", sf->path, strerror(e)));
	}
	sf->old_present = false;
	sf->base = len;
	sf->appended = 0;
	session_file_mirror(sf, a);
	return ENG_STATUS_OK;
}

void session_file_discard(struct session_file *sf)
{
	if (sf->lock_fd < 0)
		return;
	if (sf->fd >= 0)
		close(sf->fd);
	sf->fd = -1;
	unlink(sf->path);
	sf->old_present = false;
}

/* One record into the sync's buffer (which holds a few). */
static bool session_file_add(struct session_file *sf, size_t *used, int n)
{
	if (n < 0 || (size_t)n >= sf->line_cap)
		return false;
	*used += (size_t)n;
	return true;
}

enum eng_status session_file_sync(struct session_file *sf, const struct app *a,
				  struct eng_err *err)
{
	if (sf->failed || sf->lock_fd < 0 || a->restore)
		return ENG_STATUS_OK;
	if (sf->fd < 0 || a->restores != sf->restores || a->hist.pushes > sf->pushes + 1 ||
	    a->hist.pushes < sf->pushes || a->plans.changes > sf->log_changes + 1 ||
	    a->plans.changes < sf->log_changes)
		return sf->fd < 0 && !session_file_worth(a) && !sf->old_present
			       ? ENG_STATUS_OK : session_file_save(sf, a, err);
	/* At most: an edit, a position, the settings, the saved mark, the
	 * view, and the locks (a key changes one; several: a full write). */
	size_t used = 0;
	char *b = sf->buf;
	size_t lc = sf->line_cap;
	bool ok = true;
	int pos = sf->pos;
	if (a->hist.pushes == sf->pushes + 1) {
		ok &= session_file_add(sf, &used, session_state_edit_line(
			b + used, lc, a->hist.v[a->hist.n - 1], sf->n_groups));
		pos = a->hist.n - 1;
	}
	if (a->hist.pos != pos)
		ok &= session_file_add(sf, &used, session_state_pos_line(b + used, lc,
									 a->hist.pos));
	int locks = 0;
	for (int g = 0; g < sf->n_groups; g++)
		locks += a->locked[g] != sf->locked[g];
	if (locks > 2)
		return session_file_save(sf, a, err);
	for (int g = 0; g < sf->n_groups; g++)
		if (a->locked[g] != sf->locked[g])
			ok &= session_file_add(sf, &used, session_state_lock_line(
				b + used, lc, g, a->locked[g]));
	if (!session_settings_same(&a->settings, &sf->settings))
		ok &= session_file_add(sf, &used, session_state_settings_line(
			b + used, lc, &a->settings));
	if (a->saved_hash != sf->saved_hash)
		ok &= session_file_add(sf, &used, session_state_saved_line(
			b + used, lc, a->saved_hash));
	/* A measurement: its entry again (the reader merges by plan). */
	if (a->plans.changes == sf->log_changes + 1 && a->plans.last_changed >= 0)
		ok &= session_file_add(sf, &used, session_state_measured_line(
			b + used, lc, &a->plans.e[a->plans.last_changed], sf->n_groups));
	if (used == 0)
		return ENG_STATUS_OK; /* the view alone waits for a record */
	struct session_view v;
	app_session_view(a, &v);
	if (memcmp(&v, &sf->view, sizeof v) != 0)
		ok &= session_file_add(sf, &used, session_state_view_line(b + used, lc, &v));
	if (!ok)
		return session_file_save(sf, a, err);
	enum eng_status st = fileio_write_all(sf->fd, b, used, sf->path, err);
	if (st != ENG_STATUS_OK)
		return session_file_fail(sf, st);
	sf->writes++;
	sf->appended += used;
	session_file_mirror(sf, a);
	if (sf->appended > SESSION_FILE_APPEND_MIN && sf->appended > sf->base)
		return session_file_save(sf, a, err);
	return ENG_STATUS_OK;
}
