/* width_cache.h: width-latency staircases (prune/width_staircase.h) in the
 * result cache (cache.h), under one key for every front end.
 *
 * Key: "widths v=1 spec=<cache_spec_hash> group=<name> widths=<hash of the
 * width list> threads=<N> blas=<kernels>": the same net, group, widths,
 * thread count and BLAS kernels give the same measurement's figures.
 * Payload (native byte order): i32 channels, i32 n_layers, i32 n, then n
 * times { i32 width, u64 macs, f64 ms, p10, p90 }.  A payload that does
 * not decode (wrong length, widths not ascending) is a miss.
 *
 * Owns: the points of a staircase it returns (width_staircase_done).
 * Thread rules: those of the cache (one thread at a time).
 */
#ifndef RECONVENE_WIDTH_CACHE_H
#define RECONVENE_WIDTH_CACHE_H

#include <stdbool.h>

#include "base/cancel.h"
#include "measure/latency.h"
#include "nn/net_spec.h"
#include "prune/width_staircase.h"
#include "worker/cache.h"

/* The key into buf (len >= 256 is plenty). */
void width_cache_key(const struct net_spec *spec, const char *group, const int *widths,
		     int n_widths, int threads, char *buf, size_t len);
/* A hit decodes into *out (group set to g) and returns true. */
bool width_cache_get(struct cache *c, const char *key, int g, struct width_staircase *out);
void width_cache_put(struct cache *c, const char *key, const struct width_staircase *s);

/* The one timing protocol of every staircase (the cache key does not hold
 * it, so every front end must time the same way): 3 warm-up forwards, then
 * at least 7 runs and 15 ms per layer and width, at most 500 ms. */
void width_cache_protocol(struct latency_options *lo);

/* Group g's staircase over width_ladder's widths: from the cache c (may be
 * NULL: always measured) when it holds one for this net, group, thread
 * count and BLAS, else measured with width_cache_protocol (abort may be
 * NULL; progress as width_staircase_measure's) and stored.  *cached says
 * which.  Errors as width_staircase_measure's; *out zeroed on error. */
enum eng_status width_cache_staircase(struct cache *c, const struct net_spec *spec,
				      const struct net *net, const struct group_set *gs, int g,
				      int threads, const struct cancel *abort,
				      void (*progress)(int done, int total, void *user),
				      void *progress_user, struct width_staircase *out,
				      bool *cached, struct eng_err *err);

#endif
