/* check_theme: theme parsing, colour quantisation, tier resolution, the
 * theme search path and the glyph tables (tui/theme.[ch], tui/glyphs.[ch]).
 *
 * The shipped themes are read from SRC_THEMES_DIR; every other theme is
 * written inline or into a private temporary directory.  Expected colours
 * are worked out by hand in the comments, or checked against a brute-force
 * nearest-colour search.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include "theme/glyphs.h"
#include "theme/theme.h"

#ifndef SRC_THEMES_DIR
#error "SRC_THEMES_DIR must point at the source tree's themes/"
#endif

/* --- helpers --------------------------------------------------------------- */

#define WARN_MAX 64

struct warns {
	int n;
	char msg[WARN_MAX][600];
};

static void warns_collect(void *user, const char *msg)
{
	struct warns *w = user;
	if (w->n < WARN_MAX)
		snprintf(w->msg[w->n], sizeof w->msg[0], "%s", msg);
	w->n++;
}

/* Paths that find nothing, unless a test sets themes_dir. */
static struct theme_paths paths_none(const char *dir)
{
	struct theme_paths p = { .themes_dir = dir };
	return p;
}

static enum eng_status load_str(struct theme *th, const char *text, const char *path,
				const char *dir, struct warns *w, struct eng_err *err)
{
	struct theme_paths p = paths_none(dir);
	struct theme_load_opts o = { .paths = &p, .warn = { warns_collect, w } };
	return theme_load_text(th, text, strlen(text), path, &o, err);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

static char tmpdir[256];

static void tmpdir_make(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/check_theme.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmpdir_remove(void)
{
	DIR *d = opendir(tmpdir);
	if (d) {
		struct dirent *e;
		char path[1024];
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(tmpdir);
}

static bool color_in_tier(int32_t c, enum theme_tier t)
{
	switch (t) {
	case THEME_TIER_MONO:
		return c == -1;
	case THEME_TIER_8:
		return c >= -1 && c <= 7;
	case THEME_TIER_16:
		return c >= -1 && c <= 15;
	case THEME_TIER_256:
		return c >= -1 && c <= 255;
	default:
		return (c >= -1 && c <= 255) ||
		       (c >= THEME_COLOR_RGB_FLAG && c <= (THEME_COLOR_RGB_FLAG | 0xffffff));
	}
}

static void check_resolved_ranges(const struct theme_resolved *r, int steps)
{
	for (int i = 0; i < THEME_ROLE_COUNT; i++) {
		ck_assert_msg(color_in_tier(r->role[i].fg, r->tier), "role %s fg %d in tier %s",
			      theme_role_name(i), r->role[i].fg, theme_tier_name(r->tier));
		ck_assert_msg(color_in_tier(r->role[i].bg, r->tier), "role %s bg %d",
			      theme_role_name(i), r->role[i].bg);
		ck_assert_uint_eq(r->role[i].attrs & ~0x3fu, 0);
	}
	for (int g = 0; g < THEME_GRADIENT_COUNT; g++) {
		ck_assert_int_eq(r->grad[g].n, steps);
		for (int i = 0; i < steps; i++)
			ck_assert(color_in_tier(r->grad[g].color[i], r->tier));
		ck_assert(r->grad[g].nramp >= 0 && r->grad[g].nramp <= THEME_RAMP_MAX);
	}
}

/* --- shipped themes ---------------------------------------------------------- */

START_TEST(test_shipped_themes_clean)
{
	DIR *d = opendir(SRC_THEMES_DIR);
	ck_assert_ptr_nonnull(d);
	struct dirent *e;
	int files = 0;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		if (n < 7 || strcmp(e->d_name + n - 6, ".theme") != 0)
			continue;
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", SRC_THEMES_DIR, e->d_name);
		struct warns w = { 0 };
		struct theme_paths p = { .exe_themes = SRC_THEMES_DIR };
		struct theme_load_opts o = { .paths = &p, .warn = { warns_collect, &w } };
		struct theme th;
		struct eng_err err = { "" };
		ck_assert_msg(theme_load_file(&th, path, &o, &err) == ENG_STATUS_OK, "%s", err.msg);
		ck_assert_msg(w.n == 0, "%s: %d warnings, first: %s", e->d_name, w.n, w.msg[0]);
		for (int t = 0; t < THEME_TIER_COUNT; t++) {
			struct theme_resolved r;
			theme_resolve(&th, (enum theme_tier)t, 24, &r);
			ck_assert_int_le(r.tier, t);
			check_resolved_ranges(&r, 24);
		}
		files++;
	}
	closedir(d);
	ck_assert_int_ge(files, 6);
}
END_TEST

/* default.theme must be the compiled-in default written out: identical in
 * every tier, roles and gradients alike. */
START_TEST(test_default_file_is_builtin)
{
	struct theme built, file;
	theme_init_default(&built);
	struct warns w = { 0 };
	struct theme_load_opts o = { .warn = { warns_collect, &w } };
	struct eng_err err;
	ck_assert_int_eq(theme_load_file(&file, SRC_THEMES_DIR "/default.theme", &o, &err),
			 ENG_STATUS_OK);
	ck_assert_int_eq(w.n, 0);
	for (int t = 0; t < THEME_TIER_COUNT; t++) {
		struct theme_resolved a, b;
		theme_resolve(&built, (enum theme_tier)t, 17, &a);
		theme_resolve(&file, (enum theme_tier)t, 17, &b);
		for (int r = 0; r < THEME_ROLE_COUNT; r++) {
			ck_assert_msg(a.role[r].fg == b.role[r].fg && a.role[r].bg == b.role[r].bg &&
					      a.role[r].attrs == b.role[r].attrs,
				      "tier %s role %s: built-in %d/%d/%u, file %d/%d/%u",
				      theme_tier_name(t), theme_role_name(r), a.role[r].fg, a.role[r].bg,
				      a.role[r].attrs, b.role[r].fg, b.role[r].bg, b.role[r].attrs);
		}
		ck_assert_msg(memcmp(a.grad, b.grad, sizeof a.grad) == 0, "tier %s gradients differ",
			      theme_tier_name(t));
	}
}
END_TEST

START_TEST(test_mono_theme_has_no_colour)
{
	struct theme th;
	struct eng_err err;
	ck_assert_int_eq(theme_load_file(&th, SRC_THEMES_DIR "/mono.theme", NULL, &err),
			 ENG_STATUS_OK);
	struct theme_resolved r;
	theme_resolve(&th, THEME_TIER_TRUECOLOR, 8, &r);
	ck_assert_int_eq(r.tier, THEME_TIER_MONO);
	for (int i = 0; i < THEME_ROLE_COUNT; i++) {
		ck_assert_int_eq(r.role[i].fg, -1);
		ck_assert_int_eq(r.role[i].bg, -1);
	}
	ck_assert_uint_eq(r.role[THEME_ROLE_SELECTED].attrs, THEME_ATTR_REVERSE | THEME_ATTR_BOLD);
	ck_assert_uint_eq(r.role[THEME_ROLE_ERROR].attrs, THEME_ATTR_BOLD | THEME_ATTR_UNDERLINE);
	ck_assert_uint_eq(r.role[THEME_ROLE_NORMAL].attrs, 0);
	/* diverge@mono = "=-.+#": 5 glyphs; heat uses the glyph ramp. */
	ck_assert_int_eq(r.grad[THEME_GRADIENT_DIVERGE].nramp, 5);
	ck_assert_str_eq(theme_gradient_glyph(&r.grad[THEME_GRADIENT_DIVERGE], 0), "=");
	ck_assert_str_eq(theme_gradient_glyph(&r.grad[THEME_GRADIENT_DIVERGE], 7), "#");
	ck_assert_int_eq(r.grad[THEME_GRADIENT_HEAT].nramp, 0);

	/* The built-in mono is the same look. */
	struct theme bm;
	theme_init_mono(&bm);
	struct theme_resolved rb;
	theme_resolve(&bm, THEME_TIER_256, 8, &rb);
	ck_assert_int_eq(rb.tier, THEME_TIER_MONO);
	for (int i = 0; i < THEME_ROLE_COUNT; i++)
		ck_assert_uint_eq(rb.role[i].attrs, r.role[i].attrs);
}
END_TEST

/* --- colour maths ------------------------------------------------------------ */

static int dist_sq(uint32_t a, uint32_t b)
{
	int dr = (int)((a >> 16) & 0xff) - (int)((b >> 16) & 0xff);
	int dg = (int)((a >> 8) & 0xff) - (int)((b >> 8) & 0xff);
	int db = (int)(a & 0xff) - (int)(b & 0xff);
	return dr * dr + dg * dg + db * db;
}

START_TEST(test_rgb_to_256)
{
	ck_assert_int_eq(theme_rgb_to_256(0xff0000), 196); /* cube (5,0,0) */
	ck_assert_int_eq(theme_rgb_to_256(0x000000), 16);
	ck_assert_int_eq(theme_rgb_to_256(0xffffff), 231);
	ck_assert_int_eq(theme_rgb_to_256(0x5f87af), 67);  /* cube (1,2,3) exactly */
	ck_assert_int_eq(theme_rgb_to_256(0x808080), 244); /* grey 8+10*12 = 128 */
	ck_assert_int_eq(theme_rgb_to_256(0x767676), 243); /* grey 118 */
	ck_assert_int_eq(theme_rgb_to_256(0x080808), 232);
	ck_assert_int_eq(theme_rgb_to_256(0xeeeeee), 255);
	/* #d7a03c: levels 4, (160-35)/40 = 3, 1 (60 >= 48) -> 16+144+18+1;
	 * the grey 148 is farther. */
	ck_assert_int_eq(theme_rgb_to_256(0xd7a03c), 179);
	/* Every cube and grey colour maps back to itself. */
	for (int i = 16; i < 256; i++)
		ck_assert_int_eq(theme_rgb_to_256(theme_index_rgb(i)), i);
	/* Against a brute-force search over 16..255: never more than a
	 * rounding step worse than the true nearest. */
	uint32_t x = 12345;
	for (int k = 0; k < 3000; k++) {
		x = x * 1103515245u + 12345u;
		uint32_t rgb = (x >> 4) & 0xffffff;
		int best = 1 << 30;
		for (int i = 16; i < 256; i++) {
			int dd = dist_sq(rgb, theme_index_rgb(i));
			if (dd < best)
				best = dd;
		}
		int got = dist_sq(rgb, theme_index_rgb(theme_rgb_to_256(rgb)));
		ck_assert_msg(got <= best + 64, "#%06x: %d vs best %d", rgb, got, best);
	}
}
END_TEST

START_TEST(test_256_to_16_and_8)
{
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(theme_256_to_16(i), i);
	ck_assert_int_eq(theme_256_to_16(196), 9);  /* #ff0000 bright red */
	ck_assert_int_eq(theme_256_to_16(88), 1);   /* #870000 red */
	ck_assert_int_eq(theme_256_to_16(21), 12);  /* #0000ff bright blue */
	ck_assert_int_eq(theme_256_to_16(46), 10);  /* #00ff00 */
	ck_assert_int_eq(theme_256_to_16(226), 11); /* #ffff00 */
	ck_assert_int_eq(theme_256_to_16(201), 13); /* #ff00ff */
	ck_assert_int_eq(theme_256_to_16(51), 14);  /* #00ffff */
	ck_assert_int_eq(theme_256_to_16(231), 15);
	ck_assert_int_eq(theme_256_to_16(16), 0);
	ck_assert_int_eq(theme_256_to_16(232), 0);  /* grey 8 */
	ck_assert_int_eq(theme_256_to_16(244), 8);  /* grey 128 */
	ck_assert_int_eq(theme_256_to_16(250), 7);  /* grey 188 */
	ck_assert_int_eq(theme_256_to_16(255), 15); /* grey 238 */
	ck_assert_int_eq(theme_256_to_16(102), 8);  /* #878787 cube grey */
	ck_assert_int_eq(theme_256_to_16(-1), -1);
	/* The primary of a saturated cube colour survives. */
	for (int lv = 1; lv <= 5; lv++) {
		ck_assert_int_eq(theme_256_to_16(16 + 36 * lv) & 7, 1);
		ck_assert_int_eq(theme_256_to_16(16 + 6 * lv) & 7, 2);
		ck_assert_int_eq(theme_256_to_16(16 + lv) & 7, 4);
	}
	unsigned a = 0;
	ck_assert_int_eq(theme_16_to_8(9, &a), 1);
	ck_assert_uint_eq(a, THEME_ATTR_BOLD);
	a = 0;
	ck_assert_int_eq(theme_16_to_8(15, &a), 7);
	ck_assert_uint_eq(a, THEME_ATTR_BOLD);
	a = 0;
	ck_assert_int_eq(theme_16_to_8(3, &a), 3);
	ck_assert_uint_eq(a, 0);
	ck_assert_int_eq(theme_16_to_8(-1, &a), -1);
	ck_assert_uint_eq(a, 0);
	/* Direct colour: ANSI indices stay, the rest become RGB. */
	ck_assert_int_eq(theme_color_direct(3), 3);
	ck_assert_int_eq(theme_color_direct(196), 0xff0000);
	ck_assert_int_eq(theme_color_direct(THEME_RGB(0x123456)), 0x123456);
	ck_assert_int_eq(theme_color_direct(THEME_RGB(0x000000)), 8);
	ck_assert_int_eq(theme_color_direct(-1), -1);
}
END_TEST

START_TEST(test_color_words)
{
	int32_t c;
	ck_assert(theme_color_parse("#FF8000", &c) && c == THEME_RGB(0xff8000));
	ck_assert(theme_color_parse("#80", &c) && c == THEME_RGB(0x808080));
	ck_assert(theme_color_parse("0", &c) && c == 0);
	ck_assert(theme_color_parse("255", &c) && c == 255);
	ck_assert(theme_color_parse("red", &c) && c == 1);
	ck_assert(theme_color_parse("bright_white", &c) && c == 15);
	ck_assert(theme_color_parse("default", &c) && c == -1);
	const char *bad[] = { "256", "#12345", "#1234567", "#gg0000", "brightred", "bright_",
			      "-1", "", "1000", "#", "bold" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!theme_color_parse(bad[i], &c), "'%s' accepted", bad[i]);
	unsigned a;
	ck_assert(theme_attrs_parse("bold  underline", &a) && a == (THEME_ATTR_BOLD | THEME_ATTR_UNDERLINE));
	ck_assert(theme_attrs_parse("none", &a) && a == 0);
	ck_assert(theme_attrs_parse("reverse italic standout dim", &a) &&
		  a == (THEME_ATTR_REVERSE | THEME_ATTR_ITALIC | THEME_ATTR_STANDOUT | THEME_ATTR_DIM));
	ck_assert(!theme_attrs_parse("blink", &a));
	ck_assert(!theme_attrs_parse("", &a));
}
END_TEST

/* --- resolution ----------------------------------------------------------------- */

static const char ladder_theme[] =
	"[palette]\n"
	"sky = #7aa2f7 111 bright_blue\n"
	"[roles]\n"
	"normal = #eeeeee #101010\n"
	"title = $sky - bold\n"
	"value = #ff0000\n"
	"selected = #000000 #ff0000\n"
	"selected@16 = black cyan\n"
	"warning = #ff0000 #ee0000\n"
	"notice = #ff0000 #ff0000\n"
	"dim = #123456 -\n"
	"kept = - $sky\n";

START_TEST(test_tier_ladder)
{
	struct theme th;
	struct warns w = { 0 };
	struct eng_err err;
	ck_assert_int_eq(load_str(&th, ladder_theme, "ladder.theme", NULL, &w, &err), ENG_STATUS_OK);
	ck_assert_int_eq(w.n, 0);
	struct theme_resolved r[THEME_TIER_COUNT];
	for (int t = 0; t < THEME_TIER_COUNT; t++)
		theme_resolve(&th, (enum theme_tier)t, 4, &r[t]);
	const struct theme_style *tc = r[THEME_TIER_TRUECOLOR].role, *c256 = r[THEME_TIER_256].role,
				 *c16 = r[THEME_TIER_16].role, *c8 = r[THEME_TIER_8].role;
	/* Palette equivalents win over conversion. */
	ck_assert_int_eq(tc[THEME_ROLE_TITLE].fg, THEME_RGB(0x7aa2f7));
	ck_assert_int_eq(c256[THEME_ROLE_TITLE].fg, 111);
	ck_assert_int_eq(c16[THEME_ROLE_TITLE].fg, 12);
	ck_assert_int_eq(c8[THEME_ROLE_TITLE].fg, 4);
	ck_assert_uint_eq(c8[THEME_ROLE_TITLE].attrs, THEME_ATTR_BOLD);
	/* `-` is normal's colour: #101010 -> grey (16-3)/10 = 1 -> 233. */
	ck_assert_int_eq(tc[THEME_ROLE_TITLE].bg, THEME_RGB(0x101010));
	ck_assert_int_eq(c256[THEME_ROLE_TITLE].bg, 233);
	ck_assert_int_eq(c256[THEME_ROLE_DIM].bg, 233);
	ck_assert_int_eq(c256[THEME_ROLE_KEPT].fg, theme_rgb_to_256(0xeeeeee));
	ck_assert_int_eq(c256[THEME_ROLE_KEPT].bg, 111);
	/* Converted down the ladder: 196, 9, 1 + bold. */
	ck_assert_int_eq(c256[THEME_ROLE_VALUE].fg, 196);
	ck_assert_int_eq(c16[THEME_ROLE_VALUE].fg, 9);
	ck_assert_int_eq(c8[THEME_ROLE_VALUE].fg, 1);
	ck_assert_uint_eq(c8[THEME_ROLE_VALUE].attrs, THEME_ATTR_BOLD);
	ck_assert_uint_eq(c16[THEME_ROLE_VALUE].attrs, 0);
	/* An explicit @16 wins in 16; 8 converts the base (bg: no bold). */
	ck_assert_int_eq(c16[THEME_ROLE_SELECTED].fg, 0);
	ck_assert_int_eq(c16[THEME_ROLE_SELECTED].bg, 6);
	ck_assert_int_eq(c8[THEME_ROLE_SELECTED].fg, 0);
	ck_assert_int_eq(c8[THEME_ROLE_SELECTED].bg, 1);
	ck_assert_uint_eq(c8[THEME_ROLE_SELECTED].attrs, 0);
	ck_assert_int_eq(c256[THEME_ROLE_SELECTED].fg, 16);
	ck_assert_int_eq(c256[THEME_ROLE_SELECTED].bg, 196);
	/* #ff0000 on #ee0000 both quantise to 196: the fg flips to white;
	 * colours equal as written stay equal. */
	ck_assert_int_eq(tc[THEME_ROLE_WARNING].fg, THEME_RGB(0xff0000));
	ck_assert_int_eq(c256[THEME_ROLE_WARNING].bg, 196);
	ck_assert_int_eq(c256[THEME_ROLE_WARNING].fg, 231);
	ck_assert_int_eq(c16[THEME_ROLE_WARNING].fg, 15);
	ck_assert_int_eq(c8[THEME_ROLE_WARNING].fg, 7);
	ck_assert_int_eq(c256[THEME_ROLE_NOTICE].fg, 196);
	ck_assert_int_eq(c256[THEME_ROLE_NOTICE].bg, 196);
	/* Mono: attributes only, the built-in ones where none are written. */
	ck_assert_int_eq(r[THEME_TIER_MONO].role[THEME_ROLE_VALUE].fg, -1);
	ck_assert_uint_eq(r[THEME_TIER_MONO].role[THEME_ROLE_SELECTED].attrs,
			  THEME_ATTR_REVERSE | THEME_ATTR_BOLD);
}
END_TEST

START_TEST(test_tier_detect)
{
	ck_assert_int_eq(theme_tier_detect("1", false, true, 256, 0), THEME_TIER_MONO);
	ck_assert_int_eq(theme_tier_detect("", false, true, 256, 0), THEME_TIER_256);
	ck_assert_int_eq(theme_tier_detect(NULL, true, true, 1 << 24, 1), THEME_TIER_MONO);
	ck_assert_int_eq(theme_tier_detect(NULL, false, false, 256, 0), THEME_TIER_MONO);
	ck_assert_int_eq(theme_tier_detect(NULL, false, true, 1 << 24, 1), THEME_TIER_TRUECOLOR);
	ck_assert_int_eq(theme_tier_detect(NULL, false, true, 1 << 24, 0), THEME_TIER_256);
	ck_assert_int_eq(theme_tier_detect(NULL, false, true, 1 << 24, -1), THEME_TIER_256);
	ck_assert_int_eq(theme_tier_detect(NULL, false, true, 256, 1), THEME_TIER_256);
	ck_assert_int_eq(theme_tier_detect(NULL, false, true, 88, 0), THEME_TIER_16);
	ck_assert_int_eq(theme_tier_detect(NULL, false, true, 16, 0), THEME_TIER_16);
	ck_assert_int_eq(theme_tier_detect(NULL, false, true, 8, 0), THEME_TIER_8);
	ck_assert_int_eq(theme_tier_detect(NULL, false, true, 2, 0), THEME_TIER_MONO);
	ck_assert_str_eq(theme_default_name("linux"), "tty16");
	ck_assert_str_eq(theme_default_name("xterm-256color"), "default");
	ck_assert_str_eq(theme_default_name(NULL), "default");
	/* NO_COLOR's tier means no colour from any theme. */
	struct theme th;
	theme_init_default(&th);
	struct theme_resolved r;
	theme_resolve(&th, theme_tier_detect("yes", false, true, 1 << 24, 1), 8, &r);
	for (int i = 0; i < THEME_ROLE_COUNT; i++)
		ck_assert(r.role[i].fg == -1 && r.role[i].bg == -1);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(r.grad[THEME_GRADIENT_HEAT].color[i], -1);
}
END_TEST

/* --- warnings and rejection ---------------------------------------------------------- */

static const char bad_theme[] =
	"[theme]\n"                  /* 1 */
	"version = 1\n"              /* 2 */
	"[roles]\n"                  /* 3 */
	"selcted = red\n"            /* 4 unknown role */
	"title = #12345z\n"          /* 5 bad colour */
	"value = $nope\n"            /* 6 undefined $name */
	"[rols]\n"                   /* 7 unknown section */
	"foo = bar\n"                /* 8 skipped silently */
	"[roles]\n"                  /* 9 */
	"error = red - blink\n"      /* 10 bad attribute */
	"kept = red\n"               /* 11 fine */
	"this line has no equals\n"  /* 12 tokenizer error */
	"dim@88 = red\n"             /* 13 unknown tier */
	"dim@mono = loud\n"          /* 14 bad mono attribute */
	"[gradients]\n"              /* 15 */
	"heat = red\n"               /* 16 one stop */
	"glow = red blue\n"          /* 17 unknown gradient */
	"[theme]\n"                  /* 18 */
	"colour = blue\n"            /* 19 unknown key */
	"[palette]\n"                /* 20 */
	"Bad = red\n"                /* 21 bad palette name */
	"ok = #123456 999\n";        /* 22 bad equivalent */

START_TEST(test_bad_lines_warn_once)
{
	struct theme th, def;
	theme_init_default(&def);
	struct warns w = { 0 };
	struct eng_err err;
	ck_assert_int_eq(load_str(&th, bad_theme, "themes/x.theme", NULL, &w, &err), ENG_STATUS_OK);
	static const char *const want[] = {
		"themes/x.theme:4: unknown role 'selcted'",
		"themes/x.theme:5: bad colour '#12345z'",
		"themes/x.theme:6: undefined palette colour '$nope'",
		"themes/x.theme:7: unknown section '[rols]'",
		"themes/x.theme:10: bad attribute 'blink'",
		"themes/x.theme:12: missing '='",
		"themes/x.theme:13: unknown tier '@88'",
		"themes/x.theme:14: bad attribute 'loud'",
		"themes/x.theme:16: gradient 'heat' needs 2 or 3 colours",
		"themes/x.theme:17: unknown gradient 'glow'",
		"themes/x.theme:19: unknown key 'colour' in [theme]",
		"themes/x.theme:21: bad palette name 'Bad'",
		"themes/x.theme:22: bad equivalent '999'",
	};
	int nwant = (int)(sizeof want / sizeof want[0]);
	int seen[64] = { 0 };
	for (int i = 0; i < w.n && i < WARN_MAX; i++) {
		int hit = -1;
		for (int k = 0; k < nwant; k++) {
			if (strncmp(w.msg[i], want[k], strlen(want[k])) == 0)
				hit = k;
		}
		ck_assert_msg(hit >= 0, "unexpected warning: %s", w.msg[i]);
		seen[hit]++;
	}
	for (int k = 0; k < nwant; k++)
		ck_assert_msg(seen[k] == 1, "'%s' seen %d times", want[k], seen[k]);
	ck_assert_int_eq(w.n, nwant);
	/* Broken lines kept their roles' defaults; the good line took. */
	struct theme_resolved a, b;
	theme_resolve(&th, THEME_TIER_256, 8, &a);
	theme_resolve(&def, THEME_TIER_256, 8, &b);
	int same[] = { THEME_ROLE_TITLE, THEME_ROLE_VALUE, THEME_ROLE_ERROR, THEME_ROLE_DIM };
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
		ck_assert(memcmp(&a.role[same[i]], &b.role[same[i]], sizeof a.role[0]) == 0);
	ck_assert(memcmp(&a.grad, &b.grad, sizeof a.grad) == 0);
	ck_assert_int_eq(a.role[THEME_ROLE_KEPT].fg, 1);
	theme_resolve(&th, THEME_TIER_MONO, 8, &a);
	ck_assert_uint_eq(a.role[THEME_ROLE_DIM].attrs, THEME_ATTR_DIM);
}
END_TEST

START_TEST(test_newer_version_rejected)
{
	struct theme th, before;
	theme_init_mono(&th);
	before = th;
	struct warns w = { 0 };
	struct eng_err err = { "" };
	const char *text = "# future\nversion = 2\n[roles]\ntitle = red\n";
	ck_assert_int_eq(load_str(&th, text, "themes/new.theme", NULL, &w, &err), ENG_STATUS_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "themes/new.theme:2:"));
	ck_assert_ptr_nonnull(strstr(err.msg, "newer"));
	ck_assert(memcmp(&th, &before, sizeof th) == 0);
	/* A minor version of the current major is fine. */
	ck_assert_int_eq(load_str(&th, "version = 1.3\n", "v.theme", NULL, &w, &err), ENG_STATUS_OK);
	ck_assert_int_eq(w.n, 0);
	/* An unreadable file also leaves the theme alone. */
	theme_init_mono(&th);
	ck_assert_int_ne(theme_load_file(&th, "/nonexistent/dir/x.theme", NULL, &err), ENG_STATUS_OK);
	ck_assert(memcmp(&th, &before, sizeof th) == 0);
	ck_assert_int_ne(theme_load_file(&th, "/", NULL, &err), ENG_STATUS_OK);
	ck_assert(memcmp(&th, &before, sizeof th) == 0);
}
END_TEST

/* --- inherit ---------------------------------------------------------------------- */

START_TEST(test_inherit_chain)
{
	tmpdir_make();
	write_file(tmpdir, "parent.theme",
		   "[palette]\nrose = #ff0000 160 red\n"
		   "[roles]\ntitle = $rose\nselected@16 = black cyan\nvalue = green\n"
		   "[gradients]\nheat@mono = \"abc\"\n");
	write_file(tmpdir, "child.theme",
		   "inherit = parent\nname = \"Child\"\n"
		   "[roles]\nvalue = $rose - underline\nselected = #0000ff #ffff00\n");
	struct theme th;
	struct warns w = { 0 };
	struct eng_err err;
	struct theme_paths p = paths_none(NULL);
	struct theme_load_opts o = { .paths = &p, .warn = { warns_collect, &w } };
	char path[1024];
	snprintf(path, sizeof path, "%s/child.theme", tmpdir);
	ck_assert_int_eq(theme_load_file(&th, path, &o, &err), ENG_STATUS_OK);
	ck_assert_msg(w.n == 0, "%s", w.msg[0]);
	ck_assert_str_eq(th.name, "Child");
	struct theme_resolved r;
	theme_resolve(&th, THEME_TIER_256, 6, &r);
	ck_assert_int_eq(r.role[THEME_ROLE_TITLE].fg, 160);  /* from the parent */
	ck_assert_int_eq(r.role[THEME_ROLE_VALUE].fg, 160);  /* child, parent's $rose */
	ck_assert_uint_eq(r.role[THEME_ROLE_VALUE].attrs, THEME_ATTR_UNDERLINE);
	ck_assert_int_eq(r.grad[THEME_GRADIENT_HEAT].nramp, 3);
	ck_assert_str_eq(theme_gradient_glyph(&r.grad[THEME_GRADIENT_HEAT], 5), "c");
	/* The child's base line replaces the parent's @16 override. */
	theme_resolve(&th, THEME_TIER_16, 6, &r);
	ck_assert_int_eq(r.role[THEME_ROLE_SELECTED].fg, 12);
	ck_assert_int_eq(r.role[THEME_ROLE_SELECTED].bg, 11);

	/* A cycle is one warning on the inherit line; the rest still loads. */
	write_file(tmpdir, "a.theme", "inherit = b\n[roles]\ntitle = red\n");
	write_file(tmpdir, "b.theme", "inherit = a\n[roles]\nvalue = blue\ntitle = green\n");
	w.n = 0;
	snprintf(path, sizeof path, "%s/a.theme", tmpdir);
	ck_assert_int_eq(theme_load_file(&th, path, &o, &err), ENG_STATUS_OK);
	ck_assert_int_eq(w.n, 1);
	ck_assert_ptr_nonnull(strstr(w.msg[0], "b.theme:1: inherit cycle: a.theme -> b.theme -> a.theme"));
	theme_resolve(&th, THEME_TIER_16, 6, &r);
	ck_assert_int_eq(r.role[THEME_ROLE_TITLE].fg, 1);
	ck_assert_int_eq(r.role[THEME_ROLE_VALUE].fg, 4);

	/* Self-inherit, a missing parent, and the built-in mono. */
	write_file(tmpdir, "self.theme", "inherit = self\n");
	write_file(tmpdir, "orphan.theme", "inherit = nosuch\n");
	write_file(tmpdir, "m.theme", "inherit = mono\n[roles]\ntitle@mono = underline\n");
	w.n = 0;
	snprintf(path, sizeof path, "%s/self.theme", tmpdir);
	ck_assert_int_eq(theme_load_file(&th, path, &o, &err), ENG_STATUS_OK);
	ck_assert_int_eq(w.n, 1);
	ck_assert_ptr_nonnull(strstr(w.msg[0], "inherit cycle"));
	w.n = 0;
	snprintf(path, sizeof path, "%s/orphan.theme", tmpdir);
	ck_assert_int_eq(theme_load_file(&th, path, &o, &err), ENG_STATUS_OK);
	ck_assert_int_eq(w.n, 1);
	ck_assert_ptr_nonnull(strstr(w.msg[0], "orphan.theme:1: inherited theme 'nosuch' not found"));
	w.n = 0;
	snprintf(path, sizeof path, "%s/m.theme", tmpdir);
	ck_assert_int_eq(theme_load_file(&th, path, &o, &err), ENG_STATUS_OK);
	ck_assert_int_eq(w.n, 0);
	theme_resolve(&th, THEME_TIER_TRUECOLOR, 6, &r);
	ck_assert_int_eq(r.tier, THEME_TIER_MONO);
	ck_assert_uint_eq(r.role[THEME_ROLE_TITLE].attrs, THEME_ATTR_UNDERLINE);
	tmpdir_remove();
}
END_TEST

/* --- gradients ------------------------------------------------------------------- */

START_TEST(test_gradient_expansion)
{
	struct theme th;
	struct warns w = { 0 };
	struct eng_err err;
	const char *text =
		"[palette]\nlo = #000000 17 blue\n"
		"[gradients]\n"
		"heat = $lo #ffffff\n"
		"usage = #ff0000 #00ff00 #0000ff\n"
		"diverge = #000000 #ffffff\n"
		"diverge@16 = blue yellow bright_red\n";
	ck_assert_int_eq(load_str(&th, text, "g.theme", NULL, &w, &err), ENG_STATUS_OK);
	ck_assert_int_eq(w.n, 0);
	struct theme_resolved r;
	theme_resolve(&th, THEME_TIER_TRUECOLOR, 5, &r);
	const struct theme_gradient_steps *h = &r.grad[THEME_GRADIENT_HEAT];
	/* 0, 255/4 = 63.75 -> 64, 127.5 -> 128, 191.25 -> 191, 255. */
	const uint32_t want[5] = { 0x000000, 0x404040, 0x808080, 0xbfbfbf, 0xffffff };
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(h->color[i], THEME_RGB(want[i]));
	/* Three stops, odd steps: the middle step is the middle stop. */
	const struct theme_gradient_steps *u = &r.grad[THEME_GRADIENT_USAGE];
	ck_assert_int_eq(u->color[0], THEME_RGB(0xff0000));
	ck_assert_int_eq(u->color[1], THEME_RGB(0x808000));
	ck_assert_int_eq(u->color[2], THEME_RGB(0x00ff00));
	ck_assert_int_eq(u->color[4], THEME_RGB(0x0000ff));
	/* One step is the first stop; the maximum is clamped. */
	theme_resolve(&th, THEME_TIER_TRUECOLOR, 1, &r);
	ck_assert_int_eq(r.grad[THEME_GRADIENT_USAGE].n, 1);
	ck_assert_int_eq(r.grad[THEME_GRADIENT_USAGE].color[0], THEME_RGB(0xff0000));
	theme_resolve(&th, THEME_TIER_TRUECOLOR, 1000, &r);
	ck_assert_int_eq(r.grad[THEME_GRADIENT_USAGE].n, THEME_GRADIENT_MAX);
	ck_assert_int_eq(r.grad[THEME_GRADIENT_USAGE].color[THEME_GRADIENT_MAX - 1], THEME_RGB(0x0000ff));
	/* 256: an endpoint takes its palette equivalent, the rest quantise. */
	theme_resolve(&th, THEME_TIER_256, 5, &r);
	h = &r.grad[THEME_GRADIENT_HEAT];
	ck_assert_int_eq(h->color[0], 17);
	ck_assert_int_eq(h->color[2], 244);
	ck_assert_int_eq(h->color[4], 231);
	/* 16 with a list: discrete, step i takes entry i*3/6. */
	theme_resolve(&th, THEME_TIER_16, 6, &r);
	const int want16[6] = { 4, 4, 3, 3, 9, 9 };
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(r.grad[THEME_GRADIENT_DIVERGE].color[i], want16[i]);
	/* 8 without an @8 list uses the @16 one: bright_red -> red + bold.
	 * (The built-in @8 list was dropped by the new base line.) */
	theme_resolve(&th, THEME_TIER_8, 6, &r);
	ck_assert_int_eq(r.grad[THEME_GRADIENT_DIVERGE].color[5], 1);
	ck_assert_uint_eq(r.grad[THEME_GRADIENT_DIVERGE].attrs[5], THEME_ATTR_BOLD);
	ck_assert_int_eq(r.grad[THEME_GRADIENT_DIVERGE].color[2], 3);
	ck_assert_uint_eq(r.grad[THEME_GRADIENT_DIVERGE].attrs[2], 0);
	/* 16 without a list: endpoints' equivalents, interior by table. */
	theme_resolve(&th, THEME_TIER_16, 5, &r);
	ck_assert_int_eq(r.grad[THEME_GRADIENT_HEAT].color[0], 4);
	ck_assert_int_eq(r.grad[THEME_GRADIENT_HEAT].color[2], 8);
	ck_assert_int_eq(r.grad[THEME_GRADIENT_HEAT].color[4], 15);
	/* The glyph ramp in mono: blank at the bottom, densest at the top. */
	glyphs_use_utf8(false);
	theme_resolve(&th, THEME_TIER_MONO, 9, &r);
	ck_assert_str_eq(theme_gradient_glyph(&r.grad[THEME_GRADIENT_HEAT], 0), " ");
	ck_assert_str_eq(theme_gradient_glyph(&r.grad[THEME_GRADIENT_HEAT], 4), "=");
	ck_assert_str_eq(theme_gradient_glyph(&r.grad[THEME_GRADIENT_HEAT], 8), "@");
	glyphs_use_utf8(true);
	ck_assert_str_eq(theme_gradient_glyph(&r.grad[THEME_GRADIENT_HEAT], 8), "█");
	glyphs_use_utf8(false);
}
END_TEST


/* The examples in STYLE.md and docs/themes.md load without a warning. */
static const char slate_theme[] =
	"# themes/slate.theme: dark slate theme for reconvene\n"
	"[theme]\nname = \"Slate\"\nversion = 1\nbackground = dark\n\n"
	"[palette]          # truecolor  256  16/8\n"
	"ink   = #d0d4dc      252  white\n"
	"paper = default\n"
	"muted = #6b7280      243  bright_black\n"
	"sky   = #7aa2f7      111  bright_blue\n"
	"amber = #e0af68      179  yellow\n"
	"rose  = #f7768e      204  bright_red\n"
	"leaf  = #9ece6a      149  green\n\n"
	"[roles]\n"
	"normal        = $ink $paper\n"
	"dim           = $muted -\n"
	"title         = $sky - bold\n"
	"border_focus  = $sky -\n"
	"selected      = #1a1b26 $sky\n"
	"selected@16   = black cyan\n"
	"selected@mono = reverse bold\n"
	"pruned        = $muted - dim\n"
	"pruned@mono   = dim\n"
	"value_warn    = $amber - bold\n"
	"value_bad     = $rose - bold\n"
	"error         = $rose - bold\n"
	"error@mono    = bold underline\n"
	"fkey          = #1a1b26 $amber\n\n"
	"[gradients]\n"
	"heat        = #1e3a5f $amber $rose\n"
	"heat@16     = blue yellow red\n"
	"heat@mono   = ramp          # use the glyph-density ramp\n"
	"diverge     = $sky #3b3f51 $rose\n";

static const char rose_theme[] =
	"[theme]\nname = \"Rose\"\nversion = 1\ninherit = default\n\n"
	"[palette]\nrose = #f7768e 204 bright_red\n\n"
	"[roles]\n"
	"title         = $rose - bold\n"
	"border_focus  = $rose\n"
	"selected      = #1a1b26 $rose bold\n"
	"selected@mono = reverse bold\n\n"
	"[gradients]\nheat = $cold $rose\n";

START_TEST(test_doc_examples)
{
	struct theme th;
	struct warns w = { 0 };
	struct eng_err err;
	ck_assert_int_eq(load_str(&th, slate_theme, "slate.theme", NULL, &w, &err), ENG_STATUS_OK);
	ck_assert_msg(w.n == 0, "%s", w.msg[0]);
	ck_assert_str_eq(th.name, "Slate");
	struct theme_resolved r;
	theme_resolve(&th, THEME_TIER_16, 3, &r);
	ck_assert_int_eq(r.role[THEME_ROLE_SELECTED].bg, 6);
	ck_assert_int_eq(r.grad[THEME_GRADIENT_HEAT].color[2], 1);
	ck_assert_int_eq(load_str(&th, rose_theme, "rose.theme", NULL, &w, &err), ENG_STATUS_OK);
	ck_assert_msg(w.n == 0, "%s", w.msg[0]);
	theme_resolve(&th, THEME_TIER_256, 3, &r);
	ck_assert_int_eq(r.role[THEME_ROLE_TITLE].fg, 204);
	ck_assert_int_eq(r.grad[THEME_GRADIENT_HEAT].color[0], 24);
	ck_assert_int_eq(r.grad[THEME_GRADIENT_HEAT].color[2], 204);
}
END_TEST

/* --- search path ---------------------------------------------------------------------- */

START_TEST(test_find_and_list)
{
	tmpdir_make();
	write_file(tmpdir, "nord.theme", "name = \"my nord\"\n");
	write_file(tmpdir, "zz.theme", "\n");
	write_file(tmpdir, ".hidden.theme", "\n");
	char out[2048], want[2048];
	struct eng_err err;
	struct theme_paths p = { .themes_dir = tmpdir, .exe_themes = SRC_THEMES_DIR };
	/* --themes-dir comes before the program's own themes/. */
	ck_assert_int_eq(theme_find("nord", &p, out, sizeof out, &err), ENG_STATUS_OK);
	snprintf(want, sizeof want, "%s/nord.theme", tmpdir);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(theme_find("light", &p, out, sizeof out, &err), ENG_STATUS_OK);
	ck_assert_str_eq(out, SRC_THEMES_DIR "/light.theme");
	ck_assert_int_eq(theme_find("light.theme", &p, out, sizeof out, &err), ENG_STATUS_OK);
	ck_assert_str_eq(out, SRC_THEMES_DIR "/light.theme");
	ck_assert_int_eq(theme_find(want, &p, out, sizeof out, &err), ENG_STATUS_OK);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(theme_find("nosuch", &p, out, sizeof out, &err), ENG_STATUS_ENOENT);
	ck_assert_ptr_nonnull(strstr(err.msg, "nosuch"));
	ck_assert_int_eq(theme_find("./nosuch.theme", &p, out, sizeof out, &err), ENG_STATUS_ENOENT);
	/* The user's directory: $XDG_CONFIG_HOME, else ~/.config. */
	char sub[1024];
	snprintf(sub, sizeof sub, "%s/reconvene", tmpdir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	snprintf(sub, sizeof sub, "%s/reconvene/themes", tmpdir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	write_file(sub, "mine.theme", "\n");
	struct theme_paths px = { .xdg_config_home = tmpdir, .home = "/nonexistent" };
	ck_assert_int_eq(theme_find("mine", &px, out, sizeof out, &err), ENG_STATUS_OK);
	snprintf(want, sizeof want, "%s/mine.theme", sub);
	ck_assert_str_eq(out, want);
	/* Built-ins when nothing is on disk. */
	struct theme_paths none = { 0 };
	ck_assert_int_eq(theme_find("default", &none, out, sizeof out, &err), ENG_STATUS_OK);
	ck_assert_str_eq(out, "builtin:default");
	ck_assert_int_eq(theme_find("mono", &none, out, sizeof out, &err), ENG_STATUS_OK);
	ck_assert_str_eq(out, "builtin:mono");
	struct theme th;
	struct theme_load_opts o = { .paths = &none };
	ck_assert_int_eq(theme_load(&th, "mono", &o, &err), ENG_STATUS_OK);
	ck_assert_int_eq(th.max_tier, THEME_TIER_MONO);
	o.paths = &p;
	ck_assert_int_eq(theme_load(&th, "nord", &o, &err), ENG_STATUS_OK);
	ck_assert_str_eq(th.name, "my nord");
	/* The list: sorted, unique, hidden files skipped, built-ins present. */
	char names[32][THEME_NAME_MAX];
	int n = theme_list(&p, names, 32);
	ck_assert_int_ge(n, 7);
	for (int i = 1; i < n; i++)
		ck_assert_int_lt(strcmp(names[i - 1], names[i]), 0);
	bool zz = false, hidden = false, mono = false;
	for (int i = 0; i < n; i++) {
		zz |= strcmp(names[i], "zz") == 0;
		hidden |= names[i][0] == '.';
		mono |= strcmp(names[i], "mono") == 0;
	}
	ck_assert(zz && mono && !hidden);
	ck_assert_int_eq(theme_list(&none, names, 32), 2);
	unlink(want);
	rmdir(sub);
	snprintf(sub, sizeof sub, "%s/reconvene", tmpdir);
	rmdir(sub);
	tmpdir_remove();
}
END_TEST

/* --- robustness ------------------------------------------------------------------------- */

/* Seeded mutations of a real theme plus pure garbage: the parser never
 * crashes, and whatever loads resolves to in-range colours. */
START_TEST(test_parser_mutations)
{
	FILE *f = fopen(SRC_THEMES_DIR "/default.theme", "rb");
	ck_assert_ptr_nonnull(f);
	static char seed_text[16384];
	size_t seed_len = fread(seed_text, 1, sizeof seed_text, f);
	fclose(f);
	ck_assert_uint_gt(seed_len, 100);
	static const char *const pieces[] = {
		"$", "@", "#", "\n", "[", "]", "\"", "=", "-", "@mono", "@16", "$text", "#ff",
		"bright_", "inherit = x\n", "version = 9\n", "\n[roles]\n", "\n[gradients]\nheat = ",
		"\xff\xfe", "\xe2\x96", "255", "999", " bold", "\0",
	};
	static char buf[32768];
	uint64_t s = 0x9e3779b97f4a7c15ull;
	struct theme_paths none = { 0 };
	int loaded = 0;
	for (int it = 0; it < 600; it++) {
		size_t len;
		if (it % 10 == 9) {
			len = 0;
			size_t want = (s >> 40) % 2000;
			while (len < want) {
				s = s * 6364136223846793005ull + 1442695040888963407ull;
				buf[len++] = (char)(s >> 56);
			}
		} else {
			memcpy(buf, seed_text, seed_len);
			len = seed_len;
			int edits = 1 + (int)((s >> 33) % 8);
			for (int e = 0; e < edits; e++) {
				s = s * 6364136223846793005ull + 1442695040888963407ull;
				size_t pos = len ? (size_t)(s >> 20) % len : 0;
				switch ((s >> 60) % 4) {
				case 0: /* flip a byte */
					buf[pos] = (char)(s >> 8);
					break;
				case 1: { /* insert a piece */
					const char *pc = pieces[(s >> 12) % (sizeof pieces / sizeof pieces[0])];
					size_t pl = *pc ? strlen(pc) : 1;
					if (len + pl < sizeof buf) {
						memmove(buf + pos + pl, buf + pos, len - pos);
						memcpy(buf + pos, pc, pl);
						len += pl;
					}
					break;
				}
				case 2: /* delete a run */
					if (len) {
						size_t n = (s >> 4) % 64;
						if (pos + n > len)
							n = len - pos;
						memmove(buf + pos, buf + pos + n, len - pos - n);
						len -= n;
					}
					break;
				default: /* truncate */
					len = pos;
					break;
				}
			}
		}
		struct theme th;
		theme_init_default(&th);
		struct warns w = { 0 };
		struct theme_load_opts o = { .paths = &none, .warn = { warns_collect, &w } };
		struct eng_err err;
		enum eng_status st = theme_load_text(&th, buf, len, "fuzz.theme", &o, &err);
		ck_assert(st == ENG_STATUS_OK || st == ENG_STATUS_EINVAL);
		if (st == ENG_STATUS_OK)
			loaded++;
		for (int t = 0; t < THEME_TIER_COUNT; t++) {
			struct theme_resolved r;
			theme_resolve(&th, (enum theme_tier)t, 1 + it % THEME_GRADIENT_MAX, &r);
			check_resolved_ranges(&r, 1 + it % THEME_GRADIENT_MAX);
			for (int g = 0; g < THEME_GRADIENT_COUNT; g++)
				ck_assert_ptr_nonnull(theme_gradient_glyph(&r.grad[g], it));
		}
	}
	ck_assert_int_gt(loaded, 400);
}
END_TEST

/* --- glyphs ------------------------------------------------------------------------------ */

START_TEST(test_glyph_tables)
{
	ck_assert_ptr_nonnull(setlocale(LC_CTYPE, "C.UTF-8"));
	for (int g = 0; g < GLYPH_COUNT; g++) {
		const char *u = glyphs_get((enum glyph)g, true), *a = glyphs_get((enum glyph)g, false);
		ck_assert_msg(u && a, "%s missing", glyphs_name((enum glyph)g));
		wchar_t wc[4];
		ck_assert_msg(mbstowcs(wc, u, 4) == 1, "%s: not one character", glyphs_name((enum glyph)g));
		ck_assert_msg(wcwidth(wc[0]) == 1, "%s: width %d", glyphs_name((enum glyph)g), wcwidth(wc[0]));
		ck_assert_msg(strlen(a) == 1 && a[0] >= 0x20 && a[0] < 0x7f, "%s: ASCII '%s'",
			      glyphs_name((enum glyph)g), a);
	}
	setlocale(LC_CTYPE, "C");
	ck_assert(glyphs_want_utf8("UTF-8", false, "xterm-256color"));
	ck_assert(glyphs_want_utf8("utf8", false, NULL));
	ck_assert(!glyphs_want_utf8("UTF-8", true, "xterm"));
	ck_assert(!glyphs_want_utf8("ANSI_X3.4-1968", false, "xterm"));
	ck_assert(!glyphs_want_utf8("UTF-8", false, "linux"));
	ck_assert(!glyphs_want_utf8(NULL, false, "xterm"));
	glyphs_use_utf8(true);
	ck_assert(glyphs_utf8());
	ck_assert_str_eq(glyph(GLYPH_BOX_TL), "┌");
	ck_assert_str_eq(glyphs_bar(8), "█");
	ck_assert_str_eq(glyphs_bar(1), "▏");
	ck_assert_str_eq(glyphs_bar(0), " ");
	ck_assert_str_eq(glyphs_vbar(99), "█");
	ck_assert_int_eq(glyphs_ramp_len(), 5);
	ck_assert_str_eq(glyphs_ramp(0, 5), " ");
	ck_assert_str_eq(glyphs_ramp(2, 5), "▒");
	ck_assert_str_eq(glyphs_ramp(4, 5), "█");
	glyphs_use_utf8(false);
	ck_assert_str_eq(glyph(GLYPH_BOX_TL), "+");
	ck_assert_int_eq(glyphs_ramp_len(), 9);
	const char *ramp = " .:-=+*%@";
	for (int i = 0; i < 9; i++)
		ck_assert_int_eq(glyphs_ramp(i, 9)[0], ramp[i]);
	ck_assert_str_eq(glyphs_ramp(-3, 9), " ");
	ck_assert_str_eq(glyphs_ramp(50, 9), "@");
	/* A coarse level count still spans the whole ramp. */
	ck_assert_str_eq(glyphs_ramp(1, 2), "@");
}
END_TEST

/* docs/themes.md lists every role and gradient (the X-macro is the truth). */
START_TEST(test_docs_list_roles)
{
	FILE *f = fopen(SRC_THEMES_DIR "/../docs/themes.md", "rb");
	ck_assert_ptr_nonnull(f);
	static char doc[65536];
	size_t n = fread(doc, 1, sizeof doc - 1, f);
	fclose(f);
	doc[n] = '\0';
	char key[96];
	for (int r = 0; r < THEME_ROLE_COUNT; r++) {
		snprintf(key, sizeof key, "`%s`", theme_role_name(r));
		ck_assert_msg(strstr(doc, key), "docs/themes.md lacks role %s", key);
	}
	for (int g = 0; g < THEME_GRADIENT_COUNT; g++) {
		snprintf(key, sizeof key, "`%s`", theme_gradient_name(g));
		ck_assert_msg(strstr(doc, key), "docs/themes.md lacks gradient %s", key);
	}
	ck_assert_int_eq(theme_role_find("selected"), THEME_ROLE_SELECTED);
	ck_assert_int_eq(theme_role_find("selcted"), -1);
	ck_assert_int_eq(theme_gradient_find("heat"), THEME_GRADIENT_HEAT);
	ck_assert_int_eq(theme_tier_parse("256"), THEME_TIER_256);
	ck_assert_int_eq(theme_tier_parse("24"), -1);
}
END_TEST

static Suite *theme_suite(void)
{
	Suite *s = suite_create("theme");
	TCase *tc = tcase_create("theme");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_shipped_themes_clean);
	tcase_add_test(tc, test_default_file_is_builtin);
	tcase_add_test(tc, test_mono_theme_has_no_colour);
	tcase_add_test(tc, test_rgb_to_256);
	tcase_add_test(tc, test_256_to_16_and_8);
	tcase_add_test(tc, test_color_words);
	tcase_add_test(tc, test_tier_ladder);
	tcase_add_test(tc, test_tier_detect);
	tcase_add_test(tc, test_bad_lines_warn_once);
	tcase_add_test(tc, test_newer_version_rejected);
	tcase_add_test(tc, test_inherit_chain);
	tcase_add_test(tc, test_gradient_expansion);
	tcase_add_test(tc, test_doc_examples);
	tcase_add_test(tc, test_find_and_list);
	tcase_add_test(tc, test_parser_mutations);
	tcase_add_test(tc, test_glyph_tables);
	tcase_add_test(tc, test_docs_list_roles);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(theme_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
