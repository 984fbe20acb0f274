/* draw_probe.c: the group probe's columns in the grid view
 * (draw_probe.h). */
#include "config.h"

#include "screen/draw_probe.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <curses.h>

#include "prune/group_probe.h"
#include "screen/colors.h"
#include "screen/paint.h"
#include "screen/pen.h"
#include "theme/glyphs.h"

_Static_assert(LAYOUT_PROBE_STEPS == GROUP_PROBE_N,
	       "the layout reserves one column per probe ratio");

/* The cell the job trains now: its phase is "probe NAME -R%". */
static bool probe_cell_running(const struct worker_snapshot *s, const struct group *gr,
			       int k)
{
	const struct worker_job_status *j = &s->job[WORKER_JOB_PROBE];
	if (j->state != WORKER_STATE_RUNNING)
		return false;
	char want[WORKER_PHASE_MAX];
	snprintf(want, sizeof want, "probe %.20s -%d%%", gr->name,
		 (int)lround(group_probe_ratio[k] * 100));
	return strcmp(j->phase, want) == 0;
}

static void probe_cell(const struct app *a, const struct worker_snapshot *s, int y,
		       int x, int g, int k, double dense)
{
	const struct group *gr = &a->model->groups.groups[g];
	char t[16];
	enum theme_role role = THEME_ROLE_DIM;
	attr_t extra = A_NORMAL;
	double v = s && s->probe ? s->probe[(size_t)g * GROUP_PROBE_N + (size_t)k] : NAN;
	if (!group_probe_eligible(&a->model->groups, g) || v == -1.0) {
		snprintf(t, sizeof t, "-");
	} else if (isnan(v)) {
		snprintf(t, sizeof t, "%s", s && probe_cell_running(s, gr, k) ?
			 glyph(GLYPH_ELLIPSIS) : glyph(GLYPH_MIDDOT));
	} else {
		snprintf(t, sizeof t, "%d%%", (int)lround(v * 100));
		role = !(dense >= 0) ? THEME_ROLE_NORMAL :
		       v < dense - 0.10 ? THEME_ROLE_VALUE_BAD :
		       v < dense - 0.03 ? THEME_ROLE_VALUE_WARN : THEME_ROLE_NORMAL;
		extra = s->probe_stale ? A_DIM : A_NORMAL;
	}
	int w = keys_text_cols(t);
	colors_role_attr(stdscr, role, extra);
	paint_text(y, x + (LAYOUT_PROBE_CELL - 1) - w, w, t);
}

/* The note under the table's last row, if a row is free. */
static void probe_note(const struct app *a, const struct layout *lo,
		       const struct worker_snapshot *s)
{
	const struct layout_rect *r = &lo->panel[LAYOUT_PANEL_HEAT];
	int row = a->n_rows - a->top;
	int rh = lo->row_h > 1 ? lo->row_h : 1;
	if (row < 0 || row >= lo->table_rows)
		return;
	struct pen p = { r->y + row * rh, r->x + 1, r->x + r->w };
	if (!a->probe) {
		if (r->w >= 50)
			pen_put(&p, THEME_ROLE_DIM, "G: quick-eval accuracy with each group cut alone");
		else
			pen_put(&p, THEME_ROLE_DIM, "G: probe each group");
		return;
	}
	const struct worker_job_status *j = s ? &s->job[WORKER_JOB_PROBE] : NULL;
	if (j && j->state == WORKER_STATE_FAILED) {
		pen_putf(&p, THEME_ROLE_ERROR, "probe failed: %s", j->msg);
	} else if (j && (j->state == WORKER_STATE_RUNNING || j->state == WORKER_STATE_QUEUED ||
			 j->state == WORKER_STATE_CANCELLED) && s->probe_done < s->probe_total) {
		pen_putf(&p, THEME_ROLE_DIM, "probe %d/%d ", s->probe_done, s->probe_total);
		if (j->state == WORKER_STATE_CANCELLED)
			pen_put(&p, THEME_ROLE_DIM, "stopped (G resumes)");
		else
			pen_progress(&p, 10, s->probe_done, s->probe_total);
	} else if (!s || !s->probe) {
		pen_put(&p, THEME_ROLE_DIM, "probe queued");
	} else if (s->probe_stale) {
		pen_put(&p, THEME_ROLE_DIM, "probe: older settings (G again)");
	} else {
		pen_put(&p, THEME_ROLE_DIM, "probe: accuracy, group cut alone");
		const struct worker_eval *e = &s->eval[WORKER_VARIANT_DENSE];
		if (e->valid && !e->stale) {
			char t[32];
			snprintf(t, sizeof t, "; dense %d%%", (int)lround(e->accuracy * 100));
			pen_fit(&p, THEME_ROLE_DIM, t);
		}
	}
}

void draw_probe(const struct app *a, const struct layout *lo)
{
	if (a->view != LAYOUT_VIEW_GRID)
		return;
	const struct worker_snapshot *s = app_snap(a);
	probe_note(a, lo, s);
	if (lo->probe_x <= 0)
		return;
	const struct layout_rect *hh = &lo->panel[LAYOUT_PANEL_HEAT_HEAD];
	const struct layout_rect *r = &lo->panel[LAYOUT_PANEL_HEAT];
	colors_role(stdscr, THEME_ROLE_COLUMN_HEADER);
	for (int k = 0; k < GROUP_PROBE_N; k++) {
		char t[16];
		snprintf(t, sizeof t, "-%d%%", (int)lround(group_probe_ratio[k] * 100));
		paint_text(hh->y, lo->probe_x + 1 + k * LAYOUT_PROBE_CELL, LAYOUT_PROBE_CELL - 1, t);
	}
	const struct worker_eval *e = s ? &s->eval[WORKER_VARIANT_DENSE] : NULL;
	double dense = e && e->valid && !e->stale ? e->accuracy : -1.0;
	int rh = lo->row_h > 1 ? lo->row_h : 1;
	for (int i = 0; i < lo->table_rows; i++) {
		int ri = a->top + i;
		if (ri >= a->n_rows)
			break;
		int g = a->model->groups.layer_out[a->rows[ri].layer];
		if (g < 0)
			continue;
		for (int k = 0; k < GROUP_PROBE_N; k++)
			probe_cell(a, s, r->y + i * rh, lo->probe_x + 1 + k * LAYOUT_PROBE_CELL, g,
				   k, dense);
	}
}
