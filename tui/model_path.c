#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model_path.h"

static int is_path(const char *name)
{
	size_t n = strlen(name);
	return strchr(name, '/') || (n > 4 && strcmp(name + n - 4, ".cfg") == 0);
}

int model_path_resolve(const char *name, char *path, size_t len,
		       char *why, size_t why_len)
{
	if (is_path(name)) {
		snprintf(path, len, "%s", name);
		return 0;
	}
	const char *dirs[3] = { getenv("RECONVENE_MODELS_DIR"),
				PKGDATADIR "/models", SRC_MODELS_DIR };
	char tried[1024] = "";
	for (int i = 0; i < 3; i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		snprintf(path, len, "%s/%s.cfg", dirs[i], name);
		if (access(path, R_OK) == 0)
			return 0;
		size_t t = strlen(tried);
		snprintf(tried + t, sizeof tried - t, "%s%s", t ? ", " : "", dirs[i]);
	}
	snprintf(why, why_len, "unknown model '%s' (looked for %s.cfg in %s)",
		 name, name, tried);
	return -1;
}
