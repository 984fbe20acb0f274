/* draw_stability.c: the stability marks (draw_stability.h). */
#include "config.h"

#include "screen/draw_stability.h"

#include <stdio.h>

#include <curses.h>

#include "screen/colors.h"
#include "screen/paint.h"
#include "theme/glyphs.h"

const struct stability *draw_stability_current(const struct app *a)
{
	const struct worker_snapshot *s = app_snap(a);
	if (!s || !s->stability_valid || s->stability_stale)
		return NULL;
	return &s->stability;
}

bool draw_stability_flips(const struct app *a, int layer)
{
	const struct stability *st = draw_stability_current(a);
	if (!st)
		return false;
	int r = stability_resilient_runs(st, layer);
	return r > 0 && r < st->n_runs;
}

/* The cursor's group when the stability result covers it, else -1. */
static int stab_group(const struct app *a, const struct stability *st)
{
	int g = app_cursor_group(a);
	if (!st || g < 0 || g >= st->n_groups || !a->model->groups.groups[g].prunable)
		return -1;
	return g;
}

bool draw_stability_row(const struct app *a, const struct layout *lo)
{
	const struct stability *st = draw_stability_current(a);
	int g = stab_group(a, st);
	const struct layout_rect *r = &lo->panel[LAYOUT_PANEL_HEAT];
	const struct layout_rect *lg = &lo->panel[LAYOUT_PANEL_LEGEND];
	if (g < 0 || a->view != LAYOUT_VIEW_HEAT || lg->w <= 0 || r->w <= 0)
		return false;
	int c = a->model->groups.groups[g].channels;
	const int *runs = st->kept_runs + st->kept_off[g];
	int bins = lo->heat_bins > 0 ? lo->heat_bins : r->w;
	colors_role(stdscr, THEME_ROLE_BORDER);
	paint_repeat(lg->y, lg->x, lg->w, glyph(GLYPH_BOX_H));
	for (int i = 0; i < bins && r->x + i < lg->x + lg->w; i++) {
		int first, last, all = 0, none = 0;
		layout_bin_span(i, bins, c, &first, &last);
		for (int k = first; k < last; k++) {
			all += runs[k] >= st->n_runs;
			none += runs[k] == 0;
		}
		int n = last - first;
		if (n <= 0)
			continue;
		if (all == n) {
			colors_role(stdscr, THEME_ROLE_KEPT);
			mvaddstr(lg->y, r->x + i, glyph(GLYPH_BAR_8));
		} else if (none == n) {
			colors_role(stdscr, THEME_ROLE_PRUNED);
			mvaddstr(lg->y, r->x + i, glyph(GLYPH_MARK_PRUNED));
		} else {
			colors_role(stdscr, THEME_ROLE_VALUE_WARN);
			mvaddstr(lg->y, r->x + i, glyph(GLYPH_RAMP_2));
		}
	}
	return true;
}

void draw_stability_title(const struct app *a, char *buf, int len)
{
	buf[0] = '\0';
	const struct stability *st = draw_stability_current(a);
	int g = stab_group(a, st);
	if (g < 0)
		return;
	int al, so, ne;
	stability_channel_counts(st, &a->model->groups, g, &al, &so, &ne);
	snprintf(buf, (size_t)len, " %s %d runs: kept always %d, some %d, never %d",
		 glyph(GLYPH_MIDDOT), st->n_runs, al, so, ne);
}
