/* theme_paths.c: where themes are found: --themes-dir, $RECONVENE_THEMES_DIR, the user's config, $(pkgdatadir), next to the program. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths/exe_dir.h"

#include "theme/theme_internal.h"

/* --- search path ------------------------------------------------------------ */

void theme_paths_init(struct theme_paths *p, const char *themes_dir)
{
	memset(p, 0, sizeof *p);
	p->themes_dir = themes_dir && *themes_dir ? themes_dir : NULL;
	/* XDG: a relative $XDG_CONFIG_HOME is invalid and ignored. */
	const char *x = getenv("XDG_CONFIG_HOME");
	p->xdg_config_home = x && x[0] == '/' ? x : NULL;
	const char *h = getenv("HOME");
	p->home = h && *h ? h : NULL;
	const char *e = getenv("RECONVENE_THEMES_DIR");
	p->env_themes = e && *e ? e : NULL;
	p->pkgdata_themes = PKGDATADIR "/themes";
	p->exe_themes = exe_dir_themes();
}

/* The i-th search directory into buf; false when i is past the end, "" for
 * a slot that is not set. */
static bool theme_dir_get(const struct theme_paths *p, int i, char *buf, size_t sz)
{
	buf[0] = '\0';
	switch (i) {
	case 0:
		if (p->themes_dir)
			snprintf(buf, sz, "%s", p->themes_dir);
		return true;
	case 1:
		if (p->env_themes)
			snprintf(buf, sz, "%s", p->env_themes);
		return true;
	case 2:
		if (p->xdg_config_home)
			snprintf(buf, sz, "%s/reconvene/themes", p->xdg_config_home);
		else if (p->home)
			snprintf(buf, sz, "%s/.config/reconvene/themes", p->home);
		return true;
	case 3:
		if (p->pkgdata_themes)
			snprintf(buf, sz, "%s", p->pkgdata_themes);
		return true;
	case 4:
		if (p->exe_themes)
			snprintf(buf, sz, "%s", p->exe_themes);
		return true;
	default:
		return false;
	}
}

bool theme_file_readable(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && access(path, R_OK) == 0;
}

bool theme_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

enum eng_status theme_find(const char *name, const struct theme_paths *paths,
			   char *out, size_t outsz, struct eng_err *err)
{
	struct theme_paths def;
	if (!paths) {
		theme_paths_init(&def, NULL);
		paths = &def;
	}
	if (!name || !*name)
		return eng_err_set(err, ENG_STATUS_EINVAL, "empty theme name");
	if (strchr(name, '/')) {
		if (!theme_file_readable(name))
			return eng_err_set(err, ENG_STATUS_ENOENT, "theme file '%s' not found", name);
		snprintf(out, outsz, "%s", name);
		return ENG_STATUS_OK;
	}
	bool has_ext = theme_ends_with(name, ".theme");
	if (has_ext && theme_file_readable(name)) {
		snprintf(out, outsz, "%s", name);
		return ENG_STATUS_OK;
	}
	if (name[0] != '.') {
		char dir[THEME_PATH_MAX], cand[THEME_PATH_MAX + THEME_NAME_MAX + 16];
		for (int i = 0; theme_dir_get(paths, i, dir, sizeof dir); i++) {
			if (!dir[0])
				continue;
			snprintf(cand, sizeof cand, "%s/%s%s", dir, name, has_ext ? "" : ".theme");
			if (theme_file_readable(cand)) {
				if (strlen(cand) >= outsz)
					return eng_err_set(err, ENG_STATUS_EINVAL, "theme path too long");
				snprintf(out, outsz, "%s", cand);
				return ENG_STATUS_OK;
			}
		}
		if (strcmp(name, "default") == 0 || strcmp(name, "mono") == 0) {
			snprintf(out, outsz, "builtin:%s", name);
			return ENG_STATUS_OK;
		}
	}
	return eng_err_set(err, ENG_STATUS_ENOENT,
			   "theme '%s' not found (searched --themes-dir, "
			   "$RECONVENE_THEMES_DIR, the user's config directory, the "
			   "installed themes and themes/ next to the program)", name);
}

static int theme_name_cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static void theme_list_add(char (*names)[THEME_NAME_MAX], int *n, int max, const char *s, size_t len)
{
	if (*n >= max || len == 0 || len >= THEME_NAME_MAX)
		return;
	for (int i = 0; i < *n; i++) {
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return;
	}
	memcpy(names[*n], s, len);
	names[*n][len] = '\0';
	(*n)++;
}

int theme_list(const struct theme_paths *paths, char (*names)[THEME_NAME_MAX], int max)
{
	struct theme_paths def;
	if (!paths) {
		theme_paths_init(&def, NULL);
		paths = &def;
	}
	int n = 0;
	char dir[THEME_PATH_MAX];
	for (int i = 0; theme_dir_get(paths, i, dir, sizeof dir); i++) {
		DIR *d = dir[0] ? opendir(dir) : NULL;
		if (!d)
			continue;
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.' || !theme_ends_with(e->d_name, ".theme"))
				continue;
			theme_list_add(names, &n, max, e->d_name, strlen(e->d_name) - 6);
		}
		closedir(d);
	}
	theme_list_add(names, &n, max, "default", 7);
	theme_list_add(names, &n, max, "mono", 4);
	qsort(names, (size_t)n, sizeof names[0], theme_name_cmp);
	return n;
}
