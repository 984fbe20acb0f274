/* check_paths: the front end's file locations (tui/paths): the dataset
 * directory, the PNG font, the result cache's directory, the running
 * program's directory and the model and theme search built on it.  The
 * engine reads no environment (tests/engine_quiet.sh); these are the
 * places that do.
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/data.h"
#include "paths/xdg_dir.h"
#include "paths/data_dir.h"
#include "paths/exe_dir.h"
#include "paths/font_path.h"
#include "paths/model_path.h"
#include "theme/theme.h"

#ifndef SRC_THEMES_DIR
#error "SRC_THEMES_DIR must point at the source tree's themes/"
#endif
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

START_TEST(test_state_dir)
{
	char buf[512];
	struct eng_err err;
	setenv("XDG_STATE_HOME", "/xdg/state", 1);
	setenv("HOME", "/home/someone", 1);
	ck_assert_int_eq(state_dir_resolve(buf, sizeof buf, &err), ENG_STATUS_OK);
	ck_assert_str_eq(buf, "/xdg/state/reconvene");
	setenv("XDG_STATE_HOME", "relative", 1);
	ck_assert_int_eq(state_dir_resolve(buf, sizeof buf, &err), ENG_STATUS_OK);
	ck_assert_str_eq(buf, "/home/someone/.local/state/reconvene");
	unsetenv("XDG_STATE_HOME");
	unsetenv("HOME");
	ck_assert_int_eq(state_dir_resolve(buf, sizeof buf, &err), ENG_STATUS_EINVAL);
	ck_assert_str_eq(err.msg, "session: neither XDG_STATE_HOME nor HOME is set");
}
END_TEST

START_TEST(test_exe_dir)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	ck_assert_int_gt(n, 0);
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	ck_assert_str_eq(exe_dir_get(), self);
	char want[PATH_MAX + 16];
	snprintf(want, sizeof want, "%s/models", self);
	ck_assert_str_eq(exe_dir_models(), want);
	snprintf(want, sizeof want, "%s/themes", self);
	ck_assert_str_eq(exe_dir_themes(), want);
	/* the same storage every time */
	ck_assert_ptr_eq(exe_dir_get(), exe_dir_get());
}
END_TEST

START_TEST(test_model_search)
{
	char path[4096], why[2048];
	/* $RECONVENE_MODELS_DIR first */
	setenv("RECONVENE_MODELS_DIR", SRC_THEMES_DIR "/../models", 1);
	ck_assert_int_eq(model_path_resolve("lenet5", path, sizeof path, why,
					    sizeof why), 0);
	ck_assert_str_eq(path, SRC_THEMES_DIR "/../models/lenet5.cfg");
	/* then the installed directory, then models/ next to the program
	 * (here tests/, which has none): the message lists both */
	unsetenv("RECONVENE_MODELS_DIR");
	ck_assert_int_eq(model_path_resolve("nosuchmodel", path, sizeof path, why,
					    sizeof why), -1);
	char want[8192];
	snprintf(want, sizeof want, "unknown model 'nosuchmodel' (looked for "
		 "nosuchmodel.cfg in %s/models, %s)", PKGDATADIR, exe_dir_models());
	ck_assert_str_eq(why, want);
}
END_TEST

START_TEST(test_theme_search)
{
	struct theme_paths p;
	setenv("RECONVENE_THEMES_DIR", SRC_THEMES_DIR, 1);
	theme_paths_init(&p, NULL);
	ck_assert_str_eq(p.env_themes, SRC_THEMES_DIR);
	ck_assert_str_eq(p.exe_themes, exe_dir_themes());
	ck_assert_str_eq(p.pkgdata_themes, PKGDATADIR "/themes");
	char out[4096];
	struct eng_err err;
	ck_assert_int_eq(theme_find("light", &p, out, sizeof out, &err), ENG_STATUS_OK);
	ck_assert_str_eq(out, SRC_THEMES_DIR "/light.theme");
	setenv("RECONVENE_THEMES_DIR", "", 1);
	theme_paths_init(&p, NULL);
	ck_assert_ptr_null(p.env_themes);
	unsetenv("RECONVENE_THEMES_DIR");
}
END_TEST

static Suite *paths_suite(void)
{
	Suite *s = suite_create("paths");
	TCase *tc = tcase_create("paths");
	tcase_add_test(tc, test_data_dir);
	tcase_add_test(tc, test_font_path);
	tcase_add_test(tc, test_cache_dir);
	tcase_add_test(tc, test_state_dir);
	tcase_add_test(tc, test_exe_dir);
	tcase_add_test(tc, test_model_search);
	tcase_add_test(tc, test_theme_search);
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
