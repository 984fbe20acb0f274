/* check_topk: topk_mark_* against a full sort with the rule written out
 * (larger first, NaN last, -0 just below +0, ties to the lower index), on random
 * inputs with many ties, NaN, infinities and signed zeros, every k from
 * 0 to n on small inputs and the 16-bit-digit path on large ones. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "base/topk.h"

struct ranked {
	double v;
	size_t i;
};

static int ranked_cmp(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;
	bool an = isnan(a->v), bn = isnan(b->v);
	if (an != bn)
		return an ? 1 : -1;
	if (!an && a->v != b->v)
		return a->v > b->v ? -1 : 1;
	if (!an && signbit(a->v) != signbit(b->v))
		return signbit(a->v) ? 1 : -1;   /* +0 before -0 */
	return (a->i > b->i) - (a->i < b->i);
}

/* The reference: sort, keep the first k. */
static void naive(const double *v, size_t n, size_t k, unsigned char *want)
{
	struct ranked *r = malloc((n ? n : 1) * sizeof *r);
	ck_assert_ptr_nonnull(r);
	for (size_t i = 0; i < n; i++)
		r[i] = (struct ranked){ v[i], i };
	qsort(r, n, sizeof *r, ranked_cmp);
	memset(want, 0, n);
	for (size_t j = 0; j < k && j < n; j++)
		want[r[j].i] = 1;
	free(r);
}

/* A float from a small pool (ties), or a special value. */
static float draw(struct rng *r, int levels)
{
	switch (rng_below(r, 16)) {
	case 0:
		return NAN;
	case 1:
		return -0.0f;
	case 2:
		return 0.0f;
	case 3:
		return rng_below(r, 2) ? INFINITY : -INFINITY;
	case 4:
		return rng_normal(r) * 1e-40f; /* subnormal */
	default:
		return ((float)rng_below(r, (uint32_t)levels) - (float)levels / 2) * 0.25f;
	}
}

static void check_f32(const float *v, size_t n, size_t k)
{
	double *d = malloc((n ? n : 1) * sizeof *d);
	unsigned char *got = malloc(n ? n : 1), *want = malloc(n ? n : 1);
	ck_assert(d && got && want);
	for (size_t i = 0; i < n; i++)
		d[i] = v[i];
	naive(d, n, k, want);
	topk_mark_f32(v, n, k, got);
	ck_assert_msg(memcmp(got, want, n) == 0, "f32 n %zu k %zu", n, k);
	/* the same values as doubles: the same choice */
	memset(got, 7, n);
	topk_mark_f64(d, n, k, got);
	ck_assert_msg(memcmp(got, want, n) == 0, "f64 n %zu k %zu", n, k);
	free(d);
	free(got);
	free(want);
}

START_TEST(test_topk_small_every_k)
{
	struct rng r;
	rng_seed(&r, 21);
	float v[70];
	for (int it = 0; it < 400; it++) {
		size_t n = rng_below(&r, 70);
		int levels = 1 + (int)rng_below(&r, it % 2 ? 4 : 1000);
		for (size_t i = 0; i < n; i++)
			v[i] = draw(&r, levels);
		for (size_t k = 0; k <= n + 1; k++)
			check_f32(v, n, k);
	}
}
END_TEST

START_TEST(test_topk_large)
{
	struct rng r;
	rng_seed(&r, 22);
	size_t n = 200000;
	float *v = malloc(n * sizeof *v);
	ck_assert_ptr_nonnull(v);
	for (int it = 0; it < 6; it++) {
		int levels = it < 3 ? 7 : 1 << 20;
		for (size_t i = 0; i < n; i++)
			v[i] = draw(&r, levels);
		size_t ks[] = { 0, 1, n / 3, n / 2, n - 1, n, 1 + rng_below(&r, (uint32_t)n) };
		for (size_t j = 0; j < sizeof ks / sizeof ks[0]; j++)
			check_f32(v, n, ks[j]);
	}
	free(v);
}
END_TEST

/* Doubles that differ below float precision stay distinct. */
START_TEST(test_topk_f64_precision)
{
	double d[4] = { 1.0, 1.0 + 1e-12, 1.0, 1.0 + 2e-12 };
	unsigned char kept[4];
	topk_mark_f64(d, 4, 1, kept);
	ck_assert(!kept[0] && !kept[1] && !kept[2] && kept[3]);
	topk_mark_f64(d, 4, 2, kept);
	ck_assert(!kept[0] && kept[1] && !kept[2] && kept[3]);
	topk_mark_f64(d, 4, 3, kept);
	ck_assert(kept[0] && kept[1] && !kept[2] && kept[3]);
}
END_TEST

/* Spans count as one array in order, also with floats and doubles mixed. */
START_TEST(test_topk_spans)
{
	struct rng r;
	rng_seed(&r, 23);
	float a[300];
	double b[300], all[600];
	unsigned char ka[300], kb[300], want[600];
	for (int it = 0; it < 200; it++) {
		size_t na = rng_below(&r, 300), nb = rng_below(&r, 300);
		for (size_t i = 0; i < na; i++)
			all[i] = a[i] = draw(&r, 9);
		for (size_t i = 0; i < nb; i++)
			all[na + i] = b[i] = (double)draw(&r, 9) + (rng_below(&r, 3) ? 0.0 : 1e-9);
		size_t k = rng_below(&r, (uint32_t)(na + nb + 2));
		naive(all, na + nb, k, want);
		struct topk_span sp[2] = {
			{ .f32 = a, .n = na, .kept = ka },
			{ .f64 = b, .n = nb, .kept = kb },
		};
		topk_mark_spans(sp, 2, k);
		ck_assert(memcmp(ka, want, na) == 0);
		ck_assert(memcmp(kb, want + na, nb) == 0);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("topk");
	TCase *tc = tcase_create("topk");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_topk_small_every_k);
	tcase_add_test(tc, test_topk_large);
	tcase_add_test(tc, test_topk_f64_precision);
	tcase_add_test(tc, test_topk_spans);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
