/* keys.h: the explorer's key bindings.  ONE table (keys.c) drives key
 * dispatch, the footer key bar (and its mouse click ranges) and the help
 * screen, so the three cannot drift apart.
 *
 * Keys are ints with ncurses' values: printable characters as themselves,
 * control keys as 0x01..0x1f, special keys as ncurses' KEY_* codes (keys.c
 * takes the KEY_* macros from <curses.h>; they are compile-time constants,
 * and no curses function is called, so libtui links without curses).
 * KEY_RESIZE and KEY_MOUSE are not bindings: the main loop handles them.
 *
 * Owns: the static table.  Every string returned points into it (static
 * storage, never freed).  Footer items and help lines are caller storage.
 * Thread rules: read-only data, pure functions.
 *
 *   enum ui_action a = keys_lookup(getch());
 *   struct keys_footer_item items[KEYS_FOOTER_MAX];
 *   int n = keys_footer_layout(footer.w, ascii, items, KEYS_FOOTER_MAX);
 *   ... on a click at column x of the footer: keys_footer_hit(items, n, x)
 */
#ifndef RECONVENE_KEYS_H
#define RECONVENE_KEYS_H

#include <stdbool.h>
#include <stddef.h>

enum ui_action {
	UI_ACTION_NONE = 0,
	/* moving */
	UI_ACTION_UP,
	UI_ACTION_DOWN,
	UI_ACTION_PAGE_UP,
	UI_ACTION_PAGE_DOWN,
	UI_ACTION_HOME,
	UI_ACTION_END,
	UI_ACTION_FOCUS_NEXT,
	UI_ACTION_FOCUS_PREV,
	/* plan edits (undoable) */
	UI_ACTION_KEEP_LESS,     /* selected group: 5 % fewer channels */
	UI_ACTION_KEEP_MORE,     /* 5 % more */
	UI_ACTION_KEEP_LESS_ONE, /* one channel fewer */
	UI_ACTION_KEEP_MORE_ONE, /* one channel more */
	UI_ACTION_KEEP_EXACT,    /* type an exact count */
	UI_ACTION_WIDTH_FREE,    /* widest width as fast as this one */
	UI_ACTION_WIDTH_FASTER,  /* the next measurably faster width */
	UI_ACTION_LOCK,          /* lock the layer against the auto plan */
	UI_ACTION_AUTO,          /* the Reconvene automatic plan */
	UI_ACTION_UNDO,
	UI_ACTION_REDO,
	/* analysis settings */
	UI_ACTION_TAU_DOWN,
	UI_ACTION_TAU_UP,
	UI_ACTION_METHOD,
	UI_ACTION_SPARSITY,
	UI_ACTION_RESEED,
	UI_ACTION_STABILITY,     /* score 5 more times: how stable is it */
	UI_ACTION_HISTORY_AXIS,  /* history scatter: latency or MACs */
	UI_ACTION_PROBE,         /* quick-eval each group pruned alone */
	/* files */
	UI_ACTION_SAVE,
	UI_ACTION_OPEN,
	UI_ACTION_EXPORT,
	UI_ACTION_HISTORY_EXPORT, /* the plan history as CSV and PNG */
	/* screen */
	UI_ACTION_VIEW,
	UI_ACTION_THEME,
	UI_ACTION_PRESENT,       /* the presentation layout on and off */
	UI_ACTION_REPAINT,
	UI_ACTION_HELP,
	UI_ACTION_CANCEL,        /* Esc: close a dialog or the help */
	UI_ACTION_QUIT,
	UI_ACTION_COUNT
};

/* Help screen groups, in display order. */
enum keys_group {
	KEYS_GROUP_MOVE,
	KEYS_GROUP_EDIT,
	KEYS_GROUP_ANALYSIS,
	KEYS_GROUP_FILES,
	KEYS_GROUP_SCREEN,
	KEYS_GROUP_COUNT
};

struct keys_binding {
	int key;                 /* ncurses key code */
	enum ui_action act;
	const char *key_label;   /* UTF-8, e.g. "←", "F1", "^R" */
	const char *key_ascii;   /* ASCII twin, e.g. "Left" */
	const char *label;       /* short footer word, NULL if never shown */
	const char *help;        /* one help line; first binding of an action */
	enum keys_group group;
	bool destructive;        /* writes or replaces files: off in read-only */
	int footer;              /* footer priority: 1 is kept longest, 0 never */
};

/* The table, in help order (bindings of one action are adjacent). */
int keys_binding_count(void);
const struct keys_binding *keys_binding_get(int i);

/* The action bound to key, or UI_ACTION_NONE. */
enum ui_action keys_lookup(int key);

/* A stable lower-case name ("keep_less"), for logs, docs and tests. */
const char *keys_action_name(enum ui_action act);
/* Whether act writes or replaces files (disabled in read-only demos). */
bool keys_action_destructive(enum ui_action act);

/* Check the table: no key bound twice, every action but NONE reachable,
 * help text on the first binding of each action, footer labels present.
 * Returns 0, or -1 with the first problem in why. */
int keys_table_check(char *why, size_t len);

/* --- footer --------------------------------------------------------- */
#define KEYS_FOOTER_MAX 24
#define KEYS_FOOTER_GAP 2 /* blank columns between items */

struct keys_footer_item {
	enum ui_action act;
	int x;                 /* first column, relative to the footer start */
	int w;                 /* key_w + 1 + label columns */
	int key_w;             /* columns of the key label (drawn highlighted) */
	const char *key_label; /* UTF-8 or ASCII, per the call */
	const char *label;
	bool taken;            /* keys_footer_relabel: its key is taken and no
				* other key fits its place; drawn inactive */
};

/* Choose the footer items that fit width columns, most important first
 * (help and quit always, when width allows), shown in table order.
 * Returns the number written to items (at most max). */
int keys_footer_layout(int width, bool ascii, struct keys_footer_item *items,
		       int max);
/* While another mode owns some keys (the tour takes Space, Left, Right
 * and q: tour_keys_taken), show for each item whose key is among
 * taken[0..n_taken) the first other binding of its action that fits the
 * key's columns instead ("h -5%" for "← -5%"); x and w stay, so clicks
 * map as before.  An item with no such key keeps its label and is marked
 * taken, for the footer to draw it inactive ("q quit": F10 is wider). */
void keys_footer_relabel(struct keys_footer_item *items, int n, const int *taken,
			 int n_taken, bool ascii);
/* The action of the item covering column x (relative), or UI_ACTION_NONE. */
enum ui_action keys_footer_hit(const struct keys_footer_item *items, int n,
			       int x);
/* The footer as plain text ("F1 help  ← -5%  ..."), for simple drawing and
 * tests; returns its width in columns. */
int keys_footer_text(int width, bool ascii, char *buf, size_t size);

/* --- help screen ---------------------------------------------------- */
#define KEYS_HELP_COLS 76   /* every help line fits this many columns */
#define KEYS_HELP_KEY_COLS 16 /* the key column of binding lines */
#define KEYS_HELP_TEXT_MAX 256

enum keys_help_kind {
	KEYS_HELP_HEADING, /* a group title */
	KEYS_HELP_BINDING, /* keys, then what they do */
	KEYS_HELP_TEXT,    /* a line of the explanation */
	KEYS_HELP_BLANK,
};

struct keys_help_line {
	enum keys_help_kind kind;
	enum ui_action act;   /* KEYS_HELP_BINDING, else UI_ACTION_NONE */
	bool inactive;        /* read-only mode and a destructive action */
	int key_w;            /* binding lines: columns from the line start
			       * through the last key name (indent included) */
	char text[KEYS_HELP_TEXT_MAX]; /* the whole line, UTF-8 or ASCII */
};

/* Fill up to max lines of the help screen (grouped bindings, then the
 * explanation of density, resilient layers, tau and dependency groups).
 * Returns the total number of lines, which may exceed max. */
int keys_help_lines(bool ascii, bool readonly, struct keys_help_line *lines,
		    int max);

/* Display columns of a UTF-8 string made of width-1 characters (all of
 * ours are): counts code points. */
int keys_text_cols(const char *s);

#endif
