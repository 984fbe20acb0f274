/* check_models.c: the shipped model zoo (the cfg files in models/).
 *
 * Parameter and MAC counts are asserted against fixed figures: the published
 * or hand-derived ones for LeNet-5, VGG and ResNet, and for MobileNetV2 (no
 * published figure for the CIFAR variant) the numbers an independent PyTorch
 * build produced (tests/fixtures/reference_counts.py and .txt).  The input
 * and class-count overrides are checked against the same script's figures
 * and against the closed forms they must obey.  A forward pass of every
 * model checks that the cfg wiring runs and gives finite logits.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/cfg.h"
#include "nn/layer.h"
#include "nn/net.h"
#include "nn/net_spec.h"
#include "base/rng.h"

struct model_ref {
	const char *name;
	struct shape input;
	size_t params;
	uint64_t macs;
};

/* At the default input, 10 classes. */
static const struct model_ref models[] = {
	{ "lenet5", { 1, 28, 28 }, 61706, 416520 },
	{ "vgg11", { 3, 32, 32 }, 9228362, 152769536 },
	{ "vgg16", { 3, 32, 32 }, 14724042, 313201664 },
	{ "vgg19", { 3, 32, 32 }, 20035018, 398136320 },
	{ "resnet20", { 3, 32, 32 }, 272474, 40813184 },
	{ "resnet32", { 3, 32, 32 }, 466906, 69124736 },
	{ "resnet56", { 3, 32, 32 }, 855770, 125747840 },
	{ "resnet18", { 3, 32, 32 }, 11173962, 555422720 },
	/* tests/fixtures/reference_counts.txt (PyTorch forward hooks). */
	{ "mobilenetv2", { 3, 32, 32 }, 2296922, 91154944 },
};
#define N_MODELS ((int)(sizeof models / sizeof models[0]))

static void model_path(char *buf, size_t len, const char *name)
{
	const char *top = getenv("top_srcdir");
	if (!top || !*top)
		top = ".";
	int n = snprintf(buf, len, "%s/models/%s.cfg", top, name);
	ck_assert(n > 0 && (size_t)n < len);
}

static void model_load(const char *name, struct net_spec *spec)
{
	char path[4096];
	struct eng_err err = { { 0 } };
	model_path(path, sizeof path, name);
	enum eng_status st = cfg_parse_file(path, spec, &err);
	ck_assert_msg(st == ENG_STATUS_OK, "%s: %s", path, err.msg);
}

static struct net *model_build(const struct net_spec *spec)
{
	struct net *net = NULL;
	struct eng_err err = { { 0 } };
	enum eng_status st = net_build(spec, &net, &err);
	ck_assert_msg(st == ENG_STATUS_OK, "%s: %s", spec->name, err.msg);
	ck_assert_ptr_nonnull(net);
	return net;
}

static uint64_t layer_macs_by_name(const struct net *net, const char *name)
{
	int i = net_find(net, name);
	ck_assert_msg(i >= 0, "%s: no layer %s", net->name, name);
	return net->layers[i].ops->macs(&net->layers[i]);
}

START_TEST(test_counts)
{
	const struct model_ref *m = &models[_i];
	struct net_spec spec;
	model_load(m->name, &spec);
	for (int k = 0; k < spec.n_warnings; k++)
		fprintf(stderr, "%s\n", spec.warnings[k]);
	ck_assert_int_eq(spec.n_warnings, 0);
	ck_assert_str_eq(spec.name, m->name);
	ck_assert(shape_equal(spec.input, m->input));
	ck_assert_int_eq(spec.classes, 10);

	/* The classifier is "fc" and follows --classes. */
	const struct layer_spec *last = &spec.layers[spec.n_layers - 1];
	ck_assert_str_eq(last->name, "fc");
	ck_assert_int_eq(last->kind, LAYER_KIND_LINEAR);
	ck_assert_int_eq(last->conf.out, LAYER_OUT_CLASSES);

	struct net *net = model_build(&spec);
	ck_assert_uint_eq(net_param_count(net), m->params);
	ck_assert_uint_eq(net_macs(net), m->macs);
	struct shape out = net->layers[net->n_layers - 1].out;
	ck_assert(shape_equal(out, (struct shape){ 10, 1, 1 }));
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

/* Written back out and parsed again, a model must build to the same net. */
START_TEST(test_roundtrip)
{
	const struct model_ref *m = &models[_i];
	struct net_spec spec, again;
	struct eng_err err = { { 0 } };
	model_load(m->name, &spec);
	char *text = cfg_write_string(&spec);
	ck_assert_ptr_nonnull(text);
	enum eng_status st = cfg_parse_string(text, strlen(text), "roundtrip", &again, &err);
	ck_assert_msg(st == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_int_eq(again.n_warnings, 0);
	ck_assert_int_eq(again.n_layers, spec.n_layers);
	for (int i = 0; i < spec.n_layers; i++) {
		ck_assert_str_eq(again.layers[i].name, spec.layers[i].name);
		ck_assert_int_eq(again.layers[i].n_in, spec.layers[i].n_in);
		for (int k = 0; k < spec.layers[i].n_in; k++)
			ck_assert_int_eq(again.layers[i].in_idx[k], spec.layers[i].in_idx[k]);
	}
	struct net *net = model_build(&again);
	ck_assert_uint_eq(net_param_count(net), m->params);
	ck_assert_uint_eq(net_macs(net), m->macs);
	net_free(net);
	free(text);
	net_spec_done(&again);
	net_spec_done(&spec);
}
END_TEST

static int spec_find_checked(const struct net_spec *spec, const char *name)
{
	int i = net_spec_find(spec, name);
	ck_assert_msg(i >= 0, "%s: no layer %s", spec->name, name);
	return i;
}

/* Residual wiring, from the naming scheme: block P's add sums P.bn2 (ResNet)
 * or P.bn3 (MobileNetV2) with P.shortcut.bn when the block has a projection,
 * else with the block input (the input of P.conv1); a projection reads the
 * block input too.  A wrong "from" would still build whenever the shapes
 * happen to agree, so this is the check that catches it. */
START_TEST(test_residual_wiring)
{
	const struct model_ref *m = &models[_i];
	struct net_spec spec;
	model_load(m->name, &spec);
	int n_add = 0, n_proj = 0;
	for (int i = 0; i < spec.n_layers; i++) {
		const struct layer_spec *ls = &spec.layers[i];
		size_t len = strlen(ls->name);
		if (ls->kind != LAYER_KIND_ADD)
			continue;
		n_add++;
		ck_assert_msg(len > 4 && strcmp(ls->name + len - 4, ".add") == 0,
			      "%s: add layer %s", m->name, ls->name);
		char prefix[LAYER_NAME_MAX], name[LAYER_NAME_MAX + 16];
		memcpy(prefix, ls->name, len - 4);
		prefix[len - 4] = '\0';

		snprintf(name, sizeof name, "%s.bn3", prefix);
		int main_in = net_spec_find(&spec, name);
		if (main_in < 0) {
			snprintf(name, sizeof name, "%s.bn2", prefix);
			main_in = spec_find_checked(&spec, name);
		}
		ck_assert_int_eq(ls->in_idx[0], main_in);

		snprintf(name, sizeof name, "%s.conv1", prefix);
		int block_in = spec.layers[spec_find_checked(&spec, name)].in_idx[0];
		snprintf(name, sizeof name, "%s.shortcut.bn", prefix);
		int proj = net_spec_find(&spec, name);
		if (proj >= 0) {
			n_proj++;
			snprintf(name, sizeof name, "%s.shortcut.conv", prefix);
			int pconv = spec_find_checked(&spec, name);
			ck_assert_int_eq(spec.layers[pconv].in_idx[0], block_in);
			ck_assert_int_eq(spec.layers[proj].in_idx[0], pconv);
			ck_assert_int_eq(ls->in_idx[1], proj);
		} else {
			ck_assert_int_eq(ls->in_idx[1], block_in);
		}
	}
	/* Blocks with a shortcut / projections, counted from the descriptions. */
	static const struct {
		const char *name;
		int adds, projs;
	} expect[] = {
		{ "lenet5", 0, 0 },    { "vgg11", 0, 0 },    { "vgg16", 0, 0 },
		{ "vgg19", 0, 0 },     { "resnet20", 9, 2 }, { "resnet32", 15, 2 },
		{ "resnet56", 27, 2 }, { "resnet18", 8, 3 }, { "mobilenetv2", 14, 4 },
	};
	ck_assert_str_eq(expect[_i].name, m->name);
	ck_assert_int_eq(n_add, expect[_i].adds);
	ck_assert_int_eq(n_proj, expect[_i].projs);
	net_spec_done(&spec);
}
END_TEST

/* Larger input: every conv does 4x the work, the fc after gap does not,
 * and no parameter count changes. */
START_TEST(test_override_input)
{
	struct net_spec spec;
	model_load("resnet20", &spec);
	struct net *base = model_build(&spec);
	spec.input = (struct shape){ 3, 64, 64 };
	struct net *big = model_build(&spec);
	uint64_t fc = layer_macs_by_name(base, "fc");
	ck_assert_uint_eq(fc, 64 * 10);
	ck_assert_uint_eq(layer_macs_by_name(big, "fc"), fc);
	ck_assert_uint_eq(net_param_count(big), net_param_count(base));
	ck_assert_uint_eq(net_macs(big) - fc, 4 * (net_macs(base) - fc));
	ck_assert_uint_eq(net_macs(big), 163250816); /* reference_counts.txt */
	net_free(big);
	net_free(base);
	net_spec_done(&spec);
}
END_TEST

START_TEST(test_override_classes)
{
	struct net_spec spec;
	model_load("vgg16", &spec);
	spec.classes = 100;
	struct net *net = model_build(&spec);
	ck_assert_uint_eq(net_param_count(net), 14724042 + 512 * 90 + 90);
	ck_assert_uint_eq(net_macs(net), 313201664 + 512 * 90);
	ck_assert(shape_equal(net->layers[net->n_layers - 1].out,
			      (struct shape){ 100, 1, 1 }));
	ck_assert_int_eq(net->classes, 100);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

/* LeNet-5 takes its fc1 width from the flatten, so other input sizes build
 * (consistently: 1x32x32 gives 16x6x6 = 576 features) down to 1x12x12;
 * below that a pool or conv no longer fits, which is a clean EINVAL. */
START_TEST(test_override_lenet)
{
	struct net_spec spec;
	model_load("lenet5", &spec);
	spec.input = (struct shape){ 1, 32, 32 };
	struct net *net = model_build(&spec);
	int flat = net_find(net, "flatten"), fc1 = net_find(net, "fc1");
	ck_assert_int_ge(flat, 0);
	ck_assert_int_ge(fc1, 0);
	ck_assert(shape_equal(net->layers[flat].in, (struct shape){ 16, 6, 6 }));
	ck_assert(shape_equal(net->layers[fc1].in, (struct shape){ 576, 1, 1 }));
	ck_assert_uint_eq(net_param_count(net), 61706 + (576 - 400) * 120);
	ck_assert_uint_eq(net_macs(net), 579240); /* reference_counts.txt */
	net_free(net);

	/* The smallest input: 12 -> pool1 6 -> conv2 2 -> pool2 1. */
	spec.input = (struct shape){ 1, 12, 12 };
	net = model_build(&spec);
	ck_assert(shape_equal(net->layers[flat].in, (struct shape){ 16, 1, 1 }));
	net_free(net);
	spec.input = (struct shape){ 1, 11, 11 };
	struct eng_err err = { { 0 } };
	ck_assert_int_eq(net_build(&spec, &net, &err), ENG_STATUS_EINVAL);
	ck_assert_msg(strstr(err.msg, "pool2") != NULL, "message: %s", err.msg);

	/* 8 -> conv1 8 -> pool1 4: conv2's 5x5 kernel no longer fits. */
	spec.input = (struct shape){ 1, 8, 8 };
	static struct net dummy;
	net = &dummy; /* net_build must reset it to NULL */
	ck_assert_int_eq(net_build(&spec, &net, &err), ENG_STATUS_EINVAL);
	ck_assert_ptr_null(net);
	ck_assert_msg(strstr(err.msg, "conv2") != NULL, "message: %s", err.msg);

	/* conv1's weights follow the input channels: 3 channels build with
	 * 3x its 1x5x5 kernels. */
	spec.input = (struct shape){ 3, 28, 28 };
	net = model_build(&spec);
	ck_assert_uint_eq(net_param_count(net), 61706 + 2 * 6 * 25);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

static void fill_normal(float *x, size_t n, uint64_t seed)
{
	struct rng r;
	rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++)
		x[i] = rng_normal(&r);
}

START_TEST(test_forward)
{
	const struct model_ref *m = &models[_i];
	/* VGG-19 is the slowest under the sanitizers; one sample suffices. */
	int batch = strcmp(m->name, "vgg19") == 0 ? 1 : 2;
	struct net_spec spec;
	struct eng_err err = { { 0 } };
	model_load(m->name, &spec);
	struct net *net = model_build(&spec);
	net_init(net, 1);
	ck_assert_msg(net_prepare(net, batch, &err) == ENG_STATUS_OK, "%s", err.msg);
	/* The adds' inputs and outputs are read below: every layer writes its
	 * output (the fused pairs are checked in check_net). */
	net->keep_every_output = true;
	size_t in_len = shape_size(net->input) * (size_t)batch;
	float *x = malloc(in_len * sizeof *x);
	ck_assert_ptr_nonnull(x);
	fill_normal(x, in_len, 7);

	/* Inference for every model; training mode (BN batch statistics) too
	 * for the cheap ones, which keeps the sanitizer run short. */
	int passes = net_macs(net) < 50000000 ? 2 : 1;
	for (int train = 0; train < passes; train++) {
		const float *y = net_forward(net, x, batch, train);
		ck_assert_ptr_nonnull(y);
		size_t n = shape_size(net->layers[net->n_layers - 1].out);
		ck_assert_uint_eq(n, 10);
		double sumsq = 0;
		for (size_t i = 0; i < n * (size_t)batch; i++) {
			ck_assert_msg(isfinite(y[i]), "%s: logit %zu = %g", m->name, i, y[i]);
			sumsq += (double)y[i] * y[i];
		}
		/* Kaiming weights and a random input never give all-zero logits. */
		ck_assert_msg(sumsq > 1e-6, "%s: logits all ~0", m->name);

		/* Each add really sums the two layers the cfg names. */
		for (int i = 0; i < net->n_layers; i++) {
			const struct layer *l = &net->layers[i];
			if (l->kind != LAYER_KIND_ADD)
				continue;
			const float *a = net_layer_output(net, l->in_idx[0]);
			const float *b = net_layer_output(net, l->in_idx[1]);
			const float *s = net_layer_output(net, i);
			size_t len = shape_size(l->out) * (size_t)batch;
			for (size_t j = 0; j < len; j++)
				ck_assert_msg(s[j] == a[j] + b[j], "%s: %s[%zu]", m->name,
					      l->name, j);
		}
	}
	free(x);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

START_TEST(test_init_determinism)
{
	struct net_spec spec;
	model_load("resnet20", &spec);
	struct net *a = model_build(&spec), *b = model_build(&spec);
	struct net *c = model_build(&spec);
	net_init(a, 1);
	net_init(b, 1);
	net_init(c, 2);
	size_t bytes = a->n_params * sizeof(float);
	ck_assert_int_eq(memcmp(a->params, b->params, bytes), 0);
	ck_assert_int_eq(memcmp(a->state, b->state, a->n_state * sizeof(float)), 0);
	ck_assert_int_ne(memcmp(a->params, c->params, bytes), 0);
	/* Every conv weight differs between seeds (not just one of them). */
	for (int i = 0; i < a->n_layers; i++) {
		const struct layer *la = &a->layers[i], *lc = &c->layers[i];
		if (la->kind == LAYER_KIND_CONV)
			ck_assert_msg(memcmp(la->w, lc->w, la->w_len * sizeof(float)) != 0,
				      "%s", la->name);
	}

	/* A layer's init depends only on (seed, name, shape): resnet32 shares
	 * conv1 and layer1.0.conv1 with resnet20. */
	struct net_spec spec32;
	model_load("resnet32", &spec32);
	struct net *d = model_build(&spec32);
	net_init(d, 1);
	static const char *const shared[] = { "conv1", "layer1.0.conv1", "fc" };
	for (size_t k = 0; k < sizeof shared / sizeof shared[0]; k++) {
		const struct layer *la = &a->layers[net_find(a, shared[k])];
		const struct layer *ld = &d->layers[net_find(d, shared[k])];
		ck_assert_uint_eq(la->w_len, ld->w_len);
		ck_assert_int_eq(memcmp(la->w, ld->w, la->w_len * sizeof(float)), 0);
	}

	net_free(d);
	net_spec_done(&spec32);
	net_free(c);
	net_free(b);
	net_free(a);
	net_spec_done(&spec);
}
END_TEST

static Suite *models_suite(void)
{
	Suite *s = suite_create("models");
	TCase *tc = tcase_create("counts");
	tcase_add_loop_test(tc, test_counts, 0, N_MODELS);
	tcase_add_loop_test(tc, test_roundtrip, 0, N_MODELS);
	tcase_add_loop_test(tc, test_residual_wiring, 0, N_MODELS);
	tcase_add_test(tc, test_override_input);
	tcase_add_test(tc, test_override_classes);
	tcase_add_test(tc, test_override_lenet);
	suite_add_tcase(s, tc);

	tc = tcase_create("run");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_forward, 0, N_MODELS);
	tcase_add_test(tc, test_init_determinism);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(models_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
