/* tour.h: a guided tour of Reconvene over the live explorer (`reconvene
 * tour`), without curses: which step is shown, what entering a step does
 * to the explorer, going back, autoplay, the caption with its live values
 * filled in, and where its box goes on the screen.  draw_tour.c draws it;
 * the main loop (loop.c) and the headless run (`reconvene tour --check`)
 * drive it.
 *
 * Entering a step sends its keys through input_event, the same path as
 * a typed key, so every tour action is an ordinary explorer edit (u
 * undoes it, --record logs it); then, once the scores it needs are there,
 * it moves the cursor (select).  Going back (Left) restores what was
 * there before the current step's keys: the plan (by undo), the settings,
 * the view and the cursor; a pending automatic plan is dropped.  Leaving
 * (q) keeps the explorer as it is.  A step is "ready" when everything its
 * `wait` names is current; autoplay counts from then.
 *
 * Owns: struct tour owns its script (moved in by tour_init).  The app and
 * the input are the caller's.  Thread rules: the UI thread (the app's).
 *
 *   struct tour t;
 *   tour_init(&t, &script, autoplay_seconds);     (script moved)
 *   f |= tour_start(&t, &in);
 *   if (tour_key(&t, &in, key, &f)) continue;      (Space, Left, Right, q)
 *   f |= tour_poll(&t, &in, now);                  (after snapshots, timeouts)
 *   tour_caption(&t, app, buf, sizeof buf);
 *   tour_done(&t);
 */
#ifndef RECONVENE_TOUR_H
#define RECONVENE_TOUR_H

#include <stdbool.h>
#include <stddef.h>

#include "explorer/app.h"
#include "explorer/input.h"
#include "explorer/layout.h"
#include "explorer/tour_script.h"
#include "worker/worker.h"

/* The state before a step's keys: what Left brings back. */
struct tour_mark {
	int hist_pos;
	struct worker_settings settings;
	enum layout_view view;
	int cursor;
};

struct tour {
	struct tour_script script;     /* owned */
	int step;                      /* shown now */
	bool active;                   /* false once left (q) or finished */
	double autoplay;               /* seconds per step once ready, 0 off */
	double ready_at;               /* when the step became ready, < 0 not yet */
	bool selected;                 /* the step's select is done */
	char note[ENG_ERR_MAX];        /* a problem of this step ("" none) */
	struct tour_mark mark[TOUR_STEPS_MAX];
};

/* Take over script (emptied). */
void tour_init(struct tour *t, struct tour_script *script, double autoplay);
void tour_done(struct tour *t);

/* Enter the first step. */
unsigned tour_start(struct tour *t, struct input *in);
/* Next step (the last one ends the tour), step back, leave. */
unsigned tour_next(struct tour *t, struct input *in);
unsigned tour_back(struct tour *t, struct input *in);
unsigned tour_leave(struct tour *t, struct app *a);

/* A key while the tour runs: Space and Right go on, Left goes back, q
 * leaves; true when the tour took it (its flags are or-ed into *f).  Any
 * other key, and every key while the help or a dialog is open, is the
 * explorer's. */
bool tour_key(struct tour *t, struct input *in, int key, unsigned *f);
/* The keys an active tour takes from the explorer (Space, Right, Left, q:
 * the same list tour_key obeys), for the footer to show another key for
 * their explorer actions, or mark them inactive (keys_footer_relabel:
 * h for Left; q quit stays, drawn inactive).  Fills keys; returns
 * how many, 0 when t is NULL or inactive. */
#define TOUR_TAKEN_MAX 4
int tour_keys_taken(const struct tour *t, int keys[TOUR_TAKEN_MAX]);

/* After a snapshot or a timeout: the step's select once its data is
 * there, readiness, and autoplay's next step.  now: seconds on a
 * monotonic clock. */
unsigned tour_poll(struct tour *t, struct input *in, double now);
/* Seconds until tour_poll has something to do for autoplay (>= 0), or
 * -1 when nothing is timed. */
double tour_timeout(const struct tour *t, double now);

/* Whether the step's waits are met; if not, what is still awaited (e.g.
 * "quick-eval 40%") into what. */
bool tour_ready(const struct tour *t, const struct app *a, char *what, size_t len);

/* Value v as the caption shows it ("272.47k", "0.9", "3.1%", "2.1x"),
 * "..." while it is not known (yet). */
void tour_value_text(const struct app *a, enum tour_value v, char *buf, size_t len);
/* The current step's text with its values filled in. */
void tour_caption(const struct tour *t, const struct app *a, char *buf, size_t len);

/* Word-wrap text (UTF-8; '\n' ends a line, so "\n\n" leaves an empty
 * one) to cols columns: up to max lines as [start, start + len) spans;
 * returns the number of lines (more than max: the rest did not fit). */
struct tour_span {
	int start, len;
};
int tour_wrap(const char *text, int cols, struct tour_span *lines, int max);

/* Where the caption box for panel p goes: beside the panel, never over
 * it when there is room, within the frame; rows x cols wanted (border
 * included), clipped to what is there. */
void tour_box(const struct layout *lo, enum tour_panel p, int rows, int cols,
	      struct layout_rect *box);
/* The layout rectangle of panel p (an empty one for none). */
struct layout_rect tour_panel_rect(const struct layout *lo, enum tour_panel p);

#endif
