/* warn.h: the engine's one way to report a warning: a problem that does
 * not stop the call (an unknown key in a model cfg, a corrupt cache entry,
 * a picture drawn without a font, a theme line that is ignored).
 *
 * A warning is one line of text without a newline ("models/x.cfg:12:
 * unknown key 'sise' in [conv]"), handed to a callback the caller chose.
 * Every warning source takes a `struct eng_warn` (or a pointer to one):
 * the CLI prints each line as "reconvene: warning: <line>" on stderr, the
 * explorer puts it in its log line, the worker appends it to the ring of
 * lines its snapshots carry, a net_spec stores it (net_spec.h), and a test
 * collects it.  The engine never prints.
 *
 * Owns: nothing.  The line passed to the callback is valid only during
 * the call; copy it to keep it.  A NULL struct eng_warn, or one whose fn is
 * NULL, drops warnings.
 *
 * Thread rules: a callback runs on the thread of the call that warns (for
 * the worker and its cache: the worker thread); eng_warn_emit itself has no
 * shared state.
 *
 *   static void print_warning(void *user, const char *line)
 *   {
 *           (void)user;
 *           fprintf(stderr, "reconvene: warning: %s\n", line);
 *   }
 *   struct eng_warn w = { print_warning, NULL };
 *   cache_new(dir, &w, 0, &cache, &err);
 *   eng_warn_emit(&w, "%s: %d unknown keys", path, n);   // in engine code
 */
#ifndef RECONVENE_WARN_H
#define RECONVENE_WARN_H

#include <stdarg.h>
#include <stddef.h>

#include "base/status.h"

/* Longest line eng_warn_emit formats (including the NUL); longer text is
 * cut. */
#define ENG_WARN_MAX ENG_ERR_MAX

/* One warning line; valid only during the call. */
typedef void (*eng_warn_fn)(void *user, const char *line);

struct eng_warn {
	eng_warn_fn fn;   /* NULL: drop warnings */
	void *user;       /* passed back to fn */
};

/* Format a line (printf-style, cut to ENG_WARN_MAX - 1 bytes) and hand it
 * to w->fn.  NULL-safe: nothing happens when w or w->fn is NULL. */
void eng_warn_emit(const struct eng_warn *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void eng_warn_vemit(const struct eng_warn *w, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Hand an already formatted line to w->fn as it is (no length limit).
 * NULL-safe like eng_warn_emit. */
void eng_warn_line(const struct eng_warn *w, const char *line);

/* A ready-made sink that keeps the LAST line in a caller buffer: an
 * eng_warn_fn whose user is a struct eng_warn_last.  Clear buf[0] before
 * the call to tell "no warning" ("" afterwards) from a warning. */
struct eng_warn_last {
	char *buf;        /* the last line, cut to len - 1 bytes */
	size_t len;       /* 0: keep nothing */
};
void eng_warn_last_keep(void *user, const char *line);

#endif
