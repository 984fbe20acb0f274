/* threads.h: how many threads one of the engine's own parallel loops may
 * use.
 *
 * The user has one knob for how many cores the engine takes: OpenBLAS's
 * thread count (OPENBLAS_NUM_THREADS, openblas_set_num_threads), which
 * the GEMMs follow.  A loop the engine runs on an OpenMP team of its own
 * (conv's chunks, BN's channels, ReLU's elements, SynFlow's sparse rows)
 * takes no more than that and no more than OpenMP's own count, and one
 * thread when it touches fewer than `par_min` floats: below that, waking
 * the team costs more than the loop (each caller sets the size from its
 * own measurements).  Builds without OpenMP always get 1.
 *
 * Owns: nothing.  Thread rules: callable from any thread; reads only
 * process-wide thread settings.
 */
#ifndef RECONVENE_THREADS_H
#define RECONVENE_THREADS_H

#include <stddef.h>

/* Threads for a parallel loop over `work` floats (>= 1). */
int threads_for_work(size_t work, size_t par_min);

#endif
