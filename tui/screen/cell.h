/* cell.h: the one-character cells every chart of the explorer draws with:
 * a heat cell in the theme's gradient (a glyph ramp in monochrome) and a
 * fast path for one UTF-8 glyph.  draw.c (heatmap, sensitivity grid) and
 * draw_criteria.c (the criteria view) share them.
 *
 * Owns: a small cache of converted glyphs (module state, UI thread).
 * Thread rules: the UI thread only (curses, stdscr).
 */
#ifndef RECONVENE_CELL_H
#define RECONVENE_CELL_H

#include <stdbool.h>

#include "theme/theme.h"

/* Heat level (0 .. steps-1) of density d in [0, 1]. */
int cell_level(double d, int steps);
/* One glyph (one character, UTF-8) at (y, x) in the current colour. */
void cell_glyph(int y, int x, const char *s);
/* One heat cell at level of steps; kept false: the pruned mark (mono) or a
 * dim cell; base: the role whose background it sits on. */
void cell_heat(int y, int x, int level, int steps, bool kept, enum theme_role base);
/* Copy the w cells from (y, x) to the row below (glyphs, colours and
 * attributes): the presentation layout's second row of a bar. */
void cell_row_copy(int y, int x, int w);

#endif
