#include "config.h"

#include "explorer/layout.h"

#include <string.h>

/* Column budget of the layer table.  Below the preferred widths the shape
 * gives way first (the heatmap says more than "512→512 3x3 4²"), then the
 * name, then the kept count; the minima keep every column readable and
 * leave the heatmap at least HEAT_MIN_COLS wide at 80 columns. */
#define NAME_MIN 8
#define NAME_MAX 24
#define NAME_DEFAULT 12
#define SHAPE_MIN 9
#define SHAPE_MAX 20
#define SHAPE_DEFAULT 15
#define KEPT_MIN 7
#define KEPT_MAX 11
#define KEPT_DEFAULT 7
/* Leading blank, five gaps, the R and lock columns, a trailing blank. */
#define TABLE_FIXED (1 + 5 + 1 + 1 + 1)
#define HEAT_MIN_COLS 28
/* The grid wants at least 4 columns per step for "0.9"-style labels. */
#define GRID_MIN_COLS (4 * LAYOUT_GRID_STEPS)
/* Rows that are not table or projection: header, column titles,
 * projection rule, log line, footer. */
#define FIXED_ROWS 5
#define LEGEND_MAX 30

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int pref_or(int v, int dflt, int lo, int hi)
{
	return clampi(v > 0 ? v : dflt, lo, hi);
}

static struct layout_rect rect_make(int y, int x, int h, int w)
{
	struct layout_rect r = { y, x, h, w };
	return r;
}

/* Shrink *v toward floor by up to *excess. */
static void shrink(int *v, int floor, int *excess)
{
	int give = *v - floor;
	if (give <= 0 || *excess <= 0)
		return;
	if (give > *excess)
		give = *excess;
	*v -= give;
	*excess -= give;
}

static void overlay_place(int rows, int cols, const struct layout_state *st,
			  struct layout *out)
{
	int want_h, want_w, h, w;

	if (st->overlay == LAYOUT_OVERLAY_NONE || rows <= 0 || cols <= 0)
		return;
	if (st->overlay == LAYOUT_OVERLAY_HELP) {
		want_h = st->overlay_rows > 0 ? st->overlay_rows : rows;
		want_w = st->overlay_cols > 0 ? st->overlay_cols : 80;
	} else {
		want_h = st->overlay_rows > 0 ? st->overlay_rows : 9;
		want_w = st->overlay_cols > 0 ? st->overlay_cols : 56;
	}
	h = clampi(want_h, 1, rows);
	w = clampi(want_w, 1, cols);
	out->overlay = rect_make((rows - h) / 2, (cols - w) / 2, h, w);
	/* A border row above and below, a border and a blank on each side;
	 * on absurdly small screens the body is the box itself. */
	if (h >= 3 && w >= 5)
		out->overlay_body = rect_make(out->overlay.y + 1, out->overlay.x + 2,
					      h - 2, w - 4);
	else
		out->overlay_body = out->overlay;
}

void layout_compute(int rows, int cols, const struct layout_state *st,
		    struct layout *out)
{
	static const struct layout_state zero_state;
	int name, shape, kept, table_w, heat_w, avail, heat_min, excess;
	int n, p, legend_w, x;

	if (!st)
		st = &zero_state;
	memset(out, 0, sizeof(*out));
	out->rows = rows;
	out->cols = cols;

	if (rows < LAYOUT_MIN_ROWS || cols < LAYOUT_MIN_COLS) {
		out->too_small = true;
		if (rows > 0 && cols > 0)
			out->notice = rect_make(0, 0, rows, cols);
		overlay_place(rows, cols, st, out);
		return;
	}

	/* Vertical: a sixth projection line (the one-step delta gets its own
	 * line) once the table has room to spare; the table takes the rest. */
	p = rows >= 36 ? 6 : 5;
	n = rows - FIXED_ROWS - p;

	/* Horizontal: table at its preferred width, heatmap gets the rest, but
	 * never less than its minimum while the table can still give. */
	name = pref_or(st->name_cols, NAME_DEFAULT, NAME_MIN, NAME_MAX);
	shape = pref_or(st->shape_cols, SHAPE_DEFAULT, SHAPE_MIN, SHAPE_MAX);
	/* A projector: fewer, wider columns (the shape goes, the name gets
	 * its width) and taller rows where bars are drawn. */
	if (st->present) {
		shape = 0;
		name = pref_or(st->name_cols, NAME_DEFAULT, NAME_MIN, NAME_MAX + 8);
	}
	kept = pref_or(st->kept_cols, KEPT_DEFAULT, KEPT_MIN, KEPT_MAX);
	avail = cols - 2 - 1; /* side borders, divider */
	heat_min = st->view == LAYOUT_VIEW_GRID ? GRID_MIN_COLS : HEAT_MIN_COLS;
	table_w = TABLE_FIXED + name + shape + kept + LAYOUT_DENSITY_COLS;
	excess = table_w - (avail - heat_min);
	shrink(&shape, st->present ? 0 : SHAPE_MIN, &excess);
	shrink(&name, NAME_MIN, &excess);
	shrink(&kept, KEPT_MIN, &excess);
	table_w = TABLE_FIXED + name + shape + kept + LAYOUT_DENSITY_COLS;
	heat_w = avail - table_w;

	out->panel[LAYOUT_PANEL_HEADER] = rect_make(0, 0, 1, cols);
	out->panel[LAYOUT_PANEL_BORDER_L] = rect_make(1, 0, rows - 2, 1);
	out->panel[LAYOUT_PANEL_BORDER_R] = rect_make(1, cols - 1, rows - 2, 1);
	out->panel[LAYOUT_PANEL_TABLE_HEAD] = rect_make(1, 1, 1, table_w);
	out->panel[LAYOUT_PANEL_TABLE] = rect_make(2, 1, n, table_w);
	out->panel[LAYOUT_PANEL_DIVIDER] = rect_make(1, 1 + table_w, n + 1, 1);
	out->panel[LAYOUT_PANEL_HEAT_HEAD] = rect_make(1, 2 + table_w, 1, heat_w);
	out->panel[LAYOUT_PANEL_HEAT] = rect_make(2, 2 + table_w, n, heat_w);
	/* The legend sits on the projection rule under the heatmap's right
	 * end, so both views keep it and the grid keeps its label row. */
	legend_w = heat_w < LEGEND_MAX ? heat_w : LEGEND_MAX;
	out->panel[LAYOUT_PANEL_PROJ_HEAD] = rect_make(2 + n, 1, 1, cols - 2 - legend_w);
	out->panel[LAYOUT_PANEL_LEGEND] = rect_make(2 + n, cols - 1 - legend_w, 1, legend_w);
	out->panel[LAYOUT_PANEL_PROJ] = rect_make(3 + n, 1, p, cols - 2);
	out->panel[LAYOUT_PANEL_LOG] = rect_make(rows - 2, 1, 1, cols - 2);
	out->panel[LAYOUT_PANEL_FOOTER] = rect_make(rows - 1, 0, 1, cols);

	x = 2; /* border, leading blank */
	out->col[LAYOUT_COL_NAME] = (struct layout_span){ x, name };
	x += name + 1;
	out->col[LAYOUT_COL_SHAPE] = (struct layout_span){ x, shape };
	x += shape + 1;
	out->col[LAYOUT_COL_KEPT] = (struct layout_span){ x, kept };
	x += kept + 1;
	out->col[LAYOUT_COL_DENSITY] = (struct layout_span){ x, LAYOUT_DENSITY_COLS };
	x += LAYOUT_DENSITY_COLS + 1;
	out->col[LAYOUT_COL_RESILIENT] = (struct layout_span){ x, 1 };
	x += 2;
	out->col[LAYOUT_COL_LOCK] = (struct layout_span){ x, 1 };

	out->row_h = st->present && (st->view == LAYOUT_VIEW_HEAT || st->view == LAYOUT_VIEW_GRID)
		     ? 2 : 1;
	out->table_rows = n / out->row_h;
	out->heat_bins = heat_w;
	out->grid_x = 2 + table_w;
	out->grid_cell_w = heat_w / LAYOUT_GRID_STEPS;
	/* The probe's columns take the heat panel's right end; the grid
	 * keeps at least 2 columns per step (a one-cell swatch), which
	 * GRID_MIN_COLS leaves room for. */
	if (st->view == LAYOUT_VIEW_GRID && st->probe &&
	    heat_w - LAYOUT_PROBE_COLS >= 2 * LAYOUT_GRID_STEPS) {
		out->grid_cell_w = (heat_w - LAYOUT_PROBE_COLS) / LAYOUT_GRID_STEPS;
		out->probe_x = 2 + table_w + heat_w - LAYOUT_PROBE_COLS;
	}
	out->proj_lines = p;
	overlay_place(rows, cols, st, out);
}

static bool rect_has(const struct layout_rect *r, int y, int x)
{
	return r->h > 0 && r->w > 0 && y >= r->y && y < r->y + r->h &&
	       x >= r->x && x < r->x + r->w;
}

int layout_hit(const struct layout *lo, int y, int x)
{
	if (rect_has(&lo->overlay, y, x))
		return LAYOUT_HIT_OVERLAY;
	for (int i = 0; i < LAYOUT_PANEL_COUNT; i++)
		if (rect_has(&lo->panel[i], y, x))
			return i;
	return LAYOUT_HIT_NONE;
}

int layout_table_row_at(const struct layout *lo, int y)
{
	const struct layout_rect *t = &lo->panel[LAYOUT_PANEL_TABLE];

	int h = lo->row_h > 0 ? lo->row_h : 1;
	if (lo->too_small || y < t->y || y >= t->y + t->h || (y - t->y) / h >= lo->table_rows)
		return -1;
	return (y - t->y) / h;
}

int layout_col_at(const struct layout *lo, int x)
{
	if (lo->too_small)
		return -1;
	for (int i = 0; i < LAYOUT_COL_COUNT; i++)
		if (x >= lo->col[i].x && x < lo->col[i].x + lo->col[i].w)
			return i;
	return -1;
}

int layout_scroll_fit(int top, int cursor, int n, int visible)
{
	if (n <= 0 || visible <= 0)
		return 0;
	cursor = clampi(cursor, 0, n - 1);
	if (cursor < top)
		top = cursor;
	if (cursor >= top + visible)
		top = cursor - visible + 1;
	/* After a resize that grew the window, pull the list down so it
	 * does not end in blank rows. */
	if (top > n - visible)
		top = n - visible;
	return top < 0 ? 0 : top;
}

void layout_bin_span(int i, int bins, int n, int *first, int *last)
{
	long long f, l;

	if (bins <= 0 || n <= 0 || i < 0 || i >= bins) {
		*first = *last = 0;
		return;
	}
	f = (long long)i * n / bins;
	l = (long long)(i + 1) * n / bins;
	if (l <= f)
		l = f + 1;
	*first = (int)f;
	*last = (int)l;
}
