/* tour_script.h: a guided tour of the explorer as a plain text file
 * (`reconvene tour`, docs/tour.md has the format), parsed into steps.
 *
 * A script is a list of [step] sections:
 *
 *   # comments and blank lines are ignored
 *   [step]
 *   title  = The global mask                  (required, one line)
 *   panel  = table                            header table heat proj legend
 *                                             footer none (default none)
 *   keys   = a                                explorer keys sent when the step
 *                                             is entered, tmux names (keylog.h),
 *                                             separated by blanks
 *   select = resilient                        put the cursor on a layer: first,
 *                                             resilient, sparsest, densest or
 *                                             a layer name
 *   wait   = auto latency                     what the caption waits for: scores
 *                                             auto latency quickeval grid
 *   text   = At sparsity {sparsity} ...       the caption, one line per
 *   text   = ... more of the same paragraph   `text`, joined into
 *   text   = - a line of its own              paragraphs; "- " starts a
 *   text   =                                  new line, an empty `text =`
 *                                             a new paragraph
 *
 * Captions name live values in braces ({params}, tour.h lists them); an
 * unknown name is an error here, so a teacher finds a typo when the
 * script is read, not in front of the class.  `{{` is a literal brace.
 *
 * Every problem is one message "FILE:LINE: what is wrong".
 *
 * Owns: struct tour_script owns its steps and their strings
 * (tour_script_done frees them).  Thread rules: none (caller storage).
 *
 *   struct tour_script ts;
 *   if (tour_script_read(path, &ts, &err) != ENG_STATUS_OK) ... err.msg ...;
 *   for (int i = 0; i < ts.n; i++) ... ts.step[i].title ...;
 *   tour_script_done(&ts);
 */
#ifndef RECONVENE_TOUR_SCRIPT_H
#define RECONVENE_TOUR_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"

#define TOUR_SCRIPT_FILE_MAX ((size_t)1 << 20) /* largest script */
#define TOUR_STEPS_MAX 64
#define TOUR_KEYS_MAX 16                       /* keys per step */
#define TOUR_TITLE_MAX 80
#define TOUR_TEXT_MAX 2048                     /* caption bytes per step */
#define TOUR_SELECT_MAX 64

/* The part of the screen a step talks about. */
enum tour_panel {
	TOUR_PANEL_NONE,
	TOUR_PANEL_HEADER,
	TOUR_PANEL_TABLE,
	TOUR_PANEL_HEAT,
	TOUR_PANEL_PROJ,
	TOUR_PANEL_LEGEND,
	TOUR_PANEL_FOOTER,
	TOUR_PANEL_COUNT
};

/* What a caption waits for (bits). */
#define TOUR_WAIT_SCORES    0x01u /* PaI scores of the current settings */
#define TOUR_WAIT_AUTO      0x02u /* the automatic plan asked for by `a` */
#define TOUR_WAIT_LATENCY   0x04u /* batch-1 latency of dense and the plan */
#define TOUR_WAIT_QUICKEVAL 0x08u /* quick-eval of dense, PaI and the plan */
#define TOUR_WAIT_GRID      0x10u /* the layers x sparsity grid */

struct tour_step {
	char title[TOUR_TITLE_MAX];
	enum tour_panel panel;
	int keys[TOUR_KEYS_MAX];     /* ncurses key codes */
	int n_keys;
	char select[TOUR_SELECT_MAX];/* "" = leave the cursor */
	unsigned wait;               /* TOUR_WAIT_* */
	char *text;                  /* owned: the caption; '\n' ends a line
				      * ("\n\n" a paragraph); {names} still
				      * in it */
	int line;                    /* the [step] line, for messages */
};

struct tour_script {
	struct tour_step *step;      /* owned */
	int n;
};

/* Read and check a script.  ENOENT, EIO, EINVAL (err says FILE:LINE and
 * what is wrong), ENOMEM.  *ts is initialised either way (done it). */
enum eng_status tour_script_read(const char *path, struct tour_script *ts,
				 struct eng_err *err);
/* The same from text in memory; name is the file name in messages. */
enum eng_status tour_script_parse(const char *text, size_t len, const char *name,
				  struct tour_script *ts, struct eng_err *err);
void tour_script_done(struct tour_script *ts);

/* "table", ... and back; false for an unknown name. */
const char *tour_panel_name(enum tour_panel p);
bool tour_panel_parse(const char *name, enum tour_panel *p);

/* The live values a caption may name ({model}, ...); tour.c fills them
 * in from the explorer's state, docs/tour.md explains each. */
enum tour_value {
	TOUR_VALUE_MODEL,           /* model name */
	TOUR_VALUE_METHOD,          /* PaI method */
	TOUR_VALUE_SPARSITY,        /* s, e.g. 0.9 */
	TOUR_VALUE_KEEP_PERCENT,    /* 1 - s in percent, e.g. 10% */
	TOUR_VALUE_TAU,
	TOUR_VALUE_SEED,
	TOUR_VALUE_LAYERS,          /* prunable (conv, linear) layers */
	TOUR_VALUE_GROUPS,          /* channel groups that can be pruned */
	TOUR_VALUE_RESILIENT,       /* layers marked resilient now */
	TOUR_VALUE_SPARSEST,        /* the layer with the lowest density */
	TOUR_VALUE_SPARSEST_DENSITY,
	TOUR_VALUE_DENSEST,
	TOUR_VALUE_DENSEST_DENSITY,
	TOUR_VALUE_LAYER,           /* the cursor's layer */
	TOUR_VALUE_LAYER_DENSITY,
	TOUR_VALUE_LAYER_KEPT,      /* its group's kept channels in the plan */
	TOUR_VALUE_LAYER_CHANNELS,  /* its group's channels */
	TOUR_VALUE_GROUP_LAYERS,    /* layers in the cursor's group */
	TOUR_VALUE_CHANGED,         /* groups the plan shrinks */
	TOUR_VALUE_DENSE_PARAMS, TOUR_VALUE_PAI_PARAMS, TOUR_VALUE_PLAN_PARAMS,
	TOUR_VALUE_DENSE_BYTES, TOUR_VALUE_PAI_BYTES, TOUR_VALUE_PLAN_BYTES,
	TOUR_VALUE_DENSE_MACS, TOUR_VALUE_PAI_MACS, TOUR_VALUE_PLAN_MACS,
	TOUR_VALUE_DENSE_LATENCY, TOUR_VALUE_PAI_LATENCY, TOUR_VALUE_PLAN_LATENCY,
	TOUR_VALUE_DENSE_ACCURACY, TOUR_VALUE_PAI_ACCURACY, TOUR_VALUE_PLAN_ACCURACY,
	TOUR_VALUE_PARAMS_RATIO,    /* dense / plan non-zero parameters */
	TOUR_VALUE_BYTES_RATIO,     /* PaI / plan stored bytes */
	TOUR_VALUE_MACS_RATIO,      /* dense / plan MACs */
	TOUR_VALUE_SPEEDUP,         /* plan against dense, batch-1 latency:
				     * "1.8x faster" or "1.2x slower" */
	TOUR_VALUE_PAI_SPEEDUP,     /* the same against PaI */
	TOUR_VALUE_COUNT
};

/* The value called name[0..len) (without braces); false if none is. */
bool tour_value_lookup(const char *name, size_t len, enum tour_value *v);
const char *tour_value_name(enum tour_value v);

#endif
