/* app_files.c: what the explorer writes and reads: plan files (w / o,
 * small JSON, prune/plan_file.h) and the export (e), the worker's EXPORT
 * job, from its start to its result in the log line.  With no_write (the
 * replay) nothing is written. */
#include "config.h"

#include <stdio.h>

#include "explorer/app_internal.h"
#include "prune/plan_file.h"
#include "prune/reconvene.h"

/* The worker's EXPORT job for the current plan into a->export_dir. */
void app_export_start(struct app *a)
{
	if (a->no_write) {
		app_log(a, APP_LOG_INFO, "export to %s/ not carried out (replay)",
			a->export_dir);
		return;
	}
	if (a->export_req) {
		app_log(a, APP_LOG_WARN, "an export is already running");
		return;
	}
	if (!a->w) {
		app_log(a, APP_LOG_ERROR, "export: no engine");
		return;
	}
	struct eng_err err = { "" };
	a->export_req = worker_export(a->w, &a->plan, a->export_dir, a->export_style,
				      &err);
	if (!a->export_req)
		app_log(a, APP_LOG_ERROR, "%s", err.msg);
	else
		app_log(a, APP_LOG_INFO, "exporting to %s/ ...", a->export_dir);
}

/* The export's end, from a snapshot: its result in the log line. */
unsigned app_export_update(struct app *a, const struct worker_snapshot *s)
{
	const struct worker_job_status *j = &s->job[WORKER_JOB_EXPORT];
	if (!a->export_req || j->request != a->export_req)
		return 0;
	switch (j->state) {
	case WORKER_STATE_DONE:
		app_log(a, APP_LOG_INFO, "%s", j->msg);
		break;
	case WORKER_STATE_FAILED:
		app_log(a, APP_LOG_ERROR, "export failed: %s", j->msg);
		break;
	case WORKER_STATE_CANCELLED:
		app_log(a, APP_LOG_WARN, "export to %s/ cancelled", a->export_dir);
		break;
	default:
		return 0;
	}
	a->export_req = 0;
	return UI_REDRAW;
}

unsigned app_plan_save(struct app *a, const char *path)
{
	struct reconvene_options o;
	worker_settings_to_reconvene(&a->settings, &o);
	struct plan_file_info info;
	plan_file_info_from_options(&o, a->model->net->name, &info);
	struct eng_err err = { { 0 } };
	if (a->no_write) {
		a->writes_skipped++;
		a->saved_hash = plan_hash(&a->plan);
		a->dlg.error[0] = '\0';
		app_log(a, APP_LOG_INFO, "plan not written to %s (replay)", path);
		return UI_HANDLED | UI_REDRAW;
	}
	if (plan_file_write(path, &a->model->groups, &a->plan, &info, &err) !=
	    ENG_STATUS_OK) {
		app_log(a, APP_LOG_ERROR, "%s", err.msg);
		snprintf(a->dlg.error, sizeof a->dlg.error, "%s", err.msg);
		return UI_HANDLED | UI_REDRAW;
	}
	a->saved_hash = plan_hash(&a->plan);
	a->dlg.error[0] = '\0';
	app_log(a, APP_LOG_INFO, "plan saved to %s", path);
	return UI_HANDLED | UI_REDRAW;
}

unsigned app_plan_open(struct app *a, const char *path)
{
	struct prune_plan p = { 0 };
	struct eng_err err = { { 0 } };
	enum eng_status st = plan_file_read(path, a->model->net,
						 &a->model->groups, app_min_keep(a),
						 &p, NULL, &err);
	if (st != ENG_STATUS_OK) {
		plan_done(&p);
		app_log(a, APP_LOG_ERROR, "%s", err.msg);
		snprintf(a->dlg.error, sizeof a->dlg.error, "%s", err.msg);
		return UI_HANDLED | UI_REDRAW;
	}
	a->dlg.error[0] = '\0';
	/* A file replaces the whole plan, locked groups included: it is an
	 * explicit choice, unlike the automatic plan. */
	bool any = false;
	for (int g = 0; g < p.n_groups; g++)
		if (p.keep[g] != a->plan.keep[g]) {
			plan_set_keep(&a->plan, g, p.keep[g]);
			any = true;
		}
	plan_done(&p);
	if (any && app_hist_push(a))
		app_plan_send(a);
	else if (any)
		app_hist_load(a, a->hist.pos);
	a->saved_hash = plan_hash(&a->plan);
	app_log(a, APP_LOG_INFO, "plan opened from %s%s", path,
		any ? "" : " (same as the current plan)");
	return UI_HANDLED | UI_REDRAW;
}
