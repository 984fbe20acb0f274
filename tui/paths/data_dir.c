/* data_dir.c: the default dataset directory, from the environment. */
#include "config.h"

#include <stdlib.h>

#include "data/data.h"
#include "paths/data_dir.h"

const char *data_dir_env(void)
{
	const char *env = getenv("RECONVENE_DATA");
	return env && *env ? env : NULL;
}

const char *data_dir_default(void)
{
	const char *env = data_dir_env();
	return env ? env : DATA_DEFAULT_DIR;
}
