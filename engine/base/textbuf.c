/* textbuf.c: a growing text buffer (textbuf.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/textbuf.h"

void textbuf_init(struct textbuf *t)
{
	memset(t, 0, sizeof *t);
	t->s = malloc(4096);
	if (!t->s) {
		t->oom = true;
		return;
	}
	t->cap = 4096;
	t->s[0] = '\0';
}

void textbuf_printf(struct textbuf *t, const char *fmt, ...)
{
	if (t->oom)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = true;
			return;
		}
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = 2 * t->cap + (size_t)n + 1;
		char *grown = realloc(t->s, cap);
		if (!grown) {
			t->oom = true;
			return;
		}
		t->s = grown;
		t->cap = cap;
	}
}

char *textbuf_take(struct textbuf *t)
{
	char *s = t->oom ? NULL : t->s;
	if (t->oom)
		free(t->s);
	memset(t, 0, sizeof *t);
	return s;
}

void textbuf_free(struct textbuf *t)
{
	free(t->s);
	memset(t, 0, sizeof *t);
}

void textbuf_csv(struct textbuf *t, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		textbuf_printf(t, "%s", s);
		return;
	}
	textbuf_printf(t, "\"");
	for (; *s; s++)
		textbuf_printf(t, *s == '"' ? "\"\"" : "%c", *s);
	textbuf_printf(t, "\"");
}
