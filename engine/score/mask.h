/* mask.h: mask.c's functions that only engine/score uses (the rest, which
 * weights are prunable, the global mask, densities, channel scores, are
 * public in score.h).
 *
 * Owns: nothing.
 */
#ifndef RECONVENE_SCORE_MASK_H
#define RECONVENE_SCORE_MASK_H

#include <stddef.h>

/* How many of n weights a mask at this sparsity keeps (score_mask_global's
 * K, and each SynFlow step's). */
size_t score_mask_kept_count(size_t n, double sparsity);

#endif
