/* draw_history.c: the plan history view (draw_history.h). */
#include "config.h"

#include "screen/draw_history.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "screen/colors.h"
#include "screen/paint.h"
#include "screen/pen.h"
#include "theme/glyphs.h"

/* The area this view covers: the table's and the heatmap's rows, from the
 * table's first column to the heatmap's last. */
static struct layout_rect history_area(const struct layout *lo)
{
	const struct layout_rect *th = &lo->panel[LAYOUT_PANEL_TABLE_HEAD];
	const struct layout_rect *ht = &lo->panel[LAYOUT_PANEL_HEAT];
	return (struct layout_rect){ .y = th->y, .x = th->x,
				     .h = ht->y + ht->h - th->y,
				     .w = ht->x + ht->w - th->x };
}

/* "1.23", "12.3", "123" ms; "-" when not measured. */
static void history_ms(double v, char *buf, size_t len)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (v < 10)
		snprintf(buf, len, "%.2f", v);
	else if (v < 100)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.0f", v);
}

static void history_count(double v, char *buf, size_t len)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else
		app_format_count(v, buf, len);
}

static void history_acc(double v, char *buf, size_t len)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", 100 * v);
}

static void history_list(const struct app *a, const struct layout_rect *r,
			 const bool *front, int current)
{
	struct pen p = { r->y, r->x, r->x + r->w };
	colors_role(stdscr, THEME_ROLE_COLUMN_HEADER);
	paint_repeat(r->y, r->x, r->w, " ");
	pen_put(&p, THEME_ROLE_COLUMN_HEADER, "    #  from  params   MACs     ms  acc%");
	if (a->plans.n == 0) {
		const char *lines[] = {
			"No plan measured yet.",
			"Each plan you make (edits, a for the",
			"automatic plan) is timed and quick-",
			"evaluated in the background; every",
			"result lands here. Enter restores one.",
		};
		for (int i = 0; i < 5 && 2 + i < r->h; i++) {
			colors_role(stdscr, THEME_ROLE_DIM);
			paint_text(r->y + 2 + i, r->x + 1, r->w - 1, lines[i]);
		}
		return;
	}
	for (int row = 1; row < r->h; row++) {
		int i = a->log_top + row - 1;
		if (i >= a->plans.n)
			break;
		const struct plan_log_entry *e = &a->plans.e[i];
		bool sel = i == a->log_cursor;
		enum theme_role base = sel ? THEME_ROLE_SELECTED : THEME_ROLE_NORMAL;
		colors_role(stdscr, base);
		paint_repeat(r->y + row, r->x, r->w, " ");
		char params[16], macs[16], ms[16], acc[16], t[96];
		history_count(e->fig.params, params, sizeof params);
		history_count(e->fig.macs, macs, sizeof macs);
		history_ms(e->fig.latency_ms, ms, sizeof ms);
		history_acc(e->fig.accuracy, acc, sizeof acc);
		struct pen q = { r->y + row, r->x, r->x + r->w };
		pen_put(&q, sel ? base : THEME_ROLE_VALUE,
			i == current ? glyph(GLYPH_TRIANGLE_RIGHT) : " ");
		pen_put(&q, sel ? base : THEME_ROLE_VALUE_GOOD,
			front[i] ? glyph(GLYPH_PLOT_FRONT) : " ");
		snprintf(t, sizeof t, "%3d  %-4s %7s %6s %6s %5s", i + 1,
			 plan_log_source_name(e->source), params, macs, ms, acc);
		pen_put(&q, base, t);
	}
}

/* Where a point goes in a plot of cols x rows cells. */
struct history_axes {
	double x0, x1, y0, y1;
	int cols, rows;
};

static bool history_cell(const struct history_axes *ax, double x, double y,
			 int *cx, int *cy)
{
	if (!isfinite(x) || !isfinite(y))
		return false;
	double fx = ax->x1 > ax->x0 ? (x - ax->x0) / (ax->x1 - ax->x0) : 0.5;
	double fy = ax->y1 > ax->y0 ? (y - ax->y0) / (ax->y1 - ax->y0) : 0.5;
	*cx = (int)lround(fx * (ax->cols - 1));
	*cy = ax->rows - 1 - (int)lround(fy * (ax->rows - 1));
	return *cx >= 0 && *cx < ax->cols && *cy >= 0 && *cy < ax->rows;
}

/* The baselines' position on the axis: dense and unstructured PaI. */
static bool history_baseline(const struct app *a, enum worker_variant v, double *x,
			     double *y)
{
	struct plan_log_figures f = app_history_baseline(a, v);
	*x = plan_log_cost(&f, a->axis);
	*y = f.accuracy;
	return isfinite(*x) && isfinite(*y);
}

enum history_mark { MARK_NONE, MARK_BASE_D, MARK_BASE_U, MARK_POINT, MARK_FRONT,
		    MARK_CURRENT };

static void history_scatter(const struct app *a, const struct layout_rect *r,
			    const bool *front, int current)
{
	struct pen p = { r->y, r->x + 1, r->x + r->w };
	colors_role(stdscr, THEME_ROLE_COLUMN_HEADER);
	paint_repeat(r->y, r->x, r->w, " ");
	pen_putf(&p, THEME_ROLE_COLUMN_HEADER, "accuracy %% against %s (x)",
		 a->axis == PLAN_LOG_AXIS_MACS ? "MACs" : "latency ms");
	const int ylab = 5;
	struct history_axes ax = { INFINITY, -INFINITY, INFINITY, -INFINITY,
				   r->w - ylab - 1, r->h - 2 };
	if (ax.cols < 4 || ax.rows < 3)
		return;
	double bx[2], by[2];
	bool have_b[2] = {
		history_baseline(a, WORKER_VARIANT_DENSE, &bx[0], &by[0]),
		history_baseline(a, WORKER_VARIANT_PAI, &bx[1], &by[1]),
	};
	int points = 0;
	for (int i = 0; i < a->plans.n + 2; i++) {
		double x, y;
		if (i < a->plans.n) {
			x = plan_log_cost(&a->plans.e[i].fig, a->axis);
			y = a->plans.e[i].fig.accuracy;
			if (!isfinite(x) || !isfinite(y))
				continue;
			points++;
		} else if (have_b[i - a->plans.n]) {
			x = bx[i - a->plans.n];
			y = by[i - a->plans.n];
		} else {
			continue;
		}
		ax.x0 = fmin(ax.x0, x);
		ax.x1 = fmax(ax.x1, x);
		ax.y0 = fmin(ax.y0, y);
		ax.y1 = fmax(ax.y1, y);
	}
	if (points == 0) {
		colors_role(stdscr, THEME_ROLE_DIM);
		paint_text(r->y + 2, r->x + 2, r->w - 2,
			   "no plan with both figures yet");
		return;
	}
	/* A little room so the extremes do not sit on the frame. */
	if (ax.x1 - ax.x0 < 1e-12 * fabs(ax.x1) + 1e-12) {
		ax.x0 *= 0.9;
		ax.x1 = ax.x1 * 1.1 + 1e-9;
	}
	if (ax.y1 - ax.y0 < 0.005) {
		ax.y0 -= 0.005;
		ax.y1 += 0.005;
	}
	unsigned char *grid = calloc((size_t)ax.cols * (size_t)ax.rows, 1);
	if (!grid)
		return;
	int cx, cy;
	for (int b = 0; b < 2; b++)
		if (have_b[b] && history_cell(&ax, bx[b], by[b], &cx, &cy))
			grid[cy * ax.cols + cx] = b == 0 ? MARK_BASE_D : MARK_BASE_U;
	for (int i = 0; i < a->plans.n; i++) {
		if (!history_cell(&ax, plan_log_cost(&a->plans.e[i].fig, a->axis),
				  a->plans.e[i].fig.accuracy, &cx, &cy))
			continue;
		unsigned char m = i == current ? MARK_CURRENT : front[i] ? MARK_FRONT : MARK_POINT;
		unsigned char *g = &grid[cy * ax.cols + cx];
		if (m > *g)
			*g = m;
	}
	int px = r->x + ylab + 1, py = r->y + 1;
	for (int y = 0; y < ax.rows; y++) {
		colors_role(stdscr, THEME_ROLE_BORDER);
		mvaddstr(py + y, px - 1, glyph(GLYPH_BOX_V));
		for (int x = 0; x < ax.cols; x++) {
			unsigned char m = grid[y * ax.cols + x];
			if (m == MARK_NONE)
				continue;
			static const enum theme_role roles[] = {
				THEME_ROLE_NORMAL, THEME_ROLE_LABEL, THEME_ROLE_LABEL,
				THEME_ROLE_DIM, THEME_ROLE_VALUE_GOOD, THEME_ROLE_SELECTED,
			};
			colors_role(stdscr, roles[m]);
			mvaddstr(py + y, px + x,
				 m == MARK_BASE_D ? "D" : m == MARK_BASE_U ? "U" :
				 m == MARK_POINT ? glyph(GLYPH_PLOT_POINT) :
				 m == MARK_FRONT ? glyph(GLYPH_PLOT_FRONT) :
				 glyph(GLYPH_PLOT_CURRENT));
		}
	}
	free(grid);
	char t[32];
	colors_role(stdscr, THEME_ROLE_LABEL);
	snprintf(t, sizeof t, "%5.1f", 100 * ax.y1);
	paint_text(py, r->x, ylab, t);
	snprintf(t, sizeof t, "%5.1f", 100 * ax.y0);
	paint_text(py + ax.rows - 1, r->x, ylab, t);
	/* The x axis: its two ends. */
	int yb = r->y + r->h - 1;
	colors_role(stdscr, THEME_ROLE_BORDER);
	mvaddstr(yb, px - 1, glyph(GLYPH_BOX_BL));
	char lo[16], hi[16];
	if (a->axis == PLAN_LOG_AXIS_MACS) {
		app_format_count(ax.x0, lo, sizeof lo);
		app_format_count(ax.x1, hi, sizeof hi);
	} else {
		history_ms(ax.x0, lo, sizeof lo);
		history_ms(ax.x1, hi, sizeof hi);
	}
	colors_role(stdscr, THEME_ROLE_LABEL);
	paint_text(yb, px, ax.cols, lo);
	int hw = (int)strlen(hi);
	if (hw < ax.cols - (int)strlen(lo) - 1)
		paint_text(yb, px + ax.cols - hw, hw, hi);
}

/* The legend rule names the marks instead of the heat gradient. */
static void history_legend(const struct layout *lo)
{
	const struct layout_rect *lg = &lo->panel[LAYOUT_PANEL_LEGEND];
	if (lg->w <= 0)
		return;
	char t[128];
	snprintf(t, sizeof t, " %s front %s now %s plan D dense U PaI ",
		 glyph(GLYPH_PLOT_FRONT), glyph(GLYPH_PLOT_CURRENT), glyph(GLYPH_PLOT_POINT));
	if (keys_text_cols(t) > lg->w) /* 80 columns: the baselines' letters go */
		snprintf(t, sizeof t, " %s front %s now %s plan ", glyph(GLYPH_PLOT_FRONT),
			 glyph(GLYPH_PLOT_CURRENT), glyph(GLYPH_PLOT_POINT));
	colors_role(stdscr, THEME_ROLE_BORDER);
	paint_repeat(lg->y, lg->x, lg->w, glyph(GLYPH_BOX_H));
	colors_role(stdscr, THEME_ROLE_HEAT_LEGEND);
	int cols = keys_text_cols(t);
	paint_text(lg->y, lg->x + (cols < lg->w ? lg->w - cols : 0), lg->w, t);
}

void draw_history(const struct app *a, const struct layout *lo)
{
	struct layout_rect r = history_area(lo);
	colors_role(stdscr, THEME_ROLE_NORMAL);
	for (int y = 0; y < r.h; y++)
		paint_repeat(r.y + y, r.x, r.w, " ");
	bool *front = calloc((size_t)(a->plans.n > 0 ? a->plans.n : 1), sizeof *front);
	if (!front)
		return;
	plan_log_front(&a->plans, a->axis, front);
	int current = app_history_current(a);
	bool scatter = r.w >= DRAW_HISTORY_LIST_COLS + 1 + DRAW_HISTORY_SCATTER_MIN;
	struct layout_rect list = r;
	if (scatter)
		list.w = DRAW_HISTORY_LIST_COLS;
	history_list(a, &list, front, current);
	if (scatter) {
		colors_role(stdscr, THEME_ROLE_BORDER);
		for (int y = 0; y < r.h; y++)
			mvaddstr(r.y + y, r.x + list.w, glyph(GLYPH_BOX_V));
		struct layout_rect sr = { r.y, r.x + list.w + 1, r.h, r.w - list.w - 1 };
		history_scatter(a, &sr, front, current);
	}
	history_legend(lo);
	free(front);
}
