/* warn.c: formatting a warning line and handing it to its callback. */
#include "config.h"

#include <stdio.h>

#include "base/warn.h"

void eng_warn_line(const struct eng_warn *w, const char *line)
{
	if (w && w->fn)
		w->fn(w->user, line);
}

void eng_warn_vemit(const struct eng_warn *w, const char *fmt, va_list ap)
{
	if (!w || !w->fn)
		return;
	char line[ENG_WARN_MAX];
	vsnprintf(line, sizeof line, fmt, ap);
	w->fn(w->user, line);
}

void eng_warn_emit(const struct eng_warn *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	eng_warn_vemit(w, fmt, ap);
	va_end(ap);
}

void eng_warn_last_keep(void *user, const char *line)
{
	struct eng_warn_last *k = user;
	if (k && k->buf && k->len)
		snprintf(k->buf, k->len, "%s", line);
}
