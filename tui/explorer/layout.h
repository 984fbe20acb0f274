/* layout.h: where every part of the explorer screen goes, as a pure
 * function of the terminal size and a few facts about the content.
 *
 * No curses here (tests link it without a terminal): layout_compute only
 * does arithmetic, so the drawing code, the mouse code and the unit tests
 * all agree on the same rectangles.  Coordinates are screen cells, y (row)
 * and x (column) from the top left, 0-based, like ncurses.
 *
 * The screen at the minimum 80x24 (N table rows, P projection lines):
 *
 *   row 0        HEADER     ┌ reconvene ─ vgg16 · SynFlow · s=0.90 ... ┐
 *   row 1        │TABLE_HEAD (column titles)  │DIVIDER│ HEAT_HEAD      │
 *   rows 2..N+1  │TABLE (one layer per row)   │DIVIDER│ HEAT (heatmap  │
 *                │                            │       │  or the grid)  │
 *   row N+2      ├ PROJ_HEAD ─────────────────────────── LEGEND ───────┤
 *   P rows       │PROJ (params, bytes, MACs, latency, accuracy ...)     │
 *   row R-2      │LOG (last warning or status)                          │
 *   row R-1      └ FOOTER (keys) ───────────────────────────────────────┘
 *   BORDER_L and BORDER_R are the side columns of rows 1..R-2 (their
 *   drawer puts ├ and ┤ on the PROJ_HEAD row).
 *
 * Invariants (tests/check_layout.c checks them for every size from 80x24
 * to 300x100, plain and presentation): the LAYOUT_PANEL_* rectangles tile
 * the screen exactly (no overlap, nothing outside, every cell covered),
 * none is empty; HEAT and TABLE have the same rows, so heat row i belongs
 * to table row i (row_h screen rows each, from the panel's top); the
 * table's column spans lie inside TABLE, in order, without overlap.
 * Overlays (help, dialogs) are drawn on top and are not part of the tiling.
 * Below LAYOUT_MIN_COLS x LAYOUT_MIN_ROWS, too_small is set and only
 * notice (the whole screen) and the overlay are filled.
 *
 * Owns: nothing; struct layout is plain caller storage.
 * Thread rules: pure functions, no state.
 *
 *   struct layout_state st = { .view = LAYOUT_VIEW_HEAT, .name_cols = 14 };
 *   struct layout lo;
 *   layout_compute(LINES, COLS, &st, &lo);
 *   if (lo.too_small) draw_notice(&lo.notice); else draw_table(&lo.panel[LAYOUT_PANEL_TABLE], ...);
 */
#ifndef RECONVENE_LAYOUT_H
#define RECONVENE_LAYOUT_H

#include <stdbool.h>

#define LAYOUT_MIN_ROWS 24
#define LAYOUT_MIN_COLS 80
/* Columns of the layers x sparsity grid (s = 0.5 ... 0.99609375). */
#define LAYOUT_GRID_STEPS 8
/* The group probe's columns in the grid view (key G): one per ratio of
 * prune/group_probe.h, LAYOUT_PROBE_CELL columns each ("-25%", " 78%"),
 * after one blank. */
#define LAYOUT_PROBE_STEPS 3
#define LAYOUT_PROBE_CELL 5
#define LAYOUT_PROBE_COLS (1 + LAYOUT_PROBE_STEPS * LAYOUT_PROBE_CELL)

struct layout_rect {
	int y, x; /* top left cell */
	int h, w; /* rows and columns; 0 means absent */
};

enum layout_view {
	LAYOUT_VIEW_HEAT, /* channel heatmap beside the table */
	LAYOUT_VIEW_GRID, /* key v: layers x sparsity grid */
	LAYOUT_VIEW_WIDTHS, /* v again: the selected group's latency x width
			     * staircase */
	LAYOUT_VIEW_CRITERIA, /* v again: the five PaI criteria side by side */
	LAYOUT_VIEW_HISTORY, /* v again: the measured plans and their Pareto
			      * scatter, over the table and the heatmap */
};

enum layout_overlay {
	LAYOUT_OVERLAY_NONE,
	LAYOUT_OVERLAY_HELP,
	LAYOUT_OVERLAY_DIALOG,
};

/* What the layout needs to know about the content; zero is a sane value
 * for every field. */
struct layout_state {
	enum layout_view view;
	int name_cols;   /* widest layer name in columns (0: assume 12) */
	int shape_cols;  /* widest shape text, e.g. "512→512 3x3 4²" (0: 15) */
	int kept_cols;   /* widest "kept/total" text (0: 7) */
	bool probe;      /* grid view: show the group probe's columns */
	bool present;    /* presentation layout (--present, P): no shape
			  * column, wider names, two screen rows per layer
			  * in the heatmap and grid views */
	enum layout_overlay overlay;
	int overlay_rows; /* wanted overlay size including its border; */
	int overlay_cols; /* 0 picks a default; clipped to the screen */
};

/* The tiled panels, in drawing order. */
enum layout_panel {
	LAYOUT_PANEL_HEADER,     /* row 0: title bar with model, method, s, tau ... */
	LAYOUT_PANEL_BORDER_L,   /* left frame column */
	LAYOUT_PANEL_TABLE_HEAD, /* layer table column titles */
	LAYOUT_PANEL_TABLE,      /* layer rows (table_rows of them) */
	LAYOUT_PANEL_DIVIDER,    /* the rule between table and heatmap */
	LAYOUT_PANEL_HEAT_HEAD,  /* heatmap title, or the grid's sparsity labels */
	LAYOUT_PANEL_HEAT,       /* channel heatmap or sparsity grid */
	LAYOUT_PANEL_BORDER_R,   /* right frame column */
	LAYOUT_PANEL_PROJ_HEAD,  /* "├ projection ───" rule */
	LAYOUT_PANEL_LEGEND,     /* heat gradient legend, on the same rule */
	LAYOUT_PANEL_PROJ,       /* projection panel */
	LAYOUT_PANEL_LOG,        /* one line: last warning or status */
	LAYOUT_PANEL_FOOTER,     /* bottom frame row with the key bar */
	LAYOUT_PANEL_COUNT
};

/* Columns of the layer table, left to right. */
enum layout_col {
	LAYOUT_COL_NAME,      /* layer name, left aligned */
	LAYOUT_COL_SHAPE,     /* in→out kxk size² */
	LAYOUT_COL_KEPT,      /* kept/total channels, right aligned */
	LAYOUT_COL_DENSITY,   /* heat cell (2) + blank + "0.91" */
	LAYOUT_COL_RESILIENT, /* R */
	LAYOUT_COL_LOCK,      /* lock mark */
	LAYOUT_COL_COUNT
};

/* Width of LAYOUT_COL_DENSITY: a two-cell heat swatch, a blank, "0.91". */
#define LAYOUT_DENSITY_COLS 7

struct layout_span {
	int x, w; /* screen column and width */
};

/* layout_hit's answers besides a panel index. */
#define LAYOUT_HIT_NONE (-1)
#define LAYOUT_HIT_OVERLAY (-2)

struct layout {
	int rows, cols;        /* the screen this was computed for */
	bool too_small;        /* below 80x24: draw only the notice (+ overlay) */
	struct layout_rect notice; /* too_small: the whole screen, else empty */
	struct layout_rect panel[LAYOUT_PANEL_COUNT];
	struct layout_span col[LAYOUT_COL_COUNT]; /* inside TABLE (and TABLE_HEAD) */
	int table_rows;        /* visible layer rows = panel[TABLE].h / row_h */
	int row_h;             /* screen rows per layer row: 1, or 2 in the
				* presentation layout's heatmap and grid */
	int heat_bins;         /* heat cells per row = panel[HEAT].w */
	int grid_x;            /* grid view: x of the first grid cell */
	int grid_cell_w;       /* grid view: columns per sparsity step (2 or
				* more; 2 when the probe's columns take
				* the room at 80 columns) */
	int probe_x;           /* grid view with st->probe: x of the probe's
				* columns (LAYOUT_PROBE_COLS wide, at the
				* right end of HEAT), else 0 */
	int proj_lines;        /* = panel[PROJ].h, 5 or 6 */
	struct layout_rect overlay;      /* help/dialog box incl. border, or empty */
	struct layout_rect overlay_body; /* inside the border and padding */
};

/* Fill out for a rows x cols screen.  Never fails: nonsense sizes (<= 0)
 * give too_small with empty rectangles. */
void layout_compute(int rows, int cols, const struct layout_state *st,
		    struct layout *out);

/* Which panel holds cell (y, x): a LAYOUT_PANEL_* index, LAYOUT_HIT_OVERLAY
 * when an overlay covers it, or LAYOUT_HIT_NONE. */
int layout_hit(const struct layout *lo, int y, int x);

/* The visible table row (0-based from the first visible one) at screen row
 * y, or -1 outside the table (or below its last whole row). */
int layout_table_row_at(const struct layout *lo, int y);

/* The table column at screen column x, or -1 (gaps, outside). */
int layout_col_at(const struct layout *lo, int x);

/* Scroll position for a list of n items shown visible rows at a time:
 * the new first visible item, moved as little as possible so that cursor
 * is visible, and never past the end (no blank rows while n >= visible). */
int layout_scroll_fit(int top, int cursor, int n, int visible);

/* Channels shown by heat cell i of bins, for n channels: [*first, *last).
 * With n >= bins every channel is in exactly one cell; with n < bins each
 * channel is stretched over consecutive cells. */
void layout_bin_span(int i, int bins, int n, int *first, int *last);

#endif
