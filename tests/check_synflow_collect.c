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

static Suite *suite(void)
{
	Suite *s = suite_create("synflow_collect");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_collect_against_definition);
	tcase_add_test(tc, test_synflow_threads_identical);
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
