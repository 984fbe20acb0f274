/* session_state.h: a saved explorer session as plain data and as text:
 * the settings, the undo/redo history, the locks, the cursor and view and
 * the saved-plan mark of one model, so that an explorer cut off by a
 * dropped connection can start again where it was (docs/explorer.md,
 * "Sessions").  No file I/O here (session_file.h) and no app (app_session.c
 * captures and restores one).
 *
 * The text is a journal: a header, then records, one a line, applied in
 * order to an empty state.  A full write is the header and the records
 * that rebuild the state; after it, each change appends its own records,
 * so an edit costs one short write.
 *
 *   # reconvene session (docs/explorer.md)
 *   version 1
 *   model resnet20                     as the user named it (shown)
 *   net resnet20 5f0c2a9e81d3b467      the net's name, session_state_shape
 *   settings method=synflow sparsity=0.9 tau=0.2 seed=1
 *   edit 16 16 32 ...                  history_push of a keep vector
 *   pos 3                              undo / redo: the current entry
 *   lock 4 1                           group 4 locked (0: unlocked)
 *   view cursor=3 top=0 view=heat focus=table
 *   saved 8c1e0f5a2b3d4e6f             plan_hash at the last save / open
 *   measured synflow 0.9 0.2 1 auto 51402 130558 20900000 1.23 1.1 1.4
 *            0.551 0.54 0.56 : 16 16 32 ...   (one line) a plan_log note:
 *                                      method sparsity tau seed source
 *                                      params bytes MACs latency p10 p90
 *                                      accuracy lo hi (nan: not measured),
 *                                      then the plan's keep counts
 *
 * Reading checks everything against the model (session_state_parse's
 * gs): a keep count outside a group's range, a position, group or cursor
 * out of range, another version, another net, an unknown line: the whole
 * file is refused (EINVAL, err names file:line), never half applied.  A
 * last line without its newline (the writer was killed in the middle) is
 * dropped and counted, the rest is used.
 *
 * Owns: struct session_state owns its history, plan log and locked array
 * (session_state_init / session_state_done).
 * Thread rules: plain data, one thread.
 *
 *   struct session_state st;
 *   if (session_state_parse(text, len, "s.session", &gs, n_rows, &st, &err) == OK)
 *       ... app_session_restore(&app, &st) ...;
 *   session_state_done(&st);
 */
#ifndef RECONVENE_SESSION_STATE_H
#define RECONVENE_SESSION_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "explorer/history.h"
#include "explorer/layout.h"
#include "explorer/plan_log.h"
#include "prune/groups.h"
#include "base/status.h"
#include "worker/worker.h"

#define SESSION_STATE_VERSION 1
#define SESSION_STATE_FILE_MAX ((size_t)64 << 20)

/* The panel with the focus, as app.h's enum app_focus (same order). */
enum session_focus {
	SESSION_FOCUS_TABLE,
	SESSION_FOCUS_HEAT,
	SESSION_FOCUS_PROJ,
	SESSION_FOCUS_COUNT
};

/* Where the user was looking: saved with the next record, not alone. */
struct session_view {
	int cursor, top;        /* table row, first visible row */
	enum layout_view view;  /* heatmap or grid */
	enum session_focus focus;
};

struct session_state {
	char model[256];          /* as named on the command line */
	char net[64];             /* the net's name */
	uint64_t shape;           /* session_state_shape of the groups */
	int n_groups;
	bool has_settings;
	struct worker_settings settings; /* method, sparsity, tau, seed (the
				   * rest: worker_settings_default) */
	struct history hist;      /* owned; hist.n >= 1 once parsed */
	struct plan_log log;      /* owned: the measured plans */
	bool *locked;             /* owned, n_groups */
	struct session_view view;
	uint64_t saved_hash;      /* the plan at the last save or open */
	int dropped_tail;         /* parse: 1 when an unfinished last line
				   * was dropped */
};

/* An empty state for n_groups groups (no history entry yet).  ENOMEM. */
enum eng_status session_state_init(struct session_state *st, int n_groups);
void session_state_done(struct session_state *st);

/* What identifies a model for its session: the groups' names and channel
 * counts (FNV-1a).  Two models with the same value take the same plans. */
uint64_t session_state_shape(const struct group_set *gs);

/* Whether there is anything to restore: an edit or a lock. */
bool session_state_worth(const struct session_state *st);

/* One record each, with its newline, into buf; the length it needs, like
 * snprintf.  A buffer of session_state_line_max(n_groups) bytes holds any
 * record. */
size_t session_state_line_max(int n_groups);
int session_state_header(char *buf, size_t len, const char *model,
			 const char *net, uint64_t shape);
int session_state_settings_line(char *buf, size_t len,
				const struct worker_settings *s);
int session_state_edit_line(char *buf, size_t len, const int *keep, int n);
int session_state_pos_line(char *buf, size_t len, int pos);
int session_state_lock_line(char *buf, size_t len, int group, bool locked);
int session_state_view_line(char *buf, size_t len, const struct session_view *v);
int session_state_saved_line(char *buf, size_t len, uint64_t hash);
int session_state_measured_line(char *buf, size_t len, const struct plan_log_entry *e,
				int n_groups);

/* The whole state as text (header and every record), NUL-terminated
 * (len does not count it), malloc'd for the caller to free.  ENOMEM. */
enum eng_status session_state_format(const struct session_state *st,
				     char **text, size_t *len);

/* Parse a session; gs is the model it must fit (the net name is checked
 * against net_name), n_rows the explorer's table rows (for the cursor),
 * min_keep the collapse guard.  st is initialised either way
 * (session_state_done it).  EINVAL with "name:line: what" in err. */
enum eng_status session_state_parse(const char *text, size_t len, const char *name,
				    const char *net_name, const struct group_set *gs,
				    int n_rows, int min_keep,
				    struct session_state *st, struct eng_err *err);

#endif
