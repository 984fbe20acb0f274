/* cache_dir.c: the result cache's directory, from the environment. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "paths/cache_dir.h"

enum eng_status cache_dir_resolve(char *buf, size_t n, struct eng_err *err)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	int len;
	/* The XDG spec says a relative value is invalid and must be ignored. */
	if (xdg && xdg[0] == '/') {
		len = snprintf(buf, n, "%s/reconvene", xdg);
	} else {
		const char *home = getenv("HOME");
		if (!home || !home[0])
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "cache: neither XDG_CACHE_HOME nor HOME is set");
		len = snprintf(buf, n, "%s/.cache/reconvene", home);
	}
	if (len < 0 || (size_t)len >= n)
		return eng_err_set(err, ENG_STATUS_EINVAL, "cache: directory name too long");
	return ENG_STATUS_OK;
}
