/* app_snapshot.c: a new worker snapshot (app_snapshot_update): its
 * warnings, the automatic plan it finishes, the staircases it brings
 * (which move --align auto on), the export's end and the plan history's
 * figures. */
#include "config.h"

#include "explorer/app_internal.h"

/* Keep the snapshot's staircase; settle the request it answers. */
static unsigned app_widths_update(struct app *a, const struct worker_snapshot *s)
{
	if (!app_snapshot_ours(a, s))
		return 0;
	unsigned f = 0;
	if (s->widths.valid && stairs_adopt(&a->stairs, &s->widths.stair))
		f |= UI_HANDLED | UI_REDRAW;
	const struct worker_job_status *j = &s->job[WORKER_JOB_WIDTHS];
	if (a->widths_req && j->request == a->widths_req &&
	    (j->state == WORKER_STATE_DONE || j->state == WORKER_STATE_FAILED ||
	     j->state == WORKER_STATE_CANCELLED)) {
		if (j->state == WORKER_STATE_FAILED)
			app_log(a, APP_LOG_ERROR, "staircase of %s: %s",
				app_group(a, a->widths_req_group)->name, j->msg);
		a->widths_req = 0;
		f |= UI_HANDLED | UI_REDRAW;
		if (a->auto_pending && j->state == WORKER_STATE_FAILED) {
			app_align_drop(a);
			a->auto_settled++;
			app_log(a, APP_LOG_ERROR, "automatic plan not applied: the staircase of %s "
				"failed: %s", app_group(a, a->widths_req_group)->name, j->msg);
		} else if (a->auto_pending && j->state == WORKER_STATE_DONE &&
			   !stairs_get(&a->stairs, a->widths_req_group)) {
			app_align_drop(a); /* never asks the same group twice */
			a->auto_settled++;
			app_log(a, APP_LOG_ERROR, "automatic plan not applied: no staircase "
				"of %s arrived", app_group(a, a->widths_req_group)->name);
		} else if (a->auto_pending) {
			f |= app_align_step(a);
		}
	}
	return f;
}

unsigned app_snapshot_update(struct app *a)
{
	if (!a->w)
		return 0;
	const struct worker_snapshot *s = worker_snapshot_get(a->w);
	if (a->snap && s->generation == a->snap->generation) {
		worker_snapshot_release(s);
		return 0;
	}
	if (a->snap)
		worker_snapshot_release(a->snap);
	a->snap = s;
	unsigned f = UI_HANDLED | UI_REDRAW;
	if (s->warn_total > a->warn_seen && s->n_warnings > 0) {
		app_log(a, APP_LOG_WARN, "%s", s->warnings[s->n_warnings - 1]);
		a->warn_seen = s->warn_total;
	}
	if (a->auto_req) {
		const struct worker_job_status *j = &s->job[WORKER_JOB_AUTO];
		if (j->request == a->auto_req && j->state == WORKER_STATE_DONE &&
		    app_auto_current(a)) {
			a->auto_req = 0;
			f |= app_auto_arrived(a, &s->scores.auto_plan);
		} else if (j->request == a->auto_req && j->state == WORKER_STATE_FAILED) {
			a->auto_req = 0;
			a->auto_settled++;
			app_log(a, APP_LOG_ERROR, "automatic plan: %s", j->msg);
		}
	}
	f |= app_export_update(a, s);
	f |= app_widths_update(a, s);
	f |= app_history_note(a, s);
	app_widths_want(a); /* the cursor may have moved on meanwhile */
	if (!a->ready && app_snapshot_ours(a, s) &&
	    s->scores.valid && !s->scores.stale)
		a->ready = true;
	app_project(a);
	return f;
}
