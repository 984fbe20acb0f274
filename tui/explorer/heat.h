/* heat.h: the channel heatmap's arithmetic, without curses (screen/draw.c
 * draws it; tests/check_app.c checks it against the saved plan).
 *
 * Which channels a row shows as kept is NOT decided here: heat_row_kept
 * asks plan_group_kept (prune/plan.h) with the group importance the worker
 * published, the same call plan_resolve makes when a bundle is saved, so
 * the shading always matches the weights written beside it.
 *
 * Owns: nothing; every buffer is the caller's.
 * Thread rules: pure functions (the UI thread, with its snapshot).
 *
 *   int n = heat_row_kept(&app, app.snap, row, kept);   // kept: n bytes
 *   float top = heat_max(values, n);
 */
#ifndef RECONVENE_HEAT_H
#define RECONVENE_HEAT_H

#include "explorer/app.h"
#include "worker/worker.h"

/* The highest of v[0..n) (0 when n <= 0). */
float heat_max(const float *v, int n);

/* kept[c] (c < the row layer's output channels) = whether the app's plan
 * keeps channel c of table row `row`, by the group importance of snapshot
 * s (which must be for a's model, with valid scores).  kept must hold the
 * layer's output channel count (snapshot chan_n).  Returns that count, or
 * -1 when the answer is not known (no scores for the model yet, the row's
 * group changes but has no importance, out of memory): draw it unshaded. */
int heat_row_kept(const struct app *a, const struct worker_snapshot *s, int row,
		  unsigned char *kept);

#endif
