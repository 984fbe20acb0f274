/* align_auto.h: `--align auto` for the command line: each rectified group
 * of the automatic plan keeps the widest width of its measured width-
 * latency staircase that is as fast as Reconvene's count (width_free), so
 * the plan never stops on a slow step and gets those channels for free.
 *
 * The staircases come from the explorer's result cache, or are measured
 * there and then with bench --widths' protocol (worker/width_cache.h),
 * with a progress line per group on stderr; the cache key holds the
 * OpenBLAS thread count the process runs with, so `reconvene bench
 * --widths` at the same --threads and the explorer share them.
 *
 * Owns: the cache it opens (cli_align_auto_done).  Thread rules: the
 * command's thread.
 *
 *   struct cli_align_auto aa;
 *   cli_align_auto_init(&aa, &spec, false);
 *   o.align_width = cli_align_auto_width; o.align_user = &aa;
 *   reconvene_run(...);
 *   cli_align_auto_done(&aa);
 */
#ifndef RECONVENE_CLI_ALIGN_AUTO_H
#define RECONVENE_CLI_ALIGN_AUTO_H

#include <stdbool.h>

#include "base/status.h"
#include "nn/net.h"
#include "nn/net_spec.h"
#include "prune/groups.h"
#include "worker/cache.h"

struct cli_align_auto {
	const struct net_spec *spec; /* borrowed: the model's (cache key) */
	struct cache *cache;         /* owned, NULL: nothing cached */
	int threads;                 /* OpenBLAS threads (cache key) */
	int measured, cached;        /* staircases so far, by source */
};

/* The explorer's disk cache, or NULL when no_cache or it cannot be opened
 * (a warning on stderr says why). */
struct cache *cli_widths_cache_open(bool no_cache);

void cli_align_auto_init(struct cli_align_auto *aa, const struct net_spec *spec,
			 bool no_cache);
void cli_align_auto_done(struct cli_align_auto *aa);
/* A reconvene_width_fn: width_free of group g's staircase at keep. */
int cli_align_auto_width(void *user, const struct net *net, const struct group_set *gs,
			 int g, int keep, struct eng_err *err);

#endif
