/* app_internal.h: what the app's files share, private to app.c and the
 * app_*.c files; nothing else includes it.  The public interface is
 * explorer/app.h, and its rules (UI thread only, UI_* flags, who frees
 * what) hold here too: these functions change struct app and own nothing
 * of their own.
 *
 * The files call only down this list, never back up (tests/circles.sh;
 * app.c is at the bottom because every file includes its header):
 *   app.c           set up and done, the small lookups and the log line,
 *                   the projection, undo and the plan edits
 *   app_view.c      the views' requests (criteria, grid)
 *   app_settings.c  the scoring settings
 *   app_widths.c    width-latency staircases (f, F)
 *   app_auto.c      the automatic plan and --align auto
 *   app_files.c     plan files and the export
 *   app_history.c   the plan history
 *   app_cursor.c    moving (cursor, scroll)
 *   app_session.c   saved sessions
 *   app_dialog.c    the dialogs, the RESTORE question among them
 *   app_action.c    keys and actions
 *   app_snapshot.c  a new snapshot
 *   app_layout.c    what the layout needs
 * So a function lives with the lowest of the concepts that need it.
 */
#ifndef RECONVENE_APP_INTERNAL_H
#define RECONVENE_APP_INTERNAL_H

#include <stdbool.h>

#include "explorer/app.h"

/* The base (app.c). */
/* Group g of the model (points into the model, don't free). */
const struct group *app_group(const struct app *a, int g);
/* The collapse guard: settings.min_keep, or PLAN_MIN_KEEP_DEFAULT. */
int app_min_keep(const struct app *a);
/* The analytic projection of the plan and of one step of the cursor's
 * group (pure, microseconds). */
void app_project(struct app *a);
/* The plan to the worker (worker_set_plan), then app_project. */
void app_plan_send(struct app *a);
/* Undo: record the current plan (false: out of memory); make entry pos
 * the plan and send it. */
bool app_hist_push(struct app *a);
void app_hist_load(struct app *a, int pos);
/* Whether group g may be edited; if not, the log line says why. */
bool app_group_editable(struct app *a, int g);
/* Drop the pending aligned plan (a->pending_plan, freed here). */
void app_align_drop(struct app *a);

/* The views' requests (app_view.c): the criteria comparison and the
 * sensitivity grid, when their view shows and the snapshot lacks them. */
void app_criteria_want(struct app *a);
void app_grid_want(struct app *a);

/* Settings (app_settings.c). */
bool app_settings_same(const struct worker_settings *x,
		       const struct worker_settings *y);
/* Send s to the worker and make it a->settings; what goes to the log line. */
unsigned app_settings_send(struct app *a, const struct worker_settings *s,
			   const char *what);
/* Tau one APP_TAU_STEP down (dir -1) or up (1); the method and the
 * sparsity the dialogs picked. */
unsigned app_tau_step(struct app *a, int dir);
unsigned app_method_set(struct app *a, enum score_method m);
unsigned app_sparsity_set(struct app *a, double v);

/* Width-latency staircases (app_widths.c): ask for group g's staircase
 * unless it is known or asked. */
void app_widths_ask(struct app *a, int g);

/* The automatic plan and --align auto (app_auto.c). */
/* Whether the snapshot's automatic plan is for the current scores and
 * settings. */
bool app_auto_current(const struct app *a);
/* The pending aligned plan: ask for its next staircase, or adopt it. */
unsigned app_align_step(struct app *a);
/* Plan p arrived: adopt it, or with align_auto hold it for its staircases. */
unsigned app_auto_arrived(struct app *a, const struct prune_plan *p);
/* The a key: adopt at once when current, else ask the worker. */
unsigned app_auto(struct app *a);

/* The export (app_files.c): start the worker's EXPORT job into
 * a->export_dir; its end, from snapshot s, in the log line. */
void app_export_start(struct app *a);
unsigned app_export_update(struct app *a, const struct worker_snapshot *s);

/* The plan history (app_history.c). */
/* The history view's cursor to entry i (clamped), scrolled into view. */
void app_log_cursor_to(struct app *a, int i);
/* Snapshot s's figures for its own plan: a new or fuller entry. */
unsigned app_history_note(struct app *a, const struct worker_snapshot *s);

/* Moving (app_cursor.c): the table cursor to row c (clamped), scrolled
 * into view; the projection and the staircase follow it. */
void app_cursor_to(struct app *a, int c);

/* Dialogs (app_dialog.c). */
/* Open dialog kind with text in its field (NULL: empty). */
void app_dialog_open(struct app *a, enum app_dialog kind, const char *text);
/* A key while a dialog is open. */
unsigned app_dialog_key(struct app *a, int key);

#endif
