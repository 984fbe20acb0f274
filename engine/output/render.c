/* render.c: the three PNG charts (channel heatmap, sensitivity, trade-off):
 * the default style, gradients, each chart's layout (pure functions of the
 * input, shared by the _size and _cell queries and the drawing) and its
 * drawing onto a canvas (output/canvas.h), which also holds the fonts and
 * writes the PNG.  See render.h.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/pareto.h"
#include "output/canvas.h"
#include "output/render.h"

/* Layout constants shared by the charts (pixels). */
#define MARGIN 24
#define HEADER_H 64
#define AXIS_LABEL_W 20
#define LABEL_SIZE 11
#define TICK_SIZE 10
#define TITLE_SIZE 18
#define SUB_SIZE 12

void render_style_default(struct render_style *s)
{
	memset(s, 0, sizeof *s);
	s->bg = 0x161a21;
	s->fg = 0xe4e8ee;
	s->muted = 0x7f8791;
	s->accent = 0x5c9ad6;
	s->panel = 0x1e232c;
	s->series[0] = 0x7f8791;
	s->series[1] = 0xd9a441;
	s->series[2] = 0x63b26a;
	s->series[3] = 0x5c9ad6;
	s->series[4] = 0xb08ad8;
	s->series[5] = 0xe05a5e;
	s->heat.n = 3;
	s->heat.rgb[0] = 0x22406b;
	s->heat.rgb[1] = 0xd9a441;
	s->heat.rgb[2] = 0xe05a5e;
}

uint32_t render_gradient_at(const struct render_gradient *g, double t)
{
	if (g->n <= 0)
		return 0;
	if (g->n == 1)
		return g->rgb[0] & 0xffffff;
	if (!(t > 0.0))
		t = 0.0;
	if (t > 1.0)
		t = 1.0;
	double pos = t * (g->n - 1);
	int i = (int)floor(pos);
	if (i >= g->n - 1)
		return g->rgb[g->n - 1] & 0xffffff;
	return canvas_rgb_mix(g->rgb[i] & 0xffffff, g->rgb[i + 1] & 0xffffff,
			      pos - i);
}

double render_sens_sparsity(int k)
{
	return score_sens_sparsity[k];
}

double render_density_t(double density)
{
	if (!(density > 0.001))
		return 0.0;
	if (density >= 1.0)
		return 1.0;
	return (log10(density) + 3.0) / 3.0;
}

/* --- what the charts share ------------------------------------------------ */

/* A canvas in the style's page colour and fonts. */
static enum eng_status render_canvas_open(struct canvas *cv, int w, int h,
					  const struct render_style *s,
					  const struct eng_warn *warn,
					  struct eng_err *err)
{
	return canvas_open(cv, w, h, s->bg, s->font, s->font_dirs, warn, err);
}

/* The title and subtitle at the top left. */
static void render_header(struct canvas *c, const struct render_style *s,
			  const char *title, const char *subtitle)
{
	if (title)
		canvas_text(c, MARGIN, MARGIN + TITLE_SIZE, title, TITLE_SIZE, true,
			s->fg, CANVAS_ALIGN_LEFT);
	if (subtitle)
		canvas_text(c, MARGIN, MARGIN + TITLE_SIZE + 8 + SUB_SIZE, subtitle,
			SUB_SIZE, false, s->muted, CANVAS_ALIGN_LEFT);
}

/* A horizontal gradient bar of w x h at (x, y), lowest on the left. */
static void render_gradient_bar(struct canvas *c, const struct render_style *s,
				int x, int y, int w, int h)
{
	for (int i = 0; i < w; i++) {
		uint32_t col = render_gradient_at(&s->heat,
						  w > 1 ? (double)i / (w - 1) : 0);
		canvas_fill(c, x + i, y, 1, h, col);
	}
	canvas_rect(c, x - 1, y - 1, w + 2, h + 2, 1, s->muted);
}

/* A step of 1, 2 or 5 x 10^k giving about `target` intervals. */
static double nice_step(double range, int target)
{
	if (!(range > 0))
		return 1.0;
	double raw = range / target;
	double mag = pow(10.0, floor(log10(raw)));
	double f = raw / mag;
	double step = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
	return step * mag;
}

/* --- the channel heatmap ------------------------------------------------ */

#define HEAT_ROW_PITCH 18
#define HEAT_CELL_H 15
#define HEAT_RIGHT_W 96
#define HEAT_AXIS_H 48
#define LEGEND_H 72

struct heat_geom {
	int label_x, label_w;   /* layer-name column */
	int x0, pw, maxch;      /* plot */
	int y0;
	int w, h;
};

static int heat_label_w(const char *const *names, int n)
{
	int w = canvas_text_estimate("layer", LABEL_SIZE);
	for (int i = 0; i < n; i++)
		if (names[i] && canvas_text_estimate(names[i], LABEL_SIZE) > w)
			w = canvas_text_estimate(names[i], LABEL_SIZE);
	return w + 12;
}

static void heat_geom(const struct render_heatmap *h, struct heat_geom *g)
{
	int lw = canvas_text_estimate("layer", LABEL_SIZE);
	g->maxch = 1;
	for (int i = 0; i < h->n_rows; i++) {
		if (h->rows[i].name && canvas_text_estimate(h->rows[i].name, LABEL_SIZE) > lw)
			lw = canvas_text_estimate(h->rows[i].name, LABEL_SIZE);
		if (h->rows[i].channels > g->maxch)
			g->maxch = h->rows[i].channels;
	}
	g->label_x = MARGIN + AXIS_LABEL_W;
	g->label_w = lw + 12;
	g->x0 = g->label_x + g->label_w;
	int per = 960 / g->maxch;
	if (per > 24)
		per = 24;
	g->pw = per >= 1 ? per * g->maxch : 960;
	if (g->pw < 360)
		g->pw = 360 / g->maxch * g->maxch;
	g->y0 = HEADER_H + 8;
	g->w = g->x0 + g->pw + HEAT_RIGHT_W + MARGIN;
	if (g->w < 720)
		g->w = 720;
	g->h = g->y0 + h->n_rows * HEAT_ROW_PITCH + HEAT_AXIS_H + LEGEND_H + MARGIN;
}

static int heat_cx(const struct heat_geom *g, int c)
{
	return g->x0 + (int)((long)c * g->pw / g->maxch);
}

void render_heatmap_size(const struct render_heatmap *h, int *w, int *hgt)
{
	struct heat_geom g;
	heat_geom(h, &g);
	*w = g.w;
	*hgt = g.h;
}

void render_heatmap_cell(const struct render_heatmap *h, int row, int channel,
			 int *x, int *y)
{
	struct heat_geom g;
	heat_geom(h, &g);
	*x = (heat_cx(&g, channel) + heat_cx(&g, channel + 1) - 1) / 2;
	*y = g.y0 + row * HEAT_ROW_PITCH + HEAT_CELL_H / 2;
}

/* Axis ticks along a channel axis [0, maxch]. */
static void heat_axis(struct canvas *c, const struct render_style *s,
		      const struct heat_geom *g, int y)
{
	canvas_fill(c, g->x0, y, g->pw, 1, s->muted);
	double step = nice_step(g->maxch, 8);
	if (step < 1)
		step = 1;
	for (double v = 0; v <= g->maxch + 1e-9; v += step) {
		int x = heat_cx(g, (int)v);
		canvas_fill(c, x, y, 1, 5, s->muted);
		char buf[32];
		snprintf(buf, sizeof buf, "%d", (int)v);
		canvas_text(c, x, y + 17, buf, TICK_SIZE, false, s->fg, CANVAS_ALIGN_CENTER);
	}
}

static void legend_caption(struct canvas *c, const struct render_style *s,
			   int x, int y, const char *t)
{
	canvas_text(c, x, y, t, LABEL_SIZE, false, s->fg, CANVAS_ALIGN_LEFT);
}

enum eng_status render_heatmap_write(const struct render_heatmap *h,
				     const struct render_style *s, const char *path,
				     const struct eng_warn *warn, struct eng_err *err)
{
	if (h->n_rows < 1 || !(h->hi > h->lo))
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "render: a heatmap needs rows and a range lo < hi");
	for (int i = 0; i < h->n_rows; i++)
		if (h->rows[i].channels < 1 || !h->rows[i].value)
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "render: heatmap row %d has no channels", i);
	struct heat_geom g;
	heat_geom(h, &g);
	struct canvas cv;
	enum eng_status st = render_canvas_open(&cv, g.w, g.h, s, warn, err);
	if (st != ENG_STATUS_OK)
		return st;
	render_header(&cv, s, h->title, h->subtitle);
	int plot_h = h->n_rows * HEAT_ROW_PITCH;
	canvas_fill(&cv, g.x0 - 2, g.y0 - 2, g.pw + 4, plot_h + 2, s->panel);
	canvas_text(&cv, g.x0 + g.pw + 10, g.y0 - 6, "channels", TICK_SIZE, false,
		s->muted, CANVAS_ALIGN_LEFT);
	bool any_removed = false;
	for (int r = 0; r < h->n_rows; r++) {
		const struct render_heat_row *row = &h->rows[r];
		int y = g.y0 + r * HEAT_ROW_PITCH;
		int kept = 0;
		for (int ch = 0; ch < row->channels; ch++) {
			double t = (row->value[ch] - h->lo) / (h->hi - h->lo);
			uint32_t col = render_gradient_at(&s->heat, t);
			int x = heat_cx(&g, ch), w = heat_cx(&g, ch + 1) - x;
			bool keep = !row->kept || row->kept[ch];
			kept += keep;
			if (keep) {
				canvas_fill(&cv, x, y, w, HEAT_CELL_H, col);
				continue;
			}
			/* Removed: the value stays faintly visible under a
			 * hatch so the plan's choice can be checked. */
			any_removed = true;
			uint32_t dark = canvas_rgb_mix(col, s->bg, 0.72);
			for (int j = 0; j < HEAT_CELL_H; j++)
				for (int i = 0; i < w; i++)
					canvas_blend(&cv, x + i, y + j,
						 ((x + i + y + j) % 4 == 0) ? s->muted : dark,
						 255);
		}
		if (row->name)
			canvas_text(&cv, g.x0 - 8, y + HEAT_CELL_H - 3, row->name,
				LABEL_SIZE, false, s->fg, CANVAS_ALIGN_RIGHT);
		char buf[64];
		if (kept != row->channels)
			snprintf(buf, sizeof buf, "%d \xe2\x86\x92 %d", row->channels, kept);
		else
			snprintf(buf, sizeof buf, "%d", row->channels);
		canvas_text(&cv, g.x0 + g.pw + 10, y + HEAT_CELL_H - 3, buf, LABEL_SIZE,
			kept != row->channels, kept != row->channels ? s->accent : s->muted,
			CANVAS_ALIGN_LEFT);
	}
	int ay = g.y0 + plot_h + 2;
	heat_axis(&cv, s, &g, ay);
	canvas_text(&cv, g.x0 + g.pw / 2, ay + 38, "output channel", LABEL_SIZE, true,
		s->fg, CANVAS_ALIGN_CENTER);
	canvas_text_at(&cv, MARGIN + 12, g.y0 + plot_h / 2, "layer", LABEL_SIZE, true,
		s->fg, CANVAS_ALIGN_CENTER, true);

	/* Legend: the colour bar, then the kept / removed swatches. */
	int ly = ay + HEAT_AXIS_H + 8;
	int lx = g.label_x;
	legend_caption(&cv, s, lx, ly + 10, h->legend ? h->legend : "value");
	render_gradient_bar(&cv, s, lx, ly + 18, 280, 14);
	char lo[32], mid[32], hi[32];
	snprintf(lo, sizeof lo, "%g", h->lo);
	snprintf(mid, sizeof mid, "%g", (h->lo + h->hi) / 2);
	snprintf(hi, sizeof hi, "%g", h->hi);
	canvas_text(&cv, lx, ly + 48, lo, TICK_SIZE, false, s->fg, CANVAS_ALIGN_LEFT);
	canvas_text(&cv, lx + 140, ly + 48, mid, TICK_SIZE, false, s->fg,
		CANVAS_ALIGN_CENTER);
	canvas_text(&cv, lx + 280, ly + 48, hi, TICK_SIZE, false, s->fg,
		CANVAS_ALIGN_RIGHT);
	int sx = lx + 320;
	canvas_fill(&cv, sx, ly + 18, 28, 14, render_gradient_at(&s->heat, 0.75));
	canvas_text(&cv, sx + 36, ly + 30, "kept", LABEL_SIZE, false, s->fg,
		CANVAS_ALIGN_LEFT);
	if (any_removed) {
		int rx = sx + 90;
		uint32_t dark = canvas_rgb_mix(render_gradient_at(&s->heat, 0.75),
					       s->bg, 0.72);
		for (int j = 0; j < 14; j++)
			for (int i = 0; i < 28; i++)
				canvas_blend(&cv, rx + i, ly + 18 + j,
					 ((rx + i + ly + 18 + j) % 4 == 0) ? s->muted : dark,
					 255);
		canvas_text(&cv, rx + 36, ly + 30, "removed by the plan", LABEL_SIZE,
			false, s->fg, CANVAS_ALIGN_LEFT);
	}
	st = canvas_save_png(&cv, h->title, path, err);
	canvas_close(&cv);
	return st;
}

enum eng_status render_heatmap_png(const struct render_heatmap *h,
				   const struct render_style *s, const char *path,
				   char *warning, size_t warning_len,
				   struct eng_err *err)
{
	if (warning && warning_len)
		warning[0] = '\0';
	struct eng_warn_last last = { warning, warning_len };
	struct eng_warn sink = { eng_warn_last_keep, &last };
	return render_heatmap_write(h, s, path, &sink, err);
}

/* --- sensitivity: layers x sparsity ------------------------------------ */

#define SENS_COL_W 84
#define SENS_ROW_PITCH 20
#define SENS_CELL_H 18

struct sens_geom {
	int label_x, label_w, x0, pw, y0, w, h;
};

static void sens_geom(const struct render_sensitivity *sv, struct sens_geom *g)
{
	g->label_x = MARGIN + AXIS_LABEL_W;
	g->label_w = heat_label_w(sv->names, sv->n_rows);
	g->x0 = g->label_x + g->label_w;
	g->pw = RENDER_SENS_COLUMNS * SENS_COL_W;
	g->y0 = HEADER_H + 8;
	g->w = g->x0 + g->pw + MARGIN + 16;
	if (g->w < 720)
		g->w = 720;
	g->h = g->y0 + sv->n_rows * SENS_ROW_PITCH + HEAT_AXIS_H + LEGEND_H + MARGIN;
}

void render_sensitivity_size(const struct render_sensitivity *sv, int *w, int *hgt)
{
	struct sens_geom g;
	sens_geom(sv, &g);
	*w = g.w;
	*hgt = g.h;
}

void render_sensitivity_cell(const struct render_sensitivity *sv, int row, int col,
			     int *x, int *y)
{
	struct sens_geom g;
	sens_geom(sv, &g);
	/* Left of the centred figure and inside the tau outline. */
	*x = g.x0 + col * SENS_COL_W + 6;
	*y = g.y0 + row * SENS_ROW_PITCH + SENS_CELL_H / 2;
}

enum eng_status render_sensitivity_write(const struct render_sensitivity *sv,
					 const struct render_style *s,
					 const char *path, const struct eng_warn *warn,
					 struct eng_err *err)
{
	if (sv->n_rows < 1 || !sv->density || !sv->names)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "render: a sensitivity chart needs rows");
	struct sens_geom g;
	sens_geom(sv, &g);
	struct canvas cv;
	enum eng_status st = render_canvas_open(&cv, g.w, g.h, s, warn, err);
	if (st != ENG_STATUS_OK)
		return st;
	render_header(&cv, s, sv->title, sv->subtitle);
	int plot_h = sv->n_rows * SENS_ROW_PITCH;
	bool any_tau = false;
	for (int r = 0; r < sv->n_rows; r++) {
		int y = g.y0 + r * SENS_ROW_PITCH;
		for (int k = 0; k < RENDER_SENS_COLUMNS; k++) {
			double d = sv->density[(size_t)r * RENDER_SENS_COLUMNS + (size_t)k];
			int x = g.x0 + k * SENS_COL_W;
			if (d < 0) {
				canvas_fill(&cv, x, y, SENS_COL_W - 2, SENS_CELL_H, s->panel);
				continue;
			}
			uint32_t col = render_gradient_at(&s->heat, render_density_t(d));
			canvas_fill(&cv, x, y, SENS_COL_W - 2, SENS_CELL_H, col);
			if (sv->tau >= 0 && d <= sv->tau) {
				canvas_rect(&cv, x, y, SENS_COL_W - 2, SENS_CELL_H, 2, s->fg);
				any_tau = true;
			}
			char buf[32];
			if (d >= 0.0995)
				snprintf(buf, sizeof buf, "%.2f", d);
			else
				snprintf(buf, sizeof buf, "%.3f", d);
			uint32_t ink = canvas_rgb_luma(col) > 0.5 ? 0x111111 : 0xf2f2f2;
			canvas_text(&cv, x + (SENS_COL_W - 2) / 2, y + SENS_CELL_H - 5, buf,
				TICK_SIZE, false, ink, CANVAS_ALIGN_CENTER);
		}
		canvas_text(&cv, g.x0 - 8, y + SENS_CELL_H - 4, sv->names[r], LABEL_SIZE,
			false, s->fg, CANVAS_ALIGN_RIGHT);
	}
	int ay = g.y0 + plot_h + 2;
	canvas_fill(&cv, g.x0, ay, g.pw, 1, s->muted);
	for (int k = 0; k < RENDER_SENS_COLUMNS; k++) {
		char buf[32];
		snprintf(buf, sizeof buf, "%.8g", render_sens_sparsity(k));
		int x = g.x0 + k * SENS_COL_W + (SENS_COL_W - 2) / 2;
		canvas_fill(&cv, x, ay, 1, 5, s->muted);
		canvas_text(&cv, x, ay + 17, buf, TICK_SIZE, false, s->fg,
			CANVAS_ALIGN_CENTER);
	}
	canvas_text(&cv, g.x0 + g.pw / 2, ay + 38,
		"global sparsity s (fraction of weights removed)", LABEL_SIZE, true,
		s->fg, CANVAS_ALIGN_CENTER);
	canvas_text_at(&cv, MARGIN + 12, g.y0 + plot_h / 2, "layer", LABEL_SIZE, true,
		s->fg, CANVAS_ALIGN_CENTER, true);

	int ly = ay + HEAT_AXIS_H + 8;
	int lx = g.label_x;
	legend_caption(&cv, s, lx, ly + 10,
		       "layer density (kept fraction, log scale)");
	render_gradient_bar(&cv, s, lx, ly + 18, 300, 14);
	static const double ticks[] = { 0.001, 0.01, 0.1, 1.0 };
	for (int i = 0; i < 4; i++) {
		int x = lx + (int)lround(render_density_t(ticks[i]) * 299);
		char buf[16];
		snprintf(buf, sizeof buf, "%g", ticks[i]);
		canvas_fill(&cv, x, ly + 33, 1, 4, s->fg);
		canvas_text(&cv, x, ly + 48, buf, TICK_SIZE, false, s->fg,
			i == 0 ? CANVAS_ALIGN_LEFT :
			i == 3 ? CANVAS_ALIGN_RIGHT : CANVAS_ALIGN_CENTER);
	}
	if (any_tau) {
		int sx = lx + 340;
		canvas_fill(&cv, sx, ly + 18, 28, 14, render_gradient_at(&s->heat, 0.2));
		canvas_rect(&cv, sx, ly + 18, 28, 14, 2, s->fg);
		char buf[96];
		snprintf(buf, sizeof buf, "density \xe2\x89\xa4 \xcf\x84 = %g", sv->tau);
		canvas_text(&cv, sx + 36, ly + 30, buf, LABEL_SIZE, false, s->fg,
			CANVAS_ALIGN_LEFT);
	}
	st = canvas_save_png(&cv, sv->title, path, err);
	canvas_close(&cv);
	return st;
}

/* --- group probe: groups x ratio ----------------------------------------- */

#define PROBE_COL_W 96

static void probe_geom(const struct render_probe *p, struct sens_geom *g)
{
	g->label_x = MARGIN + AXIS_LABEL_W;
	g->label_w = heat_label_w(p->names, p->n_rows);
	g->x0 = g->label_x + g->label_w;
	g->pw = p->n_cols * PROBE_COL_W;
	g->y0 = HEADER_H + 8;
	g->w = g->x0 + g->pw + MARGIN + 16;
	if (g->w < 720)
		g->w = 720;
	g->h = g->y0 + p->n_rows * SENS_ROW_PITCH + HEAT_AXIS_H + LEGEND_H + MARGIN;
}

void render_probe_size(const struct render_probe *p, int *w, int *hgt)
{
	struct sens_geom g;
	probe_geom(p, &g);
	*w = g.w;
	*hgt = g.h;
}

void render_probe_cell(const struct render_probe *p, int row, int col, int *x, int *y)
{
	struct sens_geom g;
	probe_geom(p, &g);
	*x = g.x0 + col * PROBE_COL_W + 6;
	*y = g.y0 + row * SENS_ROW_PITCH + SENS_CELL_H / 2;
}

enum eng_status render_probe_write(const struct render_probe *p,
				   const struct render_style *s, const char *path,
				   const struct eng_warn *warn, struct eng_err *err)
{
	if (p->n_rows < 1 || p->n_cols < 1 || p->n_cols > 8 || !p->value || !p->names ||
	    !p->col_labels)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "render: a probe chart needs rows and 1..8 columns");
	struct sens_geom g;
	probe_geom(p, &g);
	struct canvas cv;
	enum eng_status st = render_canvas_open(&cv, g.w, g.h, s, warn, err);
	if (st != ENG_STATUS_OK)
		return st;
	render_header(&cv, s, p->title, p->subtitle);
	int plot_h = p->n_rows * SENS_ROW_PITCH;
	for (int r = 0; r < p->n_rows; r++) {
		int y = g.y0 + r * SENS_ROW_PITCH;
		for (int k = 0; k < p->n_cols; k++) {
			double v = p->value[(size_t)r * (size_t)p->n_cols + (size_t)k];
			int x = g.x0 + k * PROBE_COL_W;
			if (!(v >= 0)) {
				canvas_fill(&cv, x, y, PROBE_COL_W - 2, SENS_CELL_H, s->panel);
				continue;
			}
			uint32_t col = render_gradient_at(&s->heat, v);
			canvas_fill(&cv, x, y, PROBE_COL_W - 2, SENS_CELL_H, col);
			char buf[32];
			snprintf(buf, sizeof buf, "%.1f%%", 100.0 * v);
			uint32_t ink = canvas_rgb_luma(col) > 0.5 ? 0x111111 : 0xf2f2f2;
			canvas_text(&cv, x + (PROBE_COL_W - 2) / 2, y + SENS_CELL_H - 5, buf,
				    TICK_SIZE, false, ink, CANVAS_ALIGN_CENTER);
		}
		canvas_text(&cv, g.x0 - 8, y + SENS_CELL_H - 4, p->names[r], LABEL_SIZE,
			    false, s->fg, CANVAS_ALIGN_RIGHT);
	}
	int ay = g.y0 + plot_h + 2;
	canvas_fill(&cv, g.x0, ay, g.pw, 1, s->muted);
	for (int k = 0; k < p->n_cols; k++) {
		int x = g.x0 + k * PROBE_COL_W + (PROBE_COL_W - 2) / 2;
		canvas_fill(&cv, x, ay, 1, 5, s->muted);
		canvas_text(&cv, x, ay + 17, p->col_labels[k], TICK_SIZE, false, s->fg,
			    CANVAS_ALIGN_CENTER);
	}
	canvas_text(&cv, g.x0 + g.pw / 2, ay + 38, "channels of the group removed",
		    LABEL_SIZE, true, s->fg, CANVAS_ALIGN_CENTER);
	canvas_text_at(&cv, MARGIN + 12, g.y0 + plot_h / 2, "group", LABEL_SIZE, true,
		       s->fg, CANVAS_ALIGN_CENTER, true);
	int ly = ay + HEAT_AXIS_H + 8;
	int lx = g.label_x;
	char cap[96];
	if (p->reference >= 0)
		snprintf(cap, sizeof cap, "quick-eval accuracy (dense model: %.1f%%)",
			 100.0 * p->reference);
	else
		snprintf(cap, sizeof cap, "quick-eval accuracy");
	legend_caption(&cv, s, lx, ly + 10, cap);
	render_gradient_bar(&cv, s, lx, ly + 18, 300, 14);
	static const char *const ticks[] = { "0%", "50%", "100%" };
	for (int i = 0; i < 3; i++) {
		int x = lx + i * 149;
		canvas_fill(&cv, x, ly + 33, 1, 4, s->fg);
		canvas_text(&cv, x, ly + 48, ticks[i], TICK_SIZE, false, s->fg,
			    i == 0 ? CANVAS_ALIGN_LEFT :
			    i == 2 ? CANVAS_ALIGN_RIGHT : CANVAS_ALIGN_CENTER);
	}
	st = canvas_save_png(&cv, p->title, path, err);
	canvas_close(&cv);
	return st;
}

/* --- trade-off ------------------------------------------------------------ */

#define TR_PLOT_W 440
#define TR_PLOT_H 320
#define TR_LEFT 64
#define TR_GAP 40
#define TR_BOTTOM 52
#define TR_LEGEND_ROW 22

static int tr_legend_rows(const struct render_tradeoff *t)
{
	return ((t->n_series > 0 ? t->n_series : t->n) + 3) / 4;
}

static uint32_t tr_colour(const struct render_style *s, const struct render_tradeoff *t,
			  int i)
{
	int k = t->n_series > 0 ? t->points[i].series : i;
	return s->series[(k < 0 ? 0 : k) % 6];
}

static double tr_x(const struct render_point *p, int which)
{
	return which == 0 ? p->latency_ms : p->params;
}

/* Join each series' points in x order (series_line: all of them, none,
 * or the panel's Pareto front of them). */
static void tr_lines(struct canvas *c, const struct render_style *s,
		     const struct render_tradeoff *t, int which, int px, int py,
		     double xhi, double ylo, double yhi)
{
	bool *on = malloc((size_t)t->n * sizeof *on);
	double *cost = malloc((size_t)t->n * 2 * sizeof *cost);
	if (!on || !cost) {
		free(on);
		free(cost);
		return;
	}
	double *acc = cost + t->n;
	for (int k = 0; k < t->n_series; k++) {
		enum render_line how = t->series_line ? t->series_line[k] : RENDER_LINE_JOIN;
		if (how == RENDER_LINE_NONE)
			continue;
		for (int i = 0; i < t->n; i++) {
			const struct render_point *p = &t->points[i];
			bool mine = p->series == k;
			cost[i] = mine ? tr_x(p, which) : NAN;
			acc[i] = mine ? p->accuracy : NAN;
			on[i] = mine;
		}
		if (how == RENDER_LINE_FRONT)
			pareto_front(cost, acc, (size_t)t->n, on);
		double last_x = -INFINITY, lx = 0, ly = 0;
		bool have = false;
		for (;;) {
			/* the next point of series k to the right of last_x */
			int best = -1;
			for (int i = 0; i < t->n; i++) {
				const struct render_point *p = &t->points[i];
				double x = tr_x(p, which);
				if (!on[i] || !isfinite(x) || !isfinite(p->accuracy) ||
				    !(x > last_x))
					continue;
				if (best < 0 || x < tr_x(&t->points[best], which))
					best = i;
			}
			if (best < 0)
				break;
			const struct render_point *p = &t->points[best];
			last_x = tr_x(p, which);
			double fx = px + last_x / xhi * TR_PLOT_W;
			double fy = py + TR_PLOT_H - (100 * p->accuracy - ylo) / (yhi - ylo) * TR_PLOT_H;
			if (have)
				canvas_line(c, lx, ly, fx, fy, 2.0, s->series[k % 6]);
			lx = fx;
			ly = fy;
			have = true;
		}
	}
	free(on);
	free(cost);
}

void render_tradeoff_size(const struct render_tradeoff *t, int *w, int *hgt)
{
	*w = MARGIN + 2 * (TR_LEFT + TR_PLOT_W) + TR_GAP + MARGIN;
	*hgt = HEADER_H + 16 + TR_PLOT_H + TR_BOTTOM + 12 +
	       tr_legend_rows(t) * TR_LEGEND_ROW + MARGIN;
}

static void fmt_count(double v, char *buf, size_t len)
{
	if (fabs(v) >= 1e6)
		snprintf(buf, len, "%gM", v / 1e6);
	else if (fabs(v) >= 1e3)
		snprintf(buf, len, "%gk", v / 1e3);
	else
		snprintf(buf, len, "%g", v);
}

struct tr_axis {
	double lo, hi;
};

/* One panel: x from field 0 (latency) or 1 (params), y accuracy in %. */
static void tr_panel(struct canvas *c, const struct render_style *s,
		     const struct render_tradeoff *t, int which, int px, int py,
		     struct tr_axis ya)
{
	canvas_fill(c, px, py, TR_PLOT_W, TR_PLOT_H, s->panel);
	double xmax = 0;
	int have = 0;
	for (int i = 0; i < t->n; i++) {
		const struct render_point *p = &t->points[i];
		double x = which == 0 ? p->latency_ms : p->params;
		double xh = which == 0 && isfinite(p->latency_hi) ? p->latency_hi : x;
		if (!isfinite(x) || !isfinite(p->accuracy))
			continue;
		have++;
		if (xh > xmax)
			xmax = xh;
		if (x > xmax)
			xmax = x;
	}
	const char *xlabel = which == 0 ? "latency, batch 1 (ms, median; bars p10-p90)"
					: "parameters (non-zero)";
	canvas_text(c, px + TR_PLOT_W / 2, py + TR_PLOT_H + 42, xlabel, LABEL_SIZE,
		true, s->fg, CANVAS_ALIGN_CENTER);
	/* y grid and ticks (shared range) */
	double ystep = nice_step(ya.hi - ya.lo, 6);
	for (double v = ceil(ya.lo / ystep) * ystep; v <= ya.hi + 1e-9; v += ystep) {
		int y = py + TR_PLOT_H - (int)lround((v - ya.lo) / (ya.hi - ya.lo) * TR_PLOT_H);
		canvas_fill(c, px, y, TR_PLOT_W, 1, canvas_rgb_mix(s->panel, s->muted, 0.35));
		char buf[32];
		snprintf(buf, sizeof buf, "%g", v);
		canvas_text(c, px - 6, y + 4, buf, TICK_SIZE, false, s->fg,
			CANVAS_ALIGN_RIGHT);
	}
	canvas_text_at(c, px - 44, py + TR_PLOT_H / 2,
		t->y_label ? t->y_label : "quick-eval accuracy (%)",
		LABEL_SIZE, true, s->fg, CANVAS_ALIGN_CENTER, true);
	canvas_fill(c, px, py + TR_PLOT_H, TR_PLOT_W, 1, s->muted);
	canvas_fill(c, px, py, 1, TR_PLOT_H, s->muted);
	if (!have) {
		canvas_text(c, px + TR_PLOT_W / 2, py + TR_PLOT_H / 2,
			which == 0 ? "latency not measured" : "no points", LABEL_SIZE,
			false, s->muted, CANVAS_ALIGN_CENTER);
		return;
	}
	if (!(xmax > 0))
		xmax = 1;
	double xstep = nice_step(xmax, 6);
	double xhi = ceil(xmax * 1.08 / xstep) * xstep;
	for (double v = 0; v <= xhi + 1e-9 * xhi; v += xstep) {
		int x = px + (int)lround(v / xhi * TR_PLOT_W);
		canvas_fill(c, x, py, 1, TR_PLOT_H, canvas_rgb_mix(s->panel, s->muted, 0.35));
		canvas_fill(c, x, py + TR_PLOT_H, 1, 5, s->muted);
		char buf[32];
		if (which == 1)
			fmt_count(v, buf, sizeof buf);
		else
			snprintf(buf, sizeof buf, "%g", v);
		canvas_text(c, x, py + TR_PLOT_H + 18, buf, TICK_SIZE, false, s->fg,
			CANVAS_ALIGN_CENTER);
	}
	tr_lines(c, s, t, which, px, py, xhi, ya.lo, ya.hi);
	for (int i = 0; i < t->n; i++) {
		const struct render_point *p = &t->points[i];
		double xv = which == 0 ? p->latency_ms : p->params;
		if (!isfinite(xv) || !isfinite(p->accuracy))
			continue;
		uint32_t col = tr_colour(s, t, i);
		double fx = px + xv / xhi * TR_PLOT_W;
		double fy = py + TR_PLOT_H - (100 * p->accuracy - ya.lo) / (ya.hi - ya.lo) * TR_PLOT_H;
		if (isfinite(p->acc_lo) && isfinite(p->acc_hi)) {
			int y1 = py + TR_PLOT_H - (int)lround((100 * p->acc_hi - ya.lo) / (ya.hi - ya.lo) * TR_PLOT_H);
			int y2 = py + TR_PLOT_H - (int)lround((100 * p->acc_lo - ya.lo) / (ya.hi - ya.lo) * TR_PLOT_H);
			canvas_fill(c, (int)fx, y1, 1, y2 - y1 + 1, col);
			canvas_fill(c, (int)fx - 4, y1, 9, 1, col);
			canvas_fill(c, (int)fx - 4, y2, 9, 1, col);
		}
		if (which == 0 && isfinite(p->latency_lo) && isfinite(p->latency_hi)) {
			int x1 = px + (int)lround(p->latency_lo / xhi * TR_PLOT_W);
			int x2 = px + (int)lround(p->latency_hi / xhi * TR_PLOT_W);
			canvas_fill(c, x1, (int)fy, x2 - x1 + 1, 1, col);
			canvas_fill(c, x1, (int)fy - 4, 1, 9, col);
			canvas_fill(c, x2, (int)fy - 4, 1, 9, col);
		}
		canvas_disc(c, fx, fy, 5.5, s->bg);
		canvas_disc(c, fx, fy, 4.5, col);
		if (p->label) {
			bool left = fx > px + TR_PLOT_W * 0.7;
			canvas_text(c, (int)fx + (left ? -9 : 9), (int)fy - 7, p->label,
				t->n_series > 0 ? TICK_SIZE : LABEL_SIZE, false, col,
				left ? CANVAS_ALIGN_RIGHT : CANVAS_ALIGN_LEFT);
		}
	}
}

enum eng_status render_tradeoff_write(const struct render_tradeoff *t,
				      const struct render_style *s, const char *path,
				      const struct eng_warn *warn, struct eng_err *err)
{
	if (t->n < 1 || !t->points)
		return eng_err_set(err, ENG_STATUS_EINVAL,
				   "render: a trade-off chart needs points");
	int w, h;
	render_tradeoff_size(t, &w, &h);
	struct canvas cv;
	enum eng_status st = render_canvas_open(&cv, w, h, s, warn, err);
	if (st != ENG_STATUS_OK)
		return st;
	render_header(&cv, s, t->title, t->subtitle);
	struct tr_axis ya = { 100, 0 };
	for (int i = 0; i < t->n; i++) {
		const struct render_point *p = &t->points[i];
		if (!isfinite(p->accuracy))
			continue;
		double lo = isfinite(p->acc_lo) ? p->acc_lo : p->accuracy;
		double hi = isfinite(p->acc_hi) ? p->acc_hi : p->accuracy;
		if (100 * lo < ya.lo)
			ya.lo = 100 * lo;
		if (100 * hi > ya.hi)
			ya.hi = 100 * hi;
	}
	if (!(ya.hi > ya.lo)) {
		ya.lo = ya.hi > ya.lo ? ya.lo : (ya.hi < 100 ? ya.hi : 0) - 5;
		ya.hi = ya.lo + 10;
	}
	double ystep = nice_step(ya.hi - ya.lo, 6);
	ya.lo = floor((ya.lo - ystep * 0.3) / ystep) * ystep;
	ya.hi = ceil((ya.hi + ystep * 0.3) / ystep) * ystep;
	if (ya.lo < 0)
		ya.lo = 0;
	if (ya.hi > 100)
		ya.hi = 100;
	int py = HEADER_H + 16;
	int px0 = MARGIN + TR_LEFT;
	tr_panel(&cv, s, t, 0, px0, py, ya);
	tr_panel(&cv, s, t, 1, px0 + TR_PLOT_W + TR_GAP + TR_LEFT, py, ya);
	int ly = py + TR_PLOT_H + TR_BOTTOM + 12;
	for (int k = 0; k < t->n_series; k++) {
		int x = px0 + (k % 4) * 240;
		int y = ly + (k / 4) * TR_LEGEND_ROW;
		canvas_line(&cv, x, y + 6, x + 14, y + 6, 2.0, s->series[k % 6]);
		canvas_disc(&cv, x + 7, y + 6, 4, s->series[k % 6]);
		canvas_text(&cv, x + 22, y + 10, t->series_names[k], LABEL_SIZE, false,
			s->fg, CANVAS_ALIGN_LEFT);
	}
	for (int i = 0; i < t->n && t->n_series == 0; i++) {
		int x = px0 + (i % 4) * 240;
		int y = ly + (i / 4) * TR_LEGEND_ROW;
		canvas_disc(&cv, x + 6, y + 6, 5, s->series[i % 6]);
		char buf[160];
		const struct render_point *p = &t->points[i];
		if (isfinite(p->accuracy))
			snprintf(buf, sizeof buf, "%s  %.1f%%", p->label ? p->label : "?",
				 100 * p->accuracy);
		else
			snprintf(buf, sizeof buf, "%s", p->label ? p->label : "?");
		canvas_text(&cv, x + 18, y + 10, buf, LABEL_SIZE, false, s->fg,
			CANVAS_ALIGN_LEFT);
	}
	st = canvas_save_png(&cv, t->title, path, err);
	canvas_close(&cv);
	return st;
}
