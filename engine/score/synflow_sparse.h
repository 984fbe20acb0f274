/* synflow_sparse.h: SynFlow's batch-1 conv passes over a layer's listed
 * weights (synflow_sparse.c).  Private to engine/score (synflow.c and the
 * tests).
 *
 * Owns: nothing; every buffer is the caller's.
 */
#ifndef RECONVENE_SYNFLOW_SPARSE_H
#define RECONVENE_SYNFLOW_SPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn/layer.h"

/* One conv layer's listed weights, row by row: entries of SynFlow's alive
 * list (param indices ascending, so w[o][k] row-major).  start (rows + 1,
 * caller's storage) is filled by score_sparse_rows. */
struct score_rows {
	const uint32_t *idx;   /* param indices */
	const float *w;        /* their |w| (-0: pruned, adds exactly 0) */
	size_t n;              /* entries */
	size_t off;            /* param index of the layer's first weight */
	size_t *start;         /* row o: entries [start[o], start[o + 1]) */
};

/* Whether layer l can run its batch-1 passes on its listed weights (a
 * dense-grouped conv with few output positions, no fused epilogue), and
 * whether that is cheaper than the dense path with `entries` listed. */
bool score_sparse_eligible(const struct layer *l);
bool score_sparse_pays(const struct layer *l, size_t entries);
/* Floats of scratch an eligible layer's calls need. */
size_t score_sparse_scratch(const struct layer *l);
/* Fill r->start for `rows` rows of row_len weights each. */
void score_sparse_rows(struct score_rows *r, int rows, size_t row_len);
/* Batch 1: out = conv(in) with the listed weights, plus bias (may be
 * NULL).  And backward: g_out[idx - off] = d out / d w for every listed
 * entry (other g_out untouched), and din += d out / d in unless NULL. */
void score_sparse_forward(const struct layer *l, const struct score_rows *r,
			  const float *in, const float *bias, float *out, float *scratch);
void score_sparse_backward(const struct layer *l, const struct score_rows *r,
			   const float *in, const float *dout, float *din, float *g_out,
			   float *scratch);
/* The same backward, but each listed entry's gradient scored at once
 * instead of written out: the live entries whose score w |g| is below
 * bound, their list positions pos0 + their index in r, appended to out in
 * order, as score_scan_below would append them after
 * score_sparse_backward (the same values to the bit).  A row whose
 * entries might not fit in out->cap sets out->full and ends the scan. */
struct score_below;
void score_sparse_backward_below(const struct layer *l, const struct score_rows *r,
				 const float *in, const float *dout, float *din, float bound,
				 size_t pos0, struct score_below *out, float *scratch);

#endif
