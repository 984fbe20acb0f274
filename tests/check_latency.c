/* check_latency.c: the CSR sparse kernels, the sparse whole-net runner and
 * the latency measurement.
 *
 * The reference for every sparse result is the engine's dense path on the
 * same weights with the masked ones set to zero (what "masked dense"
 * means), plus a naive double-precision loop for the single layers, so a
 * bug shared by the dense kernel would not hide.  No timing assertions:
 * performance lives in bench/bench_latency.c.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cancel.h"
#include "io/cfg.h"
#include "measure/latency.h"
#include "measure/metrics.h"
#include "nn/net.h"
#include "base/rng.h"
#include "score/score.h"
#include "measure/sparse.h"

/* |sparse - ref| <= REL * max(1e-3, max |ref|) per element. */
#define REL 1e-5

static const char *srcdir_top(void)
{
	const char *top = getenv("top_srcdir");
	if (!top || !*top)
		top = getenv("srcdir");
	if (!top || !*top)
		top = ".";
	return top;
}

static struct net *net_from_string(const char *text)
{
	struct net_spec spec;
	struct eng_err err;
	struct net *net = NULL;
	if (cfg_parse_string(text, strlen(text), "test", &spec, &err) != ENG_STATUS_OK)
		ck_abort_msg("%s", err.msg);
	if (net_build(&spec, &net, &err) != ENG_STATUS_OK)
		ck_abort_msg("%s", err.msg);
	net_spec_done(&spec);
	return net;
}

static struct net *net_model(const char *name)
{
	char path[1024];
	struct net_spec spec;
	struct eng_err err;
	struct net *net = NULL;
	snprintf(path, sizeof path, "%s/models/%s.cfg", srcdir_top(), name);
	if (cfg_parse_file(path, &spec, &err) != ENG_STATUS_OK)
		ck_abort_msg("%s", err.msg);
	if (net_build(&spec, &net, &err) != ENG_STATUS_OK)
		ck_abort_msg("%s", err.msg);
	net_spec_done(&spec);
	net_init(net, 1);
	return net;
}

/* Random mask over the conv/linear weights (keep with probability 1 - s);
 * every other entry 1. */
static uint8_t *mask_random(const struct net *net, double sparsity, uint64_t seed)
{
	uint8_t *m = malloc(net->n_params);
	ck_assert_ptr_nonnull(m);
	memset(m, 1, net->n_params);
	struct rng r;
	rng_seed(&r, seed);
	for (int i = 0; i < net->n_layers; i++) {
		const struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		uint8_t *lm = m + (l->w - net->params);
		for (size_t j = 0; j < l->w_len; j++)
			lm[j] = rng_uniform(&r) >= sparsity;
	}
	return m;
}

static void mask_zero_weights(struct net *net, const uint8_t *m)
{
	for (int i = 0; i < net->n_layers; i++) {
		struct layer *l = &net->layers[i];
		if (!score_layer_is_prunable(l))
			continue;
		const uint8_t *lm = m + (l->w - net->params);
		for (size_t j = 0; j < l->w_len; j++)
			if (!lm[j])
				l->w[j] = 0.0f;
	}
}

static float max_abs(const float *x, size_t n)
{
	float m = 0.0f;
	for (size_t i = 0; i < n; i++)
		if (fabsf(x[i]) > m)
			m = fabsf(x[i]);
	return m;
}

static void assert_close(const float *got, const float *ref, size_t n,
			 double rel, const char *what)
{
	double tol = rel * fmax(1e-3, max_abs(ref, n));
	for (size_t i = 0; i < n; i++)
		if (!(fabs((double)got[i] - ref[i]) <= tol))
			ck_abort_msg("%s: element %zu: %.9g vs %.9g (tol %.3g)", what, i,
				     got[i], ref[i], tol);
}

/* Naive double-precision conv / linear of one sample, masked weights
 * skipped. */
static void naive_forward(const struct layer *l, const uint8_t *wm,
			  const float *in, double *out)
{
	if (l->kind == LAYER_KIND_LINEAR) {
		size_t n = shape_size(l->in);
		for (int o = 0; o < l->out.c; o++) {
			double s = l->b_len ? l->b[o] : 0.0;
			for (size_t j = 0; j < n; j++)
				if (wm[(size_t)o * n + j])
					s += (double)l->w[(size_t)o * n + j] * in[j];
			out[o] = s;
		}
		return;
	}
	int k = l->conf.size, st = l->conf.stride, g = l->conf.groups;
	int pt = l->conf.pad.top, pl = l->conf.pad.left;
	int cg = l->in.c / g, og = l->out.c / g;
	for (int o = 0; o < l->out.c; o++)
		for (int oy = 0; oy < l->out.h; oy++)
			for (int ox = 0; ox < l->out.w; ox++) {
				double s = l->b_len ? l->b[o] : 0.0;
				for (int c = 0; c < cg; c++)
					for (int kh = 0; kh < k; kh++)
						for (int kw = 0; kw < k; kw++) {
							int y = oy * st + kh - pt, x = ox * st + kw - pl;
							if (y < 0 || y >= l->in.h || x < 0 || x >= l->in.w)
								continue;
							size_t wi = (((size_t)o * cg + c) * k + kh) * k + kw;
							if (!wm[wi])
								continue;
							int ic = o / og * cg + c;
							s += (double)l->w[wi] *
							     in[((size_t)ic * l->in.h + y) * l->in.w + x];
						}
				out[((size_t)o * l->out.h + oy) * l->out.w + ox] = s;
			}
}

struct conv_case {
	int c, h, w, out, k, stride;
	const char *pad; /* as the cfg writes it: N or top left bottom right */
	int groups, bias;
};

static const struct conv_case conv_cases[] = {
	{ 8, 9, 9, 16, 3, 1, "1", 1, 1 },   /* plain 3x3 */
	{ 8, 10, 10, 12, 3, 2, "1", 1, 0 }, /* stride 2 */
	{ 8, 9, 9, 8, 3, 1, "1", 8, 0 },    /* depthwise */
	{ 8, 9, 9, 16, 3, 2, "1", 8, 1 },   /* depthwise x2, stride 2 */
	{ 6, 8, 8, 9, 5, 1, "2", 3, 1 },    /* grouped 5x5 */
	{ 8, 7, 7, 10, 1, 1, "0", 1, 1 },   /* pointwise: no padding copy */
	{ 4, 11, 11, 6, 3, 1, "0", 1, 0 },  /* unpadded 3x3: wide rows */
	{ 4, 12, 12, 6, 3, 3, "2", 2, 1 },  /* stride 3, pad 2, groups 2 */
	{ 3, 1, 1, 5, 1, 1, "0", 1, 1 },    /* 1x1 map */
	{ 6, 9, 9, 8, 1, 2, "0", 1, 1 },    /* 1x1 stride-2 shortcut: 1 phase */
	{ 4, 10, 10, 6, 2, 3, "1", 2, 0 },  /* k 2 < stride 3: 2x2 phases */
	{ 16, 2, 2, 24, 3, 1, "1", 1, 0 },  /* 2x2 map: 4-wide tiles */
	/* Asymmetric pads (ONNX SAME_UPPER / SAME_LOWER and the like). */
	{ 8, 9, 9, 16, 3, 2, "0 0 1 1", 1, 1 },   /* SAME_UPPER stride 2 */
	{ 8, 10, 9, 8, 3, 2, "1 1 0 0", 8, 0 },   /* depthwise SAME_LOWER */
	{ 4, 9, 11, 6, 3, 1, "1 0 1 2", 2, 1 },   /* every side its own */
};

static const double sparsities[] = { 0.0, 0.5, 0.9, 0.995, 1.0 };

/* One layer: the CSR under mask agrees with the dense kernel on the masked
 * weights and with the naive loop, for both sparse kernels. */
static void check_layer(struct net *net, double sparsity, uint64_t seed,
			const char *what)
{
	struct layer *l = &net->layers[0];
	struct rng r;
	rng_seed(&r, seed);
	for (size_t j = 0; j < l->w_len; j++)
		l->w[j] = rng_normal(&r);
	for (size_t j = 0; j < l->b_len; j++)
		l->b[j] = rng_normal(&r);
	size_t in_len = shape_size(l->in), out_len = shape_size(l->out);
	float *x = malloc(in_len * sizeof *x);
	for (size_t i = 0; i < in_len; i++)
		x[i] = rng_normal(&r);
	uint8_t *m = mask_random(net, sparsity, seed + 1);
	const uint8_t *wm = m + (l->w - net->params);

	double *naive = malloc(out_len * sizeof *naive);
	float *naivef = malloc(out_len * sizeof *naivef);
	naive_forward(l, wm, x, naive);
	for (size_t i = 0; i < out_len; i++)
		naivef[i] = (float)naive[i];

	/* CSR structure. */
	struct sparse_csr csr;
	struct eng_err err;
	ck_assert_int_eq(sparse_csr_from_layer(l, wm, &csr, &err), ENG_STATUS_OK);
	size_t kept = 0;
	for (size_t j = 0; j < l->w_len; j++)
		kept += wm[j];
	ck_assert_uint_eq(csr.nnz, kept);
	ck_assert_int_eq(csr.rows, l->out.c);
	ck_assert_uint_eq((size_t)csr.rows * (size_t)csr.cols, l->w_len);
	ck_assert_int_eq(csr.row_ptr[0], 0);
	ck_assert_int_eq(csr.row_ptr[csr.rows], (int32_t)kept);
	for (int row = 0; row < csr.rows; row++)
		for (int32_t q = csr.row_ptr[row]; q < csr.row_ptr[row + 1]; q++) {
			ck_assert(q == csr.row_ptr[row] || csr.col_idx[q] > csr.col_idx[q - 1]);
			size_t wi = (size_t)row * csr.cols + csr.col_idx[q];
			ck_assert(wm[wi]);
			ck_assert(csr.val[q] == l->w[wi]);
		}
	ck_assert_uint_eq(sparse_csr_bytes(&csr),
			  kept * 8 + ((size_t)csr.rows + 1) * 4);
	sparse_csr_done(&csr);

	float *sp = malloc(out_len * sizeof *sp);
	const enum sparse_kernel kernels[] = { SPARSE_KERNEL_DIRECT, SPARSE_KERNEL_IM2COL };
	for (size_t kk = 0; kk < 2; kk++) {
		struct sparse_layer sl;
		ck_assert_int_eq(sparse_layer_prepare(l, wm, kernels[kk], &sl, &err),
				 ENG_STATUS_OK);
		size_t len = sparse_layer_scratch_len(&sl);
		float *scratch = malloc((len ? len : 1) * sizeof *scratch);
		for (size_t i = 0; i < out_len; i++)
			sp[i] = NAN; /* every output must be written */
		sparse_layer_forward(&sl, x, sp, scratch);
		char buf[160];
		snprintf(buf, sizeof buf, "%s s=%.3f kernel %zu vs naive", what, sparsity, kk);
		assert_close(sp, naivef, out_len, REL, buf);
		/* Dense kernel on masked weights (zeroed now, after the CSR
		 * copied the originals). */
		float *saved = malloc(l->w_len * sizeof *saved);
		memcpy(saved, l->w, l->w_len * sizeof *saved);
		mask_zero_weights(net, m);
		const float *dense = net_forward(net, x, 1, false);
		snprintf(buf, sizeof buf, "%s s=%.3f kernel %zu vs dense", what, sparsity, kk);
		assert_close(sp, dense, out_len, REL, buf);
		memcpy(l->w, saved, l->w_len * sizeof *saved);
		free(saved);
		if (sparsity == 1.0)
			for (size_t i = 0; i < out_len; i++)
				ck_assert(sp[i] == (l->b_len ? l->b[i / (out_len / l->out.c)] : 0.0f));
		free(scratch);
		sparse_layer_done(&sl);
	}
	free(sp);
	free(naive);
	free(naivef);
	free(m);
	free(x);
}

START_TEST(test_csr_conv_matches_dense)
{
	const struct conv_case *cc = &conv_cases[_i];
	char text[512];
	snprintf(text, sizeof text,
		 "[net]\nname = one\ninput = %dx%dx%d\nclasses = 2\n"
		 "[conv]\nname = c\nout = %d\nsize = %d\nstride = %d\npad = %s\n"
		 "groups = %d\nbias = %d\n",
		 cc->c, cc->h, cc->w, cc->out, cc->k, cc->stride, cc->pad, cc->groups,
		 cc->bias);
	struct net *net = net_from_string(text);
	struct eng_err err;
	ck_assert_int_eq(net_prepare(net, 1, &err), ENG_STATUS_OK);
	for (size_t s = 0; s < sizeof sparsities / sizeof sparsities[0]; s++)
		check_layer(net, sparsities[s], 100 + (uint64_t)_i * 10 + s, text);
	net_free(net);
}
END_TEST

START_TEST(test_csr_linear_matches_dense)
{
	struct net *net = net_from_string(
		"[net]\nname = lin\ninput = 5x3x3\nclasses = 7\n"
		"[linear]\nname = fc\nout = classes\nbias = 1\n");
	struct eng_err err;
	ck_assert_int_eq(net_prepare(net, 1, &err), ENG_STATUS_OK);
	for (size_t s = 0; s < sizeof sparsities / sizeof sparsities[0]; s++)
		check_layer(net, sparsities[s], 900 + s, "linear");
	net_free(net);
}
END_TEST

START_TEST(test_csr_nonzero_default_and_errors)
{
	struct net *net = net_from_string(
		"[net]\nname = t\ninput = 2x4x4\nclasses = 3\n"
		"[conv]\nname = c\nout = 3\nsize = 3\npad = 1\n[relu]\n");
	struct layer *l = &net->layers[0];
	for (size_t j = 0; j < l->w_len; j++)
		l->w[j] = j % 3 == 0 ? 0.0f : (float)j;
	struct sparse_csr csr;
	struct eng_err err;
	/* Without a mask, the non-zero weights are kept. */
	ck_assert_int_eq(sparse_csr_from_layer(l, NULL, &csr, &err), ENG_STATUS_OK);
	ck_assert_uint_eq(csr.nnz, l->w_len - (l->w_len + 2) / 3);
	sparse_csr_done(&csr);
	/* A relu has no sparse form. */
	ck_assert_int_eq(sparse_csr_from_layer(&net->layers[1], NULL, &csr, &err),
			 ENG_STATUS_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "relu"));
	net_free(net);
}
END_TEST

/* Whole-net runner: sparse logits == dense logits with masked weights
 * zeroed.  BN statistics are moved off their defaults so BN matters. */
static void check_runner(const char *model, double sparsity)
{
	struct net *net = net_model(model);
	struct rng r;
	rng_seed(&r, 5);
	for (int i = 0; i < net->n_layers; i++) {
		struct layer *l = &net->layers[i];
		if (l->kind != LAYER_KIND_BN)
			continue;
		int c = l->out.c;
		for (int j = 0; j < c; j++) {
			l->w[j] = 0.5f + (float)rng_uniform(&r);
			l->b[j] = 0.1f * rng_normal(&r);
			l->state[j] = 0.1f * rng_normal(&r);
			l->state[c + j] = 0.5f + (float)rng_uniform(&r);
		}
	}
	size_t in_len = shape_size(net->input);
	float *x = malloc(in_len * sizeof *x);
	for (size_t i = 0; i < in_len; i++)
		x[i] = rng_normal(&r);
	uint8_t *m = mask_random(net, sparsity, 77);
	struct eng_err err;
	struct sparse_net *sn;
	ck_assert_int_eq(sparse_net_build(net, m, NULL, &sn, &err), ENG_STATUS_OK);
	ck_assert_uint_lt(sn->macs, net_macs(net));
	ck_assert_uint_lt(sn->bytes, net->n_params * sizeof(float));
	size_t classes = (size_t)net->classes;
	float *sparse_logits = malloc(classes * sizeof *sparse_logits);
	memcpy(sparse_logits, sparse_net_forward(sn, x), classes * sizeof(float));

	mask_zero_weights(net, m);
	const float *dense = net_forward(net, x, 1, false);
	char buf[64];
	snprintf(buf, sizeof buf, "%s logits", model);
	assert_close(sparse_logits, dense, classes, 1e-4, buf);
	ck_assert_float_gt(max_abs(dense, classes), 0.0f);

	sparse_net_free(sn);
	free(sparse_logits);
	free(m);
	free(x);
	net_free(net);
}

START_TEST(test_runner_resnet20) { check_runner("resnet20", 0.9); }
END_TEST

START_TEST(test_runner_mobilenetv2) { check_runner("mobilenetv2", 0.8); }
END_TEST

START_TEST(test_runner_abort)
{
	struct net *net = net_model("lenet5");
	struct cancel stop;
	cancel_init(&stop);
	cancel_request(&stop);
	struct sparse_net *sn = (struct sparse_net *)&stop;
	struct eng_err err;
	ck_assert_int_eq(sparse_net_build(net, NULL, &stop, &sn, &err), ENG_STATUS_ABORTED);
	ck_assert_ptr_null(sn);
	net_free(net);
}
END_TEST

static void check_result_sane(const struct latency_result *r, int min_runs)
{
	ck_assert_int_ge(r->runs, min_runs);
	ck_assert(r->median_ms > 0.0);
	ck_assert(r->min_ms <= r->p10_ms);
	ck_assert(r->p10_ms <= r->median_ms);
	ck_assert(r->median_ms <= r->p90_ms);
	ck_assert(r->p90_ms <= r->max_ms);
	ck_assert(r->min_ms <= r->mean_ms && r->mean_ms <= r->max_ms);
	ck_assert(r->wall_ms >= r->mean_ms * r->runs);
	ck_assert(!r->capped);
	ck_assert_uint_gt(r->macs, 0);
	ck_assert_uint_gt(r->params, 0);
	ck_assert_uint_gt(r->bytes, 0);
}

struct progress_log {
	int calls, last_done, bad;
	int abort_after;
	struct cancel *flag;
};

static void progress_cb(int done, int total, void *user)
{
	struct progress_log *p = user;
	p->calls++;
	if (done != p->last_done + 1 || done > total)
		p->bad++;
	p->last_done = done;
	if (p->flag && p->calls == p->abort_after)
		cancel_request(p->flag);
}

START_TEST(test_latency_fields)
{
	struct net *net = net_model("resnet20");
	uint8_t *m = mask_random(net, 0.9, 3);
	float *before = malloc(net->n_params * sizeof *before);
	memcpy(before, net->params, net->n_params * sizeof *before);
	struct latency_options o;
	latency_options_init(&o);
	o.warmup = 1;
	o.min_runs = 5;
	o.min_ms = 0.0;
	o.max_ms = 1e6;
	struct latency_result res[LATENCY_VARIANT_COUNT];
	struct eng_err err;
	for (int v = 0; v < LATENCY_VARIANT_COUNT; v++) {
		struct progress_log log = { 0 };
		o.progress = progress_cb;
		o.progress_user = &log;
		ck_assert_int_eq(latency_measure(net, m, (enum latency_variant)v, &o,
						 &res[v], &err), ENG_STATUS_OK);
		check_result_sane(&res[v], 5);
		ck_assert_int_eq((int)res[v].variant, v);
		ck_assert_int_eq(log.calls, res[v].runs);
		ck_assert_int_eq(log.bad, 0);
		/* Parameters untouched, also after MASKED zeroed some. */
		ck_assert(memcmp(before, net->params, net->n_params * sizeof *before) == 0);
		ck_assert_ptr_nonnull(latency_variant_name((enum latency_variant)v));
	}
	ck_assert_uint_eq(res[LATENCY_VARIANT_DENSE].macs, net_macs(net));
	ck_assert_uint_eq(res[LATENCY_VARIANT_MASKED].macs, net_macs(net));
	ck_assert_uint_lt(res[LATENCY_VARIANT_SPARSE].macs, net_macs(net) / 4);
	ck_assert_uint_eq(res[LATENCY_VARIANT_DENSE].params, net->n_params);
	ck_assert_uint_eq(res[LATENCY_VARIANT_MASKED].params, net->n_params);
	ck_assert_uint_eq(res[LATENCY_VARIANT_DENSE].nonzero, net->n_params);
	ck_assert_uint_lt(res[LATENCY_VARIANT_MASKED].nonzero, net->n_params / 4);
	ck_assert_uint_eq(res[LATENCY_VARIANT_MASKED].nonzero,
			  res[LATENCY_VARIANT_SPARSE].params);
	ck_assert_uint_eq(res[LATENCY_VARIANT_SPARSE].nonzero,
			  res[LATENCY_VARIANT_SPARSE].params);
	/* The analytic metrics (metrics.h) agree on what was run. */
	struct metrics mm;
	metrics_compute(net, m, &mm, NULL);
	ck_assert_uint_eq(res[LATENCY_VARIANT_SPARSE].macs, mm.effective_macs);
	ck_assert_uint_eq(res[LATENCY_VARIANT_SPARSE].params, mm.nonzero);
	ck_assert_uint_lt(res[LATENCY_VARIANT_SPARSE].bytes,
			  res[LATENCY_VARIANT_DENSE].bytes / 3);

	/* A time floor: runs continue past min_runs until min_ms is timed. */
	o.progress = NULL;
	o.min_runs = 1;
	o.min_ms = 20.0;
	struct latency_result t;
	ck_assert_int_eq(latency_measure(net, NULL, LATENCY_VARIANT_DENSE, &o, &t, &err),
			 ENG_STATUS_OK);
	ck_assert(t.mean_ms * t.runs >= 20.0);
	/* The wall cap: nothing gets timed past it but one run. */
	o.min_runs = 1000;
	o.max_runs = 1000;
	o.max_ms = 0.0;
	ck_assert_int_eq(latency_measure(net, NULL, LATENCY_VARIANT_DENSE, &o, &t, &err),
			 ENG_STATUS_OK);
	ck_assert_int_eq(t.runs, 1);
	ck_assert(t.capped);
	free(before);
	free(m);
	net_free(net);
}
END_TEST

START_TEST(test_latency_abort_and_errors)
{
	struct net *net = net_model("lenet5");
	uint8_t *m = mask_random(net, 0.5, 3);
	float *before = malloc(net->n_params * sizeof *before);
	memcpy(before, net->params, net->n_params * sizeof *before);
	struct latency_options o;
	latency_options_init(&o);
	o.min_runs = 1000;
	o.max_runs = 1000;
	o.min_ms = 1e6;
	o.max_ms = 1e6;
	struct cancel flag;
	cancel_init(&flag);
	o.abort = &flag;
	struct latency_result r;
	struct eng_err err;
	for (int v = 0; v < LATENCY_VARIANT_COUNT; v++) {
		/* Set after the 3rd timed run: no 4th run may complete. */
		cancel_clear(&flag);
		struct progress_log log = { .abort_after = 3, .flag = &flag };
		o.progress = progress_cb;
		o.progress_user = &log;
		memset(&r, 0xab, sizeof r);
		ck_assert_int_eq(latency_measure(net, m, (enum latency_variant)v, &o, &r, &err),
				 ENG_STATUS_ABORTED);
		ck_assert_int_eq(log.calls, 3);
		ck_assert_int_eq(r.runs, 0);
		ck_assert(r.median_ms == 0.0);
		ck_assert(memcmp(before, net->params, net->n_params * sizeof *before) == 0);
		/* Already set: nothing runs. */
		log.calls = 0;
		log.flag = NULL;
		ck_assert_int_eq(latency_measure(net, m, (enum latency_variant)v, &o, &r, &err),
				 ENG_STATUS_ABORTED);
		ck_assert_int_eq(log.calls, 0);
	}
	o.abort = NULL;
	o.progress = NULL;
	ck_assert_int_eq(latency_measure(net, NULL, LATENCY_VARIANT_SPARSE, &o, &r, &err),
			 ENG_STATUS_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "mask"));
	ck_assert_int_eq(latency_measure(net, NULL, LATENCY_VARIANT_MASKED, &o, &r, &err),
			 ENG_STATUS_EINVAL);
	struct latency_options bad = o;
	bad.min_runs = 0;
	ck_assert_int_eq(latency_measure(net, NULL, LATENCY_VARIANT_DENSE, &bad, &r, &err),
			 ENG_STATUS_EINVAL);
	bad = o;
	bad.max_runs = 5;
	ck_assert_int_eq(latency_measure(net, NULL, LATENCY_VARIANT_DENSE, &bad, &r, &err),
			 ENG_STATUS_EINVAL);
	bad = o;
	bad.warmup = -1;
	ck_assert_int_eq(latency_measure(net, NULL, LATENCY_VARIANT_DENSE, &bad, &r, &err),
			 ENG_STATUS_EINVAL);
	bad = o;
	bad.min_ms = NAN;
	ck_assert_int_eq(latency_measure(net, NULL, LATENCY_VARIANT_DENSE, &bad, &r, &err),
			 ENG_STATUS_EINVAL);
	ck_assert_int_eq(latency_measure(net, NULL, LATENCY_VARIANT_COUNT, &o, &r, &err),
			 ENG_STATUS_EINVAL);
	ck_assert_ptr_null(latency_variant_name(LATENCY_VARIANT_COUNT));
	free(before);
	free(m);
	net_free(net);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("latency");
	TCase *tc = tcase_create("csr");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_csr_conv_matches_dense, 0,
			    (int)(sizeof conv_cases / sizeof conv_cases[0]));
	tcase_add_test(tc, test_csr_linear_matches_dense);
	tcase_add_test(tc, test_csr_nonzero_default_and_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("runner");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_runner_resnet20);
	tcase_add_test(tc, test_runner_mobilenetv2);
	tcase_add_test(tc, test_runner_abort);
	suite_add_tcase(s, tc);
	tc = tcase_create("latency");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_latency_fields);
	tcase_add_test(tc, test_latency_abort_and_errors);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
