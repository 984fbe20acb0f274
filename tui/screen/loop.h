/* loop.h: the explorer's main loop (curses side) and its entry point.
 *
 * One loop, a timeout and dirty flags (nvtop, btop): poll({stdin, the
 * worker's wake fd}) with a timeout, then, whatever woke it (a key, a
 * snapshot, a timeout or EINTR), drain getch() in nodelay mode until ERR
 * (KEY_RESIZE and KEY_MOUSE arrive that way), apply the UI_* flags the app
 * returns, and draw a frame only when something changed: draw_frame, one
 * wnoutrefresh and one doupdate.  Signal handlers only set sig_atomic_t
 * flags (SIGINT, SIGTERM and SIGHUP quit cleanly, SIGTSTP suspends); SIGWINCH is
 * left to ncurses.  A terminal that hangs up without a SIGHUP (poll says
 * POLLHUP on stdin) ends the loop too, rather than spinning on it.
 *
 * Timing log: with RECONVENE_TUI_TIMING=FILE every frame appends
 *   frame COLSxROWS draw_us=N update_us=N
 * and every key that changed the plan appends
 *   key KEY app_us=N session_us=N to_frame_us=N
 * (key read -> app state and analytic projection updated -> the saved
 * session told (session_file_sync) -> frame on the terminal), for the
 * benchmark in docs/explorer.md.
 *
 * Owns: nothing; struct loop is caller storage wired up by explore.c.
 * Thread rules: the UI thread only.
 */
#ifndef RECONVENE_LOOP_H
#define RECONVENE_LOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "explorer/app.h"
#include "explorer/input.h"
#include "explorer/keylog.h"
#include "explorer/layout.h"
#include "explorer/session_file.h"
#include "explorer/tour.h"
#include "worker/worker.h"

/* Why loop_run returned. */
enum loop_end {
	LOOP_END_QUIT,       /* the user quit (q, F10) */
	LOOP_END_SIGNAL,     /* SIGINT, SIGTERM or SIGHUP */
	LOOP_END_HANGUP,     /* the terminal went away (stdin hung up) */
	LOOP_END_ITERATIONS, /* --max-iterations */
};

struct loop {
	struct app *app;
	struct worker *w;               /* borrowed */
	const char *dataset_name;       /* header */
	bool ascii;                     /* ASCII key names */
	bool mouse;
	long max_iterations;            /* > 0: stop after this many */
	FILE *timing;                   /* RECONVENE_TUI_TIMING, or NULL */
	/* Next theme (key c); returns the new name for the header. */
	const char *(*theme_next)(void *user);
	void *user;
	const char *theme_name;
	/* --record: every input event is logged here, after this header */
	FILE *record;
	struct keylog_header record_head;
	/* the saved session, told after every event (session_file_sync), or
	 * NULL */
	struct session_file *session;
	/* `reconvene tour`: the guided tour over the explorer, or NULL */
	struct tour *tour;
	/* state */
	struct input in;
	enum loop_end end;
};

/* Flags set by the signal handlers. */
extern volatile sig_atomic_t loop_sig_quit;
extern volatile sig_atomic_t loop_sig_tstp;

/* SIGINT, SIGTERM, SIGHUP (quit) and SIGTSTP (suspend) -> flags.  Call
 * before initscr so ncurses keeps them. */
void loop_signals_install(void);

/* Run until quit; returns the exit code (0). */
int loop_run(struct loop *l);

/* The explorer: `reconvene [MODEL] [options]` (explore.c); explore_run
 * is the same with a guided tour over it (tour may be NULL; borrowed;
 * `reconvene tour`, tour_cmd.c). */
int cmd_explore(int argc, char **argv);
int explore_run(int argc, char **argv, struct tour *tour);
int cmd_tour(int argc, char **argv);

#endif
