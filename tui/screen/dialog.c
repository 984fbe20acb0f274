#include "config.h"

#include "screen/dialog.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "screen/colors.h"
#include "screen/draw.h"
#include "theme/glyphs.h"
#include "nn/net.h"
#include "prune/reconvene.h"
#include "output/render.h"
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
	draw_text(p->body->y + p->line, p->body->x, p->body->w, buf);
	p->line++;
}

/* The text field: the end of the input when it is too long, a cursor. */
static void dlg_input(struct dlg_pen *p, const char *label, const struct app *a)
{
	if (p->line >= p->body->h)
		return;
	int y = p->body->y + p->line++;
	colors_role(stdscr, THEME_ROLE_DIALOG);
	int x = p->body->x + draw_text(y, p->body->x, p->body->w, label);
	int w = p->body->x + p->body->w - x;
	if (w < 2)
		return;
	const char *s = a->dlg.input;
	int len = a->dlg.input_len;
	if (len > w - 1)
		s += len - (w - 1);
	colors_role(stdscr, THEME_ROLE_INPUT);
	draw_repeat(y, x, w, " ");
	int n = draw_text(y, x, w - 1, s);
	colors_role_attr(stdscr, THEME_ROLE_INPUT, A_REVERSE);
	draw_text(y, x + n, 1, " ");
}

void dialog_draw(const struct app *a, const struct layout *lo)
{
	const struct app_dialog_state *d = &a->dlg;
	draw_box(&lo->overlay, dialog_titles[d->kind], THEME_ROLE_BORDER_FOCUS,
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
		dlg_line(&p, THEME_ROLE_DIALOG, "writes model.cfg, model.safetensors (with masks)");
		dlg_line(&p, THEME_ROLE_DIALOG, "and plan.json as `reconvene prune` does, and");
		dlg_line(&p, THEME_ROLE_DIALOG, "heatmap.png, the channel heatmap");
		break;
	case APP_DIALOG_QUIT:
		dlg_line(&p, THEME_ROLE_DIALOG, "The plan has edits that were not saved.");
		p.line++;
		dlg_line(&p, THEME_ROLE_DIALOG, "y  quit anyway");
		dlg_line(&p, THEME_ROLE_DIALOG, "n  stay (also Esc)");
		dlg_line(&p, THEME_ROLE_DIALOG, "w  save the plan first");
		hint = NULL;
		break;
	default:
		break;
	}
	const struct layout_rect *b = &lo->overlay_body;
	if (d->error[0] && b->h >= 2) {
		colors_role(stdscr, THEME_ROLE_ERROR);
		draw_text(b->y + b->h - 2, b->x, b->w, d->error);
	}
	if (hint && b->h >= 1) {
		colors_role(stdscr, THEME_ROLE_DIM);
		draw_text(b->y + b->h - 1, b->x, b->w, hint);
	}
}

/* ---- export ------------------------------------------------------------- */

struct dialog_export {
	pthread_t thread;
	bool started;
	atomic_int done;
	bool ok;
	char msg[2048];
	struct net_spec spec;
	char model[NET_NAME_MAX];
	struct worker_settings settings;
	struct prune_plan plan;
	const struct data_split *ds;
	char dir[APP_INPUT_MAX];
	/* For the heatmap PNG: the snapshot the screen showed (a reference;
	 * released here, which any thread may do) and the table's layers. */
	const struct worker_snapshot *snap;
	int n_rows;
	int *row_layer;   /* owned */
	int *row_keep;    /* owned: kept channels of the row's group */
};

static int dialog_cmp_desc(const void *x, const void *y)
{
	float a = *(const float *)x, b = *(const float *)y;
	return (a < b) - (a > b);
}

/* The channel heatmap as on screen: per layer, scores on a log scale three
 * decades below the layer's best channel; removed channels marked (the
 * plan keeps the highest-scoring ones, ties to the lower index). */
static enum eng_status dialog_export_png(struct dialog_export *x, const char *path,
					 char *warn, size_t warn_len,
					 struct eng_err *err)
{
	const struct worker_scores *sc = &x->snap->scores;
	const struct net *net = x->snap->model->net;
	struct render_heat_row *rows = calloc((size_t)x->n_rows, sizeof *rows);
	float **vals = calloc((size_t)x->n_rows, sizeof *vals);
	uint8_t **kept = calloc((size_t)x->n_rows, sizeof *kept);
	enum eng_status st = ENG_STATUS_OK;
	int n = 0;
	if (!rows || !vals || !kept) {
		st = eng_err_set(err, ENG_STATUS_ENOMEM, "export: out of memory");
		goto out;
	}
	for (int i = 0; i < x->n_rows; i++) {
		int L = x->row_layer[i];
		int c = sc->chan_n[L];
		if (c <= 0)
			continue;
		const float *v = sc->chan + sc->chan_off[L];
		float *t = malloc(sizeof(float) * (size_t)c * 2);
		uint8_t *k = malloc((size_t)c);
		vals[n] = t;
		kept[n] = k;
		if (!t || !k) {
			st = eng_err_set(err, ENG_STATUS_ENOMEM, "export: out of memory");
			goto out;
		}
		float *sorted = t + c;
		memcpy(sorted, v, sizeof(float) * (size_t)c);
		qsort(sorted, (size_t)c, sizeof(float), dialog_cmp_desc);
		int keep = x->row_keep[i] < c && x->row_keep[i] > 0 ? x->row_keep[i] : c;
		float thr = sorted[keep - 1], vmax = sorted[0];
		int gt = 0;
		for (int j = 0; j < c && sorted[j] > thr; j++)
			gt++;
		int ties = keep - gt;
		for (int j = 0; j < c; j++) {
			k[j] = v[j] > thr || (v[j] == thr && ties-- > 0);
			double lv = 0.0;
			if (vmax > 0 && v[j] > 0)
				lv = 1.0 + log10((double)v[j] / (double)vmax) / 3.0;
			t[j] = (float)(lv < 0 ? 0 : lv);
		}
		rows[n].name = net->layers[L].name;
		rows[n].channels = c;
		rows[n].value = t;
		rows[n].kept = k;
		n++;
	}
	char sub[160];
	snprintf(sub, sizeof sub, "%s, s = %g, seed %llu", score_method_name(sc->method),
		 sc->sparsity, (unsigned long long)sc->seed);
	struct render_heatmap h = {
		.title = x->model, .subtitle = sub,
		.legend = "channel score, log scale per layer (3 decades)",
		.lo = 0.0, .hi = 1.0, .n_rows = n, .rows = rows,
	};
	struct render_style style;
	render_style_default(&style);
	if (n == 0)
		st = eng_err_set(err, ENG_STATUS_EINVAL, "export: no channel scores");
	else
		st = render_heatmap_png(&h, &style, path, warn, warn_len, err);
out:
	for (int i = 0; i < x->n_rows && vals && kept; i++) {
		free(vals[i]);
		free(kept[i]);
	}
	free(vals);
	free(kept);
	free(rows);
	return st;
}

static void *dialog_export_main(void *arg)
{
	struct dialog_export *x = arg;
	struct eng_err err = { { 0 } };
	struct net *net = NULL;
	struct reconvene_result r;
	memset(&r, 0, sizeof r);
	struct reconvene_options o;
	reconvene_options_init(&o);
	o.method = x->settings.method;
	o.sparsity = x->settings.sparsity;
	o.seed = x->settings.seed;
	o.tau = x->settings.tau;
	o.k = x->settings.k;
	o.min_keep = x->settings.min_keep;
	o.synflow_iterations = x->settings.synflow_iterations;
	o.samples_per_class = x->settings.samples_per_class;
	enum eng_status st = net_build(&x->spec, &net, &err);
	if (st == ENG_STATUS_OK) {
		net_init(net, o.seed);
		st = reconvene_run(net, &x->spec,
				   score_method_needs_data(o.method) ? x->ds : NULL,
				   &o, &x->plan, &r, &err);
	}
	if (st == ENG_STATUS_OK)
		st = reconvene_save(&r, &o, x->model, x->dir, &err);
	if (st == ENG_STATUS_OK) {
		x->ok = true;
		char png[APP_INPUT_MAX + 32], warn[RENDER_WARNING_MAX] = "";
		snprintf(png, sizeof png, "%s/heatmap.png", x->dir);
		struct eng_err perr = { { 0 } };
		bool have_png = x->snap && dialog_export_png(x, png, warn, sizeof warn,
							      &perr) == ENG_STATUS_OK;
		snprintf(x->msg, sizeof x->msg,
			 "exported to %s/: model.cfg, model.safetensors, plan.json%s "
			 "(%d groups changed)%s%s", x->dir, have_png ? ", heatmap.png" : "",
			 r.n_changed, have_png ? (warn[0] ? "; " : "")
					       : "; no heatmap: ",
			 have_png ? warn : (x->snap ? perr.msg : "scores not ready"));
	} else {
		snprintf(x->msg, sizeof x->msg, "export failed: %s", err.msg);
	}
	reconvene_result_done(&r);
	net_free(net);
	atomic_store(&x->done, 1);
	return NULL;
}

enum eng_status dialog_export_start(const struct app *a, const struct data_split *ds,
				    const char *dir, struct dialog_export **out,
				    struct eng_err *err)
{
	*out = NULL;
	struct dialog_export *x = calloc(1, sizeof *x);
	if (!x)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "export: out of memory");
	atomic_init(&x->done, 0);
	enum eng_status st = net_spec_copy(&x->spec, &a->model->spec);
	if (st == ENG_STATUS_OK)
		st = plan_copy(&x->plan, &a->plan);
	if (st != ENG_STATUS_OK) {
		dialog_export_free(x);
		return eng_err_set(err, st, "export: out of memory");
	}
	snprintf(x->model, sizeof x->model, "%s", a->model->net->name);
	snprintf(x->dir, sizeof x->dir, "%s", dir);
	x->settings = a->settings;
	x->ds = ds;
	const struct worker_snapshot *sn = a->snap;
	if (a->w && sn && sn->model && sn->model->id == a->model->id &&
	    sn->scores.valid && !sn->scores.stale) {
		x->snap = worker_snapshot_get(a->w);
		if (!x->snap->scores.valid || x->snap->model != sn->model) {
			worker_snapshot_release(x->snap);
			x->snap = NULL;
		}
	}
	x->row_layer = malloc(sizeof(int) * (size_t)(a->n_rows > 0 ? a->n_rows : 1));
	x->row_keep = malloc(sizeof(int) * (size_t)(a->n_rows > 0 ? a->n_rows : 1));
	if (!x->row_layer || !x->row_keep) {
		dialog_export_free(x);
		return eng_err_set(err, ENG_STATUS_ENOMEM, "export: out of memory");
	}
	x->n_rows = a->n_rows;
	for (int i = 0; i < a->n_rows; i++) {
		int g = a->rows[i].group;
		x->row_layer[i] = a->rows[i].layer;
		x->row_keep[i] = g >= 0 && a->rows[i].prunable &&
				 a->model->groups.groups[g].channels ==
					 a->model->net->layers[a->rows[i].layer].out.c
				 ? a->plan.keep[g] : 0;
	}
	if (pthread_create(&x->thread, NULL, dialog_export_main, x) != 0) {
		dialog_export_free(x);
		return eng_err_set(err, ENG_STATUS_EIO, "export: cannot start a thread");
	}
	x->started = true;
	*out = x;
	return ENG_STATUS_OK;
}

bool dialog_export_poll(struct dialog_export *x, char *msg, size_t len, bool *ok)
{
	if (!atomic_load(&x->done))
		return false;
	snprintf(msg, len, "%s", x->msg);
	*ok = x->ok;
	return true;
}

void dialog_export_free(struct dialog_export *x)
{
	if (!x)
		return;
	if (x->started)
		pthread_join(x->thread, NULL);
	net_spec_done(&x->spec);
	plan_done(&x->plan);
	if (x->snap)
		worker_snapshot_release(x->snap);
	free(x->row_layer);
	free(x->row_keep);
	free(x);
}
