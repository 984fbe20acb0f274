/* draw_stability.h: the stability marks (key S, the worker's STABILITY
 * job, prune/stability.h) on the explorer's screen: under the channel
 * heatmap, on the projection rule where the heat legend is, one row for
 * the selected layer's group (a full block where every channel of the
 * cell was kept in every scoring, a shaded block where some were kept in
 * some runs only, a dot where none was ever kept), its counts in the
 * heatmap's title, and a ~ instead of R in the table for a layer whose
 * resilient choice flips between initialisations.
 *
 * Owns: nothing.  Thread rules: the UI thread only (curses).
 */
#ifndef RECONVENE_DRAW_STABILITY_H
#define RECONVENE_DRAW_STABILITY_H

#include <stdbool.h>

#include "explorer/app.h"
#include "explorer/layout.h"
#include "prune/stability.h"

/* The snapshot's stability when it is for this model and the current
 * settings, else NULL. */
const struct stability *draw_stability_current(const struct app *a);
/* Whether layer flips between initialisations (a current result only). */
bool draw_stability_flips(const struct app *a, int layer);
/* The row under the heatmap (heat view; instead of the legend): true
 * when drawn. */
bool draw_stability_row(const struct app *a, const struct layout *lo);
/* " · kept always A, some S, never N" for the cursor's group into buf, or
 * "" when there is nothing to say. */
void draw_stability_title(const struct app *a, char *buf, int len);

#endif
