/* draw.h: one explorer frame from the app state, its latest worker
 * snapshot and the layout (layout.h), with curses.
 *
 * Everything on screen is drawn here except the dialogs (dialog.h): the
 * header, the layer table (heat-cell density and number, R and lock marks,
 * the cursor's dependency group highlighted), the channel heatmap or the
 * sensitivity grid, the legend, the projection panel, the log line, the
 * footer key bar (keys.h), the help overlay and the too-small notice.
 * draw_frame erases stdscr and draws it whole; the caller does one
 * wnoutrefresh + doupdate, and curses sends only what changed.
 *
 * Owns: a scratch buffer for the heatmap (module state, grown as needed;
 * draw_free releases it).  Thread rules: the UI thread only.
 *
 *   struct draw_ctx c = { .app = &app, .lo = &lo, .theme_name = "mono",
 *                         .dataset = "fashion-mnist", .ascii = false };
 *   draw_frame(&c);
 *   wnoutrefresh(stdscr); doupdate();
 */
#ifndef RECONVENE_DRAW_H
#define RECONVENE_DRAW_H

#include <stdbool.h>

#include "explorer/app.h"
#include "explorer/keys.h"
#include "explorer/layout.h"
#include "theme/theme.h"

struct draw_ctx {
	const struct app *app;
	const struct layout *lo;
	const char *theme_name;   /* shown in the header */
	const char *dataset;      /* "fashion-mnist", "synthetic", "none" */
	bool ascii;               /* ASCII key names (glyphs follow glyphs.h) */
	const char *busy;         /* an extra status (export running), or NULL */
};

void draw_frame(const struct draw_ctx *c);

/* The action of the footer item at screen column x (the footer row), or
 * UI_ACTION_NONE: the same layout the footer was drawn with. */
enum ui_action draw_footer_hit(const struct layout *lo, bool ascii, int x);

/* Write at most maxcols columns of UTF-8 s at (y, x); returns the columns
 * written.  A text cut short ends in the ellipsis glyph.  Every glyph we
 * draw is one column wide (glyphs.h). */
int draw_text(int y, int x, int maxcols, const char *s);
/* Repeat glyph text s n times from (y, x). */
void draw_repeat(int y, int x, int n, const char *s);
/* A box outline around r with a title, in role border; the inside is
 * cleared to role fill. */
void draw_box(const struct layout_rect *r, const char *title,
	      enum theme_role border, enum theme_role fill);

void draw_free(void);

#endif
