/* input.h: the one path from an input event (a key, a resize, a mouse
 * action, an adopted automatic plan) to the explorer's state, shared by
 * the main loop (loop.c) and the batch replay (cmd_replay.c), so that a
 * recorded session replays exactly as it ran.
 *
 * It keeps the layout current: a resize, and any key whose flags ask for
 * RELAYOUT or REPAINT, recompute it at once (before the next event), so
 * page moves and the help's page size never depend on how the terminal
 * batched the keys.  Below the minimum size only help, quit, cancel and
 * repaint keys act (and an open dialog keeps its keys), so that nothing
 * changes that nobody can see.
 *
 * Owns: nothing.  The app and the record file are BORROWED; lo is the
 * caller's to read (the drawing code uses it).
 * Thread rules: the UI thread (the app's rules).
 *
 *   struct input in;
 *   input_init(&in, &app, LINES, COLS, record_or_NULL);
 *   f |= input_event(&in, &(struct keylog_event){ KEYLOG_KEY, getch(), 0 });
 *   f |= input_snapshot(&in);   (after the worker's wake fd fired)
 */
#ifndef RECONVENE_INPUT_H
#define RECONVENE_INPUT_H

#include <stdio.h>

#include "explorer/app.h"
#include "explorer/keylog.h"
#include "explorer/layout.h"

struct input {
	struct app *app;    /* borrowed */
	struct layout lo;   /* for rows x cols, current */
	int rows, cols;
	FILE *record;       /* borrowed: every applied event is logged, or NULL */
};

void input_init(struct input *in, struct app *a, int rows, int cols, FILE *record);
/* Recompute the layout (the app's overlay or view changed). */
void input_relayout(struct input *in);
/* Apply one event; returns the app's UI_* flags (0 if it was ignored). */
unsigned input_event(struct input *in, const struct keylog_event *ev);
/* Take the latest worker snapshot (app_snapshot_update); when it settles
 * settles an automatic plan (adopted or failed; input_event logs one that
 * settles at once too), a `wait` event is logged. */
unsigned input_snapshot(struct input *in);

#endif
