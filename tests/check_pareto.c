/* check_pareto: the Pareto front (base/pareto.c).
 *
 * References: hand-worked examples (ties, NaN, duplicates), and on random
 * points an independent front: sort by cost (value descending on equal
 * cost) and keep the points whose value beats every value seen before them
 * (a sweep), plus duplicates of a kept point. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "base/pareto.h"
#include "base/rng.h"

START_TEST(test_hand_examples)
{
	bool on[6];
	const double c1[] = { 1, 2, 3 }, v1[] = { 0.5, 0.4, 0.9 };
	pareto_front(c1, v1, 3, on);
	ck_assert(on[0] && !on[1] && on[2]);
	/* Equal cost: only the better value; equal value: only the cheaper. */
	const double c2[] = { 1, 1, 2, 3 }, v2[] = { 0.5, 0.6, 0.6, 0.7 };
	pareto_front(c2, v2, 4, on);
	ck_assert(!on[0] && on[1] && !on[2] && on[3]);
	/* Identical points are both on the front; NaN never is and never
	 * dominates. */
	const double c3[] = { 1, 1, NAN, 0.5, 2 }, v3[] = { 0.5, 0.5, 0.99, NAN, 0.4 };
	pareto_front(c3, v3, 5, on);
	ck_assert(on[0] && on[1] && !on[2] && !on[3] && !on[4]);
	pareto_front(c3, v3, 0, on); /* nothing to do, nothing read */
}
END_TEST

static const double *sort_c, *sort_v;
static int by_cost(const void *pa, const void *pb)
{
	int a = *(const int *)pa, b = *(const int *)pb;
	if (sort_c[a] != sort_c[b])
		return sort_c[a] < sort_c[b] ? -1 : 1;
	if (sort_v[a] != sort_v[b])
		return sort_v[a] > sort_v[b] ? -1 : 1;
	return a - b;
}

START_TEST(test_random_against_sweep)
{
	struct rng r;
	rng_seed(&r, 7);
	for (int trial = 0; trial < 200; trial++) {
		int n = 1 + (int)rng_below(&r, 40);
		double c[40], v[40];
		bool on[40], want[40];
		int idx[40];
		for (int i = 0; i < n; i++) {
			/* Few distinct values: ties and duplicates happen. */
			c[i] = (double)rng_below(&r, 8);
			v[i] = (double)rng_below(&r, 8) / 8.0;
			idx[i] = i;
		}
		sort_c = c;
		sort_v = v;
		qsort(idx, (size_t)n, sizeof *idx, by_cost);
		double best = -INFINITY;
		double kc = NAN, kv = NAN;
		for (int k = 0; k < n; k++) {
			int i = idx[k];
			if (v[i] > best) {
				want[i] = true;
				best = v[i];
				kc = c[i];
				kv = v[i];
			} else {
				want[i] = c[i] == kc && v[i] == kv; /* duplicate of a kept one */
			}
		}
		pareto_front(c, v, (size_t)n, on);
		for (int i = 0; i < n; i++)
			ck_assert_msg(on[i] == want[i], "trial %d point %d (%g, %g)", trial, i,
				      c[i], v[i]);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pareto");
	TCase *tc = tcase_create("pareto");
	tcase_add_test(tc, test_hand_examples);
	tcase_add_test(tc, test_random_against_sweep);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
