/* bench_widths.h: `reconvene bench MODEL --widths GROUP|all`, the
 * width-latency staircase of one channel group (or of every prunable
 * group) on this host (engine: prune/width_staircase.h). */
#ifndef RECONVENE_BENCH_WIDTHS_H
#define RECONVENE_BENCH_WIDTHS_H

#include <stdbool.h>

/* An exit code; prints the table (or JSON) on stdout, progress and errors
 * on stderr.  threads: the OpenBLAS count in use (for the header and the
 * cache key).  Staircases come from and go to the result cache
 * (worker/width_cache.h, the explorer's cache directory) unless no_cache. */
int cli_bench_widths(const char *model, const char *group, int threads, bool json,
		     bool no_cache);

#endif
