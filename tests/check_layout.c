/* check_layout: the explorer's pure parts: screen layout (every size from
 * 80x24 to 300x100), the key binding table (dispatch, footer, help) and
 * the settings file.  No terminal needed: libtui.a has no curses calls. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

/* Only for the KEY_* constants, as keys.c does. */
#define NCURSES_NOMACROS 1
#include <curses.h>

#include "explorer/keys.h"
#include "explorer/layout.h"
#include "explorer/settings.h"

/* Check's ck_assert_* record every PASSING assertion through the fork
 * pipe (a system call each), which made the every-size loops take a minute
 * of system time; these only call into Check on failure. */
#define EXPECT(cond) \
	do { \
		if (!(cond)) \
			ck_abort_msg("failed: %s", #cond); \
	} while (0)
#define EXPECT_MSG(cond, ...) \
	do { \
		if (!(cond)) \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)
#define EXPECT_INT(a, op, b) \
	do { \
		long long a_ = (a), b_ = (b); \
		if (!(a_ op b_)) \
			ck_abort_msg("failed: %s %s %s (%lld vs %lld)", #a, #op, #b, a_, b_); \
	} while (0)

/* ------------------------------------------------------------------ */
/* helpers                                                            */

/* Display columns by the C library (an independent reference for
 * keys_text_cols); falls back to counting code points without a UTF-8
 * locale. */
static int text_cols(const char *s)
{
	static int utf8 = -1;
	wchar_t ws[512];
	size_t n;
	int w;

	if (utf8 < 0)
		utf8 = setlocale(LC_ALL, "C.UTF-8") != NULL;
	if (utf8) {
		n = mbstowcs(ws, s, sizeof(ws) / sizeof(ws[0]) - 1);
		EXPECT_MSG(n != (size_t)-1, "invalid UTF-8: %s", s);
		w = wcswidth(ws, n);
		EXPECT_MSG(w >= 0, "unprintable character in: %s", s);
		return w;
	}
	w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static bool all_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80 || (unsigned char)*s < 0x20)
			return false;
	return true;
}

static bool rect_empty(const struct layout_rect *r)
{
	return r->h <= 0 || r->w <= 0;
}

static bool rect_inside(const struct layout_rect *r, int rows, int cols)
{
	return r->y >= 0 && r->x >= 0 && r->y + r->h <= rows && r->x + r->w <= cols;
}

static bool rect_overlap(const struct layout_rect *a, const struct layout_rect *b)
{
	return a->x < b->x + b->w && b->x < a->x + a->w &&
	       a->y < b->y + b->h && b->y < a->y + a->h;
}

/* ------------------------------------------------------------------ */
/* layout                                                             */

static const struct layout_state sample_states[] = {
	{ 0 },                                                   /* defaults */
	{ .view = LAYOUT_VIEW_GRID },
	{ .name_cols = 23, .shape_cols = 17, .kept_cols = 9 }, /* mobilenetv2 */
	{ .view = LAYOUT_VIEW_GRID, .name_cols = 60, .shape_cols = 40, .kept_cols = 30 },
	{ .view = LAYOUT_VIEW_GRID, .probe = true },
	{ .view = LAYOUT_VIEW_GRID, .probe = true, .name_cols = 60, .shape_cols = 40,
	  .kept_cols = 30 },
	{ .view = LAYOUT_VIEW_HEAT, .probe = true },
	{ .name_cols = 1, .shape_cols = 1, .kept_cols = 1 },
	{ .name_cols = -5, .shape_cols = -1, .kept_cols = -9 },
	/* the presentation layout */
	{ .present = true },
	{ .present = true, .view = LAYOUT_VIEW_GRID, .probe = true },
	{ .present = true, .view = LAYOUT_VIEW_CRITERIA },
	{ .present = true, .name_cols = 60, .shape_cols = 40, .kept_cols = 30 },
};
#define N_STATES ((int)(sizeof(sample_states) / sizeof(sample_states[0])))

/* Every invariant of layout.h for one size and state. */
static void check_one(int rows, int cols, const struct layout_state *st,
		      const struct layout *lo)
{
	const struct layout_rect *p = lo->panel;
	const struct layout_rect *tab = &p[LAYOUT_PANEL_TABLE];
	const struct layout_rect *heat = &p[LAYOUT_PANEL_HEAT];
	long area = 0;

	EXPECT_MSG(!lo->too_small, "%dx%d too small", cols, rows);
	EXPECT_INT(lo->rows, ==, rows);
	EXPECT_INT(lo->cols, ==, cols);
	for (int i = 0; i < LAYOUT_PANEL_COUNT; i++) {
		EXPECT_MSG(!rect_empty(&p[i]), "%dx%d: panel %d empty", cols, rows, i);
		EXPECT_MSG(rect_inside(&p[i], rows, cols),
			      "%dx%d: panel %d outside", cols, rows, i);
		area += (long)p[i].h * p[i].w;
		for (int j = 0; j < i; j++)
			EXPECT_MSG(!rect_overlap(&p[i], &p[j]),
				      "%dx%d: panels %d and %d overlap", cols, rows, i, j);
	}
	/* Inside + disjoint + same total area = an exact tiling. */
	EXPECT_MSG(area == (long)rows * cols, "%dx%d: area %ld", cols, rows, area);

	/* Two screen rows per layer in the presentation layout's bar views. */
	int rh = st->present && (st->view == LAYOUT_VIEW_HEAT || st->view == LAYOUT_VIEW_GRID)
		 ? 2 : 1;
	EXPECT_INT(lo->row_h, ==, rh);
	EXPECT_INT(lo->table_rows, ==, tab->h / rh);
	EXPECT_INT(heat->h, ==, tab->h);
	EXPECT_INT(heat->y, ==, tab->y);
	EXPECT_INT(lo->table_rows, >=, (LAYOUT_MIN_ROWS - 10) / rh);
	for (int y = tab->y; y < tab->y + tab->h; y++)
		EXPECT_INT(layout_table_row_at(lo, y), ==,
			   (y - tab->y) / rh < lo->table_rows ? (y - tab->y) / rh : -1);
	EXPECT_INT(lo->heat_bins, ==, heat->w);
	EXPECT_INT(lo->heat_bins, >=, 28);
	EXPECT_INT(lo->proj_lines, ==, p[LAYOUT_PANEL_PROJ].h);
	EXPECT(lo->proj_lines == 5 || lo->proj_lines == 6);
	EXPECT_INT(p[LAYOUT_PANEL_PROJ].w, ==, cols - 2);
	EXPECT_INT(p[LAYOUT_PANEL_HEADER].y, ==, 0);
	EXPECT_INT(p[LAYOUT_PANEL_FOOTER].y, ==, rows - 1);
	EXPECT_INT(p[LAYOUT_PANEL_FOOTER].w, ==, cols);
	EXPECT_INT(p[LAYOUT_PANEL_LOG].y, ==, rows - 2);
	/* Titles sit on the row above their rows. */
	EXPECT_INT(p[LAYOUT_PANEL_TABLE_HEAD].y + 1, ==, tab->y);
	EXPECT_INT(p[LAYOUT_PANEL_HEAT_HEAD].x, ==, heat->x);
	EXPECT_INT(p[LAYOUT_PANEL_HEAT_HEAD].w, ==, heat->w);
	/* The legend lies under the heatmap. */
	EXPECT_INT(p[LAYOUT_PANEL_LEGEND].x, >=, heat->x);
	EXPECT_INT(p[LAYOUT_PANEL_LEGEND].x + p[LAYOUT_PANEL_LEGEND].w, <=, heat->x + heat->w);

	/* Grid view: eight cells side by side inside the heat panel. */
	EXPECT_INT(lo->grid_x, ==, heat->x);
	bool probe = st->view == LAYOUT_VIEW_GRID && st->probe;
	EXPECT_INT(lo->grid_cell_w, >=, probe ? 2 : st->view == LAYOUT_VIEW_GRID ? 4 : 3);
	EXPECT_INT(lo->grid_cell_w * LAYOUT_GRID_STEPS, <=, heat->w);
	/* The probe's columns: at the heat panel's right end, after the
	 * grid's cells, in the grid view with the probe asked for only. */
	if (probe) {
		EXPECT_INT(lo->probe_x + LAYOUT_PROBE_COLS, ==, heat->x + heat->w);
		EXPECT_INT(lo->grid_x + lo->grid_cell_w * LAYOUT_GRID_STEPS, <=, lo->probe_x);
	} else {
		EXPECT_INT(lo->probe_x, ==, 0);
	}

	/* Table columns: inside, in order, a blank between neighbours. */
	for (int c = 0; c < LAYOUT_COL_COUNT; c++) {
		/* The presentation layout drops the shape column. */
		EXPECT_INT(lo->col[c].w, >, st->present && c == LAYOUT_COL_SHAPE ? -1 : 0);
		if (c == 0)
			EXPECT_INT(lo->col[c].x, >, tab->x);
		else
			EXPECT_INT(lo->col[c].x, >, lo->col[c - 1].x + lo->col[c - 1].w);
	}
	EXPECT_INT(lo->col[LAYOUT_COL_COUNT - 1].x + lo->col[LAYOUT_COL_COUNT - 1].w, <, tab->x + tab->w + 1);
	EXPECT_INT(lo->col[LAYOUT_COL_NAME].w, >=, 8);
	if (st->present)
		EXPECT_INT(lo->col[LAYOUT_COL_SHAPE].w, ==, 0);
	else
		EXPECT_INT(lo->col[LAYOUT_COL_SHAPE].w, >=, 9);
	EXPECT_INT(lo->col[LAYOUT_COL_KEPT].w, >=, 7);
	EXPECT_INT(lo->col[LAYOUT_COL_DENSITY].w, ==, LAYOUT_DENSITY_COLS);

	EXPECT(rect_empty(&lo->overlay));
	EXPECT(rect_empty(&lo->notice));
}

START_TEST(test_layout_every_size)
{
	for (int s = 0; s < N_STATES; s++) {
		int prev_rows_table = 0;

		for (int rows = LAYOUT_MIN_ROWS; rows <= 100; rows++) {
			int prev_bins = 0, prev_rows = -1;

			for (int cols = LAYOUT_MIN_COLS; cols <= 300; cols++) {
				struct layout lo;

				layout_compute(rows, cols, &sample_states[s], &lo);
				check_one(rows, cols, &sample_states[s], &lo);
				/* Scaling up never takes space away. */
				EXPECT_INT(lo.heat_bins, >=, prev_bins);
				prev_bins = lo.heat_bins;
				if (prev_rows >= 0)
					EXPECT_INT(lo.table_rows, ==, prev_rows);
				prev_rows = lo.table_rows;
			}
			EXPECT_INT(prev_rows, >=, prev_rows_table);
			prev_rows_table = prev_rows;
		}
	}
}
END_TEST

/* An independent check of the tiling for a sample of sizes: paint every
 * cell and count. */
START_TEST(test_layout_cells_painted)
{
	static unsigned char paint[100][300];

	for (int rows = LAYOUT_MIN_ROWS; rows <= 100; rows += 7) {
		for (int cols = LAYOUT_MIN_COLS; cols <= 300; cols += 13) {
			struct layout lo;

			layout_compute(rows, cols, &sample_states[2], &lo);
			memset(paint, 0, sizeof(paint));
			for (int i = 0; i < LAYOUT_PANEL_COUNT; i++) {
				const struct layout_rect *r = &lo.panel[i];
				for (int y = r->y; y < r->y + r->h; y++)
					for (int x = r->x; x < r->x + r->w; x++)
						paint[y][x]++;
			}
			for (int y = 0; y < rows; y++)
				for (int x = 0; x < cols; x++) {
					EXPECT_MSG(paint[y][x] == 1,
						      "%dx%d: cell (%d,%d) painted %d times",
						      cols, rows, y, x, paint[y][x]);
					/* layout_hit agrees with the painting. */
					int h = layout_hit(&lo, y, x);
					EXPECT(h >= 0 && h < LAYOUT_PANEL_COUNT);
					const struct layout_rect *r = &lo.panel[h];
					EXPECT(y >= r->y && y < r->y + r->h &&
						  x >= r->x && x < r->x + r->w);
				}
		}
	}
}
END_TEST

START_TEST(test_layout_minimum_and_maximum)
{
	struct layout lo;
	struct layout_state st = { .name_cols = 14, .shape_cols = 15, .kept_cols = 7 };

	/* 80x24 as in the design sketch: 14 layer rows, a 5-line projection. */
	layout_compute(24, 80, &st, &lo);
	EXPECT_INT(lo.table_rows, ==, 14);
	EXPECT_INT(lo.proj_lines, ==, 5);
	EXPECT_INT(lo.col[LAYOUT_COL_NAME].w, ==, 14);
	EXPECT_INT(lo.heat_bins, >=, 28);

	/* 300x100: the table keeps its preferred width, the heatmap takes
	 * the rest, the table takes the extra rows. */
	layout_compute(100, 300, &st, &lo);
	EXPECT_INT(lo.col[LAYOUT_COL_NAME].w, ==, 14);
	EXPECT_INT(lo.col[LAYOUT_COL_SHAPE].w, ==, 15);
	EXPECT_INT(lo.heat_bins, >=, 230);
	EXPECT_INT(lo.table_rows, ==, 100 - 11);
	EXPECT_INT(lo.proj_lines, ==, 6);

	/* Long names: capped when wide, shrunk to the minimum at 80. */
	st.name_cols = 60;
	st.shape_cols = 60;
	layout_compute(40, 300, &st, &lo);
	EXPECT_INT(lo.col[LAYOUT_COL_NAME].w, ==, 24);
	EXPECT_INT(lo.col[LAYOUT_COL_SHAPE].w, ==, 20);
	layout_compute(24, 80, &st, &lo);
	EXPECT_INT(lo.heat_bins, >=, 28);
	EXPECT_INT(lo.col[LAYOUT_COL_NAME].w, >=, 8);
	/* The shape gives way before the name. */
	EXPECT_INT(lo.col[LAYOUT_COL_NAME].w, >=, 14);
	EXPECT_INT(lo.col[LAYOUT_COL_SHAPE].w, <, 20);

	/* The grid view buys its cells from the table. */
	st.name_cols = 14;
	st.shape_cols = 15;
	st.view = LAYOUT_VIEW_GRID;
	layout_compute(24, 80, &st, &lo);
	EXPECT_INT(lo.grid_cell_w, >=, 4);
	/* With the probe at 80 columns: one-cell swatches, the probe's three
	 * columns beside them. */
	st.probe = true;
	layout_compute(24, 80, &st, &lo);
	EXPECT_INT(lo.grid_cell_w, ==, 2);
	EXPECT_INT(lo.probe_x, >, 0);
	layout_compute(40, 160, &st, &lo);
	EXPECT_INT(lo.grid_cell_w, >=, 4);
	st.probe = false;
	st.view = LAYOUT_VIEW_HEAT;

	/* A NULL state means all defaults. */
	struct layout lz;
	struct layout_state zero = { 0 };
	layout_compute(30, 120, NULL, &lo);
	layout_compute(30, 120, &zero, &lz);
	EXPECT(memcmp(&lo, &lz, sizeof(lo)) == 0);

	/* Huge terminals still tile. */
	layout_compute(1000, 1000, &st, &lo);
	check_one(1000, 1000, &st, &lo);
}
END_TEST

START_TEST(test_layout_too_small)
{
	for (int rows = -2; rows <= 30; rows++)
		for (int cols = -2; cols <= 100; cols++) {
			struct layout lo;
			bool small = rows < 24 || cols < 80;

			layout_compute(rows, cols, NULL, &lo);
			EXPECT_INT(lo.too_small, ==, small);
			if (!small)
				continue;
			for (int i = 0; i < LAYOUT_PANEL_COUNT; i++)
				EXPECT(rect_empty(&lo.panel[i]));
			EXPECT_INT(lo.table_rows, ==, 0);
			if (rows > 0 && cols > 0) {
				EXPECT_INT(lo.notice.h, ==, rows);
				EXPECT_INT(lo.notice.w, ==, cols);
				EXPECT_INT(layout_hit(&lo, 0, 0), ==, LAYOUT_HIT_NONE);
			} else {
				EXPECT(rect_empty(&lo.notice));
			}
			EXPECT_INT(layout_table_row_at(&lo, 2), ==, -1);
			EXPECT_INT(layout_col_at(&lo, 3), ==, -1);
		}
}
END_TEST

START_TEST(test_layout_overlays)
{
	for (int rows = 1; rows <= 100; rows += 3)
		for (int cols = 1; cols <= 300; cols += 7)
			for (int kind = 1; kind <= 2; kind++) {
				struct layout_state st = { .overlay = (enum layout_overlay)kind };
				struct layout lo;
				const struct layout_rect *o = &lo.overlay, *b = &lo.overlay_body;

				if (kind == 2) {
					st.overlay_rows = 7 + rows % 11;
					st.overlay_cols = 30 + cols % 90;
				}
				layout_compute(rows, cols, &st, &lo);
				EXPECT(!rect_empty(o));
				EXPECT(rect_inside(o, rows, cols));
				/* Centred: the margins differ by at most one. */
				EXPECT_INT(abs((cols - o->x - o->w) - o->x), <=, 1);
				EXPECT_INT(abs((rows - o->y - o->h) - o->y), <=, 1);
				EXPECT(!rect_empty(b));
				EXPECT(b->x >= o->x && b->y >= o->y &&
					  b->x + b->w <= o->x + o->w &&
					  b->y + b->h <= o->y + o->h);
				if (kind == 2) {
					EXPECT_INT(o->h, ==, st.overlay_rows < rows ? st.overlay_rows : rows);
					EXPECT_INT(o->w, ==, st.overlay_cols < cols ? st.overlay_cols : cols);
				}
				if (rows >= 24 && cols >= 80) {
					/* The help fits 76-column lines at the minimum. */
					if (kind == 1)
						EXPECT_INT(b->w, >=, KEYS_HELP_COLS);
					EXPECT_INT(layout_hit(&lo, o->y, o->x), ==, LAYOUT_HIT_OVERLAY);
				}
			}
}
END_TEST

START_TEST(test_layout_hit_rows_cols)
{
	struct layout lo;
	const struct layout_rect *t;

	layout_compute(40, 132, NULL, &lo);
	t = &lo.panel[LAYOUT_PANEL_TABLE];
	EXPECT_INT(layout_table_row_at(&lo, t->y), ==, 0);
	EXPECT_INT(layout_table_row_at(&lo, t->y + t->h - 1), ==, lo.table_rows - 1);
	EXPECT_INT(layout_table_row_at(&lo, t->y - 1), ==, -1);
	EXPECT_INT(layout_table_row_at(&lo, t->y + t->h), ==, -1);
	for (int c = 0; c < LAYOUT_COL_COUNT; c++) {
		EXPECT_INT(layout_col_at(&lo, lo.col[c].x), ==, c);
		EXPECT_INT(layout_col_at(&lo, lo.col[c].x + lo.col[c].w - 1), ==, c);
		EXPECT_INT(layout_col_at(&lo, lo.col[c].x + lo.col[c].w), ==, -1);
	}
	EXPECT_INT(layout_hit(&lo, -1, 0), ==, LAYOUT_HIT_NONE);
	EXPECT_INT(layout_hit(&lo, 0, 132), ==, LAYOUT_HIT_NONE);
	EXPECT_INT(layout_hit(&lo, 39, 131), ==, LAYOUT_PANEL_FOOTER);
	EXPECT_INT(layout_hit(&lo, t->y, lo.panel[LAYOUT_PANEL_HEAT].x), ==, LAYOUT_PANEL_HEAT);
}
END_TEST

/* layout_scroll_fit against brute force: the valid first rows are those
 * showing the cursor without running past the end; the answer is the one
 * closest to the old position. */
START_TEST(test_layout_scroll_fit)
{
	for (int n = 0; n <= 30; n++)
		for (int vis = 1; vis <= 12; vis++)
			for (int top = 0; top <= n + 2; top++)
				for (int cur = 0; cur < n; cur++) {
					int best = -1, got;
					int max_top = n > vis ? n - vis : 0;

					for (int r = 0; r <= max_top; r++) {
						if (cur < r || cur >= r + vis)
							continue;
						if (best < 0 || abs(r - top) < abs(best - top))
							best = r;
					}
					got = layout_scroll_fit(top, cur, n, vis);
					EXPECT_MSG(got == best, "n %d vis %d top %d cur %d: %d, want %d",
						      n, vis, top, cur, got, best);
				}
	EXPECT_INT(layout_scroll_fit(5, 0, 0, 10), ==, 0);
	EXPECT_INT(layout_scroll_fit(5, 3, 10, 0), ==, 0);
}
END_TEST

START_TEST(test_layout_bin_span)
{
	static const int bins_list[] = { 1, 2, 3, 7, 24, 37, 64, 100, 245 };

	for (size_t b = 0; b < sizeof(bins_list) / sizeof(bins_list[0]); b++) {
		int bins = bins_list[b];

		for (int n = 1; n <= 600; n += (n < 70 ? 1 : 17)) {
			int prev_last = 0, first, last;
			int max_per = (n + bins - 1) / bins;

			for (int i = 0; i < bins; i++) {
				layout_bin_span(i, bins, n, &first, &last);
				EXPECT_INT(first, <, last);
				EXPECT_INT(first, >=, 0);
				EXPECT_INT(last, <=, n);
				if (n >= bins) {
					/* A partition: consecutive, no channel twice. */
					EXPECT_INT(first, ==, prev_last);
					EXPECT_INT(last - first, <=, max_per);
				} else {
					EXPECT_INT(last - first, ==, 1);
					EXPECT(first == prev_last || first == prev_last - 1);
				}
				prev_last = last;
			}
			EXPECT_INT(prev_last, ==, n);
		}
	}
	int f = 7, l = 7;
	layout_bin_span(3, 3, 10, &f, &l);
	EXPECT(f == 0 && l == 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* keys                                                               */

START_TEST(test_keys_table)
{
	char why[256];
	int n = keys_binding_count();
	bool reach[UI_ACTION_COUNT] = { false };

	EXPECT_MSG(keys_table_check(why, sizeof(why)) == 0, "%s", why);
	EXPECT_INT(n, >, UI_ACTION_COUNT - 1);
	ck_assert_ptr_null(keys_binding_get(-1));
	ck_assert_ptr_null(keys_binding_get(n));
	for (int i = 0; i < n; i++) {
		const struct keys_binding *b = keys_binding_get(i);

		for (int j = 0; j < i; j++)
			EXPECT_MSG(keys_binding_get(j)->key != b->key,
				      "key %d bound twice", b->key);
		EXPECT_INT(keys_lookup(b->key), ==, b->act);
		EXPECT(all_ascii(b->key_ascii));
		reach[b->act] = true;
	}
	for (int a = 1; a < UI_ACTION_COUNT; a++)
		EXPECT_MSG(reach[a], "%s has no key", keys_action_name((enum ui_action)a));
	/* Action names: distinct, so logs and docs can name actions. */
	for (int a = 0; a < UI_ACTION_COUNT; a++)
		for (int b = 0; b < a; b++)
			ck_assert_str_ne(keys_action_name((enum ui_action)a),
					 keys_action_name((enum ui_action)b));
}
END_TEST

/* Issue 6's "Interaction" list, key by key. */
START_TEST(test_keys_issue_bindings)
{
	static const struct { int key; enum ui_action act; } want[] = {
		{ KEY_UP, UI_ACTION_UP }, { 'k', UI_ACTION_UP },
		{ KEY_DOWN, UI_ACTION_DOWN }, { 'j', UI_ACTION_DOWN },
		{ KEY_PPAGE, UI_ACTION_PAGE_UP }, { KEY_NPAGE, UI_ACTION_PAGE_DOWN },
		{ KEY_HOME, UI_ACTION_HOME }, { KEY_END, UI_ACTION_END },
		{ KEY_LEFT, UI_ACTION_KEEP_LESS }, { 'h', UI_ACTION_KEEP_LESS },
		{ '-', UI_ACTION_KEEP_LESS },
		{ KEY_RIGHT, UI_ACTION_KEEP_MORE }, { 'l', UI_ACTION_KEEP_MORE },
		{ '+', UI_ACTION_KEEP_MORE },
		{ KEY_SLEFT, UI_ACTION_KEEP_LESS_ONE }, { '<', UI_ACTION_KEEP_LESS_ONE },
		{ KEY_SRIGHT, UI_ACTION_KEEP_MORE_ONE }, { '>', UI_ACTION_KEEP_MORE_ONE },
		{ '\n', UI_ACTION_KEEP_EXACT }, { '\r', UI_ACTION_KEEP_EXACT },
		{ KEY_ENTER, UI_ACTION_KEEP_EXACT },
		{ ' ', UI_ACTION_LOCK }, { 'a', UI_ACTION_AUTO },
		{ 't', UI_ACTION_TAU_DOWN }, { 'T', UI_ACTION_TAU_UP },
		{ 'm', UI_ACTION_METHOD }, { 's', UI_ACTION_SPARSITY },
		{ 'r', UI_ACTION_RESEED }, { 'u', UI_ACTION_UNDO },
		{ 'R' & 0x1f, UI_ACTION_REDO }, { 'w', UI_ACTION_SAVE },
		{ 'o', UI_ACTION_OPEN }, { 'e', UI_ACTION_EXPORT },
		{ KEY_F(1), UI_ACTION_HELP }, { '?', UI_ACTION_HELP },
		{ KEY_F(10), UI_ACTION_QUIT }, { 'q', UI_ACTION_QUIT },
		{ 'L' & 0x1f, UI_ACTION_REPAINT }, { 'c', UI_ACTION_THEME },
		{ 'v', UI_ACTION_VIEW }, { '\t', UI_ACTION_FOCUS_NEXT },
		{ KEY_BTAB, UI_ACTION_FOCUS_PREV }, { 27, UI_ACTION_CANCEL },
		/* not bindings: the loop handles these */
		{ KEY_RESIZE, UI_ACTION_NONE }, { KEY_MOUSE, UI_ACTION_NONE },
		{ 'z', UI_ACTION_NONE }, { 0, UI_ACTION_NONE }, { -1, UI_ACTION_NONE },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		EXPECT_MSG(keys_lookup(want[i].key) == want[i].act,
			      "key %d: %s, want %s", want[i].key,
			      keys_action_name(keys_lookup(want[i].key)),
			      keys_action_name(want[i].act));
	EXPECT(keys_action_destructive(UI_ACTION_SAVE));
	EXPECT(keys_action_destructive(UI_ACTION_EXPORT));
	EXPECT(!keys_action_destructive(UI_ACTION_UP));
	EXPECT(!keys_action_destructive(UI_ACTION_HELP));
	ck_assert_str_eq(keys_action_name(UI_ACTION_COUNT), "?");
}
END_TEST

START_TEST(test_keys_footer)
{
	struct keys_footer_item items[KEYS_FOOTER_MAX];
	char buf[1024];

	for (int ascii = 0; ascii <= 1; ascii++) {
		bool prev[UI_ACTION_COUNT] = { false };

		for (int width = 0; width <= 300; width++) {
			bool have[UI_ACTION_COUNT] = { false };
			int n = keys_footer_layout(width, ascii, items, KEYS_FOOTER_MAX);
			int text_w = keys_footer_text(width, ascii, buf, sizeof(buf));

			EXPECT_INT(n, >=, 0);
			for (int i = 0; i < n; i++) {
				const struct keys_footer_item *it = &items[i];
				char one[128];

				EXPECT_INT(it->x + it->w, <=, width);
				if (i > 0)
					EXPECT_INT(it->x, ==, items[i - 1].x + items[i - 1].w + KEYS_FOOTER_GAP);
				else
					EXPECT_INT(it->x, ==, 0);
				snprintf(one, sizeof(one), "%s %s", it->key_label, it->label);
				EXPECT_INT(it->w, ==, text_cols(one));
				EXPECT_INT(it->key_w, ==, text_cols(it->key_label));
				ck_assert_ptr_nonnull(strstr(buf, one));
				if (ascii)
					EXPECT(all_ascii(one));
				/* Every column of an item clicks to its action;
				 * the gaps click to nothing. */
				for (int x = it->x; x < it->x + it->w; x++)
					EXPECT_INT(keys_footer_hit(items, n, x), ==, it->act);
				if (i + 1 < n)
					for (int x = it->x + it->w; x < items[i + 1].x; x++)
						EXPECT_INT(keys_footer_hit(items, n, x), ==, UI_ACTION_NONE);
				EXPECT_MSG(keys_lookup(keys_binding_get(0)->key) != UI_ACTION_NONE, "lookup");
				have[it->act] = true;
			}
			EXPECT_INT(keys_footer_hit(items, n, -1), ==, UI_ACTION_NONE);
			EXPECT_INT(keys_footer_hit(items, n, width), ==, UI_ACTION_NONE);
			EXPECT_INT(text_w, ==, text_cols(buf));
			EXPECT_INT(text_w, <=, width);
			if (n > 0) {
				EXPECT_INT(text_w, ==, items[n - 1].x + items[n - 1].w);
				/* htop's order: help first, quit last. */
				EXPECT_INT(items[0].act, ==, UI_ACTION_HELP);
			}
			if (n > 1)
				EXPECT_INT(items[n - 1].act, ==, UI_ACTION_QUIT);
			/* A wider footer keeps everything a narrower one had. */
			for (int a = 0; a < UI_ACTION_COUNT; a++)
				EXPECT(!prev[a] || have[a]);
			memcpy(prev, have, sizeof(prev));
			if (width == 76 || width == 80) {
				/* The main keys fit the minimum terminal. */
				EXPECT(have[UI_ACTION_HELP] && have[UI_ACTION_QUIT]);
				EXPECT(have[UI_ACTION_KEEP_LESS] && have[UI_ACTION_KEEP_MORE]);
				EXPECT(have[UI_ACTION_AUTO]);
			}
			if (width == 300) {
				for (int i = 0; i < keys_binding_count(); i++)
					if (keys_binding_get(i)->footer > 0)
						EXPECT(have[keys_binding_get(i)->act]);
			}
		}
	}
	/* max limits the items. */
	EXPECT_INT(keys_footer_layout(300, false, items, 2), ==, 2);
	EXPECT_INT(keys_footer_text(80, false, buf, 0), ==, 0);
}
END_TEST

/* The tour takes Left and Right: the footer then shows the keys that
 * still adjust the ratio (h and l), keeps every position and click range,
 * and changes nothing else. */
START_TEST(test_keys_footer_relabel)
{
	static const int taken[] = { KEY_LEFT, KEY_RIGHT };
	for (int ascii = 0; ascii <= 1; ascii++) {
		struct keys_footer_item a[KEYS_FOOTER_MAX], b[KEYS_FOOTER_MAX];
		int n = keys_footer_layout(80, ascii, a, KEYS_FOOTER_MAX);
		memcpy(b, a, sizeof a);
		keys_footer_relabel(b, n, taken, 2, ascii);
		int relabelled = 0;
		for (int i = 0; i < n; i++) {
			EXPECT_INT(b[i].x, ==, a[i].x);
			EXPECT_INT(b[i].w, ==, a[i].w);
			EXPECT_INT(b[i].act, ==, a[i].act);
			EXPECT_INT(b[i].key_w, ==, text_cols(b[i].key_label));
			EXPECT_INT(b[i].key_w, <=, a[i].key_w);
			if (a[i].act == UI_ACTION_KEEP_LESS) {
				ck_assert_str_eq(b[i].key_label, "h");
				relabelled++;
			} else if (a[i].act == UI_ACTION_KEEP_MORE) {
				ck_assert_str_eq(b[i].key_label, "l");
				relabelled++;
			} else {
				ck_assert_str_eq(b[i].key_label, a[i].key_label);
			}
		}
		EXPECT_INT(relabelled, ==, 2);
		/* nothing taken: nothing changes */
		memcpy(b, a, sizeof a);
		keys_footer_relabel(b, n, taken, 0, ascii);
		for (int i = 0; i < n; i++)
			ck_assert_str_eq(b[i].key_label, a[i].key_label);
	}
}
END_TEST

START_TEST(test_keys_help)
{
	static struct keys_help_line lines[200];

	for (int ascii = 0; ascii <= 1; ascii++)
		for (int ro = 0; ro <= 1; ro++) {
			int count[UI_ACTION_COUNT] = { 0 };
			int n = keys_help_lines(ascii, ro, lines, 200);
			bool density = false, resilient = false, tau = false, group = false;
			int headings = 0;

			EXPECT_INT(n, >, UI_ACTION_COUNT);
			EXPECT_INT(n, <=, 200);
			EXPECT_INT(keys_help_lines(ascii, ro, lines, 3), ==, n);
			n = keys_help_lines(ascii, ro, lines, 200);
			for (int i = 0; i < n; i++) {
				const struct keys_help_line *l = &lines[i];

				EXPECT_MSG(text_cols(l->text) <= KEYS_HELP_COLS,
					      "help line too wide (%d): %s", text_cols(l->text), l->text);
				EXPECT_INT(keys_text_cols(l->text), ==, text_cols(l->text));
				if (ascii)
					EXPECT_MSG(l->text[0] == '\0' || all_ascii(l->text),
						      "not ASCII: %s", l->text);
				if (l->kind == KEYS_HELP_HEADING)
					headings++;
				if (l->kind == KEYS_HELP_BINDING) {
					count[l->act]++;
					EXPECT_INT(l->inactive, ==, ro && keys_action_destructive(l->act));
					EXPECT_INT(l->key_w, >, 2);
					EXPECT_INT(l->key_w, <, 2 + KEYS_HELP_KEY_COLS);
				} else {
					EXPECT_INT(l->act, ==, UI_ACTION_NONE);
					EXPECT(!l->inactive);
				}
				density |= strstr(l->text, "density") != NULL;
				resilient |= strstr(l->text, "resilient") != NULL;
				tau |= strstr(l->text, "tau") != NULL;
				group |= strstr(l->text, "group") != NULL;
			}
			for (int a = 1; a < UI_ACTION_COUNT; a++)
				EXPECT_MSG(count[a] == 1, "%s on %d help lines",
					      keys_action_name((enum ui_action)a), count[a]);
			EXPECT_INT(headings, ==, KEYS_GROUP_COUNT + 1);
			EXPECT(density && resilient && tau && group);
		}
	/* The key column lists every key of an action, Enter once. */
	int n = keys_help_lines(false, false, lines, 200);
	bool seen_less = false, seen_enter = false;
	for (int i = 0; i < n; i++) {
		if (lines[i].act == UI_ACTION_KEEP_LESS) {
			ck_assert_ptr_nonnull(strstr(lines[i].text, "← h -"));
			seen_less = true;
		}
		if (lines[i].act == UI_ACTION_KEEP_EXACT) {
			ck_assert_ptr_nonnull(strstr(lines[i].text, "Enter"));
			ck_assert_ptr_null(strstr(lines[i].text, "Enter Enter"));
			seen_enter = true;
		}
	}
	EXPECT(seen_less && seen_enter);
}
END_TEST

/* docs/keys.md must not drift from the table: every help text is there. */
START_TEST(test_keys_docs)
{
	const char *top = getenv("top_srcdir");
	char path[4096], *text;
	FILE *f;
	long len;

	if (!top)
		return; /* run outside `make check` */
	snprintf(path, sizeof(path), "%s/docs/keys.md", top);
	f = fopen(path, "rb");
	EXPECT_MSG(f != NULL, "%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = malloc((size_t)len + 1);
	ck_assert_ptr_nonnull(text);
	EXPECT_INT(fread(text, 1, (size_t)len, f), ==, (size_t)len);
	text[len] = '\0';
	fclose(f);
	for (int i = 0; i < keys_binding_count(); i++) {
		const struct keys_binding *b = keys_binding_get(i);
		if (b->help)
			EXPECT_MSG(strstr(text, b->help) != NULL,
				      "docs/keys.md lacks \"%s\"", b->help);
	}
	free(text);
}
END_TEST

/* ------------------------------------------------------------------ */
/* settings                                                           */

static char tmp_root[256];

static void tmp_setup(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(tmp_root, sizeof(tmp_root), "%s/check_layout.XXXXXX", t && *t ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmp_root));
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void tmp_cleanup(void)
{
	nftw(tmp_root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Names in dir, to find leftover temporaries. */
static int dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void tmp_path(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", tmp_root, rel);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	EXPECT_INT(fwrite(text, 1, strlen(text), f), ==, strlen(text));
	EXPECT_INT(fclose(f), ==, 0);
}

static void read_text(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void settings_assert_eq(const struct settings *a, const struct settings *b)
{
	ck_assert_str_eq(a->theme, b->theme);
	ck_assert_str_eq(a->model, b->model);
	EXPECT_INT(a->mouse, ==, b->mouse);
	EXPECT_INT(a->ascii, ==, b->ascii);
	EXPECT_INT(a->method, ==, b->method);
	EXPECT(a->sparsity == b->sparsity);
	EXPECT(a->tau == b->tau);
	EXPECT(a->seed == b->seed);
}

START_TEST(test_settings_defaults)
{
	struct settings c;

	settings_defaults(&c);
	ck_assert_str_eq(c.theme, "default");
	ck_assert_str_eq(c.model, "resnet20");
	EXPECT(c.mouse);
	EXPECT(!c.ascii);
	EXPECT_INT(c.method, ==, SCORE_METHOD_SYNFLOW);
	EXPECT(c.sparsity == 0.9);
	EXPECT(c.tau == 0.2);
	EXPECT(c.seed == 1);
}
END_TEST

START_TEST(test_settings_round_trip)
{
	static const double fractions[] = { 0.0, 0.5, 0.9, 0.984375, 0.99609375,
					    1.0 / 3.0, 0.1 + 0.2, 1e-17 };
	struct settings c, d, dflt;
	struct settings_warnings w;
	struct eng_err err;
	char path[512], text[2048];

	tmp_setup();
	/* The directories do not exist yet: save creates them. */
	tmp_path(path, sizeof(path), "xdg/reconvene/config");
	settings_defaults(&dflt);
	for (size_t i = 0; i < sizeof(fractions) / sizeof(fractions[0]); i++) {
		settings_defaults(&c);
		snprintf(c.theme, sizeof(c.theme), i % 2 ? "nord" : " my # theme ");
		snprintf(c.model, sizeof(c.model), "%s", i % 2 ? "models/vgg16.cfg" : "vgg16");
		c.mouse = i % 2;
		c.ascii = !(i % 2);
		c.method = (enum score_method)(i % SCORE_METHOD_COUNT);
		c.sparsity = fractions[i];
		c.tau = 1.0 - fractions[i];
		c.seed = i == 3 ? UINT64_MAX : i * 977;
		EXPECT_MSG(settings_save(path, &c, &err) == ENG_STATUS_OK, "%s", err.msg);
		settings_defaults(&d);
		EXPECT_INT(settings_load(path, &d, &w), ==, ENG_STATUS_OK);
		EXPECT_MSG(w.n == 0, "warning: %s", w.msg[0]);
		settings_assert_eq(&c, &d);
	}
	/* The file starts with the version lines and reads naturally. */
	settings_defaults(&c);
	EXPECT_INT(settings_save(path, &c, &err), ==, ENG_STATUS_OK);
	read_text(path, text, sizeof(text));
	ck_assert_ptr_nonnull(strstr(text, "\nversion = 1\nmin_reader_version = 1\n"));
	ck_assert_ptr_null(strstr(strstr(text, "\nversion"), "\n#"));
	ck_assert_ptr_nonnull(strstr(text, "\nsparsity = 0.9\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ntau = 0.2\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nmethod = synflow\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nmouse = yes\n"));
	/* Only the version lines may precede the other keys. */
	const char *first_key = strchr(text, '\n') + 1;
	EXPECT(strncmp(first_key, "version = ", 10) == 0);
	EXPECT_INT(settings_format(&c, NULL, 0), ==, (int)strlen(text));
	/* No temporary left behind; mode 0644. */
	struct stat sb;
	char dir[600];
	EXPECT_INT(stat(path, &sb), ==, 0);
	EXPECT_INT(sb.st_mode & 0777, ==, 0644);
	tmp_path(dir, sizeof(dir), "xdg/reconvene");
	EXPECT_INT(dir_entries(dir), ==, 1);
	/* A name that cannot be written is refused, the file kept. */
	snprintf(c.theme, sizeof(c.theme), "bad\nname");
	EXPECT_INT(settings_save(path, &c, &err), ==, ENG_STATUS_EINVAL);
	EXPECT_INT(settings_format(&c, text, sizeof(text)), ==, -1);
	snprintf(c.theme, sizeof(c.theme), "a \"quoted\" # name");
	EXPECT_INT(settings_save(path, &c, &err), ==, ENG_STATUS_EINVAL);
	settings_defaults(&d);
	EXPECT_INT(settings_load(path, &d, &w), ==, ENG_STATUS_OK);
	settings_assert_eq(&dflt, &d);
	EXPECT_INT(dir_entries(dir), ==, 1);
	tmp_cleanup();
}
END_TEST

/* fuzz_settings' finding: a value that ends (or starts) with a vertical
 * tab or form feed was written unquoted, and the tokenizer, which trims
 * those too, read it back shorter.  Each blank ini_char_blank names must
 * survive format + parse at either end. */
START_TEST(test_settings_blank_ends)
{
	static const char *const values[] = { "vgg\v", "\vvgg", "vgg\f", "\fvgg", "v\vg" };
	struct settings c, d;
	struct settings_warnings w;
	char text[2048];

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		settings_defaults(&c);
		snprintf(c.model, sizeof(c.model), "%s", values[i]);
		snprintf(c.theme, sizeof(c.theme), "%s", values[i]);
		int n = settings_format(&c, text, sizeof(text));
		EXPECT(n > 0 && (size_t)n < sizeof(text));
		settings_defaults(&d);
		EXPECT_INT(settings_parse(text, (size_t)n, "f", &d, &w), ==, ENG_STATUS_OK);
		EXPECT_MSG(w.n == 0, "warning: %s", w.msg[0]);
		settings_assert_eq(&c, &d);
	}
}
END_TEST

/* Does some warning start with "path:line:" and mention word? */
static bool warned(const struct settings_warnings *w, const char *path, int line,
		   const char *word)
{
	char prefix[600];

	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	for (int i = 0; i < w->n; i++)
		if (strncmp(w->msg[i], prefix, strlen(prefix)) == 0 &&
		    strstr(w->msg[i], word))
			return true;
	return false;
}

START_TEST(test_settings_warnings)
{
	static const char text[] =
		"# my settings\n"                 /* 1 */
		"version = 1\n"                   /* 2 */
		"min_reader_version = 1\n"        /* 3 */
		"theme = light\n"                 /* 4: good */
		"colour = red\n"                  /* 5: unknown key */
		"mouse = maybe\n"                 /* 6: bad bool */
		"sparsity = 1.5\n"                /* 7: out of range */
		"tau = abc\n"                     /* 8: not a number */
		"seed = -1\n"                     /* 9: negative */
		"method = snap\n"                 /* 10: unknown method */
		"this line is garbage\n"          /* 11: malformed */
		"ascii = yes   # forced\n"        /* 12: good, trailing comment */
		"model = \"vgg11\"\n"             /* 13: good, quoted */
		"[extra]\n"                       /* 14: sections unused */
		"theme = nord\n";                 /* 15: ignored (in a section) */
	struct settings c;
	struct settings_warnings w;
	const char *p = "cfg/settings";

	settings_defaults(&c);
	EXPECT_INT(settings_parse(text, strlen(text), p, &c, &w), ==, ENG_STATUS_OK);
	EXPECT_INT(w.n, ==, 8);
	EXPECT_INT(w.dropped, ==, 0);
	EXPECT(warned(&w, p, 5, "colour"));
	EXPECT(warned(&w, p, 6, "mouse"));
	EXPECT(warned(&w, p, 7, "sparsity"));
	EXPECT(warned(&w, p, 8, "tau"));
	EXPECT(warned(&w, p, 9, "seed"));
	EXPECT(warned(&w, p, 10, "snap"));
	EXPECT(warned(&w, p, 11, ""));
	EXPECT(warned(&w, p, 14, "extra"));
	/* Bad values keep the defaults, good ones apply. */
	ck_assert_str_eq(c.theme, "light");
	ck_assert_str_eq(c.model, "vgg11");
	EXPECT(c.ascii);
	EXPECT(c.mouse);
	EXPECT(c.sparsity == 0.9);
	EXPECT(c.tau == 0.2);
	EXPECT(c.seed == 1);
	EXPECT_INT(c.method, ==, SCORE_METHOD_SYNFLOW);

	/* More problems than slots: counted, not lost silently. */
	char many[2048] = "";
	for (int i = 0; i < 20; i++)
		strcat(many, "nope = 1\n");
	settings_parse(many, strlen(many), p, &c, &w);
	EXPECT_INT(w.n, ==, SETTINGS_WARN_MAX);
	EXPECT_INT(w.dropped, ==, 20 - SETTINGS_WARN_MAX);
	EXPECT(warned(&w, p, 1, "nope"));

	/* Values at their limits are accepted. */
	static const char edge[] = "sparsity = 0\ntau = 1\nseed = 18446744073709551615\n"
				   "mouse = off\nmethod = grasp\n";
	settings_defaults(&c);
	settings_parse(edge, strlen(edge), p, &c, &w);
	EXPECT_INT(w.n, ==, 0);
	EXPECT(c.sparsity == 0.0 && c.tau == 1.0 && c.seed == UINT64_MAX && !c.mouse);
	EXPECT_INT(c.method, ==, SCORE_METHOD_GRASP);
	static const char over[] = "sparsity = 1\nseed = 18446744073709551616\ntau = 1.0001\n"
				   "sparsity = nan\n";
	settings_defaults(&c);
	settings_parse(over, strlen(over), p, &c, &w);
	EXPECT_INT(w.n, ==, 4);
	EXPECT(c.sparsity == 0.9 && c.seed == 1 && c.tau == 0.2);
}
END_TEST

START_TEST(test_settings_min_reader_version)
{
	static const char newer[] =
		"version = 3\n"
		"min_reader_version = 2\n"
		"theme = nord\n";
	static const char late[] =
		"theme = nord\n"
		"seed = 7\n"
		"min_reader_version = 9\n";
	static const char compatible[] =
		"version = 5\n"
		"min_reader_version = 1\n"
		"theme = nord\n";
	struct settings c, dflt;
	struct settings_warnings w;
	char path[512];

	settings_defaults(&dflt);
	settings_defaults(&c);
	EXPECT_INT(settings_parse(newer, strlen(newer), "f", &c, &w), ==, ENG_STATUS_EINVAL);
	EXPECT_INT(w.n, ==, 1);
	EXPECT(warned(&w, "f", 2, "newer"));
	settings_assert_eq(&c, &dflt);

	/* Keys read before the refusal are rolled back. */
	EXPECT_INT(settings_parse(late, strlen(late), "f", &c, &w), ==, ENG_STATUS_EINVAL);
	EXPECT(warned(&w, "f", 3, "min_reader_version"));
	settings_assert_eq(&c, &dflt);

	/* A newer writer that old readers may read: accepted. */
	EXPECT_INT(settings_parse(compatible, strlen(compatible), "f", &c, &w), ==, ENG_STATUS_OK);
	EXPECT_INT(w.n, ==, 0);
	ck_assert_str_eq(c.theme, "nord");

	/* The same through a file. */
	tmp_setup();
	tmp_path(path, sizeof(path), "config");
	write_text(path, newer);
	settings_defaults(&c);
	EXPECT_INT(settings_load(path, &c, &w), ==, ENG_STATUS_EINVAL);
	EXPECT(warned(&w, path, 2, "newer"));
	settings_assert_eq(&c, &dflt);
	tmp_cleanup();
}
END_TEST

START_TEST(test_settings_files)
{
	struct settings c, dflt;
	struct settings_warnings w;
	struct eng_err err;
	struct stat sb;
	char path[512], blocker[512];

	tmp_setup();
	settings_defaults(&dflt);

	/* /dev/null: the built-in defaults, never written. */
	settings_defaults(&c);
	EXPECT_INT(settings_load("/dev/null", &c, &w), ==, ENG_STATUS_ENOENT);
	EXPECT_INT(w.n, ==, 0);
	snprintf(c.theme, sizeof(c.theme), "nord");
	EXPECT_INT(settings_save("/dev/null", &c, &err), ==, ENG_STATUS_OK);
	EXPECT_INT(stat("/dev/null", &sb), ==, 0);
	EXPECT(S_ISCHR(sb.st_mode));

	/* A missing file: defaults, no warning. */
	tmp_path(path, sizeof(path), "absent/config");
	settings_defaults(&c);
	EXPECT_INT(settings_load(path, &c, &w), ==, ENG_STATUS_ENOENT);
	EXPECT_INT(w.n, ==, 0);
	settings_assert_eq(&c, &dflt);

	/* A directory where the file should be: one warning. */
	tmp_path(path, sizeof(path), "");
	EXPECT_INT(settings_load(path, &c, &w), ==, ENG_STATUS_EIO);
	EXPECT_INT(w.n, ==, 1);

	/* An unwritable place (a regular file where a directory must go,
	 * which stops root too): a warning, no crash, nothing written. */
	tmp_path(blocker, sizeof(blocker), "blocker");
	write_text(blocker, "x");
	tmp_path(path, sizeof(path), "blocker/reconvene/config");
	memset(&err, 0, sizeof(err));
	EXPECT_INT(settings_save(path, &c, &err), !=, ENG_STATUS_OK);
	ck_assert_ptr_nonnull(strstr(err.msg, "blocker"));
	/* And a read-only directory, when permissions apply to us. */
	if (geteuid() != 0) {
		tmp_path(blocker, sizeof(blocker), "ro");
		EXPECT_INT(mkdir(blocker, 0500), ==, 0);
		tmp_path(path, sizeof(path), "ro/config");
		EXPECT_INT(settings_save(path, &c, &err), ==, ENG_STATUS_EIO);
		EXPECT_INT(access(path, F_OK), !=, 0);
		tmp_path(path, sizeof(path), "ro/sub/config");
		EXPECT_INT(settings_save(path, &c, &err), !=, ENG_STATUS_OK);
		chmod(blocker, 0700);
	}

	/* An unreadable-size file is refused. */
	tmp_path(path, sizeof(path), "huge");
	{
		FILE *f = fopen(path, "wb");
		ck_assert_ptr_nonnull(f);
		for (int i = 0; i < SETTINGS_FILE_MAX / 8 + 10; i++)
			fputs("# ....\n\n", f);
		fclose(f);
	}
	settings_defaults(&c);
	EXPECT_INT(settings_load(path, &c, &w), ==, ENG_STATUS_EINVAL);
	EXPECT_INT(w.n, ==, 1);

	/* Warnings from a file name the file and the line. */
	tmp_path(path, sizeof(path), "warn");
	write_text(path, "version = 1\nmin_reader_version = 1\n\nthemes = x\n");
	EXPECT_INT(settings_load(path, &c, &w), ==, ENG_STATUS_OK);
	EXPECT_INT(w.n, ==, 1);
	EXPECT(warned(&w, path, 4, "themes"));
	tmp_cleanup();
}
END_TEST

START_TEST(test_settings_paths)
{
	char path[512];

	unsetenv("RECONVENE_CONFIG");
	setenv("XDG_CONFIG_HOME", "/x/cfg", 1);
	setenv("HOME", "/home/u", 1);
	EXPECT_INT(settings_path_resolve(NULL, path, sizeof(path)), ==, 0);
	ck_assert_str_eq(path, "/x/cfg/reconvene/config");
	EXPECT_INT(settings_dir_resolve(path, sizeof(path)), ==, 0);
	ck_assert_str_eq(path, "/x/cfg/reconvene");
	/* A relative XDG_CONFIG_HOME is invalid (XDG spec); so is an empty one. */
	setenv("XDG_CONFIG_HOME", "rel", 1);
	EXPECT_INT(settings_path_resolve(NULL, path, sizeof(path)), ==, 0);
	ck_assert_str_eq(path, "/home/u/.config/reconvene/config");
	setenv("XDG_CONFIG_HOME", "", 1);
	EXPECT_INT(settings_path_resolve(NULL, path, sizeof(path)), ==, 0);
	ck_assert_str_eq(path, "/home/u/.config/reconvene/config");
	/* $RECONVENE_CONFIG beats XDG; --config beats both. */
	setenv("RECONVENE_CONFIG", "/etc/rc", 1);
	EXPECT_INT(settings_path_resolve(NULL, path, sizeof(path)), ==, 0);
	ck_assert_str_eq(path, "/etc/rc");
	EXPECT_INT(settings_path_resolve("/dev/null", path, sizeof(path)), ==, 0);
	ck_assert_str_eq(path, "/dev/null");
	/* Nowhere to go: run without persistence. */
	unsetenv("RECONVENE_CONFIG");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("HOME");
	EXPECT_INT(settings_path_resolve(NULL, path, sizeof(path)), ==, -1);
	EXPECT_INT(settings_dir_resolve(path, sizeof(path)), ==, -1);
	/* Too small a buffer fails rather than truncating. */
	setenv("HOME", "/home/u", 1);
	EXPECT_INT(settings_path_resolve(NULL, path, 10), ==, -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("layout");
	TCase *tl = tcase_create("layout");
	TCase *tk = tcase_create("keys");
	TCase *tc = tcase_create("settings");

	tcase_set_timeout(tl, 120);
	tcase_add_test(tl, test_layout_every_size);
	tcase_add_test(tl, test_layout_cells_painted);
	tcase_add_test(tl, test_layout_minimum_and_maximum);
	tcase_add_test(tl, test_layout_too_small);
	tcase_add_test(tl, test_layout_overlays);
	tcase_add_test(tl, test_layout_hit_rows_cols);
	tcase_add_test(tl, test_layout_scroll_fit);
	tcase_add_test(tl, test_layout_bin_span);
	tcase_add_test(tk, test_keys_table);
	tcase_add_test(tk, test_keys_issue_bindings);
	tcase_add_test(tk, test_keys_footer);
	tcase_add_test(tk, test_keys_footer_relabel);
	tcase_add_test(tk, test_keys_help);
	tcase_add_test(tk, test_keys_docs);
	tcase_add_test(tc, test_settings_defaults);
	tcase_add_test(tc, test_settings_round_trip);
	tcase_add_test(tc, test_settings_blank_ends);
	tcase_add_test(tc, test_settings_warnings);
	tcase_add_test(tc, test_settings_min_reader_version);
	tcase_add_test(tc, test_settings_files);
	tcase_add_test(tc, test_settings_paths);
	suite_add_tcase(s, tl);
	suite_add_tcase(s, tk);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
