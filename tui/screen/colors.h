/* colors.h: a resolved theme (theme.h) applied to curses.
 *
 * The tier is decided once at start-up (theme_tier_detect); in the mono
 * tier start_color() is never called and every look is attributes only, so
 * NO_COLOR / --no-color output carries no colour escape codes at all.
 * Otherwise colours_setup calls start_color and use_default_colors (-1
 * backgrounds: transparent and light terminals work) and colour pairs are
 * allocated lazily from a small (fg, bg) -> pair cache (mutt), with
 * init_extended_pair where ncurses has it (truecolor and 256 colours need
 * more than 256 pairs).  A new theme clears the cache.
 *
 * Owns: module state (curses is process-global anyway).  Thread rules: the
 * UI thread only, after initscr.
 *
 *   colors_setup(tier);
 *   colors_theme_set(&resolved);
 *   colors_role(stdscr, THEME_ROLE_SELECTED);   // sets attributes + pair
 *   colors_grad(stdscr, THEME_GRADIENT_HEAT, level, 0);
 */
#ifndef RECONVENE_COLORS_H
#define RECONVENE_COLORS_H

#include <curses.h>

#include "theme/theme.h"

/* After initscr: remember the tier, start colours unless mono. */
void colors_setup(enum theme_tier tier);
/* The tier in effect: the terminal's (after colors_setup), capped by the
 * current theme's max_tier once one is set. */
enum theme_tier colors_tier(void);
/* Use this resolved theme from now on (copied; clears the pair cache). */
void colors_theme_set(const struct theme_resolved *r);
const struct theme_resolved *colors_theme(void);

/* Set w's attributes and colours to role r. */
void colors_role(WINDOW *w, enum theme_role r);
/* Role r plus extra curses attributes (A_DIM, A_BOLD ...). */
void colors_role_attr(WINDOW *w, enum theme_role r, attr_t extra);
/* Gradient g at step i (0 .. steps-1 of the resolved gradient) as the
 * foreground on role base's background, plus extra attributes. */
void colors_grad(WINDOW *w, enum theme_gradient g, int i, enum theme_role base,
		 attr_t extra);
/* Steps of a resolved gradient. */
int colors_grad_steps(enum theme_gradient g);

/* THEME_ATTR_* to curses attributes. */
attr_t colors_attrs(unsigned theme_attrs);

#endif
