/* theme_resolve.c: a theme resolved for one colour tier: every role and gradient as plain colours and attributes. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "theme/glyphs.h"

#include "theme/theme_internal.h"

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
