/* check_paths: the front end's file locations (tui/paths): the dataset
 * directory, the PNG font and the result cache's directory.  The engine
 * reads no environment (tests/engine_quiet.sh); these are the places that
 * do.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/data.h"
#include "paths/cache_dir.h"
#include "paths/data_dir.h"
#include "paths/font_path.h"

#ifndef FONT_DIRS
#error "FONT_DIRS must be the front end's font directories (Makefile.am)"
#endif

START_TEST(test_data_dir)
{
	unsetenv("RECONVENE_DATA");
	ck_assert_str_eq(data_dir_default(), DATA_DEFAULT_DIR);
	ck_assert_ptr_null(data_dir_env());
	setenv("RECONVENE_DATA", "", 1);
	ck_assert_str_eq(data_dir_default(), DATA_DEFAULT_DIR);
	ck_assert_ptr_null(data_dir_env());
	setenv("RECONVENE_DATA", "/some/where", 1);
	ck_assert_str_eq(data_dir_default(), "/some/where");
	ck_assert_str_eq(data_dir_env(), "/some/where");
	unsetenv("RECONVENE_DATA");
}
END_TEST

START_TEST(test_font_path)
{
	struct font_path fp;
	unsetenv("RECONVENE_FONT");
	font_path_get(&fp);
	ck_assert_ptr_null(fp.font);
	ck_assert_str_eq(fp.dirs, FONT_DIRS);
	/* set means "only this file", even when empty */
	setenv("RECONVENE_FONT", "", 1);
	font_path_get(&fp);
	ck_assert_str_eq(fp.font, "");
	setenv("RECONVENE_FONT", "/x/y.ttf", 1);
	font_path_get(&fp);
	ck_assert_str_eq(fp.font, "/x/y.ttf");
	unsetenv("RECONVENE_FONT");
}
END_TEST

START_TEST(test_cache_dir)
{
	char buf[512];
	struct eng_err err;
	setenv("XDG_CACHE_HOME", "/xdg/cache", 1);
	setenv("HOME", "/home/someone", 1);
	ck_assert_int_eq(cache_dir_resolve(buf, sizeof buf, &err), ENG_STATUS_OK);
	ck_assert_str_eq(buf, "/xdg/cache/reconvene");
	/* a relative XDG_CACHE_HOME is invalid and ignored */
	setenv("XDG_CACHE_HOME", "relative", 1);
	ck_assert_int_eq(cache_dir_resolve(buf, sizeof buf, &err), ENG_STATUS_OK);
	ck_assert_str_eq(buf, "/home/someone/.cache/reconvene");
	unsetenv("XDG_CACHE_HOME");
	ck_assert_int_eq(cache_dir_resolve(buf, sizeof buf, &err), ENG_STATUS_OK);
	ck_assert_str_eq(buf, "/home/someone/.cache/reconvene");
	ck_assert_int_eq(cache_dir_resolve(buf, 8, &err), ENG_STATUS_EINVAL);
	ck_assert_str_eq(err.msg, "cache: directory name too long");
	unsetenv("HOME");
	ck_assert_int_eq(cache_dir_resolve(buf, sizeof buf, &err), ENG_STATUS_EINVAL);
	ck_assert_str_eq(err.msg, "cache: neither XDG_CACHE_HOME nor HOME is set");
}
END_TEST

static Suite *paths_suite(void)
{
	Suite *s = suite_create("paths");
	TCase *tc = tcase_create("paths");
	tcase_add_test(tc, test_data_dir);
	tcase_add_test(tc, test_font_path);
	tcase_add_test(tc, test_cache_dir);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(paths_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
