/* heat.h: the channel heatmap's arithmetic, without curses (draw.c draws
 * it; tests/check_app.c checks it against a sort).
 *
 * Owns: nothing; every buffer is the caller's.
 * Thread rules: pure functions.
 *
 *   float top = heat_kept(scores, n, plan_keep, scratch, kept);
 */
#ifndef RECONVENE_HEAT_H
#define RECONVENE_HEAT_H

/* kept[i] = 1 for the keep highest of v[0..n) by topk.h's rule (NaN
 * lowest, ties to the lower index: the channels plan_resolve keeps), else
 * 0; keep is clamped to [1, n].  scratch (n floats) is no longer used:
 * topk needs none.  Returns the highest value.  O(n): the frame draws this
 * for every visible layer. */
float heat_kept(const float *v, int n, int keep, float *scratch,
		unsigned char *kept);

#endif
