/* check_synflow_collect.c: the scan of SynFlow's selection step
 * (engine/score/synflow_collect.c) against its definition, written out
 * here entry by entry, for the portable scan and the AVX-512 one (where
 * the CPU has it); and SynFlow's scores on one thread against two, which
 * must be bit-identical now that its passes keep OpenBLAS on the calling
 * thread and split only integer and per-entry work over the team.
 *
 * The score lists hold what SynFlow's do: dead entries (-0), scores of
 * exactly 0, scores in the boundary bin, and factors f that are powers of
 * two; the ranges start anywhere (a layer's first entry is not aligned)
 * and some are shorter than a vector.
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
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
#include <cblas.h>
#endif

#include "base/rng.h"
#include "io/cfg.h"
#include "nn/net.h"
#include "score/score.h"
#include "score/synflow.h"
#include "score/synflow_collect.h"

/* A list of n scores: a tenth dead, a twentieth exactly 0, a tenth equal
 * to probe (so that its bin is well populated), the rest spread over
 * eight binades around 1. */
static float *scores_make(size_t n, uint64_t seed, float probe)
{
	struct rng r;
	rng_seed(&r, seed);
	float *s = malloc(n * sizeof *s);
	for (size_t j = 0; j < n; j++) {
		double u = rng_uniform(&r);
		if (u < 0.1)
			s[j] = -0.0f;
		else if (u < 0.15)
			s[j] = 0.0f;
		else if (u < 0.25)
			s[j] = probe;
		else
			s[j] = (float)ldexp(1.0 + rng_uniform(&r), (int)(rng_uniform(&r) * 8.0) - 4);
	}
	return s;
}

/* The definition: pruned are the live entries (not -0) whose top digit
 * is below b, candidates those whose top digit is b. */
static void collect_naive(const float *s, size_t a, size_t e, float f, uint32_t b,
			  struct score_collected *out)
{
	for (size_t j = a; j < e; j++) {
		const uint32_t k = score_key(s[j] * f), t = k >> SCORE_LOW_BITS;
		if (!signbit(s[j]) && t < b)
			out->pruned[out->m++] = (uint32_t)j;
		if (t == b) {
			out->cand[out->nc].key = k;
			out->cand[out->nc].pos = (uint32_t)j;
			out->nc++;
		}
	}
}

struct collected_bufs {
	uint32_t *pruned;
	struct score_cand *cand;
};

static struct score_collected collected_make(struct collected_bufs *b, size_t n)
{
	b->pruned = malloc((n + SCORE_COLLECT_SLACK) * sizeof *b->pruned);
	b->cand = malloc((n + SCORE_COLLECT_SLACK) * sizeof *b->cand);
	return (struct score_collected){ .pruned = b->pruned, .cand = b->cand };
}

static void collected_check(const struct score_collected *want,
			    const struct score_collected *got, const char *what)
{
	ck_assert_msg(got->m == want->m, "%s: %zu pruned, want %zu", what, got->m, want->m);
	ck_assert_msg(got->nc == want->nc, "%s: %zu candidates, want %zu", what, got->nc,
		      want->nc);
	for (size_t j = 0; j < want->m; j++)
		ck_assert_msg(got->pruned[j] == want->pruned[j], "%s: pruned %zu is %u, want %u",
			      what, j, got->pruned[j], want->pruned[j]);
	for (size_t j = 0; j < want->nc; j++)
		ck_assert_msg(got->cand[j].key == want->cand[j].key &&
				      got->cand[j].pos == want->cand[j].pos,
			      "%s: candidate %zu differs", what, j);
}

START_TEST(test_collect_against_definition)
{
	const size_t n = 5000;
	const float probe = 1.375f;
	float *s = scores_make(n, 7, probe);
	/* Ranges as the list's layers cut it: one long, unaligned ones,
	 * shorter than a vector, empty. */
	static const size_t cuts[] = { 0, 3, 3, 20, 37, 1200, 1201, 4093, 5000 };
	const size_t n_cuts = sizeof cuts / sizeof cuts[0];
	static const float factors[] = { 1.0f, 0.125f, 0x1p-40f };
	const uint32_t probe_bin = score_key(probe) >> SCORE_LOW_BITS;
	const uint32_t bins[] = { probe_bin, probe_bin + 3, SCORE_HALF_BINS,
				  SCORE_HALF_BINS + 1, SCORE_TOP_BINS };
	const bool vector = score_collect_vector_available();
	if (!vector)
		fprintf(stderr, "check_synflow_collect: no AVX-512 here, portable scan only\n");
	size_t total_pruned = 0, total_cand = 0;
	for (size_t fi = 0; fi < sizeof factors / sizeof factors[0]; fi++) {
		for (size_t bi = 0; bi < sizeof bins / sizeof bins[0]; bi++) {
			struct collected_bufs bw, bp, bv;
			struct score_collected want = collected_make(&bw, n);
			struct score_collected port = collected_make(&bp, n);
			struct score_collected vec = collected_make(&bv, n);
			for (size_t c = 0; c + 1 < n_cuts; c++) {
				/* Each range with its own factor, as layers have. */
				const float f = c % 2 ? factors[fi] : 1.0f;
				collect_naive(s, cuts[c], cuts[c + 1], f, bins[bi], &want);
				score_collect(s, cuts[c], cuts[c + 1], f, bins[bi], &port, false);
				if (vector)
					score_collect(s, cuts[c], cuts[c + 1], f, bins[bi], &vec,
						      true);
			}
			collected_check(&want, &port, "portable");
			if (vector)
				collected_check(&want, &vec, "avx-512");
			total_pruned += want.m;
			total_cand += want.nc;
			free(bw.pruned); free(bw.cand);
			free(bp.pruned); free(bp.cand);
			free(bv.pruned); free(bv.cand);
		}
	}
	/* The cases exercised something: entries were pruned and found in
	 * the boundary bin, including the probe's. */
	ck_assert(total_pruned > n);
	ck_assert(total_cand > n / 10);
	free(s);
}
END_TEST

/* A layer's list as SynFlow keeps it: param indices from off in
 * increasing order, at a density that changes along it (so that sixteen
 * entries span under 32 indices, under 64 and more: each of the vector
 * scan's three ways of loading g), a tenth dead (w = -0); and its
 * gradient g, a twentieth exactly 0, with SCORE_SCAN_SLACK floats past
 * it. */
struct below_list {
	uint32_t *idx;
	float *w, *g;
	size_t n, off;
};

static struct below_list below_list_make(size_t len, size_t off, uint64_t seed)
{
	struct rng r;
	rng_seed(&r, seed);
	struct below_list b = { .idx = malloc(len * sizeof(uint32_t)),
				.w = malloc(len * sizeof(float)),
				.g = malloc((len + SCORE_SCAN_SLACK) * sizeof(float)), .off = off };
	for (size_t j = 0; j < len + SCORE_SCAN_SLACK; j++) {
		double u = rng_uniform(&r);
		b.g[j] = u < 0.05 ? 0.0f : (float)((u - 0.5) * 8.0);
	}
	for (size_t j = 0; j < len; j++) {
		/* Density from 1 down to 0.1 and back, in stretches. */
		const double density = 0.1 + 0.9 * fabs(sin((double)j / (double)len * 9.0));
		if (rng_uniform(&r) >= density)
			continue;
		b.idx[b.n] = (uint32_t)(off + j);
		b.w[b.n] = rng_uniform(&r) < 0.1 ? -0.0f : (float)(0.01 + rng_uniform(&r));
		b.n++;
	}
	return b;
}

/* The definition: every live entry (w not -0) whose score w |g| is below
 * bound, in order. */
static void below_naive(const struct below_list *b, size_t a, size_t e, float bound,
			struct score_below *out)
{
	for (size_t j = a; j < e; j++) {
		const float v = b->w[j] * fabsf(b->g[b->idx[j] - b->off]);
		if (!signbit(v) && v < bound) {
			out->pos[out->n] = (uint32_t)j;
			out->s[out->n] = v;
			out->n++;
		}
	}
}

static struct score_below below_make(size_t cap)
{
	return (struct score_below){ .pos = malloc(cap * sizeof(uint32_t)),
				     .s = malloc(cap * sizeof(float)), .cap = cap };
}

static void below_check(const struct score_below *want, const struct score_below *got,
			const char *what)
{
	ck_assert_msg(got->full == want->full, "%s: full %d, want %d", what, got->full,
		      want->full);
	ck_assert_msg(got->n == want->n, "%s: %zu found, want %zu", what, got->n, want->n);
	for (size_t k = 0; k < want->n; k++)
		ck_assert_msg(got->pos[k] == want->pos[k] &&
				      memcmp(&got->s[k], &want->s[k], sizeof(float)) == 0,
			      "%s: entry %zu is %u (%a), want %u (%a)", what, k, got->pos[k],
			      (double)got->s[k], want->pos[k], (double)want->s[k]);
}

START_TEST(test_scan_below_against_definition)
{
	const size_t len = 20000, off = 1000;
	struct below_list b = below_list_make(len, off, 11);
	/* Ranges as a team cuts a layer's list: long ones, unaligned ones,
	 * shorter than a vector, empty. */
	const size_t cuts[] = { 0, 5, 5, 21, 40, b.n / 3, b.n / 3 + 1, b.n - 7, b.n };
	const size_t n_cuts = sizeof cuts / sizeof cuts[0];
	const float bounds[] = { 0.0f, 0x1p-20f, 0.05f, 0.5f, 3.0f, INFINITY };
	const bool vector = score_collect_vector_available();
	size_t found = 0;
	for (size_t bi = 0; bi < sizeof bounds / sizeof bounds[0]; bi++) {
		struct score_below want = below_make(b.n), port = below_make(b.n + 16),
				   vec = below_make(b.n + 16);
		for (size_t c = 0; c + 1 < n_cuts; c++) {
			below_naive(&b, cuts[c], cuts[c + 1], bounds[bi], &want);
			score_scan_below(b.idx, b.w, b.g, off, cuts[c], cuts[c + 1], bounds[bi],
					 &port, false);
			if (vector)
				score_scan_below(b.idx, b.w, b.g, off, cuts[c], cuts[c + 1],
						 bounds[bi], &vec, true);
		}
		below_check(&want, &port, "portable");
		if (vector)
			below_check(&want, &vec, "avx-512");
		found += want.n;
		free(want.pos); free(want.s);
		free(port.pos); free(port.s);
		free(vec.pos); free(vec.s);
	}
	/* Something was found, but not everything (bounds 0 and inf aside). */
	ck_assert(found > b.n && found < 5 * b.n);
	/* Too little room: both scans stop at the same step and say so, with
	 * what they found until then. */
	for (size_t cap = 16; cap < 2000; cap = cap * 3 + 1) {
		struct score_below port = below_make(cap), vec = below_make(cap);
		score_scan_below(b.idx, b.w, b.g, off, 3, b.n, 0.5f, &port, false);
		ck_assert(port.full && port.n + SCORE_COLLECT_SLACK > cap && port.n <= cap);
		if (vector) {
			score_scan_below(b.idx, b.w, b.g, off, 3, b.n, 0.5f, &vec, true);
			below_check(&port, &vec, "avx-512, full");
		}
		struct score_below want = below_make(b.n);
		below_naive(&b, 3, b.n, 0.5f, &want);
		ck_assert(want.n > port.n);
		for (size_t k = 0; k < port.n; k++)
			ck_assert(port.pos[k] == want.pos[k]);
		free(want.pos); free(want.s);
		free(port.pos); free(port.s);
		free(vec.pos); free(vec.s);
	}
	free(b.idx);
	free(b.w);
	free(b.g);
}
END_TEST

/* SynFlow on a net whose second conv (256 -> 256, 3x3: 589824 weights)
 * and whose list are long enough to be split over a team: the scores on
 * one thread and on two are the same to the bit. */
START_TEST(test_synflow_threads_identical)
{
#if defined(_OPENMP) && defined(HAVE_OPENBLAS_SET_NUM_THREADS)
	static const char cfg[] = "[net]\nname = team\ninput = 8x4x4\nclasses = 10\n\n"
				  "[conv]\nname = c1\nout = 256\nsize = 3\nstride = 1\npad = 1\n"
				  "bias = 0\n\n[relu]\nname = r1\n\n"
				  "[conv]\nname = c2\nout = 256\nsize = 3\nstride = 1\npad = 1\n"
				  "bias = 0\n\n[relu]\nname = r2\n\n[gap]\nname = gap\n\n"
				  "[linear]\nname = fc\nout = classes\nbias = 1\n";
	struct net_spec spec;
	struct net *net;
	struct eng_err err;
	ck_assert_msg(cfg_parse_string(cfg, sizeof cfg - 1, "team.cfg", &spec, &err) ==
		      ENG_STATUS_OK, "%s", err.msg);
	ck_assert_msg(net_build(&spec, &net, &err) == ENG_STATUS_OK, "%s", err.msg);
	net_spec_done(&spec);
	const int saved_omp = omp_get_max_threads(), saved_blas = openblas_get_num_threads();
	float *s1 = malloc(net->n_params * sizeof *s1), *s2 = malloc(net->n_params * sizeof *s2);
	const int threads[2] = { 1, 2 };
	float *out[2] = { s1, s2 };
	for (int t = 0; t < 2; t++) {
		omp_set_num_threads(threads[t]);
		openblas_set_num_threads(threads[t]);
		net_init(net, 3);
		struct score_options o;
		score_options_init(&o);
		o.method = SCORE_METHOD_SYNFLOW;
		o.synflow_iterations = 8;
		ck_assert_msg(score_compute(net, NULL, &o, out[t], &err) == ENG_STATUS_OK, "%s",
			      err.msg);
	}
	omp_set_num_threads(saved_omp);
	openblas_set_num_threads(saved_blas);
	size_t nonzero = 0;
	for (size_t j = 0; j < net->n_params; j++)
		nonzero += s1[j] > 0.0f;
	ck_assert(nonzero > net->n_params / 20); /* something was scored */
	ck_assert_int_eq(memcmp(s1, s2, net->n_params * sizeof *s1), 0);
	free(s1);
	free(s2);
	net_free(net);
#endif
}
END_TEST

/* One of the models in models/, initialised with seed 1. */
static struct net *net_model(const char *name)
{
	const char *top = getenv("top_srcdir");
	if (!top || !*top)
		top = getenv("srcdir");
	if (!top || !*top)
		top = ".";
	char path[1024];
	snprintf(path, sizeof path, "%s/models/%s.cfg", top, name);
	struct net_spec spec;
	struct net *net;
	struct eng_err err;
	ck_assert_msg(cfg_parse_file(path, &spec, &err) == ENG_STATUS_OK, "%s", err.msg);
	ck_assert_msg(net_build(&spec, &net, &err) == ENG_STATUS_OK, "%s", err.msg);
	net_spec_done(&spec);
	net_init(net, 1);
	return net;
}

/* SynFlow's scores with tuning t into s (the params and state put back
 * after, as score_compute does); its steps into *c. */
static void synflow_tuned(struct net *net, int iterations, const struct synflow_tuning *t,
			  float *s, struct synflow_counts *c)
{
	float *params = malloc(net->n_params * sizeof *params);
	float *state = malloc((net->n_state + 1) * sizeof *state);
	memcpy(params, net->params, net->n_params * sizeof *params);
	memcpy(state, net->state, net->n_state * sizeof *state);
	struct score_options o;
	score_options_init(&o);
	o.method = SCORE_METHOD_SYNFLOW;
	o.synflow_iterations = iterations;
	struct eng_err err;
	ck_assert_msg(score_prepare(net, 1, &err) == ENG_STATUS_OK, "%s", err.msg);
	struct score_run run = { .net = net, .opt = &o, .method = "synflow", .err = &err,
				 .total = iterations };
	memset(s, 0, net->n_params * sizeof *s);
	ck_assert_msg(score_synflow_tuned(&run, s, t, c) == ENG_STATUS_OK, "%s", err.msg);
	memcpy(net->params, params, net->n_params * sizeof *params);
	memcpy(net->state, state, net->n_state * sizeof *state);
	free(params);
	free(state);
}

/* Steps that select from the entries below a predicted bound prune
 * exactly what steps over the full list would: the same scores to the
 * bit, whether the bounds hold (the default margin), often fall inside
 * the boundary bin (no margin), mostly miss (a margin under 1: the bound
 * below the threshold) or find more entries than there is room for (a
 * huge margin, while the list is long).  On a
 * net with residual adds and 8x8 convs that take synflow_sparse.c's
 * path late in the schedule. */
START_TEST(test_synflow_below_same_as_full)
{
	struct net *net = net_model("resnet20");
	float *full = malloc(net->n_params * sizeof *full);
	float *below = malloc(net->n_params * sizeof *below);
	struct synflow_tuning t;
	synflow_tuning_default(&t);
	t.predict = false;
	struct synflow_counts c;
	synflow_tuned(net, 100, &t, full, &c);
	ck_assert_int_eq(c.below + c.missed + c.sparse_below, 0);
	ck_assert_int_eq(c.full, 99);
	static const double margins[] = { 0.0 /* the default */, 1.0, 0.9, 1e30 };
	for (size_t mi = 0; mi < sizeof margins / sizeof margins[0]; mi++) {
		synflow_tuning_default(&t);
		if (margins[mi] > 0.0)
			t.margin = margins[mi];
		synflow_tuned(net, 100, &t, below, &c);
		ck_assert_msg(memcmp(full, below, net->n_params * sizeof *full) == 0,
			      "margin %g: scores differ", t.margin);
		ck_assert_int_eq(c.below + c.full, 99); /* a missed step also ran full */
		if (mi == 0) {
			ck_assert_msg(c.below >= 90, "%d steps below the bounds", c.below);
			/* The late 8x8 convs went through synflow_sparse.c. */
			ck_assert_msg(c.sparse_below > 0, "no sparse layer pass below bounds");
		}
		else if (mi == 1)
			ck_assert_msg(c.below > 0 && c.missed > 0, "%d below, %d missed", c.below,
				      c.missed);
		else if (mi == 2)
			ck_assert_msg(c.missed >= 90, "%d steps missed", c.missed);
		else
			ck_assert_msg(c.missed > 0 && c.below > 0, "%d below, %d missed", c.below,
				      c.missed);
	}
	free(full);
	free(below);
	net_free(net);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("synflow_collect");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_collect_against_definition);
	tcase_add_test(tc, test_scan_below_against_definition);
	tcase_add_test(tc, test_synflow_threads_identical);
	suite_add_tcase(s, tc);
	/* Five SynFlow-100 runs of resnet20: 1.4 s here, ten times that under
	 * the sanitizers on a loaded machine. */
	TCase *runs = tcase_create("runs");
	tcase_set_timeout(runs, 300);
	tcase_add_test(runs, test_synflow_below_same_as_full);
	suite_add_tcase(s, runs);
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
