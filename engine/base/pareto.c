/* pareto.c: the Pareto front of (cost, value) points (pareto.h).
 *
 * Quadratic on purpose: the explorer's history holds at most PLAN_LOG_MAX
 * (1024) plans, and the front of those, recomputed for each frame of the
 * history view, is about a million comparisons; a sort would need a tie
 * rule that the plain definition below does not. */
#include "config.h"

#include "base/pareto.h"

#include <math.h>

void pareto_front(const double *cost, const double *value, size_t n, bool *front)
{
	for (size_t i = 0; i < n; i++) {
		front[i] = isfinite(cost[i]) && isfinite(value[i]);
		for (size_t j = 0; j < n && front[i]; j++) {
			if (j == i || !isfinite(cost[j]) || !isfinite(value[j]))
				continue;
			if (cost[j] <= cost[i] && value[j] >= value[i] &&
			    (cost[j] < cost[i] || value[j] > value[i]))
				front[i] = false;
		}
	}
}
