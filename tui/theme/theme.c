#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "theme/glyphs.h"
#include "io/ini.h"
#include "paths/exe_dir.h"
#include "theme/theme.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/local/share/reconvene"
#endif

/* A theme file larger than this is certainly not a theme. */
#define THEME_FILE_MAX (1u << 20)
/* Tokens of one value ("$ink $paper bold underline"). */
#define THEME_TOKENS_MAX 24
#define THEME_TOKEN_LEN 64

/* --- the X-macro tables --------------------------------------------------- */

enum theme_bpal {
#define THEME_X_BPAL(name, c, e256, e16) THEME_BPAL_##name,
	THEME_BUILTIN_PALETTE(THEME_X_BPAL)
#undef THEME_X_BPAL
	THEME_BPAL_COUNT,
	THEME_BPAL_inherit, /* not an entry: the `-` of theme files */
};

static const struct {
	const char *name;
	int32_t c, eq256, eq16;
} theme_bpal[THEME_BPAL_COUNT] = {
#define THEME_X_BPAL(name, c, e256, e16) { #name, c, e256, e16 },
	THEME_BUILTIN_PALETTE(THEME_X_BPAL)
#undef THEME_X_BPAL
};

static const struct {
	const char *key;
	const char *help;
	int fg, bg; /* enum theme_bpal */
	unsigned attrs, mono;
} theme_roles[THEME_ROLE_COUNT] = {
#define THEME_X_ROLE(E, key, fg, bg, attrs, mono, help) \
	[THEME_ROLE_##E] = { #key, help, THEME_BPAL_##fg, THEME_BPAL_##bg, attrs, mono },
	THEME_ROLES(THEME_X_ROLE)
#undef THEME_X_ROLE
};

static const struct {
	const char *key;
	const char *help;
	int stop[3]; /* enum theme_bpal */
	const char *list16, *list8, *mono;
} theme_grads[THEME_GRADIENT_COUNT] = {
#define THEME_X_GRAD(E, key, lo, mid, hi, l16, l8, mono, help) \
	[THEME_GRADIENT_##E] = { #key, help, { THEME_BPAL_##lo, THEME_BPAL_##mid, THEME_BPAL_##hi }, \
				 l16, l8, mono },
	THEME_GRADIENTS(THEME_X_GRAD)
#undef THEME_X_GRAD
};

static const char *const theme_tier_names[THEME_TIER_COUNT] = {
	[THEME_TIER_MONO] = "mono", [THEME_TIER_8] = "8", [THEME_TIER_16] = "16",
	[THEME_TIER_256] = "256", [THEME_TIER_TRUECOLOR] = "truecolor",
};

static const char *const theme_color_names[8] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

static const struct {
	const char *name;
	unsigned bit;
} theme_attr_names[] = {
	{ "bold", THEME_ATTR_BOLD },         { "dim", THEME_ATTR_DIM },
	{ "underline", THEME_ATTR_UNDERLINE }, { "reverse", THEME_ATTR_REVERSE },
	{ "italic", THEME_ATTR_ITALIC },     { "standout", THEME_ATTR_STANDOUT },
	{ "none", 0 },
};

/* --- names ------------------------------------------------------------------ */

const char *theme_role_name(enum theme_role r)
{
	return (unsigned)r < THEME_ROLE_COUNT ? theme_roles[r].key : "?";
}

const char *theme_role_help(enum theme_role r)
{
	return (unsigned)r < THEME_ROLE_COUNT ? theme_roles[r].help : "?";
}

int theme_role_find(const char *key)
{
	for (int i = 0; i < THEME_ROLE_COUNT; i++) {
		if (strcmp(theme_roles[i].key, key) == 0)
			return i;
	}
	return -1;
}

const char *theme_gradient_name(enum theme_gradient g)
{
	return (unsigned)g < THEME_GRADIENT_COUNT ? theme_grads[g].key : "?";
}

const char *theme_gradient_help(enum theme_gradient g)
{
	return (unsigned)g < THEME_GRADIENT_COUNT ? theme_grads[g].help : "?";
}

int theme_gradient_find(const char *key)
{
	for (int i = 0; i < THEME_GRADIENT_COUNT; i++) {
		if (strcmp(theme_grads[i].key, key) == 0)
			return i;
	}
	return -1;
}

const char *theme_tier_name(enum theme_tier t)
{
	return (unsigned)t < THEME_TIER_COUNT ? theme_tier_names[t] : "?";
}

int theme_tier_parse(const char *s)
{
	for (int i = 0; i < THEME_TIER_COUNT; i++) {
		if (strcmp(theme_tier_names[i], s) == 0)
			return i;
	}
	return -1;
}

enum theme_tier theme_tier_detect(const char *no_color_env, bool no_color_flag,
				  bool has_colors, int colors, int rgb_flag)
{
	/* no-color.org: set and non-empty, whatever the value. */
	if ((no_color_env && *no_color_env) || no_color_flag || !has_colors)
		return THEME_TIER_MONO;
	if (rgb_flag > 0 && colors > 256)
		return THEME_TIER_TRUECOLOR;
	if (colors >= 256)
		return THEME_TIER_256;
	if (colors >= 16)
		return THEME_TIER_16;
	if (colors >= 8)
		return THEME_TIER_8;
	return THEME_TIER_MONO;
}

const char *theme_default_name(const char *term)
{
	return term && strcmp(term, "linux") == 0 ? "tty16" : "default";
}

/* --- colour maths ------------------------------------------------------------ */

static int theme_dist_sq(int r1, int g1, int b1, int r2, int g2, int b2)
{
	return (r1 - r2) * (r1 - r2) + (g1 - g2) * (g1 - g2) + (b1 - b2) * (b1 - b2);
}

/* The cube level whose value (0,95,135,175,215,255) is nearest to v; the
 * thresholds are the midpoints 47.5, 115, 155, 195, 235. */
static int theme_cube_level(int v)
{
	if (v < 48)
		return 0;
	if (v < 115)
		return 1;
	return (v - 35) / 40;
}

int theme_rgb_to_256(uint32_t rgb)
{
	static const int level[6] = { 0x00, 0x5f, 0x87, 0xaf, 0xd7, 0xff };
	int r = (int)(rgb >> 16) & 0xff, g = (int)(rgb >> 8) & 0xff, b = (int)rgb & 0xff;
	int qr = theme_cube_level(r), qg = theme_cube_level(g), qb = theme_cube_level(b);
	int cr = level[qr], cg = level[qg], cb = level[qb];
	int cube = 16 + 36 * qr + 6 * qg + qb;
	if (cr == r && cg == g && cb == b)
		return cube;
	/* The grey ramp is 8, 18, ..., 238: nearest step to the mean. */
	int avg = (r + g + b) / 3;
	int gi = avg > 238 ? 23 : (avg < 3 ? 0 : (avg - 3) / 10);
	int grey = 8 + 10 * gi;
	if (theme_dist_sq(grey, grey, grey, r, g, b) < theme_dist_sq(cr, cg, cb, r, g, b))
		return 232 + gi;
	return cube;
}

/* Our own 256 -> 16 table.  Cube colours: near-greys (no chroma, or one
 * level of chroma in light colours) go by lightness to black, bright
 * black, white or bright white; others set each primary whose level is in
 * the upper half of the colour's min..max range, and are bright when the
 * strongest primary is at the top level (or level 4 with a light floor).
 * Greys 232..255: below 60 black, below 145 bright black, below 220 white,
 * else bright white.  (Generated by that rule; tests pin samples.) */
static const unsigned char theme_tab_256_16[256] = {
	 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15,
	 0,  4,  4,  4,  4, 12,  2,  6,  6,  4,  4, 12,  2,  6,  6,  6,
	 6, 12,  2,  2,  6,  6,  6, 14,  2,  2,  6,  6,  6, 14, 10, 10,
	10, 14, 14, 14,  1,  5,  5,  4,  4, 12,  3,  8,  4,  4,  4, 12,
	 3,  2,  6,  6,  4, 12,  2,  2,  6,  6,  6, 14,  2,  2,  2,  6,
	 6, 14, 10, 10, 10, 14, 14, 14,  1,  5,  5,  5,  5, 12,  3,  1,
	 5,  5,  4, 12,  3,  3,  8,  7, 12, 12,  3,  3,  7,  7, 14, 12,
	 3,  2, 10, 14, 14, 14, 10, 10, 10, 10, 14, 14,  1,  1,  5,  5,
	 5, 13,  1,  1,  5,  5,  5, 13,  3,  3,  7,  7, 13, 12,  3,  3,
	 7,  7,  7, 12,  3,  3, 11,  7,  7, 14, 11, 11, 10, 10, 14, 14,
	 1,  1,  5,  5,  5, 13,  1,  1,  1,  5,  5, 13,  3,  1,  9, 13,
	13, 13,  3,  3, 11,  7,  7, 13,  3,  3, 11,  7,  7, 15, 11, 11,
	11, 11, 15, 15,  9,  9,  9, 13, 13, 13,  9,  9,  9, 13, 13, 13,
	 9,  9,  9,  9, 13, 13, 11, 11,  9,  9, 13, 13, 11, 11, 11, 11,
	15, 15, 11, 11, 11, 11, 15, 15,  0,  0,  0,  0,  0,  0,  8,  8,
	 8,  8,  8,  8,  8,  8,  7,  7,  7,  7,  7,  7,  7,  7, 15, 15,
};

int theme_256_to_16(int idx)
{
	if (idx < 0 || idx > 255)
		return idx < 0 ? THEME_COLOR_DEFAULT : 15;
	return theme_tab_256_16[idx];
}

int theme_16_to_8(int idx, unsigned *attrs)
{
	if (idx >= 8 && idx <= 15) {
		if (attrs)
			*attrs |= THEME_ATTR_BOLD;
		return idx - 8;
	}
	return idx;
}

uint32_t theme_index_rgb(int idx)
{
	/* xterm's defaults for the 16 named colours. */
	static const uint32_t ansi[16] = {
		0x000000, 0xcd0000, 0x00cd00, 0xcdcd00, 0x0000ee, 0xcd00cd, 0x00cdcd, 0xe5e5e5,
		0x7f7f7f, 0xff0000, 0x00ff00, 0xffff00, 0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff,
	};
	static const int level[6] = { 0x00, 0x5f, 0x87, 0xaf, 0xd7, 0xff };
	if (idx < 0)
		return 0;
	if (idx < 16)
		return ansi[idx];
	if (idx < 232) {
		int i = idx - 16;
		return (uint32_t)level[i / 36] << 16 | (uint32_t)level[(i / 6) % 6] << 8 |
		       (uint32_t)level[i % 6];
	}
	if (idx > 255)
		return 0xffffff;
	uint32_t v = (uint32_t)(8 + 10 * (idx - 232));
	return v << 16 | v << 8 | v;
}

static bool theme_is_rgb(int32_t c)
{
	return c >= 0 && (c & THEME_COLOR_RGB_FLAG);
}

int32_t theme_color_direct(int32_t c)
{
	if (c < 0)
		return -1;
	if (!theme_is_rgb(c))
		return c < 8 ? c : (int32_t)theme_index_rgb(c);
	uint32_t rgb = (uint32_t)c & 0xffffff;
	/* xterm-direct reads 0..7 as ANSI colours: nudge the near-blacks. */
	return rgb < 8 ? 8 : (int32_t)rgb;
}

static uint32_t theme_color_rgb(int32_t c)
{
	return theme_is_rgb(c) ? (uint32_t)c & 0xffffff : theme_index_rgb(c);
}

/* --- words ------------------------------------------------------------------ */

static int theme_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A named colour: black..white or bright_black..bright_white. */
static int theme_named_parse(const char *w)
{
	int base = 0;
	if (strncmp(w, "bright_", 7) == 0) {
		base = 8;
		w += 7;
	}
	for (int i = 0; i < 8; i++) {
		if (strcmp(w, theme_color_names[i]) == 0)
			return base + i;
	}
	return -1;
}

static bool theme_number_parse(const char *w, int *out)
{
	if (!*w || strlen(w) > 3)
		return false;
	int v = 0;
	for (; *w; w++) {
		if (*w < '0' || *w > '9')
			return false;
		v = v * 10 + (*w - '0');
	}
	*out = v;
	return true;
}

bool theme_color_parse(const char *w, int32_t *out)
{
	int v;
	if (strcmp(w, "default") == 0) {
		*out = THEME_COLOR_DEFAULT;
		return true;
	}
	if (w[0] == '#') {
		size_t n = strlen(w + 1);
		if (n != 6 && n != 2)
			return false;
		uint32_t rgb = 0;
		for (size_t i = 1; i <= n; i++) {
			int h = theme_hex(w[i]);
			if (h < 0)
				return false;
			rgb = rgb << 4 | (uint32_t)h;
		}
		if (n == 2) /* #gg: a grey, as btop writes it */
			rgb = rgb << 16 | rgb << 8 | rgb;
		*out = THEME_RGB(rgb);
		return true;
	}
	if (theme_number_parse(w, &v)) {
		if (v > 255)
			return false;
		*out = v;
		return true;
	}
	v = theme_named_parse(w);
	if (v < 0)
		return false;
	*out = v;
	return true;
}

static bool theme_attr_word(const char *w, unsigned *bits)
{
	for (size_t i = 0; i < sizeof theme_attr_names / sizeof theme_attr_names[0]; i++) {
		if (strcmp(w, theme_attr_names[i].name) == 0) {
			*bits |= theme_attr_names[i].bit;
			return true;
		}
	}
	return false;
}

struct theme_tokens {
	int n;
	char tok[THEME_TOKENS_MAX][THEME_TOKEN_LEN];
	bool overflow; /* too many tokens or one too long */
};

static void theme_tokens_split(const char *s, struct theme_tokens *t)
{
	t->n = 0;
	t->overflow = false;
	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		size_t len = strcspn(s, " \t");
		if (t->n == THEME_TOKENS_MAX || len >= THEME_TOKEN_LEN) {
			t->overflow = true;
			return;
		}
		memcpy(t->tok[t->n], s, len);
		t->tok[t->n][len] = '\0';
		t->n++;
		s += len;
	}
}

bool theme_attrs_parse(const char *text, unsigned *out)
{
	struct theme_tokens t;
	theme_tokens_split(text, &t);
	if (t.overflow || t.n == 0)
		return false;
	unsigned bits = 0;
	for (int i = 0; i < t.n; i++) {
		if (!theme_attr_word(t.tok[i], &bits))
			return false;
	}
	*out = bits;
	return true;
}

/* --- built-in themes ------------------------------------------------------ */

static struct theme_color theme_bpal_color(int i)
{
	if (i == THEME_BPAL_inherit)
		return (struct theme_color){ THEME_COLOR_INHERIT, THEME_COLOR_NONE, THEME_COLOR_NONE };
	ENG_ASSERT(i >= 0 && i < THEME_BPAL_COUNT);
	return (struct theme_color){ theme_bpal[i].c, theme_bpal[i].eq256, theme_bpal[i].eq16 };
}

/* A list of plain colour words into out; false on a bad word. */
static bool theme_list_parse(const struct theme_tokens *t, int first, int32_t *out, int *n)
{
	int k = 0;
	for (int i = first; i < t->n; i++) {
		if (k == THEME_LIST_MAX || !theme_color_parse(t->tok[i], &out[k]))
			return false;
		k++;
	}
	*n = k;
	return k > 0;
}

void theme_init_default(struct theme *th)
{
	memset(th, 0, sizeof *th);
	snprintf(th->name, sizeof th->name, "default");
	snprintf(th->path, sizeof th->path, "builtin:default");
	th->max_tier = THEME_TIER_TRUECOLOR;
	for (int i = 0; i < THEME_BPAL_COUNT; i++) {
		snprintf(th->palette[i].name, sizeof th->palette[i].name, "%s", theme_bpal[i].name);
		th->palette[i].color = theme_bpal_color(i);
	}
	th->npalette = THEME_BPAL_COUNT;
	for (int r = 0; r < THEME_ROLE_COUNT; r++) {
		struct theme_role_def *d = &th->role[r];
		d->base.fg = theme_bpal_color(theme_roles[r].fg);
		d->base.bg = theme_bpal_color(theme_roles[r].bg);
		d->base.attrs = theme_roles[r].attrs;
		d->mono = theme_roles[r].mono;
	}
	for (int g = 0; g < THEME_GRADIENT_COUNT; g++) {
		struct theme_gradient_def *d = &th->grad[g];
		for (int s = 0; s < 3; s++)
			d->stop[s] = theme_bpal_color(theme_grads[g].stop[s]);
		d->nstops = 3;
		struct theme_tokens t;
		theme_tokens_split(theme_grads[g].list16, &t);
		ENG_ASSERT(theme_list_parse(&t, 0, d->list[THEME_TIER_16 - THEME_TIER_8],
					    &d->list_len[THEME_TIER_16 - THEME_TIER_8]));
		theme_tokens_split(theme_grads[g].list8, &t);
		ENG_ASSERT(theme_list_parse(&t, 0, d->list[0], &d->list_len[0]));
		if (strcmp(theme_grads[g].mono, "ramp") != 0)
			snprintf(d->mono, sizeof d->mono, "%s", theme_grads[g].mono);
	}
}

void theme_init_mono(struct theme *th)
{
	theme_init_default(th);
	snprintf(th->name, sizeof th->name, "mono");
	snprintf(th->path, sizeof th->path, "builtin:mono");
	th->max_tier = THEME_TIER_MONO;
}

/* --- search path ------------------------------------------------------------ */

void theme_paths_init(struct theme_paths *p, const char *themes_dir)
{
	memset(p, 0, sizeof *p);
	p->themes_dir = themes_dir && *themes_dir ? themes_dir : NULL;
	/* XDG: a relative $XDG_CONFIG_HOME is invalid and ignored. */
	const char *x = getenv("XDG_CONFIG_HOME");
	p->xdg_config_home = x && x[0] == '/' ? x : NULL;
	const char *h = getenv("HOME");
	p->home = h && *h ? h : NULL;
	const char *e = getenv("RECONVENE_THEMES_DIR");
	p->env_themes = e && *e ? e : NULL;
	p->pkgdata_themes = PKGDATADIR "/themes";
	p->exe_themes = exe_dir_themes();
}

/* The i-th search directory into buf; false when i is past the end, "" for
 * a slot that is not set. */
static bool theme_dir_get(const struct theme_paths *p, int i, char *buf, size_t sz)
{
	buf[0] = '\0';
	switch (i) {
	case 0:
		if (p->themes_dir)
			snprintf(buf, sz, "%s", p->themes_dir);
		return true;
	case 1:
		if (p->env_themes)
			snprintf(buf, sz, "%s", p->env_themes);
		return true;
	case 2:
		if (p->xdg_config_home)
			snprintf(buf, sz, "%s/reconvene/themes", p->xdg_config_home);
		else if (p->home)
			snprintf(buf, sz, "%s/.config/reconvene/themes", p->home);
		return true;
	case 3:
		if (p->pkgdata_themes)
			snprintf(buf, sz, "%s", p->pkgdata_themes);
		return true;
	case 4:
		if (p->exe_themes)
			snprintf(buf, sz, "%s", p->exe_themes);
		return true;
	default:
		return false;
	}
}

static bool theme_file_readable(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && access(path, R_OK) == 0;
}

static bool theme_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

enum eng_status theme_find(const char *name, const struct theme_paths *paths,
			   char *out, size_t outsz, struct eng_err *err)
{
	struct theme_paths def;
	if (!paths) {
		theme_paths_init(&def, NULL);
		paths = &def;
	}
	if (!name || !*name)
		return eng_err_set(err, ENG_STATUS_EINVAL, "empty theme name");
	if (strchr(name, '/')) {
		if (!theme_file_readable(name))
			return eng_err_set(err, ENG_STATUS_ENOENT, "theme file '%s' not found", name);
		snprintf(out, outsz, "%s", name);
		return ENG_STATUS_OK;
	}
	bool has_ext = theme_ends_with(name, ".theme");
	if (has_ext && theme_file_readable(name)) {
		snprintf(out, outsz, "%s", name);
		return ENG_STATUS_OK;
	}
	if (name[0] != '.') {
		char dir[THEME_PATH_MAX], cand[THEME_PATH_MAX + THEME_NAME_MAX + 16];
		for (int i = 0; theme_dir_get(paths, i, dir, sizeof dir); i++) {
			if (!dir[0])
				continue;
			snprintf(cand, sizeof cand, "%s/%s%s", dir, name, has_ext ? "" : ".theme");
			if (theme_file_readable(cand)) {
				if (strlen(cand) >= outsz)
					return eng_err_set(err, ENG_STATUS_EINVAL, "theme path too long");
				snprintf(out, outsz, "%s", cand);
				return ENG_STATUS_OK;
			}
		}
		if (strcmp(name, "default") == 0 || strcmp(name, "mono") == 0) {
			snprintf(out, outsz, "builtin:%s", name);
			return ENG_STATUS_OK;
		}
	}
	return eng_err_set(err, ENG_STATUS_ENOENT,
			   "theme '%s' not found (searched --themes-dir, "
			   "$RECONVENE_THEMES_DIR, the user's config directory, the "
			   "installed themes and themes/ next to the program)", name);
}

static int theme_name_cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static void theme_list_add(char (*names)[THEME_NAME_MAX], int *n, int max, const char *s, size_t len)
{
	if (*n >= max || len == 0 || len >= THEME_NAME_MAX)
		return;
	for (int i = 0; i < *n; i++) {
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return;
	}
	memcpy(names[*n], s, len);
	names[*n][len] = '\0';
	(*n)++;
}

int theme_list(const struct theme_paths *paths, char (*names)[THEME_NAME_MAX], int max)
{
	struct theme_paths def;
	if (!paths) {
		theme_paths_init(&def, NULL);
		paths = &def;
	}
	int n = 0;
	char dir[THEME_PATH_MAX];
	for (int i = 0; theme_dir_get(paths, i, dir, sizeof dir); i++) {
		DIR *d = dir[0] ? opendir(dir) : NULL;
		if (!d)
			continue;
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.' || !theme_ends_with(e->d_name, ".theme"))
				continue;
			theme_list_add(names, &n, max, e->d_name, strlen(e->d_name) - 6);
		}
		closedir(d);
	}
	theme_list_add(names, &n, max, "default", 7);
	theme_list_add(names, &n, max, "mono", 4);
	qsort(names, (size_t)n, sizeof names[0], theme_name_cmp);
	return n;
}

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

/* --- resolving ---------------------------------------------------------------- */

/* One colour at a colour tier: the tier's equivalent if given, else the
 * value converted down the ladder.  In 8 colours a bright fg becomes bold
 * (only when bold_out is given: backgrounds cannot be bold). */
static int32_t theme_color_at(struct theme_color c, enum theme_tier tier, unsigned *bold_out)
{
	int32_t v;
	switch (tier) {
	case THEME_TIER_TRUECOLOR:
		return c.c;
	case THEME_TIER_256:
		if (c.eq256 != THEME_COLOR_NONE)
			return c.eq256;
		return theme_is_rgb(c.c) ? theme_rgb_to_256((uint32_t)c.c & 0xffffff) : c.c;
	case THEME_TIER_16:
		if (c.eq16 != THEME_COLOR_NONE)
			return c.eq16;
		v = c.eq256 != THEME_COLOR_NONE ? c.eq256 : c.c;
		if (theme_is_rgb(v))
			v = theme_rgb_to_256((uint32_t)v & 0xffffff);
		return v < 0 ? v : theme_256_to_16(v);
	case THEME_TIER_8: {
		v = theme_color_at(c, THEME_TIER_16, NULL);
		unsigned a = 0;
		v = theme_16_to_8(v, &a);
		if (bold_out)
			*bold_out |= a;
		return v;
	}
	default:
		return THEME_COLOR_DEFAULT;
	}
}

/* Black or white for this tier, whichever stands out against bg. */
static int32_t theme_contrast(int32_t bg, enum theme_tier tier)
{
	uint32_t rgb = theme_color_rgb(bg);
	int lum = (int)((299 * ((rgb >> 16) & 0xff) + 587 * ((rgb >> 8) & 0xff) + 114 * (rgb & 0xff)) / 1000);
	bool dark_text = lum >= 128;
	switch (tier) {
	case THEME_TIER_TRUECOLOR:
		return dark_text ? THEME_RGB(0x000000) : THEME_RGB(0xffffff);
	case THEME_TIER_256:
		return dark_text ? 16 : 231;
	case THEME_TIER_16:
		return dark_text ? 0 : 15;
	default:
		return dark_text ? 0 : 7;
	}
}

static void theme_role_resolve(const struct theme *th, int r, enum theme_tier tier,
			       const struct theme_look *normal, struct theme_style *out)
{
	const struct theme_role_def *d = &th->role[r];
	if (tier == THEME_TIER_MONO) {
		*out = (struct theme_style){ THEME_COLOR_DEFAULT, THEME_COLOR_DEFAULT, d->mono };
		return;
	}
	int k = tier - THEME_TIER_8;
	struct theme_look look = tier < THEME_TIER_TRUECOLOR && d->over_set[k] ? d->over[k] : d->base;
	const struct theme_color dflt = { THEME_COLOR_DEFAULT, THEME_COLOR_NONE, THEME_COLOR_NONE };
	if (look.fg.c == THEME_COLOR_INHERIT)
		look.fg = normal && normal->fg.c != THEME_COLOR_INHERIT ? normal->fg : dflt;
	if (look.bg.c == THEME_COLOR_INHERIT)
		look.bg = normal && normal->bg.c != THEME_COLOR_INHERIT ? normal->bg : dflt;
	out->attrs = look.attrs;
	out->fg = theme_color_at(look.fg, tier, &out->attrs);
	out->bg = theme_color_at(look.bg, tier, NULL);
	/* Quantising can merge two different colours: keep the text readable
	 * (tmux does the same).  Equal as written is left alone. */
	if (out->fg == out->bg && out->fg >= 0 && look.fg.c != look.bg.c)
		out->fg = theme_contrast(out->bg, tier);
}

static int32_t theme_lerp_rgb(uint32_t a, uint32_t b, int num, int den)
{
	uint32_t out = 0;
	for (int sh = 16; sh >= 0; sh -= 8) {
		int x = (int)((a >> sh) & 0xff), y = (int)((b >> sh) & 0xff);
		int v = (x * (den - num) + y * num + den / 2) / den;
		out |= (uint32_t)v << sh;
	}
	return THEME_RGB(out);
}

static void theme_gradient_resolve(const struct theme_gradient_def *d, enum theme_tier tier,
				   int n, struct theme_gradient_steps *out)
{
	memset(out, 0, sizeof *out);
	out->n = n;
	/* The glyph ramp travels in every tier; mono needs it most. */
	if (d->mono[0]) {
		const unsigned char *u = (const unsigned char *)d->mono;
		while (*u && out->nramp < THEME_RAMP_MAX) {
			int len = *u < 0x80 ? 1 : (*u & 0xe0) == 0xc0 ? 2 : (*u & 0xf0) == 0xe0 ? 3 : 4;
			memcpy(out->ramp[out->nramp], u, (size_t)len);
			out->ramp[out->nramp][len] = '\0';
			out->nramp++;
			u += len;
		}
	}
	if (tier == THEME_TIER_MONO) {
		for (int i = 0; i < n; i++)
			out->color[i] = THEME_COLOR_DEFAULT;
		return;
	}
	int k = tier - THEME_TIER_8;
	int lk = -1;
	if (tier != THEME_TIER_TRUECOLOR && d->list_len[k] > 0)
		lk = k;
	else if (tier == THEME_TIER_8 && d->list_len[THEME_TIER_16 - THEME_TIER_8] > 0)
		lk = THEME_TIER_16 - THEME_TIER_8;
	if (lk >= 0) {
		/* Discrete named colours: step i takes list entry i*len/n. */
		for (int i = 0; i < n; i++) {
			int j = (int)((long)i * d->list_len[lk] / n);
			struct theme_color c = { d->list[lk][j], THEME_COLOR_NONE, THEME_COLOR_NONE };
			out->color[i] = theme_color_at(c, tier, &out->attrs[i]);
		}
		return;
	}
	int ns = d->nstops >= 2 && d->nstops <= 3 ? d->nstops : 2;
	for (int i = 0; i < n; i++) {
		int seg = 0, num = 0, den = 1;
		if (n > 1) {
			den = n - 1;
			seg = i * (ns - 1) / den;
			if (seg > ns - 2)
				seg = ns - 2;
			num = i * (ns - 1) - seg * den;
		}
		/* Steps that land on a stop use its own value, equivalents included. */
		if (num == 0 || num == den) {
			const struct theme_color *s = &d->stop[num == 0 ? seg : seg + 1];
			out->color[i] = theme_color_at(*s, tier, &out->attrs[i]);
			if (tier == THEME_TIER_TRUECOLOR && !theme_is_rgb(out->color[i]) && out->color[i] >= 0)
				out->color[i] = THEME_RGB(theme_index_rgb(out->color[i]));
			continue;
		}
		int32_t rgb = theme_lerp_rgb(theme_color_rgb(d->stop[seg].c),
					     theme_color_rgb(d->stop[seg + 1].c), num, den);
		struct theme_color c = { rgb, THEME_COLOR_NONE, THEME_COLOR_NONE };
		out->color[i] = theme_color_at(c, tier, &out->attrs[i]);
	}
}

void theme_resolve(const struct theme *th, enum theme_tier tier, int steps,
		   struct theme_resolved *out)
{
	memset(out, 0, sizeof *out);
	if ((unsigned)tier >= THEME_TIER_COUNT)
		tier = THEME_TIER_MONO;
	if (tier > th->max_tier)
		tier = th->max_tier;
	if (steps < 1)
		steps = 1;
	if (steps > THEME_GRADIENT_MAX)
		steps = THEME_GRADIENT_MAX;
	out->tier = tier;
	out->light = th->light;
	snprintf(out->name, sizeof out->name, "%s", th->name);
	/* normal first: `-` in every other role means normal's colour. */
	const struct theme_role_def *nd = &th->role[THEME_ROLE_NORMAL];
	struct theme_look normal = nd->base;
	if (tier >= THEME_TIER_8 && tier < THEME_TIER_TRUECOLOR && nd->over_set[tier - THEME_TIER_8])
		normal = nd->over[tier - THEME_TIER_8];
	for (int r = 0; r < THEME_ROLE_COUNT; r++)
		theme_role_resolve(th, r, tier, r == THEME_ROLE_NORMAL ? NULL : &normal, &out->role[r]);
	for (int g = 0; g < THEME_GRADIENT_COUNT; g++)
		theme_gradient_resolve(&th->grad[g], tier, steps, &out->grad[g]);
}

const char *theme_gradient_glyph(const struct theme_gradient_steps *g, int i)
{
	int n = g->n > 0 ? g->n : 1;
	if (i < 0)
		i = 0;
	if (i >= n)
		i = n - 1;
	if (g->nramp > 0) {
		int j = n > 1 ? (int)(((long)i * (g->nramp - 1) * 2 + (n - 1)) / (2L * (n - 1)))
			      : g->nramp - 1;
		return g->ramp[j];
	}
	return glyphs_ramp(i, n);
}
