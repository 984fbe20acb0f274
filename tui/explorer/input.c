#include "config.h"

#include "explorer/input.h"

void input_init(struct input *in, struct app *a, int rows, int cols, FILE *record)
{
	in->app = a;
	in->rows = rows;
	in->cols = cols;
	in->record = record;
	input_relayout(in);
}

void input_relayout(struct input *in)
{
	app_layout(in->app, in->rows, in->cols, &in->lo);
}

static bool input_key_blocked(const struct input *in, int key)
{
	if (!in->lo.too_small || in->app->dlg.kind != APP_DIALOG_NONE)
		return false;
	switch (keys_lookup(key)) {
	case UI_ACTION_HELP:
	case UI_ACTION_QUIT:
	case UI_ACTION_CANCEL:
	case UI_ACTION_REPAINT:
		return false;
	default:
		return true;
	}
}

static void input_record(struct input *in, const struct keylog_event *ev)
{
	if (!in->record)
		return;
	keylog_event_write(in->record, ev);
	fflush(in->record);
}

/* An automatic plan settled during the last call: log where. */
static void input_record_settled(struct input *in, unsigned long before)
{
	if (in->app->auto_settled != before)
		input_record(in, &(struct keylog_event){ KEYLOG_WAIT, 0, 0 });
}

unsigned input_event(struct input *in, const struct keylog_event *ev)
{
	struct app *a = in->app;
	unsigned long settled = a->auto_settled;
	unsigned f = 0;
	switch (ev->kind) {
	case KEYLOG_KEY:
		input_record(in, ev);
		if (input_key_blocked(in, ev->a))
			return 0;
		f = app_key(a, ev->a);
		break;
	case KEYLOG_RESIZE:
		input_record(in, ev);
		in->cols = ev->a;
		in->rows = ev->b;
		input_relayout(in);
		return UI_RELAYOUT | UI_REDRAW;
	case KEYLOG_SELECT:
	case KEYLOG_HEAT:
		if (in->lo.too_small)
			return 0;
		input_record(in, ev);
		f = app_row_select(a, ev->a);
		if (ev->kind == KEYLOG_HEAT) {
			a->focus = APP_FOCUS_HEAT;
			f |= UI_REDRAW;
		}
		break;
	case KEYLOG_SCROLL:
		input_record(in, ev);
		f = app_scroll(a, ev->a);
		break;
	case KEYLOG_FOCUS_PROJ:
		if (in->lo.too_small)
			return 0;
		input_record(in, ev);
		a->focus = APP_FOCUS_PROJ;
		return UI_HANDLED | UI_REDRAW;
	case KEYLOG_ACTION:
		if (in->lo.too_small)
			return 0;
		input_record(in, ev);
		f = app_action(a, (enum ui_action)ev->a);
		break;
	case KEYLOG_WAIT:
		return 0;
	}
	input_record_settled(in, settled);
	if (f & (UI_RELAYOUT | UI_REPAINT))
		input_relayout(in);
	return f;
}

unsigned input_snapshot(struct input *in)
{
	unsigned long settled = in->app->auto_settled;
	unsigned f = app_snapshot_update(in->app);
	input_record_settled(in, settled);
	return f;
}
