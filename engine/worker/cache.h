/* cache.h: the worker's result cache: opaque byte payloads under text
 * keys, in memory (bounded, least recently used out first) and on disk.
 *
 * Keys are text that names everything a result depends on, e.g.
 *   "latency v=plan model=vgg16 in=3x32x32 classes=10 spec=... seed=1
 *    method=synflow sparsity=0.9 plan=... threads=2"
 * (the worker builds them; cache_spec_hash gives the spec part).  The key
 * text is stored inside each entry and compared on read, so a hash
 * collision or a file from another key is a miss, never a wrong hit.
 *
 * Disk: one file per key, DIR/<16 hex digits of FNV-1a(key)>.rcc (FNV-1a
 * 64 as base/hash.h computes it), where DIR is the directory given to
 * cache_new (created, mode 0755, on first write; the front end picks it:
 * $XDG_CACHE_HOME/reconvene or ~/.cache/reconvene, tui/paths/xdg_dir.h).
 * Written atomically (fileio_write_atomic).  Layout, native byte order:
 *   8 bytes   magic "RCVCACHE"
 *   u32       format version (CACHE_FORMAT_VERSION)
 *   u32       key length K
 *   u64       payload length P
 *   u64       FNV-1a 64 of the key bytes then the payload bytes
 *   K bytes   key, P bytes payload
 * Anything else (wrong magic, other version, truncated, trailing bytes,
 * other key, bad checksum) is ignored with one warning through the
 * struct eng_warn given to cache_new (warn.h; "cache: PATH: wrong format
 * version 7; ignored") and counts as
 * a miss; the next put for that key replaces the file.  Disk errors on
 * write are warnings too: the cache is an optimisation, never an error.
 *
 * Owns: struct cache owns its memory entries and its directory string.
 * cache_get returns a malloc'd copy the caller frees.
 *
 * Thread rules: one thread at a time per struct cache (the worker thread).
 * The warning callback runs on that thread.
 *
 *   struct cache *c;
 *   struct eng_warn warn = { on_warning, user };
 *   cache_new("/home/me/.cache/reconvene", true, &warn, 64 << 20, &c, &err);
 *   void *p; size_t n;
 *   if (!cache_get(c, key, &p, &n)) { ...compute...; cache_put(c, key, buf, len); }
 *   else { ...use p...; free(p); }
 *   cache_free(c);
 */
#ifndef RECONVENE_CACHE_H
#define RECONVENE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn/net_spec.h"
#include "base/status.h"
#include "base/warn.h"

#define CACHE_FORMAT_VERSION 1u
#define CACHE_MAGIC "RCVCACHE"

struct cache;

struct cache_stats {
	unsigned long mem_hits, disk_hits, misses, rejected, puts, write_errors;
};

/* dir: the disk cache's directory (copied); disk false = memory only (dir
 * is then ignored); disk with a NULL dir is memory only too, with a
 * warning.  mem_cap: bytes of payload kept in memory (0 = 64 MiB).  warn
 * (copied; NULL drops warnings) receives the cache's warnings.  ENOMEM
 * only; no file is touched here. */
enum eng_status cache_new(const char *dir, bool disk, const struct eng_warn *warn,
			  size_t mem_cap, struct cache **out, struct eng_err *err);
void cache_free(struct cache *c);

/* The directory in use, NULL when the disk cache is off. */
const char *cache_dir(const struct cache *c);
/* Path of key's file into buf (false if the disk cache is off or buf is
 * too small); for tests and diagnostics. */
bool cache_entry_path(const struct cache *c, const char *key, char *buf, size_t n);

/* Hit: *data (malloc'd, caller frees; never NULL, even for P = 0) and
 * *len, true.  Memory first, then disk (a disk hit is kept in memory). */
bool cache_get(struct cache *c, const char *key, void **data, size_t *len);
/* Store a copy in memory and (if on) on disk. */
void cache_put(struct cache *c, const char *key, const void *data, size_t len);
/* Forget the memory entries (the disk stays). */
void cache_forget_memory(struct cache *c);
void cache_stats_get(const struct cache *c, struct cache_stats *out);

/* Hash of everything in a spec that shapes a net and its init: name,
 * input, classes, and per layer kind, name, inputs and every conf field
 * (not cfg line numbers nor warnings). */
uint64_t cache_spec_hash(const struct net_spec *spec);

#endif
