/* history.h: the explorer's undo history of plan edits, as plain data.
 *
 * A history is a list of keep-count vectors (one int per group) and a
 * position: v[pos] is the current plan.  history_push drops everything
 * after pos (the redo branch), appends, and at HISTORY_MAX entries drops
 * the oldest.  Moving pos is undo and redo.  The app (app.c) edits its
 * plan through one, and a saved session (session_state.c) rebuilds one by
 * replaying the same pushes, so both follow this one rule.
 *
 * Owns: struct history owns v and every v[i] (history_init /
 * history_done).  pushes counts history_push calls since init; it only
 * grows, so a watcher (the session file) can tell that an edit happened.
 * Thread rules: plain data, one thread.
 *
 *   struct history h;
 *   history_init(&h, n_groups);
 *   history_push(&h, keep);       // false: out of memory, h unchanged
 *   h.pos--;                      // undo
 *   ... h.v[h.pos] ...
 *   history_done(&h);
 */
#ifndef RECONVENE_HISTORY_H
#define RECONVENE_HISTORY_H

#include <stdbool.h>

#include "base/status.h"

#define HISTORY_MAX 4096

struct history {
	int width;             /* ints per entry */
	int **v;               /* owned, HISTORY_MAX slots, v[0..n) set */
	int n, pos;            /* entries; the current one (0 when n = 0) */
	unsigned long pushes;  /* history_push calls that succeeded */
};

/* An empty history of width-int vectors.  ENOMEM. */
enum eng_status history_init(struct history *h, int width);
void history_done(struct history *h);
/* Append a copy of keep after pos (the redo branch is dropped); false
 * when out of memory (h unchanged). */
bool history_push(struct history *h, const int *keep);
/* Deep copy (dst initialised here; history_done it).  ENOMEM. */
enum eng_status history_copy(struct history *dst, const struct history *src);

#endif
