/* draw_tour.h: the guided tour on screen (tour.h holds its state): the
 * panel the step talks about, marked along its left edge and with its
 * first row in reverse, and the caption box beside it: "tour 3/9", the
 * step's title, the caption with its live values, and a status line
 * (what the step still waits for, autoplay's countdown, or the keys).
 *
 * Owns: nothing.  Thread rules: the UI thread (curses).
 *
 *   if (tour && tour->active) draw_tour(tour, &app, &layout, now);
 */
#ifndef RECONVENE_DRAW_TOUR_H
#define RECONVENE_DRAW_TOUR_H

#include <stdbool.h>

#include "explorer/app.h"
#include "explorer/layout.h"
#include "explorer/tour.h"

/* now: the monotonic seconds tour_poll is given (the countdown). */
void draw_tour(const struct tour *t, const struct app *a, const struct layout *lo,
	       double now);

#endif
