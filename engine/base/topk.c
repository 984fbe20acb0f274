/* topk.c: radix selection of the k largest (see topk.h).
 *
 * Keys: a value's bits, turned so that unsigned order is value order
 * (negative: all bits flipped; positive: sign bit set), with NaN mapped to
 * 0 (below -inf's key); -0 keeps its own key, just below +0's.  Floats use
 * 32-bit keys when no
 * span holds doubles; otherwise every value is widened to double first
 * (exact), so both widths order alike.
 *
 * Selection keeps `prefix`, the high bits decided so far (`fixed` masks
 * them), and `above`, how many keys have larger high bits.  Each pass
 * histograms the next digit of the keys that share the prefix, walks the
 * bins from the top until `above` plus the bin reaches k, and appends that
 * bin to the prefix.  When the bin holds exactly the keys still wanted,
 * every key with the prefix is kept and the search stops early.  Marking
 * then keeps the keys whose high bits are above the prefix, and the first
 * k - above (lowest index) of the keys that have it.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/topk.h"

static inline uint32_t topk_key32(float v)
{
	if (v != v)
		return 0;
	uint32_t u;
	memcpy(&u, &v, sizeof u);
	return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

static inline uint64_t topk_key64(double v)
{
	if (v != v)
		return 0;
	uint64_t u;
	memcpy(&u, &v, sizeof u);
	return (u >> 63) ? ~u : (u | (UINT64_C(1) << 63));
}

static inline uint64_t topk_key(const struct topk_span *s, size_t i, bool wide)
{
	if (!wide)
		return topk_key32(s->f32[i]);
	return topk_key64(s->f32 ? (double)s->f32[i] : s->f64[i]);
}

void topk_mark_spans(const struct topk_span *spans, size_t n_spans, size_t k)
{
	size_t n = 0;
	bool wide = false;
	for (size_t s = 0; s < n_spans; s++) {
		n += spans[s].n;
		wide |= spans[s].f64 != NULL;
	}
	if (k == 0 || k >= n) {
		for (size_t s = 0; s < n_spans; s++)
			memset(spans[s].kept, k ? 1 : 0, spans[s].n);
		return;
	}
	size_t small[256];
	size_t *big = n >= 65536 ? malloc(65536 * sizeof *big) : NULL;
	size_t *hist = big ? big : small;
	int bits = big ? 16 : 8;
	size_t bins = (size_t)1 << bits;
	uint64_t prefix = 0, fixed = 0;
	size_t above = 0;
	for (int shift = wide ? 64 : 32; shift > 0;) {
		shift -= bits;
		memset(hist, 0, bins * sizeof *hist);
		for (size_t s = 0; s < n_spans; s++) {
			const struct topk_span *sp = &spans[s];
			for (size_t i = 0; i < sp->n; i++) {
				uint64_t key = topk_key(sp, i, wide);
				if ((key & fixed) == prefix)
					hist[(key >> shift) & (bins - 1)]++;
			}
		}
		size_t b = bins - 1;
		for (; b > 0; b--) {
			if (above + hist[b] >= k)
				break;
			above += hist[b];
		}
		prefix |= (uint64_t)b << shift;
		fixed |= (uint64_t)(bins - 1) << shift;
		if (above + hist[b] == k)
			break; /* every key with this prefix is kept */
	}
	free(big);
	size_t ties = k - above;
	for (size_t s = 0; s < n_spans; s++) {
		const struct topk_span *sp = &spans[s];
		for (size_t i = 0; i < sp->n; i++) {
			uint64_t c = topk_key(sp, i, wide) & fixed;
			unsigned char m = c > prefix;
			if (c == prefix && ties > 0) {
				m = 1;
				ties--;
			}
			sp->kept[i] = m;
		}
	}
}

void topk_mark_f32(const float *v, size_t n, size_t k, unsigned char *kept)
{
	struct topk_span s = { .f32 = v, .n = n, .kept = kept };
	topk_mark_spans(&s, 1, k);
}

void topk_mark_f64(const double *v, size_t n, size_t k, unsigned char *kept)
{
	struct topk_span s = { .f64 = v, .n = n, .kept = kept };
	topk_mark_spans(&s, 1, k);
}
