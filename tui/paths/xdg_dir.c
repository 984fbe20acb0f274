/* xdg_dir.c: the per-user directories, from the environment. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "paths/xdg_dir.h"

/* $var/reconvene, else $HOME/home_rel/reconvene. */
static enum eng_status xdg_dir_resolve(const char *var, const char *home_rel,
				       const char *what, char *buf, size_t n,
				       struct eng_err *err)
{
	const char *xdg = getenv(var);
	int len;
	/* The XDG spec says a relative value is invalid and must be ignored. */
	if (xdg && xdg[0] == '/') {
		len = snprintf(buf, n, "%s/reconvene", xdg);
	} else {
		const char *home = getenv("HOME");
		if (!home || !home[0])
			return eng_err_set(err, ENG_STATUS_EINVAL,
					   "%s: neither %s nor HOME is set", what, var);
		len = snprintf(buf, n, "%s/%s/reconvene", home, home_rel);
	}
	if (len < 0 || (size_t)len >= n)
		return eng_err_set(err, ENG_STATUS_EINVAL, "%s: directory name too long",
				   what);
	return ENG_STATUS_OK;
}

enum eng_status cache_dir_resolve(char *buf, size_t n, struct eng_err *err)
{
	return xdg_dir_resolve("XDG_CACHE_HOME", ".cache", "cache", buf, n, err);
}

enum eng_status state_dir_resolve(char *buf, size_t n, struct eng_err *err)
{
	return xdg_dir_resolve("XDG_STATE_HOME", ".local/state", "session", buf, n, err);
}
