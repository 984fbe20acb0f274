/* app_cursor.c: moving in the table: the cursor row and the first
 * visible row (the history view has its own cursor, app_history.c), the
 * rows and help lines the layout lets show, mouse row clicks and the
 * wheel. */
#include "config.h"

#include "explorer/app_internal.h"

void app_cursor_to(struct app *a, int c)
{
	if (a->n_rows <= 0)
		return;
	if (c < 0)
		c = 0;
	if (c >= a->n_rows)
		c = a->n_rows - 1;
	a->cursor = c;
	a->top = layout_scroll_fit(a->top, a->cursor, a->n_rows,
				   a->visible > 0 ? a->visible : 1);
	app_project(a);
	app_widths_want(a);
}

void app_visible_set(struct app *a, int rows, int help_rows)
{
	a->visible = rows > 0 ? rows : 1;
	a->help_rows = help_rows > 0 ? help_rows : 1;
	if (a->help_top > a->help_total - a->help_rows)
		a->help_top = a->help_total - a->help_rows;
	if (a->help_top < 0)
		a->help_top = 0;
	if (a->n_rows > 0)
		a->top = layout_scroll_fit(a->top, a->cursor, a->n_rows, a->visible);
}

unsigned app_row_select(struct app *a, int visible_row)
{
	if (a->view == LAYOUT_VIEW_HISTORY) {
		/* The list's entries sit on the table's rows. */
		int i = a->log_top + visible_row;
		if (visible_row < 0 || i >= a->plans.n)
			return UI_HANDLED;
		app_log_cursor_to(a, i);
		return UI_HANDLED | UI_REDRAW;
	}
	int r = a->top + visible_row;
	if (visible_row < 0 || r >= a->n_rows)
		return UI_HANDLED;
	a->focus = APP_FOCUS_TABLE;
	app_cursor_to(a, r);
	return UI_HANDLED | UI_REDRAW;
}

unsigned app_scroll(struct app *a, int n)
{
	if (a->help) {
		a->help_top += n;
		if (a->help_top < 0)
			a->help_top = 0;
		return UI_HANDLED | UI_REDRAW;
	}
	if (a->view == LAYOUT_VIEW_HISTORY) {
		app_log_cursor_to(a, a->log_cursor + n);
		return UI_HANDLED | UI_REDRAW;
	}
	app_cursor_to(a, a->cursor + n);
	return UI_HANDLED | UI_REDRAW;
}
