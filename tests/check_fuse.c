/* check_fuse: the fused eval net (engine/nn/net_fuse.c) computes what the
 * net it came from computes in eval mode, on every shipped model, with
 * random BN statistics (so folding is not the identity), with and without
 * a mask; and it folds and fuses exactly where it may: not a BN whose conv
 * output is read twice, not a ReLU whose input is read twice. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "base/threads.h"
#include "io/cfg.h"
#include "nn/conv3x3.h"
#include "nn/conv_packing.h"
#include "nn/net.h"
#include "nn/net_fuse.h"

static const char *models[] = {
	"lenet5", "vgg11", "vgg16", "vgg19", "resnet20", "resnet32",
	"resnet56", "resnet18", "mobilenetv2",
};
#define N_MODELS ((int)(sizeof models / sizeof models[0]))

static struct net *load(const char *name, struct net_spec *spec)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	snprintf(path, sizeof path, "%s/models/%s.cfg", top && *top ? top : ".", name);
	struct eng_err err;
	ck_assert_msg(cfg_parse_file(path, spec, &err) == ENG_STATUS_OK, "%s", err.msg);
	struct net *net;
	ck_assert_msg(net_build(spec, &net, &err) == ENG_STATUS_OK, "%s", err.msg);
	net_init(net, 7);
	/* Trained-looking BN: gamma, beta, mean and var away from 1, 0, 0, 1. */
	struct rng r;
	rng_seed(&r, 11);
	for (int i = 0; i < net->n_layers; i++) {
		struct layer *l = &net->layers[i];
		if (l->kind != LAYER_KIND_BN)
			continue;
		int c = l->out.c;
		for (int k = 0; k < c; k++) {
			l->w[k] = 0.5f + rng_uniform(&r);
			l->b[k] = 0.2f * rng_normal(&r);
			l->state[k] = 0.3f * rng_normal(&r);
			l->state[c + k] = 0.5f + rng_uniform(&r);
		}
	}
	return net;
}

static int count_kind(const struct net *net, enum layer_kind kind)
{
	int n = 0;
	for (int i = 0; i < net->n_layers; i++)
		n += net->layers[i].kind == kind;
	return n;
}

/* max |a - b| / max(1, max |a|) over m logits (NaN anywhere: NaN). */
static double rel_diff(const float *a, const float *b, size_t m)
{
	double scale = 1.0, diff = 0.0;
	for (size_t i = 0; i < m; i++) {
		scale = fmax(scale, fabs(a[i]));
		double d = fabs((double)a[i] - b[i]);
		diff = d > diff || isnan(d) ? d : diff;
	}
	return diff / scale;
}

/* rel_diff over the logits of the same input. */
static double compare(struct net *a, struct net *b, int batch)
{
	struct eng_err err;
	ck_assert(net_prepare(a, batch, &err) == ENG_STATUS_OK);
	ck_assert(net_prepare(b, batch, &err) == ENG_STATUS_OK);
	size_t n = shape_size(a->input) * (size_t)batch;
	float *x = malloc(n * sizeof *x);
	struct rng r;
	rng_seed(&r, 5);
	for (size_t i = 0; i < n; i++)
		x[i] = rng_normal(&r);
	size_t m = (size_t)batch * (size_t)a->classes;
	float *ya = malloc(m * sizeof *ya);
	memcpy(ya, net_forward(a, x, batch, false), m * sizeof *ya);
	double rel = rel_diff(ya, net_forward(b, x, batch, false), m);
	free(x);
	free(ya);
	return rel;
}

START_TEST(test_models)
{
	struct net_spec spec;
	struct net *net = load(models[_i], &spec), *fused;
	struct eng_err err;
	ck_assert_int_eq(net_fuse(net, NULL, &fused, &err), ENG_STATUS_OK);
	/* Every shipped model has its BNs right after convs, used once. */
	ck_assert_int_eq(count_kind(fused, LAYER_KIND_BN), 0);
	ck_assert_int_lt(count_kind(fused, LAYER_KIND_RELU), count_kind(net, LAYER_KIND_RELU) + 1);
	ck_assert_uint_eq(net_macs(fused), net_macs(net));
	ck_assert_int_eq(fused->classes, net->classes);
	/* Every conv has the form conv_packing_for chooses (conv_packing.h),
	 * so the logits below compare those paths too. */
	int forms[4] = { 0 };
	for (int i = 0; i < fused->n_layers; i++) {
		const struct layer *l = &fused->layers[i];
		ck_assert_msg(l->packing == conv_packing_for(l), "%s: %s", models[_i], l->name);
		ck_assert((l->w_packed != NULL) == (l->packing != LAYER_PACKED_NONE));
		forms[l->packing]++;
	}
	if (!strcmp(models[_i], "vgg16") && conv3x3_best_isa() == CONV3X3_ISA_AVX512) {
		ck_assert_int_eq(forms[LAYER_PACKED_WINO4], 3);  /* conv1_2, conv2_1, conv2_2 */
		ck_assert_int_eq(forms[LAYER_PACKED_WINO2], 3);  /* conv3_1 to conv3_3 */
		ck_assert_int_eq(forms[LAYER_PACKED_PANELS], 6); /* conv4_1 to conv5_3 */
	}
	double rel = compare(net, fused, 3);
	ck_assert_msg(rel <= 1e-5, "%s: fused logits differ by %g (relative)", models[_i], rel);
	/* Batch 1, the latency case, too. */
	rel = compare(net, fused, 1);
	ck_assert_msg(rel <= 1e-5, "%s: batch 1 differs by %g", models[_i], rel);
	net_free(fused);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

START_TEST(test_mask)
{
	struct net_spec spec;
	struct net *net = load("resnet20", &spec), *fused;
	uint8_t *mask = malloc(net->n_params);
	struct rng r;
	rng_seed(&r, 3);
	for (size_t j = 0; j < net->n_params; j++)
		mask[j] = rng_uniform(&r) < 0.3;
	struct eng_err err;
	ck_assert_int_eq(net_fuse(net, mask, &fused, &err), ENG_STATUS_OK);
	/* The reference: the same net with the masked weights zeroed. */
	for (int i = 0; i < net->n_layers; i++) {
		struct layer *l = &net->layers[i];
		if (l->kind != LAYER_KIND_CONV && l->kind != LAYER_KIND_LINEAR)
			continue;
		for (size_t j = 0; j < l->w_len; j++)
			if (!mask[(size_t)(l->w - net->params) + j])
				l->w[j] = 0.0f;
	}
	double rel = compare(net, fused, 2);
	ck_assert_msg(rel <= 1e-5, "masked: %g", rel);
	/* Batch 1, where its 8x8 convs run Winograd on the masked weights. */
	rel = compare(net, fused, 1);
	ck_assert_msg(rel <= 1e-5, "masked, batch 1: %g", rel);
	free(mask);
	net_free(fused);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

/* The latency path: the fused net at batch 1 on a granted team of two
 * with OpenBLAS on one thread (net_forward_team: GEMMs cut by rows,
 * direct kernels by channels) computes the same logits as one thread, up
 * to OpenBLAS's kernels' rounding.  On a one-CPU machine the team is one
 * thread and this compares a path with itself. */
START_TEST(test_team)
{
	struct net_spec spec;
	struct net *net = load(models[_i], &spec), *fused;
	struct eng_err err;
	ck_assert_int_eq(net_fuse(net, NULL, &fused, &err), ENG_STATUS_OK);
	ck_assert(net_prepare(fused, 1, &err) == ENG_STATUS_OK);
	size_t n = shape_size(fused->input), m = (size_t)fused->classes;
	float *x = malloc(n * sizeof *x), *y = malloc(m * sizeof *y);
	struct rng r;
	rng_seed(&r, 9);
	for (size_t i = 0; i < n; i++)
		x[i] = rng_normal(&r);
	memcpy(y, net_forward(fused, x, 1, false), m * sizeof *y);
	const int saved = threads_blas_serial_begin();
	double rel = rel_diff(y, net_forward_team(fused, x, 1, false, 2), m);
	threads_blas_serial_end(saved);
	ck_assert_msg(rel <= 1e-5, "%s: the team's logits differ by %g (relative)", models[_i],
		      rel);
	free(x);
	free(y);
	net_free(fused);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

/* c1's output feeds both its BN and the add: no fold.  b2's output feeds
 * a ReLU and the add: no fusion.  c3 + bn3 + relu3: both. */
static const char *shared_cfg =
	"[net]\nname = shared\ninput = 3x8x8\nclasses = 4\n"
	"[conv]\nname = c1\nout = 6\nsize = 3\npad = 1\n"
	"[bn]\nname = b1\n"
	"[conv]\nname = c2\nout = 6\nsize = 3\npad = 1\ninput = b1\n"
	"[bn]\nname = b2\n"
	"[relu]\nname = r2\n"
	"[add]\nname = a1\ninput = c1\nfrom = b2\n"
	"[add]\nname = a2\ninput = a1\nfrom = r2\n"
	"[conv]\nname = c3\nout = 5\nsize = 1\n"
	"[bn]\nname = b3\n"
	"[relu]\nname = r3\nclip = 6\n"
	"[gap]\nname = gap\n"
	"[linear]\nname = fc\nout = classes\n";

START_TEST(test_where)
{
	struct net_spec spec;
	struct eng_err err;
	ck_assert_msg(cfg_parse_string(shared_cfg, strlen(shared_cfg), "shared.cfg", &spec, &err) == ENG_STATUS_OK,
		      "%s", err.msg);
	struct net *net, *fused;
	ck_assert_int_eq(net_build(&spec, &net, &err), ENG_STATUS_OK);
	net_init(net, 1);
	ck_assert_int_eq(net_fuse(net, NULL, &fused, &err), ENG_STATUS_OK);
	ck_assert_int_ge(net_find(fused, "b1"), 0);	/* c1 read twice */
	ck_assert_int_lt(net_find(fused, "b2"), 0);	/* folded into c2 */
	ck_assert_int_ge(net_find(fused, "r2"), 0);	/* b2 read twice */
	ck_assert_int_lt(net_find(fused, "b3"), 0);
	ck_assert_int_lt(net_find(fused, "r3"), 0);
	const struct layer *c3 = &fused->layers[net_find(fused, "c3")];
	ck_assert(c3->conf.post_relu && c3->conf.post_clip == 6.0f && c3->conf.bias == 1);
	ck_assert(!fused->layers[net_find(fused, "c2")].conf.post_relu);
	ck_assert(!fused->layers[net_find(fused, "a1")].conf.post_relu);
	double rel = compare(net, fused, 2);
	ck_assert_msg(rel <= 1e-5, "shared: %g", rel);
	net_free(fused);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

static Suite *fuse_suite(void)
{
	Suite *s = suite_create("fuse");
	TCase *tc = tcase_create("fuse");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_models, 0, N_MODELS);
	tcase_add_loop_test(tc, test_team, 0, N_MODELS);
	tcase_add_test(tc, test_mask);
	tcase_add_test(tc, test_where);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(fuse_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
