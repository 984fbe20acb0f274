#include "config.h"

/* tour_path.c: finding a tour script by name (tour_path.h). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths/exe_dir.h"
#include "paths/tour_path.h"

static bool tour_path_try(const char *dir, const char *sub, const char *name,
			  bool add_ext, char *buf, size_t len)
{
	if (!dir || !*dir)
		return false;
	int n = snprintf(buf, len, "%s%s/%s%s", dir, sub, name, add_ext ? ".tour" : "");
	return n > 0 && (size_t)n < len && access(buf, R_OK) == 0;
}

bool tour_path_find(const char *name, char *buf, size_t len)
{
	if (!name || !*name)
		name = TOUR_DEFAULT_NAME;
	size_t nl = strlen(name);
	bool has_ext = nl > 5 && strcmp(name + nl - 5, ".tour") == 0;
	snprintf(buf, len, "%s", name);
	/* A path is only ever a path; NAME.tour is one when it is there. */
	if (strchr(name, '/') || (has_ext && access(name, R_OK) == 0))
		return access(name, R_OK) == 0;
	if (tour_path_try(getenv("RECONVENE_TOURS_DIR"), "", name, !has_ext, buf, len) ||
	    tour_path_try(exe_dir_get(), "/tours", name, !has_ext, buf, len) ||
	    tour_path_try(PKGDATADIR, "/tours", name, !has_ext, buf, len))
		return true;
	snprintf(buf, len, "%s", name);
	return false;
}
