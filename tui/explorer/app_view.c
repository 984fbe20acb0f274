/* app_view.c: what the views ask the worker for when they show: the
 * criteria comparison and the sensitivity grid, unless the snapshot has
 * them for the current settings. */
#include "config.h"

#include "explorer/app_internal.h"

/* In the criteria view, ask for the comparison unless the snapshot has it
 * for the current settings or it is on its way. */
void app_criteria_want(struct app *a)
{
	if (!a->w || a->view != LAYOUT_VIEW_CRITERIA)
		return;
	const struct worker_snapshot *s = a->snap;
	const struct worker_job_status *j = s ? &s->job[WORKER_JOB_CRITERIA] : NULL;
	if (app_snapshot_ours(a, s) && s->criteria_valid && !s->criteria_stale)
		return;
	if (j && (j->state == WORKER_STATE_QUEUED || j->state == WORKER_STATE_RUNNING))
		return;
	worker_request(a->w, WORKER_JOB_CRITERIA);
}

/* In the grid view, ask for the sensitivity grid unless the snapshot has
 * it for the current settings (v, G). */
void app_grid_want(struct app *a)
{
	if (!a->w || a->view != LAYOUT_VIEW_GRID)
		return;
	const struct worker_snapshot *s = a->snap;
	if (!s || !s->grid || s->grid_stale ||
	    s->job[WORKER_JOB_GRID].state == WORKER_STATE_NONE)
		worker_request(a->w, WORKER_JOB_GRID);
}
