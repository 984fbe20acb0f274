/* progress.h: a progress report on stderr for the batch commands.
 *
 * On a terminal (isatty) it redraws one line in place, at most ~10 times a
 * second:  "train  [#########.........]  45%  123/270  1,234 img/s  ETA 0:12
 * loss 0.4567".  Otherwise (a pipe, a log file, CI) it prints a plain line
 * each time another 10 % is done or 5 s have passed, so logs stay short.
 *
 * Owns: nothing on the heap; struct progress_line is caller storage.  Writes
 * only to the FILE given (stderr).  Not for use from a signal handler.
 *
 *   struct progress_line pr;
 *   progress_init(&pr, stderr, "train", "img/s");
 *   for (...) progress_update(&pr, done, total, items_done, loss);
 *   progress_finish(&pr);
 */
#ifndef RECONVENE_PROGRESS_H
#define RECONVENE_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

struct progress_line {
	FILE *out;
	bool tty;             /* redraw in place */
	bool drawn;           /* a tty line is on screen */
	const char *label;    /* borrowed, e.g. "train" */
	const char *unit;     /* borrowed rate unit, e.g. "img/s" */
	double start;         /* monotonic seconds at init */
	double last;          /* time of the last output */
	int last_decile;      /* plain mode: last 10 % step printed */
};

void progress_init(struct progress_line *p, FILE *out, const char *label,
		   const char *unit);
/* done of total steps; items is the count the rate is measured in (e.g.
 * images so far); loss < 0 means none to show.  force draws even if the
 * rate limit says not yet. */
void progress_update(struct progress_line *p, long done, long total,
		     double items, double loss, bool force);
/* Erase the in-place line (tty) so the next message starts clean. */
void progress_finish(struct progress_line *p);
/* Print a whole line of text, erasing the in-place line first if needed. */
void progress_note(struct progress_line *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "1:05" or "1:02:03" into buf. */
const char *progress_clock(double seconds, char *buf, size_t len);

#endif
