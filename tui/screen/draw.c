#include "config.h"

#include "screen/draw.h"
#include "screen/draw_tour.h"
#include "screen/bigtext.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <curses.h>

#include "screen/colors.h"
#include "screen/dialog.h"
#include "screen/paint.h"
#include "screen/pen.h"
#include "screen/cell.h"
#include "screen/draw_widths.h"
#include "screen/draw_criteria.h"
#include "screen/draw_probe.h"
#include "screen/draw_stability.h"
#include "screen/draw_history.h"
#include "theme/glyphs.h"
#include "explorer/heat.h"
#include "score/score.h"

/* ---- helpers on the data ------------------------------------------------ */

static const struct worker_scores *draw_scores(const struct app *a)
{
	const struct worker_snapshot *s = app_snap(a);
	return s && s->scores.valid ? &s->scores : NULL;
}

static unsigned char *draw_scratch;
static size_t draw_scratch_n;

void draw_free(void)
{
	free(draw_scratch);
	draw_scratch = NULL;
	draw_scratch_n = 0;
}

/* ---- header ------------------------------------------------------------- */

static void draw_header(const struct draw_ctx *c)
{
	const struct app *a = c->app;
	const struct layout_rect *r = &c->lo->panel[LAYOUT_PANEL_HEADER];
	colors_role(stdscr, THEME_ROLE_HEADER);
	paint_repeat(r->y, r->x, r->w, " ");
	char sp[32];
	app_format_sparsity(a->settings.sparsity, sp, sizeof sp);
	const char *dot = glyph(GLYPH_MIDDOT);
	char left[512];
	snprintf(left, sizeof left,
		 "%s%s reconvene %s %s %s %s %s s=%s %s tau %.2f %s seed %llu %s %s ",
		 glyph(GLYPH_BOX_TL), glyph(GLYPH_BOX_H), glyph(GLYPH_BOX_H),
		 a->model->net->name, dot, score_method_name(a->settings.method), dot,
		 sp, dot, a->settings.tau, dot, (unsigned long long)a->settings.seed,
		 dot, c->dataset ? c->dataset : "none");
	char right[128];
	snprintf(right, sizeof right, " %s[%s] %s%s", app_dirty(a) ? "* " : "",
		 c->theme_name ? c->theme_name : "", glyph(GLYPH_BOX_H),
		 glyph(GLYPH_BOX_TR));
	int rw = keys_text_cols(right);
	if (keys_text_cols(left) + rw > r->w)
		snprintf(left, sizeof left,
			 "%s %s %s %s %s s=%s %s tau %.2f %s seed %llu %s %s ",
			 glyph(GLYPH_BOX_TL), a->model->net->name, dot,
			 score_method_name(a->settings.method), dot, sp, dot,
			 a->settings.tau, dot, (unsigned long long)a->settings.seed,
			 dot, c->dataset ? c->dataset : "none");
	int lw = paint_text(r->y, r->x, r->w - rw, left);
	paint_repeat(r->y, r->x + lw, r->w - rw - lw, glyph(GLYPH_BOX_H));
	int x = r->x + r->w - rw;
	if (app_dirty(a)) {
		paint_text(r->y, x, 1, " ");
		colors_role(stdscr, THEME_ROLE_MODIFIED);
		paint_text(r->y, x + 1, 1, glyph(GLYPH_MARK_MODIFIED));
		colors_role(stdscr, THEME_ROLE_HEADER);
		paint_text(r->y, x + 2, rw - 2, right + 2);
	} else {
		paint_text(r->y, x, rw, right);
	}
}

/* ---- frame: borders, rule, footer --------------------------------------- */

static void draw_frame_lines(const struct draw_ctx *c)
{
	const struct layout *lo = c->lo;
	const struct layout_rect *bl = &lo->panel[LAYOUT_PANEL_BORDER_L];
	const struct layout_rect *br = &lo->panel[LAYOUT_PANEL_BORDER_R];
	const struct layout_rect *ph = &lo->panel[LAYOUT_PANEL_PROJ_HEAD];
	const struct layout_rect *dv = &lo->panel[LAYOUT_PANEL_DIVIDER];
	bool tfocus = c->app->focus != APP_FOCUS_PROJ;
	for (int y = bl->y; y < bl->y + bl->h; y++) {
		bool rule = y == ph->y;
		colors_role(stdscr, !rule && y < ph->y && tfocus ? THEME_ROLE_BORDER_FOCUS
			    : !rule && y > ph->y && !tfocus ? THEME_ROLE_BORDER_FOCUS
			    : THEME_ROLE_BORDER);
		mvaddstr(y, bl->x, glyph(rule ? GLYPH_BOX_T_RIGHT : GLYPH_BOX_V));
		mvaddstr(y, br->x, glyph(rule ? GLYPH_BOX_T_LEFT : GLYPH_BOX_V));
	}
	colors_role(stdscr, c->app->focus == APP_FOCUS_HEAT ? THEME_ROLE_BORDER_FOCUS
							     : THEME_ROLE_BORDER);
	for (int y = dv->y; y < dv->y + dv->h; y++)
		mvaddstr(y, dv->x, glyph(GLYPH_BOX_V));
	/* The projection rule with its title; ┴ where the divider meets it. */
	colors_role(stdscr, c->app->focus == APP_FOCUS_PROJ ? THEME_ROLE_BORDER_FOCUS
							     : THEME_ROLE_BORDER);
	paint_repeat(ph->y, ph->x, ph->w, glyph(GLYPH_BOX_H));
	if (dv->x >= ph->x && dv->x < ph->x + ph->w && c->app->view != LAYOUT_VIEW_HISTORY)
		mvaddstr(ph->y, dv->x, glyph(GLYPH_BOX_T_UP));
	colors_role(stdscr, THEME_ROLE_TITLE);
	paint_text(ph->y, ph->x + 1, ph->w - 2, " projection ");

	/* Legend: the heat gradient, low to high. */
	const struct layout_rect *lg = &lo->panel[LAYOUT_PANEL_LEGEND];
	if (lg->w > 0) {
		colors_role(stdscr, THEME_ROLE_BORDER);
		paint_repeat(lg->y, lg->x, lg->w, glyph(GLYPH_BOX_H));
		bool dens = c->app->view == LAYOUT_VIEW_GRID || c->app->view == LAYOUT_VIEW_CRITERIA;
		const char *lo_t = dens ? " 0 " : " low ";
		const char *hi_t = dens ? " 1 " : " high ";
		int cells = lg->w - keys_text_cols(lo_t) - keys_text_cols(hi_t) - 1;
		if (cells >= 2) {
			int x = lg->x;
			colors_role(stdscr, THEME_ROLE_HEAT_LEGEND);
			x += paint_text(lg->y, x, lg->w, lo_t);
			int steps = colors_grad_steps(THEME_GRADIENT_HEAT);
			for (int i = 0; i < cells; i++)
				cell_heat(lg->y, x + i,
					       cells > 1 ? i * (steps - 1) / (cells - 1) : 0,
					       steps, true, THEME_ROLE_NORMAL);
			colors_role(stdscr, THEME_ROLE_HEAT_LEGEND);
			paint_text(lg->y, x + cells, lg->w, hi_t);
		}
	}

	/* Footer: the bottom frame line with the key bar on it. */
	const struct layout_rect *ft = &lo->panel[LAYOUT_PANEL_FOOTER];
	colors_role(stdscr, THEME_ROLE_BORDER);
	mvaddstr(ft->y, ft->x, glyph(GLYPH_BOX_BL));
	paint_repeat(ft->y, ft->x + 1, ft->w - 2, glyph(GLYPH_BOX_H));
	addstr(glyph(GLYPH_BOX_BR));
	struct keys_footer_item items[KEYS_FOOTER_MAX];
	int n = keys_footer_layout(ft->w - 4, c->ascii, items, KEYS_FOOTER_MAX);
	int taken[TOUR_TAKEN_MAX];
	int n_taken = tour_keys_taken(c->tour, taken);
	if (n_taken)
		keys_footer_relabel(items, n, taken, n_taken, c->ascii);
	if (n > 0) {
		int x0 = ft->x + 1;
		int x1 = ft->x + 2 + items[n - 1].x + items[n - 1].w + 1;
		if (x1 > ft->x + ft->w - 1)
			x1 = ft->x + ft->w - 1;
		colors_role(stdscr, THEME_ROLE_FKEY_LABEL);
		paint_repeat(ft->y, x0, x1 - x0, " ");
	}
	for (int i = 0; i < n; i++) {
		int x = ft->x + 2 + items[i].x;
		bool off = (c->app->readonly && keys_action_destructive(items[i].act)) ||
			   items[i].taken;
		colors_role(stdscr, off ? THEME_ROLE_INACTIVE : THEME_ROLE_FKEY);
		paint_text(ft->y, x, items[i].key_w, items[i].key_label);
		colors_role(stdscr, off ? THEME_ROLE_INACTIVE : THEME_ROLE_FKEY_LABEL);
		paint_text(ft->y, x + items[i].key_w, 1, " ");
		paint_text(ft->y, x + items[i].key_w + 1, items[i].w - items[i].key_w - 1,
			  items[i].label);
	}
}

enum ui_action draw_footer_hit(const struct layout *lo, bool ascii, int x)
{
	const struct layout_rect *ft = &lo->panel[LAYOUT_PANEL_FOOTER];
	struct keys_footer_item items[KEYS_FOOTER_MAX];
	int n = keys_footer_layout(ft->w - 4, ascii, items, KEYS_FOOTER_MAX);
	return keys_footer_hit(items, n, x - ft->x - 2);
}

/* ---- the layer table ---------------------------------------------------- */

static void draw_table_head(const struct draw_ctx *c)
{
	const struct layout *lo = c->lo;
	const struct layout_rect *r = &lo->panel[LAYOUT_PANEL_TABLE_HEAD];
	colors_role(stdscr, THEME_ROLE_COLUMN_HEADER);
	paint_repeat(r->y, r->x, r->w, " ");
	static const char *const titles[LAYOUT_COL_COUNT] = {
		"layer", "shape", "kept", "density", "R", "L"
	};
	for (int i = 0; i < LAYOUT_COL_COUNT; i++) {
		const struct layout_span *s = &lo->col[i];
		int tw = keys_text_cols(titles[i]);
		int x = s->x;
		if (i == LAYOUT_COL_KEPT && tw < s->w)
			x += s->w - tw;
		paint_text(r->y, x, s->w, titles[i]);
	}
}

static void draw_table(const struct draw_ctx *c)
{
	const struct app *a = c->app;
	const struct layout *lo = c->lo;
	const struct layout_rect *r = &lo->panel[LAYOUT_PANEL_TABLE];
	const struct worker_scores *sc = draw_scores(a);
	const struct group_set *gs = &a->model->groups;
	int cg = app_cursor_group(a);
	int steps = colors_grad_steps(THEME_GRADIENT_HEAT);
	int rh = lo->row_h > 1 ? lo->row_h : 1;
	for (int i = 0; i < lo->table_rows; i++) {
		int ri = a->top + i;
		int y = r->y + i * rh;
		enum theme_role base = THEME_ROLE_NORMAL;
		if (ri >= a->n_rows) {
			colors_role(stdscr, base);
			for (int k = 0; k < rh; k++)
				paint_repeat(y + k, r->x, r->w, " ");
			continue;
		}

		const struct app_row *row = &a->rows[ri];
		const struct layer *l = &a->model->net->layers[row->layer];
		if (ri == a->cursor)
			base = a->focus == APP_FOCUS_TABLE ? THEME_ROLE_SELECTED
							   : THEME_ROLE_SELECTED_UNFOCUS;
		else if (cg >= 0 && gs->groups[cg].prunable &&
			 app_layer_in_group(a, row->layer, cg))
			base = THEME_ROLE_GROUP_HIGHLIGHT;
		colors_role(stdscr, base);
		paint_repeat(y, r->x, r->w, " ");
		const struct layout_span *cn = &lo->col[LAYOUT_COL_NAME];
		paint_text(y, cn->x, cn->w, l->name);
		const struct layout_span *cs = &lo->col[LAYOUT_COL_SHAPE];
		paint_text(y, cs->x, cs->w, glyphs_utf8() ? row->shape : row->shape_ascii);

		int g = row->group;
		int ch = g >= 0 ? gs->groups[g].channels : l->out.c;
		int keep = g >= 0 ? a->plan.keep[g] : ch;
		char kt[32];
		snprintf(kt, sizeof kt, "%d/%d", keep, ch);
		const struct layout_span *ck = &lo->col[LAYOUT_COL_KEPT];
		int kw = keys_text_cols(kt);
		if (keep < ch)
			colors_role(stdscr, base == THEME_ROLE_NORMAL ? THEME_ROLE_KEPT : base);
		paint_text(y, ck->x + (kw < ck->w ? ck->w - kw : 0), ck->w, kt);

		const struct layout_span *cd = &lo->col[LAYOUT_COL_DENSITY];
		double d = sc ? sc->density[row->layer] : -1.0;
		if (sc && d >= 0) {
			int lv = cell_level(d, steps);
			cell_heat(y, cd->x, lv, steps, true, base);
			cell_heat(y, cd->x + 1, lv, steps, true, base);
			char dt[16];
			snprintf(dt, sizeof dt, "%.2f", d);
			colors_role_attr(stdscr, base, sc->stale ? A_DIM : A_NORMAL);
			paint_text(y, cd->x + 3, cd->w - 3, dt);
		} else {
			colors_role(stdscr, base);
			paint_text(y, cd->x + 3, cd->w - 3, sc ? "   -" : "   ?");
		}
		if (draw_stability_flips(a, row->layer)) {
			/* resilient for some initialisations only */
			colors_role(stdscr, base == THEME_ROLE_NORMAL ? THEME_ROLE_VALUE_WARN : base);
			paint_text(y, lo->col[LAYOUT_COL_RESILIENT].x, 1, "~");
		} else if (sc && sc->resilient[row->layer]) {
			colors_role(stdscr, base == THEME_ROLE_NORMAL ? THEME_ROLE_RESILIENT
								    : base);
			paint_text(y, lo->col[LAYOUT_COL_RESILIENT].x, 1,
				  glyph(GLYPH_MARK_RESILIENT));
		}
		if (g >= 0 && a->locked[g]) {
			colors_role(stdscr, base == THEME_ROLE_NORMAL ? THEME_ROLE_LOCKED : base);
			paint_text(y, lo->col[LAYOUT_COL_LOCK].x, 1, glyph(GLYPH_MARK_LOCKED));
		}
		/* The presentation layout's second row: the row's background
		 * and its density swatch, the bar two rows tall. */
		if (rh == 2) {
			colors_role(stdscr, base);
			paint_repeat(y + 1, r->x, r->w, " ");
			cell_row_copy(y, cd->x, 2);
		}
	}
	/* Rows left below the last whole layer row. */
	colors_role(stdscr, THEME_ROLE_NORMAL);
	for (int y = r->y + lo->table_rows * rh; y < r->y + r->h; y++)
		paint_repeat(y, r->x, r->w, " ");
}

/* ---- channel heatmap ---------------------------------------------------- */

static void draw_heat_row(const struct draw_ctx *c, int y, int ri,
			  const struct worker_scores *sc)
{
	const struct app *a = c->app;
	const struct layout_rect *r = &c->lo->panel[LAYOUT_PANEL_HEAT];
	int L = a->rows[ri].layer;
	int n = sc->chan_n[L];
	if (n <= 0)
		return;
	const float *v = sc->chan + sc->chan_off[L];
	if ((size_t)n > draw_scratch_n) {
		unsigned char *p = realloc(draw_scratch, (size_t)n);
		if (!p)
			return;
		draw_scratch = p;
		draw_scratch_n = (size_t)n;
	}
	/* Kept or pruned: the plan's answer (plan_group_kept), never a ranking
	 * of this layer's own scores. */
	unsigned char *kept = draw_scratch;
	if (heat_row_kept(a, app_snap(a), ri, kept) != n)
		memset(kept, 1, (size_t)n);
	float vmax = heat_max(v, n);
	int steps = colors_grad_steps(THEME_GRADIENT_HEAT);
	int bins = r->w;
	for (int b = 0; b < bins; b++) {
		int f, e;
		layout_bin_span(b, bins, n, &f, &e);
		if (e <= f)
			continue;
		float m = v[f];
		int nk = 0;
		for (int i = f; i < e; i++) {
			if (v[i] > m)
				m = v[i];
			nk += kept[i];
		}
		/* Log scale, three decades below the layer's best channel:
		 * PaI scores span orders of magnitude. */
		double lv = 0.0;
		if (vmax > 0 && m > 0)
			lv = 1.0 + log10((double)m / (double)vmax) / 3.0;
		cell_heat(y, r->x + b, cell_level(lv, steps), steps,
			       2 * nk >= e - f, THEME_ROLE_NORMAL);
	}
}

static void draw_heat(const struct draw_ctx *c)
{
	const struct app *a = c->app;
	const struct layout_rect *hh = &c->lo->panel[LAYOUT_PANEL_HEAT_HEAD];
	const struct layout_rect *r = &c->lo->panel[LAYOUT_PANEL_HEAT];
	const struct worker_scores *sc = draw_scores(a);
	const struct worker_snapshot *s = app_snap(a);
	struct pen p = { hh->y, hh->x + 1, hh->x + hh->w };
	colors_role(stdscr, THEME_ROLE_COLUMN_HEADER);
	paint_repeat(hh->y, hh->x, hh->w, " ");
	if (a->n_rows > 0) {
		const struct app_row *row = &a->rows[a->cursor];
		pen_put(&p, THEME_ROLE_COLUMN_HEADER, "channel scores");
		if (sc && sc->chan_n[row->layer] > 0) {
			pen_putf(&p, THEME_ROLE_LABEL, " %s %s: %d", glyph(GLYPH_MIDDOT),
				 a->model->net->layers[row->layer].name,
				 sc->chan_n[row->layer]);
			char st[128];
			draw_stability_title(a, st, sizeof st);
			if (st[0])
				pen_fit(&p, THEME_ROLE_LABEL, st);
			else
				pen_fit(&p, THEME_ROLE_LABEL, " (kept bright, pruned dim)");
		}
	}
	if (!sc) {
		struct pen q = { r->y, r->x + 1, r->x + r->w };
		const struct worker_job_status *j = s ? &s->job[WORKER_JOB_SCORES] : NULL;
		if (j && j->state == WORKER_STATE_FAILED) {
			pen_putf(&q, THEME_ROLE_ERROR, "scores failed: %s", j->msg);
		} else {
			pen_putf(&q, THEME_ROLE_DIM, "scoring (%s) ",
				 score_method_name(a->settings.method));
			if (j && j->state == WORKER_STATE_RUNNING)
				pen_progress(&q, 10, j->done, j->total);
		}
		return;
	}
	int rh = c->lo->row_h > 1 ? c->lo->row_h : 1;
	for (int i = 0; i < c->lo->table_rows; i++) {
		int ri = a->top + i;
		if (ri >= a->n_rows)
			break;
		draw_heat_row(c, r->y + i * rh, ri, sc);
		if (rh == 2)
			cell_row_copy(r->y + i * rh, r->x, r->w);
	}
}

/* ---- sensitivity grid --------------------------------------------------- */

static void draw_grid(const struct draw_ctx *c)
{
	const struct app *a = c->app;
	const struct layout *lo = c->lo;
	const struct layout_rect *hh = &lo->panel[LAYOUT_PANEL_HEAT_HEAD];
	const struct layout_rect *r = &lo->panel[LAYOUT_PANEL_HEAT];
	const struct worker_snapshot *s = app_snap(a);
	int cw = lo->grid_cell_w;
	colors_role(stdscr, THEME_ROLE_COLUMN_HEADER);
	paint_repeat(hh->y, hh->x, hh->w, " ");
	/* s = 1 - 2^-(j+1): the full values when the widest fits, else the
	 * kept fractions 1/2 .. 1/256, else s1 .. s8, else (one-cell
	 * swatches beside the probe's columns) 1 .. 8 (docs/explorer.md);
	 * one form for every column. */
	char w[32];
	app_format_sparsity(worker_grid_sparsity[WORKER_GRID_N - 1], w, sizeof w);
	int form = (int)strlen(w) <= cw - 1 ? 0 : cw - 1 >= 5 ? 1 : cw - 1 >= 2 ? 2 : 3;
	for (int j = 0; j < WORKER_GRID_N && cw > 1; j++) {
		char t[32];
		if (form == 0)
			app_format_sparsity(worker_grid_sparsity[j], t, sizeof t);
		else if (form == 1)
			snprintf(t, sizeof t, "1/%d", 2 << j);
		else if (form == 2)
			snprintf(t, sizeof t, "s%d", j + 1);
		else
			snprintf(t, sizeof t, "%d", j + 1);
		paint_text(hh->y, lo->grid_x + j * cw, cw - 1, t);
	}
	if (!s || !s->grid) {
		struct pen q = { r->y, r->x + 1, lo->probe_x > 0 ? lo->probe_x : r->x + r->w };
		const struct worker_job_status *j = s ? &s->job[WORKER_JOB_GRID] : NULL;
		if (j && j->state == WORKER_STATE_FAILED) {
			pen_putf(&q, THEME_ROLE_ERROR, "grid failed: %s", j->msg);
		} else {
			pen_put(&q, THEME_ROLE_DIM, "sensitivity grid ");
			if (j && j->state == WORKER_STATE_RUNNING)
				pen_progress(&q, 10, j->done, j->total);
			else if (j && j->state == WORKER_STATE_QUEUED)
				pen_put(&q, THEME_ROLE_DIM, "queued");
		}
		return;
	}
	int steps = colors_grad_steps(THEME_GRADIENT_HEAT);
	int rh = lo->row_h > 1 ? lo->row_h : 1;
	for (int i = 0; i < lo->table_rows; i++) {
		int ri = a->top + i;
		if (ri >= a->n_rows)
			break;
		int L = a->rows[ri].layer;
		int y = r->y + i * rh;
		for (int j = 0; j < WORKER_GRID_N; j++) {
			double d = s->grid[(size_t)L * WORKER_GRID_N + (size_t)j];
			int x = lo->grid_x + j * cw;
			int sw = cw - 1 >= 6 ? cw - 1 - 5 : cw - 1;
			if (d < 0)
				continue;
			int lv = cell_level(d, steps);
			for (int k = 0; k < sw; k++)
				cell_heat(y, x + k, lv, steps, true, THEME_ROLE_NORMAL);
			if (cw - 1 >= 6) {
				char t[16];
				snprintf(t, sizeof t, " %.2f", d);
				colors_role_attr(stdscr, THEME_ROLE_NORMAL,
						 s->grid_stale ? A_DIM : A_NORMAL);
				paint_text(y, x + sw, 5, t);
			}
			/* Two rows tall in the presentation layout: the bar. */
			if (rh == 2)
				cell_row_copy(y, x, sw);
		}
	}
}

/* ---- projection panel --------------------------------------------------- */

static void pen_ratio(struct pen *p, double before, double after)
{
	if (after > 0)
		pen_putf(p, after < before ? THEME_ROLE_VALUE_GOOD : THEME_ROLE_LABEL,
			 " (%.2fx)", before / after);
}

static void pen_count(struct pen *p, const char *label, double before,
		      double after, const char *unit)
{
	char b1[32], b2[32];
	app_format_count(before, b1, sizeof b1);
	app_format_count(after, b2, sizeof b2);
	pen_put(p, THEME_ROLE_LABEL, label);
	pen_putf(p, THEME_ROLE_VALUE, "%s%s", b1, unit);
	pen_putf(p, THEME_ROLE_LABEL, " %s ", glyph(GLYPH_ARROW_RIGHT));
	pen_putf(p, THEME_ROLE_VALUE, "%s%s", b2, unit);
	pen_ratio(p, before, after);
}

/* Median with its p10-p90 spread; narrow screens give the half-width. */
static void pen_latency(struct pen *p, const char *label, const struct worker_latency *l,
			bool wide)
{
	pen_put(p, THEME_ROLE_LABEL, label);
	if (!l->valid) {
		pen_put(p, THEME_ROLE_DIM, "-");
		return;
	}
	pen_putf(p, l->stale ? THEME_ROLE_DIM : THEME_ROLE_VALUE, "%.2f", l->median_ms);
	if (wide)
		pen_putf(p, THEME_ROLE_DIM, " ms [%.2f-%.2f]", l->p10_ms, l->p90_ms);
	else
		pen_putf(p, THEME_ROLE_DIM, "%s%.2f", glyphs_utf8() ? "\xc2\xb1" : "+-",
			 (l->p90_ms - l->p10_ms) / 2);
}

static void pen_eval(struct pen *p, const char *label, const struct worker_eval *e)
{
	pen_put(p, THEME_ROLE_LABEL, label);
	if (!e->valid) {
		pen_put(p, THEME_ROLE_DIM, "-");
		return;
	}
	pen_putf(p, e->stale ? THEME_ROLE_DIM : THEME_ROLE_VALUE, "%.1f%%",
		 e->accuracy * 100.0);
	pen_putf(p, THEME_ROLE_DIM, " [%.1f, %.1f]", e->ci_lo * 100.0, e->ci_hi * 100.0);
}

static void pen_job(struct pen *p, const struct worker_job_status *j)
{
	if (j->state == WORKER_STATE_RUNNING) {
		pen_putf(p, THEME_ROLE_DIM, "  %s ", j->phase);
		pen_progress(p, 10, j->done, j->total);
	} else if (j->state == WORKER_STATE_QUEUED) {
		pen_put(p, THEME_ROLE_DIM, "  queued");
	} else if (j->state == WORKER_STATE_FAILED) {
		pen_putf(p, THEME_ROLE_ERROR, "  failed: %s", j->msg);
	}
}

static void draw_step(const struct app *a, struct pen *p, bool named)
{
	int g = app_cursor_group(a);
	if (g < 0)
		return;
	const struct group *gr = &a->model->groups.groups[g];
	if (named)
		pen_putf(p, THEME_ROLE_LABEL, "one step of group %s: ", gr->name);
	else
		pen_put(p, THEME_ROLE_LABEL, "step: ");
	if (!gr->prunable) {
		pen_put(p, THEME_ROLE_DIM, "not prunable");
		return;
	}
	if (a->locked[g]) {
		pen_put(p, THEME_ROLE_LOCKED, "locked");
		return;
	}
	if (!a->step_valid) {
		pen_put(p, THEME_ROLE_DIM, "at the minimum");
		return;
	}
	char b1[32], b2[32];
	double dp = (double)a->step_proj.plan.nonzero - (double)a->proj.plan.nonzero;
	double dm = (double)a->step_proj.plan.effective_macs -
		    (double)a->proj.plan.effective_macs;
	/* Signed: the first step of a group can ADD weights, because a
	 * changed group becomes dense (Reconvene's RLR). */
	b1[0] = b2[0] = '+';
	app_format_count(dp, b1 + (dp >= 0), sizeof b1 - 1);
	app_format_count(dm, b2 + (dm >= 0), sizeof b2 - 1);
	pen_putf(p, THEME_ROLE_VALUE, "-%d ch", a->step_channels);
	pen_put(p, THEME_ROLE_LABEL, "  params ");
	pen_put(p, THEME_ROLE_VALUE, b1);
	pen_put(p, THEME_ROLE_LABEL, "  MACs ");
	pen_put(p, THEME_ROLE_VALUE, b2);
}

/* Whether job j is queued or running (a figure is on its way). */
static bool draw_job_busy(const struct worker_snapshot *s, enum worker_job j)
{
	return s && (s->job[j].state == WORKER_STATE_RUNNING ||
		     s->job[j].state == WORKER_STATE_QUEUED);
}

/* One headline figure of the presentation layout: big (three rows) in
 * [x, x + w), with its caption on the row below. */
static void draw_big(int y, int x, int w, enum theme_role role, const char *big,
		     const char *caption)
{
	colors_role(stdscr, role);
	bigtext_draw(y, x, w - 1, big);
	colors_role(stdscr, THEME_ROLE_LABEL);
	paint_text(y + BIGTEXT_ROWS, x, w - 1, caption);
}

/* The presentation layout's projection: three figures a room can read
 * (parameters, batch-1 latency, quick-eval accuracy of the plan against
 * dense), then MACs and the groups changed. */
static void draw_proj_present(const struct draw_ctx *c)
{
	const struct app *a = c->app;
	const struct layout_rect *r = &c->lo->panel[LAYOUT_PANEL_PROJ];
	const struct worker_snapshot *s = app_snap(a);
	const struct worker_projection *pj = &a->proj;
	int w = (r->w - 2) / 3, x = r->x + 1;
	char big[32], cap[128], d[32], n[32];

	app_format_count((double)pj->dense.params, d, sizeof d);
	app_format_count((double)pj->plan.nonzero, n, sizeof n);
	snprintf(big, sizeof big, "%.1fx", pj->plan.nonzero > 0
		 ? (double)pj->dense.params / (double)pj->plan.nonzero : 0.0);
	snprintf(cap, sizeof cap, "smaller: %s %s %s", d, glyph(GLYPH_ARROW_RIGHT), n);
	draw_big(r->y, x, w, THEME_ROLE_VALUE, big, cap);

	const struct worker_latency *ld = s ? &s->latency[WORKER_VARIANT_DENSE] : NULL;
	const struct worker_latency *lp = s ? &s->latency[WORKER_VARIANT_PLAN] : NULL;
	bool lat = ld && lp && ld->valid && lp->valid && !ld->stale && !lp->stale &&
		   lp->median_ms > 0 && s->plan_seq == a->plan_seq;
	double sp = lat ? ld->median_ms / lp->median_ms : 0;
	snprintf(big, sizeof big, lat ? "%.1fx" : "-", sp >= 1 || !lat ? sp : 1 / sp);
	if (lat)
		snprintf(cap, sizeof cap, "%s: %.2f %s %.2f ms", sp >= 1 ? "faster" : "SLOWER",
			 ld->median_ms, glyph(GLYPH_ARROW_RIGHT), lp->median_ms);
	else
		snprintf(cap, sizeof cap, "latency: %s", draw_job_busy(s, WORKER_JOB_LATENCY)
			 ? "measuring" : "not measured");
	draw_big(r->y, x + w, w, lat && sp < 1 ? THEME_ROLE_VALUE_BAD : THEME_ROLE_VALUE, big,
		 cap);

	const struct worker_eval *ep = s ? &s->eval[WORKER_VARIANT_PLAN] : NULL;
	const struct worker_eval *ed = s ? &s->eval[WORKER_VARIANT_DENSE] : NULL;
	bool acc = ep && ep->valid && !ep->stale && s->plan_seq == a->plan_seq;
	snprintf(big, sizeof big, acc ? "%.0f%%" : "-", acc ? ep->accuracy * 100.0 : 0.0);
	if (acc && ed && ed->valid && !ed->stale)
		snprintf(cap, sizeof cap, "quick-eval (dense %.0f%%)", ed->accuracy * 100.0);
	else
		snprintf(cap, sizeof cap, "quick-eval%s", acc ? ""
			 : draw_job_busy(s, WORKER_JOB_QUICKEVAL) ? ": training" : ": not run");
	draw_big(r->y, x + 2 * w, w, THEME_ROLE_VALUE, big, cap);

	if (r->h > BIGTEXT_ROWS + 1) {
		struct pen p = { r->y + BIGTEXT_ROWS + 1, r->x + 1, r->x + r->w - 1 };
		pen_count(&p, "MACs ", (double)pj->dense.macs, (double)pj->plan.effective_macs, "");
		pen_putf(&p, THEME_ROLE_LABEL, "   %d group%s changed", pj->changed_groups,
			 pj->changed_groups == 1 ? "" : "s");
		if (s) {
			pen_job(&p, &s->job[WORKER_JOB_LATENCY]);
			pen_job(&p, &s->job[WORKER_JOB_QUICKEVAL]);
		}
	}
}

static void draw_proj(const struct draw_ctx *c)
{
	const struct app *a = c->app;
	const struct layout_rect *r = &c->lo->panel[LAYOUT_PANEL_PROJ];
	const struct worker_snapshot *s = app_snap(a);
	const struct worker_projection *pj = &a->proj;
	colors_role(stdscr, THEME_ROLE_NORMAL);
	for (int i = 0; i < r->h; i++)
		paint_repeat(r->y + i, r->x, r->w, " ");
	if (!a->proj_valid)
		return;
	if (a->present && r->h >= BIGTEXT_ROWS + 1) {
		draw_proj_present(c);
		return;
	}
	int line = 0;
	struct pen p = { r->y + line++, r->x + 1, r->x + r->w - 1 };
	pen_count(&p, "params ", (double)pj->dense.params, (double)pj->plan.nonzero, "");
	pen_put(&p, THEME_ROLE_LABEL, "   ");
	pen_count(&p, "bytes ", (double)pj->dense.dense_bytes,
		  (double)pj->plan.storage_bytes, "B");

	p = (struct pen){ r->y + line++, r->x + 1, r->x + r->w - 1 };
	pen_count(&p, "MACs   ", (double)pj->dense.macs, (double)pj->plan.effective_macs, "");
	if (r->h < 6) {
		pen_put(&p, THEME_ROLE_LABEL, "   ");
		draw_step(a, &p, false);
	} else {
		pen_putf(&p, THEME_ROLE_LABEL, "   %d group%s changed", pj->changed_groups,
			 pj->changed_groups == 1 ? "" : "s");
	}

	p = (struct pen){ r->y + line++, r->x + 1, r->x + r->w - 1 };
	bool wide = r->w >= 120;
	pen_put(&p, THEME_ROLE_TITLE, wide ? "latency " : "latency ms ");
	if (s) {
		pen_latency(&p, "dense ", &s->latency[WORKER_VARIANT_DENSE], wide);
		pen_latency(&p, "  unstructured ", &s->latency[WORKER_VARIANT_PAI], wide);
		pen_latency(&p, "  plan ", &s->latency[WORKER_VARIANT_PLAN], wide);
		if (r->w > 150)
			pen_latency(&p, "  CSR ", &s->latency[WORKER_VARIANT_PAI_CSR], wide);
		pen_job(&p, &s->job[WORKER_JOB_LATENCY]);
	}

	p = (struct pen){ r->y + line++, r->x + 1, r->x + r->w - 1 };
	pen_put(&p, THEME_ROLE_TITLE, "quick-eval ");
	if (s) {
		pen_eval(&p, "plan ", &s->eval[WORKER_VARIANT_PLAN]);
		pen_job(&p, &s->job[WORKER_JOB_QUICKEVAL]);
	}
	int slow = stairs_slow_groups(&a->stairs, &a->plan);
	if (slow > 0) {
		char t[96];
		snprintf(t, sizeof t, "   %d group%s on a slow width (f frees channels)", slow,
			 slow == 1 ? "" : "s");
		if (p.x + keys_text_cols(t) > p.end)
			snprintf(t, sizeof t, "  slow width: %d (f)", slow);
		pen_fit(&p, THEME_ROLE_VALUE_WARN, t);
	}

	p = (struct pen){ r->y + line++, r->x + 1, r->x + r->w - 1 };
	pen_put(&p, THEME_ROLE_TITLE, "baselines ");
	if (s) {
		pen_eval(&p, "dense ", &s->eval[WORKER_VARIANT_DENSE]);
		pen_eval(&p, "  unstructured PaI ", &s->eval[WORKER_VARIANT_PAI]);
	}
	char b1[32], b2[32], t[96];
	app_format_count((double)pj->pai.nonzero, b1, sizeof b1);
	app_format_count((double)pj->pai.effective_macs, b2, sizeof b2);
	snprintf(t, sizeof t, "  (PaI: params %s, MACs %s)", b1, b2);
	pen_fit(&p, THEME_ROLE_LABEL, t);

	if (r->h >= 6) {
		p = (struct pen){ r->y + line++, r->x + 1, r->x + r->w - 1 };
		draw_step(a, &p, true);
	}
}

/* ---- log line ----------------------------------------------------------- */

static void draw_log(const struct draw_ctx *c)
{
	const struct app *a = c->app;
	const struct layout_rect *r = &c->lo->panel[LAYOUT_PANEL_LOG];
	const struct worker_snapshot *s = app_snap(a);
	colors_role(stdscr, THEME_ROLE_NORMAL);
	paint_repeat(r->y, r->x, r->w, " ");
	char status[96];
	const struct worker_job_status *xj = s ? &s->job[WORKER_JOB_EXPORT] : NULL;
	if (a->export_req && xj && xj->request == a->export_req &&
	    xj->state == WORKER_STATE_RUNNING && xj->total > 0) {
		snprintf(status, sizeof status, "exporting %ld%%",
			 xj->done * 100 / xj->total);
	} else if (a->export_req) {
		snprintf(status, sizeof status, "exporting");
	} else if (s && s->scores.valid && !s->scores.stale &&
		   s->job[WORKER_JOB_SCORES].state == WORKER_STATE_DONE) {
		snprintf(status, sizeof status, "ready");
	} else if (s && s->job[WORKER_JOB_SCORES].state == WORKER_STATE_RUNNING &&
		   s->job[WORKER_JOB_SCORES].total > 0) {
		snprintf(status, sizeof status, "scoring %ld%%",
			 s->job[WORKER_JOB_SCORES].done * 100 /
				 s->job[WORKER_JOB_SCORES].total);
	} else if (s && s->job[WORKER_JOB_SCORES].state == WORKER_STATE_FAILED) {
		snprintf(status, sizeof status, "scores failed");
	} else {
		snprintf(status, sizeof status, "scoring");
	}
	int sw = keys_text_cols(status);
	enum theme_role role = a->log_level == APP_LOG_ERROR ? THEME_ROLE_ERROR
			     : a->log_level == APP_LOG_WARN ? THEME_ROLE_WARNING
							    : THEME_ROLE_NORMAL;
	colors_role(stdscr, role);
	paint_text(r->y, r->x + 1, r->w - sw - 3, a->log);
	colors_role(stdscr, THEME_ROLE_STATUS);
	paint_text(r->y, r->x + r->w - sw - 1, sw, status);
}

/* ---- overlays ----------------------------------------------------------- */

static void draw_help(const struct draw_ctx *c)
{
	const struct app *a = c->app;
	const struct layout_rect *box = &c->lo->overlay;
	const struct layout_rect *body = &c->lo->overlay_body;
	paint_box(box, "help", THEME_ROLE_BORDER_FOCUS, THEME_ROLE_HELP_TEXT);
	int total = a->help_total;
	struct keys_help_line *lines = calloc((size_t)(total > 0 ? total : 1),
					      sizeof *lines);
	if (!lines)
		return;
	keys_help_lines(c->ascii, a->readonly, lines, total);
	for (int i = 0; i < body->h; i++) {
		int li = a->help_top + i;
		if (li >= total)
			break;
		const struct keys_help_line *h = &lines[li];
		int y = body->y + i;
		switch (h->kind) {
		case KEYS_HELP_HEADING:
			colors_role(stdscr, THEME_ROLE_TITLE);
			paint_text(y, body->x, body->w, h->text);
			break;
		case KEYS_HELP_BINDING: {
			/* key_w columns of key names, then the description. */
			const char *p = h->text;
			for (int k = 0; k < h->key_w && *p; k++) {
				p++;
				while ((*p & 0xc0) == 0x80)
					p++;
			}
			colors_role(stdscr, h->inactive ? THEME_ROLE_INACTIVE
							: THEME_ROLE_HELP_KEY);
			mvaddnstr(y, body->x, h->text, (int)(p - h->text));
			colors_role(stdscr, h->inactive ? THEME_ROLE_INACTIVE
							: THEME_ROLE_HELP_TEXT);
			paint_text(y, body->x + h->key_w, body->w - h->key_w, p);
			break;
		}
		default:
			colors_role(stdscr, THEME_ROLE_HELP_TEXT);
			paint_text(y, body->x, body->w, h->text);
			break;
		}
	}
	/* Where we are when the help does not fit. */
	if (total > body->h && box->w > 20) {
		char t[48];
		snprintf(t, sizeof t, " %d-%d of %d %s%s ", a->help_top + 1,
			 a->help_top + body->h < total ? a->help_top + body->h : total,
			 total, glyph(GLYPH_ARROW_UP), glyph(GLYPH_ARROW_DOWN));
		colors_role(stdscr, THEME_ROLE_BORDER_FOCUS);
		int tw = keys_text_cols(t);
		paint_text(box->y + box->h - 1, box->x + box->w - tw - 2, tw, t);
	}
	free(lines);
}

static void draw_too_small(const struct draw_ctx *c)
{
	const struct layout_rect *r = &c->lo->notice;
	colors_role(stdscr, THEME_ROLE_NORMAL);
	for (int y = 0; y < r->h; y++)
		paint_repeat(r->y + y, r->x, r->w, " ");
	char l1[96];
	snprintf(l1, sizeof l1, "need %dx%d, have %dx%d", LAYOUT_MIN_COLS,
		 LAYOUT_MIN_ROWS, c->lo->cols, c->lo->rows);
	const char *lines[3] = { "terminal too small", l1, "q quits, ? help" };
	int y0 = r->y + (r->h - 3) / 2;
	if (y0 < r->y)
		y0 = r->y;
	for (int i = 0; i < 3 && y0 + i < r->y + r->h; i++) {
		int w = keys_text_cols(lines[i]);
		int x = r->x + (r->w - w) / 2;
		if (x < r->x)
			x = r->x;
		colors_role(stdscr, i == 0 ? THEME_ROLE_NOTICE : THEME_ROLE_NORMAL);
		paint_text(y0 + i, x, r->w, lines[i]);
	}
}

/* ---- the frame ---------------------------------------------------------- */

void draw_frame(const struct draw_ctx *c)
{
	colors_role(stdscr, THEME_ROLE_NORMAL);
	erase();
	if (c->lo->too_small) {
		draw_too_small(c);
	} else {
		draw_header(c);
		draw_frame_lines(c);
		if (c->app->view == LAYOUT_VIEW_HISTORY) {
			draw_history(c->app, c->lo);
		} else {
			draw_stability_row(c->app, c->lo);
			draw_table_head(c);
			draw_table(c);
		}
		if (c->app->view == LAYOUT_VIEW_HISTORY) {
			; /* drawn above, over the table too */
		} else if (c->app->view == LAYOUT_VIEW_GRID) {
			draw_grid(c);
			draw_probe(c->app, c->lo);
		} else if (c->app->view == LAYOUT_VIEW_WIDTHS)
			draw_widths(c->app, c->lo);
		else if (c->app->view == LAYOUT_VIEW_CRITERIA)
			draw_criteria(c->app, c->lo);
		else
			draw_heat(c);
		draw_proj(c);
		draw_log(c);
		if (c->tour)
			draw_tour(c->tour, c->app, c->lo, c->now);
	}
	if (c->app->help)
		draw_help(c);
	else if (c->app->dlg.kind != APP_DIALOG_NONE)
		dialog_draw(c->app, c->lo);
	colors_role(stdscr, THEME_ROLE_NORMAL);
}
