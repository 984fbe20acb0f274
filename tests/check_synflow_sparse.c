/* check_synflow_sparse.c: SynFlow's sparse batch-1 conv passes
 * (engine/score/synflow_sparse.c) against the conv layer's own forward and
 * backward (engine/nn/conv2d.c, itself checked against naive loops in
 * check_layers), and the weight and input gradients by finite differences.
 *
 * Shapes cover what pruning and SynFlow leave: odd channel counts, stride
 * 2, 1x1 and 5x5 kernels, asymmetric padding, a 2x2 map, rows with no
 * listed weight, and listed weights that are -0 (pruned since the list was
 * compacted).  Each case runs on 1 and 2 threads: the forward and the
 * weight gradients must not depend on the thread count at all.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "base/rng.h"
#include "io/cfg.h"
#include "nn/net.h"
#include "score/score.h"
#include "score/synflow_collect.h"
#include "score/synflow_sparse.h"

struct sparse_case {
	int c, h, w, o, k, stride;
	const char *pad;   /* the cfg's pad value */
	int bias;
	double density;
};

static const struct sparse_case cases[] = {
	{ 3, 8, 8, 5, 3, 1, "1", 1, 0.3 },
	{ 7, 5, 5, 6, 3, 2, "1", 0, 0.5 },
	{ 16, 4, 4, 9, 3, 1, "1", 1, 0.1 },
	{ 5, 2, 2, 3, 3, 1, "1", 0, 0.4 },
	{ 4, 9, 7, 3, 1, 1, "0", 1, 0.6 },
	{ 6, 6, 6, 4, 5, 2, "2", 0, 0.2 },
	{ 5, 7, 6, 4, 3, 2, "0,1,1,0", 1, 0.35 },
	{ 33, 4, 4, 17, 3, 1, "1", 0, 0.05 },
};

/* A net of one conv with random weights, a random mask applied (zeroed in
 * params) and the listed entries: every nonzero weight, plus a few zeroed
 * ones listed as -0 (as SynFlow's list holds pruned entries until it
 * compacts). */
struct sparse_fixture {
	struct net *net;
	struct layer *l;
	uint32_t *idx;
	float *w;
	size_t n;
	size_t *start;
	struct score_rows rows;
	float *in, *dout, *scratch;
};

static void fixture_make(struct sparse_fixture *f, const struct sparse_case *c,
			 uint64_t seed)
{
	char cfg[512];
	int len = snprintf(cfg, sizeof cfg,
			   "[net]\nname = sparse\ninput = %dx%dx%d\nclasses = 10\n\n"
			   "[conv]\nname = conv\nout = %d\nsize = %d\nstride = %d\n"
			   "pad = %s\nbias = %d\n",
			   c->c, c->h, c->w, c->o, c->k, c->stride, c->pad, c->bias);
	struct net_spec spec;
	struct eng_err err;
	ck_assert_msg(cfg_parse_string(cfg, (size_t)len, "sparse.cfg", &spec, &err) ==
		      ENG_STATUS_OK, "%s", err.msg);
	ck_assert_msg(net_build(&spec, &f->net, &err) == ENG_STATUS_OK, "%s", err.msg);
	net_spec_done(&spec);
	ck_assert(net_prepare(f->net, 1, &err) == ENG_STATUS_OK);
	f->l = &f->net->layers[0];
	struct layer *l = f->l;
	ck_assert(score_sparse_eligible(l));
	struct rng r;
	rng_seed(&r, seed);
	f->idx = malloc(l->w_len * sizeof *f->idx);
	f->w = malloc(l->w_len * sizeof *f->w);
	size_t off = (size_t)(l->w - f->net->params), row = l->w_len / (size_t)l->out.c;
	f->n = 0;
	for (size_t j = 0; j < l->w_len; j++) {
		/* Row 1 stays empty: an output channel with nothing listed. */
		bool keep = j / row != 1 && rng_uniform(&r) < c->density;
		bool listed_dead = !keep && j / row != 1 && rng_uniform(&r) < 0.05;
		l->w[j] = keep ? fabsf(rng_normal(&r)) + 0.01f : 0.0f;
		if (keep || listed_dead) {
			f->idx[f->n] = (uint32_t)(off + j);
			f->w[f->n] = keep ? l->w[j] : -0.0f;
			f->n++;
		}
	}
	for (size_t j = 0; j < l->b_len; j++)
		l->b[j] = rng_normal(&r);
	f->start = malloc(((size_t)l->out.c + 1) * sizeof *f->start);
	f->rows = (struct score_rows){ .idx = f->idx, .w = f->w, .n = f->n, .off = off,
				       .start = f->start };
	score_sparse_rows(&f->rows, l->out.c, row);
	size_t nin = shape_size(l->in), nout = shape_size(l->out);
	f->in = malloc(nin * sizeof *f->in);
	f->dout = malloc(nout * sizeof *f->dout);
	f->scratch = malloc(score_sparse_scratch(l) * sizeof *f->scratch);
	for (size_t j = 0; j < nin; j++)
		f->in[j] = rng_normal(&r);
	for (size_t j = 0; j < nout; j++)
		f->dout[j] = rng_normal(&r);
}

static void fixture_done(struct sparse_fixture *f)
{
	net_free(f->net);
	free(f->idx);
	free(f->w);
	free(f->start);
	free(f->in);
	free(f->dout);
	free(f->scratch);
}

static void set_threads(int t)
{
#ifdef _OPENMP
	omp_set_num_threads(t);
#else
	(void)t;
#endif
}

/* |a - b| <= tol * (scale + |b|) */
static void assert_near(const float *a, const float *b, size_t n, double tol,
			const char *what, int ci)
{
	double scale = 0.0;
	for (size_t j = 0; j < n; j++)
		scale = fmax(scale, fabs(b[j]));
	for (size_t j = 0; j < n; j++)
		ck_assert_msg(fabs((double)a[j] - b[j]) <= tol * (scale + 1e-30),
			      "case %d %s[%zu]: %.9g, reference %.9g", ci, what, j,
			      (double)a[j], (double)b[j]);
}

START_TEST(test_against_conv_layer)
{
	for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
		struct sparse_fixture f;
		fixture_make(&f, &cases[ci], 100 + ci);
		struct layer *l = f.l;
		size_t nin = shape_size(l->in), nout = shape_size(l->out);
		/* Reference: the conv layer's own ops on the masked weights. */
		float *out_ref = malloc(nout * sizeof *out_ref);
		float *din_ref = malloc(nin * sizeof *din_ref);
		memset(f.net->grads, 0, f.net->n_params * sizeof(float));
		struct layer_io io = { .batch = 1, .train = true, .out = out_ref,
				       .dout = f.dout, .scratch = f.net->scratch };
		io.in[0] = f.in;
		l->ops->forward(l, &io);
		for (size_t j = 0; j < nin; j++)
			din_ref[j] = 0.5f; /* backward adds */
		io.din[0] = din_ref;
		l->ops->backward(l, &io);
		float *out1 = NULL, *g1 = NULL;
		for (int t = 1; t <= 2; t++) {
			set_threads(t);
			float *out = malloc(nout * sizeof *out);
			float *din = malloc(nin * sizeof *din);
			float *g = malloc(l->w_len * sizeof *g);
			for (size_t j = 0; j < l->w_len; j++)
				g[j] = NAN; /* only listed entries are written */
			for (size_t j = 0; j < nin; j++)
				din[j] = 0.5f;
			score_sparse_forward(l, &f.rows, f.in, l->b_len ? l->b : NULL, out,
					     f.scratch);
			score_sparse_backward(l, &f.rows, f.in, f.dout, din, g, f.scratch);
			assert_near(out, out_ref, nout, 1e-5, "out", (int)ci);
			assert_near(din, din_ref, nin, 1e-5, "din", (int)ci);
			/* Listed entries: the layer's weight gradient; the rest
			 * untouched. */
			float *gl = malloc(f.n * sizeof *gl), *gr = malloc(f.n * sizeof *gr);
			for (size_t j = 0; j < f.n; j++) {
				gl[j] = g[f.idx[j] - f.rows.off];
				gr[j] = l->dw[f.idx[j] - f.rows.off];
			}
			assert_near(gl, gr, f.n, 1e-5, "g", (int)ci);
			size_t listed = 0, nan = 0;
			for (size_t j = 0; j < l->w_len; j++) {
				bool is_listed = listed < f.n && f.idx[listed] - f.rows.off == j;
				listed += is_listed;
				nan += !is_listed && isnan(g[j]);
			}
			ck_assert_uint_eq(nan, l->w_len - f.n);
			if (t == 1) {
				out1 = out;
				g1 = g;
			} else {
				ck_assert_msg(memcmp(out, out1, nout * sizeof *out) == 0,
					      "case %zu: forward depends on threads", ci);
				for (size_t j = 0; j < f.n; j++)
					ck_assert(g[f.idx[j] - f.rows.off] == g1[f.idx[j] - f.rows.off]);
				free(out);
				free(g);
			}
			free(din);
			free(gl);
			free(gr);
		}
		set_threads(1);
		free(out1);
		free(g1);
		free(out_ref);
		free(din_ref);
		fixture_done(&f);
	}
}
END_TEST

/* phi = <dout, conv(in)> with the listed weights, in double from float
 * forwards. */
static double phi(struct sparse_fixture *f)
{
	size_t nout = shape_size(f->l->out);
	float *out = malloc(nout * sizeof *out);
	score_sparse_forward(f->l, &f->rows, f->in, f->l->b_len ? f->l->b : NULL, out,
			     f->scratch);
	double s = 0.0;
	for (size_t j = 0; j < nout; j++)
		s += (double)f->dout[j] * out[j];
	free(out);
	return s;
}

START_TEST(test_finite_differences)
{
	for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
		struct sparse_fixture f;
		fixture_make(&f, &cases[ci], 200 + ci);
		struct layer *l = f.l;
		size_t nin = shape_size(l->in);
		float *din = calloc(nin, sizeof *din);
		float *g = calloc(l->w_len, sizeof *g);
		score_sparse_backward(l, &f.rows, f.in, f.dout, din, g, f.scratch);
		/* phi is linear in w and in: central differences with a step
		 * of 0.5 leave only float rounding. */
		const float h = 0.5f;
		for (size_t t = 0; t < 12 && f.n > 0; t++) {
			size_t j = (t * 7919) % f.n;
			float *wj = (float *)&f.w[j];
			float keep = *wj;
			*wj = keep + h;
			double up = phi(&f);
			*wj = keep - h;
			double dn = phi(&f);
			*wj = keep;
			double fd = (up - dn) / (2.0 * h), an = g[f.idx[j] - f.rows.off];
			ck_assert_msg(fabs(fd - an) <= 1e-3 * (fabs(an) + 1.0),
				      "case %zu weight %zu: fd %.7g, analytic %.7g", ci, j, fd, an);
		}
		for (size_t t = 0; t < 12; t++) {
			size_t j = (t * 104729) % nin;
			float keep = f.in[j];
			f.in[j] = keep + h;
			double up = phi(&f);
			f.in[j] = keep - h;
			double dn = phi(&f);
			f.in[j] = keep;
			double fd = (up - dn) / (2.0 * h);
			ck_assert_msg(fabs(fd - din[j]) <= 1e-3 * (fabs((double)din[j]) + 1.0),
				      "case %zu input %zu: fd %.7g, analytic %.7g", ci, j, fd,
				      (double)din[j]);
		}
		free(din);
		free(g);
		fixture_done(&f);
	}
}
END_TEST

/* The path is taken only where it pays, and only by what it handles. */
static int float_cmp(const void *a, const void *b)
{
	const float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/* score_sparse_backward_below against its definition: the gradients that
 * score_sparse_backward writes, scanned by score_scan_below.  The same
 * entries (positions from pos0) and scores to the bit, the same din; and
 * with too little room, a prefix of them and full set. */
START_TEST(test_backward_below)
{
	const size_t pos0 = 1000;
	for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
		struct sparse_fixture f;
		fixture_make(&f, &cases[ci], 300 + ci);
		struct layer *l = f.l;
		const size_t nin = shape_size(l->in);
		float *g = calloc(l->w_len + SCORE_SCAN_SLACK, sizeof *g);
		float *din_a = calloc(nin, sizeof *din_a), *din_b = calloc(nin, sizeof *din_b);
		score_sparse_backward(l, &f.rows, f.in, f.dout, din_a, g, f.scratch);
		/* The bound: the median score of the live entries. */
		float *sc = malloc((f.n + 1) * sizeof *sc);
		size_t live = 0;
		for (size_t j = 0; j < f.n; j++)
			if (!signbit(f.w[j]))
				sc[live++] = f.w[j] * fabsf(g[f.idx[j] - f.rows.off]);
		qsort(sc, live, sizeof *sc, float_cmp);
		const float bound = live ? sc[live / 2] : 1.0f;
		struct score_below want = { .pos = malloc((f.n + 16) * sizeof(uint32_t)),
					    .s = malloc((f.n + 16) * sizeof(float)),
					    .cap = f.n + 16 };
		score_scan_below(f.idx, f.w, g, f.rows.off, 0, f.n, bound, &want, false);
		ck_assert(!want.full);
		ck_assert(live < 4 || (want.n > 0 && want.n < live));
		for (int small = 0; small < 2; small++) {
			const size_t cap = small ? want.n / 2 : f.n;
			struct score_below got = { .pos = malloc((f.n + 1) * sizeof(uint32_t)),
						   .s = malloc((f.n + 1) * sizeof(float)),
						   .cap = cap };
			memset(din_b, 0, nin * sizeof *din_b);
			score_sparse_backward_below(l, &f.rows, f.in, f.dout, din_b, bound, pos0,
						    &got, f.scratch);
			ck_assert(memcmp(din_a, din_b, nin * sizeof *din_a) == 0);
			ck_assert_msg(got.full == (small && want.n > 0), "case %zu: full %d", ci,
				      got.full);
			ck_assert(got.n <= cap);
			if (!small)
				ck_assert_uint_eq(got.n, want.n);
			for (size_t k = 0; k < got.n; k++)
				ck_assert_msg(got.pos[k] == pos0 + want.pos[k] &&
						      memcmp(&got.s[k], &want.s[k], sizeof(float)) == 0,
					      "case %zu: entry %zu differs", ci, k);
			free(got.pos);
			free(got.s);
		}
		free(want.pos);
		free(want.s);
		free(sc);
		free(g);
		free(din_a);
		free(din_b);
		fixture_done(&f);
	}
}
END_TEST

START_TEST(test_eligibility)
{
	struct sparse_fixture f;
	fixture_make(&f, &cases[2], 7);
	ck_assert(!score_sparse_pays(f.l, f.l->w_len));   /* dense: never */
	ck_assert(score_sparse_pays(f.l, f.l->w_len / 100)); /* 1 %: always */
	f.l->conf.post_relu = true;
	ck_assert(!score_sparse_eligible(f.l));
	f.l->conf.post_relu = false;
	f.l->conf.groups = 2;
	ck_assert(!score_sparse_eligible(f.l));
	fixture_done(&f);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("synflow_sparse");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_against_conv_layer);
	tcase_add_test(tc, test_finite_differences);
	tcase_add_test(tc, test_backward_below);
	tcase_add_test(tc, test_eligibility);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
