/* bigtext.h: figures three rows tall, for the presentation layout's
 * projection panel (a projector across a room: the terminal cannot make
 * its letters larger, so the headline figures are drawn larger).
 *
 * A 3x5 pixel font of digits, '.', 'x', '%', '-' and ' ', two pixel rows
 * per terminal row with half blocks (▀ ▄ █); in ASCII, '"', ',' and '#'.
 * Other characters draw as blanks.
 *
 * Owns: nothing.  Thread rules: the UI thread (curses).
 *
 *   bigtext_draw(y, x, 20, "9.5x");   (rows y .. y+2, current colour)
 */
#ifndef RECONVENE_BIGTEXT_H
#define RECONVENE_BIGTEXT_H

#define BIGTEXT_ROWS 3

/* Columns s takes: 4 per character (3 and a gap), less the last gap. */
int bigtext_cols(const char *s);
/* Draw s at rows y .. y + 2 from column x, at most maxcols wide; returns
 * the columns drawn. */
int bigtext_draw(int y, int x, int maxcols, const char *s);

#endif
