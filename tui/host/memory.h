/* memory.h: how much memory this process may use: the machine's (capped
 * by the cgroup's limit, as in a container) and the budget the commands
 * hold a model to before they build its workspace (model_load asks
 * host_memory_budget; the engine only estimates, net_memory_estimate).
 *
 * The budget: --max-memory SIZE (any command; main.c takes it off the
 * command line and calls host_memory_budget_set), else
 * HOST_MEMORY_DEFAULT_PERCENT of the machine's memory.  Over it, a model
 * is refused with one line naming both figures, instead of an OOM kill
 * half-way through.
 *
 * Owns: the budget, process-wide (set once in main, before any thread).
 * Thread rules: main thread.
 *
 *   size_t b;
 *   if (host_memory_parse("8G", host_memory_total(), &b) == 0)
 *           host_memory_budget_set(b);
 *   if (need > host_memory_budget()) ... refuse ...;
 */
#ifndef RECONVENE_MEMORY_H
#define RECONVENE_MEMORY_H

#include <stddef.h>

#define HOST_MEMORY_DEFAULT_PERCENT 75

/* Physical memory, capped by the cgroup v2 memory.max (or v1
 * memory.limit_in_bytes) when lower; 0 when unknown. */
size_t host_memory_total(void);
/* "8G", "1.5G", "512M", "64K", "1000000" (bytes) or "50%" (of total);
 * powers of 1024.  0 or -1 (not a size, zero, or too large). */
int host_memory_parse(const char *text, size_t total, size_t *bytes);
/* The budget in bytes (0: unknown, no limit). */
size_t host_memory_budget(void);
void host_memory_budget_set(size_t bytes);
/* Where the budget came from: "--max-memory" or "75% of 15.5 GB". */
void host_memory_budget_source(char *buf, size_t len);
/* 12345678 -> "11.8 MB" (powers of 1024, one decimal). */
void host_memory_format(size_t bytes, char *buf, size_t len);

#endif
