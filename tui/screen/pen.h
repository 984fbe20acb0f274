/* pen.h: a left-to-right writer confined to one line of a rectangle, the
 * way every panel of the explorer writes its texts: each piece in its
 * theme role, cut at the end of the line (paint.h's ellipsis).  draw.c
 * (the frame) and draw_widths.c (the staircase view) both write with it.
 *
 * Owns: nothing; struct pen is caller storage.  Thread rules: the UI thread
 * only (curses, stdscr).
 *
 *   struct pen p = { y, x, x + width };
 *   pen_put(&p, THEME_ROLE_LABEL, "params ");
 *   pen_putf(&p, THEME_ROLE_VALUE, "%d", n);
 */
#ifndef RECONVENE_PEN_H
#define RECONVENE_PEN_H

#include "theme/theme.h"

struct pen {
	int y, x, end; /* the row, the next column, the first column past it */
};

void pen_put(struct pen *p, enum theme_role role, const char *s);
/* Only when the whole text fits: optional details on narrow screens. */
void pen_fit(struct pen *p, enum theme_role role, const char *s);
void pen_putf(struct pen *p, enum theme_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A progress bar of width cells and the percentage. */
void pen_progress(struct pen *p, int width, long done, long total);

#endif
