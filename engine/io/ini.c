#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "io/ini.h"

/* The lines are copied one at a time into fixed buffers so that the
 * callback gets NUL-terminated strings while the input need not be
 * terminated; the section name outlives its line, hence a second buffer. */
struct ini_state {
	const char *path;
	ini_event_fn fn;
	void *user;
	struct eng_err *err;
	int line;
	char buf[INI_LINE_MAX + 1];
	char section[INI_LINE_MAX + 1];
	char msg[160];
};

bool ini_char_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Keys and section names: [A-Za-z0-9_.@-]+; '@' carries theme tiers. */
static bool ini_char_name(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '@' ||
	       c == '-';
}

static bool ini_name_valid(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		if (!ini_char_name(*s))
			return false;
	}
	return true;
}

static char *ini_skip_blanks(char *s)
{
	while (ini_char_blank(*s))
		s++;
	return s;
}

/* Cut trailing blanks of the string that starts at s and ends before end. */
static void ini_trim_end(char *s, char *end)
{
	while (end > s && ini_char_blank(end[-1]))
		end--;
	*end = '\0';
}

static enum eng_status ini_emit(struct ini_state *st, struct ini_event *ev)
{
	ev->line = st->line;
	ev->section = st->section;
	return st->fn(st->user, ev, st->err);
}

static enum eng_status ini_fail(struct ini_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static enum eng_status ini_fail(struct ini_state *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->msg, sizeof st->msg, fmt, ap);
	va_end(ap);
	struct ini_event ev = { .kind = INI_EVENT_ERROR, .message = st->msg };
	enum eng_status rc = ini_emit(st, &ev);
	if (rc != ENG_STATUS_OK)
		eng_err_set(st->err, rc, "%s:%d: %s", st->path, st->line, st->msg);
	return rc;
}

static enum eng_status ini_section_parse(struct ini_state *st, char *s)
{
	char *close = strchr(s + 1, ']');
	if (!close)
		return ini_fail(st, "unterminated section header (missing ']')");
	char *after = ini_skip_blanks(close + 1);
	if (*after && *after != '#')
		return ini_fail(st, "unexpected text after ']'");
	char *name = ini_skip_blanks(s + 1);
	ini_trim_end(name, close);
	if (!*name)
		return ini_fail(st, "empty section name");
	if (!ini_name_valid(name))
		return ini_fail(st, "invalid section name '%.40s'", name);
	memmove(st->section, name, strlen(name) + 1);
	struct ini_event ev = { .kind = INI_EVENT_SECTION };
	return ini_emit(st, &ev);
}

/* Split the value part of a key line in place; NULL after reporting a
 * malformed value through *rc. */
static char *ini_value_parse(struct ini_state *st, char *v, enum eng_status *rc)
{
	v = ini_skip_blanks(v);
	if (*v == '"') {
		char *q = strchr(v + 1, '"');
		if (!q) {
			*rc = ini_fail(st, "unterminated quote");
			return NULL;
		}
		char *after = ini_skip_blanks(q + 1);
		if (*after && *after != '#') {
			*rc = ini_fail(st, "unexpected text after closing quote");
			return NULL;
		}
		*q = '\0';
		return v + 1;
	}
	char *p = v;
	for (; *p; p++) {
		if (*p == '#' && (p == v || ini_char_blank(p[-1])) &&
		    (p[1] == '\0' || ini_char_blank(p[1])))
			break;
		if (*p == '"') {
			*rc = ini_fail(st, "stray '\"' in value (quote the whole value)");
			return NULL;
		}
	}
	ini_trim_end(v, p);
	return v;
}

static enum eng_status ini_key_parse(struct ini_state *st, char *s)
{
	char *eq = strchr(s, '=');
	if (!eq)
		return ini_fail(st, "missing '=' (expected 'key = value' or '[section]')");
	ini_trim_end(s, eq);
	if (!*s)
		return ini_fail(st, "missing key before '='");
	if (!ini_name_valid(s))
		return ini_fail(st, "invalid key '%.40s'", s);
	enum eng_status rc = ENG_STATUS_OK;
	char *value = ini_value_parse(st, eq + 1, &rc);
	if (!value)
		return rc;
	struct ini_event ev = { .kind = INI_EVENT_KEY, .key = s, .value = value };
	return ini_emit(st, &ev);
}

static enum eng_status ini_line_parse(struct ini_state *st)
{
	char *s = ini_skip_blanks(st->buf);
	if (!*s || *s == '#')
		return ENG_STATUS_OK;
	if (*s == '[')
		return ini_section_parse(st, s);
	return ini_key_parse(st, s);
}

enum eng_status ini_parse(const char *text, size_t len, const char *path,
			  ini_event_fn fn, void *user, struct eng_err *err)
{
	/* About 8 KiB: fine on any thread's stack, no heap per parse. */
	struct ini_state st = { .path = path, .fn = fn, .user = user, .err = err };
	size_t pos = 0;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	while (pos < len) {
		if (st.line == INT_MAX)
			return eng_err_set(err, ENG_STATUS_EINVAL, "%s: too many lines", path);
		st.line++;
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t raw = nl ? (size_t)(nl - start) : len - pos;
		size_t n = raw;
		if (n > 0 && start[n - 1] == '\r')
			n--;
		pos += raw + (nl ? 1 : 0);
		enum eng_status rc = ENG_STATUS_OK;
		if (memchr(start, '\0', raw))
			rc = ini_fail(&st, "NUL byte in line");
		else if (n > INI_LINE_MAX)
			rc = ini_fail(&st, "line longer than %d bytes", INI_LINE_MAX);
		else {
			memcpy(st.buf, start, n);
			st.buf[n] = '\0';
			rc = ini_line_parse(&st);
		}
		if (rc != ENG_STATUS_OK)
			return rc;
	}
	struct ini_event ev = { .kind = INI_EVENT_END };
	return ini_emit(&st, &ev);
}
