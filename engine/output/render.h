/* render.h: PNG pictures for slides and reviews: the channel heatmap, the
 * layers x sparsity sensitivity chart, the groups x ratio probe chart and
 * the accuracy trade-off chart.
 *
 * Pixels are drawn into an RGB canvas (output/canvas.h) and encoded with
 * libpng; text is rasterised with FreeType from a TrueType font (DejaVu
 * Sans).  The font is style->font when that is set (and then ONLY that
 * file: tests point it at nothing to check the fallback), else
 * DejaVuSans.ttf in the first directory of style->font_dirs
 * (colon-separated) that has it; the bold face is DejaVuSans-Bold.ttf
 * beside it, or the regular one.  The engine reads no environment and has
 * no font directory of its own: the front end resolves both
 * ($RECONVENE_FONT, its FONT_DIRS) and puts them in the style it passes
 * (tui/cli/render_style.c).  Without a usable font the picture is still
 * written, without any text, and a warning line says so through the
 * caller's struct eng_warn (base/warn.h): the engine never prints, the
 * caller shows the warning.
 *
 * Layout does not depend on the font (widths of text are estimated from
 * character counts), so an image has the same size and its cells the same
 * place with or without text; render_heatmap_cell and
 * render_sensitivity_cell give a pixel inside a cell that no text or
 * outline covers (for tests).
 *
 * Colours are plain 0xRRGGBB numbers: the caller resolves its theme (the
 * TUI's theme.h, truecolor tier) into a struct render_style.  A value t in
 * [0, 1] is coloured by render_gradient_at: linear interpolation between
 * the gradient's n steps, step i at t = i / (n - 1), channels rounded to
 * the nearest integer.
 *
 * Files are written atomically (fileio.h).  Errors: EINVAL for empty or
 * inconsistent input, ENOMEM, EIO (with the path) for the file.
 *
 * Owns: nothing after return; inputs are borrowed for the call.  Thread
 * rules: reentrant (each call has its own FreeType library instance).
 *
 *   struct render_style st;
 *   render_style_default(&st);
 *   struct eng_warn warn = { print_warning, NULL };
 *   if (render_heatmap_write(&h, &st, "heat.png", &warn, &err)) ...;
 */
#ifndef RECONVENE_RENDER_H
#define RECONVENE_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "base/warn.h"
#include "score/sensitivity.h"

#define RENDER_GRADIENT_MAX 64
#define RENDER_WARNING_MAX 256   /* render_heatmap_png's buffer */

/* The sparsities of the sensitivity chart: score/sensitivity.h's ladder,
 * s = 1 - 2^-k, k = 1..8, i.e. 0.5, 0.75, ..., 0.99609375. */
#define RENDER_SENS_COLUMNS SCORE_SENS_N

struct render_gradient {
	int n;                               /* 1..RENDER_GRADIENT_MAX */
	uint32_t rgb[RENDER_GRADIENT_MAX];   /* lowest first */
};

struct render_style {
	uint32_t bg;        /* page */
	uint32_t fg;        /* text, axes */
	uint32_t muted;     /* secondary text, grid, hatching */
	uint32_t accent;    /* titles, highlights */
	uint32_t panel;     /* plot area background */
	uint32_t series[6]; /* point colours of the trade-off chart */
	struct render_gradient heat;
	const char *font;   /* a .ttf file, the only one tried; NULL: search
			     * font_dirs (see the top of this file) */
	const char *font_dirs; /* colon-separated directories holding
				* DejaVuSans.ttf; NULL: none */
};

/* The default theme's colours on a dark page; no font (font and
 * font_dirs NULL: the caller sets them). */
void render_style_default(struct render_style *s);

/* Colour for t (clamped to [0, 1]; NaN = 0), see the top of this file. */
uint32_t render_gradient_at(const struct render_gradient *g, double t);

/* The sparsity of sensitivity column k (0-based): score_sens_sparsity[k],
 * 1 - 2^-(k + 1). */
double render_sens_sparsity(int k);

/* --- channel heatmap: layers x output channels ------------------------ */
struct render_heat_row {
	const char *name;       /* layer name */
	int channels;           /* > 0 */
	const float *value;     /* channels values, coloured over [lo, hi] */
	const uint8_t *kept;    /* NULL = all kept; else 1 = kept, 0 = removed
				 * (drawn darkened and hatched) */
};

struct render_heatmap {
	const char *title;
	const char *subtitle;   /* may be NULL */
	const char *legend;     /* the colour bar's caption */
	double lo, hi;          /* value range, lo < hi */
	int n_rows;
	const struct render_heat_row *rows;
};

/* Write the heatmap to path; warn (NULL: dropped) gets the warnings. */
enum eng_status render_heatmap_write(const struct render_heatmap *h,
				     const struct render_style *s, const char *path,
				     const struct eng_warn *warn, struct eng_err *err);
/* The same with the last warning in a buffer ("" if none): a convenience
 * over render_heatmap_write with an eng_warn_last sink. */
enum eng_status render_heatmap_png(const struct render_heatmap *h,
				   const struct render_style *s, const char *path,
				   char *warning, size_t warning_len,
				   struct eng_err *err);
/* Image size and a pixel inside cell (row, channel). */
void render_heatmap_size(const struct render_heatmap *h, int *w, int *hgt);
void render_heatmap_cell(const struct render_heatmap *h, int row, int channel,
			 int *x, int *y);

/* --- sensitivity: layers x sparsity, coloured by density ---------------- */
struct render_sensitivity {
	const char *title;
	const char *subtitle;   /* may be NULL */
	int n_rows;
	const char *const *names;   /* n_rows layer names */
	const double *density;  /* n_rows x RENDER_SENS_COLUMNS, row-major, in
				 * [0, 1]; the colour is log10 scaled over
				 * [0.001, 1] */
	double tau;             /* cells with density <= tau are outlined;
				 * < 0: none */
};

enum eng_status render_sensitivity_write(const struct render_sensitivity *sv,
					 const struct render_style *s,
					 const char *path, const struct eng_warn *warn,
					 struct eng_err *err);
void render_sensitivity_size(const struct render_sensitivity *sv, int *w, int *hgt);
void render_sensitivity_cell(const struct render_sensitivity *sv, int row, int col,
			     int *x, int *y);
/* The gradient position of a density (the log scale above). */
double render_density_t(double density);

/* --- group probe: groups x pruning ratio, coloured by accuracy ---------- */

struct render_probe {
	const char *title;
	const char *subtitle;   /* may be NULL */
	int n_rows, n_cols;     /* groups; ratios (1..8) */
	const char *const *names;     /* n_rows group names */
	const char *const *col_labels;/* n_cols column titles ("-25%") */
	const double *value;    /* n_rows x n_cols accuracies in [0, 1],
				 * row-major, coloured linearly; < 0 or NaN:
				 * an empty cell */
	double reference;       /* the dense accuracy, named in the legend;
				 * < 0: none */
};

enum eng_status render_probe_write(const struct render_probe *p,
				   const struct render_style *s, const char *path,
				   const struct eng_warn *warn, struct eng_err *err);
void render_probe_size(const struct render_probe *p, int *w, int *hgt);
void render_probe_cell(const struct render_probe *p, int row, int col, int *x, int *y);

/* --- trade-off: accuracy against latency and against parameters --------- */
struct render_point {
	const char *label;      /* "dense", "unstructured", "plan 3", ... */
	double latency_ms;      /* NaN: not measured (left panel skips it) */
	double latency_lo, latency_hi;  /* spread (p10, p90); NaN: none */
	double params;          /* parameter count (non-zero for masked nets) */
	double accuracy;        /* in [0, 1]; NaN: not evaluated (skipped) */
	double acc_lo, acc_hi;  /* interval; NaN: none */
	int series;             /* with n_series > 0: which line it is on */
};

/* How a series' points are joined in each panel. */
enum render_line {
	RENDER_LINE_JOIN,  /* all of them, in x order (the default) */
	RENDER_LINE_NONE,  /* not at all: a scatter */
	RENDER_LINE_FRONT, /* the panel's Pareto front of them (fewest ms or
			    * params for the accuracy, pareto.h), in x order */
};

/* Without series (n_series 0) every point has its own colour and legend
 * entry.  With series, points take their series' colour, the points of a
 * series are joined by a line in x order in each panel (series_line says
 * otherwise), the legend lists the series, and point labels are drawn
 * small beside the points. */
struct render_tradeoff {
	const char *title;
	const char *subtitle;   /* may be NULL */
	int n;
	const struct render_point *points;
	int n_series;                     /* 0: no series */
	const char *const *series_names;  /* n_series names for the legend */
	const enum render_line *series_line; /* n_series, or NULL: all JOIN */
	const char *y_label;    /* NULL: "quick-eval accuracy (%)" */
};

enum eng_status render_tradeoff_write(const struct render_tradeoff *t,
				      const struct render_style *s, const char *path,
				      const struct eng_warn *warn, struct eng_err *err);
void render_tradeoff_size(const struct render_tradeoff *t, int *w, int *hgt);

#endif
