#include "config.h"

#include "explorer/keylog.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* The KEY_* constants only (see keys.c). */
#define NCURSES_NOMACROS 1
#include <curses.h>

#include "base/fileio.h"
#include "prune/reconvene.h"

static const struct {
	const char *name;
	int key;
} keylog_names[] = {
	{ "Up", KEY_UP },         { "Down", KEY_DOWN },     { "Left", KEY_LEFT },
	{ "Right", KEY_RIGHT },   { "S-Left", KEY_SLEFT },  { "S-Right", KEY_SRIGHT },
	{ "PPage", KEY_PPAGE },   { "NPage", KEY_NPAGE },   { "Home", KEY_HOME },
	{ "End", KEY_END },       { "Tab", '\t' },          { "BTab", KEY_BTAB },
	{ "Space", ' ' },         { "Enter", '\r' },        { "KPEnter", KEY_ENTER },
	{ "Escape", 27 },         { "BSpace", KEY_BACKSPACE }, { "DC", KEY_DC },
	{ "IC", KEY_IC },
};

#define KEYLOG_N_NAMES (sizeof keylog_names / sizeof keylog_names[0])

const char *keylog_key_name(int key, char *buf, size_t len)
{
	for (size_t i = 0; i < KEYLOG_N_NAMES; i++)
		if (keylog_names[i].key == key) {
			snprintf(buf, len, "%s", keylog_names[i].name);
			return buf;
		}
	if (key > ' ' && key < 127)
		snprintf(buf, len, "%c", key);
	else if (key >= 1 && key <= 26)
		snprintf(buf, len, "C-%c", 'a' + key - 1);
	else if (key >= KEY_F(1) && key <= KEY_F(12))
		snprintf(buf, len, "F%d", key - KEY_F0);
	else
		snprintf(buf, len, "#%d", key);
	return buf;
}

bool keylog_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

bool keylog_key_parse(const char *name, int *key)
{
	for (size_t i = 0; i < KEYLOG_N_NAMES; i++)
		if (strcmp(keylog_names[i].name, name) == 0) {
			*key = keylog_names[i].key;
			return true;
		}
	long v;
	if (name[0] > ' ' && name[0] < 127 && name[1] == '\0') {
		*key = (unsigned char)name[0];
		return true;
	}
	if (name[0] == 'C' && name[1] == '-' && name[2] >= 'a' && name[2] <= 'z' &&
	    name[3] == '\0') {
		*key = name[2] - 'a' + 1;
		return true;
	}
	if (name[0] == 'F' && keylog_int(name + 1, 1, 12, &v)) {
		*key = KEY_F((int)v);
		return true;
	}
	if (name[0] == '#' && keylog_int(name + 1, 0, INT_MAX, &v)) {
		*key = (int)v;
		return true;
	}
	return false;
}

/* ---- reading ------------------------------------------------------------ */

static enum eng_status keylog_push(struct keylog *log, enum keylog_kind kind,
				   int a, int b)
{
	if (log->n == log->cap) {
		int cap = log->cap ? log->cap * 2 : 256;
		struct keylog_event *ev = realloc(log->ev, (size_t)cap * sizeof *ev);
		if (!ev)
			return ENG_STATUS_ENOMEM;
		log->ev = ev;
		log->cap = cap;
	}
	log->ev[log->n++] = (struct keylog_event){ kind, a, b };
	return ENG_STATUS_OK;
}

const char *keylog_settings_parse(char *rest, struct keylog_header *h)
{
	bool m = false, s = false, t = false, sd = false;
	char *save = NULL;
	for (char *tok = strtok_r(rest, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq)
			return "settings: expected key=value";
		*eq = '\0';
		const char *v = eq + 1;
		char *end;
		if (strcmp(tok, "method") == 0) {
			if (!*v || strlen(v) >= sizeof h->method)
				return "settings: bad method";
			snprintf(h->method, sizeof h->method, "%s", v);
			m = true;
		} else if (strcmp(tok, "sparsity") == 0 || strcmp(tok, "tau") == 0) {
			errno = 0;
			double d = strtod(v, &end);
			if (!*v || *end || errno || !(d >= 0.0 && d <= 1.0))
				return "settings: sparsity and tau are numbers in [0, 1]";
			if (tok[0] == 's') {
				h->sparsity = d;
				s = true;
			} else {
				h->tau = d;
				t = true;
			}
		} else if (strcmp(tok, "seed") == 0) {
			errno = 0;
			unsigned long long u = strtoull(v, &end, 10);
			if (!*v || *end || errno || v[0] == '-')
				return "settings: seed is a whole number >= 0";
			h->seed = u;
			sd = true;
		} else if (strcmp(tok, "align") == 0) {
			errno = 0;
			long a = strtol(v, &end, 10);
			_Static_assert(RECONVENE_ALIGN_MAX == 4096, "the message says 4096");
			if (!*v || *end || errno || a < 1 || a > RECONVENE_ALIGN_MAX)
				return "settings: align is a whole number in 1..4096";
			h->align = a > 1 ? (int)a : 0;
		} else if (strcmp(tok, "width") == 0) {
			int wv = reconvene_width_from_name(v);
			if (wv < 0 || wv == RECONVENE_WIDTH_BUDGET)
				return "settings: width is density, nnz or sqrt";
			h->width = wv;
		} else {
			return "settings: unknown key (method sparsity tau seed align width)";
		}
	}
	if (!(m && s && t && sd))
		return "settings: needs method, sparsity, tau and seed";
	h->has_settings = true;
	return NULL;
}

/* One line (no newline, NUL-terminated, writable).  NULL or what is wrong. */
static const char *keylog_line(char *line, struct keylog *log, bool *oom)
{
	struct keylog_header *h = &log->head;
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '\0' || *line == '#')
		return NULL;
	char *rest = strchr(line, ' ');
	if (rest)
		*rest++ = '\0';
	else
		rest = line + strlen(line);
	/* Arguments: trailing blanks (and a CR) do not count. */
	size_t rl = strlen(rest);
	while (rl > 0 && (rest[rl - 1] == ' ' || rest[rl - 1] == '\t' ||
			  rest[rl - 1] == '\r'))
		rest[--rl] = '\0';
	enum eng_status st = ENG_STATUS_OK;
	long a, b;
	if (strcmp(line, "key") == 0) {
		int k;
		if (!keylog_key_parse(rest, &k))
			return "unknown key name (docs/replay.md lists them)";
		st = keylog_push(log, KEYLOG_KEY, k, 0);
	} else if (strcmp(line, "text") == 0) {
		if (!*rest)
			return "text: no characters";
		for (const char *p = rest; *p && st == ENG_STATUS_OK; p++) {
			if (*p < ' ' || *p > '~')
				return "text: printable ASCII only (use key for others)";
			st = keylog_push(log, KEYLOG_KEY, (unsigned char)*p, 0);
		}
	} else if (strcmp(line, "resize") == 0 || strcmp(line, "size") == 0) {
		char *sp = strchr(rest, ' ');
		if (!sp)
			return "expected columns and rows";
		*sp++ = '\0';
		if (!keylog_int(rest, 1, 10000, &a) || !keylog_int(sp, 1, 10000, &b))
			return "columns and rows are whole numbers from 1 to 10000";
		if (line[0] == 's') {
			h->cols = (int)a;
			h->rows = (int)b;
			h->has_size = true;
		} else {
			st = keylog_push(log, KEYLOG_RESIZE, (int)a, (int)b);
		}
	} else if (strcmp(line, "select") == 0 || strcmp(line, "heat") == 0 ||
		   strcmp(line, "scroll") == 0) {
		bool scroll = line[1] == 'c';
		if (!keylog_int(rest, scroll ? -10000 : 0, 10000, &a))
			return scroll ? "scroll: a whole number of rows"
				      : "expected a row number >= 0";
		st = keylog_push(log, scroll ? KEYLOG_SCROLL
				 : line[0] == 'h' ? KEYLOG_HEAT : KEYLOG_SELECT, (int)a, 0);
	} else if (strcmp(line, "focus") == 0) {
		if (strcmp(rest, "proj") != 0)
			return "focus: only 'proj' (the projection panel)";
		st = keylog_push(log, KEYLOG_FOCUS_PROJ, 0, 0);
	} else if (strcmp(line, "action") == 0) {
		int act = -1;
		for (int i = 1; i < UI_ACTION_COUNT; i++)
			if (strcmp(keys_action_name((enum ui_action)i), rest) == 0)
				act = i;
		if (act < 0)
			return "unknown action (docs/keys.md lists them)";
		st = keylog_push(log, KEYLOG_ACTION, act, 0);
	} else if (strcmp(line, "wait") == 0) {
		if (*rest)
			return "wait takes no arguments";
		st = keylog_push(log, KEYLOG_WAIT, 0, 0);
	} else if (strcmp(line, "model") == 0) {
		if (!*rest || strlen(rest) >= sizeof h->model)
			return "model: a name, a .cfg or a .onnx path";
		snprintf(h->model, sizeof h->model, "%s", rest);
		h->has_model = true;
	} else if (strcmp(line, "data") == 0) {
		if (!*rest || strlen(rest) >= sizeof h->data)
			return "data: a directory";
		snprintf(h->data, sizeof h->data, "%s", rest);
		h->has_data = true;
	} else if (strcmp(line, "settings") == 0) {
		return keylog_settings_parse(rest, h);
	} else {
		return "unknown line (key text resize select heat scroll focus action "
		       "wait, or the header: model settings size data)";
	}
	if (st != ENG_STATUS_OK) {
		*oom = true;
		return "out of memory";
	}
	return NULL;
}

enum eng_status keylog_parse(const char *text, size_t len, const char *name,
			     struct keylog *log, struct eng_err *err)
{
	memset(log, 0, sizeof *log);
	char line[KEYLOG_TEXT_MAX + 2];
	size_t pos = 0;
	int lineno = 0;
	while (pos < len) {
		lineno++;
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		size_t n = end - pos;
		if (n > KEYLOG_TEXT_MAX)
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "%s:%d: line longer than %d bytes", name, lineno,
					   KEYLOG_TEXT_MAX);
		if (memchr(text + pos, '\0', n))
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "%s:%d: a NUL byte (not a text file)", name, lineno);
		memcpy(line, text + pos, n);
		line[n] = '\0';
		bool oom = false;
		const char *why = keylog_line(line, log, &oom);
		if (why)
			return eng_err_set(err, oom ? ENG_STATUS_ENOMEM : ENG_STATUS_EINVAL,
					   "%s:%d: %s", name, lineno, why);
		pos = end + 1;
	}
	return ENG_STATUS_OK;
}

enum eng_status keylog_read(const char *path, struct keylog *log,
			    struct eng_err *err)
{
	memset(log, 0, sizeof *log);
	char *buf;
	size_t len;
	enum eng_status rs = fileio_read_all(path, KEYLOG_FILE_MAX, "a key log", &buf,
					     &len, err);
	if (rs != ENG_STATUS_OK)
		return rs;
	enum eng_status st = keylog_parse(buf, len, path, log, err);
	free(buf);
	return st;
}

void keylog_done(struct keylog *log)
{
	free(log->ev);
	memset(log, 0, sizeof *log);
}

/* ---- writing ------------------------------------------------------------ */

/* The shortest text that reads back as v ("0.9", not 0.90000000000000002). */
static const char *keylog_double(double v, char *buf, size_t len)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

int keylog_settings_format(const struct keylog_header *h, char *buf, size_t len)
{
	char sb[32], tb[32];
	/* align and width only when not what an older log means without them
	 * (no alignment, the density rule): those logs replay as recorded. */
	char ab[32] = "", wb[32] = "";
	if (h->align > 1)
		snprintf(ab, sizeof ab, " align=%d", h->align);
	if (h->width != RECONVENE_WIDTH_DENSITY && reconvene_width_name(h->width))
		snprintf(wb, sizeof wb, " width=%s", reconvene_width_name(h->width));
	return snprintf(buf, len, "method=%s sparsity=%s tau=%s seed=%llu%s%s", h->method,
			keylog_double(h->sparsity, sb, sizeof sb),
			keylog_double(h->tau, tb, sizeof tb), h->seed, ab, wb);
}

void keylog_header_write(FILE *f, const struct keylog_header *h)
{
	fprintf(f, "# reconvene key log %d (docs/replay.md)\n", KEYLOG_VERSION);
	if (h->has_model)
		fprintf(f, "model %s\n", h->model);
	if (h->has_settings) {
		char sl[256];
		keylog_settings_format(h, sl, sizeof sl);
		fprintf(f, "settings %s\n", sl);
	}
	if (h->has_data)
		fprintf(f, "data %s\n", h->data);
	if (h->has_size)
		fprintf(f, "size %d %d\n", h->cols, h->rows);
}

void keylog_event_write(FILE *f, const struct keylog_event *ev)
{
	char name[KEYLOG_NAME_MAX];
	switch (ev->kind) {
	case KEYLOG_KEY:
		fprintf(f, "key %s\n", keylog_key_name(ev->a, name, sizeof name));
		break;
	case KEYLOG_RESIZE: fprintf(f, "resize %d %d\n", ev->a, ev->b); break;
	case KEYLOG_SELECT: fprintf(f, "select %d\n", ev->a); break;
	case KEYLOG_HEAT: fprintf(f, "heat %d\n", ev->a); break;
	case KEYLOG_SCROLL: fprintf(f, "scroll %d\n", ev->a); break;
	case KEYLOG_FOCUS_PROJ: fprintf(f, "focus proj\n"); break;
	case KEYLOG_ACTION:
		fprintf(f, "action %s\n", keys_action_name((enum ui_action)ev->a));
		break;
	case KEYLOG_WAIT: fprintf(f, "wait\n"); break;
	}
}
