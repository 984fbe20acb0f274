/* data_path.c: path helpers shared by the file-based dataset loaders. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "data/data_path.h"

bool data_path_join(char *buf, size_t size, const char *dir, const char *name)
{
	size_t len = strlen(dir);
	const char *sep = len && dir[len - 1] == '/' ? "" : "/";
	int k = snprintf(buf, size, "%s%s%s", dir, sep, name);
	return k >= 0 && (size_t)k < size;
}

bool data_path_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

void data_path_base(const char *dir, size_t *start, size_t *len)
{
	size_t end = strlen(dir);
	while (end > 0 && dir[end - 1] == '/')
		end--;
	size_t b = end;
	while (b > 0 && dir[b - 1] != '/')
		b--;
	*start = b;
	*len = end - b;
}
