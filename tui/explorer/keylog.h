/* keylog.h: the explorer's input as a text file, to record a session
 * (`reconvene --record FILE`) and replay it without a terminal
 * (`reconvene replay FILE`, cmd_replay.c).  docs/replay.md has the format.
 *
 * A log is a header (model, settings, starting terminal size, dataset)
 * and a list of events, one a line:
 *
 *   # reconvene key log 1
 *   model lenet5
 *   settings method=synflow sparsity=0.9 tau=0.2 seed=1
 *   size 80 24
 *   key Down            a key by tmux-style name, or one printable char
 *   text 12             printable characters, one key each
 *   resize 100 30       the terminal changed size
 *   select 3            mouse: click on visible table row 3
 *   heat 3              mouse: click on visible heatmap row 3
 *   scroll -3           mouse: wheel
 *   focus proj          mouse: click on the projection panel
 *   action keep_less    mouse: click on a footer item
 *   wait                the automatic plan asked for was settled (adopted
 *                       or failed): the replay waits for it here
 *
 * Key names (keylog_key_name / keylog_key_parse) follow tmux's send-keys:
 * Up Down Left Right S-Left S-Right PPage NPage Home End Tab BTab Space
 * Enter Escape BSpace DC IC F1..F12 C-a..C-z, a printable character as
 * itself, anything else as #N (its ncurses code in decimal).  Codes are
 * ncurses' KEY_* constants (as in keys.h); no curses function is called.
 *
 * Owns: struct keylog owns its event array (keylog_done frees it).
 * Thread rules: none (pure functions and caller storage).
 *
 *   struct keylog log;
 *   if (keylog_read(path, &log, &err) != ENG_STATUS_OK) ... err.msg ...;
 *   for (int i = 0; i < log.n; i++) ... log.ev[i] ...;
 *   keylog_done(&log);
 */
#ifndef RECONVENE_KEYLOG_H
#define RECONVENE_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "explorer/keys.h"
#include "base/status.h"

#define KEYLOG_VERSION 1
#define KEYLOG_NAME_MAX 16
#define KEYLOG_TEXT_MAX 1024 /* longest line */
#define KEYLOG_FILE_MAX ((size_t)256 << 20) /* largest file */

enum keylog_kind {
	KEYLOG_KEY,        /* a: key code */
	KEYLOG_RESIZE,     /* a: columns, b: rows */
	KEYLOG_SELECT,     /* a: visible table row */
	KEYLOG_HEAT,       /* a: visible heatmap row */
	KEYLOG_SCROLL,     /* a: rows (negative: up) */
	KEYLOG_FOCUS_PROJ, /* no arguments */
	KEYLOG_ACTION,     /* a: enum ui_action */
	KEYLOG_WAIT,       /* no arguments */
};

struct keylog_event {
	enum keylog_kind kind;
	int a, b;
};

/* What the header says; has_* is false for a line that is absent. */
struct keylog_header {
	bool has_model, has_settings, has_size, has_data;
	char model[256];
	char method[32];
	double sparsity, tau;
	unsigned long long seed;
	int align;                 /* > 1: settings ... align=N; 0 when absent */
	int width;                 /* enum reconvene_width: settings ...
				    * width=NAME; density when absent (logs
				    * from before sqrt became the default) */
	int cols, rows;
	char data[1024];
};

struct keylog {
	struct keylog_header head;
	struct keylog_event *ev; /* owned */
	int n, cap;
};

/* The name of key ("Up", "a", "C-r", "#1234") into buf (at least
 * KEYLOG_NAME_MAX bytes). */
const char *keylog_key_name(int key, char *buf, size_t len);
/* The code of a key name; false if it is not one. */
bool keylog_key_parse(const char *name, int *key);

/* Read a log.  ENOENT, EIO (cannot read), EINVAL (a bad line: err names
 * path:line and what is wrong), ENOMEM.  *log is initialised either way
 * (keylog_done it). */
enum eng_status keylog_read(const char *path, struct keylog *log,
			    struct eng_err *err);
/* The same from text in memory (name is used in messages). */
enum eng_status keylog_parse(const char *text, size_t len, const char *name,
			     struct keylog *log, struct eng_err *err);
void keylog_done(struct keylog *log);

/* A whole number in [lo, hi] that is all of s (the key log's and the
 * saved session's numbers). */
bool keylog_int(const char *s, long lo, long hi, long *out);

/* The settings line's words, "method=synflow sparsity=0.9 tau=0.2
 * seed=1" (any order, all four; numbers written to round-trip exactly),
 * shared with the saved session (session_state.h).  Parse: rest is
 * tokenised in place; NULL, or what is wrong; sets h's method, sparsity,
 * tau, seed and has_settings.  Format: like snprintf. */
const char *keylog_settings_parse(char *rest, struct keylog_header *h);
int keylog_settings_format(const struct keylog_header *h, char *buf, size_t len);

/* Write the header (only the fields with has_* set) and one event. */
void keylog_header_write(FILE *f, const struct keylog_header *h);
void keylog_event_write(FILE *f, const struct keylog_event *ev);

#endif
