/* app_layout.c: what the layout needs from the app (the view, column
 * widths, the overlay) and the layout for a terminal size, with the rows
 * it lets show handed back to app_visible_set. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "explorer/app_internal.h"

void app_layout_state(const struct app *a, struct layout_state *st)
{
	memset(st, 0, sizeof *st);
	st->view = a->view;
	st->name_cols = a->name_cols;
	st->shape_cols = a->shape_cols;
	int maxc = 1;
	for (int g = 0; g < a->model->groups.n_groups; g++)
		if (a->model->groups.groups[g].channels > maxc)
			maxc = a->model->groups.groups[g].channels;
	for (int i = 0; i < a->n_rows; i++) {
		int c = a->model->net->layers[a->rows[i].layer].out.c;
		if (c > maxc)
			maxc = c;
	}
	char t[32];
	st->kept_cols = snprintf(t, sizeof t, "%d/%d", maxc, maxc);
	st->probe = a->probe;
	st->present = a->present;
	if (a->help) {
		st->overlay = LAYOUT_OVERLAY_HELP;
		st->overlay_rows = a->help_total + 2;
		st->overlay_cols = KEYS_HELP_COLS + 4;
	} else if (a->dlg.kind != APP_DIALOG_NONE) {
		st->overlay = LAYOUT_OVERLAY_DIALOG;
		app_dialog_size(a, &st->overlay_rows, &st->overlay_cols);
	}
}

void app_layout(struct app *a, int rows, int cols, struct layout *lo)
{
	struct layout_state st;
	app_layout_state(a, &st);
	layout_compute(rows, cols, &st, lo);
	app_visible_set(a, lo->table_rows, lo->overlay_body.h);
}
