/* check_criteria: the PaI criteria side by side (prune/criteria_compare.c).
 *
 * Each method's column must be exactly what reconvene_pse_run and
 * reconvene_select give for that method alone; each pair's per-layer
 * agreement must equal Kendall's tau-b counted here pair by pair (no
 * shared code with base/rank_corr.c) on the layer's channel scores; the
 * pair numbering must be a bijection; and random scores must not follow
 * the weights (they once came from the init's own random stream and
 * ordered resnet20's channels like magnitude, tau 0.49).
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/data.h"
#include "io/cfg.h"
#include "nn/net.h"
#include "prune/criteria_compare.h"
#include "prune/groups.h"
#include "prune/reconvene.h"
#include "score/score.h"

static struct net *model(const char *name, int batch)
{
	char path[4096];
	const char *top = getenv("top_srcdir");
	snprintf(path, sizeof path, "%s/models/%s.cfg", top && *top ? top : ".", name);
	struct net_spec spec;
	struct eng_err err;
	ck_assert_msg(cfg_parse_file(path, &spec, &err) == ENG_STATUS_OK, "%s", err.msg);
	struct net *net = NULL;
	ck_assert_msg(net_build(&spec, &net, &err) == ENG_STATUS_OK, "%s", err.msg);
	net_spec_done(&spec);
	ck_assert_int_eq(net_prepare(net, batch, &err), ENG_STATUS_OK);
	net_init(net, 1);
	return net;
}

static void synthetic(struct data_split *ds)
{
	struct data_options opt = { .format = DATA_FORMAT_SYNTHETIC, .synthetic_seed = 5,
				    .synthetic_train = 200, .synthetic_test = 10 };
	struct eng_err err;
	ck_assert_msg(data_load(&opt, ds, &err) == ENG_STATUS_OK, "%s", err.msg);
}

/* Kendall's tau-b by counting, in double. */
static double tau_b(const float *x, const float *y, int n)
{
	double c = 0, d = 0, tx = 0, ty = 0;
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++) {
			double a = (double)x[i] - x[j], b = (double)y[i] - y[j];
			if (a == 0)
				tx++;
			if (b == 0)
				ty++;
			if (a != 0 && b != 0) {
				if ((a > 0) == (b > 0))
					c++;
				else
					d++;
			}
		}
	double n0 = n * (n - 1) / 2.0;
	double den = (n0 - tx) * (n0 - ty);
	return den > 0 ? (c - d) / sqrt(den) : NAN;
}

START_TEST(test_pairs_bijection)
{
	bool seen[CRITERIA_PAIRS] = { false };
	for (int a = 0; a < CRITERIA_METHODS; a++)
		for (int b = a + 1; b < CRITERIA_METHODS; b++) {
			int p = criteria_pair_index((enum score_method)a, (enum score_method)b);
			ck_assert(p >= 0 && p < CRITERIA_PAIRS && !seen[p]);
			seen[p] = true;
			enum score_method x, y;
			criteria_pair_methods(p, &x, &y);
			ck_assert(x == (enum score_method)a && y == (enum score_method)b);
		}
}
END_TEST

START_TEST(test_columns_and_agreement)
{
	struct data_split ds;
	synthetic(&ds);
	struct net *net = model("lenet5", 20);
	struct eng_err err;
	struct group_set gs;
	ck_assert_int_eq(groups_build(net, &gs, &err), ENG_STATUS_OK);
	struct reconvene_options o;
	reconvene_options_init(&o);
	o.synflow_iterations = 10;
	o.samples_per_class = 2;
	o.tau = 0.3;
	struct criteria_compare cc;
	ck_assert_msg(criteria_compare_run(net, &ds, &gs, &o, &cc, &err) == ENG_STATUS_OK,
		      "%s", err.msg);
	int nl = net->n_layers;
	float *ch[CRITERIA_METHODS];
	bool *res = malloc((size_t)nl * sizeof *res);
	for (int m = 0; m < CRITERIA_METHODS; m++) {
		struct reconvene_options mo = o;
		mo.method = (enum score_method)m;
		struct reconvene_pse p;
		ck_assert_int_eq(reconvene_pse_run(net, &ds, &mo, &p, &err), ENG_STATUS_OK);
		reconvene_select(net, &gs, p.density, &o, res);
		for (int i = 0; i < nl; i++) {
			ck_assert(cc.density[(size_t)m * nl + i] == p.density[i]);
			ck_assert(cc.resilient[(size_t)m * nl + i] == res[i]);
		}
		ch[m] = malloc(net->n_params * sizeof(float));
		size_t off = 0;
		for (int i = 0; i < nl; i++)
			if (score_layer_is_prunable(&net->layers[i]))
				off += (size_t)score_channel_scores(net, p.scores, i, ch[m] + off);
		reconvene_pse_done(&p);
	}
	for (int p = 0; p < CRITERIA_PAIRS; p++) {
		enum score_method a, b;
		criteria_pair_methods(p, &a, &b);
		size_t off = 0;
		int defined = 0;
		double sum = 0;
		for (int i = 0; i < nl; i++) {
			double got = cc.tau[(size_t)p * nl + i];
			if (!score_layer_is_prunable(&net->layers[i])) {
				ck_assert(isnan(got));
				continue;
			}
			int n = net->layers[i].out.c;
			double want = tau_b(ch[a] + off, ch[b] + off, n);
			off += (size_t)n;
			if (isnan(want)) {
				ck_assert(isnan(got));
				continue;
			}
			ck_assert_msg(fabs(got - want) < 1e-12, "pair %d layer %d: %g vs %g", p, i,
				      got, want);
			ck_assert(got >= -1 && got <= 1);
			sum += want;
			defined++;
		}
		ck_assert_int_eq(cc.tau_layers[p], defined);
		if (defined)
			ck_assert(fabs(cc.tau_mean[p] - sum / defined) < 1e-12);
	}
	/* The output is a classifier layer with 10 channels: the agreement is
	 * defined somewhere for every pair. */
	for (int p = 0; p < CRITERIA_PAIRS; p++)
		ck_assert_int_gt(cc.tau_layers[p], 0);
	for (int m = 0; m < CRITERIA_METHODS; m++)
		free(ch[m]);
	free(res);
	criteria_compare_done(&cc);
	groups_done(&gs);
	net_free(net);
	data_split_done(&ds);
}
END_TEST

START_TEST(test_needs_data)
{
	struct net *net = model("lenet5", 1);
	struct eng_err err;
	struct group_set gs;
	ck_assert_int_eq(groups_build(net, &gs, &err), ENG_STATUS_OK);
	struct reconvene_options o;
	reconvene_options_init(&o);
	struct criteria_compare cc;
	ck_assert_int_eq(criteria_compare_run(net, NULL, &gs, &o, &cc, &err), ENG_STATUS_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "SNIP and GraSP"));
	criteria_compare_done(&cc);
	groups_done(&gs);
	net_free(net);
}
END_TEST

/* Random scores are independent of the weights: their channel order
 * agrees with magnitude's no more than chance allows (resnet20: 19 conv
 * layers of 16-64 channels; with the scores drawn from the weights'
 * own stream the mean tau was 0.49). */
START_TEST(test_random_is_not_magnitude)
{
	struct net *net = model("resnet20", 1);
	float *sr = malloc(net->n_params * sizeof *sr), *sm = malloc(net->n_params * sizeof *sm);
	float *cr = malloc(4096 * sizeof *cr), *cm = malloc(4096 * sizeof *cm);
	struct score_options so;
	score_options_init(&so);
	struct eng_err err;
	so.method = SCORE_METHOD_RANDOM;
	ck_assert_int_eq(score_compute(net, NULL, &so, sr, &err), ENG_STATUS_OK);
	so.method = SCORE_METHOD_MAGNITUDE;
	ck_assert_int_eq(score_compute(net, NULL, &so, sm, &err), ENG_STATUS_OK);
	double sum = 0;
	int n = 0;
	for (int i = 0; i < net->n_layers; i++) {
		if (net->layers[i].kind != LAYER_KIND_CONV)
			continue;
		int c = score_channel_scores(net, sr, i, cr);
		ck_assert_int_eq(score_channel_scores(net, sm, i, cm), c);
		sum += tau_b(cr, cm, c);
		n++;
	}
	ck_assert_int_gt(n, 10);
	ck_assert_msg(fabs(sum / n) < 0.15, "mean tau(random, magnitude) %.3f over %d layers",
		      sum / n, n);
	free(sr);
	free(sm);
	free(cr);
	free(cm);
	net_free(net);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("criteria");
	TCase *tc = tcase_create("criteria");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_pairs_bijection);
	tcase_add_test(tc, test_columns_and_agreement);
	tcase_add_test(tc, test_needs_data);
	tcase_add_test(tc, test_random_is_not_magnitude);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
