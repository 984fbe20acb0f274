/* draw_probe.h: the group probe (key G, the worker's PROBE job,
 * prune/group_probe.h) in the grid view: three columns at the right end
 * of the heat panel (layout's probe_x), titled -25% -50% -75%, giving for
 * each table row the quick-eval accuracy of the model with that layer's
 * output group alone pruned by that fraction (every row of a residual
 * group shows the group's figures); a dot for a cell still to come, an
 * ellipsis for the one training, a dash for a group that cannot be
 * pruned; dim when measured for older settings; the warning and bad
 * roles when the accuracy is 3 and 10 points below the dense model's
 * quick-eval.  Below the table's last row, when there is a free row, one
 * note: the hint (G) before the probe was asked for, its progress while
 * it runs, why it failed, or the dense accuracy to compare with.
 *
 * Owns: nothing.  Thread rules: the UI thread only (curses).
 */
#ifndef RECONVENE_DRAW_PROBE_H
#define RECONVENE_DRAW_PROBE_H

#include "explorer/app.h"
#include "explorer/layout.h"

/* The columns (when lo->probe_x > 0) and the note row (grid view). */
void draw_probe(const struct app *a, const struct layout *lo);

#endif
