/* check_group_probe.c: prune/group_probe.h, the measured sensitivity of
 * whole channel groups.
 *
 * The reference for the probe model is the real prune: a plan file that
 * keeps every group whole but one, read back with plan_file_read and run
 * through reconvene_run with dense sensitive layers, exactly what
 * `reconvene prune MODEL --plan FILE --dense-sensitive yes` does.  Every
 * group of lenet5 and resnet20 at every probe ratio must give the same net:
 * the same spec shapes, parameter count, parameters and BN state bit for
 * bit, an all-ones mask, and the same logits on a fixed input.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/rng.h"
#include "io/cfg.h"
#include "nn/net.h"
#include "prune/group_probe.h"
#include "prune/groups.h"
#include "prune/plan.h"
#include "prune/plan_file.h"
#include "prune/reconvene.h"

static void spec_from_model(const char *name, struct net_spec *spec)
{
	char path[4096];
	struct eng_err err = { { 0 } };
	const char *top = getenv("top_srcdir");
	if (!top || !*top)
		top = ".";
	snprintf(path, sizeof path, "%s/models/%s.cfg", top, name);
	ck_assert_msg(cfg_parse_file(path, spec, &err) == ENG_STATUS_OK, "%s: %s", path,
		      err.msg);
}

START_TEST(test_keep_counts)
{
	/* ceil((1 - r) c), at least min_keep and 1, at most c */
	ck_assert_int_eq(group_probe_keep(16, 0.25, 1), 12);
	ck_assert_int_eq(group_probe_keep(16, 0.5, 1), 8);
	ck_assert_int_eq(group_probe_keep(16, 0.75, 1), 4);
	ck_assert_int_eq(group_probe_keep(6, 0.25, 1), 5);  /* 4.5 up */
	ck_assert_int_eq(group_probe_keep(6, 0.75, 1), 2);  /* 1.5 up */
	ck_assert_int_eq(group_probe_keep(3, 0.25, 1), 3);  /* unchanged */
	ck_assert_int_eq(group_probe_keep(1, 0.75, 1), 1);
	ck_assert_int_eq(group_probe_keep(16, 0.75, 8), 8); /* collapse guard */
	ck_assert_int_eq(group_probe_keep(16, 0.75, 40), 16);
	ck_assert(group_probe_ratio[0] == 0.25 && group_probe_ratio[1] == 0.5 &&
		  group_probe_ratio[2] == 0.75);
}
END_TEST

START_TEST(test_plan_one_group)
{
	struct net_spec spec = { 0 };
	spec_from_model("resnet20", &spec);
	struct net *net = NULL;
	struct eng_err err = { { 0 } };
	ck_assert(net_build(&spec, &net, &err) == ENG_STATUS_OK);
	struct group_set gs;
	ck_assert(groups_build(net, &gs, &err) == ENG_STATUS_OK);
	int eligible = 0;
	for (int g = 0; g < gs.n_groups; g++) {
		struct prune_plan p;
		if (!group_probe_eligible(&gs, g)) {
			ck_assert(group_probe_plan(&gs, g, 0.5, 1, &p, &err) == ENG_STATUS_EINVAL);
			ck_assert(p.keep == NULL);
			continue;
		}
		eligible++;
		ck_assert(group_probe_plan(&gs, g, 0.5, 1, &p, &err) == ENG_STATUS_OK);
		ck_assert(plan_validate(&gs, &p, 1, &err) == ENG_STATUS_OK);
		for (int h = 0; h < gs.n_groups; h++)
			ck_assert_int_eq(plan_group_changed(&gs, &p, h), h == g);
		ck_assert_int_eq(p.keep[g], gs.groups[g].channels / 2);
		plan_done(&p);
	}
	/* resnet20: every prunable group, residual ones included */
	ck_assert_int_eq(eligible, groups_prunable_count(&gs));
	ck_assert_int_eq(eligible, 12);
	struct prune_plan p;
	ck_assert(group_probe_plan(&gs, 1, 1.0, 1, &p, &err) == ENG_STATUS_EINVAL);
	ck_assert(group_probe_plan(&gs, 1, 0.0, 1, &p, &err) == ENG_STATUS_EINVAL);
	groups_done(&gs);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

static void forward_fixed(struct net *net, float *out, size_t n_out)
{
	struct eng_err err = { { 0 } };
	const int batch = 2;
	ck_assert(net_prepare(net, batch, &err) == ENG_STATUS_OK);
	size_t n_in = (size_t)batch * shape_size(net->input);
	float *x = malloc(n_in * sizeof *x);
	ck_assert(x != NULL);
	struct rng r;
	rng_seed(&r, 99);
	for (size_t i = 0; i < n_in; i++)
		x[i] = rng_normal(&r);
	const float *y = net_forward(net, x, batch, false);
	ck_assert_uint_eq(n_out, (size_t)batch * (size_t)net->classes);
	memcpy(out, y, n_out * sizeof *out);
	free(x);
}

/* The probe model of every group and ratio = the real prune's. */
static void probe_equals_prune(const char *model)
{
	struct net_spec spec = { 0 };
	spec_from_model(model, &spec);
	struct eng_err err = { { 0 } };
	struct net *net = NULL;
	ck_assert(net_build(&spec, &net, &err) == ENG_STATUS_OK);
	struct reconvene_options o;
	reconvene_options_init(&o);
	o.method = SCORE_METHOD_MAGNITUDE;
	o.sparsity = 0.8;
	o.seed = 3;
	net_init(net, o.seed);
	struct reconvene_pse pse;
	ck_assert_msg(reconvene_pse_run(net, NULL, &o, &pse, &err) == ENG_STATUS_OK, "%s",
		      err.msg);
	struct group_set gs;
	ck_assert(groups_build(net, &gs, &err) == ENG_STATUS_OK);
	float **imp = NULL;
	ck_assert(reconvene_importance(net, &gs, pse.scores, NULL, &imp, &err) == ENG_STATUS_OK);
	char dir[] = "/tmp/check_group_probe.XXXXXX";
	ck_assert(mkdtemp(dir) != NULL);
	char path[64];
	snprintf(path, sizeof path, "%s/plan.json", dir);
	int probed = 0;
	for (int g = 0; g < gs.n_groups; g++) {
		if (!group_probe_eligible(&gs, g))
			continue;
		for (int k = 0; k < GROUP_PROBE_N; k++) {
			double ratio = group_probe_ratio[k];
			struct plan_result pr;
			ck_assert_msg(group_probe_build(net, &spec, &gs, g, ratio, &o,
							(const float *const *)imp, pse.mask,
							&pr, &err) == ENG_STATUS_OK, "%s", err.msg);
			/* The real prune: a plan file keeping all but group g. */
			struct prune_plan want, read;
			ck_assert(plan_init(&want, &gs) == ENG_STATUS_OK);
			int keep = (int)ceil((1.0 - ratio) * gs.groups[g].channels);
			plan_set_keep(&want, g, keep);
			struct plan_file_info info;
			plan_file_info_from_options(&o, net->name, &info);
			ck_assert_msg(plan_file_write(path, &gs, &want, &info, &err) ==
				      ENG_STATUS_OK, "%s", err.msg);
			ck_assert_msg(plan_file_read(path, net, &gs, o.min_keep, &read, NULL,
						     &err) == ENG_STATUS_OK, "%s", err.msg);
			struct net *src = NULL;
			ck_assert(net_build(&spec, &src, &err) == ENG_STATUS_OK);
			net_init(src, o.seed);
			struct reconvene_options od = o;
			od.sensitive_dense = true; /* --dense-sensitive yes */
			struct reconvene_result rr;
			ck_assert_msg(reconvene_run(src, &spec, NULL, &od, &read, &rr, &err) ==
				      ENG_STATUS_OK, "%s", err.msg);
			const struct net *a = pr.net, *b = rr.net;
			ck_assert_int_eq(a->n_layers, b->n_layers);
			for (int i = 0; i < a->n_layers; i++) {
				ck_assert(shape_equal(a->layers[i].in, b->layers[i].in));
				ck_assert(shape_equal(a->layers[i].out, b->layers[i].out));
			}
			ck_assert_uint_eq(a->n_params, b->n_params);
			ck_assert_uint_eq(a->n_state, b->n_state);
			ck_assert(memcmp(a->params, b->params, a->n_params * sizeof *a->params) == 0);
			ck_assert(memcmp(a->state, b->state, a->n_state * sizeof *a->state) == 0);
			for (size_t j = 0; j < a->n_params; j++)
				ck_assert(pr.mask[j] == 1 && rr.mask[j] == 1);
			/* the group lost its channels; nothing else changed */
			ck_assert_int_eq(pr.n_changed, keep < gs.groups[g].channels);
			ck_assert_int_eq(pr.plan.keep[g], keep);
			ck_assert(a->n_params < net->n_params || keep == gs.groups[g].channels);
			size_t n_out = 2 * (size_t)a->classes;
			float *ya = malloc(n_out * sizeof *ya), *yb = malloc(n_out * sizeof *yb);
			ck_assert(ya && yb);
			forward_fixed(pr.net, ya, n_out);
			forward_fixed(rr.net, yb, n_out);
			for (size_t j = 0; j < n_out; j++)
				ck_assert_msg(ya[j] == yb[j] && isfinite(ya[j]),
					      "%s group %s r=%g: logit %zu %g != %g", model,
					      gs.groups[g].name, ratio, j, ya[j], yb[j]);
			free(ya);
			free(yb);
			reconvene_result_done(&rr);
			net_free(src);
			plan_done(&want);
			plan_done(&read);
			plan_result_done(&pr);
			probed++;
		}
	}
	ck_assert_int_eq(probed, groups_prunable_count(&gs) * GROUP_PROBE_N);
	unlink(path);
	rmdir(dir);
	reconvene_importance_free(imp, gs.n_groups);
	groups_done(&gs);
	reconvene_pse_done(&pse);
	net_free(net);
	net_spec_done(&spec);
}

START_TEST(test_probe_equals_prune_lenet5)
{
	probe_equals_prune("lenet5");
}
END_TEST

START_TEST(test_probe_equals_prune_resnet20)
{
	probe_equals_prune("resnet20");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("group_probe");
	TCase *tc = tcase_create("plan");
	tcase_add_test(tc, test_keep_counts);
	tcase_add_test(tc, test_plan_one_group);
	suite_add_tcase(s, tc);
	tc = tcase_create("model");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_probe_equals_prune_lenet5);
	tcase_add_test(tc, test_probe_equals_prune_resnet20);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
