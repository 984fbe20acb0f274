/* tour_check.h: `reconvene tour --check`, the guided tour without a
 * terminal: the same explorer state over the background worker as the
 * explorer (session.h), every step entered through tour.h as the screen
 * would, waited for until it is ready (what its `wait` names is
 * current), and its caption printed with the live values filled in.  A
 * teacher runs it before the lecture; the tests run it to check each
 * step's state (the plan after each step can be written to a directory).
 *
 * Owns: nothing.  Thread rules: the main thread.
 */
#ifndef RECONVENE_TOUR_CHECK_H
#define RECONVENE_TOUR_CHECK_H

#include <stdbool.h>

#include "explorer/tour_script.h"
#include "worker/worker.h"

struct tour_check_opts {
	const char *script_path;   /* for messages */
	const char *model;         /* NULL: DEFAULT_MODEL */
	const char *data;          /* NULL: the default dataset */
	const char *plans_dir;     /* NULL, or write DIR/step-NN.json per step */
	int cols, rows;            /* the screen the steps are laid out for */
	bool disk_cache;
	double step_timeout;       /* seconds a step may wait for the worker */
};

/* Run every step of script (moved in, emptied) with settings ws.
 * Returns a CLI exit code; problems are printed as one line each. */
int tour_check_run(struct tour_script *script, const struct worker_settings *ws,
		   const struct tour_check_opts *o);

#endif
