/* theme.c: the X-macro tables, names, tier detection and the built-in themes. */
#include "config.h"

#include <stdio.h>
#include <string.h>


#include "theme/theme_internal.h"

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

/* --- built-in themes ------------------------------------------------------ */

struct theme_color theme_bpal_color(int i)
{
	if (i == THEME_BPAL_inherit)
		return (struct theme_color){ THEME_COLOR_INHERIT, THEME_COLOR_NONE, THEME_COLOR_NONE };
	ENG_ASSERT(i >= 0 && i < THEME_BPAL_COUNT);
	return (struct theme_color){ theme_bpal[i].c, theme_bpal[i].eq256, theme_bpal[i].eq16 };
}

/* A list of plain colour words into out; false on a bad word. */
bool theme_list_parse(const struct theme_tokens *t, int first, int32_t *out, int *n)
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
