/* topk.h: "keep the k largest", the one ranking rule of the program.
 *
 * The rule.  Values rank by size, larger first; NaN ranks below every
 * number; -0 ranks just below +0 (the order of their bits: GraSP's signed
 * zeros have always been masked so, and masks must not change); equal
 * values rank by index, the LOWER index first.  "The k largest" are the
 * first k in that order.  It decides:
 *   - the global PaI mask (score_mask_global: the highest scores);
 *   - the channels a shrunk group keeps (plan_resolve: the highest
 *     importance);
 *   - the resilient layers with k > 0 (reconvene_select: the k sparsest,
 *     i.e. the k largest negated densities);
 *   - the channels the explorer's heatmap shows as kept (plan_group_kept,
 *     the same answer as plan_resolve).
 * SynFlow's per-iteration selection (score/synflow.c score_synflow_select) applies
 * the same rule inside its fused pass over the surviving weights.
 *
 * Algorithm: radix selection on an order-preserving integer key (32 bits
 * when every value is a float, 64 bits otherwise), 16-bit digits for
 * 65536 values or more, else 8-bit: one histogram pass per digit, often
 * fewer (it stops as soon as the boundary digit's values are all kept),
 * then one marking pass.  O(n), no sort, no copy of the values; the only
 * allocation is a 512 KiB histogram for large inputs (if that fails it
 * falls back to 8-bit digits, so the calls cannot fail).
 *
 * Owns nothing; the caller's buffers.  Pure functions, any thread.
 *
 *   unsigned char kept[64];
 *   topk_mark_f32(scores, 64, 10, kept);     // kept[i] = 1 for the top 10
 */
#ifndef RECONVENE_TOPK_H
#define RECONVENE_TOPK_H

#include <stddef.h>

/* One run of values; indices run on from one span to the next. */
struct topk_span {
	const float *f32;     /* the values: exactly one of f32 and f64 */
	const double *f64;
	size_t n;             /* values in this span */
	unsigned char *kept;  /* out: n flags, 1 = among the k largest */
};

/* kept = 1 for the k largest values over all spans (in span order), 0 for
 * the rest; k >= the total keeps all, k = 0 none. */
void topk_mark_spans(const struct topk_span *spans, size_t n_spans, size_t k);
/* The same over one array. */
void topk_mark_f32(const float *v, size_t n, size_t k, unsigned char *kept);
void topk_mark_f64(const double *v, size_t n, size_t k, unsigned char *kept);

#endif
