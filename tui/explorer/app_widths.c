/* app_widths.c: the width-latency staircases (the widths view, f and F):
 * asking the worker for a group's staircase, and snapping the cursor
 * group's width to a measured one.  The snapshots' staircases are taken
 * by app_snapshot.c, which also moves --align auto on. */
#include "config.h"

#include "explorer/app_internal.h"

/* Ask the worker for group g's staircase unless it is known or asked. */
void app_widths_ask(struct app *a, int g)
{
	if (!a->w || g < 0 || stairs_get(&a->stairs, g) || !app_group(a, g)->prunable ||
	    (a->widths_req && a->widths_req_group == g))
		return;
	struct eng_err err = { { 0 } };
	uint64_t id = worker_request_widths(a->w, g, &err);
	if (!id) {
		app_log(a, APP_LOG_ERROR, "%s", err.msg);
		return;
	}
	a->widths_req = id;
	a->widths_req_group = g;
}

void app_widths_want(struct app *a)
{
	if (a->view == LAYOUT_VIEW_WIDTHS && !a->auto_pending)
		app_widths_ask(a, app_cursor_group(a));
}

unsigned app_width_snap(struct app *a, bool faster)
{
	const unsigned redraw = UI_HANDLED | UI_REDRAW;
	int g = app_cursor_group(a);
	if (!app_group_editable(a, g))
		return redraw;
	const char *name = app_group(a, g)->name;
	int k = a->plan.keep[g];
	int to = stairs_snap(&a->stairs, g, k, faster);
	if (to < 0) {
		if (!a->w) {
			app_log(a, APP_LOG_WARN, "no staircase of %s: nothing measures here", name);
			return redraw;
		}
		app_widths_ask(a, g);
		app_log(a, APP_LOG_INFO, "measuring the staircase of %s (v shows it); "
			"press %s again when it is done", name, faster ? "F" : "f");
		return redraw;
	}
	if (faster && to == 0) {
		app_log(a, APP_LOG_INFO, "%s: no narrower width is measurably faster than %d",
			name, k);
		return redraw;
	}
	if (!faster && to <= k) {
		app_log(a, APP_LOG_INFO, "%s: no wider width is as fast as %d (no free channels)",
			name, k);
		return redraw;
	}
	unsigned f = app_keep_set(a, g, to);
	const struct width_point *p = width_staircase_at(stairs_get(&a->stairs, g), to);
	if (a->plan.keep[g] == to && p)
		app_log(a, APP_LOG_INFO, "%s: %d -> %d channels, %s (%.3f ms measured)", name, k,
			to, faster ? "next faster step" : "free channels", p->ms);
	return f;
}
