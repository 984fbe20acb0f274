/* draw_widths.c: the staircase view (draw_widths.h). */
#include "config.h"

#include "screen/draw_widths.h"

#include <stdio.h>
#include <string.h>

#include <curses.h>

#include "prune/width_staircase.h"
#include "screen/colors.h"
#include "screen/paint.h"
#include "screen/pen.h"
#include "theme/glyphs.h"

static const enum glyph widths_eighths[8] = {
	GLYPH_VBAR_1, GLYPH_VBAR_2, GLYPH_VBAR_3, GLYPH_VBAR_4,
	GLYPH_VBAR_5, GLYPH_VBAR_6, GLYPH_VBAR_7, GLYPH_VBAR_8,
};

/* No staircase for the group yet: what the worker is doing about it. */
static void widths_waiting(const struct app *a, const struct layout_rect *r, int g)
{
	struct pen q = { r->y, r->x + 1, r->x + r->w };
	const struct worker_snapshot *s = a->snap;
	bool ours = app_snapshot_ours(a, s);
	const struct worker_job_status *j = ours ? &s->job[WORKER_JOB_WIDTHS] : NULL;
	if (!a->model->groups.groups[g].prunable) {
		pen_putf(&q, THEME_ROLE_DIM, "group %s cannot be pruned",
			 a->model->groups.groups[g].name);
		return;
	}
	if (!a->w) {
		pen_put(&q, THEME_ROLE_DIM, "not measured");
		return;
	}
	if (j && a->widths_req && j->request == a->widths_req &&
	    j->state == WORKER_STATE_RUNNING) {
		pen_put(&q, THEME_ROLE_DIM, "timing widths ");
		pen_progress(&q, 10, j->done, j->total);
	} else if (j && j->state == WORKER_STATE_FAILED && !a->widths_req) {
		pen_putf(&q, THEME_ROLE_ERROR, "failed: %s", j->msg);
	} else {
		pen_put(&q, THEME_ROLE_DIM, "timing widths: queued");
	}
}

void draw_widths(const struct app *a, const struct layout *lo)
{
	const struct layout_rect *hh = &lo->panel[LAYOUT_PANEL_HEAT_HEAD];
	const struct layout_rect *r = &lo->panel[LAYOUT_PANEL_HEAT];
	colors_role(stdscr, THEME_ROLE_COLUMN_HEADER);
	paint_repeat(hh->y, hh->x, hh->w, " ");
	int g = app_cursor_group(a);
	if (g < 0)
		return;
	const struct group *gr = &a->model->groups.groups[g];
	const struct width_staircase *s = stairs_get(&a->stairs, g);
	int keep = a->plan.keep[g];
	struct pen p = { hh->y, hh->x + 1, hh->x + hh->w };
	pen_put(&p, THEME_ROLE_COLUMN_HEADER, "latency x width");
	pen_putf(&p, THEME_ROLE_LABEL, " %s %s: %d of %d", glyph(GLYPH_MIDDOT), gr->name, keep,
		 gr->channels);
	if (!s) {
		widths_waiting(a, r, g);
		return;
	}
	double top = 0.0;
	for (int k = 0; k < s->n; k++)
		if (s->pts[k].ms > top)
			top = s->pts[k].ms;
	char t[64];
	snprintf(t, sizeof t, " (top %.3g ms)", top);
	pen_fit(&p, THEME_ROLE_LABEL, t);

	int text_rows = r->h >= 7 ? 2 : r->h >= 5 ? 1 : 0;
	int chart_h = r->h - 1 - text_rows; /* one row for the axis marks */
	/* Every width the same number of columns (at most 3) when they fit,
	 * else runs of widths per column. */
	int x0 = r->x + 1, avail = r->w - 2, per = 1, bins = avail;
	if (s->n <= avail) {
		per = avail / s->n > 3 ? 3 : avail / s->n;
		bins = s->n * per;
	}
	int cur = width_index_at(s, keep);
	int cur_col = -1;
	for (int i = 0; i < bins && chart_h > 0; i++) {
		int first, last;
		if (per > 1 || s->n <= avail) {
			first = i / per;
			last = first + 1;
		} else {
			layout_bin_span(i, bins, s->n, &first, &last);
		}
		if (last <= first)
			continue;
		const struct width_point *pt = &s->pts[last - 1];
		bool here = cur >= first && cur < last;
		if (here && cur_col < 0)
			cur_col = i;
		int eighths = top > 0 ? (int)(pt->ms / top * chart_h * 8 + 0.5) : 0;
		if (eighths < 1)
			eighths = 1; /* every measured width shows */
		enum theme_role role = here ? THEME_ROLE_SELECTED
				     : pt->slow ? THEME_ROLE_VALUE_WARN : THEME_ROLE_GRAPH_ACC;
		colors_role(stdscr, role);
		for (int row = 0; row < chart_h; row++) {
			int y = r->y + chart_h - 1 - row;
			int left = eighths - row * 8;
			if (left <= 0)
				break;
			/* slow widths shaded whole cells: visible without colour */
			enum glyph gl = pt->slow && !here ? GLYPH_RAMP_2
				      : widths_eighths[(left >= 8 ? 8 : left) - 1];
			mvaddstr(y, x0 + i, glyph(gl));
		}
	}
	/* the axis row: 1 ... channels, the current width marked */
	int ay = r->y + chart_h;
	colors_role(stdscr, THEME_ROLE_LABEL);
	snprintf(t, sizeof t, "%d", s->pts[0].width);
	int lw = (int)strlen(t);
	if (cur_col < 0 || cur_col >= lw + 1)
		paint_text(ay, x0, bins, t);
	snprintf(t, sizeof t, "%d", s->pts[s->n - 1].width);
	int tw = (int)strlen(t);
	if (bins > tw + lw + 1 && (cur_col < 0 || cur_col < bins - tw - 1))
		paint_text(ay, x0 + bins - tw, tw, t);
	if (cur_col >= 0) {
		colors_role(stdscr, THEME_ROLE_SELECTED);
		mvaddstr(ay, x0 + cur_col, glyph(GLYPH_ARROW_UP));
	}
	if (text_rows == 0)
		return;
	const struct width_point *cp = &s->pts[cur];
	struct pen q = { ay + 1, r->x + 1, r->x + r->w };
	pen_putf(&q, THEME_ROLE_LABEL, "%d ch ", keep);
	pen_putf(&q, THEME_ROLE_VALUE, "%.3f ms", cp->ms);
	int fr = width_free(s, keep), fa = width_next_faster(s, keep);
	if (fr > keep) {
		pen_put(&q, THEME_ROLE_LABEL, "  f ");
		pen_putf(&q, THEME_ROLE_VALUE_WARN, "%d free", fr);
	}
	if (fa > 0) {
		const struct width_point *fp = width_staircase_at(s, fa);
		pen_putf(&q, THEME_ROLE_LABEL, "  F %d", fa);
		if (fp)
			pen_putf(&q, THEME_ROLE_VALUE_GOOD, " %.3f ms", fp->ms);
	}
	if (text_rows < 2)
		return;
	q = (struct pen){ ay + 2, r->x + 1, r->x + r->w };
	int slow = 0;
	for (int k = 0; k < s->n; k++)
		slow += s->pts[k].slow;
	pen_putf(&q, THEME_ROLE_VALUE_WARN, "%s", glyph(GLYPH_RAMP_2));
	pen_putf(&q, THEME_ROLE_LABEL, " slow: a wider width is as fast (%d of %d)", slow, s->n);
}
