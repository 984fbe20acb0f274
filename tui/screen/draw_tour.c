#include "config.h"

/* draw_tour.c: the guided tour's highlight and caption box (draw_tour.h). */

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <curses.h>

#include "screen/colors.h"
#include "screen/draw_tour.h"
#include "screen/paint.h"
#include "theme/glyphs.h"

#define DRAW_TOUR_LINES 40

/* Mark the panel: its first row in reverse, a bar down its left edge. */
static void draw_tour_mark(const struct layout *lo, enum tour_panel p)
{
	struct layout_rect r = tour_panel_rect(lo, p);
	if (r.w <= 0 || r.h <= 0)
		return;
	mvchgat(r.y, r.x, r.w, A_REVERSE | A_BOLD, 0, NULL);
	int x = r.x > 0 ? r.x - 1 : r.x;
	if (p == TOUR_PANEL_HEADER || p == TOUR_PANEL_FOOTER || p == TOUR_PANEL_LEGEND)
		return;
	colors_role(stdscr, THEME_ROLE_CURSOR);
	for (int y = r.y + 1; y < r.y + r.h; y++)
		mvaddstr(y, x, glyph(GLYPH_TRIANGLE_RIGHT));
}

void draw_tour(const struct tour *t, const struct app *a, const struct layout *lo,
	       double now)
{
	if (!t->active || lo->too_small || t->step < 0 || t->step >= t->script.n)
		return;
	const struct tour_step *st = &t->script.step[t->step];
	draw_tour_mark(lo, st->panel);
	const char *dot = glyph(GLYPH_MIDDOT);

	char caption[TOUR_TEXT_MAX + 1024];
	tour_caption(t, a, caption, sizeof caption);
	char status[ENG_ERR_MAX + 64], what[96];
	if (t->note[0])
		snprintf(status, sizeof status, "%s", t->note);
	else if (!tour_ready(t, a, what, sizeof what))
		snprintf(status, sizeof status, "waiting for %s ...", what);
	else if (t->autoplay > 0) {
		double left = tour_timeout(t, now);
		snprintf(status, sizeof status, "next in %.0f s %s Space next %s Left back %s q leave",
			 left > 0 ? ceil(left) : 0, dot, dot, dot);
	} else
		snprintf(status, sizeof status, "%s %s Left back %s q leave the tour",
			 t->step + 1 < t->script.n ? "Space next" : "Space end", dot, dot);

	/* Width first (wide enough to read, narrow enough to sit beside the
	 * panel it explains), then as many rows as the caption takes: the
	 * text, the status line and the border. */
	int cols = lo->cols >= 120 ? 64 : lo->cols - 2;
	struct layout_rect box;
	tour_box(lo, st->panel, lo->rows, cols, &box);
	struct tour_span lines[DRAW_TOUR_LINES];
	int n = tour_wrap(caption, box.w - 4, lines, DRAW_TOUR_LINES);
	if (n > DRAW_TOUR_LINES)
		n = DRAW_TOUR_LINES;
	tour_box(lo, st->panel, n + 3, cols, &box);
	if (box.w < 12 || box.h < 4)
		return;
	char title[TOUR_TITLE_MAX + 32];
	snprintf(title, sizeof title, "tour %d/%d: %s", t->step + 1, t->script.n, st->title);
	paint_box(&box, title, THEME_ROLE_BORDER_FOCUS, THEME_ROLE_DIALOG);
	/* Body rows: the caption, then the status line. */
	int body = box.h - 2, x = box.x + 2, w = box.w - 4;
	int text_rows = body - 1 < n ? body - 1 : n;
	colors_role(stdscr, THEME_ROLE_DIALOG);
	for (int i = 0; i < text_rows; i++) {
		char buf[TOUR_TEXT_MAX + 1024];
		int len = lines[i].len < (int)sizeof buf - 1 ? lines[i].len : (int)sizeof buf - 1;
		memcpy(buf, caption + lines[i].start, (size_t)len);
		buf[len] = '\0';
		/* The last row that fits ends in an ellipsis when text is left. */
		if (i == text_rows - 1 && text_rows < n) {
			int k = paint_text(box.y + 1 + i, x, w - 1, buf);
			paint_text(box.y + 1 + i, x + k, 1, glyph(GLYPH_ELLIPSIS));
		} else {
			paint_text(box.y + 1 + i, x, w, buf);
		}
	}
	if (body >= 1) {
		colors_role(stdscr, t->note[0] ? THEME_ROLE_VALUE_WARN : THEME_ROLE_NOTICE);
		paint_text(box.y + box.h - 2, x, w, status);
	}
	colors_role(stdscr, THEME_ROLE_NORMAL);
}
