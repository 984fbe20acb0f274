/* stairs.h: the width-latency staircases an explorer session has measured,
 * one slot per channel group, and the two questions the explorer asks of
 * them: where f / F would move a group, and how many groups of a plan sit
 * on a slow width.
 *
 * A staircase depends on the model, the thread count and the BLAS kernels
 * only (worker/width_cache.h), so one measured in this session stays true
 * for the whole session: a group's first one is kept and never replaced.
 *
 * Owns: every staircase's points (stairs_done frees them).  No curses, no
 * worker: app.c feeds it from snapshots.  Thread rules: one thread.
 *
 *   struct stairs st;
 *   stairs_init(&st, groups->n_groups);
 *   stairs_adopt(&st, &snapshot->widths.stair);
 *   int to = stairs_snap(&st, g, keep, false);
 *   stairs_done(&st);
 */
#ifndef RECONVENE_STAIRS_H
#define RECONVENE_STAIRS_H

#include <stdbool.h>

#include "base/status.h"
#include "prune/plan.h"
#include "prune/width_staircase.h"

struct stairs {
	int n_groups;
	struct width_staircase *by_group; /* pts NULL: not measured */
};

/* ENOMEM (s zeroed) or OK. */
enum eng_status stairs_init(struct stairs *s, int n_groups);
void stairs_done(struct stairs *s);
/* Group g's staircase, or NULL when not measured (or g out of range). */
const struct width_staircase *stairs_get(const struct stairs *s, int g);
/* Keep a copy of w for its group when that group has none yet; true when
 * it was taken. */
bool stairs_adopt(struct stairs *s, const struct width_staircase *w);
/* Groups of plan whose kept count (below the full width) sits on a slow
 * width of a measured staircase: a wider width is as fast. */
int stairs_slow_groups(const struct stairs *s, const struct prune_plan *plan);
/* Where group g at keep channels goes: faster false, the widest width as
 * fast as keep (width_free; keep itself when none is wider); faster true,
 * the next measurably faster width (width_next_faster; 0 when none).  -1
 * when g has no staircase. */
int stairs_snap(const struct stairs *s, int g, int keep, bool faster);

#endif
