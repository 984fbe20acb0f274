/* app_settings.c: the scoring settings (method, sparsity, tau, seed):
 * comparing them, and sending new ones to the worker, which re-asks for
 * what they make stale (the grid, the criteria, the automatic plan). */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "explorer/app_internal.h"
#include "score/score.h"

bool app_settings_same(const struct worker_settings *x,
		       const struct worker_settings *y)
{
	return x->method == y->method && x->sparsity == y->sparsity &&
	       x->seed == y->seed && x->tau == y->tau && x->k == y->k &&
	       x->min_keep == y->min_keep &&
	       x->synflow_iterations == y->synflow_iterations &&
	       x->samples_per_class == y->samples_per_class;
}

unsigned app_settings_send(struct app *a, const struct worker_settings *s,
			   const char *what)
{
	struct eng_err err = { { 0 } };
	if (a->w && worker_set_settings(a->w, s, &err) != ENG_STATUS_OK) {
		app_log(a, APP_LOG_ERROR, "%s", err.msg);
		return UI_HANDLED | UI_REDRAW;
	}
	a->settings = *s;
	if (a->w && a->view == LAYOUT_VIEW_GRID)
		worker_request(a->w, WORKER_JOB_GRID);
	if (a->w && a->view == LAYOUT_VIEW_CRITERIA)
		worker_request(a->w, WORKER_JOB_CRITERIA);
	/* A pending automatic plan is for the old settings: ask again. */
	if (a->w && (a->auto_req || a->auto_pending)) {
		app_align_drop(a);
		a->auto_req = worker_request(a->w, WORKER_JOB_AUTO);
	}
	app_project(a);
	app_log(a, APP_LOG_INFO, "%s", what);
	return UI_HANDLED | UI_REDRAW;
}

unsigned app_tau_step(struct app *a, int dir)
{
	struct worker_settings s = a->settings;
	double t = round((s.tau + dir * APP_TAU_STEP) * 100.0) / 100.0;
	if (t < 0)
		t = 0;
	if (t > 1)
		t = 1;
	if (t == s.tau) {
		app_log(a, APP_LOG_INFO, "tau is already %.2f", t);
		return UI_HANDLED | UI_REDRAW;
	}
	s.tau = t;
	char msg[64];
	snprintf(msg, sizeof msg, "tau = %.2f", t);
	return app_settings_send(a, &s, msg);
}

unsigned app_method_set(struct app *a, enum score_method m)
{
	struct worker_settings s = a->settings;
	s.method = m;
	char msg[64];
	snprintf(msg, sizeof msg, "method = %s", score_method_name(m));
	return app_settings_send(a, &s, msg);
}

unsigned app_sparsity_set(struct app *a, double v)
{
	struct worker_settings s = a->settings;
	s.sparsity = v;
	char msg[64], sb[32];
	app_format_sparsity(v, sb, sizeof sb);
	snprintf(msg, sizeof msg, "sparsity = %s", sb);
	return app_settings_send(a, &s, msg);
}

unsigned app_settings_set(struct app *a, const struct worker_settings *s, const char *why)
{
	if (app_settings_same(s, &a->settings))
		return UI_HANDLED;
	return app_settings_send(a, s, why);
}
