/* synflow_collect.h: the scan of SynFlow's selection (synflow_collect.c):
 * its radix keys and digits, and where a step's pruned weights and
 * boundary candidates go.  Private to engine/score (synflow.c and the
 * tests).
 *
 * Owns: nothing; struct score_collected's arrays are the caller's.
 */
#ifndef RECONVENE_SYNFLOW_COLLECT_H
#define RECONVENE_SYNFLOW_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* SynFlow's selection (synflow.c) is a radix select over score keys.  Its
 * top digit is the key's sign, exponent and five mantissa bits (so the
 * boundary bin holds ~1 % of the list); the scores of live entries are
 * >= 0 and have top digits >= SCORE_HALF_BINS. */
#define SCORE_TOP_BITS 14
#define SCORE_TOP_BINS (1u << SCORE_TOP_BITS)
#define SCORE_LOW_BITS (32 - SCORE_TOP_BITS)
#define SCORE_HALF_BINS (SCORE_TOP_BINS / 2) /* the top digits of scores >= 0 */

/* SynFlow's selection key: topk.h's key for a score known to be >= 0 and
 * not NaN (|w g|), i.e. the float's bits with the sign bit set, without
 * the branches.  It flips the sign bit rather than setting it, so that a
 * negative value (the -0 of a dead entry, synflow.c's struct
 * score_alive) keys below every score. */
static inline uint32_t score_key(float s)
{
	uint32_t u;
	memcpy(&u, &s, sizeof u);
	return u ^ 0x80000000u;
}

/* The score whose key is k (score_key's inverse). */
static inline float score_key_value(uint32_t k)
{
	const uint32_t u = k ^ 0x80000000u;
	float s;
	memcpy(&s, &u, sizeof s);
	return s;
}

/* A candidate of the boundary bin: its key and its entry of the list. */
struct score_cand {
	uint32_t key;
	uint32_t pos;
};

/* Where score_collect appends: entries to prune and boundary candidates,
 * each array with room for SCORE_COLLECT_SLACK entries past everything a
 * scan can append (the scans store whole vectors). */
struct score_collected {
	uint32_t *pruned;
	size_t m;
	struct score_cand *cand;
	size_t nc;
};
#define SCORE_COLLECT_SLACK 16

/* Entries [a, e) of a score list s (one layer's, factor f): append the
 * live ones whose top digit (of score_key(s[j] * f)) is below b to
 * out->pruned and those in bin b to out->cand, both in index order.
 * vector: the AVX-512 scan (score_collect_vector_available() must be
 * true), else the portable one; both append exactly the same. */
void score_collect(const float *s, size_t a, size_t e, float f, uint32_t b,
		   struct score_collected *out, bool vector);
bool score_collect_vector_available(void);

/* Where score_scan_below appends: each entry's position in the list and
 * its score, in list order; n entries so far, room for cap. */
struct score_below {
	uint32_t *pos;
	float *s;
	size_t n, cap;
	bool full;              /* an append did not fit: the list is incomplete */
};

/* A score v (w |g| of a listed entry) is live and below bound >= 0 when
 * score_below_bound(v, score_below_limit(bound)): one unsigned compare of
 * keys (those of [0, bound) are [key0, key(bound)); a dead entry's -0
 * keys below key0, so k - key0 wraps to above every limit). */
static inline uint32_t score_below_limit(float bound)
{
	return score_key(bound) - score_key(0.0f);
}
static inline bool score_below_bound(float v, uint32_t limit)
{
	return score_key(v) - score_key(0.0f) < limit;
}

/* Entries [a, e) of a layer's list (its param indices idx and |w| in w,
 * dead entries w = -0) and the layer's weight gradient g (param off is
 * g[0]): score each, s = w |g| (the product synflow.c's full pass
 * stores), and append the live ones with s < bound to out.  g must be
 * readable for SCORE_SCAN_SLACK floats past the layer's (the values
 * there are never used).  The scan appends in steps of up to
 * SCORE_COLLECT_SLACK entries and sets out->full, appending nothing more
 * (then or in a later call), when a step might not fit in cap.
 * vector: the AVX-512 scan (score_collect_vector_available()), else the
 * portable one; both append exactly the same. */
#define SCORE_SCAN_SLACK 64 /* floats of g past the layer's that the scan may read */
void score_scan_below(const uint32_t *idx, const float *w, const float *g, size_t off,
		      size_t a, size_t e, float bound, struct score_below *out, bool vector);

#endif
