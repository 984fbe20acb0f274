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
 * Owns: nothing.  Thread rules: callable from any thread; reads (and,
 * around serial GEMMs, sets) only process-wide thread settings.
 */
#ifndef RECONVENE_THREADS_H
#define RECONVENE_THREADS_H

#include <stddef.h>

/* Set the one knob to n (>= 1): OpenBLAS's thread count, which is
 * process-wide, and the calling thread's OpenMP count (the parallel
 * regions it starts).  For the thread that runs the process's engine work
 * (the worker thread, a sweep job). */
void threads_set_count(int n);

/* Threads for a parallel loop over `work` floats (>= 1). */
int threads_for_work(size_t work, size_t par_min);

/* Where part t of nt (0 <= t <= nt) of [0, n) starts: nearly equal
 * parts, multiples of 16 floats (one cache line) apart so that threads
 * never share a line they write; part t is [threads_part(n, nt, t),
 * threads_part(n, nt, t + 1)). */
size_t threads_part(size_t n, int nt, int t);

/* Inside an OpenMP parallel region: this thread's index in its team and
 * the team's size (0 and 1 outside a region, and in builds without
 * OpenMP). */
int threads_team_index(void);
int threads_team_size(void);

/* Run the next sgemm calls on the calling thread alone: drop OpenBLAS to
 * one thread and return the count to restore with threads_blas_serial_end
 * (cheap: OpenBLAS keeps its pool, this is a store).  For GEMMs on an
 * OpenMP team of the engine's own, which must not fan out again, and for
 * GEMMs too small to repay waking OpenBLAS's pool, whose threads then spin
 * against the engine's team (docs/performance.md, "The classifier on the calling thread").
 * Process-wide, like every OpenBLAS thread setting. */
int threads_blas_serial_begin(void);
void threads_blas_serial_end(int saved);

#endif
