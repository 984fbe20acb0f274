/* check_blas_kernel: choosing the BLAS kernels (tui/host/blas_kernel.c).
 *
 * The machine running the tests may or may not be one OpenBLAS
 * misdetects, so the tests make it look misdetected: the pretend_loaded
 * hook first switches OpenBLAS to its Prescott (SSE3) kernels, as
 * OpenBLAS 0.3.21 does on a CPU newer than itself.  From there the
 * selection must switch to the best kernels the CPU supports and check
 * them; with the check forced to fail it must go back to Prescott, and the
 * BLAS must still compute right.  Every test runs in its own process
 * (Check's fork mode), so a switch never leaks into another test.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/blas_info.h"
#include "host/blas_kernel.h"

/* The OpenBLAS kernel switch exists (Debian's libopenblas is built with
 * DYNAMIC_ARCH); without it only the mapping tests apply. */
static bool can_switch(void)
{
	struct blas_kernel k;
	blas_kernel_select(NULL, &k);
	return k.how != BLAS_KERNEL_FIXED;
}

START_TEST(test_levels)
{
	ck_assert_int_eq(blas_core_level("SkylakeX"), 3);
	ck_assert_int_eq(blas_core_level("cooperlake"), 3);
	ck_assert_int_eq(blas_core_level("Haswell"), 2);
	ck_assert_int_eq(blas_core_level("ZEN"), 2);
	ck_assert_int_eq(blas_core_level("Sandybridge"), 1);
	ck_assert_int_eq(blas_core_level("Prescott"), 0);
	ck_assert_int_eq(blas_core_level("Nehalem"), 0);
	ck_assert_int_eq(blas_core_level("unknown"), 0);
	ck_assert_int_eq(blas_core_level(NULL), 0);
}
END_TEST

START_TEST(test_best_core)
{
	struct blas_cpu cpu = { 0 };
	ck_assert_str_eq(blas_best_core(&cpu), "");
	cpu.avx = true;
	ck_assert_str_eq(blas_best_core(&cpu), "Sandybridge");
	cpu.avx2_fma = true;
	ck_assert_str_eq(blas_best_core(&cpu), "Haswell");
	cpu.amd = true;
	ck_assert_str_eq(blas_best_core(&cpu), "Zen");
	cpu.avx512 = true;
	ck_assert_str_eq(blas_best_core(&cpu), "SkylakeX");
	/* Whatever this machine is, its best core is one OpenBLAS knows at
	 * the level the features say. */
	struct blas_cpu here = blas_cpu_detect();
	const char *best = blas_best_core(&here);
	int level = here.avx512 ? 3 : here.avx2_fma ? 2 : here.avx ? 1 : 0;
	if (level > 0)
		ck_assert_int_eq(blas_core_level(best), level);
	else
		ck_assert_str_eq(best, "");
}
END_TEST

START_TEST(test_check_passes_on_library_kernels)
{
	double worst = -1.0;
	int n = blas_gemm_check(&worst);
	ck_assert_int_ge(n, 5);
	ck_assert(worst >= 0.0 && worst < 1.0);
}
END_TEST

START_TEST(test_switch_from_prescott)
{
	if (!can_switch())
		return;
	struct blas_kernel k;
	struct blas_kernel_options o = { .pretend_loaded = "Prescott" };
	blas_kernel_select(&o, &k);
	ck_assert_str_eq(k.loaded, "Prescott");
	if (!k.best[0]) {	/* a CPU without AVX: Prescott is its best */
		ck_assert_int_eq(k.how, BLAS_KERNEL_LIBRARY);
		return;
	}
	ck_assert_int_eq(k.how, BLAS_KERNEL_SWITCHED);
	ck_assert_str_eq(k.active, k.best);
	ck_assert(strcasecmp(blas_core_name(), k.best) == 0);
	ck_assert_int_ge(k.check_shapes, 5);
	ck_assert(k.check_passed);
	ck_assert(k.check_error < 1.0);
	/* The switched kernels compute right, independently of the record. */
	double worst;
	blas_gemm_check(&worst);
	ck_assert(worst < 1.0);
	ck_assert_ptr_nonnull(blas_kernel_selected());
	ck_assert_str_eq(blas_kernel_selected()->active, k.best);
	char line[320];
	blas_kernel_describe(&k, line, sizeof line);
	ck_assert_ptr_nonnull(strstr(line, k.best));
	ck_assert_ptr_nonnull(strstr(line, "switched"));
	ck_assert_ptr_nonnull(strstr(line, "Prescott"));
	/* The variable OpenBLAS read during the switch is gone again. */
	ck_assert_ptr_null(getenv("OPENBLAS_CORETYPE"));
}
END_TEST

START_TEST(test_forced_fallback)
{
	if (!can_switch())
		return;
	struct blas_kernel k;
	struct blas_kernel_options o = { .pretend_loaded = "Prescott",
					 .fail_check = true };
	blas_kernel_select(&o, &k);
	if (!k.best[0])
		return;
	ck_assert_int_eq(k.how, BLAS_KERNEL_FELL_BACK);
	ck_assert(!k.check_passed);
	ck_assert(k.check_error >= 1.0);
	ck_assert_str_eq(k.active, "Prescott");
	ck_assert(strcasecmp(blas_core_name(), "Prescott") == 0);
	double worst;
	blas_gemm_check(&worst);
	ck_assert(worst < 1.0);
	char line[320];
	blas_kernel_describe(&k, line, sizeof line);
	ck_assert_ptr_nonnull(strstr(line, "Prescott kernels"));
	ck_assert_ptr_nonnull(strstr(line, "disagreed"));
}
END_TEST

START_TEST(test_user_decides)
{
	if (!can_switch())
		return;
	struct blas_kernel k;
	struct blas_kernel_options o = { .user_coretype = "Prescott",
					 .pretend_loaded = "Prescott" };
	blas_kernel_select(&o, &k);
	ck_assert_int_eq(k.how, BLAS_KERNEL_USER);
	ck_assert_str_eq(k.active, "Prescott");
	ck_assert_int_eq(k.check_shapes, 0);
}
END_TEST

START_TEST(test_best_already)
{
	if (!can_switch())
		return;
	struct blas_kernel k;
	blas_kernel_select(NULL, &k);
	if (!k.best[0])
		return;
	/* From the best, nothing is switched. */
	struct blas_kernel_options o = { .pretend_loaded = k.best };
	blas_kernel_select(&o, &k);
	ck_assert_int_eq(k.how, BLAS_KERNEL_LIBRARY);
	ck_assert_str_eq(k.active, k.best);
	ck_assert_int_eq(k.check_shapes, 0);
}
END_TEST

static Suite *blas_kernel_suite(void)
{
	Suite *s = suite_create("blas_kernel");
	TCase *tc = tcase_create("blas_kernel");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_levels);
	tcase_add_test(tc, test_best_core);
	tcase_add_test(tc, test_check_passes_on_library_kernels);
	tcase_add_test(tc, test_switch_from_prescott);
	tcase_add_test(tc, test_forced_fallback);
	tcase_add_test(tc, test_user_decides);
	tcase_add_test(tc, test_best_already);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	/* A machine image may set OPENBLAS_CORETYPE for everyone; reconvene
	 * then keeps it (BLAS_KERNEL_FIXED) and the switch would go untested.
	 * OpenBLAS has already read it at load time, which is the situation
	 * the switch is for: the loaded kernels are not the best. */
	unsetenv("OPENBLAS_CORETYPE");
	SRunner *sr = srunner_create(blas_kernel_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
