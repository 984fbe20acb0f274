/* cache.c: memory + disk result cache (see cache.h).
 *
 * Memory entries form a doubly linked list, most recently used at the head;
 * the total payload stays within mem_cap by dropping from the tail.  The
 * list is short (tens of entries), so lookup is a linear scan.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "worker/cache.h"
#include "base/fileio.h"
#include "base/hash.h"

#define CACHE_MEM_CAP_DEFAULT ((size_t)64 << 20)
#define CACHE_HEADER_LEN 32u
/* No real payload comes near this; a bigger length field is corruption. */
#define CACHE_PAYLOAD_MAX ((uint64_t)1 << 32)
#define CACHE_KEY_MAX 4096u

struct cache_entry {
	struct cache_entry *prev, *next;
	char *key;
	void *data;
	size_t len;
};

struct cache {
	char *dir;               /* NULL: memory only */
	bool dir_ready;          /* mkdir done (or found) */
	bool dir_failed;         /* warned once; stop trying to write */
	struct eng_warn warn;    /* copied from cache_new */
	size_t mem_cap, mem_used;
	struct cache_entry *head, *tail;
	struct cache_stats stats;
};

/* Spec fields are hashed as their bytes in memory (native byte order),
 * like the rest of a cache file. */
static uint64_t cache_fnv_u64(uint64_t h, uint64_t v)
{
	return hash_fnv1a_bytes(h, &v, sizeof v);
}

static uint64_t cache_fnv_f64(uint64_t h, double v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof u);
	return cache_fnv_u64(h, u);
}

uint64_t cache_spec_hash(const struct net_spec *spec)
{
	uint64_t h = hash_fnv1a_init();
	h = hash_fnv1a_bytes(h, spec->name, strnlen(spec->name, sizeof spec->name));
	h = cache_fnv_u64(h, (uint64_t)spec->input.c);
	h = cache_fnv_u64(h, (uint64_t)spec->input.h);
	h = cache_fnv_u64(h, (uint64_t)spec->input.w);
	h = cache_fnv_u64(h, (uint64_t)spec->classes);
	h = cache_fnv_u64(h, (uint64_t)spec->n_layers);
	for (int i = 0; i < spec->n_layers; i++) {
		const struct layer_spec *l = &spec->layers[i];
		const struct layer_conf *c = &l->conf;
		h = cache_fnv_u64(h, (uint64_t)l->kind);
		h = hash_fnv1a_bytes(h, l->name, strnlen(l->name, sizeof l->name));
		h = cache_fnv_u64(h, (uint64_t)l->n_in);
		for (int k = 0; k < l->n_in && k < LAYER_MAX_INPUTS; k++)
			h = cache_fnv_u64(h, (uint64_t)(int64_t)l->in_idx[k]);
		h = cache_fnv_u64(h, (uint64_t)(int64_t)c->out);
		h = cache_fnv_u64(h, (uint64_t)c->size);
		h = cache_fnv_u64(h, (uint64_t)c->stride);
		/* One number for the usual symmetric pad, so that keys written
		 * before pads had four sides still match. */
		h = cache_fnv_u64(h, (uint64_t)c->pad.top);
		if (!layer_pad_uniform(c->pad)) {
			h = cache_fnv_u64(h, (uint64_t)c->pad.left);
			h = cache_fnv_u64(h, (uint64_t)c->pad.bottom);
			h = cache_fnv_u64(h, (uint64_t)c->pad.right);
		}
		h = cache_fnv_u64(h, (uint64_t)c->groups);
		h = cache_fnv_u64(h, (uint64_t)c->bias);
		h = cache_fnv_f64(h, c->eps);
		h = cache_fnv_f64(h, c->momentum);
		h = cache_fnv_f64(h, c->clip);
	}
	return h;
}

enum eng_status cache_new(const char *dir, bool disk, const struct eng_warn *warn,
			  size_t mem_cap, struct cache **out, struct eng_err *err)
{
	*out = NULL;
	struct cache *c = calloc(1, sizeof *c);
	if (!c)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "cache: out of memory");
	if (warn)
		c->warn = *warn;
	c->mem_cap = mem_cap ? mem_cap : CACHE_MEM_CAP_DEFAULT;
	if (disk && dir) {
		c->dir = strdup(dir);
		if (!c->dir) {
			free(c);
			return eng_err_set(err, ENG_STATUS_ENOMEM, "cache: out of memory");
		}
	} else if (disk) {
		eng_warn_emit(&c->warn, "cache: no cache directory given; results are "
			      "not saved on disk");
	}
	*out = c;
	return ENG_STATUS_OK;
}

static void cache_entry_free(struct cache_entry *e)
{
	free(e->key);
	free(e->data);
	free(e);
}

static void cache_unlink_entry(struct cache *c, struct cache_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
	c->mem_used -= e->len;
}

static void cache_push_front(struct cache *c, struct cache_entry *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (!c->tail)
		c->tail = e;
	c->mem_used += e->len;
}

void cache_forget_memory(struct cache *c)
{
	while (c->head) {
		struct cache_entry *e = c->head;
		cache_unlink_entry(c, e);
		cache_entry_free(e);
	}
}

void cache_free(struct cache *c)
{
	if (!c)
		return;
	cache_forget_memory(c);
	free(c->dir);
	free(c);
}

const char *cache_dir(const struct cache *c)
{
	return c->dir;
}

void cache_stats_get(const struct cache *c, struct cache_stats *out)
{
	*out = c->stats;
}

bool cache_entry_path(const struct cache *c, const char *key, char *buf, size_t n)
{
	if (!c->dir)
		return false;
	uint64_t h = hash_fnv1a_str(hash_fnv1a_init(), key);
	int len = snprintf(buf, n, "%s/%016llx.rcc", c->dir, (unsigned long long)h);
	return len > 0 && (size_t)len < n;
}

static struct cache_entry *cache_mem_find(struct cache *c, const char *key)
{
	for (struct cache_entry *e = c->head; e; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* Insert a copy (replacing an entry with the same key), then trim. */
static void cache_mem_put(struct cache *c, const char *key, const void *data, size_t len)
{
	struct cache_entry *old = cache_mem_find(c, key);
	if (old) {
		cache_unlink_entry(c, old);
		cache_entry_free(old);
	}
	if (len > c->mem_cap)
		return;
	struct cache_entry *e = calloc(1, sizeof *e);
	if (!e)
		return;
	e->key = strdup(key);
	e->data = malloc(len ? len : 1);
	if (!e->key || !e->data) {
		cache_entry_free(e);
		return;
	}
	if (len)
		memcpy(e->data, data, len);
	e->len = len;
	cache_push_front(c, e);
	while (c->mem_used > c->mem_cap && c->tail && c->tail != e) {
		struct cache_entry *t = c->tail;
		cache_unlink_entry(c, t);
		cache_entry_free(t);
	}
}

static bool cache_read_file(const char *path, unsigned char **buf, size_t *len)
{
	char *b;
	if (fileio_read_all(path, SIZE_MAX, "a cache entry", &b, len, NULL) != ENG_STATUS_OK)
		return false;
	*buf = (unsigned char *)b;
	return true;
}

/* Parse a file image; on success point *payload into buf and return
 * NULL, else say why (in why, or a constant). */
static const char *cache_parse(const unsigned char *buf, size_t n, const char *key,
			       const unsigned char **payload, size_t *plen,
			       char *why, size_t why_len)
{
	if (n < CACHE_HEADER_LEN)
		return "truncated header";
	if (memcmp(buf, CACHE_MAGIC, 8) != 0)
		return "not a reconvene cache file";
	uint32_t ver, klen;
	uint64_t len, sum;
	memcpy(&ver, buf + 8, 4);
	memcpy(&klen, buf + 12, 4);
	memcpy(&len, buf + 16, 8);
	memcpy(&sum, buf + 24, 8);
	if (ver != CACHE_FORMAT_VERSION) {
		snprintf(why, why_len, "format version %u, expected %u",
			 (unsigned)ver, (unsigned)CACHE_FORMAT_VERSION);
		return why;
	}
	if (klen > CACHE_KEY_MAX || len > CACHE_PAYLOAD_MAX)
		return "corrupt header";
	uint64_t want = (uint64_t)CACHE_HEADER_LEN + klen + len;
	if ((uint64_t)n < want)
		return "truncated";
	if ((uint64_t)n > want)
		return "trailing bytes";
	const unsigned char *k = buf + CACHE_HEADER_LEN;
	uint64_t h = hash_fnv1a_bytes(hash_fnv1a_init(), k, klen);
	h = hash_fnv1a_bytes(h, k + klen, (size_t)len);
	if (h != sum)
		return "checksum mismatch";
	if (klen != strlen(key) || memcmp(k, key, klen) != 0)
		return "entry is for another key";
	*payload = k + klen;
	*plen = (size_t)len;
	return NULL;
}

bool cache_get(struct cache *c, const char *key, void **data, size_t *len)
{
	*data = NULL;
	*len = 0;
	struct cache_entry *e = cache_mem_find(c, key);
	if (e) {
		void *p = malloc(e->len ? e->len : 1);
		if (!p)
			return false;
		memcpy(p, e->data, e->len);
		cache_unlink_entry(c, e);
		cache_push_front(c, e);
		c->stats.mem_hits++;
		*data = p;
		*len = e->len;
		return true;
	}
	char path[1200];
	unsigned char *buf;
	size_t n;
	if (!cache_entry_path(c, key, path, sizeof path) ||
	    !cache_read_file(path, &buf, &n)) {
		c->stats.misses++;
		return false;
	}
	const unsigned char *pl = NULL;
	size_t plen = 0;
	char whybuf[96];
	const char *why = cache_parse(buf, n, key, &pl, &plen, whybuf, sizeof whybuf);
	if (why) {
		eng_warn_emit(&c->warn, "cache: %s: %s; ignored", path, why);
		free(buf);
		c->stats.rejected++;
		c->stats.misses++;
		return false;
	}
	void *p = malloc(plen ? plen : 1);
	if (!p) {
		free(buf);
		c->stats.misses++;
		return false;
	}
	memcpy(p, pl, plen);
	free(buf);
	cache_mem_put(c, key, p, plen);
	c->stats.disk_hits++;
	*data = p;
	*len = plen;
	return true;
}

struct cache_image {
	const char *key;
	const void *data;
	size_t len;
};

static enum eng_status cache_write_image(int fd, void *user, const char *path,
					 struct eng_err *err)
{
	const struct cache_image *im = user;
	unsigned char hdr[CACHE_HEADER_LEN];
	uint32_t ver = CACHE_FORMAT_VERSION, klen = (uint32_t)strlen(im->key);
	uint64_t len = im->len;
	uint64_t sum = hash_fnv1a_bytes(hash_fnv1a_bytes(hash_fnv1a_init(), im->key, klen),
					im->data, im->len);
	memcpy(hdr, CACHE_MAGIC, 8);
	memcpy(hdr + 8, &ver, 4);
	memcpy(hdr + 12, &klen, 4);
	memcpy(hdr + 16, &len, 8);
	memcpy(hdr + 24, &sum, 8);
	enum eng_status st = fileio_write_all(fd, hdr, sizeof hdr, path, err);
	if (!st)
		st = fileio_write_all(fd, im->key, klen, path, err);
	if (!st && im->len)
		st = fileio_write_all(fd, im->data, im->len, path, err);
	return st;
}

/* mkdir -p for the cache directory (parents 0755); a failure is one
 * warning, then the cache stays in memory. */
static bool cache_mkdirs(struct cache *c)
{
	if (c->dir_ready)
		return true;
	if (c->dir_failed)
		return false;
	struct eng_err err;
	if (fileio_mkdirs(c->dir, 0755, &err) != ENG_STATUS_OK) {
		eng_warn_emit(&c->warn, "cache: %s; results are not saved on disk", err.msg);
		c->dir_failed = true;
		return false;
	}
	c->dir_ready = true;
	return true;
}

void cache_put(struct cache *c, const char *key, const void *data, size_t len)
{
	c->stats.puts++;
	cache_mem_put(c, key, data, len);
	char path[1200];
	if (strlen(key) > CACHE_KEY_MAX || !cache_entry_path(c, key, path, sizeof path))
		return;
	if (!cache_mkdirs(c))
		return;
	struct cache_image im = { key, data, len };
	struct eng_err err;
	if (fileio_write_atomic(path, cache_write_image, &im, &err) != ENG_STATUS_OK) {
		c->stats.write_errors++;
		eng_warn_emit(&c->warn, "cache: %s", err.msg);
	}
}
