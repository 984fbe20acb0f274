#include "config.h"

#include "screen/dialog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "screen/colors.h"
#include "screen/paint.h"
#include "theme/glyphs.h"
#include "score/score.h"

static const char *const dialog_titles[APP_DIALOG_COUNT] = {
	[APP_DIALOG_NONE] = "",
	[APP_DIALOG_KEEP] = "keep channels",
	[APP_DIALOG_METHOD] = "PaI method",
	[APP_DIALOG_SPARSITY] = "PaI sparsity",
	[APP_DIALOG_SAVE] = "save plan",
	[APP_DIALOG_OPEN] = "open plan",
	[APP_DIALOG_EXPORT] = "export",
	[APP_DIALOG_QUIT] = "quit",
	[APP_DIALOG_RESTORE] = "saved session",
};

/* Lines of the body, top to bottom. */
struct dlg_pen {
	const struct layout_rect *body;
	int line;
};

static void dlg_line(struct dlg_pen *p, enum theme_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void dlg_line(struct dlg_pen *p, enum theme_role role, const char *fmt, ...)
{
	if (p->line >= p->body->h)
		return;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	colors_role(stdscr, role);
	paint_text(p->body->y + p->line, p->body->x, p->body->w, buf);
	p->line++;
}

/* The text field: the end of the input when it is too long, a cursor. */
static void dlg_input(struct dlg_pen *p, const char *label, const struct app *a)
{
	if (p->line >= p->body->h)
		return;
	int y = p->body->y + p->line++;
	colors_role(stdscr, THEME_ROLE_DIALOG);
	int x = p->body->x + paint_text(y, p->body->x, p->body->w, label);
	int w = p->body->x + p->body->w - x;
	if (w < 2)
		return;
	const char *s = a->dlg.input;
	int len = a->dlg.input_len;
	if (len > w - 1)
		s += len - (w - 1);
	colors_role(stdscr, THEME_ROLE_INPUT);
	paint_repeat(y, x, w, " ");
	int n = paint_text(y, x, w - 1, s);
	colors_role_attr(stdscr, THEME_ROLE_INPUT, A_REVERSE);
	paint_text(y, x + n, 1, " ");
}

void dialog_draw(const struct app *a, const struct layout *lo)
{
	const struct app_dialog_state *d = &a->dlg;
	paint_box(&lo->overlay, dialog_titles[d->kind], THEME_ROLE_BORDER_FOCUS,
		 THEME_ROLE_DIALOG);
	struct dlg_pen p = { &lo->overlay_body, 0 };
	const char *hint = "Enter applies, Esc cancels";
	switch (d->kind) {
	case APP_DIALOG_KEEP: {
		int g = app_cursor_group(a);
		const struct group *gr = &a->model->groups.groups[g];
		int mk = a->settings.min_keep < 1 ? 1 : a->settings.min_keep;
		dlg_line(&p, THEME_ROLE_DIALOG, "group %s: %d channels", gr->name,
			 gr->channels);
		dlg_line(&p, THEME_ROLE_DIALOG, "keep how many? (%d to %d)",
			 mk < gr->channels ? mk : gr->channels, gr->channels);
		p.line++;
		dlg_input(&p, "keep: ", a);
		break;
	}
	case APP_DIALOG_METHOD:
		dlg_line(&p, THEME_ROLE_DIALOG, "score weights at initialization with:");
		p.line++;
		for (int m = 0; m < SCORE_METHOD_COUNT; m++)
			dlg_line(&p, m == d->choice ? THEME_ROLE_SELECTED : THEME_ROLE_DIALOG,
				 "%s %d %-10s%s", m == d->choice ? glyph(GLYPH_TRIANGLE_RIGHT) : " ",
				 m + 1, score_method_name((enum score_method)m),
				 score_method_needs_data((enum score_method)m)
					 ? " (uses the dataset)" : "");
		hint = "Up/Down or 1-5 choose; Enter applies, Esc cancels";
		break;
	case APP_DIALOG_SPARSITY:
		dlg_line(&p, THEME_ROLE_DIALOG, "fraction of weights PaI removes:");
		p.line++;
		for (int i = 0; i < WORKER_GRID_N; i++) {
			char t[32];
			app_format_sparsity(worker_grid_sparsity[i], t, sizeof t);
			bool sel = i == d->choice && d->input_len == 0;
			dlg_line(&p, sel ? THEME_ROLE_SELECTED : THEME_ROLE_DIALOG,
				 "%s %-11s (keeps 1/%d)", sel ? glyph(GLYPH_TRIANGLE_RIGHT) : " ",
				 t, 2 << i);
		}
		dlg_input(&p, "or type: ", a);
		hint = "Up/Down choose or type a value; Enter applies, Esc cancels";
		break;
	case APP_DIALOG_SAVE:
	case APP_DIALOG_OPEN:
		dlg_line(&p, THEME_ROLE_DIALOG, d->kind == APP_DIALOG_SAVE
			 ? "write the plan (JSON) to:" : "read a plan (JSON) from:");
		p.line++;
		dlg_input(&p, "file: ", a);
		break;
	case APP_DIALOG_EXPORT:
		dlg_line(&p, THEME_ROLE_DIALOG, "export the pruned model into the directory:");
		p.line++;
		dlg_input(&p, "dir: ", a);
		p.line++;
		dlg_line(&p, THEME_ROLE_DIALOG, "writes model.cfg, model.safetensors (with masks),");
		dlg_line(&p, THEME_ROLE_DIALOG, "model.onnx and plan.json as `reconvene prune` does,");
		dlg_line(&p, THEME_ROLE_DIALOG, "and heatmap.png, the channel heatmap");
		break;
	case APP_DIALOG_QUIT:
		dlg_line(&p, THEME_ROLE_DIALOG, "The plan has edits that were not saved.");
		p.line++;
		dlg_line(&p, THEME_ROLE_DIALOG, "y  quit anyway");
		dlg_line(&p, THEME_ROLE_DIALOG, "n  stay (also Esc)");
		dlg_line(&p, THEME_ROLE_DIALOG, "w  save the plan first");
		hint = NULL;
		break;
	case APP_DIALOG_RESTORE: {
		const struct session_state *st = a->restore;
		int locks = 0;
		for (int g = 0; st && g < st->n_groups; g++)
			locks += st->locked[g];
		dlg_line(&p, THEME_ROLE_DIALOG, "restore the session from %s? y/n",
			 a->restore_when);
		p.line++;
		if (st)
			dlg_line(&p, THEME_ROLE_DIALOG, "%d edit%s (undo at %d), %d locked group%s",
				 st->hist.n - 1, st->hist.n == 2 ? "" : "s", st->hist.pos,
				 locks, locks == 1 ? "" : "s");
		dlg_line(&p, THEME_ROLE_DIALOG, "y  restore plan, undo history, settings, view");
		dlg_line(&p, THEME_ROLE_DIALOG, "n  start afresh (also Esc)");
		hint = NULL;
		break;
	}
	default:
		break;
	}
	const struct layout_rect *b = &lo->overlay_body;
	if (d->error[0] && b->h >= 2) {
		colors_role(stdscr, THEME_ROLE_ERROR);
		paint_text(b->y + b->h - 2, b->x, b->w, d->error);
	}
	if (hint && b->h >= 1) {
		colors_role(stdscr, THEME_ROLE_DIM);
		paint_text(b->y + b->h - 1, b->x, b->w, hint);
	}
}
