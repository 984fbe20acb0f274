/* fuzz_net.h: the small net that the targets for net-bound files (weights
 * in safetensors, plan files) read into: tests/fixtures/tiny_ref.cfg (so
 * tiny_ref.safetensors is a valid seed) plus a residual block and a
 * 1-channel group that cannot be pruned below the collapse guard, so plan
 * files meet prunable, residual and fixed groups.
 *
 * Owns: the net and its groups, built once and kept for the process
 * (libFuzzer never returns); fuzz_net_text is its cfg.
 * Thread rules: one thread (libFuzzer's).
 */
#ifndef RECONVENE_FUZZ_NET_H
#define RECONVENE_FUZZ_NET_H

#include "nn/net.h"
#include "prune/groups.h"

extern const char fuzz_net_text[];

/* The net (built on first call; aborts if the embedded cfg is broken). */
struct net *fuzz_net(void);
/* Its channel dependency groups. */
const struct group_set *fuzz_net_groups(void);

#endif
