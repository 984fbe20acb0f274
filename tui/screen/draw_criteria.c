/* draw_criteria.c: the criteria view (draw_criteria.h). */
#include "config.h"

#include "screen/draw_criteria.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <curses.h>

#include "prune/criteria_compare.h"
#include "score/score.h"
#include "screen/cell.h"
#include "screen/colors.h"
#include "screen/paint.h"
#include "screen/pen.h"
#include "theme/glyphs.h"

/* Column titles, longest first: the first form whose widest fits. */
static const char *const crit_names[3][CRITERIA_METHODS] = {
	{ "random", "magnitude", "snip", "grasp", "synflow" },
	{ "rand", "mag", "snip", "grasp", "syn" },
	{ "r", "m", "sn", "g", "sy" },
};

static int crit_form(int cw)
{
	for (int f = 0; f < 3; f++) {
		int widest = 0;
		for (int m = 0; m < CRITERIA_METHODS; m++)
			if ((int)strlen(crit_names[f][m]) > widest)
				widest = (int)strlen(crit_names[f][m]);
		if (widest <= cw - 1)
			return f;
	}
	return 2;
}

static void crit_waiting(const struct app *a, const struct layout_rect *r,
			 const struct worker_snapshot *s)
{
	struct pen q = { r->y, r->x + 1, r->x + r->w };
	const struct worker_job_status *j = s ? &s->job[WORKER_JOB_CRITERIA] : NULL;
	if (!a->w) {
		pen_put(&q, THEME_ROLE_DIM, "not computed");
	} else if (j && j->state == WORKER_STATE_FAILED) {
		pen_putf(&q, THEME_ROLE_ERROR, "failed: %s", j->msg);
	} else {
		pen_put(&q, THEME_ROLE_DIM, "scoring 5 methods ");
		if (j && j->state == WORKER_STATE_RUNNING)
			pen_progress(&q, 10, j->done, j->total);
		else
			pen_put(&q, THEME_ROLE_DIM, "queued");
	}
}

/* The selected layer's agreement with the current method, and the means. */
static void crit_agreement(const struct app *a, const struct criteria_compare *c,
			   const struct layout_rect *r, int y0, int rows, int form)
{
	int cur = (int)a->settings.method;
	int L = a->n_rows > 0 ? a->rows[a->cursor].layer : -1;
	bool wide = r->w >= 44;
	struct pen p = { y0, r->x + 1, r->x + r->w };
	colors_role(stdscr, THEME_ROLE_NORMAL);
	for (int i = 0; i < rows; i++)
		paint_repeat(y0 + i, r->x, r->w, " ");
	pen_putf(&p, THEME_ROLE_TITLE, "tau vs %s", crit_names[0][cur]);
	if (L >= 0)
		pen_putf(&p, THEME_ROLE_LABEL, ", %s:", a->model->net->layers[L].name);
	for (int line = 0; line < rows - 1; line++) {
		bool mean = line == 1;
		p = (struct pen){ y0 + 1 + line, r->x + 1, r->x + r->w };
		if (mean)
			pen_put(&p, THEME_ROLE_LABEL, "mean ");
		for (int m = 0; m < CRITERIA_METHODS; m++) {
			if (m == cur)
				continue;
			int pr = criteria_pair_index((enum score_method)(m < cur ? m : cur),
						     (enum score_method)(m < cur ? cur : m));
			double t = mean ? c->tau_mean[pr] : L >= 0 ? c->tau[(size_t)pr * (size_t)c->n_layers + (size_t)L] : NAN;
			pen_putf(&p, THEME_ROLE_LABEL, "%s ", crit_names[form < 1 ? 1 : form][m]);
			if (isnan(t))
				pen_put(&p, THEME_ROLE_DIM, "- ");
			else
				pen_putf(&p, t >= 0.5 ? THEME_ROLE_VALUE_GOOD :
					 t < 0.1 ? THEME_ROLE_VALUE_WARN : THEME_ROLE_VALUE,
					 "%+.*f ", wide ? 2 : 1, t);
		}
	}
}

void draw_criteria(const struct app *a, const struct layout *lo)
{
	const struct layout_rect *hh = &lo->panel[LAYOUT_PANEL_HEAT_HEAD];
	const struct layout_rect *r = &lo->panel[LAYOUT_PANEL_HEAT];
	const struct worker_snapshot *s = app_snap(a);
	int cw = (r->w - 1) / CRITERIA_METHODS;
	if (cw < 2)
		cw = 2;
	int form = crit_form(cw);
	colors_role(stdscr, THEME_ROLE_COLUMN_HEADER);
	paint_repeat(hh->y, hh->x, hh->w, " ");
	for (int m = 0; m < CRITERIA_METHODS; m++) {
		bool cur = m == (int)a->settings.method;
		colors_role(stdscr, cur ? THEME_ROLE_SELECTED : THEME_ROLE_COLUMN_HEADER);
		paint_text(hh->y, r->x + 1 + m * cw, cw - 1, crit_names[form][m]);
	}
	if (!s || !s->criteria_valid) {
		crit_waiting(a, r, s);
		return;
	}
	const struct criteria_compare *c = &s->criteria;
	int agree = r->h >= 8 ? 3 : r->h >= 5 ? 2 : 0;
	int rows = r->h - agree;
	int steps = colors_grad_steps(THEME_GRADIENT_HEAT);
	for (int i = 0; i < rows; i++) {
		int ri = a->top + i;
		if (ri >= a->n_rows)
			break;
		int L = a->rows[ri].layer;
		for (int m = 0; m < CRITERIA_METHODS; m++) {
			size_t at = (size_t)m * (size_t)c->n_layers + (size_t)L;
			double d = c->density[at];
			if (d < 0)
				continue;
			int x = r->x + 1 + m * cw;
			int room = cw - 1;
			/* swatch, number, R: as much as the column holds */
			int sw = room >= 7 ? 2 : room >= 5 ? 1 : room;
			int nw = room >= 7 ? 5 : room >= 5 ? 4 : 0;
			int lv = cell_level(d, steps);
			for (int k = 0; k < sw; k++)
				cell_heat(r->y + i, x + k, lv, steps, true, THEME_ROLE_NORMAL);
			if (nw) {
				char t[16];
				snprintf(t, sizeof t, nw == 5 ? " %.2f" : "%.2f", d);
				colors_role_attr(stdscr, THEME_ROLE_NORMAL,
						 s->criteria_stale ? A_DIM : A_NORMAL);
				paint_text(r->y + i, x + sw, nw, t);
			}
			if (room >= sw + nw + 1 && nw && c->resilient[at]) {
				colors_role(stdscr, THEME_ROLE_RESILIENT);
				paint_text(r->y + i, x + sw + nw, 1, glyph(GLYPH_MARK_RESILIENT));
			}
		}
	}
	if (agree)
		crit_agreement(a, c, r, r->y + rows, agree, form);
}
