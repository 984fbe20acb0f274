/* check_net: the network runner (build, forward, backward, init), a
 * whole-net gradient check and a tiny net that learns. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/loss.h"
#include "nn/net.h"
#include "base/rng.h"
#include "nn/sgd.h"

/* Append a layer fed by the previous one (or in0/in1 when >= -1 given). */
static struct layer_conf *spec_add(struct net_spec *spec, enum layer_kind kind,
				   const char *name, int in0, int in1)
{
	struct layer_spec ls;
	memset(&ls, 0, sizeof ls);
	ls.kind = kind;
	snprintf(ls.name, sizeof ls.name, "%s", name);
	layer_conf_defaults(kind, &ls.conf);
	ls.n_in = in1 >= -1 && kind == LAYER_KIND_ADD ? 2 : 1;
	ls.in_idx[0] = in0 >= -1 ? in0 : spec->n_layers - 1;
	ls.in_idx[1] = in1;
	ck_assert_int_eq(net_spec_append(spec, &ls), ENG_STATUS_OK);
	return &spec->layers[spec->n_layers - 1].conf;
}

#define PREV (-2)

/* conv-bn-relu, maxpool, conv-bn + residual (1x1 conv-bn projection), add,
 * relu, gap, linear: every layer kind on one small DAG. */
static void tiny_spec(struct net_spec *spec, struct shape input, int classes)
{
	memset(spec, 0, sizeof *spec);
	snprintf(spec->name, sizeof spec->name, "tiny");
	spec->input = input;
	spec->classes = classes;
	struct layer_conf *c = spec_add(spec, LAYER_KIND_CONV, "conv1", -1, PREV);
	c->out = 4; c->size = 3; c->pad = layer_pad_all(1);
	spec_add(spec, LAYER_KIND_BN, "bn1", PREV, PREV);
	spec_add(spec, LAYER_KIND_RELU, "relu1", PREV, PREV);
	spec_add(spec, LAYER_KIND_MAXPOOL, "pool1", PREV, PREV);     /* 3 */
	c = spec_add(spec, LAYER_KIND_CONV, "conv2", PREV, PREV);
	c->out = 6; c->size = 3; c->pad = layer_pad_all(1);
	spec_add(spec, LAYER_KIND_BN, "bn2", PREV, PREV);            /* 5 */
	c = spec_add(spec, LAYER_KIND_CONV, "proj", 3, PREV);
	c->out = 6;
	spec_add(spec, LAYER_KIND_BN, "proj_bn", PREV, PREV);        /* 7 */
	spec_add(spec, LAYER_KIND_ADD, "add", 5, 7);
	spec_add(spec, LAYER_KIND_RELU, "relu2", PREV, PREV);
	spec_add(spec, LAYER_KIND_GAP, "gap", PREV, PREV);
	c = spec_add(spec, LAYER_KIND_LINEAR, "fc", PREV, PREV);
	c->out = LAYER_OUT_CLASSES;
}

START_TEST(test_build_shapes_and_counts)
{
	struct net_spec spec;
	struct net *net;
	struct eng_err err;
	tiny_spec(&spec, (struct shape){ 2, 8, 8 }, 3);
	ck_assert_int_eq(net_build(&spec, &net, &err), ENG_STATUS_OK);
	ck_assert_int_eq(net->n_layers, 12);
	ck_assert_int_eq(net->layers[3].out.h, 4);
	ck_assert_int_eq(net->layers[11].out.c, 3);
	/* conv1 72, bn1 8, conv2 216, bn2 12, proj 24, proj_bn 12, fc 18+3 */
	ck_assert_uint_eq(net_param_count(net), 72 + 8 + 216 + 12 + 24 + 12 + 21);
	/* conv1 4*2*9*64, conv2 6*4*9*16, proj 6*4*16, fc 6*3 */
	ck_assert_uint_eq(net_macs(net), 4608 + 3456 + 384 + 18);
	ck_assert_int_eq(net_find(net, "proj_bn"), 7);
	ck_assert_int_eq(net_find(net, "nope"), -1);
	/* Views are laid out layer by layer, weight then bias. */
	ck_assert_ptr_eq(net->layers[0].w, net->params);
	ck_assert_ptr_eq(net->layers[1].w, net->params + 72);
	ck_assert_ptr_eq(net->layers[1].b, net->params + 76);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

START_TEST(test_build_rejects_bad_specs)
{
	struct net_spec spec;
	struct net *net = (struct net *)&spec; /* must be reset to NULL */
	struct eng_err err;
	/* add of two different shapes: conv2 has 6 channels, pool1 has 4 */
	tiny_spec(&spec, (struct shape){ 2, 8, 8 }, 3);
	spec.layers[8].in_idx[1] = 3;
	ck_assert_int_eq(net_build(&spec, &net, &err), ENG_STATUS_EINVAL);
	ck_assert_ptr_null(net);
	ck_assert_ptr_nonnull(strstr(err.msg, "add"));
	net_spec_done(&spec);

	tiny_spec(&spec, (struct shape){ 2, 8, 8 }, 0);
	ck_assert_int_eq(net_build(&spec, &net, &err), ENG_STATUS_EINVAL);
	net_spec_done(&spec);

	tiny_spec(&spec, (struct shape){ 0, 8, 8 }, 3);
	ck_assert_int_eq(net_build(&spec, &net, &err), ENG_STATUS_EINVAL);
	net_spec_done(&spec);

	/* input too small for the pool after the 3x3 conv */
	tiny_spec(&spec, (struct shape){ 2, 1, 1 }, 3);
	ck_assert_int_eq(net_build(&spec, &net, &err), ENG_STATUS_EINVAL);
	ck_assert_ptr_null(net);
	net_spec_done(&spec);
}
END_TEST

static double net_loss(struct net *net, const float *x, const int32_t *y, int batch)
{
	const float *logits = net_forward(net, x, batch, true);
	return loss_softmax_xent(logits, y, batch, net->classes, NULL);
}

/* The net's backward against central differences of the whole loss, on a
 * sample of parameters from every layer. */
START_TEST(test_whole_net_gradient)
{
	struct net_spec spec;
	struct net *net;
	tiny_spec(&spec, (struct shape){ 2, 6, 6 }, 3);
	ck_assert_int_eq(net_build(&spec, &net, NULL), ENG_STATUS_OK);
	net_init(net, 5);
	/* Non-zero BN betas and fc bias so every term is exercised. */
	struct rng r;
	rng_seed(&r, 9);
	for (int i = 0; i < net->n_layers; i++) {
		struct layer *l = &net->layers[i];
		for (size_t k = 0; k < l->b_len; k++)
			l->b[k] = (float)(0.2 * (rng_uniform(&r) - 0.5));
	}
	const int batch = 4;
	ck_assert_int_eq(net_prepare(net, batch, NULL), ENG_STATUS_OK);
	size_t nx = shape_size(net->input) * batch;
	float *x = malloc(nx * sizeof *x);
	for (size_t i = 0; i < nx; i++)
		x[i] = (float)(2.0 * rng_uniform(&r) - 1.0);
	const int32_t y[4] = { 0, 1, 2, 1 };
	float dlogits[12];
	const float *logits = net_forward(net, x, batch, true);
	loss_softmax_xent(logits, y, batch, 3, dlogits);
	net_zero_grad(net);
	net_backward(net, x, dlogits, batch);

	double diff2 = 0, num2 = 0, ana2 = 0;
	const double eps = 1e-3; /* larger steps cross ReLU kinks and max-pool winners */
	int checked = 0;
	for (size_t i = 0; i < net->n_params; i += 3) {
		float saved = net->params[i];
		net->params[i] = (float)(saved + eps);
		double lp = net_loss(net, x, y, batch);
		net->params[i] = (float)(saved - eps);
		double lm = net_loss(net, x, y, batch);
		net->params[i] = saved;
		double num = (lp - lm) / (2 * eps);
		double ana = net->grads[i];
		diff2 += (num - ana) * (num - ana);
		num2 += num * num;
		ana2 += ana * ana;
		checked++;
	}
	double rel = sqrt(diff2) / (sqrt(num2) + sqrt(ana2));
	ck_assert_int_gt(checked, 100);
	ck_assert_msg(rel < 1e-2, "whole-net normalised gradient error %g", rel);
	free(x);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

/* conv1 read by two BN+ReLU pairs (ReLU6 and ReLU), so one BN's input
 * gradient assigns and the other's adds; their sum and a ReLU (a third
 * pair), added to the second pair's output again (so the first add's
 * gradient adds into it), gap, fc. */
static void pair_spec(struct net_spec *spec, struct shape input, int classes)
{
	memset(spec, 0, sizeof *spec);
	snprintf(spec->name, sizeof spec->name, "pairs");
	spec->input = input;
	spec->classes = classes;
	struct layer_conf *c = spec_add(spec, LAYER_KIND_CONV, "conv1", -1, PREV);
	c->out = 5; c->size = 3; c->pad = layer_pad_all(1);
	spec_add(spec, LAYER_KIND_BN, "bn1", 0, PREV);               /* 1 */
	c = spec_add(spec, LAYER_KIND_RELU, "relu1", PREV, PREV);    /* 2 */
	c->clip = 6.0f;
	spec_add(spec, LAYER_KIND_BN, "bn2", 0, PREV);               /* 3 */
	spec_add(spec, LAYER_KIND_RELU, "relu2", PREV, PREV);        /* 4 */
	spec_add(spec, LAYER_KIND_ADD, "add", 2, 4);                 /* 5 */
	spec_add(spec, LAYER_KIND_RELU, "relu3", PREV, PREV);        /* 6 */
	spec_add(spec, LAYER_KIND_ADD, "add2", 6, 4);                /* 7 */
	spec_add(spec, LAYER_KIND_GAP, "gap", PREV, PREV);
	c = spec_add(spec, LAYER_KIND_LINEAR, "fc", PREV, PREV);
	c->out = LAYER_OUT_CLASSES;
}

/* A forward (train or eval) and a backward of net on x: logits, grads and
 * running statistics into the caller's copies (toggle: see below).  The paired layers' own
 * output and output gradient start as NaN, so the caller can tell whether the
 * net left them unwritten. */
static void pair_step(struct net *net, const float *x, int batch, bool train,
		      bool toggle, float *logits, float *grads, float *state)
{
	const int bns[] = { 1, 3, 5 };
	for (int b = 0; b < 3; b++) {
		size_t n = shape_size(net->layers[bns[b]].out) * (size_t)batch;
		for (size_t i = 0; i < n; i++)
			net->act[bns[b]][i] = net->dact[bns[b]][i] = NAN;
	}
	const int32_t y[5] = { 0, 1, 2, 1, 0 };
	float dlogits[15];
	const float *z = net_forward(net, x, batch, train);
	memcpy(logits, z, (size_t)batch * 3 * sizeof *z);
	loss_softmax_xent(z, y, batch, 3, dlogits);
	/* toggle: keep_every_output flipped between the forward and its
	 * backward, which must follow the forward (net.h). */
	if (toggle)
		net->keep_every_output = !net->keep_every_output;
	net_zero_grad(net);
	net_backward(net, x, dlogits, batch);
	if (toggle)
		net->keep_every_output = !net->keep_every_output;
	memcpy(grads, net->grads, net->n_params * sizeof *grads);
	memcpy(state, net->state, net->n_state * sizeof *state);
}

/* A BN or an add and the ReLU (or ReLU6) that alone reads it run as one
 * call (batchnorm.c's and add.c's forward_relu and backward_relu, net.c's
 * choice) and give
 * the same logits, gradients and running statistics, to the bit, as the
 * two layers one after the other (keep_every_output); the fused net
 * really skipped the BN's output and gradient, and flipping
 * keep_every_output between a forward and its backward changes nothing.
 * The finite-difference check above runs the fused path too. */
START_TEST(test_bn_relu_pairs_match_separate_layers)
{
	struct net_spec spec;
	struct net *fused, *apart;
	pair_spec(&spec, (struct shape){ 3, 7, 9 }, 3);
	ck_assert_int_eq(net_build(&spec, &fused, NULL), ENG_STATUS_OK);
	ck_assert_int_eq(net_build(&spec, &apart, NULL), ENG_STATUS_OK);
	apart->keep_every_output = true;
	net_init(fused, 3);
	net_init(apart, 3);
	/* gamma 4 and shifted betas: ReLU6 clips some, the ReLUs zero some. */
	for (int i = 0; i < fused->n_layers; i++) {
		if (fused->layers[i].kind != LAYER_KIND_BN)
			continue;
		for (int c = 0; c < fused->layers[i].in.c; c++) {
			fused->layers[i].w[c] = apart->layers[i].w[c] = 4.0f;
			fused->layers[i].b[c] = apart->layers[i].b[c] = 0.5f * (float)(c - 2);
		}
	}
	const int batch = 5;
	ck_assert_int_eq(net_prepare(fused, batch, NULL), ENG_STATUS_OK);
	ck_assert_int_eq(net_prepare(apart, batch, NULL), ENG_STATUS_OK);
	size_t nx = shape_size(fused->input) * batch;
	float *x = malloc(nx * sizeof *x);
	struct rng r;
	rng_seed(&r, 17);
	for (size_t i = 0; i < nx; i++)
		x[i] = (float)(2.0 * rng_uniform(&r) - 1.0);
	size_t np = fused->n_params, ns = fused->n_state;
	float *buf = malloc((2 * (15 + np + ns)) * sizeof *buf);
	float *la = buf, *ga = la + 15, *sa = ga + np;
	float *lb = sa + ns, *gb = lb + 15, *sb = gb + np;
	for (int round = 0; round < 4; round++) {
		const bool train = round < 2, toggle = round % 2;
		pair_step(fused, x, batch, train, toggle, la, ga, sa);
		pair_step(apart, x, batch, train, toggle, lb, gb, sb);
		ck_assert(memcmp(la, lb, 15 * sizeof *la) == 0);
		ck_assert(memcmp(ga, gb, np * sizeof *ga) == 0);
		ck_assert(memcmp(sa, sb, ns * sizeof *sa) == 0);
		/* Every pair fused: its first layer's output and gradient left
		 * as NaN. */
		ck_assert(isnan(fused->act[1][0]) && isnan(fused->act[3][7]));
		ck_assert(isnan(fused->dact[1][0]) && isnan(fused->dact[3][7]));
		ck_assert(isnan(fused->act[5][3]) && isnan(fused->dact[5][3]));
		ck_assert(!isnan(apart->act[1][0]) && !isnan(apart->dact[3][7]));
		ck_assert(!isnan(apart->act[5][3]) && !isnan(apart->dact[5][3]));
		/* ReLU6 clipped and the ReLUs zeroed something. */
		size_t n = shape_size(fused->layers[2].out) * (size_t)batch;
		size_t clipped = 0, zeroed = 0;
		for (size_t i = 0; i < n; i++) {
			clipped += fused->act[2][i] == 6.0f;
			zeroed += fused->act[4][i] == 0.0f;
		}
		ck_assert(clipped > 0 && zeroed > 0);
	}
	free(buf);
	free(x);
	net_free(fused);
	net_free(apart);
	net_spec_done(&spec);
}
END_TEST

/* Fixed synthetic problem: class k puts a bright 3x3 blob in quadrant k of
 * an 8x8 single-channel image, plus uniform noise. */
static void synth_batch(struct rng *r, float *x, int32_t *y, int batch)
{
	for (int n = 0; n < batch; n++) {
		int k = (int)rng_below(r, 4);
		y[n] = k;
		float *img = x + n * 64;
		for (int i = 0; i < 64; i++)
			img[i] = (float)(0.6 * (rng_uniform(r) - 0.5));
		int oy = (k / 2) * 4 + (int)rng_below(r, 2);
		int ox = (k % 2) * 4 + (int)rng_below(r, 2);
		for (int dy = 0; dy < 3 && oy + dy < 8; dy++)
			for (int dx = 0; dx < 3 && ox + dx < 8; dx++)
				img[(oy + dy) * 8 + ox + dx] += 1.0f;
	}
}

START_TEST(test_tiny_net_learns)
{
	struct net_spec spec;
	struct net *net;
	tiny_spec(&spec, (struct shape){ 1, 8, 8 }, 4);
	ck_assert_int_eq(net_build(&spec, &net, NULL), ENG_STATUS_OK);
	net_init(net, 1);
	const int batch = 32;
	ck_assert_int_eq(net_prepare(net, batch, NULL), ENG_STATUS_OK);
	struct sgd opt;
	ck_assert_int_eq(sgd_init(&opt, net->n_params, 0.9f, 5e-4f, false), ENG_STATUS_OK);
	float x[32 * 64], dlogits[32 * 4];
	int32_t y[32];
	struct rng data;
	rng_seed(&data, 77);
	double first = 0, last = 0;
	for (int step = 0; step < 150; step++) {
		synth_batch(&data, x, y, batch);
		const float *logits = net_forward(net, x, batch, true);
		float loss = loss_softmax_xent(logits, y, batch, 4, dlogits);
		ck_assert(isfinite(loss));
		if (step < 10)
			first += loss / 10;
		if (step >= 140)
			last += loss / 10;
		net_zero_grad(net);
		net_backward(net, x, dlogits, batch);
		sgd_step(&opt, net->params, net->grads, 0.05f);
	}
	/* Held-out samples, eval-mode BN (running statistics). */
	int correct = 0;
	for (int rep = 0; rep < 4; rep++) {
		synth_batch(&data, x, y, batch);
		const float *logits = net_forward(net, x, batch, false);
		correct += loss_count_correct(logits, y, batch, 4);
	}
	ck_assert_msg(last < 0.3 * first, "loss %g -> %g did not fall enough", first, last);
	ck_assert_msg(correct >= 0.9 * 128, "held-out accuracy %d/128", correct);
	sgd_done(&opt);
	net_free(net);
	net_spec_done(&spec);
}
END_TEST

START_TEST(test_init_and_batches)
{
	struct net_spec spec;
	struct net *a, *b;
	tiny_spec(&spec, (struct shape){ 2, 8, 8 }, 3);
	ck_assert_int_eq(net_build(&spec, &a, NULL), ENG_STATUS_OK);
	ck_assert_int_eq(net_build(&spec, &b, NULL), ENG_STATUS_OK);
	net_init(a, 3);
	net_init(b, 3);
	ck_assert(memcmp(a->params, b->params, a->n_params * sizeof(float)) == 0);
	/* BN: gamma 1, beta 0, running var 1 */
	ck_assert_float_eq(a->layers[1].w[0], 1.0f);
	ck_assert_float_eq(a->layers[1].b[0], 0.0f);
	ck_assert_float_eq(a->layers[1].state[4], 1.0f);
	/* Kaiming std for conv2: sqrt(2 / (4*9)) */
	const struct layer *c2 = &a->layers[4];
	double s2 = 0;
	for (size_t i = 0; i < c2->w_len; i++)
		s2 += (double)c2->w[i] * c2->w[i];
	double std = sqrt(s2 / c2->w_len);
	ck_assert_double_lt(fabs(std - sqrt(2.0 / 36)), 0.35 * sqrt(2.0 / 36));
	net_init(b, 4);
	ck_assert(memcmp(a->params, b->params, a->n_params * sizeof(float)) != 0);

	/* A forward at a smaller batch than prepared gives the same per-sample
	 * logits in eval mode. */
	ck_assert_int_eq(net_prepare(a, 4, NULL), ENG_STATUS_OK);
	float x[4 * 128];
	struct rng r;
	rng_seed(&r, 2);
	for (int i = 0; i < 4 * 128; i++)
		x[i] = (float)rng_uniform(&r);
	float full[12];
	memcpy(full, net_forward(a, x, 4, false), sizeof full);
	const float *one = net_forward(a, x + 128, 1, false);
	for (int k = 0; k < 3; k++)
		ck_assert_float_eq_tol(one[k], full[3 + k], 1e-5f);
	net_free(a);
	net_free(b);
	net_spec_done(&spec);
}
END_TEST

/* net_memory_estimate: the workspace it counts is exactly what
 * net_prepare allocates, plus parameters, gradients, state and one input
 * batch; a batch whose figure overflows says so instead of wrapping. */
START_TEST(test_memory_estimate)
{
	struct net_spec spec;
	struct net *a;
	tiny_spec(&spec, (struct shape){ 2, 8, 8 }, 3);
	ck_assert_int_eq(net_build(&spec, &a, NULL), ENG_STATUS_OK);
	for (int batch = 1; batch <= 64; batch *= 4) {
		size_t est;
		ck_assert_int_eq(net_memory_estimate(a, batch, &est), ENG_STATUS_OK);
		ck_assert_int_eq(net_prepare(a, batch, NULL), ENG_STATUS_OK);
		size_t want = (a->arena.cap + 2 * a->n_params + a->n_state +
			       (size_t)batch * 128) * sizeof(float);
		ck_assert_uint_eq(est, want);
	}
	size_t est;
	ck_assert_int_eq(net_memory_estimate(a, 0, &est), ENG_STATUS_EINVAL);
	/* 2^31-1 samples of an 8x8 input at 8 channels: past what a size_t
	 * holds on 32 bits, huge on 64; never smaller than batch 1's. */
	size_t one;
	net_memory_estimate(a, 1, &one);
	enum eng_status st = net_memory_estimate(a, 2147483647, &est);
	ck_assert(st == ENG_STATUS_EINVAL ? est == SIZE_MAX : est > one);
	net_free(a);
	net_spec_done(&spec);
}
END_TEST

static Suite *net_suite(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("build");
	tcase_add_test(tc, test_build_shapes_and_counts);
	tcase_add_test(tc, test_build_rejects_bad_specs);
	tcase_add_test(tc, test_init_and_batches);
	tcase_add_test(tc, test_memory_estimate);
	suite_add_tcase(s, tc);
	tc = tcase_create("train");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_whole_net_gradient);
	tcase_add_test(tc, test_bn_relu_pairs_match_separate_layers);
	tcase_add_test(tc, test_tiny_net_learns);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(net_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
