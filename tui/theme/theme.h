/* theme.h: colour themes: parsing themes/NAME.theme files, the search path, the
 * colour tier ladder and resolving a theme into plain numbers for curses.
 *
 * No curses here (tests link it without a terminal).  The program's curses
 * side only has to: pick a tier with theme_tier_detect(), load a theme with
 * theme_load(), call theme_resolve() for that tier and then turn each
 * struct theme_style into a colour pair and attributes (in the truecolor
 * tier through theme_color_direct()).  The format is described in
 * docs/themes.md and STYLE.md ("Theme file format").
 *
 * Colour values (int32_t) everywhere in this API are theme_color.h's
 * (THEME_COLOR_DEFAULT, 0..255, THEME_RGB(0xrrggbb), and INHERIT and
 * NONE before resolving); so are the attribute bits and the colour maths.
 * A resolved theme contains only DEFAULT and indices, plus RGB values in
 * the truecolor tier.
 *
 * Owns: struct theme and struct theme_resolved are plain values in caller
 * storage with no pointers inside; copy them freely, nothing to free.
 * theme_load* allocate only temporaries.  Warnings go to the engine's
 * warning callback (struct eng_warn, base/warn.h), one line each
 * ("themes/x.theme:12: unknown role 'selcted'"), and the role or
 * gradient concerned keeps its previous value.  Only an unreadable file or
 * a newer format version fails a load, and then the theme passed in is
 * left unchanged (the previous theme stays on screen).
 *
 * In the mono tier the curses side should not call start_color() at all,
 * so that NO_COLOR output carries no colour escape codes.
 *
 * Thread rules: reentrant, no global state (theme_gradient_glyph reads the
 * glyph mode, see glyphs.h).
 *
 *   struct theme_paths paths;
 *   theme_paths_init(&paths, opt_themes_dir);
 *   struct theme th;
 *   theme_init_default(&th);
 *   struct theme_load_opts o = { .paths = &paths, .warn = { log_warn, app } };
 *   if (theme_load(&th, "nord", &o, &err) != ENG_STATUS_OK) log_error(err.msg);
 *   enum theme_tier tier = theme_tier_detect(getenv("NO_COLOR"), opt_no_color,
 *                                            has_colors(), COLORS, tigetflag("RGB"));
 *   struct theme_resolved r;
 *   theme_resolve(&th, tier, 16, &r);
 *   ... r.role[THEME_ROLE_SELECTED].fg / .bg / .attrs, r.grad[THEME_GRADIENT_HEAT]
 */
#ifndef RECONVENE_THEME_H
#define RECONVENE_THEME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "theme/theme_color.h"
#include "base/warn.h"

/* The newest theme format this code reads; files with a newer major
 * version are refused as a whole. */
#define THEME_FORMAT_VERSION 1


#include "theme/theme_roles.h"

enum theme_role {
#define THEME_X_ENUM(E, key, fg, bg, attrs, mono, help) THEME_ROLE_##E,
	THEME_ROLES(THEME_X_ENUM)
#undef THEME_X_ENUM
	THEME_ROLE_COUNT
};

enum theme_gradient {
#define THEME_X_ENUM(E, key, lo, mid, hi, l16, l8, mono, help) THEME_GRADIENT_##E,
	THEME_GRADIENTS(THEME_X_ENUM)
#undef THEME_X_ENUM
	THEME_GRADIENT_COUNT
};

/* Ordered from least to most capable, so min() picks the weaker. */
enum theme_tier {
	THEME_TIER_MONO,
	THEME_TIER_8,
	THEME_TIER_16,
	THEME_TIER_256,
	THEME_TIER_TRUECOLOR,
	THEME_TIER_COUNT
};

#define THEME_NAME_MAX 64       /* display names and palette names */
#define THEME_PATH_MAX 1024
#define THEME_PALETTE_MAX 64    /* palette entries, built-in ones included */
#define THEME_GRADIENT_MAX 64   /* steps a gradient can be expanded to */
#define THEME_LIST_MAX 16       /* colours in a name@16 / name@8 list */
#define THEME_RAMP_MAX 16       /* glyphs in a quoted @mono ramp */
#define THEME_INHERIT_DEPTH 8   /* inherit chains longer than this warn */

/* A colour as written, with the equivalents a palette entry supplies. */
struct theme_color {
	int32_t c;     /* DEFAULT, INHERIT, 0..255 or THEME_RGB */
	int32_t eq256; /* NONE, DEFAULT or 0..255: used in the 256 tier */
	int32_t eq16;  /* NONE, DEFAULT or 0..15: used in the 16 and 8 tiers */
};

struct theme_look {
	struct theme_color fg, bg;
	unsigned attrs; /* THEME_ATTR_* */
};

/* Tier overrides are indexed by theme_tier - THEME_TIER_8 (8, 16, 256). */
#define THEME_OVERRIDE_TIERS 3

struct theme_role_def {
	struct theme_look base;                     /* `role = ...` */
	struct theme_look over[THEME_OVERRIDE_TIERS]; /* `role@8/16/256` */
	bool over_set[THEME_OVERRIDE_TIERS];
	unsigned mono;                              /* `role@mono`, else built-in */
};

struct theme_gradient_def {
	struct theme_color stop[3];
	int nstops;                                  /* 2 or 3 */
	int32_t list[THEME_OVERRIDE_TIERS][THEME_LIST_MAX]; /* `name@8/16/256` */
	int list_len[THEME_OVERRIDE_TIERS];          /* 0 = not given */
	char mono[THEME_RAMP_MAX * 4 + 1];           /* UTF-8 glyphs; "" = ramp */
};

struct theme_palette_entry {
	char name[THEME_NAME_MAX];
	struct theme_color color;
};

/* A loaded, unresolved theme. */
struct theme {
	char name[THEME_NAME_MAX];  /* display name */
	char path[THEME_PATH_MAX];  /* file it came from, "builtin:default" ... */
	bool light;                 /* background = light */
	enum theme_tier max_tier;   /* [theme] max_tier: mono.theme says mono */
	int npalette;
	struct theme_palette_entry palette[THEME_PALETTE_MAX];
	struct theme_role_def role[THEME_ROLE_COUNT];
	struct theme_gradient_def grad[THEME_GRADIENT_COUNT];
};

/* What curses needs for one role. */
struct theme_style {
	int32_t fg, bg;   /* -1 = terminal default; index; RGB in truecolor */
	unsigned attrs;   /* THEME_ATTR_* */
};

/* A gradient expanded to n steps, lowest first. */
struct theme_gradient_steps {
	int n;
	int32_t color[THEME_GRADIENT_MAX];  /* fg/bg colour of each step */
	unsigned attrs[THEME_GRADIENT_MAX]; /* BOLD where 8 colours lost bright */
	int nramp;                          /* 0: use the glyph table's ramp */
	char ramp[THEME_RAMP_MAX][5];       /* a quoted @mono ramp, per glyph */
};

struct theme_resolved {
	enum theme_tier tier;   /* the tier actually used (<= max_tier) */
	char name[THEME_NAME_MAX];
	bool light;
	struct theme_style role[THEME_ROLE_COUNT];
	struct theme_gradient_steps grad[THEME_GRADIENT_COUNT];
};

/* Where themes are searched, in this order (NULL entries are skipped). */
struct theme_paths {
	const char *themes_dir;      /* --themes-dir */
	const char *env_themes;      /* $RECONVENE_THEMES_DIR */
	const char *xdg_config_home; /* $XDG_CONFIG_HOME: <it>/reconvene/themes */
	const char *home;            /* $HOME: ~/.config/reconvene/themes if no XDG */
	const char *pkgdata_themes;  /* PKGDATADIR "/themes" (installed) */
	const char *exe_themes;      /* themes/ next to the running program (an
				      * uninstalled build; paths/exe_dir.h) */
};

struct theme_load_opts {
	const struct theme_paths *paths; /* for inherit; NULL = theme_paths_init(NULL) */
	struct eng_warn warn;            /* one line each (warn.h); fn NULL = drop */
};

/* --- roles, gradients, tiers by name --- */
const char *theme_role_name(enum theme_role r);
const char *theme_role_help(enum theme_role r);
int theme_role_find(const char *key);            /* -1 if unknown */
const char *theme_gradient_name(enum theme_gradient g);
const char *theme_gradient_help(enum theme_gradient g);
int theme_gradient_find(const char *key);        /* -1 if unknown */
const char *theme_tier_name(enum theme_tier t);  /* "mono" "8" "16" "256" "truecolor" */
int theme_tier_parse(const char *s);             /* -1 if unknown */

/* The tier for this terminal, a pure function so tests need no terminal:
 * mono if no_color_env is non-empty, no_color_flag, or !has_colors;
 * truecolor if rgb_flag > 0 (tigetflag("RGB")) and colors > 256; else 256,
 * 16 or 8 by colors; mono below 8. */
enum theme_tier theme_tier_detect(const char *no_color_env, bool no_color_flag,
				  bool has_colors, int colors, int rgb_flag);

/* The theme to use when none was asked for: "tty16" on the Linux console
 * (TERM=linux), else "default". */
const char *theme_default_name(const char *term);

/* --- themes --- */
void theme_init_default(struct theme *th);   /* the compiled-in "default" */
void theme_init_mono(struct theme *th);      /* the compiled-in "mono" */

/* Fill paths from the environment ($RECONVENE_THEMES_DIR, $XDG_CONFIG_HOME,
 * $HOME), the installed PKGDATADIR and the program's own directory;
 * themes_dir is --themes-dir or NULL.  The strings point into the
 * environment and static storage. */
void theme_paths_init(struct theme_paths *p, const char *themes_dir);

/* Find a theme: a name_or_path containing '/' is a file; otherwise
 * "<name>.theme" (or name itself if it ends in .theme) in each directory of
 * paths in order, then the built-ins "default" and "mono", which come back
 * as "builtin:default" / "builtin:mono".  ENG_STATUS_ENOENT if none. */
enum eng_status theme_find(const char *name_or_path, const struct theme_paths *paths,
			   char *out, size_t outsz, struct eng_err *err);

/* Names of all themes found (files in the search path and the built-ins),
 * sorted and without duplicates, for cycling; returns how many (<= max). */
int theme_list(const struct theme_paths *paths, char (*names)[THEME_NAME_MAX], int max);

/* Load a theme by name or path (theme_find, then theme_load_file).  The
 * result starts from the built-in default, then the inherit chain, then
 * the file.  On failure th is unchanged and err says why. */
enum eng_status theme_load(struct theme *th, const char *name_or_path,
			   const struct theme_load_opts *opts, struct eng_err *err);
enum eng_status theme_load_file(struct theme *th, const char *path,
				const struct theme_load_opts *opts, struct eng_err *err);
/* The same from text in memory; path only names it in messages and is
 * where a relative inherit is looked up first. */
enum eng_status theme_load_text(struct theme *th, const char *text, size_t len,
				const char *path, const struct theme_load_opts *opts,
				struct eng_err *err);

/* Resolve for a tier (lowered to th->max_tier), expanding every gradient
 * to steps (clamped to 1..THEME_GRADIENT_MAX) steps. */
void theme_resolve(const struct theme *th, enum theme_tier tier, int steps,
		   struct theme_resolved *out);

/* The glyph for step i of a resolved gradient in monochrome: the theme's
 * own ramp if it has one, else the glyph table's shade ramp (glyphs.h). */
const char *theme_gradient_glyph(const struct theme_gradient_steps *g, int i);

#endif
