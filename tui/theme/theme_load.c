/* theme_load.c: the theme file parser (ini.h events): [theme], [palette], [roles], [gradients], inherit chains, one warning per problem. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "io/ini.h"

#include "theme/theme_internal.h"

/* --- loading ---------------------------------------------------------------- */

/* The canonical paths of the files being loaded, outermost first. */
struct theme_chain {
	int n;
	char path[THEME_INHERIT_DEPTH + 1][THEME_PATH_MAX];
};

struct theme_parse {
	struct theme *th;
	const char *path;
	const struct theme_load_opts *opts;
	int pass; /* 0: [theme], 1: [palette], 2: the rest and malformed lines */
	bool skip_section; /* inside an unknown section (pass 2) */
	/* [theme] */
	bool has_name, has_background, has_max_tier;
	char name[THEME_NAME_MAX];
	bool light;
	enum theme_tier max_tier;
	char inherit[THEME_PATH_MAX];
	int inherit_line;
	/* Overrides set by this file: a base line clears only inherited ones. */
	bool over_here[THEME_ROLE_COUNT][THEME_OVERRIDE_TIERS];
	bool list_here[THEME_GRADIENT_COUNT][THEME_OVERRIDE_TIERS];
};

static void theme_warn(const struct theme_parse *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void theme_warn(const struct theme_parse *p, int line, const char *fmt, ...)
{
	if (!p->opts || !p->opts->warn.fn)
		return;
	char msg[ENG_ERR_MAX], out[ENG_ERR_MAX + THEME_PATH_MAX + 16];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(out, sizeof out, "%s:%d: %s", p->path, line, msg);
	eng_warn_line(&p->opts->warn, out);
}

static const struct theme_palette_entry *theme_palette_find(const struct theme *th,
							    const char *name)
{
	for (int i = 0; i < th->npalette; i++) {
		if (strcmp(th->palette[i].name, name) == 0)
			return &th->palette[i];
	}
	return NULL;
}

static bool theme_key_base_valid(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	}
	return true;
}

enum theme_word { THEME_WORD_OK, THEME_WORD_BAD, THEME_WORD_UNDEFINED };

/* One colour word of a role, gradient or palette line: a plain colour or
 * $name (with the palette entry's equivalents); `-` when allow_inherit. */
static enum theme_word theme_word_color(const struct theme *th, const char *w, bool allow_inherit,
					struct theme_color *out)
{
	*out = (struct theme_color){ THEME_COLOR_NONE, THEME_COLOR_NONE, THEME_COLOR_NONE };
	if (allow_inherit && strcmp(w, "-") == 0) {
		out->c = THEME_COLOR_INHERIT;
		return THEME_WORD_OK;
	}
	if (w[0] == '$') {
		const struct theme_palette_entry *e = theme_palette_find(th, w + 1);
		if (!e)
			return THEME_WORD_UNDEFINED;
		*out = e->color;
		return THEME_WORD_OK;
	}
	return theme_color_parse(w, &out->c) ? THEME_WORD_OK : THEME_WORD_BAD;
}

/* Report a failed colour word; always returns OK so the parse goes on. */
static enum eng_status theme_color_warn(const struct theme_parse *p, int line,
					enum theme_word w, const char *word, const char *what)
{
	if (w == THEME_WORD_UNDEFINED)
		theme_warn(p, line, "undefined palette colour '%s' for %s", word, what);
	else
		theme_warn(p, line, "bad colour '%s' for %s", word, what);
	return ENG_STATUS_OK;
}

static enum eng_status theme_header_key(struct theme_parse *p, const struct ini_event *ev,
					struct eng_err *err)
{
	const char *k = ev->key, *v = ev->value;
	if (strcmp(k, "name") == 0) {
		if (!*v || strlen(v) >= THEME_NAME_MAX) {
			theme_warn(p, ev->line, "bad theme name (1 to %d bytes)", THEME_NAME_MAX - 1);
			return ENG_STATUS_OK;
		}
		snprintf(p->name, sizeof p->name, "%s", v);
		p->has_name = true;
	} else if (strcmp(k, "version") == 0) {
		/* "N" or "N.M": only the major number matters. */
		int major = 0;
		const char *s = v;
		if (*s < '0' || *s > '9')
			goto bad_version;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (major > 100000)
				goto bad_version;
			major = major * 10 + (*s - '0');
		}
		if (*s == '.') {
			s++;
			if (*s < '0' || *s > '9')
				goto bad_version;
			while (*s >= '0' && *s <= '9')
				s++;
		}
		if (*s || major < 1)
			goto bad_version;
		if (major > THEME_FORMAT_VERSION)
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "%s:%d: theme format version %d is newer than this "
					   "program reads (%d); theme not loaded",
					   p->path, ev->line, major, THEME_FORMAT_VERSION);
	} else if (strcmp(k, "background") == 0) {
		if (strcmp(v, "dark") == 0 || strcmp(v, "light") == 0) {
			p->light = v[0] == 'l';
			p->has_background = true;
		} else {
			theme_warn(p, ev->line, "bad background '%s' (dark or light)", v);
		}
	} else if (strcmp(k, "inherit") == 0) {
		if (!*v || strlen(v) >= sizeof p->inherit) {
			theme_warn(p, ev->line, "bad inherit value");
			return ENG_STATUS_OK;
		}
		snprintf(p->inherit, sizeof p->inherit, "%s", v);
		p->inherit_line = ev->line;
	} else if (strcmp(k, "max_tier") == 0) {
		int t = theme_tier_parse(v);
		if (t < 0) {
			theme_warn(p, ev->line, "bad max_tier '%s' (mono, 8, 16, 256 or truecolor)", v);
			return ENG_STATUS_OK;
		}
		p->max_tier = (enum theme_tier)t;
		p->has_max_tier = true;
	} else {
		theme_warn(p, ev->line, "unknown key '%s' in [theme]", k);
	}
	return ENG_STATUS_OK;
bad_version:
	theme_warn(p, ev->line, "bad version '%s'", v);
	return ENG_STATUS_OK;
}

static enum eng_status theme_palette_key(struct theme_parse *p, const struct ini_event *ev)
{
	struct theme *th = p->th;
	if (!theme_key_base_valid(ev->key)) {
		theme_warn(p, ev->line, "bad palette name '%s' (use a-z, 0-9 and _)", ev->key);
		return ENG_STATUS_OK;
	}
	if (strlen(ev->key) >= THEME_NAME_MAX) {
		theme_warn(p, ev->line, "palette name '%s' too long", ev->key);
		return ENG_STATUS_OK;
	}
	struct theme_tokens t;
	theme_tokens_split(ev->value, &t);
	if (t.overflow || t.n == 0 || t.n > 3) {
		theme_warn(p, ev->line, "palette entry '%s' needs <colour> [<0-255>] [<named colour>]",
			   ev->key);
		return ENG_STATUS_OK;
	}
	struct theme_color c;
	enum theme_word w = theme_word_color(th, t.tok[0], false, &c);
	if (w != THEME_WORD_OK)
		return theme_color_warn(p, ev->line, w, t.tok[0], "palette entry");
	bool have256 = false, have16 = false;
	for (int i = 1; i < t.n; i++) {
		const char *tok = t.tok[i];
		int num, named = theme_named_parse(tok);
		bool dflt = strcmp(tok, "default") == 0;
		if (!have256 && !have16 && theme_number_parse(tok, &num) && num <= 255) {
			c.eq256 = num;
			have256 = true;
		} else if (!have256 && !have16 && dflt && i == 1 && t.n == 3) {
			c.eq256 = THEME_COLOR_DEFAULT;
			have256 = true;
		} else if (!have16 && (named >= 0 || dflt)) {
			c.eq16 = dflt ? THEME_COLOR_DEFAULT : named;
			have16 = true;
		} else if (!have16 && have256 && theme_number_parse(tok, &num) && num <= 15) {
			c.eq16 = num;
			have16 = true;
		} else {
			theme_warn(p, ev->line, "bad equivalent '%s' for palette entry '%s'", tok,
				   ev->key);
			return ENG_STATUS_OK;
		}
	}
	struct theme_palette_entry *e = (struct theme_palette_entry *)theme_palette_find(th, ev->key);
	if (!e) {
		if (th->npalette == THEME_PALETTE_MAX) {
			theme_warn(p, ev->line, "too many palette entries (at most %d)", THEME_PALETTE_MAX);
			return ENG_STATUS_OK;
		}
		e = &th->palette[th->npalette++];
		snprintf(e->name, sizeof e->name, "%s", ev->key);
	}
	e->color = c;
	return ENG_STATUS_OK;
}

/* Split "key@tier" in place; *tier is THEME_TIER_TRUECOLOR for no suffix. */
static bool theme_key_split(struct theme_parse *p, int line, char *key, enum theme_tier *tier)
{
	char *at = strchr(key, '@');
	*tier = THEME_TIER_TRUECOLOR;
	if (!at)
		return true;
	*at = '\0';
	int t = theme_tier_parse(at + 1);
	if (t < 0 || t == THEME_TIER_TRUECOLOR) {
		theme_warn(p, line, "unknown tier '@%s' (use @256, @16, @8 or @mono)", at + 1);
		return false;
	}
	*tier = (enum theme_tier)t;
	return true;
}

static enum eng_status theme_role_key(struct theme_parse *p, const struct ini_event *ev)
{
	char key[INI_LINE_MAX + 1];
	snprintf(key, sizeof key, "%s", ev->key);
	enum theme_tier tier;
	if (!theme_key_split(p, ev->line, key, &tier))
		return ENG_STATUS_OK;
	int r = theme_role_find(key);
	if (r < 0) {
		theme_warn(p, ev->line, "unknown role '%s'", key);
		return ENG_STATUS_OK;
	}
	struct theme_role_def *d = &p->th->role[r];
	struct theme_tokens t;
	theme_tokens_split(ev->value, &t);
	if (t.overflow || t.n == 0) {
		theme_warn(p, ev->line, "%s value for role '%s'", t.n ? "overlong" : "empty", key);
		return ENG_STATUS_OK;
	}
	if (tier == THEME_TIER_MONO) {
		unsigned bits = 0;
		for (int i = 0; i < t.n; i++) {
			if (!theme_attr_word(t.tok[i], &bits)) {
				theme_warn(p, ev->line, "bad attribute '%s' for role '%s@mono'",
					   t.tok[i], key);
				return ENG_STATUS_OK;
			}
		}
		d->mono = bits;
		return ENG_STATUS_OK;
	}
	struct theme_look look = { .attrs = 0 };
	enum theme_word w = theme_word_color(p->th, t.tok[0], true, &look.fg);
	if (w != THEME_WORD_OK)
		return theme_color_warn(p, ev->line, w, t.tok[0], "a foreground");
	int i = 1;
	look.bg = (struct theme_color){ THEME_COLOR_INHERIT, THEME_COLOR_NONE, THEME_COLOR_NONE };
	if (i < t.n) {
		unsigned dummy = 0;
		if (!theme_attr_word(t.tok[i], &dummy)) {
			w = theme_word_color(p->th, t.tok[i], true, &look.bg);
			if (w != THEME_WORD_OK)
				return theme_color_warn(p, ev->line, w, t.tok[i], "a background");
			i++;
		}
	}
	for (; i < t.n; i++) {
		if (!theme_attr_word(t.tok[i], &look.attrs)) {
			theme_warn(p, ev->line, "bad attribute '%s' for role '%s'", t.tok[i], key);
			return ENG_STATUS_OK;
		}
	}
	if (tier == THEME_TIER_TRUECOLOR) {
		d->base = look;
		for (int k = 0; k < THEME_OVERRIDE_TIERS; k++) {
			if (!p->over_here[r][k])
				d->over_set[k] = false;
		}
	} else {
		int k = tier - THEME_TIER_8;
		d->over[k] = look;
		d->over_set[k] = true;
		p->over_here[r][k] = true;
	}
	return ENG_STATUS_OK;
}

/* A quoted @mono ramp: 1..THEME_RAMP_MAX whole UTF-8 characters, each one
 * column (we cannot ask wcwidth without a locale, so refuse controls). */
static bool theme_ramp_valid(const char *s)
{
	int n = 0;
	const unsigned char *u = (const unsigned char *)s;
	while (*u) {
		int len;
		if (*u < 0x20 || *u == 0x7f)
			return false;
		if (*u < 0x80)
			len = 1;
		else if ((*u & 0xe0) == 0xc0 && *u >= 0xc2)
			len = 2;
		else if ((*u & 0xf0) == 0xe0)
			len = 3;
		else if ((*u & 0xf8) == 0xf0 && *u <= 0xf4)
			len = 4;
		else
			return false;
		for (int k = 1; k < len; k++) {
			if ((u[k] & 0xc0) != 0x80)
				return false;
		}
		u += len;
		if (++n > THEME_RAMP_MAX)
			return false;
	}
	return n > 0;
}

static enum eng_status theme_gradient_key(struct theme_parse *p, const struct ini_event *ev)
{
	char key[INI_LINE_MAX + 1];
	snprintf(key, sizeof key, "%s", ev->key);
	enum theme_tier tier;
	if (!theme_key_split(p, ev->line, key, &tier))
		return ENG_STATUS_OK;
	int g = theme_gradient_find(key);
	if (g < 0) {
		theme_warn(p, ev->line, "unknown gradient '%s'", key);
		return ENG_STATUS_OK;
	}
	struct theme_gradient_def *d = &p->th->grad[g];
	if (tier == THEME_TIER_MONO) {
		if (strcmp(ev->value, "ramp") == 0) {
			d->mono[0] = '\0';
		} else if (theme_ramp_valid(ev->value) && strlen(ev->value) < sizeof d->mono) {
			snprintf(d->mono, sizeof d->mono, "%s", ev->value);
		} else {
			theme_warn(p, ev->line, "bad glyph ramp for '%s@mono' (ramp, or a quoted "
				   "string of 1 to %d characters)", key, THEME_RAMP_MAX);
		}
		return ENG_STATUS_OK;
	}
	struct theme_tokens t;
	theme_tokens_split(ev->value, &t);
	if (tier == THEME_TIER_TRUECOLOR) {
		if (t.overflow || t.n < 2 || t.n > 3) {
			theme_warn(p, ev->line, "gradient '%s' needs 2 or 3 colours", key);
			return ENG_STATUS_OK;
		}
		struct theme_color stop[3];
		for (int i = 0; i < t.n; i++) {
			enum theme_word w = theme_word_color(p->th, t.tok[i], false, &stop[i]);
			if (w == THEME_WORD_OK && stop[i].c == THEME_COLOR_DEFAULT)
				w = THEME_WORD_BAD; /* nothing to interpolate */
			if (w != THEME_WORD_OK)
				return theme_color_warn(p, ev->line, w, t.tok[i], "a gradient stop");
		}
		memcpy(d->stop, stop, sizeof stop);
		d->nstops = t.n;
		for (int k = 0; k < THEME_OVERRIDE_TIERS; k++) {
			if (!p->list_here[g][k])
				d->list_len[k] = 0;
		}
		return ENG_STATUS_OK;
	}
	if (t.overflow || t.n < 1 || t.n > THEME_LIST_MAX) {
		theme_warn(p, ev->line, "gradient list '%s@%s' needs 1 to %d colours", key,
			   theme_tier_name(tier), THEME_LIST_MAX);
		return ENG_STATUS_OK;
	}
	int32_t list[THEME_LIST_MAX];
	for (int i = 0; i < t.n; i++) {
		struct theme_color c;
		enum theme_word w = theme_word_color(p->th, t.tok[i], false, &c);
		if (w != THEME_WORD_OK)
			return theme_color_warn(p, ev->line, w, t.tok[i], "a gradient list");
		/* A $name contributes its equivalent for this tier, if any. */
		int32_t eq = tier == THEME_TIER_256 ? c.eq256 : c.eq16;
		list[i] = eq != THEME_COLOR_NONE ? eq : c.c;
	}
	int k = tier - THEME_TIER_8;
	memcpy(d->list[k], list, sizeof list[0] * (size_t)t.n);
	d->list_len[k] = t.n;
	p->list_here[g][k] = true;
	return ENG_STATUS_OK;
}

static bool theme_section_known(const char *s)
{
	return !*s || strcmp(s, "theme") == 0 || strcmp(s, "palette") == 0 ||
	       strcmp(s, "roles") == 0 || strcmp(s, "gradients") == 0;
}

static enum eng_status theme_on_event(void *user, const struct ini_event *ev, struct eng_err *err)
{
	struct theme_parse *p = user;
	bool header = !*ev->section || strcmp(ev->section, "theme") == 0;
	switch (ev->kind) {
	case INI_EVENT_SECTION:
		if (p->pass == 2) {
			p->skip_section = !theme_section_known(ev->section);
			if (p->skip_section)
				theme_warn(p, ev->line, "unknown section '[%s]'", ev->section);
		}
		return ENG_STATUS_OK;
	case INI_EVENT_ERROR:
		if (p->pass == 2)
			theme_warn(p, ev->line, "%s", ev->message);
		return ENG_STATUS_OK;
	case INI_EVENT_END:
		return ENG_STATUS_OK;
	case INI_EVENT_KEY:
		break;
	}
	if (p->pass == 0)
		return header ? theme_header_key(p, ev, err) : ENG_STATUS_OK;
	if (p->pass == 1)
		return strcmp(ev->section, "palette") == 0 ? theme_palette_key(p, ev) : ENG_STATUS_OK;
	if (p->skip_section || header || strcmp(ev->section, "palette") == 0)
		return ENG_STATUS_OK;
	if (strcmp(ev->section, "roles") == 0)
		return theme_role_key(p, ev);
	return theme_gradient_key(p, ev);
}

static enum eng_status theme_read(const char *path, char **text, size_t *len, struct eng_err *err)
{
	return fileio_read_all(path, THEME_FILE_MAX, "a theme", text, len, err);
}

static enum eng_status theme_load_rec(struct theme *th, const char *text, size_t len,
				      const char *path, const struct theme_load_opts *opts,
				      struct theme_chain *chain, struct eng_err *err);

/* The file an `inherit = x` names: next to the inheriting file first (so
 * a directory of themes can refer to each other), then the search path. */
static enum eng_status theme_inherit_find(const char *from, const char *name,
					  const struct theme_load_opts *opts, char *out,
					  size_t outsz)
{
	char dir[THEME_PATH_MAX];
	snprintf(dir, sizeof dir, "%s", from);
	char *slash = strrchr(dir, '/');
	if (slash)
		slash[1] = '\0';
	else
		dir[0] = '\0';
	if (name[0] != '/' && strncmp(from, "builtin:", 8) != 0) {
		char cand[2 * THEME_PATH_MAX + 16];
		bool is_path = strchr(name, '/') || theme_ends_with(name, ".theme");
		snprintf(cand, sizeof cand, "%s%s%s", dir, name, is_path ? "" : ".theme");
		if (theme_file_readable(cand) && strlen(cand) < outsz) {
			snprintf(out, outsz, "%s", cand);
			return ENG_STATUS_OK;
		}
		if (strchr(name, '/'))
			return ENG_STATUS_ENOENT;
	}
	return theme_find(name, opts->paths, out, outsz, NULL);
}

static void theme_inherit_apply(struct theme_parse *p, struct theme_chain *chain)
{
	const struct theme_load_opts *opts = p->opts;
	int line = p->inherit_line;
	if (chain->n > THEME_INHERIT_DEPTH) {
		theme_warn(p, line, "inherit chain longer than %d themes; '%s' ignored",
			   THEME_INHERIT_DEPTH, p->inherit);
		return;
	}
	char found[THEME_PATH_MAX];
	if (theme_inherit_find(p->path, p->inherit, opts, found, sizeof found) != ENG_STATUS_OK) {
		theme_warn(p, line, "inherited theme '%s' not found", p->inherit);
		return;
	}
	if (strcmp(found, "builtin:default") == 0)
		return; /* every load starts from it already */
	char canon[THEME_PATH_MAX];
	if (strcmp(found, "builtin:mono") == 0) {
		snprintf(canon, sizeof canon, "%s", found);
	} else {
		char *rp = realpath(found, NULL);
		snprintf(canon, sizeof canon, "%s", rp ? rp : found);
		free(rp);
	}
	for (int i = 0; i < chain->n; i++) {
		if (strcmp(chain->path[i], canon) == 0) {
			char cycle[ENG_ERR_MAX] = "";
			size_t used = 0;
			for (int k = i; k < chain->n && used < sizeof cycle; k++) {
				const char *base = strrchr(chain->path[k], '/');
				int w = snprintf(cycle + used, sizeof cycle - used, "%s -> ",
						 base ? base + 1 : chain->path[k]);
				if (w > 0)
					used += (size_t)w;
			}
			const char *base = strrchr(canon, '/');
			theme_warn(p, line, "inherit cycle: %s%s; '%s' ignored", cycle,
				   base ? base + 1 : canon, p->inherit);
			return;
		}
	}
	if (strcmp(found, "builtin:mono") == 0) {
		/* Colours as in default, authored mono attributes, no colour at all. */
		p->th->max_tier = THEME_TIER_MONO;
		snprintf(p->th->name, sizeof p->th->name, "mono");
		return;
	}
	char *text = NULL;
	size_t len = 0;
	struct eng_err sub;
	if (theme_read(found, &text, &len, &sub) != ENG_STATUS_OK) {
		theme_warn(p, line, "cannot read inherited theme: %s", sub.msg);
		return;
	}
	snprintf(chain->path[chain->n], sizeof chain->path[0], "%s", canon);
	chain->n++;
	/* A failing ancestor fails before it changes th (version is checked in
	 * its first pass), so a warning here leaves a consistent theme. */
	if (theme_load_rec(p->th, text, len, found, opts, chain, &sub) != ENG_STATUS_OK)
		theme_warn(p, line, "inherited theme not loaded: %s", sub.msg);
	chain->n--;
	free(text);
}

static enum eng_status theme_load_rec(struct theme *th, const char *text, size_t len,
				      const char *path, const struct theme_load_opts *opts,
				      struct theme_chain *chain, struct eng_err *err)
{
	struct theme_parse *p = calloc(1, sizeof *p);
	if (!p)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
	p->th = th;
	p->path = path;
	p->opts = opts;
	enum eng_status st = ENG_STATUS_OK;
	for (p->pass = 0; p->pass < 3 && st == ENG_STATUS_OK; p->pass++) {
		st = ini_parse(text, len, path, theme_on_event, p, err);
		if (st != ENG_STATUS_OK || p->pass != 0)
			continue;
		if (p->inherit[0])
			theme_inherit_apply(p, chain);
		const char *base = strrchr(path, '/');
		base = base ? base + 1 : path;
		if (p->has_name)
			snprintf(th->name, sizeof th->name, "%s", p->name);
		else
			snprintf(th->name, sizeof th->name, "%.*s",
				 (int)(theme_ends_with(base, ".theme") ? strlen(base) - 6 : strlen(base)),
				 base);
		snprintf(th->path, sizeof th->path, "%s", path);
		if (p->has_background)
			th->light = p->light;
		if (p->has_max_tier)
			th->max_tier = p->max_tier;
	}
	free(p);
	return st;
}

enum eng_status theme_load_text(struct theme *th, const char *text, size_t len,
				const char *path, const struct theme_load_opts *opts,
				struct eng_err *err)
{
	struct theme_load_opts o = { 0 };
	struct theme_paths paths;
	if (opts)
		o = *opts;
	if (!o.paths) {
		theme_paths_init(&paths, NULL);
		o.paths = &paths;
	}
	struct theme *tmp = malloc(sizeof *tmp);
	struct theme_chain *chain = malloc(sizeof *chain);
	enum eng_status st = ENG_STATUS_OK;
	if (!tmp || !chain) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "%s: out of memory", path);
		goto out;
	}
	theme_init_default(tmp);
	char *rp = realpath(path, NULL);
	snprintf(chain->path[0], sizeof chain->path[0], "%s", rp ? rp : path);
	free(rp);
	chain->n = 1;
	st = theme_load_rec(tmp, text, len, path, &o, chain, err);
	if (st == ENG_STATUS_OK)
		*th = *tmp;
out:
	free(tmp);
	free(chain);
	return st;
}

enum eng_status theme_load_file(struct theme *th, const char *path,
				const struct theme_load_opts *opts, struct eng_err *err)
{
	char *text = NULL;
	size_t len = 0;
	enum eng_status st = theme_read(path, &text, &len, err);
	if (st != ENG_STATUS_OK)
		return st;
	st = theme_load_text(th, text, len, path, opts, err);
	free(text);
	return st;
}

enum eng_status theme_load(struct theme *th, const char *name_or_path,
			   const struct theme_load_opts *opts, struct eng_err *err)
{
	char path[THEME_PATH_MAX];
	enum eng_status st = theme_find(name_or_path, opts ? opts->paths : NULL, path,
					sizeof path, err);
	if (st != ENG_STATUS_OK)
		return st;
	if (strcmp(path, "builtin:default") == 0) {
		theme_init_default(th);
		return ENG_STATUS_OK;
	}
	if (strcmp(path, "builtin:mono") == 0) {
		theme_init_mono(th);
		return ENG_STATUS_OK;
	}
	return theme_load_file(th, path, opts, err);
}
