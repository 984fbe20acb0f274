#include "config.h"

#include "explorer/settings.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "io/ini.h"
#include "paths/model_path.h"
#include "prune/reconvene.h"

#define SETTINGS_THEME_DEFAULT "default"

void settings_defaults(struct settings *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->theme, sizeof(c->theme), "%s", SETTINGS_THEME_DEFAULT);
	snprintf(c->model, sizeof(c->model), "%s", DEFAULT_MODEL);
	c->mouse = true;
	c->ascii = false;
	c->method = RECONVENE_METHOD_DEFAULT;
	c->sparsity = RECONVENE_SPARSITY_DEFAULT;
	c->tau = RECONVENE_TAU_DEFAULT;
	c->seed = 1;
}

/* --- locations ------------------------------------------------------ */

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

int settings_dir_resolve(char *dir, size_t len)
{
	const char *xdg = env_nonempty("XDG_CONFIG_HOME");
	const char *home = env_nonempty("HOME");
	int k;

	/* The XDG spec says a relative XDG_CONFIG_HOME is invalid: ignore it. */
	if (xdg && xdg[0] == '/')
		k = snprintf(dir, len, "%s/reconvene", xdg);
	else if (home)
		k = snprintf(dir, len, "%s/.config/reconvene", home);
	else
		return -1;
	return k < 0 || (size_t)k >= len ? -1 : 0;
}

int settings_path_resolve(const char *explicit_path, char *path, size_t len)
{
	const char *env = env_nonempty("RECONVENE_CONFIG");
	const char *p = explicit_path && *explicit_path ? explicit_path : env;
	int k;

	if (p) {
		k = snprintf(path, len, "%s", p);
		return k < 0 || (size_t)k >= len ? -1 : 0;
	}
	if (settings_dir_resolve(path, len) != 0)
		return -1;
	k = (int)strlen(path);
	if ((size_t)k + sizeof("/config") > len)
		return -1;
	memcpy(path + k, "/config", sizeof("/config"));
	return 0;
}

/* --- warnings ------------------------------------------------------- */

static void warn_add(struct settings_warnings *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn_add(struct settings_warnings *w, const char *fmt, ...)
{
	va_list ap;

	if (w->n >= SETTINGS_WARN_MAX) {
		w->dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(w->msg[w->n], sizeof(w->msg[w->n]), fmt, ap);
	va_end(ap);
	w->n++;
}

/* --- parsing -------------------------------------------------------- */

struct parse_ctx {
	const char *path;
	struct settings *c;
	struct settings_warnings *w;
	struct settings defaults; /* restored when the file is refused */
	bool refused;
};

static bool parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(v, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcmp(v, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

static bool parse_double(const char *v, double lo, double hi, bool hi_open,
			 double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (end == v || *end || errno || !isfinite(d) || d < lo ||
	    (hi_open ? d >= hi : d > hi))
		return false;
	*out = d;
	return true;
}

static bool parse_u64(const char *v, uint64_t *out)
{
	char *end;
	unsigned long long u;

	if (*v < '0' || *v > '9') /* strtoull would accept "-1" */
		return false;
	errno = 0;
	u = strtoull(v, &end, 10);
	if (*end || errno)
		return false;
	*out = (uint64_t)u;
	return true;
}

static bool parse_int(const char *v, long *out)
{
	char *end;
	long l;

	errno = 0;
	l = strtol(v, &end, 10);
	if (end == v || *end || errno)
		return false;
	*out = l;
	return true;
}

static bool parse_text(const char *v, char *dst, size_t size)
{
	size_t n = strlen(v);

	if (n == 0 || n >= size)
		return false;
	memcpy(dst, v, n + 1);
	return true;
}

static enum eng_status on_key(struct parse_ctx *x, const struct ini_event *ev)
{
	const char *k = ev->key, *v = ev->value;
	struct settings *c = x->c;
	long l;

	if (ev->section[0]) {
		/* Reported once at the section line; its keys are skipped. */
		return ENG_STATUS_OK;
	}
	if (strcmp(k, "version") == 0) {
		if (!parse_int(v, &l) || l < 1)
			warn_add(x->w, "%s:%d: version: expected a positive integer, got '%s'",
				 x->path, ev->line, v);
		return ENG_STATUS_OK;
	}
	if (strcmp(k, "min_reader_version") == 0) {
		if (!parse_int(v, &l) || l < 1) {
			warn_add(x->w, "%s:%d: min_reader_version: expected a positive integer, got '%s'",
				 x->path, ev->line, v);
			return ENG_STATUS_OK;
		}
		if (l > SETTINGS_VERSION) {
			warn_add(x->w, "%s:%d: written by a newer reconvene (min_reader_version %ld > %d); "
				 "ignoring the file, using defaults",
				 x->path, ev->line, l, SETTINGS_VERSION);
			x->refused = true;
			/* Stop here: nothing in a file we cannot read is trusted. */
			return ENG_STATUS_ABORTED;
		}
		return ENG_STATUS_OK;
	}
	if (strcmp(k, "theme") == 0) {
		if (!parse_text(v, c->theme, sizeof(c->theme)))
			goto bad;
	} else if (strcmp(k, "model") == 0) {
		if (!parse_text(v, c->model, sizeof(c->model)))
			goto bad;
	} else if (strcmp(k, "mouse") == 0) {
		if (!parse_bool(v, &c->mouse))
			goto bad_bool;
	} else if (strcmp(k, "ascii") == 0) {
		if (!parse_bool(v, &c->ascii))
			goto bad_bool;
	} else if (strcmp(k, "method") == 0) {
		if (!score_method_from_name(v, &c->method)) {
			warn_add(x->w, "%s:%d: method: unknown PaI method '%s' (random, magnitude, snip, grasp, synflow)",
				 x->path, ev->line, v);
		}
	} else if (strcmp(k, "sparsity") == 0) {
		if (!parse_double(v, 0.0, 1.0, true, &c->sparsity))
			warn_add(x->w, "%s:%d: sparsity: expected a number in [0, 1), got '%s'",
				 x->path, ev->line, v);
	} else if (strcmp(k, "tau") == 0) {
		if (!parse_double(v, 0.0, 1.0, false, &c->tau))
			warn_add(x->w, "%s:%d: tau: expected a number in [0, 1], got '%s'",
				 x->path, ev->line, v);
	} else if (strcmp(k, "seed") == 0) {
		if (!parse_u64(v, &c->seed))
			warn_add(x->w, "%s:%d: seed: expected a non-negative integer, got '%s'",
				 x->path, ev->line, v);
	} else {
		warn_add(x->w, "%s:%d: unknown key '%s' (ignored)", x->path, ev->line, k);
	}
	return ENG_STATUS_OK;
bad:
	warn_add(x->w, "%s:%d: %s: expected a name or path of 1 to %d bytes",
		 x->path, ev->line, k, SETTINGS_VALUE_MAX - 1);
	return ENG_STATUS_OK;
bad_bool:
	warn_add(x->w, "%s:%d: %s: expected yes or no, got '%s'", x->path, ev->line, k, v);
	return ENG_STATUS_OK;
}

static enum eng_status on_event(void *user, const struct ini_event *ev,
				struct eng_err *err)
{
	struct parse_ctx *x = user;

	(void)err;
	switch (ev->kind) {
	case INI_EVENT_SECTION:
		warn_add(x->w, "%s:%d: sections are not used in the config file; "
			 "keys under [%s] are ignored", x->path, ev->line, ev->section);
		return ENG_STATUS_OK;
	case INI_EVENT_KEY:
		return on_key(x, ev);
	case INI_EVENT_ERROR:
		warn_add(x->w, "%s:%d: %s (line ignored)", x->path, ev->line, ev->message);
		return ENG_STATUS_OK;
	case INI_EVENT_END:
		return ENG_STATUS_OK;
	}
	return ENG_STATUS_OK;
}

enum eng_status settings_parse(const char *text, size_t len, const char *path,
			     struct settings *c, struct settings_warnings *w)
{
	struct parse_ctx x = { .path = path, .c = c, .w = w };
	struct eng_err err;
	enum eng_status st;

	memset(w, 0, sizeof(*w));
	x.defaults = *c;
	st = ini_parse(text, len, path, on_event, &x, &err);
	if (x.refused) {
		*c = x.defaults;
		return ENG_STATUS_EINVAL;
	}
	/* on_event never fails otherwise; keep whatever was read. */
	(void)st;
	return ENG_STATUS_OK;
}

enum eng_status settings_load(const char *path, struct settings *c,
			    struct settings_warnings *w)
{
	struct stat sb;
	char *text;
	ssize_t got;
	size_t len = 0;
	enum eng_status st;
	int fd;

	memset(w, 0, sizeof(*w));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return ENG_STATUS_ENOENT;
		warn_add(w, "%s: %s; using defaults", path, strerror(errno));
		return ENG_STATUS_EIO;
	}
	if (fstat(fd, &sb) != 0) {
		warn_add(w, "%s: %s; using defaults", path, strerror(errno));
		close(fd);
		return ENG_STATUS_EIO;
	}
	/* /dev/null, a FIFO or a directory: built-in defaults. */
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		if (S_ISDIR(sb.st_mode)) {
			warn_add(w, "%s: is a directory; using defaults", path);
			return ENG_STATUS_EIO;
		}
		return ENG_STATUS_ENOENT;
	}
	if (sb.st_size > SETTINGS_FILE_MAX) {
		close(fd);
		warn_add(w, "%s: larger than %d bytes, not a config file; using defaults",
			 path, SETTINGS_FILE_MAX);
		return ENG_STATUS_EINVAL;
	}
	text = malloc(SETTINGS_FILE_MAX + 1);
	if (!text) {
		close(fd);
		warn_add(w, "%s: out of memory; using defaults", path);
		return ENG_STATUS_ENOMEM;
	}
	for (;;) {
		got = read(fd, text + len, SETTINGS_FILE_MAX + 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
		if (len > SETTINGS_FILE_MAX)
			break;
	}
	close(fd);
	if (got < 0) {
		warn_add(w, "%s: read: %s; using defaults", path, strerror(errno));
		free(text);
		return ENG_STATUS_EIO;
	}
	if (len > SETTINGS_FILE_MAX) { /* it grew while we read */
		warn_add(w, "%s: larger than %d bytes, not a config file; using defaults",
			 path, SETTINGS_FILE_MAX);
		free(text);
		return ENG_STATUS_EINVAL;
	}
	st = settings_parse(text, len, path, c, w);
	free(text);
	return st;
}

/* --- writing -------------------------------------------------------- */

/* The shortest %g that reads back as the same double, so 0.9 is written
 * "0.9" and not "0.90000000000000002". */
static void format_double(double d, char *buf, size_t size)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			return;
	}
}

/* A value as the tokenizer will read it back: plain when it is, quoted
 * when it has blanks at an end (the tokenizer's blanks: a vertical tab
 * too) or a '#'; -1 when it cannot be written. */
static int format_text(const char *v, char *buf, size_t size)
{
	size_t n = strlen(v);
	bool quote = n == 0 || ini_char_blank(v[0]) || ini_char_blank(v[n - 1]) ||
		     strchr(v, '#') || v[0] == '"';

	if (strpbrk(v, "\n\r") || (quote && strchr(v, '"')))
		return -1;
	snprintf(buf, size, quote ? "\"%s\"" : "%s", v);
	return 0;
}

int settings_format(const struct settings *c, char *buf, size_t size)
{
	char theme[SETTINGS_VALUE_MAX + 2], model[SETTINGS_VALUE_MAX + 2];
	char sp[32], tau[32];

	if (format_text(c->theme, theme, sizeof(theme)) != 0 ||
	    format_text(c->model, model, sizeof(model)) != 0)
		return -1;
	format_double(c->sparsity, sp, sizeof(sp));
	format_double(c->tau, tau, sizeof(tau));
	return snprintf(buf, size,
			"# reconvene explorer settings (docs/keys.md); rewritten by reconvene\n"
			"version = %d\n"
			"min_reader_version = %d\n"
			"theme = %s\n"
			"model = %s\n"
			"mouse = %s\n"
			"ascii = %s\n"
			"method = %s\n"
			"sparsity = %s\n"
			"tau = %s\n"
			"seed = %llu\n",
			SETTINGS_VERSION, SETTINGS_VERSION, theme, model,
			c->mouse ? "yes" : "no", c->ascii ? "yes" : "no",
			score_method_name(c->method), sp, tau,
			(unsigned long long)c->seed);
}

/* mkdir -p of path's parent directory. */
static enum eng_status make_parents(const char *path, struct eng_err *err)
{
	char dir[SETTINGS_PATH_MAX];
	size_t n = strlen(path);
	char *slash;

	if (n >= sizeof(dir))
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: path too long", path);
	memcpy(dir, path, n + 1);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return ENG_STATUS_OK; /* relative to ., or in / */
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		bool end = *p == '\0';

		if (*p != '/' && !end)
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			int e = errno;
			return eng_err_set(err, fileio_errno_status(e),
					   "cannot create %s: %s; settings are not saved",
					   dir, strerror(e));
		}
		if (end)
			break;
		*p = '/';
	}
	return ENG_STATUS_OK;
}

enum eng_status settings_save(const char *path, const struct settings *c,
			    struct eng_err *err)
{
	struct stat sb;
	char *text;
	int need;
	enum eng_status st;

	if (!path || !*path)
		return eng_err_set(err, ENG_STATUS_EINVAL, "no config file path");
	/* /dev/null and friends mean "no persistence"; renaming a temporary
	 * over them would be a disaster. */
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
		return ENG_STATUS_OK;
	need = settings_format(c, NULL, 0);
	if (need < 0)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "%s: theme or model name cannot be written (newline or quote)",
				   path);
	text = malloc((size_t)need + 1);
	if (!text)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
	settings_format(c, text, (size_t)need + 1);
	st = make_parents(path, err);
	if (st == ENG_STATUS_OK)
		st = fileio_write_atomic_buf(path, text, (size_t)need, err);
	free(text);
	return st;
}
