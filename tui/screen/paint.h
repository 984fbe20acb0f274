/* paint.h: the curses text primitives every screen module draws with: a
 * UTF-8 text cut to a width (ending in an ellipsis when cut), a repeated
 * glyph, a titled box.  draw.c (the frame) and dialog.c (the dialogs) both
 * use them, so neither depends on the other for them.
 *
 * Owns: nothing.  Thread rules: the UI thread only (curses, stdscr).
 *
 *   colors_role(stdscr, THEME_ROLE_NORMAL);
 *   int cols = paint_text(y, x, width, "layer1.0.conv1");
 */
#ifndef RECONVENE_PAINT_H
#define RECONVENE_PAINT_H

#include "explorer/layout.h"
#include "theme/theme.h"

/* Write at most maxcols columns of UTF-8 s at (y, x); returns the columns
 * written.  A text cut short ends in the ellipsis glyph.  Every glyph we
 * draw is one column wide (glyphs.h). */
int paint_text(int y, int x, int maxcols, const char *s);
/* Repeat glyph text s n times from (y, x). */
void paint_repeat(int y, int x, int n, const char *s);
/* A box outline around r with a title, in role border; the inside is
 * cleared to role fill. */
void paint_box(const struct layout_rect *r, const char *title,
	       enum theme_role border, enum theme_role fill);

#endif
