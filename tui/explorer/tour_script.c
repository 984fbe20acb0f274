#include "config.h"

/* tour_script.c: the tour script's reader (tour_script.h has the format).
 * Line by line, like the key log: a malformed line stops the read with
 * its FILE:LINE, because a half-read tour in front of a class is worse
 * than none. */

#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "explorer/keylog.h"
#include "explorer/tour_script.h"

static const char *const tour_panel_names[TOUR_PANEL_COUNT] = {
	[TOUR_PANEL_NONE] = "none",
	[TOUR_PANEL_HEADER] = "header",
	[TOUR_PANEL_TABLE] = "table",
	[TOUR_PANEL_HEAT] = "heat",
	[TOUR_PANEL_PROJ] = "proj",
	[TOUR_PANEL_LEGEND] = "legend",
	[TOUR_PANEL_FOOTER] = "footer",
};

static const char *const tour_value_names[TOUR_VALUE_COUNT] = {
	[TOUR_VALUE_MODEL] = "model",
	[TOUR_VALUE_METHOD] = "method",
	[TOUR_VALUE_SPARSITY] = "sparsity",
	[TOUR_VALUE_KEEP_PERCENT] = "keep_percent",
	[TOUR_VALUE_TAU] = "tau",
	[TOUR_VALUE_SEED] = "seed",
	[TOUR_VALUE_LAYERS] = "layers",
	[TOUR_VALUE_GROUPS] = "groups",
	[TOUR_VALUE_RESILIENT] = "resilient",
	[TOUR_VALUE_SPARSEST] = "sparsest",
	[TOUR_VALUE_SPARSEST_DENSITY] = "sparsest_density",
	[TOUR_VALUE_DENSEST] = "densest",
	[TOUR_VALUE_DENSEST_DENSITY] = "densest_density",
	[TOUR_VALUE_LAYER] = "layer",
	[TOUR_VALUE_LAYER_DENSITY] = "layer_density",
	[TOUR_VALUE_LAYER_KEPT] = "layer_kept",
	[TOUR_VALUE_LAYER_CHANNELS] = "layer_channels",
	[TOUR_VALUE_GROUP_LAYERS] = "group_layers",
	[TOUR_VALUE_CHANGED] = "changed",
	[TOUR_VALUE_DENSE_PARAMS] = "dense_params",
	[TOUR_VALUE_PAI_PARAMS] = "pai_params",
	[TOUR_VALUE_PLAN_PARAMS] = "plan_params",
	[TOUR_VALUE_DENSE_BYTES] = "dense_bytes",
	[TOUR_VALUE_PAI_BYTES] = "pai_bytes",
	[TOUR_VALUE_PLAN_BYTES] = "plan_bytes",
	[TOUR_VALUE_DENSE_MACS] = "dense_macs",
	[TOUR_VALUE_PAI_MACS] = "pai_macs",
	[TOUR_VALUE_PLAN_MACS] = "plan_macs",
	[TOUR_VALUE_DENSE_LATENCY] = "dense_latency",
	[TOUR_VALUE_PAI_LATENCY] = "pai_latency",
	[TOUR_VALUE_PLAN_LATENCY] = "plan_latency",
	[TOUR_VALUE_DENSE_ACCURACY] = "dense_accuracy",
	[TOUR_VALUE_PAI_ACCURACY] = "pai_accuracy",
	[TOUR_VALUE_PLAN_ACCURACY] = "plan_accuracy",
	[TOUR_VALUE_PARAMS_RATIO] = "params_ratio",
	[TOUR_VALUE_BYTES_RATIO] = "bytes_ratio",
	[TOUR_VALUE_MACS_RATIO] = "macs_ratio",
	[TOUR_VALUE_SPEEDUP] = "speedup",
	[TOUR_VALUE_PAI_SPEEDUP] = "pai_speedup",
};

static const struct {
	const char *name;
	unsigned bit;
} tour_waits[] = {
	{ "scores", TOUR_WAIT_SCORES },
	{ "auto", TOUR_WAIT_AUTO },
	{ "latency", TOUR_WAIT_LATENCY },
	{ "quickeval", TOUR_WAIT_QUICKEVAL },
	{ "grid", TOUR_WAIT_GRID },
};

const char *tour_panel_name(enum tour_panel p)
{
	return p >= 0 && p < TOUR_PANEL_COUNT ? tour_panel_names[p] : "?";
}

bool tour_panel_parse(const char *name, enum tour_panel *p)
{
	for (int i = 0; i < TOUR_PANEL_COUNT; i++)
		if (strcmp(name, tour_panel_names[i]) == 0) {
			*p = (enum tour_panel)i;
			return true;
		}
	return false;
}

const char *tour_value_name(enum tour_value v)
{
	return v >= 0 && v < TOUR_VALUE_COUNT ? tour_value_names[v] : "?";
}

bool tour_value_lookup(const char *name, size_t len, enum tour_value *v)
{
	for (int i = 0; i < TOUR_VALUE_COUNT; i++)
		if (strlen(tour_value_names[i]) == len &&
		    memcmp(tour_value_names[i], name, len) == 0) {
			*v = (enum tour_value)i;
			return true;
		}
	return false;
}

void tour_script_done(struct tour_script *ts)
{
	for (int i = 0; i < ts->n; i++)
		free(ts->step[i].text);
	free(ts->step);
	memset(ts, 0, sizeof *ts);
}

/* ---- one line ----------------------------------------------------------- */

struct tour_parse {
	const char *name;
	int line;
	struct tour_script *ts;
	size_t text_len;             /* of the current step's text */
	struct eng_err *err;
};

static enum eng_status tour_bad(struct tour_parse *p, const char *what, const char *arg)
{
	return eng_err_set(p->err, ENG_STATUS_EINVAL, "%s:%d: %s%s%s%s", p->name, p->line,
			   what, arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
}

static char *tour_trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* Every {name} in a caption line must be a known value. */
static enum eng_status tour_text_check(struct tour_parse *p, const char *v)
{
	for (const char *c = v; *c; c++) {
		if (c[0] == '{' && c[1] == '{') {
			c++;
			continue;
		}
		if (c[0] == '}' && c[1] == '}') {
			c++;
			continue;
		}
		if (*c == '}')
			return tour_bad(p, "a '}' without its '{' (a literal brace is '}}')", NULL);
		if (*c != '{')
			continue;
		const char *e = strchr(c, '}');
		if (!e)
			return tour_bad(p, "a '{' without its '}' (a literal brace is '{{')", NULL);
		enum tour_value tv;
		if (!tour_value_lookup(c + 1, (size_t)(e - c - 1), &tv)) {
			char nm[64];
			size_t n = (size_t)(e - c - 1) < sizeof nm - 1 ? (size_t)(e - c - 1)
								       : sizeof nm - 1;
			memcpy(nm, c + 1, n);
			nm[n] = '\0';
			return tour_bad(p, "unknown value (docs/tour.md lists them):", nm);
		}
		c = e;
	}
	return ENG_STATUS_OK;
}

static enum eng_status tour_text_add(struct tour_parse *p, struct tour_step *st,
				     const char *v)
{
	enum eng_status rc = tour_text_check(p, v);
	if (rc != ENG_STATUS_OK)
		return rc;
	size_t n = strlen(v);
	/* An empty line ends a paragraph (an empty line follows); a line
	 * starting "- " starts a new line; any other joins the line before
	 * with a blank. */
	const char *sep = "";
	bool fresh = p->text_len == 0 || st->text[p->text_len - 1] == '\n';
	if (n == 0)
		sep = p->text_len == 0 ? "" : "\n\n";
	else if (!fresh)
		sep = v[0] == '-' && v[1] == ' ' ? "\n" : " ";
	size_t need = p->text_len + strlen(sep) + n + 1;
	if (need > TOUR_TEXT_MAX)
		return tour_bad(p, "the step's text is too long (at most 2048 bytes)", NULL);
	char *t = realloc(st->text, need);
	if (!t)
		return eng_err_set(p->err, ENG_STATUS_ENOMEM, "%s: out of memory", p->name);
	st->text = t;
	memcpy(t + p->text_len, sep, strlen(sep));
	memcpy(t + p->text_len + strlen(sep), v, n + 1);
	p->text_len = need - 1;
	return ENG_STATUS_OK;
}

static enum eng_status tour_keys(struct tour_parse *p, struct tour_step *st, char *v)
{
	st->n_keys = 0;
	for (char *tok = strtok(v, " \t"); tok; tok = strtok(NULL, " \t")) {
		int k;
		if (!keylog_key_parse(tok, &k))
			return tour_bad(p, "not a key name (docs/replay.md lists them):", tok);
		if (st->n_keys == TOUR_KEYS_MAX)
			return tour_bad(p, "more than 16 keys in one step", NULL);
		st->keys[st->n_keys++] = k;
	}
	return ENG_STATUS_OK;
}

static enum eng_status tour_wait(struct tour_parse *p, struct tour_step *st, char *v)
{
	st->wait = 0;
	for (char *tok = strtok(v, " \t,"); tok; tok = strtok(NULL, " \t,")) {
		size_t i;
		for (i = 0; i < sizeof tour_waits / sizeof tour_waits[0]; i++)
			if (strcmp(tok, tour_waits[i].name) == 0)
				break;
		if (i == sizeof tour_waits / sizeof tour_waits[0])
			return tour_bad(p, "wait for what? (scores auto latency quickeval "
					"grid):", tok);
		st->wait |= tour_waits[i].bit;
	}
	return ENG_STATUS_OK;
}

static enum eng_status tour_line(struct tour_parse *p, char *line)
{
	char *s = tour_trim(line);
	if (*s == '\0' || *s == '#')
		return ENG_STATUS_OK;
	struct tour_script *ts = p->ts;
	if (*s == '[') {
		if (strcmp(s, "[step]") != 0)
			return tour_bad(p, "unknown section (only [step]):", s);
		if (ts->n > 0 && !ts->step[ts->n - 1].title[0]) {
			p->line = ts->step[ts->n - 1].line;
			return tour_bad(p, "this step has no title", NULL);
		}
		if (ts->n == TOUR_STEPS_MAX)
			return tour_bad(p, "more than 64 steps", NULL);
		if (!ts->step) {
			ts->step = calloc(TOUR_STEPS_MAX, sizeof *ts->step);
			if (!ts->step)
				return eng_err_set(p->err, ENG_STATUS_ENOMEM, "%s: out of memory",
						   p->name);
		}
		ts->step[ts->n].line = p->line;
		ts->n++;
		p->text_len = 0;
		return ENG_STATUS_OK;
	}
	char *eq = strchr(s, '=');
	if (!eq)
		return tour_bad(p, "expected 'key = value' or [step]", NULL);
	*eq = '\0';
	char *k = tour_trim(s), *v = tour_trim(eq + 1);
	if (ts->n == 0)
		return tour_bad(p, "a setting before the first [step]:", k);
	struct tour_step *st = &ts->step[ts->n - 1];
	if (strcmp(k, "title") == 0) {
		if (!*v)
			return tour_bad(p, "an empty title", NULL);
		if (strlen(v) >= TOUR_TITLE_MAX)
			return tour_bad(p, "the title is longer than 79 bytes", NULL);
		if (strchr(v, '{'))
			return tour_bad(p, "titles take no {values}; the text does", NULL);
		snprintf(st->title, sizeof st->title, "%s", v);
		return ENG_STATUS_OK;
	}
	if (strcmp(k, "panel") == 0)
		return tour_panel_parse(v, &st->panel) ? ENG_STATUS_OK
			: tour_bad(p, "unknown panel (header table heat proj legend footer "
				   "none):", v);
	if (strcmp(k, "keys") == 0)
		return tour_keys(p, st, v);
	if (strcmp(k, "select") == 0) {
		if (!*v || strlen(v) >= TOUR_SELECT_MAX || strchr(v, ' '))
			return tour_bad(p, "select: first, resilient, sparsest, densest or "
					"a layer name:", v);
		snprintf(st->select, sizeof st->select, "%s", v);
		return ENG_STATUS_OK;
	}
	if (strcmp(k, "wait") == 0)
		return tour_wait(p, st, v);
	if (strcmp(k, "text") == 0)
		return tour_text_add(p, st, v);
	return tour_bad(p, "unknown setting (title panel keys select wait text):", k);
}

enum eng_status tour_script_parse(const char *text, size_t len, const char *name,
				  struct tour_script *ts, struct eng_err *err)
{
	memset(ts, 0, sizeof *ts);
	struct tour_parse p = { .name = name, .ts = ts, .err = err };
	if (memchr(text, '\0', len))
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: not a text file (a NUL byte)",
				   name);
	size_t i = 0;
	while (i < len) {
		size_t e = i;
		while (e < len && text[e] != '\n')
			e++;
		p.line++;
		char buf[TOUR_TEXT_MAX + 64];
		if (e - i >= sizeof buf)
			return tour_bad(&p, "a line longer than 2100 bytes", NULL);
		memcpy(buf, text + i, e - i);
		buf[e - i] = '\0';
		/* Captions go to the terminal: no escape sequences, no control
		 * characters (a tab counts as a blank). */
		for (size_t k = 0; k < e - i; k++) {
			unsigned char c = (unsigned char)buf[k];
			if (c == '\t')
				buf[k] = ' ';
			else if ((c < 0x20 && !(c == '\r' && k == e - i - 1)) || c == 0x7f) {
				char what[48];
				snprintf(what, sizeof what, "a control character (byte 0x%02x)", c);
				return tour_bad(&p, what, NULL);
			}
		}
		enum eng_status rc = tour_line(&p, buf);
		if (rc != ENG_STATUS_OK)
			return rc;
		i = e + 1;
	}
	if (ts->n == 0)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: no [step] in the tour", name);
	if (!ts->step[ts->n - 1].title[0]) {
		p.line = ts->step[ts->n - 1].line;
		return tour_bad(&p, "this step has no title", NULL);
	}
	for (int s = 0; s < ts->n; s++)
		if (!ts->step[s].text || !ts->step[s].text[0]) {
			p.line = ts->step[s].line;
			return tour_bad(&p, "this step has no text", NULL);
		}
	return ENG_STATUS_OK;
}

enum eng_status tour_script_read(const char *path, struct tour_script *ts,
				 struct eng_err *err)
{
	memset(ts, 0, sizeof *ts);
	char *buf;
	size_t len;
	enum eng_status rs = fileio_read_all(path, TOUR_SCRIPT_FILE_MAX, "a tour script",
					     &buf, &len, err);
	if (rs != ENG_STATUS_OK)
		return rs;
	enum eng_status st = tour_script_parse(buf, len, path, ts, err);
	free(buf);
	return st;
}
