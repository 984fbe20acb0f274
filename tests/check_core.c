/* check_core: status, cancel, hash, rng, tensor arena, loss and SGD. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/cancel.h"
#include "base/hash.h"
#include "nn/loss.h"
#include "base/rng.h"
#include "nn/sgd.h"
#include "base/status.h"
#include "base/arena.h"
#include "base/tensor.h"

START_TEST(test_status_strings)
{
	struct eng_err err;
	ck_assert_int_eq(eng_err_set(&err, ENG_STATUS_EINVAL, "%s:%d: bad", "f.cfg", 3),
			 ENG_STATUS_EINVAL);
	ck_assert_str_eq(err.msg, "f.cfg:3: bad");
	ck_assert_int_eq(eng_err_set(NULL, ENG_STATUS_EIO, "x"), ENG_STATUS_EIO);
	ck_assert_str_eq(eng_status_str(ENG_STATUS_OK), "ok");
	ck_assert_str_eq(eng_status_str(ENG_STATUS_ENOMEM), "out of memory");
	/* A long message is truncated, never overflows. */
	char big[2000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	eng_err_set(&err, ENG_STATUS_EINVAL, "%s", big);
	ck_assert_uint_eq(strlen(err.msg), ENG_ERR_MAX - 1);
}
END_TEST

/* FNV-1a 64 reference vectors (Fowler, Noll, Vo), and the same bytes
 * through every entry point. */
START_TEST(test_hash_fnv1a)
{
	ck_assert_uint_eq(hash_fnv1a_init(), 0xcbf29ce484222325ULL);
	ck_assert_uint_eq(hash_fnv1a_str(hash_fnv1a_init(), ""), 0xcbf29ce484222325ULL);
	ck_assert_uint_eq(hash_fnv1a_str(hash_fnv1a_init(), "a"), 0xaf63dc4c8601ec8cULL);
	ck_assert_uint_eq(hash_fnv1a_str(hash_fnv1a_init(), "foobar"), 0x85944171f73967e8ULL);
	ck_assert_uint_eq(hash_fnv1a_bytes(hash_fnv1a_init(), "foobar", 6),
			  0x85944171f73967e8ULL);
	/* continuing a hash = hashing the concatenation */
	ck_assert_uint_eq(hash_fnv1a_str(hash_fnv1a_str(hash_fnv1a_init(), "foo"), "bar"),
			  0x85944171f73967e8ULL);
	/* u32: little-endian bytes on every host */
	const unsigned char le[4] = { 0x78, 0x56, 0x34, 0x12 };
	ck_assert_uint_eq(hash_fnv1a_u32(hash_fnv1a_init(), 0x12345678u),
			  hash_fnv1a_bytes(hash_fnv1a_init(), le, 4));
}
END_TEST

/* Reference outputs from an independent Python implementation of
 * splitmix64 seeding + xoshiro256** (see rng.h for the algorithm). */
static void *cancel_from_thread(void *arg)
{
	cancel_request(arg);
	return NULL;
}

/* NULL is never requested; request and clear from this thread; a request
 * from another thread is seen by a poll without a lock. */
START_TEST(test_cancel)
{
	ck_assert(!cancel_requested(NULL));
	static struct cancel zeroed; /* static storage: starts cleared */
	ck_assert(!cancel_requested(&zeroed));
	struct cancel c;
	cancel_init(&c);
	ck_assert(!cancel_requested(&c));
	cancel_request(&c);
	ck_assert(cancel_requested(&c));
	cancel_request(&c);
	ck_assert(cancel_requested(&c));
	cancel_clear(&c);
	ck_assert(!cancel_requested(&c));
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, cancel_from_thread, &c), 0);
	while (!cancel_requested(&c))
		;
	ck_assert_int_eq(pthread_join(t, NULL), 0);
}
END_TEST

START_TEST(test_rng_reference_values)
{
	struct rng r;
	rng_seed(&r, 42);
	ck_assert_uint_eq(rng_next(&r), 0x15780b2e0c2ec716ULL);
	ck_assert_uint_eq(rng_next(&r), 0x6104d9866d113a7eULL);
	ck_assert_uint_eq(rng_next(&r), 0xae17533239e499a1ULL);
	rng_seed(&r, 0);
	ck_assert_uint_eq(rng_next(&r), 0x99ec5f36cb75f2b4ULL);
	ck_assert_uint_eq(rng_next(&r), 0xbf6e1f784956452aULL);
}
END_TEST

START_TEST(test_rng_same_seed_same_stream)
{
	struct rng a, b;
	rng_seed(&a, 7);
	rng_seed(&b, 7);
	for (int i = 0; i < 1000; i++) {
		float x = rng_normal(&a), y = rng_normal(&b);
		ck_assert(memcmp(&x, &y, sizeof x) == 0);
	}
	rng_seed(&b, 8);
	rng_seed(&a, 7);
	int same = 0;
	for (int i = 0; i < 100; i++)
		same += rng_next(&a) == rng_next(&b);
	ck_assert_int_lt(same, 2);
	ck_assert_uint_ne(rng_derive_seed(1, "conv1"), rng_derive_seed(1, "conv2"));
	ck_assert_uint_ne(rng_derive_seed(1, "conv1"), rng_derive_seed(2, "conv1"));
	ck_assert_uint_eq(rng_derive_seed(3, "fc"), rng_derive_seed(3, "fc"));
	/* Pinned: every layer's initial weights depend on these. */
	ck_assert_uint_eq(rng_derive_seed(1, "conv1"), 0xf4d0076290f38503ULL);
	ck_assert_uint_eq(rng_derive_seed(12345, "layer1.0.conv2"), 0xdb21361b7e2a7651ULL);
}
END_TEST

START_TEST(test_rng_distributions)
{
	struct rng r;
	rng_seed(&r, 123);
	const int n = 200000;
	double sum = 0, sum2 = 0, usum = 0;
	int counts[10] = { 0 };
	for (int i = 0; i < n; i++) {
		double x = rng_normal(&r);
		sum += x;
		sum2 += x * x;
		double u = rng_uniform(&r);
		ck_assert(u >= 0.0 && u < 1.0);
		usum += u;
		uint32_t k = rng_below(&r, 10);
		ck_assert_uint_lt(k, 10);
		counts[k]++;
	}
	double mean = sum / n, var = sum2 / n - mean * mean;
	/* Standard errors: mean 1/sqrt(n) = 0.0022, var sqrt(2/n) = 0.0032. */
	ck_assert_double_lt(fabs(mean), 0.012);
	ck_assert_double_lt(fabs(var - 1.0), 0.016);
	ck_assert_double_lt(fabs(usum / n - 0.5), 0.004);
	for (int k = 0; k < 10; k++)
		ck_assert_int_lt(abs(counts[k] - n / 10), 600); /* ~4.5 sigma */
	ck_assert_uint_eq(rng_below(&r, 1), 0);
}
END_TEST

START_TEST(test_arena)
{
	struct arena a;
	ck_assert_int_eq(arena_init(&a, 100), ENG_STATUS_OK);
	float *p = arena_alloc(&a, 3);
	float *q = arena_alloc(&a, 17);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(q);
	ck_assert_uint_eq((uintptr_t)p % 64, 0);
	ck_assert_uint_eq((uintptr_t)q % 64, 0);
	ck_assert(q >= p + 3);
	size_t mark = a.used;
	ck_assert_ptr_null(arena_alloc(&a, 1000)); /* full: NULL, not overflow */
	ck_assert_uint_eq(a.used, mark);
	float *r = arena_alloc(&a, 16);
	ck_assert_ptr_nonnull(r);
	arena_reset(&a, mark);
	ck_assert_ptr_eq(arena_alloc(&a, 16), r);
	ck_assert_uint_eq(arena_round(1), 16);
	ck_assert_uint_eq(arena_round(16), 16);
	ck_assert_uint_eq(arena_round(17), 32);
	arena_done(&a);
	struct shape s = { 3, 4, 5 };
	ck_assert_uint_eq(shape_size(s), 60);
}
END_TEST

START_TEST(test_loss_values_and_gradient)
{
	/* Two samples, three classes; hand-computed reference. */
	const float logits[6] = { 1.0f, 2.0f, 3.0f, -1.0f, 0.0f, 5.0f };
	const int32_t labels[2] = { 2, 0 };
	float d[6];
	float loss = loss_softmax_xent(logits, labels, 2, 3, d);
	double l0 = log(exp(1.0) + exp(2.0) + exp(3.0)) - 3.0;
	double l1 = log(exp(-1.0) + exp(0.0) + exp(5.0)) + 1.0;
	ck_assert_double_eq_tol(loss, (l0 + l1) / 2, 1e-6);
	/* Gradient against central differences of the loss. */
	for (int i = 0; i < 6; i++) {
		float z[6];
		memcpy(z, logits, sizeof z);
		z[i] += 1e-2f;
		double lp = loss_softmax_xent(z, labels, 2, 3, NULL);
		z[i] -= 2e-2f;
		double lm = loss_softmax_xent(z, labels, 2, 3, NULL);
		ck_assert_double_eq_tol(d[i], (lp - lm) / 2e-2, 2e-4);
	}
	/* Huge logits stay finite (max subtracted). */
	const float big[3] = { 1e30f, -1e30f, 0.0f };
	const int32_t lab = 1;
	ck_assert(isfinite(loss_softmax_xent(big, &lab, 1, 3, NULL)));
	ck_assert_int_eq(loss_count_correct(logits, labels, 2, 3), 1);
}
END_TEST

START_TEST(test_sgd_matches_formula)
{
	struct sgd opt;
	ck_assert_int_eq(sgd_init(&opt, 2, 0.9f, 0.1f, false), ENG_STATUS_OK);
	float p[2] = { 1.0f, -2.0f };
	const float g[2] = { 0.5f, 0.25f };
	sgd_step(&opt, p, g, 0.1f);
	/* step 1: g' = g + wd p = (0.6, 0.05); v = g'; p -= 0.1 v */
	ck_assert_float_eq_tol(p[0], 1.0f - 0.06f, 1e-6f);
	ck_assert_float_eq_tol(p[1], -2.0f - 0.005f, 1e-6f);
	sgd_step(&opt, p, g, 0.1f);
	/* step 2: g' = 0.5 + 0.1*0.94 = 0.594; v = 0.9*0.6 + 0.594 = 1.134 */
	ck_assert_float_eq_tol(p[0], 0.94f - 0.1134f, 1e-6f);
	sgd_done(&opt);

	ck_assert_int_eq(sgd_init(&opt, 1, 0.9f, 0.0f, true), ENG_STATUS_OK);
	float q = 1.0f;
	const float gq = 1.0f;
	sgd_step(&opt, &q, &gq, 0.1f); /* v = 1; step = g + mu v = 1.9 */
	ck_assert_float_eq_tol(q, 1.0f - 0.19f, 1e-6f);
	sgd_done(&opt);
}
END_TEST

static Suite *core_suite(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("status");
	tcase_add_test(tc, test_status_strings);
	suite_add_tcase(s, tc);
	tc = tcase_create("cancel");
	tcase_add_test(tc, test_cancel);
	suite_add_tcase(s, tc);
	tc = tcase_create("hash");
	tcase_add_test(tc, test_hash_fnv1a);
	suite_add_tcase(s, tc);
	tc = tcase_create("rng");
	tcase_add_test(tc, test_rng_reference_values);
	tcase_add_test(tc, test_rng_same_seed_same_stream);
	tcase_add_test(tc, test_rng_distributions);
	suite_add_tcase(s, tc);
	tc = tcase_create("tensor");
	tcase_add_test(tc, test_arena);
	suite_add_tcase(s, tc);
	tc = tcase_create("loss_sgd");
	tcase_add_test(tc, test_loss_values_and_gradient);
	tcase_add_test(tc, test_sgd_matches_formula);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(core_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
