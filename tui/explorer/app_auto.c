/* app_auto.c: the automatic plan (a) and --align auto: asking the worker
 * for WORKER_JOB_AUTO, adopting its plan as one undoable edit when the
 * scores are current, and with align_auto holding it (a->pending_plan)
 * until the staircase of every group it rectifies is measured. */
#include "config.h"

#include <stdio.h>

#include "explorer/app_internal.h"

bool app_auto_current(const struct app *a)
{
	const struct worker_snapshot *s = a->snap;
	return app_snapshot_ours(a, s) && s->scores.valid &&
	       !s->scores.stale && app_settings_same(&s->settings, &a->settings) &&
	       s->scores.auto_plan.n_groups == a->plan.n_groups &&
	       s->job[WORKER_JOB_SCORES].state == WORKER_STATE_DONE;
}

/* --align auto: whether the pending plan's group g is rectified and so
 * waits for its staircase (locked groups are not adopted anyway). */
static bool app_align_wants(const struct app *a, int g)
{
	const struct group *gr = app_group(a, g);
	return gr->prunable && !a->locked[g] && a->pending_plan.keep[g] < gr->channels;
}

/* The pending aligned plan: ask for the next missing staircase, or, when
 * every rectified group has one, snap each to width_free and adopt. */
unsigned app_align_step(struct app *a)
{
	const unsigned redraw = UI_HANDLED | UI_REDRAW;
	int missing = -1, total = 0, have = 0;
	for (int g = 0; g < a->pending_plan.n_groups; g++) {
		if (!app_align_wants(a, g))
			continue;
		total++;
		if (stairs_get(&a->stairs, g))
			have++;
		else if (missing < 0)
			missing = g;
	}
	if (missing >= 0) {
		if (!a->w) {
			app_align_drop(a);
			a->auto_settled++;
			app_log(a, APP_LOG_WARN, "automatic plan: --align auto needs measured widths");
			return redraw;
		}
		app_widths_ask(a, missing);
		app_log(a, APP_LOG_INFO, "automatic plan, --align auto: timing the widths of %s "
			"(%d of %d groups)", app_group(a, missing)->name, have + 1, total);
		return redraw;
	}
	int moved = 0;
	for (int g = 0; g < a->pending_plan.n_groups; g++) {
		if (!app_align_wants(a, g))
			continue;
		int keep = a->pending_plan.keep[g];
		int w = stairs_snap(&a->stairs, g, keep, false);
		int c = app_group(a, g)->channels;
		int to = w < keep ? keep : w > c ? c : w;
		if (to != keep) {
			plan_set_keep(&a->pending_plan, g, to);
			moved++;
		}
	}
	char why[96];
	snprintf(why, sizeof why, "automatic plan (%d of %d groups widened to a measured "
		 "fast width)", moved, total);
	unsigned f = app_plan_adopt(a, &a->pending_plan, why);
	app_align_drop(a);
	a->auto_settled++;
	return f;
}

/* The automatic plan p arrived: adopt it, or with --align auto hold it
 * until its staircases are measured. */
unsigned app_auto_arrived(struct app *a, const struct prune_plan *p)
{
	if (!a->align_auto) {
		a->auto_settled++;
		return app_plan_adopt(a, p, "automatic plan");
	}
	app_align_drop(a);
	if (plan_copy(&a->pending_plan, p) != ENG_STATUS_OK) {
		a->auto_settled++;
		app_log(a, APP_LOG_ERROR, "automatic plan: out of memory");
		return UI_HANDLED | UI_REDRAW;
	}
	a->auto_pending = true;
	return app_align_step(a);
}

unsigned app_auto(struct app *a)
{
	if (!a->auto_defer && app_auto_current(a)) {
		a->auto_req = 0;
		return app_auto_arrived(a, &a->snap->scores.auto_plan);
	}
	if (!a->w) {
		app_log(a, APP_LOG_WARN, "automatic plan: no scores yet");
		return UI_HANDLED | UI_REDRAW;
	}
	a->auto_req = worker_request(a->w, WORKER_JOB_AUTO);
	app_log(a, APP_LOG_INFO, "automatic plan: waiting for the scores");
	return UI_HANDLED | UI_REDRAW;
}

void app_auto_forget(struct app *a)
{
	app_align_drop(a);
	a->auto_req = 0;
}
