/* pareto.h: which points of a trade-off are on the Pareto front.
 *
 * A point is (cost, value): lower cost is better (latency, MACs,
 * parameters), higher value is better (accuracy).  Point i is on the front
 * when no other point is at least as good in both and strictly better in
 * one.  Points with a NaN (or infinite) coordinate are never on the front
 * and dominate nothing, so "not measured yet" needs no special case.  Two
 * identical points are both on the front (neither is strictly better).
 *
 * Owns: nothing; front is caller storage of n bools.
 * Thread rules: pure function.
 *
 *   bool on[3];
 *   pareto_front((double[]){ 1, 2, 3 }, (double[]){ 0.5, 0.4, 0.9 }, 3, on);
 *   // on = { true, false, true }
 */
#ifndef RECONVENE_PARETO_H
#define RECONVENE_PARETO_H

#include <stdbool.h>
#include <stddef.h>

void pareto_front(const double *cost, const double *value, size_t n, bool *front);

#endif
