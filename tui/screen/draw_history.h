/* draw_history.h: the history view (v, LAYOUT_VIEW_HISTORY): every plan
 * the session measured (app->log, plan_log.h) over the table and the
 * heatmap, which this view covers.
 *
 * Left, the list: one plan a row, numbered in the order first measured,
 * with where it came from (auto: the automatic plan of its settings;
 * edit), its params, MACs, batch-1 latency and quick-eval accuracy, ◆ (*)
 * when it is on the Pareto front of accuracy against the scatter's axis,
 * ▸ (>) on the plan the explorer holds now; the selected row (Enter
 * restores it) in the selection role.  Right, when it fits: the scatter,
 * quick-eval accuracy up, latency or MACs (x) across, one cell a point:
 * · (.) a plan, ◆ (*) on the front, ◉ (@) the current plan, D and U the
 * dense and unstructured-PaI baselines.  The legend rule names the marks.
 * Glyphs differ, not only colours, so it reads in monochrome.
 *
 * Owns: nothing.  Thread rules: the UI thread only (curses).
 */
#ifndef RECONVENE_DRAW_HISTORY_H
#define RECONVENE_DRAW_HISTORY_H

#include "explorer/app.h"
#include "explorer/layout.h"

/* The list's width at an area of width w, and whether the scatter fits
 * beside it (mouse code and tests agree with the drawing through these). */
#define DRAW_HISTORY_LIST_COLS 40
#define DRAW_HISTORY_SCATTER_MIN 24

void draw_history(const struct app *a, const struct layout *lo);

#endif
