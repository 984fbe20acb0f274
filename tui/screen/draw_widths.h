/* draw_widths.h: the widths view (v, LAYOUT_VIEW_WIDTHS): the selected
 * group's width-latency staircase in the heatmap's place.
 *
 * One column per width (or per run of widths when there are more widths
 * than columns; the widest of the run stands for it), bar height the
 * measured batch-1 latency of the group's layers at that width.  Widths
 * that are SLOW (a wider width is no slower, width_staircase.h) are drawn
 * in the warning role with a shaded glyph, so they stand out in mono too;
 * the column of the plan's current width is drawn selected and marked
 * below the axis.  Under the chart: the current width's latency and what
 * f (free channels) and F (next faster step) would do.  While nothing is
 * measured for the group: the WIDTHS job's progress.
 *
 * Owns: nothing.  Thread rules: the UI thread only (curses).
 */
#ifndef RECONVENE_DRAW_WIDTHS_H
#define RECONVENE_DRAW_WIDTHS_H

#include "explorer/app.h"
#include "explorer/layout.h"

void draw_widths(const struct app *a, const struct layout *lo);

#endif
