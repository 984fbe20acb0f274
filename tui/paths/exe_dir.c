/* exe_dir.c: the running program's directory, read once. */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "paths/exe_dir.h"

#define EXE_DIR_MAX 4096

static pthread_once_t exe_dir_once = PTHREAD_ONCE_INIT;
static char exe_dir_buf[EXE_DIR_MAX];
static char exe_dir_program_buf[EXE_DIR_MAX];
static char exe_dir_models_buf[EXE_DIR_MAX + 8];
static char exe_dir_themes_buf[EXE_DIR_MAX + 8];
static int exe_dir_ok;

static void exe_dir_read(void)
{
	ssize_t n = readlink("/proc/self/exe", exe_dir_buf, sizeof exe_dir_buf - 1);
	if (n <= 0 || (size_t)n >= sizeof exe_dir_buf - 1)
		return;
	exe_dir_buf[n] = '\0';
	memcpy(exe_dir_program_buf, exe_dir_buf, (size_t)n + 1);
	char *slash = strrchr(exe_dir_buf, '/');
	if (!slash)
		return;
	if (slash == exe_dir_buf)
		slash[1] = '\0';   /* a program in / */
	else
		*slash = '\0';
	const char *sep = slash == exe_dir_buf ? "" : "/";
	snprintf(exe_dir_models_buf, sizeof exe_dir_models_buf, "%s%smodels",
		 exe_dir_buf, sep);
	snprintf(exe_dir_themes_buf, sizeof exe_dir_themes_buf, "%s%sthemes",
		 exe_dir_buf, sep);
	exe_dir_ok = 1;
}

const char *exe_dir_get(void)
{
	pthread_once(&exe_dir_once, exe_dir_read);
	return exe_dir_ok ? exe_dir_buf : NULL;
}

const char *exe_dir_models(void)
{
	return exe_dir_get() ? exe_dir_models_buf : NULL;
}

const char *exe_dir_themes(void)
{
	return exe_dir_get() ? exe_dir_themes_buf : NULL;
}

const char *exe_dir_program(void)
{
	return exe_dir_get() ? exe_dir_program_buf : NULL;
}
