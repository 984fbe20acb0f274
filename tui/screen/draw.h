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
#include "explorer/tour.h"
#include "theme/theme.h"

struct draw_ctx {
	const struct app *app;
	const struct layout *lo;
	const char *theme_name;   /* shown in the header */
	const char *dataset;      /* "fashion-mnist", "synthetic", "none" */
	bool ascii;               /* ASCII key names (glyphs follow glyphs.h) */
	const struct tour *tour;  /* the guided tour (draw_tour.h), or NULL */
	double now;               /* monotonic seconds (the tour's countdown) */
};

void draw_frame(const struct draw_ctx *c);

/* The action of the footer item at screen column x (the footer row), or
 * UI_ACTION_NONE: the same layout the footer was drawn with. */
enum ui_action draw_footer_hit(const struct layout *lo, bool ascii, int x);

void draw_free(void);

#endif
