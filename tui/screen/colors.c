#include "config.h"

#include "screen/colors.h"

#include <stdint.h>
#include <string.h>

/* Pairs are handed out lazily; the cache is an open-addressed table keyed
 * by (fg, bg).  When the terminal runs out of pairs the look falls back to
 * the default pair (attributes still apply). */
#define COLORS_CACHE 1024

struct colors_entry {
	int32_t fg, bg;
	int pair; /* 0 = empty slot */
};

static enum theme_tier colors_tier_v = THEME_TIER_MONO; /* the terminal's */
static enum theme_tier colors_eff = THEME_TIER_MONO;    /* with the theme's cap */
static struct theme_resolved colors_res;
static struct colors_entry colors_cache[COLORS_CACHE];
static int colors_next_pair = 1;

void colors_setup(enum theme_tier tier)
{
	colors_tier_v = colors_eff = tier;
	if (tier == THEME_TIER_MONO)
		return;
	if (!has_colors()) {
		colors_tier_v = colors_eff = THEME_TIER_MONO;
		return;
	}
	start_color();
	use_default_colors();
}

enum theme_tier colors_tier(void)
{
	return colors_eff;
}

void colors_theme_set(const struct theme_resolved *r)
{
	colors_res = *r;
	/* A theme may cap the tier (mono.theme says max_tier = mono): draw
	 * with attributes only then, as on a monochrome terminal. */
	colors_eff = r->tier < colors_tier_v ? r->tier : colors_tier_v;
	memset(colors_cache, 0, sizeof colors_cache);
	colors_next_pair = 1;
}

const struct theme_resolved *colors_theme(void)
{
	return &colors_res;
}

attr_t colors_attrs(unsigned a)
{
	attr_t r = A_NORMAL;
	if (a & THEME_ATTR_BOLD)
		r |= A_BOLD;
	if (a & THEME_ATTR_DIM)
		r |= A_DIM;
	if (a & THEME_ATTR_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & THEME_ATTR_REVERSE)
		r |= A_REVERSE;
	if (a & THEME_ATTR_STANDOUT)
		r |= A_STANDOUT;
#ifdef A_ITALIC
	if (a & THEME_ATTR_ITALIC)
		r |= A_ITALIC;
#endif
	return r;
}

static int colors_value(int32_t c)
{
	if (c < 0)
		return -1;
	if (colors_tier_v == THEME_TIER_TRUECOLOR)
		return (int)theme_color_direct(c);
	return (int)(c & 0xffffff);
}

static int colors_pair(int32_t fg, int32_t bg)
{
	if (colors_eff == THEME_TIER_MONO)
		return 0;
	if (fg < 0 && bg < 0)
		return 0;
	uint32_t h = ((uint32_t)fg * 2654435761u) ^ ((uint32_t)bg * 40503u);
	for (int probe = 0; probe < COLORS_CACHE; probe++) {
		struct colors_entry *e = &colors_cache[(h + (uint32_t)probe) % COLORS_CACHE];
		if (e->pair && e->fg == fg && e->bg == bg)
			return e->pair;
		if (!e->pair) {
			if (colors_next_pair >= COLOR_PAIRS)
				return 0;
			int p = colors_next_pair;
			int rc;
#if defined(NCURSES_VERSION_MAJOR) && NCURSES_VERSION_MAJOR >= 6
			rc = init_extended_pair(p, colors_value(fg), colors_value(bg));
#else
			rc = init_pair((short)p, (short)colors_value(fg),
				       (short)colors_value(bg));
#endif
			if (rc == ERR)
				return 0;
			colors_next_pair++;
			e->fg = fg;
			e->bg = bg;
			e->pair = p;
			return p;
		}
	}
	return 0;
}

static void colors_set(WINDOW *w, attr_t attrs, int pair)
{
#if defined(NCURSES_VERSION_MAJOR) && NCURSES_VERSION_MAJOR >= 6
	wattr_set(w, attrs, (short)(pair < 32767 ? pair : 0), &pair);
#else
	wattr_set(w, attrs, (short)pair, NULL);
#endif
}

void colors_role(WINDOW *w, enum theme_role r)
{
	colors_role_attr(w, r, A_NORMAL);
}

void colors_role_attr(WINDOW *w, enum theme_role r, attr_t extra)
{
	const struct theme_style *s = &colors_res.role[r];
	colors_set(w, colors_attrs(s->attrs) | extra, colors_pair(s->fg, s->bg));
}

int colors_grad_steps(enum theme_gradient g)
{
	return colors_res.grad[g].n > 0 ? colors_res.grad[g].n : 1;
}

void colors_grad(WINDOW *w, enum theme_gradient g, int i, enum theme_role base,
		 attr_t extra)
{
	const struct theme_gradient_steps *gs = &colors_res.grad[g];
	if (gs->n <= 0 || colors_eff == THEME_TIER_MONO) {
		colors_role_attr(w, base, extra);
		return;
	}
	if (i < 0)
		i = 0;
	if (i >= gs->n)
		i = gs->n - 1;
	const struct theme_style *b = &colors_res.role[base];
	colors_set(w, colors_attrs(gs->attrs[i]) | extra,
		   colors_pair(gs->color[i], b->bg));
}
