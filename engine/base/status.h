/* status.h: error reporting for the engine.
 *
 * Owns: nothing on the heap.  Every engine call that can fail because of
 * something a user did (a bad file, a shape that does not fit, memory) returns
 * an enum eng_status and, when the caller passes a struct eng_err, fills it
 * with one human-readable line such as "models/x.cfg:12: unknown key 'sise'".
 * The engine never prints and never exits; ENG_ASSERT is for programming
 * errors only (it aborts with file:line, like GGML_ASSERT).
 *
 * Thread rules: eng_err is plain caller-owned storage; no shared state.
 *
 *   struct eng_err err;
 *   if (cfg_parse_file(path, &spec, &err) != ENG_STATUS_OK)
 *       fprintf(stderr, "reconvene: %s\n", err.msg);
 */
#ifndef RECONVENE_STATUS_H
#define RECONVENE_STATUS_H

enum eng_status {
	ENG_STATUS_OK = 0,
	ENG_STATUS_EINVAL,   /* malformed input or impossible request */
	ENG_STATUS_ENOMEM,   /* an allocation failed */
	ENG_STATUS_EIO,      /* a file could not be read or written */
	ENG_STATUS_ENOENT,   /* a named file or object does not exist */
	ENG_STATUS_ABORTED,  /* a job was cancelled through its abort flag */
};

#define ENG_ERR_MAX 512

struct eng_err {
	char msg[ENG_ERR_MAX]; /* one line, no trailing newline */
};

/* A short constant name for a status ("invalid input", ...). */
const char *eng_status_str(enum eng_status st);

/* Fill err (if not NULL) with a printf-style message and return st, so that
 * callers can write `return eng_err_set(err, ENG_STATUS_EINVAL, "...")`.
 * Control characters in the result (a newline inside a name quoted from a
 * file) become '?': a message is always one line. */
enum eng_status eng_err_set(struct eng_err *err, enum eng_status st,
			    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Abort on a broken invariant (a bug, never a user error). */
void eng_assert_fail(const char *expr, const char *file, int line)
	__attribute__((noreturn));
#define ENG_ASSERT(x) \
	((x) ? (void)0 : eng_assert_fail(#x, __FILE__, __LINE__))

#endif
