/* dialog.h: the explorer's dialogs on screen, and the export job.
 *
 * The dialogs' STATE and their key handling live in app.c (pure, unit
 * tested); this module only draws them (Enter: exact channel count, m:
 * method picker, s: sparsity picker, w / o: plan file path, e: export
 * directory, q with unsaved edits) and runs the export, which re-scores
 * the model and builds the pruned net: too slow for the UI thread, so it
 * runs on a thread of its own and the main loop polls it.
 *
 * Export writes exactly what `reconvene prune --plan P --out DIR` writes
 * (reconvene_save: DIR/model.cfg, DIR/model.safetensors with masks,
 * DIR/plan.json) for the current plan and settings.
 *
 * Owns: struct dialog_export owns its thread and copies of the spec, the
 * settings and the plan; the dataset is BORROWED until dialog_export_free.
 * Thread rules: start, poll and free from the UI thread.
 *
 *   struct dialog_export *x;
 *   if (dialog_export_start(&app, ds, app.export_dir, &x, &err)) ...;
 *   loop: if (dialog_export_poll(x, msg, sizeof msg, &ok)) { dialog_export_free(x); ... }
 */
#ifndef RECONVENE_DIALOG_H
#define RECONVENE_DIALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "explorer/app.h"
#include "data/data.h"
#include "explorer/layout.h"
#include "base/status.h"

/* Draw the open dialog into lo->overlay. */
void dialog_draw(const struct app *a, const struct layout *lo);

struct dialog_export;

/* Start exporting a's plan to dir (copied).  ds may be NULL (then SNIP and
 * GraSP cannot be used).  ENOMEM / EIO (thread). */
enum eng_status dialog_export_start(const struct app *a, const struct data_split *ds,
				    const char *dir, struct dialog_export **out,
				    struct eng_err *err);
/* true once finished: msg gets the one-line result, ok whether it worked. */
bool dialog_export_poll(struct dialog_export *x, char *msg, size_t len, bool *ok);
/* Join (waits for a running export) and free.  NULL ok. */
void dialog_export_free(struct dialog_export *x);

#endif
