/* scratch.c: the scratch directory of a test program (scratch.h). */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

#include "scratch.h"

int scratch_dir_make(const char *prog, char *buf, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(buf, len, "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", prog);
	if (!mkdtemp(buf)) {
		perror(prog);
		return -1;
	}
	return 0;
}

static int scratch_rm(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void scratch_dir_remove(const char *dir)
{
	nftw(dir, scratch_rm, 16, FTW_DEPTH | FTW_PHYS);
}
