/* width_cache.c: staircases in the result cache (width_cache.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/blas_info.h"
#include "base/hash.h"
#include "nn/conv3x3.h"
#include "worker/width_cache.h"

#define WIDTH_CACHE_POINT (4 + 8 + 3 * 8)

void width_cache_key(const struct net_spec *spec, const char *group, const int *widths,
		     int n_widths, int threads, char *buf, size_t len)
{
	uint64_t h = hash_fnv1a_init();
	for (int k = 0; k < n_widths; k++)
		h = hash_fnv1a_u32(h, (uint32_t)widths[k]);
	snprintf(buf, len, "widths v=1 spec=%016" PRIx64 " group=%s widths=%016" PRIx64
		 " threads=%d blas=%s conv3x3=%s", cache_spec_hash(spec), group, h, threads,
		 blas_core_name(), conv3x3_isa_name(conv3x3_best_isa()));
}

bool width_cache_get(struct cache *c, const char *key, int g, struct width_staircase *out)
{
	memset(out, 0, sizeof *out);
	void *data;
	size_t len;
	if (!cache_get(c, key, &data, &len))
		return false;
	const unsigned char *p = data;
	int32_t head[3];
	bool ok = len >= sizeof head;
	if (ok) {
		memcpy(head, p, sizeof head);
		ok = head[0] > 0 && head[1] > 0 && head[2] > 0 &&
		     len == sizeof head + (size_t)head[2] * WIDTH_CACHE_POINT;
	}
	struct width_staircase s = { .group = g };
	if (ok) {
		s.channels = head[0];
		s.n_layers = head[1];
		s.n = head[2];
		s.pts = calloc((size_t)s.n, sizeof *s.pts);
		ok = s.pts != NULL;
	}
	for (int k = 0; ok && k < s.n; k++) {
		const unsigned char *q = p + sizeof head + (size_t)k * WIDTH_CACHE_POINT;
		int32_t w;
		memcpy(&w, q, 4);
		memcpy(&s.pts[k].macs, q + 4, 8);
		memcpy(&s.pts[k].ms, q + 12, 8);
		memcpy(&s.pts[k].p10_ms, q + 20, 8);
		memcpy(&s.pts[k].p90_ms, q + 28, 8);
		s.pts[k].width = w;
		ok = w >= 1 && w <= s.channels && (k == 0 || w > s.pts[k - 1].width) &&
		     s.pts[k].ms >= 0.0;
	}
	free(data);
	if (!ok) {
		width_staircase_done(&s);
		return false;
	}
	width_staircase_flag(&s);
	*out = s;
	return true;
}

void width_cache_put(struct cache *c, const char *key, const struct width_staircase *s)
{
	size_t len = 3 * sizeof(int32_t) + (size_t)s->n * WIDTH_CACHE_POINT;
	unsigned char *p = malloc(len);
	if (!p)
		return; /* the cache is an optimisation */
	int32_t head[3] = { s->channels, s->n_layers, s->n };
	memcpy(p, head, sizeof head);
	for (int k = 0; k < s->n; k++) {
		unsigned char *q = p + sizeof head + (size_t)k * WIDTH_CACHE_POINT;
		int32_t w = s->pts[k].width;
		memcpy(q, &w, 4);
		memcpy(q + 4, &s->pts[k].macs, 8);
		memcpy(q + 12, &s->pts[k].ms, 8);
		memcpy(q + 20, &s->pts[k].p10_ms, 8);
		memcpy(q + 28, &s->pts[k].p90_ms, 8);
	}
	cache_put(c, key, p, len);
	free(p);
}

void width_cache_protocol(struct latency_options *lo)
{
	latency_options_init(lo);
	lo->warmup = 3;
	lo->min_runs = 7;
	lo->min_ms = 15.0;
	lo->max_ms = 500.0;
}

enum eng_status width_cache_staircase(struct cache *c, const struct net_spec *spec,
				      const struct net *net, const struct group_set *gs, int g,
				      int threads, const struct cancel *abort,
				      void (*progress)(int done, int total, void *user),
				      void *progress_user, struct width_staircase *out,
				      bool *cached, struct eng_err *err)
{
	memset(out, 0, sizeof *out);
	*cached = false;
	if (g < 0 || g >= gs->n_groups)
		return eng_err_set(err, ENG_STATUS_EINVAL, "widths: no group %d", g);
	const struct group *gr = &gs->groups[g];
	int cap = gr->channels + 1;
	int *widths = malloc((size_t)cap * sizeof *widths);
	if (!widths)
		return eng_err_set(err, ENG_STATUS_ENOMEM, "out of memory");
	int n = width_ladder(gr->channels, widths, cap);
	char key[512];
	width_cache_key(spec, gr->name, widths, n, threads, key, sizeof key);
	enum eng_status st = ENG_STATUS_OK;
	if (c && width_cache_get(c, key, g, out)) {
		*cached = true;
	} else {
		struct latency_options lo;
		width_cache_protocol(&lo);
		lo.abort = abort;
		st = width_staircase_measure(net, gs, g, widths, n, &lo, progress, progress_user,
					     out, err);
		if (st == ENG_STATUS_OK && c)
			width_cache_put(c, key, out);
	}
	free(widths);
	return st;
}
