/* render_style.c: a theme's truecolor roles and heat gradient as the
 * colours of a PNG picture. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>

#include "cli/cli.h"
#include "cli/render_style.h"
#include "paths/font_path.h"
#include "theme/theme.h"

static uint32_t style_rgb(int32_t c, uint32_t fallback)
{
	if (c >= 0 && (c & THEME_COLOR_RGB_FLAG))
		return (uint32_t)c & 0xffffff;
	if (c >= 0 && c <= 255)
		return theme_index_rgb(c);
	return fallback;
}

int cli_render_style(const char *theme, struct render_style *out)
{
	render_style_default(out);
	/* The engine reads no environment: the font comes from here. */
	struct font_path fp;
	font_path_get(&fp);
	out->font = fp.font;
	out->font_dirs = fp.dirs;
	struct theme_paths paths;
	theme_paths_init(&paths, NULL);
	struct theme th;
	theme_init_default(&th);
	struct theme_load_opts lo = { .paths = &paths, .warn = { NULL, NULL } };
	struct eng_err err;
	if (theme && theme_load(&th, theme, &lo, &err) != ENG_STATUS_OK) {
		cli_error("%s", err.msg);
		return CLI_EXIT_FAILURE;
	}
	struct theme_resolved r;
	theme_resolve(&th, THEME_TIER_TRUECOLOR, 16, &r);
	if (r.light) {
		out->bg = 0xffffff;
		out->fg = 0x1b1f27;
		out->panel = 0xf1f3f6;
		out->muted = 0x6b7280;
	}
	out->bg = style_rgb(r.role[THEME_ROLE_NORMAL].bg, out->bg);
	out->fg = style_rgb(r.role[THEME_ROLE_NORMAL].fg, out->fg);
	out->muted = style_rgb(r.role[THEME_ROLE_DIM].fg, out->muted);
	out->accent = style_rgb(r.role[THEME_ROLE_TITLE].fg, out->accent);
	out->series[0] = out->muted;
	out->series[1] = style_rgb(r.role[THEME_ROLE_VALUE_WARN].fg, out->series[1]);
	out->series[2] = style_rgb(r.role[THEME_ROLE_VALUE_GOOD].fg, out->series[2]);
	out->series[3] = out->accent;
	out->series[4] = style_rgb(r.role[THEME_ROLE_RESILIENT].fg, out->series[4]);
	out->series[5] = style_rgb(r.role[THEME_ROLE_VALUE_BAD].fg, out->series[5]);
	const struct theme_gradient_steps *g = &r.grad[THEME_GRADIENT_HEAT];
	bool ok = g->n >= 2;
	for (int i = 0; ok && i < g->n; i++)
		ok = g->color[i] >= 0;
	if (ok) {
		out->heat.n = g->n;
		for (int i = 0; i < g->n; i++)
			out->heat.rgb[i] = style_rgb(g->color[i], 0);
	} else if (r.tier == THEME_TIER_MONO) {
		/* A monochrome theme: a grey ramp, dark to light. */
		out->heat.n = 2;
		out->heat.rgb[0] = r.light ? 0xe8e8e8 : 0x202020;
		out->heat.rgb[1] = r.light ? 0x202020 : 0xf0f0f0;
	}
	return CLI_EXIT_OK;
}
