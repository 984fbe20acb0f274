/* fuzz_theme: libFuzzer target for the theme parser (tui/theme/theme_load.c,
 * on io/ini.c) and the resolver (theme_resolve.c).
 *
 * The input is the text of a theme file; it is also written to
 * self.theme in the scratch directory (its search path), so `inherit =
 * self` exercises the cycle check and `inherit = mono` the built-ins.
 * Every load either fails (EINVAL, ENOENT or EIO with one line naming the
 * file, the theme passed in unchanged) or succeeds with one-line
 * warnings; a loaded theme, resolved at every tier and 1..64 steps, gives
 * only colours that tier can show, and NUL-terminated names and ramps.
 * There is no theme writer, so no round trip.
 *
 *   ./fuzz/fuzz_theme -max_total_time=600 fuzz/corpus/theme tests/fuzz/corpus/theme
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_util.h"
#include "theme/theme.h"

static void fuzz_theme_warn(void *user, const char *line)
{
	int *n = user;
	(*n)++;
	fuzz_check(line && line[0] && !strchr(line, '\n'), "warning not one line");
}

static void fuzz_color_check(int32_t c, enum theme_tier tier)
{
	if (c == THEME_COLOR_DEFAULT)
		return;
	switch (tier) {
	case THEME_TIER_MONO:
		fuzz_check(0, "a colour in the mono tier");
		break;
	case THEME_TIER_8:
		fuzz_check(c >= 0 && c < 8, "colour out of the 8-colour range");
		break;
	case THEME_TIER_16:
		fuzz_check(c >= 0 && c < 16, "colour out of the 16-colour range");
		break;
	case THEME_TIER_256:
		fuzz_check(c >= 0 && c < 256, "colour out of the 256-colour range");
		break;
	default:
		fuzz_check((c >= 0 && c < 256) || (c & ~0xffffff) == THEME_COLOR_RGB_FLAG,
			   "colour neither an index nor RGB");
	}
}

static void fuzz_theme_resolved(const struct theme *th, int steps)
{
	for (int t = 0; t < THEME_TIER_COUNT; t++) {
		struct theme_resolved r;
		theme_resolve(th, (enum theme_tier)t, steps, &r);
		fuzz_check(r.tier <= (enum theme_tier)t && r.tier <= th->max_tier, "tier raised");
		fuzz_check(memchr(r.name, 0, sizeof r.name) != NULL, "name not terminated");
		for (int i = 0; i < THEME_ROLE_COUNT; i++) {
			fuzz_color_check(r.role[i].fg, r.tier);
			fuzz_color_check(r.role[i].bg, r.tier);
			fuzz_check(r.role[i].attrs < 0x40, "unknown attribute bits");
		}
		for (int g = 0; g < THEME_GRADIENT_COUNT; g++) {
			const struct theme_gradient_steps *s = &r.grad[g];
			fuzz_check(s->n >= 1 && s->n <= THEME_GRADIENT_MAX, "gradient steps");
			fuzz_check(s->nramp >= 0 && s->nramp <= THEME_RAMP_MAX, "ramp length");
			for (int i = 0; i < s->nramp; i++)
				fuzz_check(memchr(s->ramp[i], 0, sizeof s->ramp[i]) && s->ramp[i][0],
					   "ramp glyph empty or not terminated");
			for (int i = 0; i < s->n; i++) {
				if (r.tier != THEME_TIER_MONO)
					fuzz_color_check(s->color[i], r.tier);
				fuzz_check(theme_gradient_glyph(s, i) != NULL, "no glyph");
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[PATH_MAX];
	fuzz_scratch_write(path, sizeof path, "self.theme", data, size);
	struct theme_paths paths = { .themes_dir = fuzz_scratch_dir() };
	int warnings = 0;
	struct theme_load_opts opts = { .paths = &paths, .warn = { fuzz_theme_warn, &warnings } };
	struct theme th, before;
	theme_init_default(&th);
	before = th;
	struct eng_err err;
	err.msg[0] = '\0';
	enum eng_status st = theme_load_text(&th, (const char *)data, size, path, &opts, &err);
	if (st != ENG_STATUS_OK) {
		fuzz_err_check(st, &err, NULL, FUZZ_ST_EINVAL | FUZZ_ST_ENOENT | FUZZ_ST_EIO);
		fuzz_check(memcmp(&th, &before, sizeof th) == 0, "failed load changed the theme");
		return 0;
	}
	fuzz_check(memchr(th.name, 0, sizeof th.name) && memchr(th.path, 0, sizeof th.path),
		   "theme strings not terminated");
	fuzz_check(th.npalette >= 0 && th.npalette <= THEME_PALETTE_MAX, "palette size");
	fuzz_check(th.max_tier >= THEME_TIER_MONO && th.max_tier < THEME_TIER_COUNT, "max_tier");
	for (int g = 0; g < THEME_GRADIENT_COUNT; g++) {
		fuzz_check(th.grad[g].nstops == 2 || th.grad[g].nstops == 3, "gradient stops");
		fuzz_check(memchr(th.grad[g].mono, 0, sizeof th.grad[g].mono) != NULL,
			   "ramp not terminated");
	}
	/* 0 and 65 too: theme_resolve clamps. */
	int steps = size ? data[0] % (THEME_GRADIENT_MAX + 2) : 16;
	fuzz_theme_resolved(&th, steps);
	return 0;
}
