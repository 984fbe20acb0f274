/* fuzz_widths: libFuzzer target for the staircase payloads of the result
 * cache (worker/width_cache.c), which come from files on disk.
 *
 * The input is a payload, put under a key of a memory cache and read with
 * width_cache_get.  The payload layout (width_cache.h) read independently
 * here decides whether it must be a hit: i32 channels, n_layers, n, all
 * positive, then exactly n points of { i32 width, u64 macs, f64 ms, p10,
 * p90 } with widths ascending in 1..channels and ms >= 0.  A hit returns
 * exactly those figures, slow flags as their definition says (a wider
 * width within WIDTH_TOLERANCE), width_free and width_next_faster inside
 * the staircase, and width_cache_put of it reads back the same.  Anything
 * else aborts.
 *
 *   ./fuzz/fuzz_widths -max_total_time=600 fuzz/corpus/widths tests/fuzz/corpus/widths
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_util.h"
#include "prune/width_staircase.h"
#include "worker/cache.h"
#include "worker/width_cache.h"

#define FUZZ_KEY "widths v=1 spec=fuzz"
#define FUZZ_POINT 36

static bool fuzz_widths_expect(const uint8_t *b, size_t n)
{
	int32_t head[3];
	if (n < sizeof head)
		return false;
	memcpy(head, b, sizeof head);
	if (head[0] <= 0 || head[1] <= 0 || head[2] <= 0 ||
	    (size_t)head[2] > (n - sizeof head) / FUZZ_POINT ||
	    n != sizeof head + (size_t)head[2] * FUZZ_POINT)
		return false;
	int32_t last = 0;
	for (int32_t k = 0; k < head[2]; k++) {
		const uint8_t *q = b + sizeof head + (size_t)k * FUZZ_POINT;
		int32_t w;
		double ms;
		memcpy(&w, q, 4);
		memcpy(&ms, q + 12, 8);
		if (w < 1 || w > head[0] || w <= last || !(ms >= 0.0))
			return false;
		last = w;
	}
	return true;
}

static void fuzz_widths_same(const struct width_staircase *a, const struct width_staircase *b)
{
	fuzz_check(a->channels == b->channels && a->n_layers == b->n_layers && a->n == b->n,
		   "round trip changed the head");
	for (int k = 0; k < a->n; k++)
		fuzz_check(memcmp(&a->pts[k], &b->pts[k], sizeof a->pts[k]) == 0,
			   "round trip changed a point");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cache *c = NULL;
	struct eng_err err;
	if (cache_new(NULL, false, NULL, 0, &c, &err) != ENG_STATUS_OK)
		return 0;
	cache_put(c, FUZZ_KEY, data, size);
	bool want = fuzz_widths_expect(data, size);
	struct width_staircase s;
	bool got = width_cache_get(c, FUZZ_KEY, 7, &s);
	fuzz_check(got == want, got ? "accepted a malformed payload" :
		   "refused a well-formed payload");
	if (!got) {
		fuzz_check(s.pts == NULL && s.n == 0, "a miss left points");
		cache_free(c);
		return 0;
	}
	int32_t head[3];
	memcpy(head, data, sizeof head);
	fuzz_check(s.group == 7 && s.channels == head[0] && s.n_layers == head[1] &&
		   s.n == head[2], "head differs from the payload");
	for (int k = 0; k < s.n; k++) {
		const uint8_t *q = data + sizeof head + (size_t)k * FUZZ_POINT;
		int32_t w;
		uint64_t macs;
		double ms, p10, p90;
		memcpy(&w, q, 4);
		memcpy(&macs, q + 4, 8);
		memcpy(&ms, q + 12, 8);
		memcpy(&p10, q + 20, 8);
		memcpy(&p90, q + 28, 8);
		fuzz_check(s.pts[k].width == w && s.pts[k].macs == macs &&
			   memcmp(&s.pts[k].ms, &ms, 8) == 0 && memcmp(&s.pts[k].p10_ms, &p10, 8) == 0 &&
			   memcmp(&s.pts[k].p90_ms, &p90, 8) == 0, "a point differs from the payload");
		/* slow: some wider width is within the tolerance */
		bool slow = false;
		for (int j = k + 1; j < s.n && !slow; j++)
			slow = s.pts[j].ms <= s.pts[k].ms * (1.0 + WIDTH_TOLERANCE);
		fuzz_check(s.pts[k].slow == slow, "slow flag against its definition");
		int fr = width_free(&s, w), fa = width_next_faster(&s, w);
		fuzz_check(fr >= w && fr <= s.channels, "width_free outside the staircase");
		fuzz_check(fa == 0 || (fa >= 1 && fa < w), "width_next_faster not narrower");
	}
	width_cache_put(c, FUZZ_KEY " again", &s);
	struct width_staircase t;
	fuzz_check(width_cache_get(c, FUZZ_KEY " again", 7, &t), "its own payload refused");
	fuzz_widths_same(&s, &t);
	width_staircase_done(&t);
	width_staircase_done(&s);
	cache_free(c);
	return 0;
}
