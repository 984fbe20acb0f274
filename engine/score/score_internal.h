/* score_internal.h: what the files of score_compute share, private to
 * engine/score (score.c, mask.c, batch.c, grasp.c, synflow.c,
 * synflow_sparse.c, synflow_collect.c); nothing outside the folder includes it.  The public interface is score/score.h.
 *
 * The files call downwards only, so no two objects call each other:
 *   score.c    options, method names, the dispatcher score_compute, and the
 *              small methods (random, magnitude, SNIP)
 *   grasp.c    GraSP (exact Hessian-gradient product)
 *   synflow.c  SynFlow (block floating point passes, fused selection)
 *   synflow_sparse.c  its batch-1 conv passes over the listed weights
 *   synflow_collect.c  the scan of its selection: a step's pruned
 *              weights and boundary candidates
 *   batch.c    SNIP's and GraSP's scoring batch and its loss gradient
 *   mask.c     which weights are prunable, the global mask, densities,
 *              kept counts, channel scores
 * The run helpers below are static inline so that every file can use them
 * without calling back into score.c.
 *
 * Owns: nothing.  struct score_run and struct score_batch live on the
 * dispatcher's (or a method's) stack; score_batch_make's buffers are freed
 * by score_batch_done.  Thread rules: those of score.h (one call per net).
 */
#ifndef RECONVENE_SCORE_INTERNAL_H
#define RECONVENE_SCORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "score/score.h"

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

/* One score_compute call: the net, its options and where progress goes. */
struct score_run {
	struct net *net;
	const struct score_options *opt;
	const char *method;         /* score_method_name(opt->method), for
				     * messages */
	struct eng_err *err;
	int done, total;            /* progress */
};

/* The index of a parameter pointer into net->params. */
static inline size_t score_param_offset(const struct net *net, const float *p)
{
	return (size_t)(p - net->params);
}

static inline bool score_aborted(const struct score_run *run)
{
	return cancel_requested(run->opt->abort);
}

/* One unit of work done: report progress. */
static inline void score_step(struct score_run *run)
{
	run->done++;
	if (run->opt->progress)
		run->opt->progress(run->done, run->total, run->opt->progress_user);
}

static inline enum eng_status score_abort_status(const struct score_run *run)
{
	return eng_err_set(run->err, ENG_STATUS_ABORTED, "scoring aborted");
}

/* Layer input src: the net's input (src < 0) or layer src's output. */
static inline const float *score_src(const struct net *net, int src,
				     const float *input)
{
	return src < 0 ? input : net->act[src];
}

/* Floats in layer i's output for batch samples. */
static inline size_t score_act_len(const struct net *net, int i, int batch)
{
	return shape_size(net->layers[i].out) * (size_t)batch;
}

/* Make sure the workspace holds batch samples (never shrinks it). */
static inline enum eng_status score_prepare(struct net *net, int batch,
					    struct eng_err *err)
{
	if (net->max_batch >= batch)
		return ENG_STATUS_OK;
	return net_prepare(net, batch, err);
}

/* --- mask.c ---------------------------------------------------------------- */

/* How many of n weights a mask at this sparsity keeps (score_mask_global's
 * K, and each SynFlow step's). */
size_t score_mask_kept_count(size_t n, double sparsity);

/* --- batch.c --------------------------------------------------------------- */

/* SNIP's and GraSP's scoring batch (score_batch_select's samples). */
struct score_batch {
	int n;
	float *x;          /* n x net->input */
	int32_t *labels;   /* n */
};

/* Check the dataset against the net, select and fill the batch and make
 * the workspace hold it.  b is empty on error; else free it with
 * score_batch_done. */
enum eng_status score_batch_make(struct score_run *run,
				 const struct data_split *ds,
				 struct score_batch *b);
void score_batch_done(struct score_batch *b);

/* Train-mode forward and backward of the mean cross-entropy of logits / T:
 * leaves net->act, net->cache, net->dact (d loss / d output of every layer)
 * and net->grads filled.  dz (2 x batch x classes floats) receives d loss /
 * d logits, then scratch. */
void score_batch_grad(struct net *net, const struct score_batch *b, double temp,
		      float *dz);

/* --- synflow_sparse.c ------------------------------------------------------ */

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

/* --- the methods that need more than a loop ------------------------------- */

/* GraSP's scores w * (H g) (grasp.c); run->total = 3 passes. */
enum eng_status score_grasp(struct score_run *run, const struct data_split *ds,
			    float *scores);
/* SynFlow's scores (synflow.c); one step per iteration.  Changes net->params
 * and net->state: the caller restores them. */
enum eng_status score_synflow(struct score_run *run, float *scores);

#endif
