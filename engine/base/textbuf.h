/* textbuf.h: a growing text buffer that printf appends to.
 *
 * Out of memory is sticky: every later append does nothing and
 * textbuf_take returns NULL, so writers append freely and check once.
 *
 * Owns: t->s (textbuf_take hands it over; textbuf_free frees it).  Not
 * shared between threads.
 *
 *   struct textbuf t;
 *   textbuf_init(&t);
 *   textbuf_printf(&t, "%d rows\n", n);
 *   char *text = textbuf_take(&t);     // NULL: out of memory
 */
#ifndef RECONVENE_TEXTBUF_H
#define RECONVENE_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>

struct textbuf {
	char *s;        /* NUL-terminated while !oom */
	size_t len, cap;
	bool oom;
};

/* An empty text (4 KiB to start; oom set if even that fails). */
void textbuf_init(struct textbuf *t);
void textbuf_printf(struct textbuf *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* s as one CSV cell (RFC 4180): as it is, or in double quotes with its
 * quotes doubled when it holds a comma, a quote, CR or LF.  No separator:
 * the caller writes the commas. */
void textbuf_csv(struct textbuf *t, const char *s);
/* The text (the caller frees it), or NULL after an out-of-memory; t is
 * empty afterwards. */
char *textbuf_take(struct textbuf *t);
void textbuf_free(struct textbuf *t);

#endif
