/* dialog.h: the explorer's dialogs on screen.
 *
 * The dialogs' STATE and their key handling live in app_dialog.c (pure,
 * unit tested); this module only draws them (Enter: exact channel count, m:
 * method picker, s: sparsity picker, w / o: plan file path, e: export
 * directory, q with unsaved edits).  The export itself is the worker's
 * EXPORT job (worker.h), started by app_files.c.
 *
 * Owns: nothing.  Thread rules: the UI thread (curses).
 *
 *   if (app.dlg.kind != APP_DIALOG_NONE) dialog_draw(&app, &layout);
 */
#ifndef RECONVENE_DIALOG_H
#define RECONVENE_DIALOG_H

#include "explorer/app.h"
#include "explorer/layout.h"

/* Draw the open dialog into lo->overlay. */
void dialog_draw(const struct app *a, const struct layout *lo);

#endif
