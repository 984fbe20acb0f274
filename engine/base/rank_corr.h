/* rank_corr.h: rank correlation of two paired samples.
 *
 * Spearman's rho: the Pearson correlation of the two samples' ranks, ties
 * given their average rank (the usual definition; equal to
 * 1 - 6 sum d^2 / (n (n^2 - 1)) when there are no ties).
 *
 * Kendall's tau-b: (concordant - discordant) / sqrt((n0 - t_x)(n0 - t_y)),
 * n0 = n (n - 1) / 2 pairs, t_x and t_y the pairs tied in x and in y;
 * the form that stays in [-1, 1] with ties.  O(n^2) pair counting, meant
 * for the hundreds of values the program correlates (sweep variants, a
 * layer's channel scores).
 *
 * Both return NaN when they are undefined: fewer than 2 pairs, a sample
 * that is constant, or a NaN in the input.
 *
 * Owns nothing; rank_spearman allocates two scratch arrays and returns NaN
 * when that fails.  Pure functions, any thread.
 */
#ifndef RECONVENE_RANK_CORR_H
#define RECONVENE_RANK_CORR_H

#include <stdbool.h>
#include <stddef.h>

double rank_spearman(const double *x, const double *y, size_t n);
double rank_kendall_tau_b(const double *x, const double *y, size_t n);

/* The average ranks (1-based) of x[0..n) into r: equal values share the
 * mean of the ranks they span.  false if x holds a NaN or memory fails. */
bool rank_average(const double *x, size_t n, double *r);

#endif
