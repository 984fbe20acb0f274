/* fuzz_cache: libFuzzer target for the result cache's files
 * (worker/cache.c).
 *
 * The input is a cache file; it is put where a fresh cache looks for the
 * key "latency v=plan model=fuzz" and read with cache_get.  The layout of
 * cache.h read independently here (magic, version, lengths, FNV-1a of key
 * and payload, the key itself) decides whether it must be a hit; a hit
 * returns exactly the payload, and cache_put of that payload (on a fresh
 * cache) writes back the same bytes, which a third cache reads as a hit.
 * A miss on a file gives one warning line naming it and counts as
 * rejected.  Anything else aborts.
 *
 *   ./fuzz/fuzz_cache -max_total_time=600 fuzz/corpus/cache tests/fuzz/corpus/cache
 */
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_util.h"
#include "worker/cache.h"

#define FUZZ_KEY "latency v=plan model=fuzz"

struct fuzz_warns {
	int n;
	char path[PATH_MAX];
};

static void fuzz_cache_warn(void *user, const char *line)
{
	struct fuzz_warns *w = user;
	w->n++;
	fuzz_check(!strchr(line, '\n') && strstr(line, w->path) != NULL,
		   "warning not one line naming the file");
}

/* FNV-1a 64, written from its definition (not base/hash.c). */
static uint64_t fuzz_fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* The payload's offset and length when the file is a valid entry for
 * FUZZ_KEY (native byte order, as cache.h says). */
static bool fuzz_cache_expect(const uint8_t *b, size_t n, size_t *off, size_t *len)
{
	uint32_t ver, klen;
	uint64_t plen, sum;
	if (n < 32 || memcmp(b, "RCVCACHE", 8) != 0)
		return false;
	memcpy(&ver, b + 8, 4);
	memcpy(&klen, b + 12, 4);
	memcpy(&plen, b + 16, 8);
	memcpy(&sum, b + 24, 8);
	if (ver != 1 || klen != strlen(FUZZ_KEY) || plen != n - 32 - klen || n < 32 + klen ||
	    memcmp(b + 32, FUZZ_KEY, klen) != 0 ||
	    fuzz_fnv(0xcbf29ce484222325ull, b + 32, n - 32) != sum)
		return false;
	*off = 32 + klen;
	*len = (size_t)plen;
	return true;
}

static struct cache *fuzz_cache_new(struct fuzz_warns *w)
{
	struct cache *c;
	struct eng_err err;
	struct eng_warn warn = { fuzz_cache_warn, w };
	fuzz_check(cache_new(fuzz_scratch_dir(), true, &warn, 0, &c, &err) == ENG_STATUS_OK,
		   "cache_new");
	fuzz_check(cache_entry_path(c, FUZZ_KEY, w->path, sizeof w->path), "entry path");
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_warns w = { 0, "" };
	struct cache *c = fuzz_cache_new(&w);
	FILE *f = fopen(w.path, "wb");
	fuzz_check(f && (size == 0 || fwrite(data, 1, size, f) == size) && fclose(f) == 0,
		   "cannot write the entry");
	size_t off = 0, plen = 0;
	bool want = fuzz_cache_expect(data, size, &off, &plen);
	void *p;
	size_t n;
	bool hit = cache_get(c, FUZZ_KEY, &p, &n);
	struct cache_stats s;
	cache_stats_get(c, &s);
	cache_free(c);
	if (!hit) {
		fuzz_check(!want, "a valid entry was a miss");
		fuzz_check(p == NULL && n == 0, "a miss returned data");
		fuzz_check(w.n == 1 && s.rejected == 1 && s.misses == 1,
			   "a rejected file without exactly one warning");
		return 0;
	}
	fuzz_check(want, "an invalid entry was a hit");
	fuzz_check(w.n == 0 && s.disk_hits == 1, "a hit with warnings");
	fuzz_check(p != NULL && n == plen && (n == 0 || memcmp(p, data + off, n) == 0),
		   "a hit returned other bytes than the payload");

	/* Written back by a fresh cache: the same file. */
	fuzz_scratch_clear();
	c = fuzz_cache_new(&w);
	cache_put(c, FUZZ_KEY, p, n);
	cache_free(c);
	size_t wn;
	void *written = fuzz_scratch_read(w.path, &wn);
	fuzz_check(wn == size && memcmp(written, data, size) == 0,
		   "cache_put wrote other bytes than the entry read");
	free(written);
	c = fuzz_cache_new(&w);
	void *q;
	size_t qn;
	fuzz_check(cache_get(c, FUZZ_KEY, &q, &qn) && qn == n && (n == 0 || memcmp(p, q, n) == 0),
		   "the written entry does not read back");
	free(q);
	cache_free(c);
	free(p);
	return 0;
}
