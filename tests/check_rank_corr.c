/* check_rank_corr: Spearman's rho and Kendall's tau-b (base/rank_corr.c).
 *
 * References: hand-worked examples with ties (the expected values computed
 * independently with numpy.corrcoef on hand-assigned average ranks, and by
 * counting pairs), and on random samples without ties the closed forms
 * 1 - 6 sum d^2 / (n (n^2 - 1)) (ranks found by counting) and tau-a
 * (concordant minus discordant over all pairs), which agree with the
 * general definitions exactly when nothing ties.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "base/rank_corr.h"
#include "base/rng.h"

START_TEST(test_hand_examples)
{
	const double x[] = { 1, 2, 2, 3 }, y[] = { 1, 3, 2, 4 };
	ck_assert_double_eq_tol(rank_spearman(x, y, 4), 0.9486832980505139, 1e-12);
	ck_assert_double_eq_tol(rank_kendall_tau_b(x, y, 4), 0.9128709291752769, 1e-12);
	/* Perfect agreement and reversal. */
	const double a[] = { 0.1, 0.5, 0.3, 0.9, 0.7 }, b[] = { 10, 50, 30, 90, 70 };
	const double rev[] = { 90, 50, 70, 10, 30 };
	ck_assert_double_eq_tol(rank_spearman(a, b, 5), 1.0, 1e-12);
	ck_assert_double_eq_tol(rank_kendall_tau_b(a, b, 5), 1.0, 1e-12);
	ck_assert_double_eq_tol(rank_spearman(a, rev, 5), -1.0, 1e-12);
	ck_assert_double_eq_tol(rank_kendall_tau_b(a, rev, 5), -1.0, 1e-12);
	/* Average ranks. */
	const double t[] = { 5, 1, 5, 3, 5 };
	double r[5];
	ck_assert(rank_average(t, 5, r));
	ck_assert(r[0] == 4.0 && r[1] == 1.0 && r[2] == 4.0 && r[3] == 2.0 && r[4] == 4.0);
}
END_TEST

START_TEST(test_undefined)
{
	const double c[] = { 2, 2, 2 }, y[] = { 1, 2, 3 }, nan_in[] = { 1, NAN, 3 };
	ck_assert(isnan(rank_spearman(c, y, 3)));
	ck_assert(isnan(rank_kendall_tau_b(c, y, 3)));
	ck_assert(isnan(rank_spearman(y, y, 1)));
	ck_assert(isnan(rank_kendall_tau_b(y, y, 0)));
	ck_assert(isnan(rank_spearman(nan_in, y, 3)));
	ck_assert(isnan(rank_kendall_tau_b(y, nan_in, 3)));
}
END_TEST

/* Random samples without ties against the closed forms. */
START_TEST(test_random_no_ties)
{
	struct rng g;
	rng_seed(&g, 77);
	for (int trial = 0; trial < 200; trial++) {
		size_t n = 2 + rng_below(&g, 60);
		double x[64], y[64];
		for (size_t i = 0; i < n; i++) {
			x[i] = rng_uniform(&g);
			/* Correlated in some trials, anti- or un-correlated in others. */
			y[i] = (trial % 3 - 1) * x[i] + 0.3 * rng_uniform(&g);
		}
		double d2 = 0.0, cd = 0.0;
		for (size_t i = 0; i < n; i++) {
			double rx = 1, ry = 1;
			for (size_t j = 0; j < n; j++) {
				rx += x[j] < x[i];
				ry += y[j] < y[i];
			}
			d2 += (rx - ry) * (rx - ry);
			for (size_t j = i + 1; j < n; j++)
				cd += ((x[i] - x[j]) * (y[i] - y[j]) > 0) ? 1.0 : -1.0;
		}
		double nn = (double)n;
		double rho = 1.0 - 6.0 * d2 / (nn * (nn * nn - 1.0));
		double tau = cd / (0.5 * nn * (nn - 1.0));
		ck_assert_double_eq_tol(rank_spearman(x, y, n), rho, 1e-9);
		ck_assert_double_eq_tol(rank_kendall_tau_b(x, y, n), tau, 1e-12);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rank_corr");
	TCase *tc = tcase_create("rank_corr");
	tcase_add_test(tc, test_hand_examples);
	tcase_add_test(tc, test_undefined);
	tcase_add_test(tc, test_random_no_ties);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
