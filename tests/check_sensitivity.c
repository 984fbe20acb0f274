/* check_sensitivity: score_sensitivity_grid against scoring and masking at
 * every sparsity of the ladder by hand; the rescoring rule
 * (score_uses_sparsity); progress and abort. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cancel.h"
#include "io/cfg.h"
#include "nn/net.h"
#include "score/score.h"
#include "score/sensitivity.h"

static struct net *lenet5(void)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	snprintf(path, sizeof path, "%s/models/lenet5.cfg", top && *top ? top : ".");
	struct net_spec spec;
	struct net *net = NULL;
	struct eng_err err = { { 0 } };
	ck_assert_msg(cfg_parse_file(path, &spec, &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_msg(net_build(&spec, &net, &err) == ENG_STATUS_OK, "%s", err.msg);
	net_spec_done(&spec);
	net_init(net, 5);
	return net;
}

/* Score at every column's sparsity (rescore = true) or once at the first,
 * then mask and take densities. */
static void grid_by_hand(struct net *net, struct score_options so, bool rescore,
			 double *grid)
{
	struct eng_err err = { { 0 } };
	float *s = malloc(net->n_params * sizeof *s);
	uint8_t *m = malloc(net->n_params);
	double *d = malloc((size_t)net->n_layers * sizeof *d);
	for (int c = 0; c < SCORE_SENS_N; c++) {
		if (c == 0 || rescore) {
			so.sparsity = score_sens_sparsity[c];
			ck_assert(score_compute(net, NULL, &so, s, &err) == ENG_STATUS_OK);
		}
		ck_assert(score_mask_global(net, s, score_sens_sparsity[c], m, &err) ==
			  ENG_STATUS_OK);
		score_layer_density(net, m, d);
		for (int i = 0; i < net->n_layers; i++)
			grid[(size_t)i * SCORE_SENS_N + (size_t)c] = d[i];
	}
	free(s);
	free(m);
	free(d);
}

struct calls {
	int n, last_done, last_total;
};

static void on_progress(int done, int total, void *user)
{
	struct calls *c = user;
	ck_assert_int_eq(done, c->n);
	c->n++;
	c->last_done = done;
	c->last_total = total;
}

START_TEST(test_ladder)
{
	for (int j = 0; j < SCORE_SENS_N; j++)
		ck_assert(score_sens_sparsity[j] == 1.0 - 1.0 / (double)(2 << j));
}
END_TEST

START_TEST(test_rescore_rule)
{
	struct score_options so;
	score_options_init(&so);
	for (int m = 0; m < SCORE_METHOD_COUNT; m++) {
		so.method = (enum score_method)m;
		so.synflow_iterations = 100;
		ck_assert_int_eq(score_uses_sparsity(&so), m == SCORE_METHOD_SYNFLOW);
		so.synflow_iterations = 1;
		ck_assert(!score_uses_sparsity(&so));
	}
}
END_TEST

/* SynFlow with a schedule: every column its own scores; with one
 * iteration or another method: one scoring serves every column (and gives
 * the same numbers as rescoring). */
START_TEST(test_grid_matches_by_hand)
{
	struct net *net = lenet5();
	size_t cells = (size_t)net->n_layers * SCORE_SENS_N;
	double *got = malloc(cells * sizeof *got), *want = malloc(cells * sizeof *want);
	static const struct { enum score_method m; int it; } runs[] = {
		{ SCORE_METHOD_SYNFLOW, 4 },
		{ SCORE_METHOD_SYNFLOW, 1 },
		{ SCORE_METHOD_MAGNITUDE, 100 },
	};
	struct eng_err err = { { 0 } };
	for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
		struct score_options so;
		score_options_init(&so);
		so.method = runs[r].m;
		so.synflow_iterations = runs[r].it;
		struct calls calls = { 0 };
		ck_assert_msg(score_sensitivity_grid(net, NULL, &so, on_progress, &calls,
						     got, &err) == ENG_STATUS_OK, "%s", err.msg);
		ck_assert_int_eq(calls.n, SCORE_SENS_N + 1);
		ck_assert_int_eq(calls.last_done, SCORE_SENS_N);
		ck_assert_int_eq(calls.last_total, SCORE_SENS_N);
		grid_by_hand(net, so, true, want);
		ck_assert_msg(memcmp(got, want, cells * sizeof *got) == 0,
			      "method %d iterations %d", (int)runs[r].m, runs[r].it);
		if (!score_uses_sparsity(&so)) {
			grid_by_hand(net, so, false, want);
			ck_assert(memcmp(got, want, cells * sizeof *got) == 0);
		}
	}
	/* rows of layers without prunable weights are -1 */
	for (int i = 0; i < net->n_layers; i++)
		if (!score_layer_is_prunable(&net->layers[i]))
			ck_assert(got[(size_t)i * SCORE_SENS_N] == -1.0);
	free(got);
	free(want);
	net_free(net);
}
END_TEST

START_TEST(test_grid_abort)
{
	struct net *net = lenet5();
	double *got = malloc((size_t)net->n_layers * SCORE_SENS_N * sizeof *got);
	struct cancel stop;
	cancel_init(&stop);
	cancel_request(&stop);
	struct score_options so;
	score_options_init(&so);
	so.method = SCORE_METHOD_MAGNITUDE;
	so.abort = &stop;
	struct eng_err err = { { 0 } };
	ck_assert_int_eq(score_sensitivity_grid(net, NULL, &so, NULL, NULL, got, &err),
			 ENG_STATUS_ABORTED);
	free(got);
	net_free(net);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sensitivity");
	TCase *tc = tcase_create("grid");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_ladder);
	tcase_add_test(tc, test_rescore_rule);
	tcase_add_test(tc, test_grid_matches_by_hand);
	tcase_add_test(tc, test_grid_abort);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
