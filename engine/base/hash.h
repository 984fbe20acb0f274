/* hash.h: FNV-1a 64, the program's one non-cryptographic hash.
 *
 * Every persisted or compared hash goes through these functions: the
 * result cache's file names, checksums and spec hashes (worker/cache.c),
 * plan hashes (prune/plan.c), the dataset hash in report.json
 * (output/report.c), per-name seeds (base/rng.c rng_derive_seed) and the
 * cfg parser's name index (io/cfg.c).  The algorithm is fixed: changing it
 * changes cache keys, seeds and therefore every user's weights.
 *
 *   offset basis 0xcbf29ce484222325, prime 0x100000001b3;
 *   per byte: h ^= byte; h *= prime.
 *
 * A hash is built by starting from hash_fnv1a_init() and continuing it:
 *   uint64_t h = hash_fnv1a_init();
 *   h = hash_fnv1a_str(h, name);
 *   h = hash_fnv1a_u32(h, (uint32_t)n);   // little-endian bytes
 *   h = hash_fnv1a_bytes(h, buf, len);    // the bytes as they are in memory
 *
 * Owns nothing; pure functions, any thread.
 */
#ifndef RECONVENE_HASH_H
#define RECONVENE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV1A_OFFSET UINT64_C(0xcbf29ce484222325)
#define HASH_FNV1A_PRIME UINT64_C(0x100000001b3)

/* The offset basis: the hash of nothing. */
uint64_t hash_fnv1a_init(void);
/* Continue h over n bytes at p (their order in memory). */
uint64_t hash_fnv1a_bytes(uint64_t h, const void *p, size_t n);
/* Continue h over the bytes of s up to its terminating NUL (not included). */
uint64_t hash_fnv1a_str(uint64_t h, const char *s);
/* Continue h over v's four bytes, least significant first, so the hash
 * does not depend on the host's byte order. */
uint64_t hash_fnv1a_u32(uint64_t h, uint32_t v);

#endif
