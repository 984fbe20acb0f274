#include "config.h"

#include "host/memory.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Set by main from --max-memory; 0 = the default. */
static size_t host_budget_explicit;

/* A cgroup limit file's number ("max" and unreadable files: none). */
static size_t host_cgroup_limit(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char buf[64] = "";
	size_t v = 0;
	if (fgets(buf, sizeof buf, f)) {
		char *end;
		errno = 0;
		unsigned long long u = strtoull(buf, &end, 10);
		if (end != buf && !errno && u > 0 && u < (unsigned long long)SIZE_MAX)
			v = (size_t)u;
	}
	fclose(f);
	return v;
}

size_t host_memory_total(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	size_t total = pages > 0 && page > 0 ? (size_t)pages * (size_t)page : 0;
	static const char *const limits[] = {
		"/sys/fs/cgroup/memory.max",
		"/sys/fs/cgroup/memory/memory.limit_in_bytes",
	};
	for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		size_t c = host_cgroup_limit(limits[i]);
		if (c > 0 && (total == 0 || c < total))
			total = c;
	}
	return total;
}

int host_memory_parse(const char *text, size_t total, size_t *bytes)
{
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (end == text || errno || !(v > 0))
		return -1;
	double mul = 1;
	if (*end == '%') {
		if (total == 0 || v > 100)
			return -1;
		mul = (double)total / 100.0;
		end++;
	} else if (*end) {
		const char *units = "KMGT";
		const char *u = strchr(units, *end >= 'a' ? *end - 32 : *end);
		if (!u)
			return -1;
		for (const char *k = units; k <= u; k++)
			mul *= 1024.0;
		end++;
		if (*end == 'B' || *end == 'b')
			end++;
	}
	double b = v * mul;
	if (*end || b < 1 || b >= (double)SIZE_MAX)
		return -1;
	*bytes = (size_t)b;
	return 0;
}

size_t host_memory_budget(void)
{
	if (host_budget_explicit)
		return host_budget_explicit;
	return host_memory_total() / 100 * HOST_MEMORY_DEFAULT_PERCENT;
}

void host_memory_budget_set(size_t bytes)
{
	host_budget_explicit = bytes;
}

void host_memory_budget_source(char *buf, size_t len)
{
	if (host_budget_explicit) {
		snprintf(buf, len, "--max-memory");
		return;
	}
	char t[32];
	host_memory_format(host_memory_total(), t, sizeof t);
	snprintf(buf, len, "%d%% of this machine's %s; --max-memory SIZE changes it",
		 HOST_MEMORY_DEFAULT_PERCENT, t);
}

void host_memory_format(size_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	double v = (double)bytes;
	int u = 0;
	while (v >= 1024.0 && u < 6) {
		v /= 1024.0;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}
