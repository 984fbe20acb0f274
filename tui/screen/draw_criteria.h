/* draw_criteria.h: the criteria view (v, LAYOUT_VIEW_CRITERIA): the five
 * PaI criteria side by side in the heatmap's place, as `reconvene score
 * --compare` computes them (the worker's CRITERIA job).
 *
 * One column per method (random, magnitude, SNIP, GraSP, SynFlow; the
 * current method's title highlighted): for each table row, the layer's
 * density under that method as a heat swatch and a number, and R when
 * Reconvene's rule would call it resilient under that method.  The last
 * rows of the panel show, for the selected layer, the rank agreement
 * (Kendall tau of channel scores) of the current method with each other
 * one, and its mean over all layers.  While the job runs: its progress.
 *
 * Owns: nothing.  Thread rules: the UI thread only (curses).
 */
#ifndef RECONVENE_DRAW_CRITERIA_H
#define RECONVENE_DRAW_CRITERIA_H

#include "explorer/app.h"
#include "explorer/layout.h"

void draw_criteria(const struct app *a, const struct layout *lo);

#endif
