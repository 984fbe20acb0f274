/* check_width_staircase: a group's latency against its width
 * (prune/width_staircase.c).
 *
 * The layers rebuilt for a width must be the layers a real prune builds:
 * for every prunable group of resnet20 and mobilenetv2 (plain, residual,
 * depthwise and linear members) and several widths, the MACs of the
 * rebuilt layers change exactly as net_macs of the net plan_apply compacts
 * to that width does.  The slow flags, width_free and width_next_faster
 * are checked on hand-made staircases; a real measurement on lenet5 gives
 * one positive point per width; bad groups and widths are refused.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/cfg.h"
#include "nn/net.h"
#include "prune/groups.h"
#include "prune/plan.h"
#include "prune/width_staircase.h"
#include "worker/width_cache.h"

static struct net *model(const char *name, struct net_spec *spec)
{
	char path[4096];
	const char *top = getenv("top_srcdir");
	snprintf(path, sizeof path, "%s/models/%s.cfg", top && *top ? top : ".", name);
	struct eng_err err;
	ck_assert_msg(cfg_parse_file(path, spec, &err) == ENG_STATUS_OK, "%s", err.msg);
	struct net *net = NULL;
	ck_assert_msg(net_build(spec, &net, &err) == ENG_STATUS_OK, "%s", err.msg);
	net_init(net, 1);
	return net;
}

START_TEST(test_ladder)
{
	int w[1024];
	int n = width_ladder(48, w, 1024);
	ck_assert_int_eq(n, 48);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(w[i], i + 1);
	n = width_ladder(510, w, 1024);
	ck_assert_int_eq(w[n - 1], 510);
	for (int i = 0; i < n; i++) {
		ck_assert(i == 0 || w[i] > w[i - 1]);
		ck_assert(w[i] <= 8 || w[i] % 4 == 0 || w[i] == 510);
	}
	ck_assert_int_eq(n, 8 + (508 / 4 - 2) + 1);
	ck_assert_int_eq(width_ladder(510, w, 10), 10);
}
END_TEST

static void macs_match(const char *name)
{
	struct net_spec spec;
	struct net *net = model(name, &spec);
	struct eng_err err;
	struct group_set gs;
	ck_assert_int_eq(groups_build(net, &gs, &err), ENG_STATUS_OK);
	uint64_t full = net_macs(net);
	int checked = 0;
	for (int g = 0; g < gs.n_groups; g++) {
		const struct group *gr = &gs.groups[g];
		if (!gr->prunable)
			continue;
		uint64_t at_full = width_staircase_macs(net, &gs, g, gr->channels);
		ck_assert_uint_gt(at_full, 0);
		const int ws[] = { 1, gr->channels / 2, gr->channels - 1 };
		for (int k = 0; k < 3; k++) {
			int w = ws[k];
			if (w < 1 || w >= gr->channels)
				continue;
			struct prune_plan plan;
			ck_assert_int_eq(plan_init(&plan, &gs), ENG_STATUS_OK);
			plan_set_keep(&plan, g, w);
			struct plan_apply_options o = { .mode = PLAN_MODE_KEEP };
			struct plan_result r;
			ck_assert_msg(plan_apply(net, &spec, &gs, &plan, &o, &r, &err) ==
				      ENG_STATUS_OK, "%s", err.msg);
			uint64_t pruned = net_macs(r.net);
			uint64_t at_w = width_staircase_macs(net, &gs, g, w);
			ck_assert_msg(full - pruned == at_full - at_w,
				      "%s group %s at %d: the net lost %llu MACs, the rebuilt "
				      "layers %llu", name, gr->name, w,
				      (unsigned long long)(full - pruned),
				      (unsigned long long)(at_full - at_w));
			plan_result_done(&r);
			plan_done(&plan);
			checked++;
		}
	}
	ck_assert_int_gt(checked, 10);
	groups_done(&gs);
	net_free(net);
	net_spec_done(&spec);
}

START_TEST(test_macs_resnet20)
{
	macs_match("resnet20");
}
END_TEST

START_TEST(test_macs_mobilenetv2)
{
	macs_match("mobilenetv2");
}
END_TEST

START_TEST(test_flags)
{
	/* 1..8: a staircase of period 4 (widths 4 and 8 as fast as 3 and 7),
	 * with noise below the tolerance at 5-6. */
	static const double ms[8] = { 1.0, 2.0, 3.0, 2.95, 4.0, 4.05, 5.0, 4.9 };
	struct width_point pts[8];
	for (int i = 0; i < 8; i++)
		pts[i] = (struct width_point){ .width = i + 1, .ms = ms[i] };
	struct width_staircase s = { .channels = 8, .n = 8, .pts = pts };
	width_staircase_flag(&s);
	static const bool slow[8] = { false, false, true, false, true, false, true, false };
	for (int i = 0; i < 8; i++)
		ck_assert_msg(pts[i].slow == slow[i], "width %d", i + 1);
	ck_assert_int_eq(width_free(&s, 3), 4);
	ck_assert_int_eq(width_free(&s, 5), 6);
	ck_assert_int_eq(width_free(&s, 7), 8);
	ck_assert_int_eq(width_free(&s, 8), 8);
	ck_assert_int_eq(width_free(&s, 2), 2);
	ck_assert_int_eq(width_next_faster(&s, 8), 6);
	ck_assert_int_eq(width_next_faster(&s, 4), 2);
	ck_assert_int_eq(width_next_faster(&s, 1), 0);
	ck_assert_ptr_eq(width_staircase_at(&s, 5), &pts[4]);
	ck_assert_ptr_null(width_staircase_at(&s, 9));
}
END_TEST

START_TEST(test_measure)
{
	struct net_spec spec;
	struct net *net = model("lenet5", &spec);
	struct eng_err err;
	struct group_set gs;
	ck_assert_int_eq(groups_build(net, &gs, &err), ENG_STATUS_OK);
	struct latency_options lo;
	latency_options_init(&lo);
	lo.min_runs = 3;
	lo.min_ms = 1.0;
	int g = groups_find(&gs, "conv2");
	const int ws[] = { 1, 8, 16 };
	struct width_staircase s;
	ck_assert_msg(width_staircase_measure(net, &gs, g, ws, 3, &lo, NULL, NULL, &s, &err) ==
		      ENG_STATUS_OK, "%s", err.msg);
	ck_assert_int_eq(s.n, 3);
	ck_assert_int_eq(s.channels, 16);
	ck_assert_int_eq(s.n_layers, 2); /* conv2 makes it, fc1 reads it */
	for (int k = 0; k < 3; k++) {
		ck_assert_int_eq(s.pts[k].width, ws[k]);
		ck_assert(s.pts[k].ms > 0 && s.pts[k].p10_ms <= s.pts[k].ms &&
			  s.pts[k].ms <= s.pts[k].p90_ms);
		ck_assert_uint_eq(s.pts[k].macs, width_staircase_macs(net, &gs, g, ws[k]));
	}
	width_staircase_done(&s);
	const int bad[] = { 8, 4 };
	ck_assert_int_eq(width_staircase_measure(net, &gs, g, bad, 2, &lo, NULL, NULL, &s, &err),
			 ENG_STATUS_EINVAL);
	const int big[] = { 17 };
	ck_assert_int_eq(width_staircase_measure(net, &gs, g, big, 1, &lo, NULL, NULL, &s, &err),
			 ENG_STATUS_EINVAL);
	ck_assert_int_eq(width_staircase_measure(net, &gs, gs.input_group, ws, 1, &lo, NULL,
						 NULL, &s, &err), ENG_STATUS_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a prunable group"));
	groups_done(&gs);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

/* The cache round trip: what is put comes back equal; a payload that does
 * not decode is a miss. */
START_TEST(test_cache)
{
	struct cache *c;
	struct eng_err err;
	ck_assert_int_eq(cache_new(NULL, false, NULL, 0, &c, &err), ENG_STATUS_OK);
	struct width_point pts[3] = {
		{ .width = 1, .macs = 10, .ms = 0.5, .p10_ms = 0.4, .p90_ms = 0.6 },
		{ .width = 4, .macs = 40, .ms = 0.45, .p10_ms = 0.44, .p90_ms = 0.5 },
		{ .width = 8, .macs = 80, .ms = 0.9, .p10_ms = 0.8, .p90_ms = 1.0 },
	};
	struct width_staircase s = { .group = 3, .channels = 8, .n_layers = 2, .n = 3,
				     .pts = pts };
	width_staircase_flag(&s);
	struct net_spec spec;
	struct net *net = model("lenet5", &spec);
	const int ws[] = { 1, 4, 8 };
	char k1[512], k2[512];
	width_cache_key(&spec, "conv2", ws, 3, 1, k1, sizeof k1);
	width_cache_key(&spec, "conv2", ws, 3, 2, k2, sizeof k2);
	ck_assert_str_ne(k1, k2);
	struct width_staircase got;
	ck_assert(!width_cache_get(c, k1, 3, &got));
	width_cache_put(c, k1, &s);
	ck_assert(width_cache_get(c, k1, 3, &got));
	ck_assert_int_eq(got.n, 3);
	ck_assert_int_eq(got.channels, 8);
	ck_assert_int_eq(got.n_layers, 2);
	for (int k = 0; k < 3; k++)
		ck_assert(got.pts[k].width == pts[k].width && got.pts[k].macs == pts[k].macs &&
			  got.pts[k].ms == pts[k].ms && got.pts[k].p10_ms == pts[k].p10_ms &&
			  got.pts[k].p90_ms == pts[k].p90_ms && got.pts[k].slow == pts[k].slow);
	width_staircase_done(&got);
	cache_put(c, k2, "garbage", 7);
	ck_assert(!width_cache_get(c, k2, 3, &got));
	ck_assert_ptr_null(got.pts);
	cache_free(c);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("width_staircase");
	TCase *tc = tcase_create("width_staircase");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_ladder);
	tcase_add_test(tc, test_macs_resnet20);
	tcase_add_test(tc, test_macs_mobilenetv2);
	tcase_add_test(tc, test_flags);
	tcase_add_test(tc, test_measure);
	tcase_add_test(tc, test_cache);
	suite_add_tcase(su, tc);
	SRunner *sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
